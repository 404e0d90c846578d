"""Realistic wrong solutions for chapter 5: each must lose points under autograding.

Short cells are written out in full; mutants of the long MultiHeadAttention cell are the solution
with one mistake edited in (`solution_with`). `visible_passes=True` marks a mutant that passes
every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_edited = partial(solution_with, "ch05_multi_head")

_SPLIT_NO_TRANSPOSE = '''\
def split_heads(x, n_heads):
    B, T, D = x.shape
    if D % n_heads:
        raise ValueError("D is not divisible by n_heads")
    return x.view(B, n_heads, T, D // n_heads)
'''

_SPLIT_INTERLEAVED = '''\
def split_heads(x, n_heads):
    B, T, D = x.shape
    if D % n_heads:
        raise ValueError("D is not divisible by n_heads")
    return x.reshape(B, T, D // n_heads, n_heads).permute(0, 3, 1, 2)
'''

_SPLIT_WRONG_TRANSPOSE = '''\
def split_heads(x, n_heads):
    B, T, D = x.shape
    if D % n_heads:
        raise ValueError("D is not divisible by n_heads")
    return x.reshape(B, T, n_heads, D // n_heads).transpose(1, 3).transpose(2, 3)
'''

_SPLIT_NO_VALUE_ERROR = '''\
def split_heads(x, n_heads):
    B, T, D = x.shape
    return x.reshape(B, T, n_heads, -1).transpose(1, 2)
'''

_MERGE_NO_TRANSPOSE = '''\
def merge_heads(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)
'''

_MERGE_WRONG_TRANSPOSE = '''\
def merge_heads(x):
    B, H, T, d = x.shape
    return x.transpose(2, 3).reshape(B, T, H * d)
'''

_MERGE_VIEW = '''\
def merge_heads(x):
    B, H, T, d = x.shape
    return x.transpose(1, 2).view(B, T, H * d)
'''

# a loop over the heads into a new tensor whose dtype is the default float32, not x's
_MERGE_LOOP_FLOAT32 = '''\
def merge_heads(x):
    B, H, T, d = x.shape
    out = torch.zeros(B, T, H * d)
    for h in range(H):
        out[:, :, h * d:(h + 1) * d] = x[:, h]
    return out
'''

_RETURN = "return self.W_o(merge_heads(heads)), weights"


def _count(body: str) -> str:
    return f"def count_parameters(d_model, n_heads, bias=True):\n    return {body}\n"


MUTANTS = [
    # ---- split_heads -----------------------------------------------------------------------
    Mutant("split_view_without_transpose", "split_heads", _SPLIT_NO_TRANSPOSE),
    Mutant("split_interleaved_features", "split_heads", _SPLIT_INTERLEAVED),
    Mutant("split_transposes_wrong_dims", "split_heads", _SPLIT_WRONG_TRANSPOSE),
    # a RuntimeError from reshape instead of the ValueError asked for
    Mutant("split_no_value_error", "split_heads", _SPLIT_NO_VALUE_ERROR, visible_passes=True),
    # ---- merge_heads -----------------------------------------------------------------------
    Mutant("merge_without_transpose", "merge_heads", _MERGE_NO_TRANSPOSE),
    Mutant("merge_transposes_wrong_dims", "merge_heads", _MERGE_WRONG_TRANSPOSE),
    Mutant("merge_view_of_non_contiguous", "merge_heads", _MERGE_VIEW),
    Mutant("merge_loop_loses_dtype", "merge_heads", _MERGE_LOOP_FLOAT32, visible_passes=True),
    # ---- MultiHeadAttention ----------------------------------------------------------------
    # attention written out inline, scaled by the width of the model instead of one head's
    Mutant("mha_scaled_by_sqrt_d_model", "MultiHeadAttention",
           _edited("MultiHeadAttention", (
               "heads, weights = scaled_dot_product_attention(q, k, v, mask)",
               "scores = q @ k.transpose(-2, -1) / math.sqrt(query.shape[-1])\n"
               "        if mask is not None:\n"
               "            scores = scores.masked_fill(~mask, float(\"-inf\"))\n"
               "        weights = torch.softmax(scores, dim=-1)\n"
               "        heads = weights @ v"))),
    Mutant("mha_output_projection_missing", "MultiHeadAttention",
           _edited("MultiHeadAttention", (_RETURN, "return merge_heads(heads), weights"))),
    Mutant("mha_load_key_and_value_swapped", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("projections = (self.W_q, self.W_k, self.W_v, self.W_o)",
                                          "projections = (self.W_q, self.W_v, self.W_k, self.W_o)"))),
    # in_proj_weight read as [in, out], as if it were multiplied from the right
    Mutant("mha_load_weights_transposed", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("linear.weight.copy_(weight)", "linear.weight.copy_(weight.T)"))),
    # PyTorch initialises its biases to zero: the tests use random ones
    Mutant("mha_load_biases_not_copied", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("            if bias is not None:\n                linear.bias.copy_(bias)\n", ""))),
    Mutant("mha_load_output_bias_not_copied", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("(*mha.in_proj_bias.chunk(3), mha.out_proj.bias)",
                                          "(*mha.in_proj_bias.chunk(3), None)"))),
    # the mask treated as [B, T_q, T_k] and given a head dimension: wrong for every other shape
    Mutant("mha_mask_unsqueezed", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("scaled_dot_product_attention(q, k, v, mask)",
                                          "scaled_dot_product_attention(q, k, v, None if mask is None else mask.unsqueeze(1))"))),
    # dropout on the heads' outputs instead of on the attention weights
    Mutant("mha_dropout_on_outputs", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("heads = self.dropout(weights) @ v", "heads = self.dropout(heads)")),
           visible_passes=True),
    # F.dropout defaults to training=True: dropout in evaluation mode too
    Mutant("mha_dropout_in_eval_mode", "MultiHeadAttention",
           _edited("MultiHeadAttention", ("if self.training and self.dropout.p > 0:", "if self.dropout.p > 0:"),
                   ("heads = self.dropout(weights) @ v", "heads = F.dropout(weights, self.dropout.p) @ v"))),
    # attention inline with the mask as an additive -inf bias and nan_to_num: right outputs, but a fully
    # masked row sends NaN gradients to the queries, the keys and W_q, W_k
    Mutant("mha_additive_inf_nan_to_num", "MultiHeadAttention",
           _edited("MultiHeadAttention", (
               "heads, weights = scaled_dot_product_attention(q, k, v, mask)",
               "scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)\n"
               "        if mask is not None:\n"
               "            scores = scores + torch.zeros_like(scores).masked_fill(~mask, float(\"-inf\"))\n"
               "        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)\n"
               "        heads = weights @ v")),
           visible_passes=True),
    # "no mask" as a mask of ones made on the CPU: on a GPU, masked_fill meets two devices
    Mutant("mha_default_mask_on_cpu", "MultiHeadAttention",
           _edited("MultiHeadAttention", (
               "heads, weights = scaled_dot_product_attention(q, k, v, mask)",
               "if mask is None:\n"
               "            mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool)   # everyone may attend\n"
               "        heads, weights = scaled_dot_product_attention(q, k, v, mask)")),
           visible_passes=True),
    # PyTorch's fused attention for the heads, the weights computed beside it for the caller
    Mutant("mha_calls_torch_attention", "MultiHeadAttention",
           _edited("MultiHeadAttention", (
               "heads, weights = scaled_dot_product_attention(q, k, v, mask)",
               "_, weights = scaled_dot_product_attention(q, k, v, mask)\n"
               "        heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)")),
           visible_passes=True),
    # ---- count_parameters ------------------------------------------------------------------
    Mutant("count_forgets_w_o", "count_parameters",
           _count("3 * (d_model * d_model + (d_model if bias else 0))")),
    Mutant("count_forgets_biases", "count_parameters", _count("4 * d_model * d_model")),
    Mutant("count_full_matrix_per_head", "count_parameters",
           _count("(3 * n_heads + 1) * d_model * d_model + (4 * d_model if bias else 0)")),
    # bias=False is ignored: right for every visible case
    Mutant("count_ignores_bias_flag", "count_parameters", _count("4 * (d_model * d_model + d_model)"),
           visible_passes=True),
    # ---- concept checks ---------------------------------------------------------------------
    Mutant("answer_heads_fewer_parameters", "answer_heads", 'answer_heads = "a"\n'),
    Mutant("answer_cost_eight_times", "answer_cost", "answer_cost = 8\n"),
    Mutant("answer_w_o_order_only", "answer_w_o", 'answer_w_o = "b"\n'),
    Mutant("answer_kv_cache_mqa", "answer_kv_cache", "answer_kv_cache = 32\n"),
]
