"""Honest variants for ch08_training: correct alternative solutions that must keep full marks."""

from functools import partial

from tests.mutants import solution_with
from tests.variants import Variant

_edited = partial(solution_with, "ch08_training")

_SMOOTHING_HEAD = '''class LabelSmoothingLoss(nn.Module):
    """Cross-entropy against (1 - smoothing) * one_hot(target) + smoothing / V, averaged over non-ignored tokens."""

    def __init__(self, vocab_size: int, smoothing: float = 0.1, ignore_index: int = 0):
        super().__init__()
        self.vocab_size, self.smoothing, self.ignore_index = vocab_size, smoothing, ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
'''

_TRAIN_HEAD = '''def train_epoch(model: nn.Module, batches, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                scheduler=None, device="cpu", clip_norm: float | None = 1.0,
                autocast_dtype: torch.dtype | None = None) -> float:
'''

VARIANTS: list[Variant] = [
    # ---- shift_right: F.pad; roll then overwrite the first column -------------------------------
    Variant("shift_with_pad", "shift_right", '''\
def shift_right(labels: torch.Tensor, bos_id: int) -> torch.Tensor:
    return F.pad(labels[:, :-1], (1, 0), value=bos_id)
'''),
    Variant("shift_with_roll", "shift_right", '''\
def shift_right(labels: torch.Tensor, bos_id: int) -> torch.Tensor:
    shifted = labels.roll(1, dims=1)          # a new tensor: labels stay as they are
    shifted[:, 0] = bos_id
    return shifted
'''),
    # ---- make_masks: comparisons written out; causal from two aranges -----------------------------
    Variant("masks_written_out", "make_masks", '''\
def make_masks(src: torch.Tensor, tgt_in: torch.Tensor, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    T = tgt_in.size(1)
    src_mask = (src != pad_id).unsqueeze(1).unsqueeze(2)
    keys = (tgt_in != pad_id).unsqueeze(1).unsqueeze(2)                         # [B, 1, 1, T]
    lower = torch.tril(torch.ones(T, T, dtype=torch.bool, device=tgt_in.device))
    return src_mask, keys & lower
'''),
    Variant("masks_from_aranges", "make_masks", '''\
def make_masks(src: torch.Tensor, tgt_in: torch.Tensor, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    positions = torch.arange(tgt_in.shape[1], device=tgt_in.device)
    causal = positions[None, :] <= positions[:, None]                            # [T, T]: key <= query
    tgt_mask = causal[None, None] & tgt_in.ne(pad_id)[:, None, None, :]
    return src.ne(pad_id)[:, None, None, :], tgt_mask
'''),
    # ---- Transformer: a [1, L, d] buffer and d ** 0.5; masks built only when missing ---------------
    Variant("transformer_batched_buffer", "Transformer", _edited(
        "Transformer",
        ('self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)',
         'self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model)[None], persistent=False)'),
        ("embedding(ids) * math.sqrt(self.d_model) + self.pe[: ids.shape[1]]",
         "embedding(ids) * self.d_model ** 0.5 + self.pe[:, : ids.size(1)]"),
        ("            nn.init.normal_(embedding.weight, std=d_model ** -0.5)",
         "            nn.init.normal_(embedding.weight, mean=0.0, std=1 / math.sqrt(d_model))"))),
    Variant("transformer_masks_when_missing", "Transformer", _edited(
        "Transformer",
        ('''        built_src_mask, built_tgt_mask = make_masks(src, tgt_in, PAD_ID)
        src_mask = built_src_mask if src_mask is None else src_mask
        tgt_mask = built_tgt_mask if tgt_mask is None else tgt_mask
        return self.decode(tgt_in, self.encode(src, src_mask), src_mask, tgt_mask)''',
         '''        if src_mask is None or tgt_mask is None:
            built = make_masks(src, tgt_in, PAD_ID)
            src_mask = built[0] if src_mask is None else src_mask
            tgt_mask = built[1] if tgt_mask is None else tgt_mask
        memory = self.encode(src, src_mask)
        return self.decode(tgt_in, memory, src_mask=src_mask, tgt_mask=tgt_mask)'''),
        ("return self.out(self.decoder(self.embed(self.tgt_embed, tgt_in), memory, tgt_mask, src_mask))",
         "hidden = self.decoder(self.embed(self.tgt_embed, tgt_in), memory, tgt_mask=tgt_mask, memory_mask=src_mask)\n"
         "        return self.out(hidden)"))),
    # ---- LabelSmoothingLoss: log_softmax and gather; a one-hot target ---------------------------
    Variant("smoothing_log_softmax_gather", "LabelSmoothingLoss", _SMOOTHING_HEAD + '''\
        log_probs = F.log_softmax(logits, dim=-1)
        keep = target.ne(self.ignore_index)
        safe = torch.where(keep, target, torch.zeros_like(target))
        nll = -log_probs.gather(dim=-1, index=safe.unsqueeze(-1)).squeeze(-1)     # -log p_y
        uniform = -log_probs.mean(dim=-1)                                          # -1/V sum_c log p_c
        per_token = (1 - self.smoothing) * nll + self.smoothing * uniform
        return (per_token * keep).sum() / keep.sum()
'''),
    Variant("smoothing_one_hot", "LabelSmoothingLoss", _SMOOTHING_HEAD + '''\
        keep = target != self.ignore_index
        one_hot = F.one_hot(target.clamp(0, self.vocab_size - 1) * keep, self.vocab_size).to(logits.dtype)
        q = (1.0 - self.smoothing) * one_hot + self.smoothing / self.vocab_size
        log_p = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
        return -(q * log_p).sum(dim=-1)[keep].mean()
'''),
    # ---- noam_lr: two branches; sqrt written out ------------------------------------------------
    Variant("noam_two_branches", "noam_lr", '''\
def noam_lr(step: int, d_model: int, warmup: int) -> float:
    step = max(1, step)
    if step < warmup:
        return step / (warmup * math.sqrt(warmup)) / math.sqrt(d_model)
    return 1.0 / math.sqrt(d_model * step)
'''),
    Variant("noam_math_pow", "noam_lr", '''\
def noam_lr(step: int, d_model: int, warmup: int) -> float:
    s = float(step) if step > 0 else 1.0
    return math.pow(d_model, -0.5) * min(math.pow(s, -0.5), s * math.pow(warmup, -1.5))
'''),
    # ---- train_epoch: Python floats and zero_grad first; nullcontext and a token count first ------
    Variant("train_python_floats", "train_epoch", _TRAIN_HEAD + '''\
    device = torch.device(device) if isinstance(device, str) else device
    if device.type == "cuda" and autocast_dtype is None:
        autocast_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16
    scaler = torch.amp.GradScaler(device.type, enabled=autocast_dtype is torch.float16)
    model.train()
    loss_sum, token_count = 0.0, 0
    for src, labels in batches:
        optimizer.zero_grad()
        src, labels = src.to(device), labels.to(device)
        tgt_in = shift_right(labels, BOS_ID)
        src_mask, tgt_mask = make_masks(src, tgt_in, PAD_ID)
        with torch.autocast(device_type=device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            logits = model(src, tgt_in, src_mask, tgt_mask)
        loss = loss_fn(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1))
        scaler.scale(loss).backward()
        if clip_norm is not None:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip_norm)
        scaler.step(optimizer)
        scaler.update()
        if scheduler:
            scheduler.step()
        n = labels.ne(PAD_ID).sum().item()
        loss_sum += loss.item() * n
        token_count += n
    return loss_sum / token_count
'''),
    Variant("train_nullcontext", "train_epoch", _TRAIN_HEAD + '''\
    import contextlib

    device = torch.device(device)
    dtype = autocast_dtype
    if dtype is None and device.type == "cuda":
        dtype = mixed_precision(device).dtype
    scaler = torch.amp.GradScaler(device.type) if dtype == torch.float16 else None
    model.train()
    weighted, tokens = [], []
    for src, labels in batches:
        src, labels = src.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        n_tokens = (labels != PAD_ID).sum()
        tgt_in = shift_right(labels, BOS_ID)
        masks = make_masks(src, tgt_in, PAD_ID)
        context = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
        with context:
            logits = model(src, tgt_in, *masks)
        V = logits.size(-1)
        loss = loss_fn(logits.view(-1, V).float(), labels.view(-1))
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            if clip_norm is not None:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            scaler.step(optimizer)
            scaler.update()
        if scheduler is not None:
            scheduler.step()
        weighted.append(loss.detach() * n_tokens)
        tokens.append(n_tokens)
    return float(torch.stack(weighted).sum() / torch.stack(tokens).sum())
'''),
    # ---- greedy_decode: a preallocated buffer; causal and padding masks together -----------------
    Variant("greedy_preallocated", "greedy_decode", '''\
@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, max_len: int, bos_id: int, eos_id: int,
                  pad_id: int = 0) -> torch.Tensor:
    B = src.size(0)
    src_mask = padding_mask(src, pad_id)
    memory = model.encode(src, src_mask)
    ys = torch.full((B, max_len + 1), pad_id, dtype=torch.long, device=src.device)
    ys[:, 0] = bos_id
    done = torch.zeros(B, dtype=torch.bool, device=src.device)
    length = 0
    for t in range(1, max_len + 1):
        logits = model.decode(ys[:, :t], memory, src_mask, causal_mask(t, device=src.device))
        token = logits[:, -1, :].argmax(-1)
        ys[:, t] = torch.where(done, torch.full_like(token, pad_id), token)
        done = done | (token == eos_id)
        length = t
        if bool(done.all()):
            break
    return ys[:, 1:length + 1]
'''),
    Variant("greedy_list_of_steps", "greedy_decode", '''\
@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, max_len: int, bos_id: int, eos_id: int,
                  pad_id: int = 0) -> torch.Tensor:
    src_mask = padding_mask(src, pad_id)
    memory = model.encode(src, src_mask)
    prefix = src.new_full((src.shape[0], 1), bos_id)
    finished = src.new_zeros(src.shape[0], dtype=torch.bool)
    steps = []
    while len(steps) < max_len and not finished.all():
        scores = model.decode(prefix, memory, src_mask, causal_mask(prefix.shape[1], prefix.device))[:, -1]
        token = scores.argmax(dim=-1)
        token[finished] = pad_id
        finished = finished | token.eq(eos_id)
        steps.append(token)
        prefix = torch.cat([prefix, token.unsqueeze(1)], dim=1)
    return torch.stack(steps, dim=1)
'''),
    # ---- beam_search: Python lists of hypotheses; unravel_index and a running best ----------------
    Variant("beam_python_hypotheses", "beam_search", '''\
@torch.no_grad()
def beam_search(model: nn.Module, src: torch.Tensor, beam_size: int, max_len: int, bos_id: int, eos_id: int,
                length_penalty: float = 0.6) -> list[int]:
    memory = model.encode(src)
    beams = [(0.0, [bos_id])]                                   # (log-probability, tokens with BOS)
    finished = []                                               # (normalised score, tokens)
    lp = lambda n: ((5 + n) / 6) ** length_penalty              # noqa: E731
    for step in range(1, max_len + 1):
        prefixes = torch.tensor([tokens for _, tokens in beams], dtype=torch.long, device=src.device)
        mem = memory.repeat(len(beams), 1, 1)
        log_p = F.log_softmax(model.decode(prefixes, mem, None, causal_mask(step, src.device))[:, -1], dim=-1)
        scores = torch.tensor([score for score, _ in beams], device=src.device)[:, None] + log_p
        V = scores.shape[1]
        values, indices = scores.view(-1).topk(min(beam_size, scores.numel()))
        new_beams = []
        for value, index in zip(values.tolist(), indices.tolist()):
            parent, token = divmod(index, V)
            tokens = beams[parent][1]
            if token == eos_id:
                finished.append((value / lp(step), tokens[1:]))
            else:
                new_beams.append((value, tokens + [token]))
        beams = new_beams
        if not beams:
            break
    finished += [(score / lp(max_len), tokens[1:]) for score, tokens in beams]
    finished.sort(key=lambda item: item[0], reverse=True)
    return finished[0][1]
'''),
    Variant("beam_running_best", "beam_search", '''\
@torch.no_grad()
def beam_search(model: nn.Module, src: torch.Tensor, beam_size: int, max_len: int, bos_id: int, eos_id: int,
                length_penalty: float = 0.6) -> list[int]:
    memory = model.encode(src)
    hyps = torch.full((1, 1), bos_id, dtype=torch.long, device=src.device)
    scores = torch.zeros(1, dtype=torch.float64, device=src.device)
    best_score, best = -math.inf, None
    for t in range(max_len):
        out = model.decode(hyps, memory.expand(hyps.shape[0], -1, -1), None, causal_mask(t + 1, src.device))
        total = scores[:, None] + torch.log_softmax(out[:, -1].double(), dim=-1)
        k = min(beam_size, total.numel())
        top, flat = torch.topk(total.reshape(-1), k)
        parent, token = torch.unravel_index(flat, total.shape)
        penalty = ((5 + t + 1) / 6) ** length_penalty
        for score, p in zip(top[token == eos_id].tolist(), parent[token == eos_id].tolist()):
            if score / penalty > best_score:
                best_score, best = score / penalty, hyps[p, 1:].tolist()
        alive = token != eos_id
        hyps = torch.cat([hyps[parent[alive]], token[alive].unsqueeze(1)], dim=1)
        scores = top[alive]
        if hyps.shape[0] == 0:
            return best
    penalty = ((5 + max_len) / 6) ** length_penalty
    for score, hyp in zip(scores.tolist(), hyps[:, 1:].tolist()):
        if score / penalty > best_score:
            best_score, best = score / penalty, hyp
    return best
'''),
]
