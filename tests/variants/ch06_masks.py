"""Honest variants for ch06_masks: correct alternative solutions that must keep full marks."""

from functools import partial

from tests.mutants import solution_with
from tests.variants import Variant

_edited = partial(solution_with, "ch06_masks")

VARIANTS: list[Variant] = [
    # ---- padding_mask ----------------------------------------------------------------------
    Variant("padding_ne_unsqueeze", "padding_mask",
            "def padding_mask(ids, pad_id):\n    return ids.ne(pad_id).unsqueeze(1).unsqueeze(2)\n"),
    Variant("padding_not_equal_view", "padding_mask",
            "def padding_mask(ids, pad_id):\n"
            "    B, T = ids.shape\n"
            "    return torch.logical_not(ids == pad_id).view(B, 1, 1, T)\n"),
    # ---- causal_mask -----------------------------------------------------------------------
    Variant("causal_arange_compare", "causal_mask",
            "def causal_mask(T, device=None):\n"
            "    positions = torch.arange(T, device=device)\n"
            "    return (positions[None, :] <= positions[:, None]).reshape(1, 1, T, T)\n"),
    Variant("causal_not_triu", "causal_mask",
            "def causal_mask(T, device=None):\n"
            "    future = torch.triu(torch.ones(T, T, device=device), diagonal=1).bool()\n"
            "    return ~future[None, None]\n"),
    # ---- combine_masks ---------------------------------------------------------------------
    Variant("combine_reduce_logical_and", "combine_masks",
            "import functools\n\n\n"
            "def combine_masks(*masks):\n"
            "    present = [m for m in masks if m is not None]\n"
            "    return functools.reduce(torch.logical_and, present) if present else None\n"),
    Variant("combine_broadcast_all", "combine_masks",
            "def combine_masks(*masks):\n"
            "    present = [m for m in masks if m is not None]\n"
            "    if not present:\n"
            "        return None\n"
            "    if len(present) == 1:\n"
            "        return present[0]\n"
            "    return torch.stack(torch.broadcast_tensors(*present)).all(dim=0)\n"),
    # ---- packed_document_mask --------------------------------------------------------------
    # padding checked on the keys only: a padding query can then only match padding keys, which are blocked
    Variant("packed_keys_only_arange", "packed_document_mask",
            "def packed_document_mask(doc_ids, causal=True):\n"
            "    T = doc_ids.shape[1]\n"
            "    mask = (doc_ids.unsqueeze(2) == doc_ids.unsqueeze(1)) & (doc_ids >= 0).unsqueeze(1)\n"
            "    if causal:\n"
            "        position = torch.arange(T, device=doc_ids.device)\n"
            "        mask = mask & (position[:, None] >= position[None, :])\n"
            "    return mask.unsqueeze(1)\n"),
    # padding replaced by ids no document has, one per position, and the diagonal of padding removed
    Variant("packed_where_fresh_ids", "packed_document_mask",
            "def packed_document_mask(doc_ids, causal=True):\n"
            "    B, T = doc_ids.shape\n"
            "    pad = doc_ids < 0\n"
            "    ids = torch.where(pad, -1 - torch.arange(T, device=doc_ids.device), doc_ids)\n"
            "    mask = ids.view(B, 1, T, 1) == ids.view(B, 1, 1, T)\n"
            "    mask = mask & ~pad.view(B, 1, 1, T)\n"
            "    if causal:\n"
            "        mask = mask & torch.ones(T, T, dtype=torch.bool, device=doc_ids.device).tril()\n"
            "    return mask\n"),
    # ---- leaks_future ----------------------------------------------------------------------
    # the whole Jacobian at once, then its part above the diagonal
    Variant("leaks_jacobian", "leaks_future",
            "def leaks_future(layer, T, d):\n"
            "    x = torch.randn(1, T, d)\n"
            "    jac = torch.autograd.functional.jacobian(layer, x)          # [1, T, d, 1, T, d]\n"
            "    depends = jac[0, :, :, 0].abs().sum(dim=(1, 3)) > 0          # [T_out, T_in]\n"
            "    return bool(depends.triu(diagonal=1).any())\n"),
    # one forward pass per output position, backward() into x.grad, a magnitude test
    Variant("leaks_backward_each_position", "leaks_future",
            "def leaks_future(layer, T, d):\n"
            "    for t in range(T - 1):\n"
            "        x = torch.randn(1, T, d, requires_grad=True)\n"
            "        y = layer(x)\n"
            "        weights = torch.randn(y.shape[-1])\n"
            "        (y[0, t] @ weights).backward()\n"
            "        if x.grad is not None and x.grad[0, t + 1:].abs().sum() > 0:\n"
            "            return True\n"
            "    return False\n"),
]
