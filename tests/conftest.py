"""Shared fixtures: the repository's paths, the built book."""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _pytest.nodeid import NodeId

from tests.chapters import open_chapters

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` when it creates a gradebook; jupyter-book runs kernels: both need the venv's bin/.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Name each test's xdist group in its node id, as `--dist loadgroup` expects (`test[id]@group`).

    pytest-xdist 3.8 writes the group into `item._nodeid`, which pytest 9 no longer reads (a node's id
    is `item._id`): without this every test is scheduled alone, and a chapter's class, which every test
    of the chapter reads, is graded once on each worker instead of once.
    """
    if not getattr(config.option, "loadgroup", False):  # set by xdist on its workers
        return
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """Build the book once per test run, as `make book` does; return (html folder, build log).

    Two builds at once would race on the execution cache, so under pytest-xdist the workers
    that need the book take turns on a lock: the first builds, the others read its log.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # one folder per run
    record = shared / "book-build.json"
    with open(shared / "book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            result = subprocess.run(
                [BIN / "jupyter-book", "build", ".", "--builder", "html", "-W", "-n", "--keep-going"],
                cwd=ROOT, capture_output=True, text=True, timeout=1800,
            )
            record.write_text(json.dumps({"returncode": result.returncode, "log": result.stdout + result.stderr}))
    build = json.loads(record.read_text())
    assert build["returncode"] == 0, f"the book build failed:\n{build['log'][-5000:]}"
    return ROOT / "_build" / "html", build["log"]


@pytest.fixture(scope="session")
def chapters():
    """`chapters(id)`: the chapter, its class graded on first use (tests/chapters.py)."""
    yield from open_chapters()
