"""Honest variants for ch01_tokens: correct alternative solutions that must keep full marks."""

from functools import partial

from tests.mutants import solution_with
from tests.variants import Variant

_tokenize_with = partial(solution_with, "ch01_tokens", "tokenize")
_vocab_with = partial(solution_with, "ch01_tokens", "Vocab")

_SOLUTION_TOKENIZE = '''    # A word character: isalnum() (that is `[^\\W_]`), but not a CJK ideograph.
    word_char = r"[^\\W_\\u3400-\\u4dbf\\u4e00-\\u9fff]"
    # Tried left to right at each position: a run of word characters and apostrophes, else
    # any single non-space character (punctuation, a CJK ideograph, an emoji, ...).
    return re.findall(rf"(?:{word_char}|')+|\\S", text.lower())
'''

VARIANTS = [
    # ---- tokenize --------------------------------------------------------------------------
    # the rule one character at a time, with the given is_cjk
    Variant("tokenize_character_loop", "tokenize", _tokenize_with((_SOLUTION_TOKENIZE, '''    tokens, word = [], []
    for char in text.lower():
        if char == "'" or (char.isalnum() and not is_cjk(char)):
            word.append(char)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        if not char.isspace():
            tokens.append(char)
    if word:
        tokens.append("".join(word))
    return tokens
'''))),
    # a negative lookahead excludes the ideographs; re.finditer and an explicit whitespace class
    Variant("tokenize_lookahead_finditer", "tokenize", _tokenize_with((_SOLUTION_TOKENIZE, '''    pattern = re.compile(r"(?:(?![\\u4e00-\\u9fff\\u3400-\\u4dbf])[^\\W_]|')+|[^\\s]")
    return [match.group(0) for match in pattern.finditer(text.lower())]
'''))),
    # ---- Vocab -----------------------------------------------------------------------------
    # alphabetical first, then a stable sort by count; encode with try/except; len of stoi
    Variant("vocab_stable_sorts_try_except", "Vocab", _vocab_with(
        ('''        words = [token for token, n in counts.items() if n >= min_freq and token not in specials]
        words.sort(key=lambda token: (-counts[token], token))  # most frequent first, ties alphabetical
''', '''        words = sorted(token for token in counts if counts[token] >= min_freq and token not in set(specials))
        words = sorted(words, key=lambda token: counts[token], reverse=True)   # stable: ties stay alphabetical
'''),
        ("return [self.stoi.get(token, self.unk_id) for token in tokens]", '''ids = []
        for token in tokens:
            try:
                ids.append(self.stoi[token])
            except KeyError:
                ids.append(self.unk_id)
        return ids'''),
        ("return [self.itos[i] for i in ids]", "return list(map(self.itos.__getitem__, ids))"),
        ("return len(self.itos)", "return len(self.stoi)"),
    )),
    # a plain dict of counts, sorted items, and specials skipped while listing
    Variant("vocab_dict_counts_sorted_items", "Vocab", _vocab_with(
        ('''        counts = Counter(token for tokens in token_lists for token in tokens)
        words = [token for token, n in counts.items() if n >= min_freq and token not in specials]
        words.sort(key=lambda token: (-counts[token], token))  # most frequent first, ties alphabetical
        return cls(list(specials) + words)
''', '''        counts = {}
        for tokens in token_lists:
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
        itos = list(specials)
        for token, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            if n >= min_freq and token not in specials:
                itos.append(token)
        return cls(itos)
'''),
        ("return [self.stoi.get(token, self.unk_id) for token in tokens]",
         "return [self.stoi[token] if token in self.stoi else self.unk_id for token in tokens]"),
    )),
    # ---- one_hot ---------------------------------------------------------------------------
    # zeros + scatter_; a min/max range check guarded for empty ids
    Variant("one_hot_scatter_guarded_minmax", "one_hot", '''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids, dtype=torch.long)
    if ids.numel() > 0 and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(f"ids must lie in [0, {num_classes})")
    out = torch.zeros(*ids.shape, num_classes, dtype=torch.float32, device=ids.device)
    return out.scatter_(-1, ids.unsqueeze(-1), 1.0)
'''),
    # torch.any over a boolean test, unsqueeze and .to(torch.float32)
    Variant("one_hot_any_unsqueeze", "one_hot", '''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if torch.any(ids < 0) or torch.any(ids >= num_classes):
        raise ValueError("id out of range")
    return ids.unsqueeze(-1).eq(torch.arange(num_classes, device=ids.device)).to(torch.float32)
'''),
    # ---- embed_with_one_hot ----------------------------------------------------------------
    Variant("embed_einsum", "embed_with_one_hot", '''def embed_with_one_hot(ids, weight):
    return torch.einsum("...v,vd->...d", one_hot(ids, weight.shape[0]).to(weight.dtype), weight)
'''),
    # flatten the ids, one (N, V) @ (V, D) product, then restore the shape
    Variant("embed_flatten_and_reshape", "embed_with_one_hot", '''def embed_with_one_hot(ids, weight):
    ids = torch.as_tensor(ids)
    V, D = weight.shape
    rows = torch.matmul(one_hot(ids.reshape(-1), V).type_as(weight), weight)   # (N, D)
    return rows.reshape(*ids.shape, D)
'''),
    # ---- cosine_similarity_matrix ----------------------------------------------------------
    Variant("cosine_f_normalize", "cosine_similarity_matrix", '''import torch.nn.functional as F


def cosine_similarity_matrix(x):
    unit = F.normalize(x, dim=1)   # x / max(|x|, 1e-12): a zero row stays zero
    return unit @ unit.T
'''),
    # rsqrt of the squared lengths, zero rows (inf) set to 0 by hand
    Variant("cosine_rsqrt_where", "cosine_similarity_matrix", '''def cosine_similarity_matrix(x):
    inverse = (x * x).sum(dim=-1, keepdim=True).rsqrt()           # 1 / |x_i|, inf for a zero row
    inverse = torch.where(torch.isinf(inverse), torch.zeros_like(inverse), inverse)
    unit = x * inverse
    return torch.mm(unit, unit.t())
'''),
]
