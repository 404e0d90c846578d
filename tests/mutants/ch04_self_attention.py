"""Realistic wrong solutions for chapter 4: each must lose points under autograding.

A mutant's `source` replaces the whole solution cell `cell` (a grade_id), written out in full as a
learner would write it, or the solution with the mistake edited in (`solution_with`).
`visible_passes=True` marks a mutant that passes every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_self_attention_with = partial(solution_with, "ch04_self_attention", "SelfAttention")
_encoding_with = partial(solution_with, "ch04_self_attention", "sinusoidal_positional_encoding")
_learned_with = partial(solution_with, "ch04_self_attention", "LearnedPositionalEmbedding")
_bias_with = partial(solution_with, "ch04_self_attention", "relative_position_bias")
_rotary_with = partial(solution_with, "ch04_self_attention", "apply_rotary")

# A learner's own attention inside forward(), with `{scores}`, `{softmax_dim}` and `{mask}` steps to vary.
_HANDWRITTEN_ATTENTION = '''class SelfAttention(nn.Module):
    def __init__(self, d_model, d_k, d_v=None):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_k, bias=False)
        self.W_k = nn.Linear(d_model, d_k, bias=False)
        self.W_v = nn.Linear(d_model, d_k if d_v is None else d_v, bias=False)
        self.d_model = d_model

    def forward(self, x, mask=None):
        q, k, v = self.W_q(x), self.W_k(x), self.W_v(x)
        scores = {scores}
{mask}
        return weights @ v, weights
'''
_MASK_BEFORE = '''        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim={softmax_dim})'''
_MASK_AFTER = '''        weights = torch.softmax(scores, dim=-1)
        if mask is not None:
            weights = weights.masked_fill(~mask, 0.0)'''
_SCALED = "q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])"


def _handwritten(scores=_SCALED, mask=_MASK_BEFORE, softmax_dim=-1):
    return _HANDWRITTEN_ATTENTION.format(scores=scores, mask=mask.format(softmax_dim=softmax_dim))


MUTANTS = [
    # ---- SelfAttention ---------------------------------------------------------------------
    Mutant("self_attention_no_scaling", "SelfAttention",
           _handwritten(scores="q @ k.transpose(-2, -1)")),
    Mutant(
        # sqrt(d_model) instead of sqrt(d_k): the same whenever d_k == d_model, as in the visible values test
        name="self_attention_scaled_by_d_model",
        cell="SelfAttention",
        visible_passes=True,
        source=_handwritten(scores="q @ k.transpose(-2, -1) / math.sqrt(self.d_model)"),
    ),
    Mutant("self_attention_softmax_over_queries", "SelfAttention", _handwritten(softmax_dim=-2)),
    Mutant("self_attention_mask_after_softmax", "SelfAttention", _handwritten(mask=_MASK_AFTER)),
    Mutant(
        # queries from W_k and keys from W_q: the weights come out transposed
        name="self_attention_q_and_k_swapped",
        cell="SelfAttention",
        source=_self_attention_with(("self.W_q(x), self.W_k(x)", "self.W_k(x), self.W_q(x)")),
    ),
    Mutant(
        # d_v ignored: the value projection has d_k outputs
        name="self_attention_d_v_ignored",
        cell="SelfAttention",
        source=_self_attention_with(("nn.Linear(d_model, d_v, bias=False)", "nn.Linear(d_model, d_k, bias=False)")),
    ),
    Mutant(
        # the mask as an additive bias of -inf, NaN rows cleaned with nan_to_num: the forward pass is right,
        # but a fully masked row sends NaN gradients to W_q, W_k and x
        name="self_attention_additive_inf_nan_to_num",
        cell="SelfAttention",
        visible_passes=True,
        source=_handwritten(mask='''        if mask is not None:
            scores = scores + torch.zeros_like(scores).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)'''),
    ),
    Mutant(
        # "no mask" made as a mask of ones on the CPU: on a GPU, masked_fill meets tensors on two devices
        name="self_attention_default_mask_on_cpu",
        cell="SelfAttention",
        visible_passes=True,
        source=_handwritten(mask='''        if mask is None:
            mask = torch.ones(x.shape[-2], x.shape[-2], dtype=torch.bool)
        scores = scores.masked_fill(~mask, float("-inf")).masked_fill(~mask.any(-1, keepdim=True), 0.0)
        weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)'''),
    ),
    # ---- sinusoidal_positional_encoding ----------------------------------------------------
    Mutant(
        # all the sines, then all the cosines (halves), instead of interleaved pairs
        name="encoding_concatenated_halves",
        cell="sinusoidal_positional_encoding",
        source=_encoding_with(("    pe = torch.empty(max_len, d_model, dtype=torch.float64, device=device)\n"
                               "    pe[:, 0::2] = angles.sin()\n    pe[:, 1::2] = angles.cos()\n",
                               "    pe = torch.cat([angles.sin(), angles.cos()], dim=-1)\n")),
    ),
    Mutant(
        # the exponent i/d for pair i instead of 2i/d
        name="encoding_exponent_i_over_d",
        cell="sinusoidal_positional_encoding",
        source=_encoding_with(("torch.arange(0, d_model, 2, dtype=torch.float64, device=device) / d_model",
                               "torch.arange(d_model // 2, dtype=torch.float64, device=device) / d_model")),
    ),
    Mutant(
        name="encoding_sin_and_cos_swapped",
        cell="sinusoidal_positional_encoding",
        source=_encoding_with(("pe[:, 0::2] = angles.sin()", "pe[:, 0::2] = angles.cos()"),
                              ("pe[:, 1::2] = angles.cos()", "pe[:, 1::2] = angles.sin()")),
    ),
    Mutant(
        name="encoding_positions_from_1",
        cell="sinusoidal_positional_encoding",
        source=_encoding_with(("torch.arange(max_len, dtype=torch.float64, device=device)",
                               "torch.arange(1, max_len + 1, dtype=torch.float64, device=device)")),
    ),
    Mutant(
        # no check: an odd d_model fails later with a RuntimeError (shape mismatch), not a ValueError
        name="encoding_no_value_error",
        cell="sinusoidal_positional_encoding",
        visible_passes=True,
        source=_encoding_with(("    if d_model % 2:\n        raise ValueError(f\"d_model must be even (sine and cosine "
                               "pairs), got {d_model}\")\n", "")),
    ),
    Mutant(
        # device= accepted and ignored: the table is always on the CPU
        name="encoding_ignores_device",
        cell="sinusoidal_positional_encoding",
        visible_passes=True,
        source='''def sinusoidal_positional_encoding(max_len, d_model, device=None):
    if d_model % 2:
        raise ValueError("d_model must be even")
    position = torch.arange(max_len).unsqueeze(1).float()
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe
''',
    ),
    Mutant(
        # every tensor on `device` but the empty table, which lands on the CPU
        name="encoding_table_on_cpu",
        cell="sinusoidal_positional_encoding",
        visible_passes=True,
        source=_encoding_with(("pe = torch.empty(max_len, d_model, dtype=torch.float64, device=device)",
                               "pe = torch.empty(max_len, d_model, dtype=torch.float64)")),
    ),
    # ---- LearnedPositionalEmbedding --------------------------------------------------------
    Mutant(
        name="learned_positions_from_1",
        cell="LearnedPositionalEmbedding",
        source=_learned_with(("torch.arange(T, device=x.device)", "torch.arange(1, T + 1, device=x.device)")),
    ),
    Mutant(
        # the embeddings alone: the token information is thrown away
        name="learned_replaces_x",
        cell="LearnedPositionalEmbedding",
        source=_learned_with(("return x + self.embedding(", "return 0 * x + self.embedding(")),
    ),
    Mutant(
        # nn.Embedding itself raises an IndexError for positions >= max_len, not a ValueError
        name="learned_no_value_error",
        cell="LearnedPositionalEmbedding",
        visible_passes=True,
        source=_learned_with(("        if T > max_len:\n            raise ValueError(f\"a sequence of {T} tokens is longer "
                              "than the {max_len} learned positions\")\n", "")),
    ),
    Mutant(
        # off by one: a sequence of exactly max_len tokens is refused
        name="learned_refuses_max_len",
        cell="LearnedPositionalEmbedding",
        visible_passes=True,
        source=_learned_with(("if T > max_len:", "if T >= max_len:")),
    ),
    Mutant(
        # the position ids on the CPU: nn.Embedding on a GPU refuses them
        name="learned_ids_on_cpu",
        cell="LearnedPositionalEmbedding",
        visible_passes=True,
        source=_learned_with(("torch.arange(T, device=x.device)", "torch.arange(T)")),
    ),
    # ---- relative_position_bias ------------------------------------------------------------
    Mutant(
        # i - j: the key to the right gets the bias of the key to the left
        name="bias_offset_reversed",
        cell="relative_position_bias",
        source=_bias_with(("(keys - queries)", "(queries - keys)")),
    ),
    Mutant(
        # no clipping: indices beyond the table raise or (negative) wrap around
        name="bias_not_clipped",
        cell="relative_position_bias",
        source=_bias_with((".clamp(-max_distance, max_distance)", "")),
    ),
    Mutant(
        # clipped one step too early on both sides: the outermost entries are never used
        name="bias_clip_off_by_one",
        cell="relative_position_bias",
        source=_bias_with((".clamp(-max_distance, max_distance)", ".clamp(-max_distance + 1, max_distance - 1)")),
    ),
    Mutant(
        # only far keys to the right are clipped: keys far to the left index negatively and wrap around
        name="bias_clipped_on_one_side",
        cell="relative_position_bias",
        visible_passes=True,
        source=_bias_with((".clamp(-max_distance, max_distance)", ".clamp(max=max_distance)")),
    ),
    Mutant(
        # right values, built from Python numbers: the gradient never reaches the table
        name="bias_built_from_numbers",
        cell="relative_position_bias",
        visible_passes=True,
        source='''def relative_position_bias(T_q, T_k, table, max_distance):
    rows = []
    for i in range(T_q):
        row = []
        for j in range(T_k):
            offset = max(-max_distance, min(max_distance, j - i))
            row.append(table[offset + max_distance].item())
        rows.append(row)
    return torch.tensor(rows, dtype=table.dtype)
''',
    ),
    Mutant(
        # right values and gradients, filled into a new CPU tensor: on a GPU the bias comes back on the CPU
        name="bias_filled_into_cpu_zeros",
        cell="relative_position_bias",
        visible_passes=True,
        source='''def relative_position_bias(T_q, T_k, table, max_distance):
    bias = torch.zeros(T_q, T_k, dtype=table.dtype)
    for i in range(T_q):
        for j in range(T_k):
            bias[i, j] = table[max(-max_distance, min(max_distance, j - i)) + max_distance]
    return bias
''',
    ),
    # ---- apply_rotary ----------------------------------------------------------------------
    Mutant(
        # GPT-NeoX's rotate_half layout: pair i is (x_i, x_{i + d/2}), not (x_2i, x_2i+1)
        name="rotary_half_split_pairs",
        cell="apply_rotary",
        source=_rotary_with(("even, odd = x[..., 0::2], x[..., 1::2]", "even, odd = x[..., : d // 2], x[..., d // 2:]"),
                            ("return rotated.flatten(-2)", "return torch.cat([rotated[..., 0], rotated[..., 1]], dim=-1)")),
    ),
    Mutant(
        # clockwise: the sine terms have the wrong signs (still a rotation, still relative)
        name="rotary_reversed_direction",
        cell="apply_rotary",
        source=_rotary_with(("[even * cos - odd * sin, even * sin + odd * cos]",
                             "[even * cos + odd * sin, odd * cos - even * sin]")),
    ),
    Mutant(
        name="rotary_exponent_i_over_d",
        cell="apply_rotary",
        source=_rotary_with(("torch.arange(0, d, 2, device=x.device, dtype=torch.float64) / d",
                             "torch.arange(d // 2, device=x.device, dtype=torch.float64) / d")),
    ),
    Mutant(
        # the default positions always: given positions are ignored
        name="rotary_ignores_positions",
        cell="apply_rotary",
        visible_passes=True,
        source=_rotary_with(("    if positions is None:\n        positions = torch.arange(T, device=x.device)\n",
                             "    positions = torch.arange(T, device=x.device)\n")),
    ),
    Mutant(
        # base hard-coded to 10000
        name="rotary_ignores_base",
        cell="apply_rotary",
        visible_passes=True,
        source=_rotary_with(("theta = base ** (", "theta = 10000.0 ** (")),
    ),
    Mutant(
        # no check: an odd d fails later with a RuntimeError, not a ValueError
        name="rotary_no_value_error",
        cell="apply_rotary",
        visible_passes=True,
        source=_rotary_with(("    if d % 2:\n        raise ValueError(f\"rotary embeddings rotate pairs of features: d must "
                             "be even, got {d}\")\n", "")),
    ),
    Mutant(
        # LLaMA-style float32 frequencies, made on the CPU: on a GPU, positions * inv_freq meets two devices
        name="rotary_frequencies_on_cpu",
        cell="apply_rotary",
        visible_passes=True,
        source='''def apply_rotary(x, positions=None, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError("d must be even")
    if positions is None:
        positions = torch.arange(T, device=x.device)
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))
    freqs = positions.float()[:, None] * inv_freq
    cos, sin = freqs.cos().to(x.dtype), freqs.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)
''',
    ),
    # ---- concept checks --------------------------------------------------------------------
    Mutant("equivariance_invariant", "answer_equivariance", 'answer_equivariance = "a"\n'),
    Mutant("add_same_form_as_concatenation", "answer_add", 'answer_add = "b"\n'),
    Mutant("bert_extrapolates", "answer_bert_length", 'answer_bert_length = "a"\n'),
    Mutant("rotary_offset_absolute", "answer_rotary_offset", "answer_rotary_offset = 7\n"),
]
