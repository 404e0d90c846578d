"""The static scan: tampering with the grading environment is flagged, ordinary code is not."""

import pytest

from autograder.scan import compare_cells, scan_code
from tests.notebook_factory import toy_notebook

TAMPERING = {
    "import torch\ntorch.allclose = lambda *a, **k: True": ["monkeypatch"],
    "import numpy as np\nsetattr(np, 'isclose', lambda *a: True)": ["monkeypatch"],
    "from torch import testing\ntesting.assert_close = print": ["monkeypatch"],
    "import builtins\nbuiltins.AssertionError = Exception": ["monkeypatch"],
    "get_ipython().showtraceback = lambda *a, **k: None": ["ipython-hooks", "monkeypatch"],
    "ip = get_ipython()\nip.ast_transformers.append(object())": ["ipython-hooks"],
    "get_ipython().events.register('pre_run_cell', print)": ["ipython-hooks"],
    "import sys\nsys.modules['torch'] = None": ["sys-modules"],
    "import os\nos._exit(0)": ["os-exit"],
    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)": ["signals"],
    "%time x = 1\nimport torch\ntorch.manual_seed = None": ["monkeypatch"],
}


@pytest.mark.parametrize("source", TAMPERING)
def test_tampering_is_flagged(source):
    assert scan_code([source]) == TAMPERING[source]


def test_ordinary_code_is_not_flagged():
    source = ("import torch\nimport numpy as np\nmodel = torch.nn.Linear(2, 2)\nmodel.weight.data = torch.ones(2, 2)\n"
              "torch.manual_seed(0)\nx = np.zeros(3)\nx[0] = 1\nclass Vocab:\n    def build(self):\n"
              "        self.tokens = []\n!ls\n")
    assert scan_code([source, "def broken(:"]) == []


def _cells(nb):
    return [dict(c) for c in nb.cells]


def test_locked_cells_edited_deleted_or_repointed():
    released = toy_notebook()
    edited, deleted, repointed = toy_notebook(), toy_notebook(), toy_notebook()
    edited.cells[3].source = "assert True"
    del deleted.cells[3]
    repointed.cells[3].metadata.nbgrader["points"] = 100
    assert compare_cells(_cells(toy_notebook()), _cells(released)) == []
    assert compare_cells(_cells(edited), _cells(released)) == ["tests-edited"]
    assert compare_cells(_cells(deleted), _cells(released)) == ["cells-deleted"]
    assert compare_cells(_cells(repointed), _cells(released)) == ["points-edited"]
