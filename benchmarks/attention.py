"""Chapter 5: the course's MultiHeadAttention against PyTorch's, forward and backward, as T grows.

    .venv/bin/python benchmarks/attention.py [--lengths 64 128 256 512 1024] [--threads 1]

Four ways to compute the same self-attention layer (d_model = 512, 8 heads, one sequence):
- `course`: the reference MultiHeadAttention of the chapter 5 solution notebook (softmax written
  out, per-head weights returned);
- `torch, weights`: nn.MultiheadAttention(need_weights=True, average_attn_weights=False), which
  also returns the per-head weights;
- `torch, no weights`: nn.MultiheadAttention(need_weights=False), PyTorch's fused path;
- `course + sdpa`: the course's module with its attention replaced by F.scaled_dot_product_attention.

Each configuration runs in a subprocess of its own, which reports the median time of a forward and
backward pass and its peak memory: the growth of the process's maximum resident set size
(`resource.getrusage`) over the first pass at that length (after a warm-up pass on 8 tokens, which
allocates the weights' gradients). Ratios are times over `course`'s; nothing is asserted.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from benchmarks.solution_code import solution_namespace  # noqa: E402

D_MODEL, N_HEADS = 512, 8
IMPLEMENTATIONS = ["course", "torch, weights", "torch, no weights", "course + sdpa"]


def build(name: str) -> "callable":
    """A function x -> output for implementation `name`, with its module's weights random."""
    namespace = solution_namespace("ch05_multi_head")
    MultiHeadAttention, split_heads, merge_heads = (namespace[n] for n in ("MultiHeadAttention", "split_heads",
                                                                           "merge_heads"))

    class FusedMultiHeadAttention(MultiHeadAttention):
        """The course's projections and reshapes around PyTorch's fused attention (no weights returned)."""

        def forward(self, query, key, value, mask=None):
            q, k, v = (split_heads(linear(x), self.n_heads)
                       for linear, x in ((self.W_q, query), (self.W_k, key), (self.W_v, value)))
            heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            return self.W_o(merge_heads(heads)), None

    if name == "course":
        module = MultiHeadAttention(D_MODEL, N_HEADS)
        return lambda x: module(x, x, x)[0]
    if name == "course + sdpa":
        module = FusedMultiHeadAttention(D_MODEL, N_HEADS)
        return lambda x: module(x, x, x)[0]
    module = nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True)
    need_weights = name == "torch, weights"
    return lambda x: module(x, x, x, need_weights=need_weights, average_attn_weights=False)[0]


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kilobytes on Linux


def measure_one(name: str, length: int, repeats: int) -> dict:
    """Peak memory of the first forward + backward pass at this length, then the median time of `repeats` more."""
    torch.manual_seed(0)
    forward = build(name)
    x = torch.randn(1, length, D_MODEL, requires_grad=True)

    def step(inputs=x):
        forward(inputs).sum().backward()

    step(torch.randn(1, 8, D_MODEL, requires_grad=True))   # warm-up: allocates the weights' gradients
    before = max_rss_mb()
    step()
    peak = max_rss_mb() - before
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run (default 1: steadier)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("IMPLEMENTATION", "T"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.repeats)))
        return

    print(f"self-attention, d_model = {D_MODEL}, {N_HEADS} heads, batch 1, forward + backward, "
          f"{args.threads} thread(s), median of {args.repeats}; peak = growth of max RSS over one pass")
    print(f"{'T':>6}  " + "  ".join(f"{name:>24}" for name in IMPLEMENTATIONS))
    for length in args.lengths:
        results = {}
        for name in IMPLEMENTATIONS:
            command = [sys.executable, __file__, "--one", name, str(length), "--threads", str(args.threads),
                       "--repeats", str(args.repeats)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name] = json.loads(output.strip().splitlines()[-1])
        reference = results["course"]["seconds"]
        cells = [f"{1e3 * r['seconds']:7.1f} ms {r['seconds'] / reference:4.2f}x {r['peak_mb']:5.0f} MB"
                 for r in results.values()]
        print(f"{length:>6}  " + "  ".join(f"{cell:>24}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
