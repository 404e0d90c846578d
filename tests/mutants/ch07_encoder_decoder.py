"""Realistic wrong solutions for chapter 7: each must lose points under autograding.

Most cells here are long, so most mutants are the solution with one mistake edited in
(`solution_with`); short ones are written out in full. `visible_passes=True` marks a mutant that
passes every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_edited = partial(solution_with, "ch07_encoder_decoder")


MUTANTS = [
    # ---- LayerNorm -------------------------------------------------------------------------
    Mutant("layernorm_unbiased_variance", "LayerNorm",
           _edited("LayerNorm", ("unbiased=False", "unbiased=True"))),
    # eps outside the square root: invisible unless the variance is tiny
    Mutant("layernorm_eps_outside_sqrt", "LayerNorm",
           _edited("LayerNorm", ("torch.sqrt(variance + self.eps)", "(torch.sqrt(variance) + self.eps)")),
           visible_passes=True),
    Mutant("layernorm_over_the_batch", "LayerNorm",
           _edited("LayerNorm", ("mean = x.mean(dim=-1, keepdim=True)", "mean = x.mean(dim=0, keepdim=True)"),
                   ("variance = x.var(dim=-1, keepdim=True, unbiased=False)",
                    "variance = x.var(dim=0, keepdim=True, unbiased=False)"))),
    # the default eps instead of the one asked for
    Mutant("layernorm_ignores_eps", "LayerNorm",
           _edited("LayerNorm", ("torch.sqrt(variance + self.eps)", "torch.sqrt(variance + 1e-5)")),
           visible_passes=True),
    # the built-in: right values, but the exercise is to write it
    Mutant("layernorm_calls_builtin", "LayerNorm",
           _edited("LayerNorm", ("return (x - mean) / torch.sqrt(variance + self.eps) * self.weight + self.bias",
                                 "return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)")),
           visible_passes=True),
    # ---- PositionwiseFeedForward -----------------------------------------------------------
    Mutant("ffn_gelu_ignored", "PositionwiseFeedForward",
           _edited("PositionwiseFeedForward", ("self.activation = activations[activation]",
                                               "self.activation = F.relu")),
           visible_passes=True),
    Mutant("ffn_no_activation", "PositionwiseFeedForward",
           _edited("PositionwiseFeedForward", ("self.linear2(self.dropout(self.activation(self.linear1(x))))",
                                               "self.linear2(self.dropout(self.linear1(x)))"))),
    Mutant("ffn_dropout_after_linear2", "PositionwiseFeedForward",
           _edited("PositionwiseFeedForward", ("self.linear2(self.dropout(self.activation(self.linear1(x))))",
                                               "self.dropout(self.linear2(self.activation(self.linear1(x))))")),
           visible_passes=True),
    Mutant("ffn_unknown_activation_accepted", "PositionwiseFeedForward",
           _edited("PositionwiseFeedForward", ("self.activation = activations[activation]",
                                               "self.activation = activations.get(activation, F.relu)"),
                   ("        if activation not in activations:\n"
                    "            raise ValueError(f\"activation must be 'relu' or 'gelu', got {activation!r}\")\n", "")),
           visible_passes=True),
    # ---- EncoderLayer ----------------------------------------------------------------------
    # pre-norm written as post-norm: only the norm_first=True tests notice
    Mutant("encoder_ignores_norm_first", "EncoderLayer",
           _edited("EncoderLayer", ("        if self.norm_first:\n", "        if False:\n"))),
    Mutant("encoder_no_residual", "EncoderLayer",
           _edited("EncoderLayer", ("x = self.norm1(x + attend(x))", "x = self.norm1(attend(x))"))),
    Mutant("encoder_norms_swapped", "EncoderLayer",
           _edited("EncoderLayer", ("x = self.norm1(x + attend(x))", "x = self.norm2(x + attend(x))"),
                   ("return self.norm2(x + self.dropout(self.ff(x)))", "return self.norm1(x + self.dropout(self.ff(x)))"))),
    # the mask is never passed to the attention: right whenever there is no padding
    Mutant("encoder_mask_dropped", "EncoderLayer",
           _edited("EncoderLayer", ("self.self_attn(z, z, z, src_mask)", "self.self_attn(z, z, z)")),
           visible_passes=True),
    # dropout only inside the sub-layers, none on the residual branches
    Mutant("encoder_no_residual_dropout", "EncoderLayer",
           _edited("EncoderLayer", ("return self.dropout(self.self_attn(z, z, z, src_mask)[0])",
                                    "return self.self_attn(z, z, z, src_mask)[0]"),
                   ("return x + self.dropout(self.ff(self.norm2(x)))", "return x + self.ff(self.norm2(x))"),
                   ("return self.norm2(x + self.dropout(self.ff(x)))", "return self.norm2(x + self.ff(x))")),
           visible_passes=True),
    # post-norm with the dropout after the norm instead of on the branch
    Mutant("encoder_dropout_after_norm", "EncoderLayer",
           _edited("EncoderLayer", ("x = self.norm1(x + attend(x))",
                                    "x = self.dropout(self.norm1(x + self.self_attn(x, x, x, src_mask)[0]))"),
                   ("return self.norm2(x + self.dropout(self.ff(x)))", "return self.dropout(self.norm2(x + self.ff(x)))")),
           visible_passes=True),
    # ---- DecoderLayer ----------------------------------------------------------------------
    Mutant("decoder_cross_attends_to_itself", "DecoderLayer",
           _edited("DecoderLayer", ("self.cross_attn(z, memory, memory, memory_mask)",
                                    "self.cross_attn(z, z, z, memory_mask)"))),
    Mutant("decoder_memory_mask_dropped", "DecoderLayer",
           _edited("DecoderLayer", ("self.cross_attn(z, memory, memory, memory_mask)",
                                    "self.cross_attn(z, memory, memory)")),
           visible_passes=True),
    # post-norm order: norm before adding back (pre-norm branch unchanged)
    Mutant("decoder_post_norm_cross_without_residual", "DecoderLayer",
           _edited("DecoderLayer", ("y = self.norm2(y + cross(y))", "y = self.norm2(cross(y))"))),
    Mutant("decoder_pre_norm_memory_normalised", "DecoderLayer",
           _edited("DecoderLayer", ("self.cross_attn(z, memory, memory, memory_mask)",
                                    "self.cross_attn(z, self.norm2(memory), self.norm2(memory), memory_mask)"))),
    Mutant("decoder_no_residual_dropout", "DecoderLayer",
           _edited("DecoderLayer", ("return self.dropout(self.self_attn(z, z, z, tgt_mask)[0])",
                                    "return self.self_attn(z, z, z, tgt_mask)[0]"),
                   ("return self.dropout(self.cross_attn(z, memory, memory, memory_mask)[0])",
                    "return self.cross_attn(z, memory, memory, memory_mask)[0]"),
                   ("return self.dropout(self.ff(z))", "return self.ff(z)")),
           visible_passes=True),
    Mutant("decoder_dropout_after_norm", "DecoderLayer",
           _edited("DecoderLayer", ("y = self.norm1(y + attend(y))", "y = self.dropout(self.norm1(y + attend(y)))"),
                   ("return self.norm3(y + feed(y))", "return self.dropout(self.norm3(y + self.ff(y)))")),
           visible_passes=True),
    # ---- Encoder ---------------------------------------------------------------------------
    Mutant("encoder_stack_always_final_norm", "Encoder",
           _edited("Encoder", ("self.norm = LayerNorm(d_model) if norm_first else None",
                               "self.norm = LayerNorm(d_model)"))),
    Mutant("encoder_stack_mask_dropped", "Encoder",
           _edited("Encoder", ("x = layer(x, src_mask)", "x = layer(x)")),
           visible_passes=True),
    Mutant("encoder_stack_never_final_norm", "Encoder",
           _edited("Encoder", ("return x if self.norm is None else self.norm(x)", "return x"))),
    # ---- Decoder ---------------------------------------------------------------------------
    Mutant("decoder_stack_never_final_norm", "Decoder",
           _edited("Decoder", ("return y if self.norm is None else self.norm(y)", "return y"))),
    Mutant("decoder_stack_memory_mask_dropped", "Decoder",
           _edited("Decoder", ("y = layer(y, memory, tgt_mask, memory_mask)", "y = layer(y, memory, tgt_mask)")),
           visible_passes=True),
    Mutant("decoder_stack_masks_swapped", "Decoder",
           _edited("Decoder", ("y = layer(y, memory, tgt_mask, memory_mask)", "y = layer(y, memory, memory_mask, tgt_mask)"))),
    # ---- concept checks --------------------------------------------------------------------
    Mutant("answer_layernorm_speed", "answer_layernorm", 'answer_layernorm = "a"\n'),
    # the FFN counted against the attention's weights alone, as if it were as large
    Mutant("answer_ffn_half", "answer_ffn", 'answer_ffn = 0.5\n'),
]
