"""Honest variants for ch07_encoder_decoder: correct alternative solutions that must keep full marks."""

from tests.variants import Variant

_LAYERNORM_HEAD = '''class LayerNorm(nn.Module):
    """Normalise each vector over its last dimension, then scale by `weight` and shift by `bias`."""

    def __init__(self, d_model: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))
        self.bias = nn.Parameter(torch.zeros(d_model))

'''

_FFN_HEAD = '''class PositionwiseFeedForward(nn.Module):
    """The same two-layer MLP applied at every position."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0, activation: str = "relu"):
        super().__init__()
'''

VARIANTS: list[Variant] = [
    # ---- LayerNorm: centred squares and rsqrt; torch.var_mean with correction=0 ------------------
    Variant("layernorm_rsqrt_of_centred_squares", "LayerNorm", _LAYERNORM_HEAD + '''\
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        centred = x - x.mean(dim=-1, keepdim=True)
        variance = (centred * centred).mean(dim=-1, keepdim=True)
        return self.weight * (centred * torch.rsqrt(variance + self.eps)) + self.bias
'''),
    Variant("layernorm_var_mean", "LayerNorm", _LAYERNORM_HEAD + '''\
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        variance, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return torch.addcmul(self.bias, (x - mean) / (variance + self.eps).sqrt(), self.weight)
'''),
    # ---- PositionwiseFeedForward: activation modules; the name kept and F.dropout ----------------
    Variant("ffn_activation_modules", "PositionwiseFeedForward", _FFN_HEAD + '''\
        if activation == "relu":
            self.act = nn.ReLU()
        elif activation == "gelu":
            self.act = nn.GELU()
        else:
            raise ValueError(f"unknown activation {activation}")
        self.linear1, self.linear2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)
        self.drop = nn.Dropout(p=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.act(self.linear1(x))
        return self.linear2(self.drop(hidden))
'''),
    Variant("ffn_functional_dropout", "PositionwiseFeedForward", _FFN_HEAD + '''\
        name = activation.lower() if isinstance(activation, str) else activation
        if name not in ("relu", "gelu"):
            raise ValueError("activation must be relu or gelu")
        self.activation_name, self.p = name, dropout
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.linear1(x)
        h = F.gelu(h) if self.activation_name == "gelu" else F.relu(h)
        return self.linear2(F.dropout(h, p=self.p, training=self.training))
'''),
    # ---- EncoderLayer: one dropout per sub-layer, written out; a residual helper -----------------
    Variant("encoder_layer_two_dropouts", "EncoderLayer", '''\
class EncoderLayer(nn.Module):
    """Self-attention and a feed-forward network, each with a residual connection and a LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ff = PositionwiseFeedForward(d_model, d_ff, dropout=dropout)
        self.norm1 = LayerNorm(d_model)
        self.norm2 = LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.norm_first = norm_first

    def forward(self, x: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.norm_first:
            h = self.norm1(x)
            x = x + self.dropout1(self.self_attn(h, h, h, mask=src_mask)[0])
            x = x + self.dropout2(self.ff(self.norm2(x)))
        else:
            attended, _ = self.self_attn(x, x, x, mask=src_mask)
            x = self.norm1(x + self.dropout1(attended))
            x = self.norm2(x + self.dropout2(self.ff(x)))
        return x

    def load_from_torch(self, layer: nn.TransformerEncoderLayer) -> None:
        self.self_attn.load_from_torch(layer.self_attn)
        copy_weights(self.ff.linear1, layer.linear1)
        copy_weights(self.ff.linear2, layer.linear2)
        copy_weights(self.norm1, layer.norm1)
        copy_weights(self.norm2, layer.norm2)
'''),
    Variant("encoder_layer_residual_helper", "EncoderLayer", '''\
class EncoderLayer(nn.Module):
    """Self-attention and a feed-forward network, each with a residual connection and a LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = PositionwiseFeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2 = LayerNorm(d_model), LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.norm_first = norm_first

    def residual(self, x, norm, sublayer):
        """Pre-norm: x + drop(f(norm(x))); post-norm: norm(x + drop(f(x)))."""
        if self.norm_first:
            return x + self.dropout(sublayer(norm(x)))
        return norm(x + self.dropout(sublayer(x)))

    def forward(self, x: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.residual(x, self.norm1, lambda z: self.self_attn(z, z, z, src_mask)[0])
        return self.residual(x, self.norm2, self.ff)

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerEncoderLayer) -> None:
        self.self_attn.load_from_torch(layer.self_attn)
        pairs = {"ff.linear1": "linear1", "ff.linear2": "linear2", "norm1": "norm1", "norm2": "norm2"}
        theirs = dict(layer.named_parameters())
        for name, p in self.named_parameters():
            prefix, _, kind = name.rpartition(".")
            if prefix in pairs:
                p.copy_(theirs[f"{pairs[prefix]}.{kind}"])
'''),
    # ---- DecoderLayer: three dropouts, written out; a loop over the sub-layers -------------------
    Variant("decoder_layer_three_dropouts", "DecoderLayer", '''\
class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention to the encoder's memory, and a feed-forward network."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ff = PositionwiseFeedForward(d_model, d_ff, dropout=dropout)
        self.norm1 = LayerNorm(d_model)
        self.norm2 = LayerNorm(d_model)
        self.norm3 = LayerNorm(d_model)
        self.dropout1, self.dropout2, self.dropout3 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)
        self.norm_first = norm_first

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.norm_first:
            h = self.norm1(y)
            y = y + self.dropout1(self.self_attn(h, h, h, mask=tgt_mask)[0])
            h = self.norm2(y)
            y = y + self.dropout2(self.cross_attn(h, memory, memory, mask=memory_mask)[0])
            y = y + self.dropout3(self.ff(self.norm3(y)))
        else:
            y = self.norm1(y + self.dropout1(self.self_attn(y, y, y, mask=tgt_mask)[0]))
            y = self.norm2(y + self.dropout2(self.cross_attn(y, memory, memory, mask=memory_mask)[0]))
            y = self.norm3(y + self.dropout3(self.ff(y)))
        return y

    def load_from_torch(self, layer: nn.TransformerDecoderLayer) -> None:
        self.self_attn.load_from_torch(layer.self_attn)
        self.cross_attn.load_from_torch(layer.multihead_attn)
        copy_weights(self.ff.linear1, layer.linear1)
        copy_weights(self.ff.linear2, layer.linear2)
        copy_weights(self.norm1, layer.norm1)
        copy_weights(self.norm2, layer.norm2)
        copy_weights(self.norm3, layer.norm3)
'''),
    Variant("decoder_layer_sublayer_loop", "DecoderLayer", '''\
class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention to the encoder's memory, and a feed-forward network."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = PositionwiseFeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2, self.norm3 = (LayerNorm(d_model) for _ in range(3))
        self.dropout = nn.Dropout(dropout)
        self.norm_first = norm_first

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        sublayers = [(self.norm1, lambda z: self.self_attn(z, z, z, tgt_mask)[0]),
                     (self.norm2, lambda z: self.cross_attn(z, memory, memory, memory_mask)[0]),
                     (self.norm3, self.ff)]
        for norm, sublayer in sublayers:
            if self.norm_first:
                y = y + self.dropout(sublayer(norm(y)))
            else:
                y = norm(y + self.dropout(sublayer(y)))
        return y

    def load_from_torch(self, layer: nn.TransformerDecoderLayer) -> None:
        self.self_attn.load_from_torch(layer.self_attn)
        self.cross_attn.load_from_torch(layer.multihead_attn)
        for name in ("linear1", "linear2"):
            getattr(self.ff, name).load_state_dict(getattr(layer, name).state_dict())
        for name in ("norm1", "norm2", "norm3"):
            getattr(self, name).load_state_dict(getattr(layer, name).state_dict())
'''),
    # ---- Encoder: a list comprehension and an explicit None; deep copies of one layer -------------
    Variant("encoder_stack_explicit_none", "Encoder", '''\
class Encoder(nn.Module):
    """A stack of encoder layers, with a final LayerNorm when the layers are pre-norm."""

    def __init__(self, n_layers: int, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0,
                 norm_first: bool = False):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first)
                                     for _ in range(n_layers)])
        self.norm = None
        if norm_first:
            self.norm = LayerNorm(d_model)

    def forward(self, x: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        out = x
        for i in range(len(self.layers)):
            out = self.layers[i](out, src_mask=src_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out
'''),
    Variant("encoder_stack_deepcopies", "Encoder", '''\
import copy


class Encoder(nn.Module):
    """A stack of encoder layers, with a final LayerNorm when the layers are pre-norm."""

    def __init__(self, n_layers: int, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0,
                 norm_first: bool = False):
        super().__init__()
        layer = EncoderLayer(d_model, n_heads, d_ff, dropout, norm_first)
        self.layers = nn.ModuleList(copy.deepcopy(layer) for _ in range(n_layers))
        self.norm = LayerNorm(d_model) if norm_first else None

    def forward(self, x: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, src_mask)
        if self.norm:
            x = self.norm(x)
        return x
'''),
    # ---- Decoder: the same two ways ---------------------------------------------------------------
    Variant("decoder_stack_explicit_none", "Decoder", '''\
class Decoder(nn.Module):
    """A stack of decoder layers reading the same memory, with a final LayerNorm when pre-norm."""

    def __init__(self, n_layers: int, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0,
                 norm_first: bool = False):
        super().__init__()
        self.layers = nn.ModuleList([DecoderLayer(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first)
                                     for _ in range(n_layers)])
        self.norm = None
        if norm_first:
            self.norm = LayerNorm(d_model)

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        out = y
        for i in range(len(self.layers)):
            out = self.layers[i](out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out
'''),
    Variant("decoder_stack_deepcopies", "Decoder", '''\
import copy


class Decoder(nn.Module):
    """A stack of decoder layers reading the same memory, with a final LayerNorm when pre-norm."""

    def __init__(self, n_layers: int, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0,
                 norm_first: bool = False):
        super().__init__()
        layer = DecoderLayer(d_model, n_heads, d_ff, dropout, norm_first)
        self.layers = nn.ModuleList(copy.deepcopy(layer) for _ in range(n_layers))
        self.norm = LayerNorm(d_model) if norm_first else None

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            y = layer(y, memory, tgt_mask, memory_mask)
        if self.norm:
            y = self.norm(y)
        return y
'''),
]
