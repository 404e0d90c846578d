"""tfs.numbers, chapter 8's data: hand-checked numerals, vocabularies, splits and batches."""

import pytest
import torch

from tfs.numbers import (BOS_ID, EOS_ID, PAD_ID, batches, chinese_numeral, copy_batches, english_words, pair,
                         sample_numbers, source_vocab, splits, target_vocab)

# Checked by hand against the standard rules: one 零 for a run of zeros between non-zero digits
# (across a 万 or 亿 boundary too), none at the end, and 十 rather than 一十 at the start.
HAND_CHECKED = {
    0: ("zero", "零"),
    7: ("seven", "七"),
    10: ("ten", "十"),
    15: ("fifteen", "十五"),
    20: ("twenty", "二十"),
    105: ("one hundred five", "一百零五"),
    110: ("one hundred ten", "一百一十"),
    1005: ("one thousand five", "一千零五"),
    1010: ("one thousand ten", "一千零一十"),
    10010: ("ten thousand ten", "一万零一十"),
    20001: ("twenty thousand one", "二万零一"),
    21005: ("twenty one thousand five", "二万一千零五"),
    100000: ("one hundred thousand", "十万"),
    100001: ("one hundred thousand one", "十万零一"),
    110000: ("one hundred ten thousand", "十一万"),
    1000000: ("one million", "一百万"),
    10005000: ("ten million five thousand", "一千万五千"),
    99999999: ("ninety nine million nine hundred ninety nine thousand nine hundred ninety nine",
               "九千九百九十九万九千九百九十九"),
    100000001: ("one hundred million one", "一亿零一"),
    100010000: ("one hundred million ten thousand", "一亿零一万"),
    1000000000: ("one billion", "十亿"),
    200000000000: ("two hundred billion", "二千亿"),
}


@pytest.mark.parametrize("n", HAND_CHECKED)
def test_hand_checked_numbers(n):
    english, chinese = HAND_CHECKED[n]
    assert " ".join(english_words(n)) == english
    assert chinese_numeral(n) == chinese


@pytest.mark.parametrize("n", [-1, 10 ** 12])
def test_out_of_range_numbers_are_refused(n):
    with pytest.raises(ValueError, match="10\\^12"):
        chinese_numeral(n)
    with pytest.raises(ValueError, match="10\\^12"):
        english_words(n)


def read_chinese(text: str) -> int:
    """An independent reader of Chinese numerals: the inverse the generator must satisfy."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    units, large = {"十": 10, "百": 100, "千": 1000}, {"万": 10 ** 4, "亿": 10 ** 8}
    total, section, digit = 0, 0, None
    for char in text:
        if char in digits:
            digit = digits[char]
        elif char in units:
            section += (1 if digit is None else digit) * units[char]
            digit = None
        else:
            total += (section + (digit or 0)) * large[char]
            section, digit = 0, None
    return total + section + (digit or 0)


def test_numerals_read_back_to_their_numbers():
    for n in sample_numbers(3000, high=10 ** 12, seed=1):
        text = chinese_numeral(n)
        assert read_chinese(text) == n, (n, text)
        assert "零零" not in text and (n == 0 or not text.endswith("零")), (n, text)


def test_vocabularies_cover_every_token_and_round_trip():
    src, tgt = source_vocab(), target_vocab()
    assert (src.pad_id, src.bos_id, src.eos_id) == (PAD_ID, BOS_ID, EOS_ID) == (0, 1, 2)
    for n in sample_numbers(500, high=10 ** 12, seed=2):
        words, chars = pair(n)
        assert src.encode(words)[-1] == EOS_ID
        assert src.decode(src.encode(words)) == words
        assert tgt.decode([BOS_ID] + tgt.encode(chars) + [PAD_ID, 5]) == chars


def test_splits_are_disjoint_deterministic_and_cover_every_length():
    parts = splits(2000, 300, 300, seed=3)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [2000, 300, 300]
    assert len(set().union(*parts.values())) == 2600
    assert parts == splits(2000, 300, 300, seed=3) and parts != splits(2000, 300, 300, seed=4)
    lengths = {len(str(n)) for n in parts["train"]}
    assert lengths == set(range(1, 9)), "every number of digits from 1 to 8 is drawn"
    assert all(10 ** 6 <= n < 10 ** 8 for n in sample_numbers(50, 10 ** 6, 10 ** 8))
    with pytest.raises(ValueError, match="only 10"):
        sample_numbers(11, high=10)


def test_batches_hold_every_pair_once_with_little_padding():
    numbers = sample_numbers(1000, seed=5)
    found, padding = [], 0
    for src, labels in batches(numbers, 64, seed=0):
        assert src.dtype == labels.dtype == torch.long and len(src) == len(labels) <= 64
        assert ((src == EOS_ID).sum(1) == 1).all() and ((labels == EOS_ID).sum(1) == 1).all()
        padding += (src == PAD_ID).sum().item()
        found += [" ".join(source_vocab().decode(row)) for row in src]
    assert sorted(found) == sorted(" ".join(english_words(n)) for n in numbers)
    lengths = [len(english_words(n)) + 1 for n in numbers]
    unsorted = sum(max(chunk) * len(chunk) - sum(chunk) for chunk in (lengths[i:i + 64] for i in range(0, 1000, 64)))
    assert padding < unsorted / 5, f"batching by length pads {padding} tokens, random batches {unsorted}"


def test_copy_batches_copy_the_source():
    for src, labels in copy_batches(3, 4, 6, vocab_size=10, seed=0):
        assert src.shape == labels.shape == (4, 7) and torch.equal(src, labels)
        assert (src[:, :-1] >= 3).all() and (src[:, :-1] < 10).all() and (src[:, -1] == EOS_ID).all()
