"""Chapter 2: the course's skip-gram, trained with PyTorch, against gensim's Word2Vec.

    .venv/bin/python benchmarks/word2vec.py [--epochs 20] [--seed 0]

Both train on the Lee background corpus that gensim ships, with the same hyperparameters:
skip-gram, 100 dimensions, a window of 5 (shrunk at random for each centre, as word2vec does),
5 negatives from counts ** 0.75, min_count 2, subsampling of frequent words with sample = 1e-3,
a learning rate decaying linearly to 0, and one CPU thread each. The PyTorch model is the
solution notebook's `SkipGramNegSampling`, fed by its `skipgram_pairs`, `noise_distribution`
and `sample_negatives`, with Adam on batches of 4096 pairs (gensim runs plain SGD, one pair at a
time, in compiled code). Prints the training time of each, their ratio, and the Spearman
correlation of each model's cosine similarities with the human scores of WordSimilarity-353,
over the pairs whose words are both in the vocabulary.
"""

import argparse
import contextlib
import io
import sys
import time
from collections import Counter
from pathlib import Path

import torch
import torch.nn.functional as F
from gensim.models import Word2Vec
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.solution_code import solution_namespace  # noqa: E402
from tfs.data import lee_corpus, wordsim353  # noqa: E402

DIM, WINDOW, NEGATIVES, MIN_COUNT, SAMPLE = 100, 5, 5, 2, 1e-3
BATCH, LEARNING_RATE = 4096, 0.003


def keep_probabilities(counts: torch.Tensor, sample: float = SAMPLE) -> torch.Tensor:
    """word2vec's subsampling: the probability of keeping each occurrence of a word, given all counts."""
    threshold = sample * counts.sum()
    return (((counts / threshold).sqrt() + 1) * threshold / counts).clamp(max=1.0)


def epoch_pairs(documents: list[torch.Tensor], keep: torch.Tensor, skipgram_pairs,
                generator: torch.Generator) -> torch.Tensor:
    """One epoch's (centre, context) pairs, shuffled: subsampled documents, a random window 1..WINDOW each."""
    pairs = []
    for ids in documents:
        kept = ids[torch.rand(len(ids), generator=generator, dtype=torch.float64) < keep[ids]]
        window = int(torch.randint(1, WINDOW + 1, (), generator=generator))
        pairs.append(skipgram_pairs(kept.tolist(), window))
    pairs = torch.cat(pairs)
    return pairs[torch.randperm(len(pairs), generator=generator)]


def train_torch(solution: dict, documents: list[list[str]], words: list[str], epochs: int, seed: int) -> torch.Tensor:
    """The solution's skip-gram with negative sampling; returns its word vectors (in_embed), [V, DIM]."""
    stoi = {word: i for i, word in enumerate(words)}
    counts = Counter(word for document in documents for word in document)
    counts = torch.tensor([counts[word] for word in words], dtype=torch.float64)
    ids = [torch.tensor([stoi[w] for w in document if w in stoi]) for document in documents]
    keep, noise = keep_probabilities(counts), solution["noise_distribution"](counts)

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = solution["SkipGramNegSampling"](len(words), DIM)
    with torch.no_grad():  # word2vec's initialisation: small centre vectors, zero context vectors
        model.in_embed.weight.uniform_(-0.5 / DIM, 0.5 / DIM)
        model.out_embed.weight.zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 - epoch / epochs)
    for _ in range(epochs):
        for batch in epoch_pairs(ids, keep, solution["skipgram_pairs"], generator).split(BATCH):
            negatives = solution["sample_negatives"](noise, (len(batch), NEGATIVES), generator)
            loss = model(batch[:, 0], batch[:, 1], negatives)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
    return model.in_embed.weight.detach()


def train_gensim(documents: list[list[str]], epochs: int, seed: int) -> Word2Vec:
    return Word2Vec(documents, sg=1, negative=NEGATIVES, vector_size=DIM, window=WINDOW, min_count=MIN_COUNT,
                    sample=SAMPLE, epochs=epochs, workers=1, seed=seed)


def wordsim_spearman(vectors: torch.Tensor, words: list[str]) -> tuple[float, int]:
    """Spearman correlation of cosine similarities with WordSimilarity-353, and the number of pairs used."""
    stoi = {word: i for i, word in enumerate(words)}
    unit = F.normalize(vectors.double(), dim=-1)
    pairs = [(stoi[a], stoi[b], score) for a, b, score in wordsim353() if a in stoi and b in stoi]
    cosines = [float(unit[a] @ unit[b]) for a, b, _ in pairs]
    return spearmanr(cosines, [score for *_, score in pairs]).statistic, len(pairs)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core each, like gensim's workers=1

    with contextlib.redirect_stdout(io.StringIO()):  # the notebook's setup cell prints its versions
        solution = solution_namespace("ch02_word2vec")
    documents = lee_corpus()
    reference, gensim_seconds = timed(train_gensim, documents, args.epochs, args.seed)
    words = list(reference.wv.index_to_key)  # the same words (count >= MIN_COUNT) for both models
    vectors, torch_seconds = timed(train_torch, solution, documents, words, args.epochs, args.seed)

    gensim_rho, n_pairs = wordsim_spearman(torch.from_numpy(reference.wv.vectors), words)
    torch_rho, _ = wordsim_spearman(vectors, words)
    print(f"Lee corpus: {len(documents)} documents, {sum(map(len, documents)):,} words, {len(words):,} in the "
          f"vocabulary; {args.epochs} epochs; WordSimilarity-353: {n_pairs} pairs in the vocabulary")
    print(f"{'model':<28}{'seconds':>9}{'Spearman':>10}")
    print(f"{'gensim Word2Vec (C, SGD)':<28}{gensim_seconds:>9.1f}{gensim_rho:>10.3f}")
    print(f"{'PyTorch skip-gram (Adam)':<28}{torch_seconds:>9.1f}{torch_rho:>10.3f}")
    print(f"PyTorch / gensim time: {torch_seconds / gensim_seconds:.1f}x; "
          f"Spearman difference {torch_rho - gensim_rho:+.3f}")


if __name__ == "__main__":
    main()
