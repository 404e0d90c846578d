"""Mutants: realistic wrong solutions, one file per chapter (`tests/mutants/<chapter>.py`).

Each file defines `MUTANTS`, a list of `Mutant`. Under autograding every mutant must lose
points; one with `visible_passes=True` must also pass every visible test, which shows what
the hidden tests catch that the visible ones do not.
"""

import json
from pathlib import Path
from typing import NamedTuple

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


class Mutant(NamedTuple):
    name: str
    cell: str  # grade_id of the solution cell whose whole source `source` replaces
    source: str
    visible_passes: bool = False


def solution_with(chapter: str, cell: str, *edits: tuple[str, str]) -> str:
    """The solution cell `cell` of `chapter`, markers removed, with each (old, new) edit applied.

    For mutants of long cells: the edit is the mistake. Every `old` must occur exactly once.
    """
    notebook = SOLUTIONS / chapter / f"{chapter}.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell)
    source = "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS) + "\n"
    for old, new in edits:
        assert source.count(old) == 1, f"mutant edit {old!r} does not match the {cell} cell exactly once"
        source = source.replace(old, new)
    return source
