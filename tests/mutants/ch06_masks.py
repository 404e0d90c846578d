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
    # ---- masked_softmax --------------------------------------------------------------------
    # the -1e9 of many tutorials, without a guard: fully masked rows come out uniform
    Mutant("softmax_minus_1e9", "masked_softmax",
           "def masked_softmax(scores, mask, dim=-1):\n"
           "    if mask is not None:\n"
           "        scores = scores.masked_fill(~mask, -1e9)\n"
           "    return torch.softmax(scores, dim=dim)\n"),
    Mutant("softmax_minus_inf_no_guard", "masked_softmax",
           "def masked_softmax(scores, mask, dim=-1):\n"
           "    if mask is not None:\n"
           "        scores = scores.masked_fill(~mask, float('-inf'))\n"
           "    return torch.softmax(scores, dim=dim)\n"),
    Mutant("softmax_mask_after", "masked_softmax",
           "def masked_softmax(scores, mask, dim=-1):\n"
           "    weights = torch.softmax(scores, dim=dim)\n"
           "    return weights if mask is None else weights * mask\n"),
    Mutant("softmax_ignores_dim", "masked_softmax",
           _edited("masked_softmax", ("torch.softmax(blocked, dim=dim)", "torch.softmax(blocked, dim=-1)"),
                   ("mask.any(dim=dim, keepdim=True)", "mask.any(dim=-1, keepdim=True)")),
           visible_passes=True),
    Mutant("softmax_float32_always", "masked_softmax",
           _edited("masked_softmax", ("return torch.softmax(blocked, dim=dim).masked_fill(~mask, 0.0)",
                                      "return torch.softmax(blocked.float(), dim=dim).masked_fill(~mask, 0.0)"))),
    # ---- leaks_future ----------------------------------------------------------------------
    # checks only whether output 0 sees anything after it
    Mutant("leaks_first_position_only", "leaks_future",
           _edited("leaks_future", ("for t in range(T - 1):", "for t in range(min(1, T - 1)):")),
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
    Mutant("answer_all_masked_zeros", "answer_all_masked", 'answer_all_masked = "a"\n'),
    Mutant("answer_causal_everywhere", "answer_causal", 'answer_causal = "d"\n'),
    Mutant("answer_parallel_padding", "answer_parallel", 'answer_parallel = "b"\n'),
    Mutant("answer_after_same", "answer_after", 'answer_after = "a"\n'),
]
