"""Training speed of the course's Transformer (chapter 8's solution) against PyTorch's nn.Transformer of
the same configuration: tokens per second over full training steps (forward, loss, backward, AdamW).

    .venv/bin/python benchmarks/train_throughput.py [--steps 20] [--threads N] [--gpu-config]

Three models, the same batches of the number task, measured in interleaved rounds:
  nn.Transformer      embeddings + nn.Transformer(norm_first=True) + tied output layer
  course, eager       our Transformer with the explicit attention of chapter 3 (softmax(QK^T/sqrt(d)) V)
  course, SDPA        our Transformer with F.scaled_dot_product_attention inside the attention
Ratios are against nn.Transformer. On the CPU the rates are also given per CPU-second of this process
(time.process_time), which a loaded machine disturbs less than wall time. On a GPU (bf16 autocast) it
also prints the model FLOPs utilisation: 6 x parameters x tokens + attention, over --peak-tflops.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.solution_code import solution_namespace  # noqa: E402
from benchmarks.train import CONFIGS  # noqa: E402
from tfs.numbers import BOS_ID, PAD_ID, batches, source_vocab, splits, target_vocab  # noqa: E402

PEAK_BF16_TFLOPS = {"H100": 989, "A100": 312, "L40": 362, "L4": 121, "A10": 125, "V100": 125, "T4": 65,
                    "4090": 165, "3090": 71}


class TorchTransformer(nn.Module):
    """nn.Transformer with the same embeddings, positions and tied output as the course's model."""

    def __init__(self, src_vocab, tgt_vocab, d_model, n_heads, n_layers, d_ff, pe):
        super().__init__()
        self.d_model = d_model
        self.src_embed, self.tgt_embed = nn.Embedding(src_vocab, d_model), nn.Embedding(tgt_vocab, d_model)
        self.register_buffer("pe", pe, persistent=False)
        self.transformer = nn.Transformer(d_model, n_heads, n_layers, n_layers, d_ff, dropout=0.1,
                                          batch_first=True, norm_first=True)
        self.out = nn.Linear(d_model, tgt_vocab, bias=False)
        self.out.weight = self.tgt_embed.weight

    def embed(self, embedding, ids):
        return embedding(ids) * self.d_model ** 0.5 + self.pe[: ids.shape[1]]

    def forward(self, src, tgt_in):
        causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1], device=src.device)
        hidden = self.transformer(self.embed(self.src_embed, src), self.embed(self.tgt_embed, tgt_in),
                                  tgt_mask=causal, tgt_is_causal=True, src_key_padding_mask=src == PAD_ID,
                                  tgt_key_padding_mask=tgt_in == PAD_ID, memory_key_padding_mask=src == PAD_ID)
        return self.out(hidden)


def training_step(course, model, optimizer, loss_fn, src, labels, device, autocast):
    """One step; the course's model through its own masks, nn.Transformer through its key padding masks."""
    tgt_in = course["shift_right"](labels, BOS_ID)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
        if isinstance(model, TorchTransformer):
            logits = model(src, tgt_in)
        else:
            logits = model(src, tgt_in, *course["make_masks"](src, tgt_in, PAD_ID))
    loss = loss_fn(logits.float().flatten(0, 1), labels.flatten())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def attention_flops(src, labels):
    """Forward FLOPs of QK^T and AV per d_model: encoder self, decoder self and cross attention."""
    S, T = src.shape[1], labels.shape[1]
    return 2 * 2 * len(src) * (S * S + T * T + T * S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per model per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--gpu-config", action="store_true")
    parser.add_argument("--peak-tflops", type=float, help="the GPU's bf16 peak, for the FLOPs utilisation")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = CONFIGS["gpu" if args.gpu_config or device.type == "cuda" else "cpu"]
    course = solution_namespace("ch08_training")
    src_vocab, tgt_vocab = len(source_vocab()), len(target_vocab())
    data = [(s.to(device), t.to(device))
            for s, t in batches(splits(4000, 1, 1, seed=0)["train"], config["batch_size"], seed=0)]
    tokens = [int((s != PAD_ID).sum() + (t != PAD_ID).sum()) for s, t in data]

    def course_model(fast):
        torch.manual_seed(0)
        model = course["Transformer"](src_vocab, tgt_vocab, dropout=0.1, **config["model"])
        return course["use_fast_attention"](model, fast)

    models = {"nn.Transformer": TorchTransformer(src_vocab, tgt_vocab, **config["model"],
                                                 pe=course["sinusoidal_positional_encoding"](256, config["model"]["d_model"])),
              "course, eager": course_model(False), "course, SDPA": course_model(True)}
    loss_fn = course["LabelSmoothingLoss"](tgt_vocab, smoothing=0.1)
    runs = {}
    for name, model in models.items():
        model.to(device).train()
        runs[name] = (model, torch.optim.AdamW(model.parameters(), lr=1e-4))
    rates = {name: [] for name in models}
    autocast = device.type == "cuda"
    for round_ in range(args.rounds + 1):                    # round 0 warms up
        for name, (model, optimizer) in runs.items():
            chosen = [(i + round_ * args.steps) % len(data) for i in range(args.steps)]
            if device.type == "cuda":
                torch.cuda.synchronize()
            wall, cpu = time.perf_counter(), time.process_time()
            for i in chosen:
                training_step(course, model, optimizer, loss_fn, *data[i], device, autocast)
            if device.type == "cuda":
                torch.cuda.synchronize()
            n = sum(tokens[i] for i in chosen)
            if round_:
                rates[name].append((n / (time.perf_counter() - wall), n / (time.process_time() - cpu)))

    print(f"device {device}, {torch.get_num_threads()} threads, config {config['model']}, batch "
          f"{config['batch_size']}, {args.steps} steps x {args.rounds} rounds (median)")
    base_wall = statistics.median(w for w, _ in rates["nn.Transformer"])
    base_cpu = statistics.median(c for _, c in rates["nn.Transformer"])
    for name, measured in rates.items():
        wall, cpu = statistics.median(w for w, _ in measured), statistics.median(c for _, c in measured)
        line = f"{name:<16} {wall:>10,.0f} tokens/s  ratio {wall / base_wall:5.2f}x"
        if device.type == "cpu":
            line += f"   per CPU-second {cpu:>10,.0f}  ratio {cpu / base_cpu:5.2f}x"
        else:
            params = sum(p.numel() for p in runs[name][0].parameters())
            flops_per_token = 6 * params + 3 * statistics.mean(
                attention_flops(s, t) * config["model"]["d_model"] / k for (s, t), k in zip(data, tokens))
            peak = args.peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items()
                                             if k in torch.cuda.get_device_name()), None)
            line += f"   {wall * flops_per_token / 1e12:6.2f} TFLOP/s"
            line += f", MFU {wall * flops_per_token / (peak * 1e12):.1%}" if peak else " (give --peak-tflops for MFU)"
        print(line)


if __name__ == "__main__":
    main()
