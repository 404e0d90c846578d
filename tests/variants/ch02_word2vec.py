"""Honest variants for ch02_word2vec: correct alternative solutions that must keep full marks."""

from tests.mutants.ch02_word2vec import CBOW_INIT, SGNS_INIT
from tests.variants import Variant

VARIANTS = [
    # ---- skipgram_pairs --------------------------------------------------------------------
    # explicit loops over the offsets, an explicit empty result
    Variant("skipgram_offset_loops", "skipgram_pairs", '''def skipgram_pairs(ids, window):
    if window < 1:
        raise ValueError("window must be at least 1")
    rows = []
    for i, centre in enumerate(ids):
        for j in range(i - window, i + window + 1):
            if j != i and 0 <= j < len(ids):
                rows.append([centre, ids[j]])
    if not rows:
        return torch.empty(0, 2, dtype=torch.long)
    return torch.tensor(rows)
'''),
    # vectorised: every (i, j) position pair of a meshgrid, kept where 0 < |i - j| <= window
    Variant("skipgram_meshgrid_mask", "skipgram_pairs", '''def skipgram_pairs(ids, window):
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    ids = torch.as_tensor(list(ids), dtype=torch.long)
    positions = torch.arange(len(ids))
    i, j = torch.meshgrid(positions, positions, indexing="ij")
    keep = ((i - j).abs() <= window) & (i != j)          # row-major order: by centre, then context
    return torch.stack([ids[i[keep]], ids[j[keep]]], dim=1)
'''),
    # ---- cbow_examples ---------------------------------------------------------------------
    # sliding windows with Tensor.unfold, after a guard for short sentences
    Variant("cbow_unfold", "cbow_examples", '''def cbow_examples(ids, window):
    if window < 1:
        raise ValueError("window must be at least 1")
    ids = torch.as_tensor(list(ids), dtype=torch.long)
    size = 2 * window + 1
    if len(ids) < size:
        return torch.empty(0, 2 * window, dtype=torch.long), torch.empty(0, dtype=torch.long)
    windows = ids.unfold(0, size, 1)                      # [N, 2 * window + 1]
    contexts = torch.cat([windows[:, :window], windows[:, window + 1:]], dim=1)
    return contexts, windows[:, window].clone()
'''),
    # one loop building both lists, an explicit shape for the empty case
    Variant("cbow_loop_appends", "cbow_examples", '''def cbow_examples(ids, window):
    if window < 1:
        raise ValueError("window must be at least 1")
    contexts, centres = [], []
    for i in range(window, len(ids) - window):
        contexts.append([ids[j] for j in range(i - window, i + window + 1) if j != i])
        centres.append(ids[i])
    if not centres:
        return torch.zeros((0, 2 * window), dtype=torch.long), torch.zeros((0,), dtype=torch.long)
    return torch.tensor(contexts, dtype=torch.long), torch.tensor(centres, dtype=torch.long)
'''),
    # ---- CBOW ------------------------------------------------------------------------------
    Variant("cbow_sum_divided_functional_linear", "CBOW", CBOW_INIT + '''    def forward(self, contexts):
        h = self.in_embed(contexts).sum(dim=1) / contexts.shape[1]
        return F.linear(h, self.out.weight)
'''),
    Variant("cbow_einsum_weight", "CBOW", CBOW_INIT + '''    def forward(self, contexts):
        h = torch.mean(self.in_embed(contexts), dim=-2)           # [N, dim]
        return torch.einsum("nd,vd->nv", h, self.out.weight)
'''),
    # ---- SkipGramNegSampling ---------------------------------------------------------------
    # bmm for the negatives, softplus for -log(sigmoid)
    Variant("sgns_bmm_softplus", "SkipGramNegSampling", SGNS_INIT + '''        positive = torch.bmm(u_o.unsqueeze(1), v.unsqueeze(2)).reshape(-1)   # [N]
        negative = torch.bmm(u_k, v.unsqueeze(2)).squeeze(2)                  # [N, K]
        return (F.softplus(-positive) + F.softplus(negative).sum(dim=1)).mean()
'''),
    # einsum, and the two log-sigmoid terms summed before the minus sign
    Variant("sgns_einsum_logsigmoid", "SkipGramNegSampling", SGNS_INIT + '''        positive = torch.einsum("nd,nd->n", u_o, v)
        negative = torch.einsum("nkd,nd->nk", u_k, v)
        return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()
'''),
    # ---- noise_distribution ----------------------------------------------------------------
    # the power in log space: exp(power * log(count)), with exp(-inf) = 0 for a count of 0
    Variant("noise_log_space", "noise_distribution", '''def noise_distribution(counts, power=0.75):
    if not counts.is_floating_point():
        counts = counts.to(torch.get_default_dtype())
    weights = torch.exp(power * torch.log(counts))
    return weights / torch.sum(weights)
'''),
    # computed in float64 whatever the input, then cast to the dtype the statement asks for
    Variant("noise_float64_then_cast", "noise_distribution", '''def noise_distribution(counts, power=0.75):
    dtype = counts.dtype if counts.is_floating_point() else torch.get_default_dtype()
    weights = counts.double().pow(power)
    return (weights / weights.sum()).to(dtype)
'''),
    # ---- sample_negatives ------------------------------------------------------------------
    # inverse transform sampling: uniform numbers looked up in the cumulative distribution
    Variant("negatives_inverse_cdf", "sample_negatives", '''def sample_negatives(probs, shape, generator=None):
    cdf = torch.cumsum(probs, dim=0)
    u = torch.rand(shape, generator=generator, dtype=cdf.dtype) * cdf[-1]
    ids = torch.searchsorted(cdf, u, right=True)      # the first id whose cumulative probability exceeds u
    return ids.clamp(max=len(probs) - 1)
'''),
    # one multinomial row per leading index: a 2-D probs of shape [prod(shape[:-1]), V]
    Variant("negatives_multinomial_rows", "sample_negatives", '''def sample_negatives(probs, shape, generator=None):
    shape = tuple(shape)
    rows = math.prod(shape[:-1])
    table = probs.unsqueeze(0).expand(rows, -1)
    return torch.multinomial(table, shape[-1], replacement=True, generator=generator).reshape(shape)
'''),
    # ---- most_similar ----------------------------------------------------------------------
    # cosines from the lengths, clamped; a full sort and the word itself skipped by index
    Variant("similar_norms_argsort", "most_similar", '''def most_similar(word, embeddings, vocab, k=5):
    index = vocab.stoi[word]                      # KeyError for an unknown word
    lengths = embeddings.norm(dim=1)
    dots = embeddings @ embeddings[index]
    cosines = dots / (lengths * lengths[index]).clamp_min(1e-12)   # 0 for a zero row, never 0 / 0
    result = []
    for i in torch.argsort(cosines, descending=True).tolist():
        if i != index:
            result.append((vocab.itos[i], float(cosines[i])))
        if len(result) == k:
            break
    return result
'''),
    # the built-in cosine (its eps makes a zero row 0), Python's sorted on (similarity, word) pairs
    Variant("similar_builtin_cosine_sorted", "most_similar", '''def most_similar(word, embeddings, vocab, k=5):
    if word not in vocab.stoi:
        raise KeyError(word)
    index = vocab.stoi[word]
    cosines = F.cosine_similarity(embeddings, embeddings[index].unsqueeze(0), dim=1).tolist()
    others = [(vocab.itos[i], c) for i, c in enumerate(cosines) if i != index]
    return sorted(others, key=lambda pair: pair[1], reverse=True)[:k]
'''),
]
