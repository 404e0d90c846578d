"""Figures shared by the book and the notebooks."""

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
        middle = (values.max() + values.min()) / 2
        for (i, j), value in _cells(values):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="black" if value > middle else "white")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _cells(values):
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            yield (i, j), values[i, j]
