"""Honest variants for ch04_self_attention: correct alternative solutions that must keep full marks."""

from tests.mutants.ch04_self_attention import _handwritten
from tests.variants import Variant

# The mutants' hand-written layer with every step right: einsum scores, -inf filled in with masked_fill, and
# the NaN of a fully masked row (softmax of nothing but -inf) cleaned with nan_to_num; the fill keeps the
# gradients finite.
_SELF_ATTENTION_EINSUM = _handwritten(
    scores='torch.einsum("btd,bsd->bts", q, k) / math.sqrt(q.shape[-1])',
    mask='''        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)''')

# The weights' matrices used directly, queries scaled by rsqrt(d_k) first, the smallest float as the fill,
# and fully masked rows zeroed by multiplying with "this row may attend somewhere".
_SELF_ATTENTION_FINFO = '''class SelfAttention(nn.Module):
    def __init__(self, d_model, d_k, d_v=None):
        super().__init__()
        if d_v is None:
            d_v = d_k
        self.W_q = nn.Linear(d_model, d_k, bias=False)
        self.W_k = nn.Linear(d_model, d_k, bias=False)
        self.W_v = nn.Linear(d_model, d_v, bias=False)

    def forward(self, x, mask=None):
        d_k = self.W_q.out_features
        q = torch.matmul(x, self.W_q.weight.T) * torch.rsqrt(torch.tensor(float(d_k)))
        k = torch.matmul(x, self.W_k.weight.T)
        v = torch.matmul(x, self.W_v.weight.T)
        scores = torch.matmul(q, k.transpose(1, 2))
        if mask is None:
            return torch.softmax(scores, dim=-1) @ v, torch.softmax(scores, dim=-1)
        scores = torch.where(mask, scores, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=-1) * mask.any(dim=-1, keepdim=True)
        return weights @ v, weights
'''

# The Annotated Transformer's table: float32 throughout, frequencies through exp and log.
_ENCODING_FLOAT32 = '''def sinusoidal_positional_encoding(max_len, d_model, device=None):
    if d_model % 2 != 0:
        raise ValueError(f"d_model = {d_model} is odd")
    pe = torch.zeros(max_len, d_model, device=device)
    position = torch.arange(0, max_len, device=device).unsqueeze(1).float()
    div_term = torch.exp(torch.arange(0, d_model, 2, device=device).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe
'''

# Built on the CPU in float64, interleaved with stack + flatten, then moved to the device asked for.
_ENCODING_STACKED = '''def sinusoidal_positional_encoding(max_len, d_model, device=None):
    if d_model % 2:
        raise ValueError("sines and cosines come in pairs: d_model must be even")
    i = torch.arange(d_model // 2, dtype=torch.float64)
    p = torch.arange(max_len, dtype=torch.float64)
    angles = torch.outer(p, torch.pow(10000.0, -2 * i / d_model))
    pe = torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).flatten(1)
    return pe.to(device=device, dtype=torch.float32)
'''

# No ids at all: the first T rows of the table, sliced.
_LEARNED_SLICE = '''class LearnedPositionalEmbedding(nn.Module):
    def __init__(self, max_len, d_model):
        super().__init__()
        self.embedding = nn.Embedding(max_len, d_model)

    def forward(self, x):
        T = x.size(1)
        if T > self.embedding.weight.shape[0]:
            raise ValueError(f"T = {T} exceeds max_len = {self.embedding.weight.shape[0]}")
        return x + self.embedding.weight[:T].unsqueeze(0)
'''

# One row of ids per sentence, [B, T], looked up and added.
_LEARNED_BATCHED_IDS = '''class LearnedPositionalEmbedding(nn.Module):
    def __init__(self, max_len, d_model):
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(max_len, d_model)

    def forward(self, x):
        B, T, _ = x.shape
        if T > self.max_len:
            raise ValueError("sequence longer than the table of positions")
        ids = torch.arange(T, device=x.device).unsqueeze(0).expand(B, T)
        return x + self.embedding(ids)
'''

# meshgrid of positions, clip, and index_select on the flattened indices.
_BIAS_INDEX_SELECT = '''def relative_position_bias(T_q, T_k, table, max_distance):
    i, j = torch.meshgrid(torch.arange(T_q, device=table.device), torch.arange(T_k, device=table.device),
                          indexing="ij")
    index = torch.clip(j - i, -max_distance, max_distance) + max_distance
    return table.index_select(0, index.reshape(-1)).reshape(T_q, T_k)
'''

# The table as a one-column embedding matrix, looked up with F.embedding.
_BIAS_EMBEDDING = '''def relative_position_bias(T_q, T_k, table, max_distance):
    offsets = torch.arange(T_k, device=table.device).unsqueeze(0) - torch.arange(T_q, device=table.device).unsqueeze(1)
    index = torch.clamp(offsets, min=-max_distance, max=max_distance) + max_distance
    return F.embedding(index, table.unsqueeze(-1)).squeeze(-1)
'''

# LLaMA-style: inverse frequencies and angles in float32, cast to x's dtype; pairs rotated and re-interleaved.
_ROTARY_FLOAT32 = '''def apply_rotary(x, positions=None, base=10000.0):
    T, d = x.shape[-2:]
    if d % 2 == 1:
        raise ValueError(f"apply_rotary needs an even d, got {d}")
    if positions is None:
        positions = torch.arange(T, device=x.device)
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, device=x.device).float() / d))
    freqs = positions.float()[:, None] * inv_freq
    cos, sin = freqs.cos().to(x.dtype), freqs.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)
'''

# GPT-J's rotate_every_two: x cos + rot(x) sin, with cos and sin repeated per pair (float32 angles).
_ROTARY_EVERY_TWO = '''def apply_rotary(x, positions=None, base=10000.0):
    d = x.shape[-1]
    if d % 2:
        raise ValueError("odd feature size")
    if positions is None:
        positions = torch.arange(x.shape[-2], device=x.device)
    inv_freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32, device=x.device) * (-math.log(base) / d))
    freqs = torch.outer(positions.to(torch.float32), inv_freq)
    cos = freqs.cos().repeat_interleave(2, dim=-1).to(x.dtype)
    sin = freqs.sin().repeat_interleave(2, dim=-1).to(x.dtype)
    rotated = torch.stack([-x[..., 1::2], x[..., 0::2]], dim=-1).flatten(-2)
    return x * cos + rotated * sin
'''

VARIANTS: list[Variant] = [
    Variant("self_attention_einsum_nan_to_num", "SelfAttention", _SELF_ATTENTION_EINSUM),
    Variant("self_attention_rsqrt_finfo_fill", "SelfAttention", _SELF_ATTENTION_FINFO),
    Variant("encoding_float32_exp_log", "sinusoidal_positional_encoding", _ENCODING_FLOAT32),
    Variant("encoding_stacked_then_moved", "sinusoidal_positional_encoding", _ENCODING_STACKED),
    Variant("learned_table_slice", "LearnedPositionalEmbedding", _LEARNED_SLICE),
    Variant("learned_batched_ids", "LearnedPositionalEmbedding", _LEARNED_BATCHED_IDS),
    Variant("bias_meshgrid_index_select", "relative_position_bias", _BIAS_INDEX_SELECT),
    Variant("bias_one_column_embedding", "relative_position_bias", _BIAS_EMBEDDING),
    Variant("rotary_float32_angles", "apply_rotary", _ROTARY_FLOAT32),
    Variant("rotary_every_two_float32", "apply_rotary", _ROTARY_EVERY_TWO),
]
