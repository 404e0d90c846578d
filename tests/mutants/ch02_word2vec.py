"""Realistic wrong solutions for chapter 2: each must lose points under autograding.

A mutant's `source` replaces the whole solution cell `cell` (a grade_id), written out in full as a
learner would write it, or the solution with the mistake edited in (`solution_with`).
`visible_passes=True` marks a mutant that passes every visible test: only hidden tests catch it.
"""

from functools import partial

from tests.mutants import Mutant, solution_with

_solution = partial(solution_with, "ch02_word2vec")

SKIPGRAM_HEAD = '''def skipgram_pairs(ids, window):
    if window < 1:
        raise ValueError("window must be at least 1")
'''

CBOW_INIT = '''class CBOW(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, vocab_size, bias=False)

'''

SGNS_INIT = '''class SkipGramNegSampling(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)

    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        u_o = self.out_embed(context)
        u_k = self.out_embed(negatives)
'''

MOST_SIMILAR_HEAD = '''def most_similar(word, embeddings, vocab, k=5):
    if word not in vocab.stoi:
        raise KeyError(word)
    i = vocab.stoi[word]
'''

MUTANTS = [
    # ---- skipgram_pairs ----------------------------------------------------------------------
    Mutant(
        # range(i - window, i + window) stops one short on the right
        name="skipgram_window_off_by_one",
        cell="skipgram_pairs",
        source=SKIPGRAM_HEAD + '''    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - window), min(len(ids), i + window)) if j != i]
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)
''',
    ),
    Mutant(
        # forgets to skip the centre: every word is its own context
        name="skipgram_centre_included",
        cell="skipgram_pairs",
        source=SKIPGRAM_HEAD + '''    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - window), min(len(ids), i + window + 1))]
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)
''',
    ),
    Mutant(
        # nearest contexts first (distance 1 left, right, then distance 2...): the wrong order
        name="skipgram_ordered_by_distance",
        cell="skipgram_pairs",
        source=SKIPGRAM_HEAD + '''    pairs = []
    for i in range(len(ids)):
        for d in range(1, window + 1):
            for j in (i - d, i + d):
                if 0 <= j < len(ids):
                    pairs.append((ids[i], ids[j]))
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)
''',
    ),
    Mutant(
        # skips contexts with the centre's *value*, not its position: repeated words lose pairs
        name="skipgram_skips_equal_ids",
        cell="skipgram_pairs",
        visible_passes=True,
        source=SKIPGRAM_HEAD + '''    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - window), min(len(ids), i + window + 1)) if ids[j] != ids[i]]
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)
''',
    ),
    Mutant(
        # torch.tensor([]) for a one-word sentence has shape (0,), not (0, 2)
        name="skipgram_empty_wrong_shape",
        cell="skipgram_pairs",
        visible_passes=True,
        source=SKIPGRAM_HEAD + '''    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - window), min(len(ids), i + window + 1)) if j != i]
    return torch.tensor(pairs, dtype=torch.long)
''',
    ),
    # ---- cbow_examples -----------------------------------------------------------------------
    Mutant(
        # the last centre with a full window is left out
        name="cbow_last_centre_missing",
        cell="cbow_examples",
        source=_solution("cbow_examples", ("range(window, len(ids) - window)", "range(window, len(ids) - window - 1)")),
    ),
    Mutant(
        # the centre stays in its own context
        name="cbow_centre_in_context",
        cell="cbow_examples",
        source=_solution("cbow_examples", ("ids[i - window:i] + ids[i + 1:i + window + 1]", "ids[i - window:i + window + 1]"),
                         ("reshape(-1, 2 * window)", "reshape(-1, 2 * window + 1)")),
    ),
    Mutant(
        # contexts ordered nearest first, not left to right
        name="cbow_contexts_nearest_first",
        cell="cbow_examples",
        source=_solution("cbow_examples", ("ids[i - window:i] + ids[i + 1:i + window + 1]",
                                           "[ids[i + s * d] for d in range(1, window + 1) for s in (-1, 1)]")),
    ),
    Mutant(
        # no reshape: a sentence too short for the window gives contexts of shape (0,)
        name="cbow_empty_wrong_shape",
        cell="cbow_examples",
        visible_passes=True,
        source=_solution("cbow_examples", (".reshape(-1, 2 * window)", "")),
    ),
    # ---- CBOW --------------------------------------------------------------------------------
    Mutant(
        # the sum of the context vectors, not their mean
        name="cbow_sum_not_mean",
        cell="CBOW",
        source=CBOW_INIT + '''    def forward(self, contexts):
        return self.out(self.in_embed(contexts).sum(dim=1))
''',
    ),
    Mutant(
        # averages over the batch instead of the context words
        name="cbow_mean_over_batch",
        cell="CBOW",
        source=CBOW_INIT + '''    def forward(self, contexts):
        return self.out(self.in_embed(contexts).mean(dim=0))
''',
    ),
    Mutant(
        # an output layer with a bias
        name="cbow_out_with_bias",
        cell="CBOW",
        source=_solution("CBOW", ("nn.Linear(dim, vocab_size, bias=False)", "nn.Linear(dim, vocab_size)")),
    ),
    Mutant(
        # squeeze() also drops the batch axis when N = 1
        name="cbow_squeeze_drops_batch",
        cell="CBOW",
        visible_passes=True,
        source=CBOW_INIT + '''    def forward(self, contexts):
        return self.out(self.in_embed(contexts).mean(dim=1)).squeeze()
''',
    ),
    # ---- SkipGramNegSampling -----------------------------------------------------------------
    Mutant(
        # log(sigmoid(x)): -inf once |x| is past about 100 in float32
        name="sgns_log_of_sigmoid",
        cell="SkipGramNegSampling",
        source=SGNS_INIT + '''        positive = torch.log(torch.sigmoid((u_o * v).sum(-1)))
        negative = torch.log(torch.sigmoid(-(u_k * v[:, None]).sum(-1))).sum(-1)
        return -(positive + negative).mean()
''',
    ),
    Mutant(
        # the negatives' scores enter with a + sign: it pulls noise words closer
        name="sgns_negatives_plus_sign",
        cell="SkipGramNegSampling",
        source=SGNS_INIT + '''        positive = F.logsigmoid((u_o * v).sum(-1))
        negative = F.logsigmoid((u_k * v[:, None]).sum(-1)).sum(-1)
        return -(positive + negative).mean()
''',
    ),
    Mutant(
        # the mean over the K negatives instead of their sum
        name="sgns_mean_over_negatives",
        cell="SkipGramNegSampling",
        source=SGNS_INIT + '''        positive = F.logsigmoid((u_o * v).sum(-1))
        negative = F.logsigmoid(-(u_k * v[:, None]).sum(-1)).mean(-1)
        return -(positive + negative).mean()
''',
    ),
    Mutant(
        # centre and context tables swapped: v from out_embed, u from in_embed
        name="sgns_tables_swapped",
        cell="SkipGramNegSampling",
        source='''class SkipGramNegSampling(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)

    def forward(self, center, context, negatives):
        v = self.out_embed(center)
        positive = F.logsigmoid((self.in_embed(context) * v).sum(-1))
        negative = F.logsigmoid(-(self.in_embed(negatives) * v[:, None]).sum(-1)).sum(-1)
        return -(positive + negative).mean()
''',
    ),
    Mutant(
        # the sum over the batch, not the mean: right for one pair only
        name="sgns_sum_over_batch",
        cell="SkipGramNegSampling",
        visible_passes=True,
        source=SGNS_INIT + '''        positive = F.logsigmoid((u_o * v).sum(-1))
        negative = F.logsigmoid(-(u_k * v[:, None]).sum(-1)).sum(-1)
        return -(positive + negative).sum()
''',
    ),
    # ---- noise_distribution ------------------------------------------------------------------
    Mutant(
        # normalises first, then takes the power: no longer sums to 1
        name="noise_power_after_normalising",
        cell="noise_distribution",
        source='''def noise_distribution(counts, power=0.75):
    counts = counts.double() if counts.is_floating_point() else counts.float()
    return (counts / counts.sum()) ** power
''',
    ),
    Mutant(
        # forgets to normalise
        name="noise_not_normalised",
        cell="noise_distribution",
        source='''def noise_distribution(counts, power=0.75):
    return (counts if counts.is_floating_point() else counts.float()) ** power
''',
    ),
    Mutant(
        # always 0.75, whatever `power` says
        name="noise_ignores_power",
        cell="noise_distribution",
        source='''def noise_distribution(counts, power=0.75):
    weights = counts.float() ** 0.75
    return weights / weights.sum()
''',
    ),
    Mutant(
        # add-one smoothing: a word that never occurs can be drawn
        name="noise_add_one",
        cell="noise_distribution",
        source='''def noise_distribution(counts, power=0.75):
    weights = (counts.float() + 1) ** power
    return weights / weights.sum()
''',
    ),
    Mutant(
        # counts.float() also turns float64 counts into float32
        name="noise_always_float32",
        cell="noise_distribution",
        visible_passes=True,
        source='''def noise_distribution(counts, power=0.75):
    weights = counts.float() ** power
    return weights / weights.sum()
''',
    ),
    # ---- sample_negatives --------------------------------------------------------------------
    Mutant(
        # without replacement: fails as soon as more ids are needed than have probability > 0
        name="negatives_without_replacement",
        cell="sample_negatives",
        source=_solution("sample_negatives", ("replacement=True", "replacement=False")),
    ),
    Mutant(
        # uniform over the vocabulary: ignores probs
        name="negatives_uniform",
        cell="sample_negatives",
        source='''def sample_negatives(probs, shape, generator=None):
    return torch.randint(0, len(probs), shape, generator=generator)
''',
    ),
    Mutant(
        # draws from the global generator: not reproducible with a given one
        name="negatives_ignore_generator",
        cell="sample_negatives",
        source='''def sample_negatives(probs, shape, generator=None):
    return torch.multinomial(probs, math.prod(shape), replacement=True).reshape(shape)
''',
    ),
    Mutant(
        # the power of the noise distribution applied a second time
        name="negatives_power_again",
        cell="sample_negatives",
        visible_passes=True,
        source='''def sample_negatives(probs, shape, generator=None):
    flat = torch.multinomial(probs ** 0.75, math.prod(shape), replacement=True, generator=generator)
    return flat.reshape(shape)
''',
    ),
    Mutant(
        # written for (N, K) only
        name="negatives_two_dims_only",
        cell="sample_negatives",
        visible_passes=True,
        source='''def sample_negatives(probs, shape, generator=None):
    flat = torch.multinomial(probs, shape[0] * shape[1], replacement=True, generator=generator)
    return flat.view(shape[0], shape[1])
''',
    ),
    # ---- most_similar ------------------------------------------------------------------------
    Mutant(
        # the word itself is not excluded: it always comes first, with similarity 1
        name="similar_self_included",
        cell="most_similar",
        source=MOST_SIMILAR_HEAD + '''    unit = F.normalize(embeddings, dim=-1)
    top = (unit @ unit[i]).topk(min(k, len(unit)))
    return [(vocab.itos[j], s) for s, j in zip(top.values.tolist(), top.indices.tolist())]
''',
    ),
    Mutant(
        # dot products instead of cosines: long vectors win
        name="similar_dot_product",
        cell="most_similar",
        source=_solution("most_similar", ("unit = F.normalize(embeddings, dim=-1)", "unit = embeddings.clone()")),
    ),
    Mutant(
        # least similar first
        name="similar_ascending",
        cell="most_similar",
        source=MOST_SIMILAR_HEAD + '''    unit = F.normalize(embeddings, dim=-1)
    sims = unit @ unit[i]
    sims[i] = float("inf")
    top = sims.topk(min(k, len(sims) - 1), largest=False)
    return [(vocab.itos[j], s) for s, j in zip(top.values.tolist(), top.indices.tolist())]
''',
    ),
    Mutant(
        # takes k + 1 and drops the first, assuming it is the word itself
        name="similar_drop_first",
        cell="most_similar",
        visible_passes=True,
        source=MOST_SIMILAR_HEAD + '''    unit = F.normalize(embeddings, dim=-1)
    top = (unit @ unit[i]).topk(k + 1)
    return [(vocab.itos[j], s) for s, j in list(zip(top.values.tolist(), top.indices.tolist()))[1:]]
''',
    ),
    Mutant(
        # divides by the lengths without a guard: a zero row gives 0 / 0 = NaN, and topk ranks
        # NaN above every real cosine
        name="similar_nan_for_zero_rows",
        cell="most_similar",
        visible_passes=True,
        source=_solution("most_similar", ("unit = F.normalize(embeddings, dim=-1)",
                                          "unit = embeddings / embeddings.norm(dim=-1, keepdim=True)")),
    ),
    # ---- concept checks ------------------------------------------------------------------------
    Mutant("answer_one_hot_wrong", "answer_one_hot", "answer_one_hot = 1\n"),
    Mutant("answer_cost_wrong", "answer_cost", "answer_cost = 10000\n"),
    Mutant("answer_noise_wrong", "answer_noise", "answer_noise = 81\n"),
    Mutant("answer_bank_wrong", "answer_bank", 'answer_bank = "a"\n'),
]
