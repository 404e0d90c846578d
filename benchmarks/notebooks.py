"""Time every solution notebook and its slowest test cell against the course's budgets.

    .venv/bin/python benchmarks/notebooks.py [CHAPTER ...]

Budgets (2-core CPU): a notebook under 60 s (the training chapter under 240 s), a test cell under 5 s.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from autograder.release import assignment_ids  # noqa: E402


def time_notebook(chapter: str) -> tuple[float, list[tuple[float, str]]]:
    """Wall time of the whole notebook (kernel start included) and (seconds, grade_id) per test cell."""
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "solutions" / chapter)}})
    cells = []
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            began = time.perf_counter()
            client.execute_cell(cell, index)
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                cells.append((time.perf_counter() - began, meta["grade_id"]))
    return time.perf_counter() - start, cells


def main(chapters: list[str]) -> None:
    print(f"{'chapter':<24}{'notebook':>10}{'budget':>8}{'ratio':>7}   slowest test cell (budget 5 s)")
    for chapter in chapters:
        total, cells = time_notebook(chapter)
        budget = 240 if chapter.startswith("ch08") else 60
        slowest, name = max(cells, default=(0.0, "-"))
        print(f"{chapter:<24}{total:>9.1f}s{budget:>7}s{total / budget:>7.2f}   {name} {slowest:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or assignment_ids())
