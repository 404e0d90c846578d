"""Realistic wrong solutions for chapter 1: each must lose points under autograding.

A mutant's `source` replaces the whole solution cell `cell` (a grade_id). Short cells are written
out in full, as a learner would write them. The `Vocab` cell is long, so its mutants are the
solution cell with one edit (`_vocab_with`): the edit is the mistake.
`visible_passes=True` marks a mutant that passes every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_vocab_with = partial(solution_with, "ch01_tokens", "Vocab")


MUTANTS = [
    # ---- tokenize --------------------------------------------------------------------------
    Mutant(
        name="tokenize_keeps_case",
        cell="tokenize",
        visible_passes=False,
        source='''def tokenize(text):
    return re.findall(r"(?:[^\\W_\\u3400-\\u4dbf\\u4e00-\\u9fff]|')+|\\S", text)
''',
    ),
    Mutant(
        name="tokenize_splits_on_spaces",
        cell="tokenize",
        visible_passes=False,
        source='''def tokenize(text):
    return text.lower().split()
''',
    ),
    Mutant(
        name="tokenize_drops_apostrophes",
        cell="tokenize",
        visible_passes=False,
        source='''def tokenize(text):
    return re.findall(r"[^\\W_\\u3400-\\u4dbf\\u4e00-\\u9fff]+|\\S", text.lower())
''',
    ),
    Mutant(
        # the classic English-only pattern: \\w also matches CJK ideographs, so a Chinese
        # sentence becomes one word (and "snake_case" too)
        name="tokenize_cjk_run_is_one_word",
        cell="tokenize",
        visible_passes=False,
        source='''def tokenize(text):
    return re.findall(r"[\\w']+|[^\\w\\s]", text.lower())
''',
    ),
    Mutant(
        # ASCII letters only: "café" becomes "caf", "é"
        name="tokenize_ascii_letters_only",
        cell="tokenize",
        visible_passes=True,
        source='''def tokenize(text):
    return re.findall(r"[a-z0-9']+|\\S", text.lower())
''',
    ),
    Mutant(
        # CJK first, then \\w: "_" joins words, and "nlp我" is one token
        name="tokenize_underscore_is_a_letter",
        cell="tokenize",
        visible_passes=True,
        source='''def tokenize(text):
    return re.findall(r"[\\u3400-\\u4dbf\\u4e00-\\u9fff]|[\\w']+|\\S", text.lower())
''',
    ),
    Mutant(
        # only the main CJK block: Extension A ideographs glue into words
        name="tokenize_forgets_cjk_extension_a",
        cell="tokenize",
        visible_passes=True,
        source='''def tokenize(text):
    return re.findall(r"(?:[^\\W_\\u4e00-\\u9fff]|')+|\\S", text.lower())
''',
    ),
    # ---- Vocab -----------------------------------------------------------------------------
    Mutant(
        name="vocab_specials_last",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("return cls(list(specials) + words)", "return cls(words + list(specials))")),
    ),
    Mutant(
        name="vocab_ties_in_first_seen_order",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("key=lambda token: (-counts[token], token)", "key=lambda token: -counts[token]")),
    ),
    Mutant(
        # sorted(..., key=(count, token), reverse=True): ties come out reverse-alphabetical
        name="vocab_ties_reverse_alphabetical",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("key=lambda token: (-counts[token], token))",
                            "key=lambda token: (counts[token], token), reverse=True)")),
    ),
    Mutant(
        name="vocab_min_freq_strictly_greater",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("n >= min_freq", "n > min_freq")),
    ),
    Mutant(
        name="vocab_min_freq_ignored",
        cell="Vocab",
        visible_passes=True,
        source=_vocab_with(("n >= min_freq and ", "")),
    ),
    Mutant(
        # a special that occurs in the text is added a second time
        name="vocab_special_added_twice",
        cell="Vocab",
        visible_passes=True,
        source=_vocab_with((" and token not in specials", "")),
    ),
    Mutant(
        name="vocab_encode_raises_keyerror",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("self.stoi.get(token, self.unk_id)", "self.stoi[token]")),
    ),
    Mutant(
        # "<unk> is 1" is true for the default specials only
        name="vocab_encode_unk_hardcoded_1",
        cell="Vocab",
        visible_passes=True,
        source=_vocab_with(("self.stoi.get(token, self.unk_id)", "self.stoi.get(token, 1)")),
    ),
    Mutant(
        name="vocab_len_without_specials",
        cell="Vocab",
        visible_passes=False,
        source=_vocab_with(("return len(self.itos)", "return len(self.itos) - 4")),
    ),
    # ---- one_hot ---------------------------------------------------------------------------
    Mutant(
        name="one_hot_int64",
        cell="one_hot",
        visible_passes=False,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ((ids < 0) | (ids >= num_classes)).any():
        raise ValueError("id out of range")
    return (ids[..., None] == torch.arange(num_classes)).long()
''',
    ),
    Mutant(
        name="one_hot_1d_only",
        cell="one_hot",
        visible_passes=False,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ((ids < 0) | (ids >= num_classes)).any():
        raise ValueError("id out of range")
    out = torch.zeros(len(ids), num_classes)
    out[torch.arange(len(ids)), ids] = 1.0
    return out
''',
    ),
    Mutant(
        name="one_hot_no_range_check",
        cell="one_hot",
        visible_passes=False,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    return (ids[..., None] == torch.arange(num_classes)).float()
''',
    ),
    Mutant(
        # allows id == num_classes, which gets a row of zeros
        name="one_hot_range_check_off_by_one",
        cell="one_hot",
        visible_passes=False,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ids.min() < 0 or ids.max() > num_classes:
        raise ValueError("id out of range")
    return (ids[..., None] == torch.arange(num_classes)).float()
''',
    ),
    Mutant(
        # negative ids get a silent row of zeros
        name="one_hot_only_checks_the_top",
        cell="one_hot",
        visible_passes=True,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ids.max() >= num_classes:
        raise ValueError("id out of range")
    return (ids[..., None] == torch.arange(num_classes)).float()
''',
    ),
    Mutant(
        # the range check most learners write: right for every non-empty input, but min() and
        # max() of an empty tensor raise a RuntimeError
        name="one_hot_min_max_check_crashes_on_empty",
        cell="one_hot",
        visible_passes=True,
        source='''def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ids.min() < 0 or ids.max() >= num_classes:
        raise ValueError("id out of range")
    return (ids[..., None] == torch.arange(num_classes)).float()
''',
    ),
    Mutant(
        name="one_hot_calls_the_builtin",
        cell="one_hot",
        visible_passes=True,
        source='''import torch.nn.functional as F


def one_hot(ids, num_classes):
    ids = torch.as_tensor(ids)
    if ((ids < 0) | (ids >= num_classes)).any():
        raise ValueError("id out of range")
    return F.one_hot(ids, num_classes).float()
''',
    ),
    # ---- embed_with_one_hot ----------------------------------------------------------------
    Mutant(
        # one_hot over D (weight.shape[1]) instead of V
        name="embed_num_classes_from_wrong_axis",
        cell="embed_with_one_hot",
        visible_passes=False,
        source='''def embed_with_one_hot(ids, weight):
    return one_hot(ids, weight.shape[1]) @ weight.T
''',
    ),
    Mutant(
        name="embed_flattens_the_batch",
        cell="embed_with_one_hot",
        visible_passes=False,
        source='''def embed_with_one_hot(ids, weight):
    return one_hot(ids.reshape(-1), weight.shape[0]) @ weight
''',
    ),
    Mutant(
        name="embed_detaches_weight",
        cell="embed_with_one_hot",
        visible_passes=True,
        source='''def embed_with_one_hot(ids, weight):
    return one_hot(ids, weight.shape[0]) @ weight.detach()
''',
    ),
    Mutant(
        # the right numbers without the one-hot product the exercise is about
        name="embed_skips_one_hot",
        cell="embed_with_one_hot",
        visible_passes=True,
        source='''def embed_with_one_hot(ids, weight):
    return weight[ids]
''',
    ),
    # ---- cosine_similarity_matrix ----------------------------------------------------------
    Mutant(
        name="cosine_not_normalised",
        cell="cosine_similarity_matrix",
        visible_passes=False,
        source='''def cosine_similarity_matrix(x):
    return x @ x.T
''',
    ),
    Mutant(
        name="cosine_nan_on_zero_rows",
        cell="cosine_similarity_matrix",
        visible_passes=False,
        source='''def cosine_similarity_matrix(x):
    unit = x / x.norm(dim=1, keepdim=True)
    return unit @ unit.T
''',
    ),
    Mutant(
        name="cosine_normalises_columns",
        cell="cosine_similarity_matrix",
        visible_passes=False,
        source='''def cosine_similarity_matrix(x):
    unit = x / x.norm(dim=0, keepdim=True).clamp_min(1e-12)
    return unit @ unit.T
''',
    ),
    Mutant(
        # x /= ... divides the caller's tensor in place
        name="cosine_changes_its_input",
        cell="cosine_similarity_matrix",
        visible_passes=True,
        source='''def cosine_similarity_matrix(x):
    x /= x.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return x @ x.T
''',
    ),
    Mutant(
        # one global length instead of one per row
        name="cosine_divides_by_the_frobenius_norm",
        cell="cosine_similarity_matrix",
        visible_passes=False,
        source='''def cosine_similarity_matrix(x):
    unit = x / x.norm().clamp_min(1e-12)
    return unit @ unit.T
''',
    ),
    Mutant(
        # the usual guard against 0 / 0, but an eps added to every length shrinks short rows:
        # a row of length 1e-6 gets similarity 0.25 with itself
        name="cosine_eps_added_to_the_lengths",
        cell="cosine_similarity_matrix",
        visible_passes=True,
        source='''def cosine_similarity_matrix(x):
    unit = x / (x.norm(dim=1, keepdim=True) + 1e-6)
    return unit @ unit.T
''',
    ),
    Mutant(
        # the right numbers from the built-in the exercise asks to write by hand
        name="cosine_calls_the_builtin",
        cell="cosine_similarity_matrix",
        visible_passes=True,
        source='''import torch.nn.functional as F


def cosine_similarity_matrix(x):
    return F.cosine_similarity(x[:, None, :], x[None, :, :], dim=-1)
''',
    ),
    # ---- concept checks --------------------------------------------------------------------
    Mutant(
        # only the diagonal: forgets that the two vectors of id 3 are the same vector
        name="answer_orthogonal_diagonal_only",
        cell="answer_orthogonal",
        visible_passes=True,
        source="answer_orthogonal = 3\n",
    ),
    Mutant(
        name="answer_lookup_rounding",
        cell="answer_lookup",
        visible_passes=True,
        source='answer_lookup = "a"\n',
    ),
    Mutant(
        name="answer_ids_order_nearby_ids",
        cell="answer_ids_order",
        visible_passes=True,
        source='answer_ids_order = "b"\n',
    ),
]
