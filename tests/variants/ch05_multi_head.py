"""Honest variants for ch05_multi_head: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

_SPLIT_VIEW_PERMUTE = '''def split_heads(x, n_heads):
    B, T, D = x.shape
    if D % n_heads != 0:
        raise ValueError(f"{D} features cannot be cut into {n_heads} heads")
    return x.view(B, T, n_heads, -1).permute(0, 2, 1, 3)
'''

# one slice of features per head, stacked along a new head dimension
_SPLIT_CHUNKS = '''def split_heads(x, n_heads):
    if x.shape[-1] % n_heads:
        raise ValueError("d_model must be divisible by n_heads")
    return torch.stack(x.chunk(n_heads, dim=-1), dim=1)
'''

_MERGE_PERMUTE_FLATTEN = '''def merge_heads(x):
    return x.permute(0, 2, 1, 3).flatten(2)
'''

_MERGE_CAT = '''def merge_heads(x):
    return torch.cat(x.unbind(dim=1), dim=-1)
'''

# Attention written out per head with einsum; masked_fill with -inf, then nan_to_num for the rows with no
# allowed key (their softmax is NaN); dropout always applied (nn.Dropout is the identity in eval mode).
_MHA_EINSUM = '''class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0, bias=True):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError("d_model must be divisible by n_heads")
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.W_q, self.W_k, self.W_v, self.W_o = (nn.Linear(d_model, d_model, bias=bias) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, key, value, mask=None):
        q = split_heads(self.W_q(query), self.n_heads)
        k = split_heads(self.W_k(key), self.n_heads)
        v = split_heads(self.W_v(value), self.n_heads)
        scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(self.d_head)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
        heads = torch.einsum("bhqk,bhkd->bhqd", self.dropout(weights), v)
        return self.W_o(merge_heads(heads)), weights

    def load_from_torch(self, mha):
        D = self.W_q.in_features
        with torch.no_grad():
            self.W_q.weight.copy_(mha.in_proj_weight[:D])
            self.W_k.weight.copy_(mha.in_proj_weight[D:2 * D])
            self.W_v.weight.copy_(mha.in_proj_weight[2 * D:])
            self.W_o.weight.copy_(mha.out_proj.weight)
            if mha.in_proj_bias is not None:
                self.W_q.bias.copy_(mha.in_proj_bias[:D])
                self.W_k.bias.copy_(mha.in_proj_bias[D:2 * D])
                self.W_v.bias.copy_(mha.in_proj_bias[2 * D:])
                self.W_o.bias.copy_(mha.out_proj.bias)
'''

# Reshapes inline (view + transpose), queries pre-scaled by d_head^-0.5, the smallest float as the fill and
# rows with no allowed key zeroed by multiplication; load_from_torch with torch.split and a loop.
_MHA_INLINE = '''class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0, bias=True):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} % n_heads={n_heads} != 0")
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.W_q = nn.Linear(d_model, d_model, bias=bias)
        self.W_k = nn.Linear(d_model, d_model, bias=bias)
        self.W_v = nn.Linear(d_model, d_model, bias=bias)
        self.W_o = nn.Linear(d_model, d_model, bias=bias)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, query, key, value, mask=None):
        B, T_q, D = query.shape
        T_k = key.shape[1]
        H, d = self.n_heads, self.d_head
        q = self.W_q(query).view(B, T_q, H, d).transpose(1, 2) * d ** -0.5
        k = self.W_k(key).view(B, T_k, H, d).transpose(1, 2)
        v = self.W_v(value).view(B, T_k, H, d).transpose(1, 2)
        scores = q @ k.transpose(2, 3)
        if mask is not None:
            scores = torch.where(mask, scores, torch.finfo(scores.dtype).min)
        weights = scores.softmax(dim=-1)
        if mask is not None:
            weights = weights * mask.any(dim=-1, keepdim=True)
        attended = self.dropout(weights) if self.training else weights
        out = (attended @ v).transpose(1, 2).reshape(B, T_q, D)
        return self.W_o(out), weights

    @torch.no_grad()
    def load_from_torch(self, mha):
        D = self.W_q.in_features
        linears = [self.W_q, self.W_k, self.W_v]
        for linear, weight in zip(linears, torch.split(mha.in_proj_weight, D)):
            linear.weight.copy_(weight)
        self.W_o.weight.copy_(mha.out_proj.weight)
        if mha.in_proj_bias is not None:
            for linear, bias in zip(linears, torch.split(mha.in_proj_bias, D)):
                linear.bias.copy_(bias)
            self.W_o.bias.copy_(mha.out_proj.bias)
'''

_COUNT_BOOL_ARITHMETIC = '''def count_parameters(d_model, n_heads, bias=True):
    return 4 * d_model * (d_model + int(bias))
'''

# counted head by head: each head's d_model x d_head blocks of W_q, W_k, W_v, then W_o and the biases
_COUNT_PER_HEAD = '''def count_parameters(d_model, n_heads, bias=True):
    d_head = d_model // n_heads
    per_head = 3 * d_model * d_head
    total = n_heads * per_head + d_model * d_model
    if bias:
        total += 4 * d_model
    return total
'''

VARIANTS: list[Variant] = [
    Variant("split_view_permute", "split_heads", _SPLIT_VIEW_PERMUTE),
    Variant("split_stacked_chunks", "split_heads", _SPLIT_CHUNKS),
    Variant("merge_permute_flatten", "merge_heads", _MERGE_PERMUTE_FLATTEN),
    Variant("merge_cat_of_heads", "merge_heads", _MERGE_CAT),
    Variant("mha_einsum_nan_to_num", "MultiHeadAttention", _MHA_EINSUM),
    Variant("mha_inline_reshapes_finfo_fill", "MultiHeadAttention", _MHA_INLINE),
    Variant("count_bool_arithmetic", "count_parameters", _COUNT_BOOL_ARITHMETIC),
    Variant("count_per_head", "count_parameters", _COUNT_PER_HEAD),
]
