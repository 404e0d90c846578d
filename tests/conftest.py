"""Shared fixtures: the repository's paths, the built book."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` when it creates a gradebook; jupyter-book runs kernels: both need the venv's bin/.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def book_build():
    """Build the book once, as `make book` does; return (html folder, build log).

    Tests that use it belong to the xdist group "book" so that one worker builds it.
    """
    result = subprocess.run(
        [BIN / "jupyter-book", "build", ".", "--builder", "html", "-W", "-n", "--keep-going"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the book build failed:\n{log[-5000:]}"
    return ROOT / "_build" / "html", log
