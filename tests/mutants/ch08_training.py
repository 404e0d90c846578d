"""Realistic wrong solutions for chapter 8: each must lose points under autograding.

Most are the solution with one mistake edited in (`solution_with`); short ones are written out in
full. `visible_passes=True` marks a mutant that passes every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_edited = partial(solution_with, "ch08_training")


MUTANTS = [
    # ---- shift_right -----------------------------------------------------------------------
    # the wrong end dropped: the decoder would read the label it must predict
    Mutant("shift_drops_first_label", "shift_right",
           _edited("shift_right", ("labels[:, :-1]], dim=1)", "labels[:, 1:]], dim=1)"))),
    # right values, but the caller's labels are overwritten
    Mutant("shift_in_place", "shift_right",
           "def shift_right(labels, bos_id):\n"
           "    labels[:, 1:] = labels[:, :-1].clone()\n"
           "    labels[:, 0] = bos_id\n"
           "    return labels\n",
           visible_passes=True),
    Mutant("shift_ignores_bos_id", "shift_right",
           _edited("shift_right", ("torch.full_like(labels[:, :1], bos_id)", "torch.full_like(labels[:, :1], BOS_ID)")),
           visible_passes=True),
    # the BOS column made on the CPU: crashes on a GPU
    Mutant("shift_bos_on_cpu", "shift_right",
           "def shift_right(labels, bos_id):\n"
           "    bos = torch.full((labels.shape[0], 1), bos_id, dtype=labels.dtype)\n"
           "    return torch.cat([bos, labels[:, :-1]], dim=1)\n",
           visible_passes=True),
    # ---- make_masks ------------------------------------------------------------------------
    Mutant("masks_true_means_blocked", "make_masks",
           _edited("make_masks", ("return src_mask, tgt_mask", "return ~src_mask, ~tgt_mask"))),
    # causal only: padded target keys stay visible
    Mutant("masks_no_target_padding", "make_masks",
           _edited("make_masks", ("padding_mask(tgt_in, pad_id) & causal_mask(tgt_in.shape[1], tgt_in.device)",
                                  "causal_mask(tgt_in.shape[1], tgt_in.device).expand(len(tgt_in), 1, -1, -1)")),
           visible_passes=True),
    # padding applied to the queries (rows) instead of the keys (columns)
    Mutant("masks_target_padding_on_queries", "make_masks",
           _edited("make_masks", ("padding_mask(tgt_in, pad_id) & causal",
                                  "padding_mask(tgt_in, pad_id).transpose(-1, -2) & causal")),
           visible_passes=True),
    # the causal mask made on the CPU whatever the ids' device
    Mutant("masks_causal_on_cpu", "make_masks",
           _edited("make_masks", ("causal_mask(tgt_in.shape[1], tgt_in.device)  #", "causal_mask(tgt_in.shape[1])  #")),
           visible_passes=True),
    Mutant("masks_upper_triangle", "make_masks",
           _edited("make_masks", ("causal_mask(tgt_in.shape[1], tgt_in.device)  #",
                                  "causal_mask(tgt_in.shape[1], tgt_in.device).transpose(-1, -2)  #"))),
    # ---- Transformer -----------------------------------------------------------------------
    Mutant("transformer_no_sqrt_d_scale", "Transformer",
           _edited("Transformer", ("embedding(ids) * math.sqrt(self.d_model)", "embedding(ids)")),
           visible_passes=True),
    # the positions computed at every call, on the CPU: right values, crashes on a GPU
    Mutant("transformer_positions_on_cpu", "Transformer",
           _edited("Transformer", (" + self.pe[: ids.shape[1]]",
                                   " + sinusoidal_positional_encoding(ids.shape[1], self.d_model)")),
           visible_passes=True),
    Mutant("transformer_untied_output", "Transformer",
           _edited("Transformer", ("        self.out.weight = self.tgt_embed.weight"
                                   "                         # tied: one matrix embeds and predicts\n", ""))),
    Mutant("transformer_no_positions", "Transformer",
           _edited("Transformer", (" + self.pe[: ids.shape[1]]", "")),
           visible_passes=True),
    # the decoder's cross-attention reads padded source positions
    Mutant("transformer_no_memory_mask", "Transformer",
           _edited("Transformer", ("memory, tgt_mask, src_mask))", "memory, tgt_mask, None))")),
           visible_passes=True),
    Mutant("transformer_no_causal_mask", "Transformer",
           _edited("Transformer", ("tgt_mask = built_tgt_mask if tgt_mask is None else tgt_mask",
                                   "tgt_mask = built_src_mask if tgt_mask is None else tgt_mask"))),
    # masks passed in are thrown away
    Mutant("transformer_ignores_given_masks", "Transformer",
           _edited("Transformer", ("src_mask = built_src_mask if src_mask is None else src_mask",
                                   "src_mask = built_src_mask"),
                   ("tgt_mask = built_tgt_mask if tgt_mask is None else tgt_mask", "tgt_mask = built_tgt_mask")),
           visible_passes=True),
    # ---- LabelSmoothingLoss ----------------------------------------------------------------
    # the Annotated Transformer's variant: 1 - eps on the target, eps / (V - 1) on the others
    Mutant("smoothing_over_v_minus_1", "LabelSmoothingLoss",
           _edited("LabelSmoothingLoss",
                   ("torch.full_like(log_probs, self.smoothing / self.vocab_size)",
                    "torch.full_like(log_probs, self.smoothing / (self.vocab_size - 1))"),
                   ("smoothed.scatter_add_(1, target, torch.full_like(smoothed[:, :1], 1.0 - self.smoothing))",
                    "smoothed.scatter_(1, target, 1.0 - self.smoothing)")),
           visible_passes=True),
    # the built-in: right values, but the exercise is to write it
    Mutant("smoothing_calls_builtin", "LabelSmoothingLoss",
           _edited("LabelSmoothingLoss", ("return per_token[keep].mean()",
                                          "return F.cross_entropy(logits, target.squeeze(1).masked_fill(~keep, self.ignore_index),\n"
                                          "                               label_smoothing=self.smoothing, ignore_index=self.ignore_index)")),
           visible_passes=True),
    # padding counted in the mean
    Mutant("smoothing_ignored_in_mean", "LabelSmoothingLoss",
           _edited("LabelSmoothingLoss", ("return per_token[keep].mean()", "return (per_token * keep).mean()")),
           visible_passes=True),
    Mutant("smoothing_log_of_softmax", "LabelSmoothingLoss",
           _edited("LabelSmoothingLoss", ("logits.log_softmax(dim=-1)", "logits.softmax(dim=-1).log()")),
           visible_passes=True),
    Mutant("smoothing_mass_not_removed", "LabelSmoothingLoss",
           _edited("LabelSmoothingLoss", ("1.0 - self.smoothing))", "1.0))"))),
    # ---- noam_lr ---------------------------------------------------------------------------
    # step 0 raises ZeroDivisionError, which LambdaLR asks for first
    Mutant("noam_step_zero_crashes", "noam_lr",
           _edited("noam_lr", ("    step = max(step, 1)                                   "
                               "# the scheduler asks for step 0 first\n", "")),
           visible_passes=True),
    Mutant("noam_warmup_exponent", "noam_lr",
           _edited("noam_lr", ("warmup ** -1.5", "warmup ** -0.5"))),
    Mutant("noam_off_by_one", "noam_lr",
           _edited("noam_lr", ("step * warmup ** -1.5", "(step + 1) * warmup ** -1.5")),
           visible_passes=True),
    Mutant("noam_no_model_scale", "noam_lr",
           _edited("noam_lr", ("d_model ** -0.5 * min", "min"))),
    # ---- train_epoch -----------------------------------------------------------------------
    Mutant("train_no_zero_grad", "train_epoch",
           _edited("train_epoch", ("        optimizer.zero_grad(set_to_none=True)\n", "")),
           visible_passes=True),
    # every batch weighs the same, however many tokens it has
    Mutant("train_mean_over_batches", "train_epoch",
           _edited("train_epoch", ("total_loss += loss.detach() * tokens", "total_loss += loss.detach()"),
                   ("total_tokens += tokens", "total_tokens += 1")),
           visible_passes=True),
    Mutant("train_no_clipping", "train_epoch",
           _edited("train_epoch", ("        if clip_norm is not None:\n"
                                   "            scaler.unscale_(optimizer)                   # clip the true gradients\n"
                                   "            nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n", "")),
           visible_passes=True),
    Mutant("train_scheduler_not_stepped", "train_epoch",
           _edited("train_epoch", ("        if scheduler is not None:\n            scheduler.step()\n", "")),
           visible_passes=True),
    # the decoder reads the labels themselves: it learns to copy its input
    Mutant("train_no_shift", "train_epoch",
           _edited("train_epoch", ("tgt_in = shift_right(labels, BOS_ID)", "tgt_in = labels")),
           visible_passes=True),
    Mutant("train_autocast_never_on", "train_epoch",
           _edited("train_epoch", ("enabled=autocast_dtype is not None", "enabled=device.type == 'cuda'")),
           visible_passes=True),
    # ---- greedy_decode ---------------------------------------------------------------------
    Mutant("greedy_no_early_stop", "greedy_decode",
           _edited("greedy_decode", ("        if ended.all():\n            break\n", ""))),
    Mutant("greedy_no_padding_after_eos", "greedy_decode",
           _edited("greedy_decode", (".argmax(dim=-1).masked_fill(ended, pad_id)", ".argmax(dim=-1)"))),
    # the decoder called without the causal mask: the last position is right, the earlier ones see the future
    Mutant("greedy_no_causal_mask", "greedy_decode",
           _edited("greedy_decode", ("causal_mask(out.shape[1], src.device))", "None)")),
           visible_passes=True),
    Mutant("greedy_keeps_bos", "greedy_decode",
           _edited("greedy_decode", ("return out[:, 1:]", "return out"))),
    Mutant("greedy_pads_with_zero", "greedy_decode",
           _edited("greedy_decode", ("masked_fill(ended, pad_id)", "masked_fill(ended, 0)")),
           visible_passes=True),
    # ---- beam_search -----------------------------------------------------------------------
    Mutant("beam_no_length_penalty", "beam_search",
           _edited("beam_search", ("return log_prob / ((5 + length) / 6) ** length_penalty", "return log_prob"))),
    # the penalty counts the tokens without the EOS
    Mutant("beam_penalty_without_eos", "beam_search",
           _edited("beam_search", ("[(normalised(score, length), prefixes[p, 1:].tolist())",
                                   "[(normalised(score, length - 1), prefixes[p, 1:].tolist())")),
           visible_passes=True),
    Mutant("beam_no_causal_mask", "beam_search",
           _edited("beam_search", ("causal_mask(length, src.device))", "None)")),
           visible_passes=True),
    Mutant("beam_returns_eos", "beam_search",
           _edited("beam_search", ("prefixes[p, 1:].tolist())", "prefixes[p, 1:].tolist() + [eos_id])"))),
    # open hypotheses at max_len are forgotten
    Mutant("beam_drops_open_hypotheses", "beam_search",
           _edited("beam_search", ("    finished += [(normalised(score, max_len), prefix[1:]) for score, prefix in\n"
                                   "                 zip(log_probs.tolist(), prefixes.tolist())]\n", ""),
                   ("return max(finished,", "return max(finished or [(0.0, [])],")),
           visible_passes=True),
    # ---- concept checks --------------------------------------------------------------------
    Mutant("answer_shift_right_wrong", "answer_shift_right", 'answer_shift_right = "d"\n'),
    # the target probability without the smoothing mass it keeps
    Mutant("answer_smoothing_one_minus_eps", "answer_smoothing", 'answer_smoothing = 0.9\n'),
    Mutant("answer_warmup_wrong", "answer_warmup", 'answer_warmup = "c"\n'),
]
