"""Realistic wrong solutions for chapter 6: each must lose points under autograding.

A mutant's `source` replaces the whole solution cell `cell` (a grade_id), written out in full as a
learner would write it, or, for the longer cells, the solution with the mistake edited in
(`solution_with`). `visible_passes=True` marks a mutant that passes every visible test: only hidden
tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_edited = partial(solution_with, "ch06_masks")


MUTANTS = [
    # ---- padding_mask ----------------------------------------------------------------------
    Mutant("padding_inverted", "padding_mask",
           "def padding_mask(ids, pad_id):\n    return (ids == pad_id)[:, None, None, :]\n"),
    Mutant("padding_masks_queries", "padding_mask",
           "def padding_mask(ids, pad_id):\n    return (ids != pad_id)[:, None, :, None]\n"),
    # the pad id of one tokenizer, hard-coded
    Mutant("padding_pad_id_zero", "padding_mask",
           "def padding_mask(ids, pad_id):\n    return (ids != 0)[:, None, None, :]\n", visible_passes=True),
    # a learner's loop over Python lists: a new tensor on the CPU whatever the device of ids
    Mutant("padding_on_the_cpu", "padding_mask",
           "def padding_mask(ids, pad_id):\n"
           "    return torch.tensor([[token != pad_id for token in row] for row in ids.tolist()])[:, None, None, :]\n",
           visible_passes=True),
    Mutant("padding_float_mask", "padding_mask",
           "def padding_mask(ids, pad_id):\n    return (ids != pad_id).float()[:, None, None, :]\n"),
    # ---- causal_mask -----------------------------------------------------------------------
    Mutant("causal_upper_triangle", "causal_mask",
           "def causal_mask(T, device=None):\n"
           "    return torch.ones(T, T, dtype=torch.bool, device=device).triu()[None, None]\n"),
    Mutant("causal_diagonal_excluded", "causal_mask",
           "def causal_mask(T, device=None):\n"
           "    return torch.ones(T, T, dtype=torch.bool, device=device).tril(-1)[None, None]\n"),
    Mutant("causal_no_leading_dims", "causal_mask",
           "def causal_mask(T, device=None):\n    return torch.ones(T, T, dtype=torch.bool, device=device).tril()\n"),
    Mutant("causal_float_mask", "causal_mask",
           "def causal_mask(T, device=None):\n    return torch.ones(T, T, device=device).tril()[None, None]\n"),
    # the uint8 masks of older PyTorch code: they print like True and False, but ~mask is 254 and 255
    Mutant("causal_uint8_mask", "causal_mask",
           "def causal_mask(T, device=None):\n"
           "    return torch.ones(T, T, dtype=torch.uint8, device=device).tril()[None, None]\n",
           visible_passes=True),
    # the device argument accepted and forgotten: the mask is always on the CPU
    Mutant("causal_ignores_device", "causal_mask",
           "def causal_mask(T, device=None):\n    return torch.ones(T, T, dtype=torch.bool).tril()[None, None]\n",
           visible_passes=True),
    # ---- combine_masks ---------------------------------------------------------------------
    Mutant("combine_or", "combine_masks", _edited("combine_masks", ("combined & mask", "combined | mask"))),
    Mutant("combine_first_two_only", "combine_masks",
           "def combine_masks(*masks):\n"
           "    present = [m for m in masks if m is not None]\n"
           "    if not present:\n"
           "        return None\n"
           "    return present[0] if len(present) == 1 else present[0] & present[1]\n",
           visible_passes=True),
    Mutant("combine_in_place", "combine_masks",
           "def combine_masks(*masks):\n"
           "    present = [m for m in masks if m is not None]\n"
           "    if not present:\n"
           "        return None\n"
           "    combined = present[0]\n"
           "    for mask in present[1:]:\n"
           "        combined &= mask\n"
           "    return combined\n"),
    Mutant("combine_all_none_gives_true", "combine_masks",
           "def combine_masks(*masks):\n"
           "    combined = torch.tensor(True)\n"
           "    for mask in masks:\n"
           "        if mask is not None:\n"
           "            combined = combined & mask\n"
           "    return combined\n",
           visible_passes=True),
    # starts from a tensor of ones made on the CPU: an error next to masks on a GPU
    Mutant("combine_starts_on_the_cpu", "combine_masks",
           "def combine_masks(*masks):\n"
           "    present = [m for m in masks if m is not None]\n"
           "    if not present:\n"
           "        return None\n"
           "    combined = torch.ones(torch.broadcast_shapes(*(m.shape for m in present)), dtype=torch.bool)\n"
           "    for mask in present:\n"
           "        combined = combined & mask\n"
           "    return combined\n",
           visible_passes=True),
    # ---- packed_document_mask --------------------------------------------------------------
    # the triangle made on the CPU: right values, and an error next to doc_ids on a GPU
    Mutant("packed_triangle_on_the_cpu", "packed_document_mask",
           _edited("packed_document_mask", ("torch.ones(T, T, dtype=torch.bool, device=doc_ids.device)",
                                            "torch.ones(T, T, dtype=torch.bool)")),
           visible_passes=True),
    # padding as a document of its own: padding positions attend to each other
    Mutant("packed_ignores_padding", "packed_document_mask",
           _edited("packed_document_mask", ("same & real[:, :, None] & real[:, None, :]", "same"))),
    # only -1 is padding, though the statement says every negative id is
    Mutant("packed_minus_one_only", "packed_document_mask",
           _edited("packed_document_mask", ("real = doc_ids >= 0", "real = doc_ids != -1")), visible_passes=True),
    # the causal argument ignored: always causal
    Mutant("packed_always_causal", "packed_document_mask",
           _edited("packed_document_mask", ("    if causal:\n        T = doc_ids.shape[1]\n        mask = mask &",
                                            "    T = doc_ids.shape[1]\n    mask = mask &"))),
    # a document may read the documents before it (ids compared with >=, not ==)
    Mutant("packed_reads_earlier_documents", "packed_document_mask",
           _edited("packed_document_mask", ("doc_ids[:, :, None] == doc_ids[:, None, :]",
                                            "doc_ids[:, :, None] >= doc_ids[:, None, :]"))),
    # id 0 taken for padding, as pad_id was in exercise 1
    Mutant("packed_zero_is_padding", "packed_document_mask",
           _edited("packed_document_mask", ("real = doc_ids >= 0", "real = doc_ids > 0"))),
    # ---- leaks_future ----------------------------------------------------------------------
    # checks only whether output 0 sees anything after it
    Mutant("leaks_first_position_only", "leaks_future",
           _edited("leaks_future", ("for t in range(T - 1):", "for t in range(min(1, T - 1)):")),
           visible_passes=True),
    # looks only at the next position: a layer that reads two or more ahead goes unnoticed
    Mutant("leaks_next_position_only", "leaks_future",
           _edited("leaks_future", ("(grad[0, t + 1:] != 0).any()", "(grad[0, t + 1] != 0).any()")),
           visible_passes=True),
    # looks at the past instead of the future
    Mutant("leaks_checks_the_past", "leaks_future",
           _edited("leaks_future", ("(grad[0, t + 1:] != 0).any()", "(grad[0, :t] != 0).any()"))),
    # includes the position itself: every layer "leaks"
    Mutant("leaks_includes_itself", "leaks_future",
           _edited("leaks_future", ("(grad[0, t + 1:] != 0).any()", "(grad[0, t:] != 0).any()"))),
    # perturbs only the last input position and compares outputs
    Mutant("leaks_perturbs_last_only", "leaks_future",
           "def leaks_future(layer, T, d):\n"
           "    x = torch.randn(1, T, d)\n"
           "    nudged = x.clone()\n"
           "    nudged[:, -1] += 1.0\n"
           "    with torch.no_grad():\n"
           "        return not torch.allclose(layer(x)[:, :-1], layer(nudged)[:, :-1])\n",
           visible_passes=True),
    # sums the features: a layer normalisation's outputs sum to zero
    Mutant("leaks_sums_features", "leaks_future",
           _edited("leaks_future", ("(y[0, t] * probe).sum()", "y[0, t].sum()"),
                   ("(grad[0, t + 1:] != 0).any()", "(grad[0, t + 1:].abs() > 1e-4).any()"))),
    # ---- concept checks --------------------------------------------------------------------
    # padding counted as a document of its own (3 more pairs)
    Mutant("answer_pairs_padding_counted", "answer_pairs", "answer_pairs = 15\n"),
    Mutant("answer_causal_everywhere", "answer_causal", 'answer_causal = "d"\n'),
    Mutant("answer_parallel_padding", "answer_parallel", 'answer_parallel = "a"\n'),
    Mutant("answer_after_same", "answer_after", 'answer_after = "b"\n'),
]
