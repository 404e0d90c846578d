"""Interactive explorers for "try it" cells. They take the learner's functions as arguments."""

import html
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import display

from tfs.plotting import heatmap


def token_explorer(tokenize, vocab, one_hot, sentence="The cat sat on the mat."):
    """Type a sentence; see its tokens, their ids in `vocab` and the one-hot matrix.

    `tokenize(text) -> list[str]`, `vocab.encode(tokens) -> list[int]` and
    `one_hot(ids, num_classes) -> Tensor` are the learner's own chapter-1 functions.
    """
    text = widgets.Text(value=sentence, description="Sentence", layout=widgets.Layout(width="80%"))
    out = widgets.Output()

    def show(_=None):
        out.clear_output(wait=True)
        with out:
            tokens = tokenize(text.value)
            ids = vocab.encode(tokens)
            print("tokens:", tokens)
            print("ids:   ", ids)
            if ids:
                matrix = one_hot(torch.tensor(ids), len(vocab))
                used = sorted(set(ids))
                heatmap(matrix[:, used], xlabels=vocab.decode(used), ylabels=tokens,
                        title=f"one-hot rows (only the {len(used)} of {len(vocab)} columns in use)",
                        cmap="Greys", colorbar=False)
                plt.show()

    text.observe(show, names="value")
    show()
    box = widgets.VBox([text, out])
    display(box)
    return box


# ---------------------------------------------------------------------------------------------
# Chapter 3: the attention explorer
# ---------------------------------------------------------------------------------------------

_KEY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _attention_svg(q, keys, labels, weights, values, *, radius, caption=""):
    """One frame of the attention explorer as inline SVG: the plane on the left, the weights on the right.

    Left: the keys as coloured lines from the origin, the query as a black one, and the context
    vector c = sum_i weights[i] * values[i] as a star. Right: one bar per key, its weight written next
    to it. Plain SVG, so that it renders in a static page without a kernel.
    """
    size, pad = 240, 14
    scale = (size / 2 - pad) / radius

    def xy(point):
        return size / 2 + scale * float(point[0]), size / 2 - scale * float(point[1])

    def arrow(point, color, width):
        """A line from the origin with a dot at its tip (plain SVG, no markers, no ids)."""
        x, y = xy(point)
        return (f'<line x1="{size / 2:g}" y1="{size / 2:g}" x2="{x:.1f}" y2="{y:.1f}" stroke="{color}" '
                f'stroke-width="{width:.1f}"/><circle cx="{x:.1f}" cy="{y:.1f}" r="{1.5 + width:.1f}" fill="{color}"/>')

    colors = [_KEY_COLORS[i % len(_KEY_COLORS)] for i in range(len(keys))]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 265}" height="{size}" '
             f'style="font-family:sans-serif;font-size:12px">',
             f'<rect x="0.5" y="0.5" width="{size - 1}" height="{size - 1}" fill="#fafafa" stroke="#ddd"/>',
             f'<line x1="{pad}" y1="{size / 2:g}" x2="{size - pad}" y2="{size / 2:g}" stroke="#ddd"/>',
             f'<line x1="{size / 2:g}" y1="{pad}" x2="{size / 2:g}" y2="{size - pad}" stroke="#ddd"/>']
    for key, label, weight, color in zip(keys, labels, weights, colors):
        parts.append(arrow(key, color, 1.5 + 3 * float(weight)))
        x, y = xy(key)
        parts.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{color}">{html.escape(str(label))}</text>')
    parts.append(arrow(q, "#000000", 2.0))
    x, y = xy(q)
    parts.append(f'<text x="{x + 4:.1f}" y="{y + 12:.1f}" font-weight="bold">q</text>')
    if values is not None:
        context = (weights[:, None] * values).sum(0)
        cx, cy = xy(context)
        star = " ".join(f"{cx + r * math.sin(k * math.pi / 5):.1f},{cy - r * math.cos(k * math.pi / 5):.1f}"
                        for k, r in zip(range(10), [7, 3] * 5))
        parts.append(f'<polygon points="{star}" fill="#333" stroke="white"/>')
        parts.append(f'<text x="{cx + 8:.1f}" y="{cy + 4:.1f}" fill="#333">c</text>')
    # the weights as horizontal bars
    left, width, row = size + 70, 150, min(30, (size - 40) / max(len(keys), 1))
    parts.append(f'<text x="{size + 12}" y="16" font-weight="bold">attention weights α</text>')
    for i, (label, weight, color) in enumerate(zip(labels, weights, colors)):
        top = 30 + i * row
        parts.append(f'<text x="{left - 6}" y="{top + row * 0.6:.1f}" text-anchor="end" fill="{color}">'
                     f'{html.escape(str(label))}</text>')
        parts.append(f'<rect x="{left}" y="{top + 3:.1f}" width="{width:.1f}" height="{row - 8:.1f}" fill="#eee"/>')
        parts.append(f'<rect x="{left}" y="{top + 3:.1f}" width="{width * float(weight):.1f}" '
                     f'height="{row - 8:.1f}" fill="{color}"/>')
        parts.append(f'<text x="{left + width + 5:.1f}" y="{top + row * 0.6:.1f}" fill="#111">{float(weight):.2f}</text>')
    if caption:
        parts.append(f'<text x="{size + 12}" y="{size - 8}" fill="#555">{html.escape(caption)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _labelled(text, slider):
    """A slider with its label in an HTML widget: a slider's own `description` is typeset with the
    MathJax 2 API by the static widget manager, which fails (a console error) under MathJax 3."""
    label = widgets.HTML(f"<b>{html.escape(text)}</b>", layout=widgets.Layout(width="110px"))
    return widgets.HBox([label, slider])


def _linked_frames(frames, inner, outer):
    """Pictures (HTML/SVG strings) `frames[o][i]`, one on show: slider `outer` picks o and `inner` picks i.

    The frames are all in the page and the sliders linked to them in the browser (`jslink`), so the
    widget works in a static page, with no kernel, as well as in Jupyter.
    """
    layout, style = widgets.Layout(), widgets.widget_string.HTMLStyle()  # shared: fewer models in the page
    rows = []
    for row_frames in frames:
        row = widgets.Stack([widgets.HTML(f, layout=layout, style=style) for f in row_frames],
                            selected_index=inner.index)
        widgets.jslink((inner, "index"), (row, "selected_index"))
        rows.append(row)
    stack = widgets.Stack(rows, selected_index=outer.index)
    widgets.jslink((outer, "index"), (stack, "selected_index"))
    return stack


def _query(angle_degrees, length):
    angle = math.radians(angle_degrees)
    return torch.tensor([length * math.cos(angle), length * math.sin(angle)])


def attention_explorer(weights_fn, keys, labels=None, values=None, *, static=False, angles=24,
                       lengths=(0.5, 1.0, 2.0, 4.0), angle=30.0, length=1.0):
    """Move a 2-D query vector and watch its attention weights over a handful of keys.

    `weights_fn(q: Tensor[2], K: Tensor[m, 2]) -> Tensor[m]` computes the weights: the learner's
    `attention_weights`, or any function of the reader's. `keys` is `[m, 2]`; `values` (`[m, 2]`,
    the keys when omitted) gives the context vector c = sum_i alpha_i v_i, drawn as a star.
    The query is set by its direction (degrees) and its length: a longer query gives sharper weights.

    `static=False` (Jupyter, with a kernel): sliders call `weights_fn` as they move.
    `static=True` (a built web page, no kernel): every frame of a grid of `angles` directions times
    `lengths` is computed now and stacked; the sliders are linked in the browser (`jslink`) to the
    frame on show, so the widget works in static HTML.
    Returns the widget (the last expression of a cell displays it).
    """
    keys = torch.as_tensor(keys, dtype=torch.float32).detach()
    if keys.ndim != 2 or keys.shape[1] != 2:
        raise ValueError(f"keys must have shape [m, 2] to be drawn in the plane, got {tuple(keys.shape)}")
    values = keys if values is None else torch.as_tensor(values, dtype=torch.float32).detach()
    labels = list(labels) if labels is not None else [f"k{i + 1}" for i in range(len(keys))]
    radius = 1.15 * max(float(keys.norm(dim=1).max()), max(lengths) if static else 4.0, 1.0)

    def frame(angle_degrees, query_length):
        q = _query(angle_degrees, query_length)
        weights = torch.as_tensor(weights_fn(q, keys)).detach().float().reshape(-1)
        caption = f"|q| = {query_length:g}, direction {angle_degrees:g}°, max α = {float(weights.max()):.2f}"
        return _attention_svg(q, keys, labels, weights, values, radius=radius, caption=caption)

    layout = widgets.Layout(width="320px")
    if not static:
        angle_slider = widgets.FloatSlider(value=angle, min=0, max=360, step=1, layout=layout)
        length_slider = widgets.FloatSlider(value=length, min=0.1, max=4.0, step=0.1, layout=layout)
        picture = widgets.HTML(frame(angle, length))

        def update(_=None):
            picture.value = frame(angle_slider.value, length_slider.value)

        angle_slider.observe(update, names="value")
        length_slider.observe(update, names="value")
        return widgets.VBox([_labelled("direction (°)", angle_slider), _labelled("length |q|", length_slider), picture])

    degrees = [round(360 * k / angles, 1) for k in range(angles)]
    angle_slider = widgets.SelectionSlider(options=[f"{d:g}°" for d in degrees], layout=layout)
    length_slider = widgets.SelectionSlider(options=[f"{n:g}" for n in lengths], layout=layout)
    angle_slider.index = min(range(angles), key=lambda k: abs(degrees[k] - angle))
    length_slider.index = min(range(len(lengths)), key=lambda k: abs(lengths[k] - length))
    stack = _linked_frames([[frame(d, n) for d in degrees] for n in lengths], angle_slider, length_slider)
    return widgets.VBox([_labelled("direction", angle_slider), _labelled("length |q|", length_slider), stack])


def _mask_svg(mask, real, caption):
    """A boolean [T, T] mask as an SVG grid: green where the query (row) may attend to the key (column)."""
    T = mask.shape[0]
    cell, left, top = 26, 70, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + T * cell + 20}" height="{top + T * cell + 40}" '
             f'style="font-family:sans-serif;font-size:12px">',
             f'<text x="{left}" y="14" font-weight="bold">keys →</text>',
             f'<text x="4" y="{top - 6}" font-weight="bold">queries ↓</text>']
    for j in range(T):
        kind = "pad" if j >= real else str(j)
        parts.append(f'<text x="{left + j * cell + cell / 2:g}" y="{top - 6}" text-anchor="middle">{kind}</text>')
    for i in range(T):
        kind = "pad" if i >= real else str(i)
        parts.append(f'<text x="{left - 8}" y="{top + i * cell + cell * 0.65:g}" text-anchor="end">{kind}</text>')
        for j in range(T):
            color = "#2e7d32" if bool(mask[i, j]) else "#eeeeee"
            parts.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{color}"/>')
    parts.append(f'<text x="{left}" y="{top + T * cell + 22}" fill="#555">{html.escape(caption)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def mask_explorer(padding_mask, causal_mask, combine_masks, T=8, pad_id=0):
    """Pick a sentence's length and the causal mask on or off; see which keys each query may attend to.

    `padding_mask(ids, pad_id)`, `causal_mask(T)` and `combine_masks(*masks)` are chapter 6's functions:
    the learner's, or any of the reader's. One sentence of `T` positions is padded after its real tokens.
    Every frame is computed now and stacked, the sliders linked in the browser (`jslink`): the widget
    works in a static page as well as in Jupyter. Returns the widget.
    """
    lengths, switches = list(range(1, T + 1)), ["off", "on"]
    frames = [[], []]
    for causal in (False, True):
        for real in lengths:
            ids = torch.tensor([[5] * real + [pad_id] * (T - real)])
            mask = combine_masks(padding_mask(ids, pad_id), causal_mask(T) if causal else None)
            mask = torch.broadcast_to(torch.as_tensor(mask, dtype=torch.bool), (1, 1, T, T))[0, 0]
            caption = f"{real} real tokens, {T - real} padding; causal mask {'on' if causal else 'off'}"
            frames[causal].append(_mask_svg(mask, real, caption))
    layout = widgets.Layout(width="320px")
    length_slider = widgets.SelectionSlider(options=[str(n) for n in lengths], index=T // 2, layout=layout)
    causal_slider = widgets.SelectionSlider(options=switches, index=1, layout=layout)
    stack = _linked_frames(frames, length_slider, causal_slider)
    return widgets.VBox([_labelled("real tokens", length_slider), _labelled("causal mask", causal_slider), stack])


# ---------------------------------------------------------------------------------------------
# Chapter 4: the positional-encoding explorer
# ---------------------------------------------------------------------------------------------

def _encoding_svg(vector, similarity, position, caption):
    """One frame of the positional-encoding explorer as inline SVG.

    Top: the entries of PE(p) as bars in [-1, 1], even columns (sin) in blue, odd ones (cos) in orange.
    Bottom: the similarity PE(p) . PE(q) of position p with every position q, as a curve with p marked.
    """
    width, left, bar_top, bar_height, curve_top, curve_height = 560, 40, 28, 90, 160, 90
    plot_width = width - left - 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{curve_top + curve_height + 34}" '
             f'style="font-family:sans-serif;font-size:12px">',
             f'<text x="{left}" y="16" font-weight="bold">PE({position}): column 0 (fast) to {len(vector) - 1} (slow);'
             f' blue sin, orange cos</text>']
    middle = bar_top + bar_height / 2
    step = plot_width / len(vector)
    parts.append(f'<line x1="{left}" y1="{middle:g}" x2="{left + plot_width}" y2="{middle:g}" stroke="#bbb"/>')
    for column, value in enumerate(vector.tolist()):
        height = max(-1.0, min(1.0, value)) * bar_height / 2
        color = _KEY_COLORS[column % 2]
        parts.append(f'<rect x="{left + column * step:.1f}" y="{middle - max(height, 0):.1f}" '
                     f'width="{max(step - 1, 1):.1f}" height="{abs(height):.1f}" fill="{color}"/>')
    parts += [f'<text x="{left - 6}" y="{bar_top + 4}" text-anchor="end">1</text>',
              f'<text x="{left - 6}" y="{bar_top + bar_height}" text-anchor="end">-1</text>',
              f'<text x="{left}" y="{curve_top - 10}" font-weight="bold">PE({position}) · PE(q), '
              f'scaled to 1 at q = p, for every position q</text>']

    def point(q, value):
        x = left + plot_width * q / max(len(similarity) - 1, 1)
        return x, curve_top + curve_height * (1 - value) / 2

    zero = curve_top + curve_height / 2
    parts.append(f'<line x1="{left}" y1="{zero:g}" x2="{left + plot_width}" y2="{zero:g}" stroke="#bbb"/>')
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(q, v) for q, v in enumerate(similarity.tolist())))
    parts.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-width="1.5"/>')
    x, y = point(position, float(similarity[position]))
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{_KEY_COLORS[3]}"/>',
              f'<text x="{left - 6}" y="{curve_top + 4}" text-anchor="end">1</text>',
              f'<text x="{left - 6}" y="{curve_top + curve_height}" text-anchor="end">-1</text>',
              f'<text x="{left}" y="{curve_top + curve_height + 16}" fill="#555">q = 0</text>',
              f'<text x="{left + plot_width}" y="{curve_top + curve_height + 16}" text-anchor="end" fill="#555">'
              f'q = {len(similarity) - 1}</text>',
              f'<text x="{left}" y="{curve_top + curve_height + 30}" fill="#555">{html.escape(caption)}</text>',
              "</svg>"]
    return "".join(parts)


def positional_encoding_explorer(encoding_fn, max_len=48, d_models=(16, 64), position=10):
    """Slide a position p; see the vector PE(p) and its similarity PE(p) . PE(q) with every position q.

    `encoding_fn(max_len, d_model) -> Tensor[max_len, d_model]` is chapter 4's
    `sinusoidal_positional_encoding`: the learner's, or any encoding of the reader's. A second slider
    picks `d_model` among `d_models`: more pairs of frequencies give a sharper similarity peak.
    Every frame is computed now and stacked, the sliders linked in the browser (`jslink`): the widget
    works in a static page as well as in Jupyter. Returns the widget.
    """
    positions = list(range(max_len))
    layout = widgets.Layout(width="320px")
    position_slider = widgets.SelectionSlider(options=[str(p) for p in positions], index=min(position, max_len - 1),
                                              layout=layout)
    size_slider = widgets.SelectionSlider(options=[str(d) for d in d_models], index=0, layout=layout)
    frames = []
    for d_model in d_models:
        pe = torch.as_tensor(encoding_fn(max_len, d_model)).detach().double()
        similarity = pe @ pe.T / pe.pow(2).sum(dim=1, keepdim=True).clamp_min(1e-12)   # row p divided by |PE(p)|^2
        caption = f"d_model = {d_model}: {d_model // 2} sine-cosine pairs, max_len = {max_len}"
        frames.append([_encoding_svg(pe[p], similarity[p], p, caption) for p in positions])
    stack = _linked_frames(frames, position_slider, size_slider)
    return widgets.VBox([_labelled("position p", position_slider), _labelled("d_model", size_slider), stack])


# ---------------------------------------------------------------------------------------------
# Chapter 5: the head browser
# ---------------------------------------------------------------------------------------------


def _blue(weight):
    """A weight in [0, 1] as a colour of matplotlib's "Blues": white for 0, dark blue for 1."""
    red, green, blue, _ = plt.get_cmap("Blues")(min(max(float(weight), 0.0), 1.0))
    return f"rgb({round(255 * red)},{round(255 * green)},{round(255 * blue)})"


def _grid_svg(matrix, left, top, cell):
    """The cells of a [T_q, T_k] weight matrix as coloured SVG squares, the top-left one at (left, top)."""
    return "".join(f'<rect x="{left + j * cell:.1f}" y="{top + i * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                   f'fill="{_blue(matrix[i, j])}"/>'
                   for i in range(matrix.shape[0]) for j in range(matrix.shape[1]))


def _heads_svg(layer_maps, head, key_labels, query_labels, caption):
    """One frame of the head browser: head `head` of one layer large, with its weights written in
    when the map is small, and every head of that layer as a thumbnail underneath (the shown one framed)."""
    n_heads, T_q, T_k = layer_maps.shape
    cell = max(8.0, min(28.0, 300.0 / max(T_q, T_k)))
    left, top = 60, 40
    thumb = max(2.0, min(8.0, 60.0 / max(T_q, T_k)))
    thumbs_top = top + T_q * cell + 34
    width = max(left + T_k * cell + 20, left + n_heads * (T_k * thumb + 12) + 20)
    height = thumbs_top + T_q * thumb + 36
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'style="font-family:sans-serif;font-size:11px">',
             f'<text x="{left}" y="14" font-weight="bold">keys →</text>',
             f'<text x="4" y="{top - 6}" font-weight="bold">queries ↓</text>',
             _grid_svg(layer_maps[head], left, top, cell)]
    for j, label in enumerate(key_labels):
        parts.append(f'<text x="{left + (j + 0.5) * cell:.1f}" y="{top - 6}" text-anchor="middle">{html.escape(label)}</text>')
    for i, label in enumerate(query_labels):
        parts.append(f'<text x="{left - 6}" y="{top + (i + 0.65) * cell:.1f}" text-anchor="end">{html.escape(label)}</text>')
    if cell >= 24:
        for i in range(T_q):
            for j in range(T_k):
                weight = float(layer_maps[head, i, j])
                color = "white" if weight > 0.5 else "#333"
                parts.append(f'<text x="{left + (j + 0.5) * cell:.1f}" y="{top + (i + 0.62) * cell:.1f}" '
                             f'text-anchor="middle" font-size="9" fill="{color}">{weight:.2f}</text>')
    parts.append(f'<text x="{left}" y="{thumbs_top - 8:.1f}" fill="#555">every head of this layer:</text>')
    for h in range(n_heads):
        x = left + h * (T_k * thumb + 12)
        stroke = "#d62728" if h == head else "#ccc"
        parts.append(f'<rect x="{x - 2:.1f}" y="{thumbs_top - 2:.1f}" width="{T_k * thumb + 4:.1f}" '
                     f'height="{T_q * thumb + 4:.1f}" fill="none" stroke="{stroke}" stroke-width="2"/>')
        parts.append(_grid_svg(layer_maps[h], x, thumbs_top, thumb))
        parts.append(f'<text x="{x + T_k * thumb / 2:.1f}" y="{thumbs_top + T_q * thumb + 14:.1f}" '
                     f'text-anchor="middle">{h + 1}</text>')
    parts.append(f'<text x="{left}" y="{height - 6:.0f}" fill="#555">{html.escape(caption)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def head_browser(weights, labels=None, query_labels=None):
    """Browse attention maps over layers and heads: one head large, the others of its layer beside it.

    `weights` is `[n_layers, n_heads, T_q, T_k]` for one input (or `[n_heads, T_q, T_k]` for one
    layer): the per-head weights of the learner's `MultiHeadAttention` or of `nn.MultiheadAttention`
    (`need_weights=True, average_attn_weights=False`), stacked over the layers. `labels` name the keys
    (and the queries too, unless `query_labels` is given). Every frame is drawn now and stacked, the
    sliders linked in the browser (`jslink`): the widget works in a static page as well as in Jupyter.
    Returns the widget.
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    if weights.ndim == 3:
        weights = weights[None]
    if weights.ndim != 4:
        raise ValueError(f"weights must be [n_layers, n_heads, T_q, T_k] or [n_heads, T_q, T_k], got {tuple(weights.shape)}")
    n_layers, n_heads, T_q, T_k = weights.shape
    key_labels = [str(label) for label in labels] if labels is not None else [str(j) for j in range(T_k)]
    query_labels = [str(label) for label in query_labels] if query_labels is not None else (
        key_labels if len(key_labels) == T_q else [str(i) for i in range(T_q)])
    layout = widgets.Layout(width="320px")
    layer_slider = widgets.SelectionSlider(options=[str(n + 1) for n in range(n_layers)], layout=layout)
    head_slider = widgets.SelectionSlider(options=[str(h + 1) for h in range(n_heads)], layout=layout)
    frames = [[_heads_svg(weights[layer], head, key_labels, query_labels,
                          f"layer {layer + 1} of {n_layers}, head {head + 1} of {n_heads}") for head in range(n_heads)]
              for layer in range(n_layers)]
    stack = _linked_frames(frames, head_slider, layer_slider)
    return widgets.VBox([_labelled("layer", layer_slider), _labelled("head", head_slider), stack])
