"""Honest variants for ch03_attention: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

VARIANTS = [
    # ---- softmax ---------------------------------------------------------------------------
    # move dim to the end, work on the last axis, move it back
    Variant("softmax_movedim", "softmax", '''def softmax(x, dim=-1):
    moved = x.movedim(dim, -1)
    exps = torch.exp(moved - moved.max(dim=-1, keepdim=True).values)
    return (exps / exps.sum(dim=-1, keepdim=True)).movedim(-1, dim)
'''),
    # the shift detached (its gradient is zero anyway), and a multiplication by the reciprocal
    Variant("softmax_detached_shift_reciprocal", "softmax", '''def softmax(x, dim=-1):
    shift = torch.amax(x, dim=dim, keepdim=True).detach()
    exps = torch.exp(x - shift)
    return exps * exps.sum(dim=dim, keepdim=True).reciprocal()
'''),
    # ---- attention_weights -----------------------------------------------------------------
    Variant("weights_einsum_power", "attention_weights", '''def attention_weights(q, K):
    scores = torch.einsum("md,d->m", K, q) * q.shape[-1] ** -0.5
    return softmax(scores)
'''),
    # the built-in softmax, which the statement allows here; torch.mv and a tensor rsqrt
    Variant("weights_mv_rsqrt_torch_softmax", "attention_weights", '''def attention_weights(q, K):
    d = torch.tensor(float(K.shape[1]), dtype=q.dtype)
    return torch.softmax(torch.mv(K, q) * torch.rsqrt(d), dim=0)
'''),
    # ---- context_vector --------------------------------------------------------------------
    Variant("context_broadcast_sum", "context_vector", '''def context_vector(alpha, V):
    return (alpha[:, None] * V).sum(dim=0)
'''),
    Variant("context_einsum", "context_vector", '''def context_vector(alpha, V):
    return torch.einsum("m,md->d", alpha, V)
'''),
    # ---- additive_scores -------------------------------------------------------------------
    Variant("additive_einsum", "additive_scores", '''def additive_scores(q, K, W_q, W_k, v):
    keys = torch.einsum("hd,md->mh", W_k, K)           # W_k k_i for every key
    return torch.einsum("mh,h->m", torch.tanh(keys + (W_q @ q)[None, :]), v)
'''),
    Variant("additive_linear_mul_sum", "additive_scores", '''def additive_scores(q, K, W_q, W_k, v):
    hidden = torch.tanh(F.linear(K, W_k) + F.linear(q, W_q))   # (m, h)
    return (hidden * v).sum(dim=-1)
'''),
    # ---- scaled_dot_product_attention ------------------------------------------------------
    # masked_fill with -inf before the softmax, then nan_to_num for fully masked rows: their
    # weights are NaN before the clean-up, but masked_fill stops the NaN gradients
    Variant("sdpa_masked_fill_nan_to_num", "scaled_dot_product_attention", '''def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = torch.matmul(Q, K.transpose(-1, -2)) / math.sqrt(K.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    weights = torch.nan_to_num(softmax(scores, dim=-1), nan=0.0)
    return torch.matmul(weights, V), weights
'''),
    # einsum, rsqrt scaling, torch.where for the masking and the finest float fill value
    Variant("sdpa_einsum_where_finfo_min", "scaled_dot_product_attention", '''def scaled_dot_product_attention(Q, K, V, mask=None):
    scale = torch.rsqrt(torch.tensor(Q.shape[-1], dtype=Q.dtype))
    scores = torch.einsum("...qd,...kd->...qk", Q, K) * scale
    if mask is not None:
        scores = torch.where(mask, scores, torch.finfo(scores.dtype).min)
    weights = softmax(scores, dim=-1)
    if mask is not None:
        weights = torch.where(mask, weights, torch.zeros_like(weights))
    return torch.einsum("...qk,...kd->...qd", weights, V), weights
'''),
]
