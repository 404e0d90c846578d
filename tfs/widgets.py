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
    rows = []
    frame_layout, frame_style = widgets.Layout(), widgets.widget_string.HTMLStyle()  # shared: fewer models in the page
    for query_length in lengths:
        row = widgets.Stack([widgets.HTML(frame(d, query_length), layout=frame_layout, style=frame_style)
                             for d in degrees],
                            selected_index=angle_slider.index)
        widgets.jslink((angle_slider, "index"), (row, "selected_index"))
        rows.append(row)
    stack = widgets.Stack(rows, selected_index=length_slider.index)
    widgets.jslink((length_slider, "index"), (stack, "selected_index"))
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
    frames = []
    for causal in (False, True):
        for real in lengths:
            ids = torch.tensor([[5] * real + [pad_id] * (T - real)])
            mask = combine_masks(padding_mask(ids, pad_id), causal_mask(T) if causal else None)
            mask = torch.broadcast_to(torch.as_tensor(mask, dtype=torch.bool), (1, 1, T, T))[0, 0]
            caption = f"{real} real tokens, {T - real} padding; causal mask {'on' if causal else 'off'}"
            frames.append(widgets.HTML(_mask_svg(mask, real, caption)))
    layout = widgets.Layout(width="320px")
    length_slider = widgets.SelectionSlider(options=[str(n) for n in lengths], index=T // 2, layout=layout)
    causal_slider = widgets.SelectionSlider(options=switches, index=1, layout=layout)
    rows = [widgets.Stack(frames[k * T:(k + 1) * T], selected_index=length_slider.index) for k in range(2)]
    for row in rows:
        widgets.jslink((length_slider, "index"), (row, "selected_index"))
    stack = widgets.Stack(rows, selected_index=causal_slider.index)
    widgets.jslink((causal_slider, "index"), (stack, "selected_index"))
    return widgets.VBox([_labelled("real tokens", length_slider), _labelled("causal mask", causal_slider), stack])
