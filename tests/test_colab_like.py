"""The released notebooks where a hosted service runs them: Colab, a JupyterHub, Binder before set-up.

A fresh virtualenv holds only what such a service has (torch, numpy, ipykernel, matplotlib: no
helper package, no gensim, no sacrebleu). Each chapter's released notebook runs its install cell,
its setup cell and its given cells (locked, not graded) in a kernel of that virtualenv, with
`TFS_HELPER_SOURCE` pointing at a copy of this checkout's helper package, as an offline classroom
would: the first install cell installs it, with what the notebooks import, and keeps the torch.
pip reaches only the package index this machine's pip is configured with.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from autograder.release import BOOTSTRAP_TAG, assignment_ids

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = assignment_ids()
HOSTED_PACKAGES = ["torch==2.13.0", "numpy", "ipykernel", "matplotlib"]
ABSENT = ["tfs", "gensim", "sacrebleu", "scipy", "ipywidgets", "tqdm"]
pytestmark = pytest.mark.xdist_group("colab")


def run(command, **kwargs):
    kwargs.setdefault("cwd", "/")  # not the checkout: `import tfs` must not find it there
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def hosted(tmp_path_factory):
    """(python, kernel dirs) of a fresh virtualenv with only the hosted service's packages."""
    base = tmp_path_factory.mktemp("hosted")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", *HOSTED_PACKAGES])
    probe = "import importlib.util as u, json; print(json.dumps([m for m in %r if u.find_spec(m)]))" % ABSENT
    assert json.loads(run([str(python), "-c", probe])) == [], "the fresh virtualenv has more than torch & co."
    helper = base / "helper"  # what `pip install` of the published repository builds: the package and its metadata
    helper.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, helper / name)
    shutil.copytree(ROOT / "tfs", helper / "tfs", ignore=shutil.ignore_patterns("__pycache__"))
    spec = base / "kernels" / "hosted"
    spec.mkdir(parents=True)
    env = {"TFS_HELPER_SOURCE": str(helper), "PYTHONNOUSERSITE": "1"}
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hosted", "language": "python", "env": env}))
    return python, base / "kernels"


def torch_build(python: Path) -> tuple[str, float]:
    """The installed torch's version and the time its files were written."""
    code = ("import importlib.metadata as m, os, importlib.util as u; "
            "print(m.version('torch'), os.path.getmtime(u.find_spec('torch').origin))")
    version, mtime = run([str(python), "-c", code]).split()
    return version, float(mtime)


def given_notebook(chapter: str) -> nbformat.NotebookNode:
    """The released notebook cut to what runs before any exercise is done: install, setup, given cells."""
    nb = nbformat.read(ROOT / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
    keep = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (BOOTSTRAP_TAG in cell.metadata.get("tags", [])
                                         or (meta.get("locked") and not meta.get("grade") and not meta.get("solution"))):
            keep.append(cell)
    nb.cells = keep
    return nb


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_setup_and_given_cells_run_where_only_torch_is_installed(chapter, hosted, tmp_path, monkeypatch):
    python, kernel_dirs = hosted
    nb = given_notebook(chapter)
    assert BOOTSTRAP_TAG in nb.cells[0].metadata.get("tags", []), "the install cell must come first"
    assert len(nb.cells) >= 2, "no setup cell"
    before = torch_build(python)
    work = tmp_path / chapter
    shutil.copytree(ROOT / "notebooks" / chapter, work)
    manager = KernelManager(kernel_name="hosted", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dirs)]))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # the kernel inherits the environment
    NotebookClient(nb, km=manager, timeout=300, resources={"metadata": {"path": str(work)}}).execute()
    stderr = [(i, out.get("text", "")) for i, cell in enumerate(nb.cells) for out in cell.outputs
              if out.get("name") == "stderr"]
    assert not stderr, f"{chapter}: cells wrote to stderr: {stderr[:3]}"
    assert torch_build(python) == before, "the install cell must keep the torch that is installed"
    assert json.loads(run([str(python), "-c", "import importlib.util as u, json; "
                                              "print(json.dumps([m for m in %r if not u.find_spec(m)]))" % ABSENT])) \
        == [], "the helper package brings what the notebooks import"
