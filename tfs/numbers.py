"""Chapter 8's translation task: English number words to Chinese numerals, generated offline.

    english_words(21005)   -> ["twenty", "one", "thousand", "five"]
    chinese_numeral(21005) -> "二万一千零五"

English groups digits by thousands, Chinese by ten-thousands (万 = 10^4, 亿 = 10^8), so the
model must reorder, not copy. Numbers run from 0 to 10^12 - 1. Everything is deterministic
given a seed.
"""

import random

import torch

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
THOUSANDS = ["", "thousand", "million", "billion"]
DIGITS = "零一二三四五六七八九"
SMALL_UNITS = ["千", "百", "十", ""]  # within a group of four digits, most significant first
LARGE_UNITS = ["", "万", "亿"]         # one per group of four digits
LIMIT = 10 ** 12


def _check(n: int) -> None:
    if not 0 <= n < LIMIT:
        raise ValueError(f"numbers must be in [0, 10^12), got {n}")


def english_words(n: int) -> list[str]:
    """`n` in English words, without "and" or hyphens: 105 -> ["one", "hundred", "five"]."""
    _check(n)
    if n == 0:
        return ["zero"]
    words = []
    for power in reversed(range(len(THOUSANDS))):
        group = n // 1000 ** power % 1000
        if group:
            words += _english_below_1000(group) + ([THOUSANDS[power]] if power else [])
    return words


def _english_below_1000(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [ONES[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        words += [TENS[rest // 10]] + ([ONES[rest % 10]] if rest % 10 else [])
    elif rest:
        words.append(ONES[rest])
    return words


def chinese_numeral(n: int) -> str:
    """`n` in Chinese numerals: 10 -> 十, 110 -> 一百一十, 20001 -> 二万零一, 10005000 -> 一千万五千.

    One 零 stands for any run of zeros between two non-zero digits, including across a group
    boundary; a numeral that would start with 一十 starts with 十.
    """
    _check(n)
    if n == 0:
        return DIGITS[0]
    text, zeros_pending = "", False
    for power in reversed(range(len(LARGE_UNITS))):
        group = n // 10_000 ** power % 10_000
        if not group:
            zeros_pending = zeros_pending or bool(text)
            continue
        if text and (zeros_pending or group < 1000):
            text += DIGITS[0]
        text += _chinese_below_10000(group) + LARGE_UNITS[power]
        zeros_pending = False
    return text[1:] if text.startswith("一十") else text


def _chinese_below_10000(n: int) -> str:
    text, zero_pending = "", False
    for digit, unit in zip(f"{n:04d}", SMALL_UNITS):
        if digit == "0":
            zero_pending = bool(text)
        else:
            text += (DIGITS[0] if zero_pending else "") + DIGITS[int(digit)] + unit
            zero_pending = False
    return text


class TokenVocab:
    """Tokens to ids and back; <pad>, <bos> and <eos> are ids 0, 1 and 2."""

    def __init__(self, tokens):
        self.itos = list(SPECIALS) + [t for t in dict.fromkeys(tokens) if t not in SPECIALS]
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.pad_id, self.bos_id, self.eos_id = PAD_ID, BOS_ID, EOS_ID

    def __len__(self) -> int:
        return len(self.stoi)

    def encode(self, tokens) -> list[int]:
        """The ids of `tokens`, then <eos>; KeyError names a token the vocabulary lacks."""
        return [self.stoi[t] for t in tokens] + [EOS_ID]

    def decode(self, ids) -> list[str]:
        """The tokens of `ids` up to the first <eos>, without <pad> and <bos>."""
        tokens = []
        for i in (int(i) for i in ids):
            if i == EOS_ID:
                break
            if i not in (PAD_ID, BOS_ID):
                tokens.append(self.itos[i])
        return tokens


def source_vocab() -> TokenVocab:
    """Every English number word."""
    return TokenVocab(ONES + TENS[2:] + ["hundred"] + THOUSANDS[1:])


def target_vocab() -> TokenVocab:
    """零 to 九 and the units 十 百 千 万 亿."""
    return TokenVocab(list(DIGITS) + ["十", "百", "千", "万", "亿"])


def pair(n: int) -> tuple[list[str], list[str]]:
    """(source tokens, target characters) of `n`."""
    return english_words(n), list(chinese_numeral(n))


def sample_numbers(count: int, low: int = 0, high: int = 10 ** 8, seed: int = 0, exclude=()) -> list[int]:
    """`count` distinct numbers in [low, high), none in `exclude`.

    The number of digits is drawn uniformly first, then the number among those with that many
    digits, so that 7 and 70,000,007 are equally at home in a data set.
    """
    if not 0 <= low < high <= LIMIT:
        raise ValueError(f"need 0 <= low < high <= 10^12, got low={low}, high={high}")
    rng, excluded, chosen = random.Random(seed), set(exclude), {}
    widths = range(len(str(low)), len(str(high - 1)) + 1)
    available = high - low - sum(low <= x < high for x in excluded)
    if count > available:
        raise ValueError(f"asked for {count} numbers, only {available} are available in [{low}, {high})")
    while len(chosen) < count:
        width = rng.choice(widths)
        start, stop = max(low, 10 ** (width - 1) if width > 1 else 0), min(high, 10 ** width)
        if start < stop and (n := rng.randrange(start, stop)) not in excluded:
            chosen[n] = None
    return list(chosen)


def splits(n_train: int, n_val: int, n_test: int, low: int = 0, high: int = 10 ** 8,
           seed: int = 0) -> dict[str, list[int]]:
    """Disjoint "train", "val" and "test" numbers drawn from [low, high)."""
    numbers = sample_numbers(n_train + n_val + n_test, low, high, seed)
    return {"train": numbers[:n_train], "val": numbers[n_train:n_train + n_val],
            "test": numbers[n_train + n_val:]}


def _padded(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, :len(row)] = torch.tensor(row)
    return out


def batches(numbers, batch_size: int, *, shuffle: bool = True, seed: int = 0):
    """Batches `(src [B, S], labels [B, T])` of id tensors padded with PAD_ID; labels end in EOS.

    Batching by length: the numbers are sorted by source length, cut into batches (so a batch
    holds sequences of similar length and little padding), and the batches shuffled.
    """
    src_vocab, tgt_vocab = source_vocab(), target_vocab()
    encoded = [(src_vocab.encode(s), tgt_vocab.encode(t)) for s, t in map(pair, numbers)]
    encoded.sort(key=lambda st: (len(st[0]), len(st[1])))
    out = [(_padded([s for s, _ in chunk]), _padded([t for _, t in chunk]))
           for chunk in (encoded[i:i + batch_size] for i in range(0, len(encoded), batch_size))]
    if shuffle:
        random.Random(seed).shuffle(out)
    return out


def copy_batches(n_batches: int, batch_size: int, length: int, vocab_size: int, seed: int = 0):
    """The copy warm-up task, as `batches` gives it: `length` random ids in [3, vocab_size), then
    EOS, and labels equal to the source."""
    generator = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        ids = torch.randint(len(SPECIALS), vocab_size, (batch_size, length), generator=generator)
        src = torch.cat([ids, torch.full((batch_size, 1), EOS_ID)], dim=1)
        out.append((src, src.clone()))
    return out
