"""Figures shared by the book and the notebooks."""

import html

import matplotlib.pyplot as plt
import torch


def heatmap(matrix, *, xlabels=None, ylabels=None, title=None, ax=None, cmap="viridis",
            annotate=False, vmin=None, vmax=None, colorbar=True, fmt="{:.2f}"):
    """Draw a 2-D tensor or array as a heatmap with optional tick labels and cell values."""
    values = torch.as_tensor(matrix).detach().float().cpu().numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3, 0.45 * values.shape[1] + 1.5), max(2.5, 0.4 * values.shape[0] + 1)))
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    if xlabels is not None:
        ax.set_xticks(range(len(xlabels)), labels=xlabels, rotation=60, ha="right")
    if ylabels is not None:
        ax.set_yticks(range(len(ylabels)), labels=ylabels)
    if annotate:
        for (i, j), value in _cells(values):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                    color=_text_color(image, value))
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _cells(values):
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            yield (i, j), values[i, j]


def _text_color(image, value):
    """Black text on light cells, white on dark ones, whatever the colormap."""
    red, green, blue, _ = image.cmap(image.norm(value))
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45 else "white"


def token_table_html(tokens, ids, *, caption=None):
    """An HTML table with one column per token: the token on top, its id below.

    For `ipywidgets.HTML` and `IPython.display.HTML`; it renders without a kernel.
    """
    cell = "border:1px solid #bbb;padding:3px 8px;text-align:center;font-family:monospace"
    head = "".join(f'<td style="{cell};background:#eef3fb">{html.escape(str(t))}</td>' for t in tokens)
    body = "".join(f'<td style="{cell}">{int(i)}</td>' for i in ids)
    label = f'style="{cell};font-family:sans-serif;font-weight:bold;text-align:left"'
    title = f'<caption style="caption-side:top;text-align:left;padding:4px 0">{html.escape(caption)}</caption>' if caption else ""
    return (f'<table style="border-collapse:collapse;margin:4px 0">{title}'
            f"<tr><td {label}>token</td>{head}</tr><tr><td {label}>id</td>{body}</tr></table>")
