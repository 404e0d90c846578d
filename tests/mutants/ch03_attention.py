"""Realistic wrong solutions for chapter 3: each must lose points under autograding.

A mutant's `source` replaces the whole solution cell `cell` (a grade_id), written out in full as a
learner would write it, or, for the long `scaled_dot_product_attention`, the solution with the
mistake edited in (`_sdpa_with`). `visible_passes=True` marks a mutant that passes every visible
test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

SDPA_HEAD = '''def scaled_dot_product_attention(Q, K, V, mask=None):
'''

_sdpa_with = partial(solution_with, "ch03_attention", "scaled_dot_product_attention")


MUTANTS = [
    # ---- softmax ---------------------------------------------------------------------------
    Mutant(
        # the textbook formula: exp(1e4) overflows to inf, and inf / inf is NaN
        name="softmax_no_max_subtraction",
        cell="softmax",
        source='''def softmax(x, dim=-1):
    exps = x.exp()
    return exps / exps.sum(dim=dim, keepdim=True)
''',
    ),
    Mutant(
        # normalises over the whole tensor: a batch of rows sums to 1 together
        name="softmax_sum_over_everything",
        cell="softmax",
        source='''def softmax(x, dim=-1):
    exps = (x - x.max()).exp()
    return exps / exps.sum()
''',
    ),
    Mutant(
        # max without keepdim: (2, 3) - (2,) broadcasts wrongly or fails
        name="softmax_max_without_keepdim",
        cell="softmax",
        source='''def softmax(x, dim=-1):
    exps = (x - x.max(dim=dim).values).exp()
    return exps / exps.sum(dim=dim, keepdim=True)
''',
    ),
    Mutant(
        # the maximum of the whole tensor: stable for one row, NaN for rows on different scales
        name="softmax_global_max",
        cell="softmax",
        visible_passes=True,
        source='''def softmax(x, dim=-1):
    exps = (x - x.max()).exp()
    return exps / exps.sum(dim=dim, keepdim=True)
''',
    ),
    Mutant(
        # always the last dimension, whatever dim says
        name="softmax_ignores_dim",
        cell="softmax",
        visible_passes=True,
        source='''def softmax(x, dim=-1):
    exps = (x - x.amax(dim=-1, keepdim=True)).exp()
    return exps / exps.sum(dim=-1, keepdim=True)
''',
    ),
    Mutant(
        # right values, but the exercise is to write it: the hidden test makes the built-ins raise
        name="softmax_calls_torch_softmax",
        cell="softmax",
        visible_passes=True,
        source='''def softmax(x, dim=-1):
    return torch.softmax(x, dim=dim)
''',
    ),
    Mutant(
        # exp(log_softmax): a built-in by another name
        name="softmax_via_log_softmax",
        cell="softmax",
        visible_passes=True,
        source='''def softmax(x, dim=-1):
    return F.log_softmax(x, dim=dim).exp()
''',
    ),
    # ---- attention_weights -----------------------------------------------------------------
    Mutant(
        name="weights_no_scaling",
        cell="attention_weights",
        source='''def attention_weights(q, K):
    return softmax(K @ q, dim=-1)
''',
    ),
    Mutant(
        name="weights_scale_by_d",
        cell="attention_weights",
        source='''def attention_weights(q, K):
    return softmax(K @ q / q.shape[-1], dim=-1)
''',
    ),
    Mutant(
        # scales after the softmax: the weights no longer sum to 1
        name="weights_scale_after_softmax",
        cell="attention_weights",
        source='''def attention_weights(q, K):
    return softmax(K @ q, dim=-1) / math.sqrt(q.shape[-1])
''',
    ),
    Mutant(
        # sqrt of the number of keys, not of the vector length: right only when m == d
        name="weights_scale_by_number_of_keys",
        cell="attention_weights",
        visible_passes=True,
        source='''def attention_weights(q, K):
    return softmax(K @ q / math.sqrt(K.shape[0]), dim=-1)
''',
    ),
    Mutant(
        # a column vector squeezed back: one key gives a 0-d tensor instead of shape (1,)
        name="weights_squeeze_loses_single_key",
        cell="attention_weights",
        visible_passes=True,
        source='''def attention_weights(q, K):
    scores = (K @ q[:, None]).squeeze() / math.sqrt(q.shape[0])
    return softmax(scores, dim=-1)
''',
    ),
    # ---- context_vector --------------------------------------------------------------------
    Mutant(
        name="context_sum_over_wrong_axis",
        cell="context_vector",
        source='''def context_vector(alpha, V):
    return (alpha[:, None] * V).sum(dim=1)
''',
    ),
    Mutant(
        name="context_mean_instead_of_sum",
        cell="context_vector",
        source='''def context_vector(alpha, V):
    return (alpha[:, None] * V).mean(dim=0)
''',
    ),
    Mutant(
        # hard attention: the value of the largest weight
        name="context_argmax",
        cell="context_vector",
        source='''def context_vector(alpha, V):
    return V[alpha.argmax()]
''',
    ),
    Mutant(
        # "to be safe" renormalises: wrong for weights that do not sum to 1
        name="context_renormalises_alpha",
        cell="context_vector",
        visible_passes=True,
        source='''def context_vector(alpha, V):
    return (alpha / alpha.sum()) @ V
''',
    ),
    Mutant(
        # a row vector squeezed back: d_v = 1 gives a 0-d tensor instead of shape (1,)
        name="context_squeeze_loses_single_dim",
        cell="context_vector",
        visible_passes=True,
        source='''def context_vector(alpha, V):
    return (alpha[None, :] @ V).squeeze()
''',
    ),
    # ---- additive_scores -------------------------------------------------------------------
    Mutant(
        name="additive_tanh_missing",
        cell="additive_scores",
        source='''def additive_scores(q, K, W_q, W_k, v):
    return (W_q @ q + K @ W_k.T) @ v
''',
    ),
    Mutant(
        # tanh of each part, then added: not the network of the formula
        name="additive_tanh_of_each_part",
        cell="additive_scores",
        source='''def additive_scores(q, K, W_q, W_k, v):
    return (torch.tanh(W_q @ q) + torch.tanh(K @ W_k.T)) @ v
''',
    ),
    Mutant(
        # returns weights, not scores
        name="additive_softmax_applied",
        cell="additive_scores",
        source='''def additive_scores(q, K, W_q, W_k, v):
    return torch.softmax(torch.tanh(W_q @ q + K @ W_k.T) @ v, dim=-1)
''',
    ),
    Mutant(
        # v forgotten: the hidden units are summed instead of read out by v
        name="additive_v_forgotten",
        cell="additive_scores",
        source='''def additive_scores(q, K, W_q, W_k, v):
    return torch.tanh(W_q @ q + K @ W_k.T).sum(dim=-1)
''',
    ),
    Mutant(
        # a column vector squeezed back: one key gives a 0-d tensor instead of shape (1,)
        name="additive_squeeze_loses_single_key",
        cell="additive_scores",
        visible_passes=True,
        source='''def additive_scores(q, K, W_q, W_k, v):
    hidden = torch.tanh(W_q @ q + K @ W_k.T)
    return (hidden @ v[:, None]).squeeze()
''',
    ),
    # ---- scaled_dot_product_attention ------------------------------------------------------
    Mutant(
        name="sdpa_no_scaling",
        cell="scaled_dot_product_attention",
        source=_sdpa_with(
            (" / math.sqrt(d_k)", ""),
        ),
    ),
    Mutant(
        name="sdpa_scale_by_d",
        cell="scaled_dot_product_attention",
        source=_sdpa_with(
            (" / math.sqrt(d_k)", " / d_k"),
        ),
    ),
    Mutant(
        # True taken to mean "masked out"
        name="sdpa_mask_inverted",
        cell="scaled_dot_product_attention",
        source=_sdpa_with(
            ("masked_fill(~mask, float(\"-inf\"))", "masked_fill(mask, float(\"-inf\"))"),
            ("masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)", "masked_fill(mask.all(dim=-1, keepdim=True), 0.0)"),
            ("weights.masked_fill(~mask, 0.0)", "weights.masked_fill(mask, 0.0)"),
        ),
    ),
    Mutant(
        # zeroes the weights after the softmax: the rows no longer sum to 1
        name="sdpa_mask_after_softmax",
        cell="scaled_dot_product_attention",
        source=SDPA_HEAD + '''    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    weights = softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask
    return weights @ V, weights
''',
    ),
    Mutant(
        # the softmax runs over the queries
        name="sdpa_softmax_over_queries",
        cell="scaled_dot_product_attention",
        source=_sdpa_with(
            ("softmax(scores, dim=-1)", "softmax(scores, dim=-2)"),
        ),
    ),
    Mutant(
        # transposes the first two dimensions: right for 2-D tensors only
        name="sdpa_transpose_first_dims",
        cell="scaled_dot_product_attention",
        source=_sdpa_with(
            ("K.transpose(-2, -1)", "K.transpose(0, 1)"),
        ),
    ),
    Mutant(
        # the -1e9 of many tutorials: a fully masked row averages all the values instead of giving 0
        name="sdpa_finite_fill_value",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=SDPA_HEAD + '''    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    weights = softmax(scores, dim=-1)
    return weights @ V, weights
''',
    ),
    Mutant(
        # -inf without care for fully masked rows: softmax of all -inf is NaN
        name="sdpa_fully_masked_rows_nan",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=SDPA_HEAD + '''    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = softmax(scores, dim=-1)
    return weights @ V, weights
''',
    ),
    Mutant(
        # masks after the softmax and renormalises: equal in exact arithmetic, but a masked key
        # with a huge score leaves 0 / 0 for the allowed ones, and fully masked rows are NaN
        name="sdpa_mask_after_softmax_renormalised",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=SDPA_HEAD + '''    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    weights = softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask
        weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ V, weights
''',
    ),
    Mutant(
        # computes in float32 whatever comes in: float64 inputs lose their precision and dtype
        name="sdpa_casts_to_float32",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=_sdpa_with(
            ("    d_k = Q.shape[-1]\n", "    Q, K, V = Q.float(), K.float(), V.float()\n    d_k = Q.shape[-1]\n"),
        ),
    ),
    Mutant(
        # an additive -inf bias, and nan_to_num to clean the fully masked rows: the output is
        # right, but the NaN of those rows flows back through the addition, so Q and K get NaN
        # gradients (masked_fill before the softmax stops them)
        name="sdpa_additive_bias_nan_to_num",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=SDPA_HEAD + '''    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        bias = torch.zeros(mask.shape, dtype=scores.dtype).masked_fill(~mask, float("-inf"))
        scores = scores + bias
    weights = torch.nan_to_num(softmax(scores, dim=-1), nan=0.0)
    return weights @ V, weights
''',
    ),
    Mutant(
        # the output from the built-in the exercise asks to write, the weights by hand
        name="sdpa_calls_the_builtin",
        cell="scaled_dot_product_attention",
        visible_passes=True,
        source=_sdpa_with(
            ("    return weights @ V, weights",
             "    return F.scaled_dot_product_attention(Q, K, V, attn_mask=mask), weights"),
        ),
    ),
    # ---- concept checks --------------------------------------------------------------------
    Mutant(name="answer_variance_is_the_std", cell="answer_variance", source="answer_variance = 8\n"),
    Mutant(name="answer_variance_is_one", cell="answer_variance", source="answer_variance = 1.0\n"),
    Mutant(name="answer_scale_overflow", cell="answer_scale", source='answer_scale = "a"\n'),
    Mutant(name="answer_cost_linear", cell="answer_cost", source="answer_cost = 4\n"),
    Mutant(name="answer_separate_qk_no_reason", cell="answer_separate_qk", source='answer_separate_qk = "d"\n'),
]
