"""Chapter 1: an embedding as one-hot @ W against index lookup, as the vocabulary grows.

    .venv/bin/python benchmarks/embedding_lookup.py

Both give the same vectors; the one-hot product costs O(N |V| D), the lookup O(N D).
"""

import time

import torch
import torch.nn.functional as F


def median_seconds(fn, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main(tokens: int = 512, dim: int = 256) -> None:
    torch.manual_seed(0)
    print(f"{tokens} token ids, {dim}-dimensional embeddings")
    print(f"{'|V|':>8}{'one-hot @ W':>14}{'W[ids]':>12}{'ratio':>9}")
    for vocab in (1_000, 4_000, 16_000, 64_000):
        weight = torch.randn(vocab, dim)
        ids = torch.randint(vocab, (tokens,))
        assert torch.equal(F.one_hot(ids, vocab).float() @ weight, weight[ids])
        slow = median_seconds(lambda: F.one_hot(ids, vocab).float() @ weight)
        fast = median_seconds(lambda: F.embedding(ids, weight))
        print(f"{vocab:>8}{slow * 1e3:>12.2f}ms{fast * 1e3:>10.3f}ms{slow / fast:>8.0f}x")


if __name__ == "__main__":
    main()
