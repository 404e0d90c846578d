"""Interactive explorers for "try it" cells. They take the learner's functions as arguments."""

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
