"""Length generalisation: can a model read inputs longer than any it was trained on?

Three small encoder-decoder Transformers, identical but for how they encode positions
(sinusoidal and learned absolute positions added to the embeddings, or rotary positions applied
to queries and keys in every attention), are trained on two tasks and tested on longer inputs:

- numbers: English number words to Chinese numerals (tfs.numbers), trained on numbers below
  10^6 (1 to 6 digits), tested on 1 to 8 digits;
- copy: repeat a random sequence, trained on lengths 2 to 10, tested on lengths 2 to 20.

Exact match (the whole output right) per input length and position type goes to
book/data/length_generalisation.json, which chapter 8's reading page plots. Run from the
repository root (a few minutes on a 2-core CPU):

    .venv/bin/python benchmarks/length_generalisation.py
    .venv/bin/python benchmarks/length_generalisation.py --steps 300 --copy-steps 150 --out /tmp/quick.json
"""

import argparse
import datetime
import json
import math
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from tfs import numbers
from tfs.runtime import seed_everything

ROOT = Path(__file__).resolve().parent.parent
POSITION_TYPES = ("sinusoidal", "learned", "rotary")
MAX_POSITIONS = 64


# ---------------------------------------------------------------------------------------------
# The model: pre-norm encoder-decoder with its own attention, so that rotary positions fit in
# ---------------------------------------------------------------------------------------------


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """Rotary positions, "rotate half" form: x [B, H, L, d_head] with its positions 0 .. L-1.

    Dimension i and i + d_head/2 form a pair, turned by the angle p * 10000^(-2i/d_head).
    """
    half = x.shape[-1] // 2
    angles = torch.arange(x.shape[-2], dtype=torch.float32)[:, None] * 10_000.0 ** (-torch.arange(half) / half)
    cos, sin = angles.cos(), angles.sin()                                        # [L, half]
    first, second = x[..., :half], x[..., half:]
    return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)


class Attention(nn.Module):
    """Multi-head attention of `x` over `context` through F.scaled_dot_product_attention."""

    def __init__(self, d_model: int, heads: int, rotary: bool):
        super().__init__()
        self.heads, self.rotary = heads, rotary
        self.query, self.key_value = nn.Linear(d_model, d_model), nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x, context, visible):                  # x [B, T, d], context [B, S, d], visible [B, 1, T|1, S]
        B, T, d = x.shape
        q = self.query(x).view(B, T, self.heads, -1).transpose(1, 2)             # [B, H, T, dh]
        k, v = self.key_value(context).view(B, context.shape[1], 2, self.heads, -1).permute(2, 0, 3, 1, 4)
        if self.rotary:
            q, k = rotate_half(q), rotate_half(k)
        mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=visible)       # [B, H, T, dh]
        return self.out(mixed.transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):
    """Pre-norm: self-attention, optionally cross-attention, then a feed-forward network."""

    def __init__(self, d_model: int, heads: int, d_ff: int, rotary: bool, cross: bool):
        super().__init__()
        self.self_attention = Attention(d_model, heads, rotary)
        self.cross_attention = Attention(d_model, heads, rotary) if cross else None
        self.feed_forward = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(3 if cross else 2))

    def forward(self, x, self_visible, memory=None, memory_visible=None):
        h = self.norms[0](x)
        x = x + self.self_attention(h, h, self_visible)
        if self.cross_attention is not None:
            x = x + self.cross_attention(self.norms[1](x), memory, memory_visible)
        return x + self.feed_forward(self.norms[-1](x))


def sinusoids(length: int, d_model: int) -> torch.Tensor:
    """[length, d_model]: sin in the first half of the dimensions, cos in the second."""
    angles = torch.arange(length, dtype=torch.float32)[:, None] * 10_000.0 ** (-torch.arange(0, d_model, 2) / d_model)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class Seq2Seq(nn.Module):
    def __init__(self, position_type: str, source_size: int, target_size: int, d_model=64, heads=4, layers=2, d_ff=256):
        super().__init__()
        self.position_type, self.scale = position_type, math.sqrt(d_model)
        self.source_embedding = nn.Embedding(source_size, d_model)
        self.target_embedding = nn.Embedding(target_size, d_model)
        for embedding in (self.source_embedding, self.target_embedding):
            nn.init.normal_(embedding.weight, std=d_model ** -0.5)               # unit scale after * sqrt(d)
        if position_type == "learned":
            self.positions = nn.Parameter(torch.randn(MAX_POSITIONS, d_model))
        elif position_type == "sinusoidal":
            self.register_buffer("positions", sinusoids(MAX_POSITIONS, d_model))
        rotary = position_type == "rotary"
        self.encoder = nn.ModuleList(Block(d_model, heads, d_ff, rotary, cross=False) for _ in range(layers))
        self.decoder = nn.ModuleList(Block(d_model, heads, d_ff, rotary, cross=True) for _ in range(layers))
        self.final_norms = nn.ModuleList([nn.LayerNorm(d_model), nn.LayerNorm(d_model)])
        self.to_logits = nn.Linear(d_model, target_size, bias=False)
        self.to_logits.weight = self.target_embedding.weight

    def embed(self, embedding, ids):
        x = embedding(ids) * self.scale
        return x if self.position_type == "rotary" else x + self.positions[: ids.shape[1]]

    def encode(self, src):
        visible = (src != numbers.PAD_ID)[:, None, None, :]                      # [B, 1, 1, S]
        x = self.embed(self.source_embedding, src)
        for block in self.encoder:
            x = block(x, visible)
        return self.final_norms[0](x), visible

    def decode(self, memory, memory_visible, tgt_in):
        T = tgt_in.shape[1]
        past = torch.ones(T, T, dtype=torch.bool).tril()                         # [T, T]
        y = self.embed(self.target_embedding, tgt_in)
        for block in self.decoder:
            y = block(y, past, memory, memory_visible)
        return self.to_logits(self.final_norms[1](y))

    def forward(self, src, tgt_in):
        return self.decode(*self.encode(src), tgt_in)


# ---------------------------------------------------------------------------------------------
# Training and testing
# ---------------------------------------------------------------------------------------------


def with_bos(labels):
    """The decoder's input: <bos>, then the labels without their last position."""
    return torch.cat([torch.full_like(labels[:, :1], numbers.BOS_ID), labels[:, :-1]], dim=1)


def train(model, batches, steps, warmup=200, peak=2e-3):
    """Adam with linear warm-up and inverse-square-root decay; label smoothing 0.1."""
    optimizer = torch.optim.Adam(model.parameters(), lr=peak, betas=(0.9, 0.98), eps=1e-9)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, math.sqrt(warmup / (s + 1))))
    model.train()
    for step in range(steps):
        src, labels = batches[step % len(batches)]
        logits = model(src, with_bos(labels))
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=numbers.PAD_ID, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return loss.item()


@torch.no_grad()
def exact_match(model, src, labels):
    """Share of rows whose greedy output equals the labels up to and including <eos>."""
    model.eval()
    memory, visible = model.encode(src)
    written = torch.full((len(src), 1), numbers.BOS_ID)
    for _ in range(labels.shape[1]):
        next_ids = model.decode(memory, visible, written)[:, -1].argmax(-1, keepdim=True)
        written = torch.cat([written, next_ids], dim=1)
    outputs = written[:, 1:]
    real = labels != numbers.PAD_ID
    return ((outputs == labels) | ~real).all(dim=1).float().mean().item()


def numbers_task(args, position_type):
    """Train on numbers below 10^6; exact match for each number of digits, 1 to 8."""
    seed_everything(0)
    train_numbers = numbers.sample_numbers(args.train_numbers, high=10 ** 6, seed=0)
    seen = set(train_numbers)
    model = Seq2Seq(position_type, len(numbers.source_vocab()), len(numbers.target_vocab()))
    epochs = math.ceil(args.steps * args.batch_size / len(train_numbers))
    batches = [b for epoch in range(epochs) for b in numbers.batches(train_numbers, args.batch_size, seed=epoch)]
    loss = train(model, batches, args.steps)
    scores = {}
    for digits in range(1, 9):
        low, high = 10 ** (digits - 1) if digits > 1 else 0, 10 ** digits
        unseen = high - low - sum(low <= n < high for n in seen)
        if unseen:
            test = numbers.sample_numbers(min(args.test_numbers, unseen), low, high, seed=digits, exclude=seen)
            hits = sum(exact_match(model, s, t) * len(s) for s, t in numbers.batches(test, 256, shuffle=False))
            scores[digits] = hits / len(test)
    return loss, scores


def copy_task(args, position_type):
    """Train to copy lengths 2 to 10; exact match for each length 2 to 20."""
    seed_everything(0)
    vocab = args.copy_vocab
    model = Seq2Seq(position_type, vocab, vocab)
    train_lengths = range(2, 11)
    per_length = args.copy_steps // len(train_lengths) + 1
    batches = [batch for i, length in enumerate(train_lengths)
               for batch in numbers.copy_batches(per_length, args.batch_size, length, vocab, seed=i)]
    batches = [batches[i] for i in torch.randperm(len(batches), generator=torch.Generator().manual_seed(0))]
    loss = train(model, batches, args.copy_steps)
    scores = {length: exact_match(model, *numbers.copy_batches(1, 256, length, vocab, seed=1000 + length)[0])
              for length in range(2, 21)}
    return loss, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1200, help="training steps on the numbers task")
    parser.add_argument("--copy-steps", type=int, default=1000, help="training steps on the copy task")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-numbers", type=int, default=20_000)
    parser.add_argument("--test-numbers", type=int, default=300, help="test numbers per number of digits")
    parser.add_argument("--copy-vocab", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "book" / "data" / "length_generalisation.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    result = {"script": "benchmarks/length_generalisation.py", "date": datetime.date.today().isoformat(),
              "torch": torch.__version__, "device": "cpu",
              "config": {k: v for k, v in vars(args).items() if k != "out"} | {
                  "d_model": 64, "heads": 4, "layers": "2 + 2", "d_ff": 256,
                  "optimizer": "Adam, peak 2e-3, warm-up 200", "label_smoothing": 0.1,
                  "rotary": "applied to queries and keys of every attention, cross-attention included"},
              "numbers": {"train": "numbers below 10^6 (1 to 6 digits)", "x": "digits",
                          "exact_match": {}, "final_loss": {}},
              "copy": {"train": "lengths 2 to 10", "x": "length", "exact_match": {}, "final_loss": {}}}
    for position_type in POSITION_TYPES:
        for task, run in (("numbers", numbers_task), ("copy", copy_task)):
            t = time.perf_counter()
            loss, scores = run(args, position_type)
            result[task]["exact_match"][position_type] = scores
            result[task]["final_loss"][position_type] = round(loss, 4)
            print(f"{task:<8} {position_type:<11} loss {loss:.3f}  {time.perf_counter() - t:5.0f} s  "
                  + " ".join(f"{x}:{100 * s:.0f}" for x, s in scores.items()), flush=True)
    result["seconds"] = round(time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} in {result['seconds']} s")


if __name__ == "__main__":
    main()
