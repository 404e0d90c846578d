"""Figures shared by the book and the notebooks."""

import html
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib import font_manager

# Fonts with Chinese characters, best first: Noto CJK (Debian's fonts-noto-cjk, `make fonts`), then
# what Windows, macOS and other Linux systems ship.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR", "Source Han Sans SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
             "Hiragino Sans GB", "Heiti SC", "Arial Unicode MS")
# Where Debian puts Noto CJK: installed after matplotlib built its font cache, it is not in the cache.
CJK_FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                  "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")


def cjk_font() -> str | None:
    """The name of an installed font that has Chinese characters, or None."""
    names = {font.name for font in font_manager.fontManager.ttflist}
    if not names.intersection(CJK_FONTS):
        for path in CJK_FONT_FILES:
            if Path(path).is_file():
                font_manager.fontManager.addfont(path)
        names = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def use_cjk_font() -> bool:
    """Let matplotlib draw Chinese characters; return whether it can.

    The CJK font is added after the font families in use, so Latin text keeps its usual look and
    each Chinese character falls back to the CJK font. Without one (False), label Chinese text
    some other way, e.g. in pinyin: matplotlib would draw empty boxes and warn.
    """
    name = cjk_font()
    if name is None:
        return False
    families = [family for family in plt.rcParams["font.family"] if family != name]
    plt.rcParams["font.family"] = families + [name]
    return True


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
