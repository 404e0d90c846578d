"""What a learner installs and sees, checked without a browser: the helper package's dependencies,
Chinese in figures (with a CJK font and without one), and the learner's JupyterLab configuration.

The notebooks in a hosted service are in test_colab_like.py, in a real JupyterLab in
test_jupyterlab.py, the export in test_release.py.
"""

import json
import re
import tomllib
import warnings
from pathlib import Path

import matplotlib
import pytest
from packaging.requirements import Requirement

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tfs import lab, plotting  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# What the notebooks and the book import, beyond the standard library.
IMPORTED = {"torch", "numpy", "scipy", "matplotlib", "ipywidgets", "tqdm", "gensim", "sacrebleu"}


def test_the_helper_package_declares_what_the_notebooks_import():
    requirements = [Requirement(line) for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
                    ["dependencies"]]
    declared = {requirement.name: requirement for requirement in requirements}
    assert IMPORTED <= set(declared), f"pyproject.toml lacks {sorted(IMPORTED - set(declared))}"
    assert [spec.operator for spec in declared["torch"].specifier] == [">="], \
        "torch: a lower bound only (Colab's own build stays)"
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for name, requirement in declared.items():
        assert requirement.specifier.contains(pins[name]), f"{requirement}: the pinned {name}=={pins[name]} must satisfy it"


@pytest.fixture
def clean_rc():
    with matplotlib.rc_context():
        yield


def draw(text: str) -> list[str]:
    """Draw `text` as a title and a tick label; the warnings matplotlib gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title(text)
        ax.set_yticks([0], labels=[text])
        fig.canvas.draw()
        plt.close(fig)
    # a ResourceWarning is the garbage collector closing some earlier test's socket, not matplotlib's
    return [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]


@pytest.mark.skipif(plotting.cjk_font() is None, reason="no CJK font: `make fonts` installs Noto CJK")
def test_figures_draw_chinese_characters_with_the_cjk_font(clean_rc):
    assert plotting.use_cjk_font()
    assert plt.rcParams["font.family"][-1] == plotting.cjk_font()
    assert draw("二万一千零五 (twenty one thousand five)") == []
    assert plotting.use_cjk_font() and plt.rcParams["font.family"].count(plotting.cjk_font()) == 1


def test_without_a_cjk_font_nothing_changes(clean_rc, monkeypatch):
    monkeypatch.setattr(plotting, "CJK_FONTS", ("No Such Font CJK",))
    monkeypatch.setattr(plotting, "CJK_FONT_FILES", ())
    before = list(plt.rcParams["font.family"])
    assert plotting.cjk_font() is None and plotting.use_cjk_font() is False
    assert plt.rcParams["font.family"] == before
    assert draw("wàn 10⁴") == [], "the fallback labels (pinyin) draw without a warning"


def test_the_learners_jupyter_configuration_turns_the_instructor_tools_off(tmp_path):
    env = lab.learner_env({"JUPYTER_CONFIG_PATH": "/elsewhere"}, folder=tmp_path)
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(tmp_path), "/elsewhere"], "ours first: it outranks the rest"
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert page == {"disabledExtensions": {name: True for name in lab.INSTRUCTOR_LAB_EXTENSIONS}}
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server and not any(server.values())
    assert "lab: venv\n\t$(BIN)/python -m tfs.lab notebooks" in (ROOT / "Makefile").read_text()
