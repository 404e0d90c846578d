"""Example submissions built from the released notebook, to try `grade` on: `python -m autograder examples DIR`.

They mix the layouts `grade` accepts and cover the usual cases: a full solution, an untouched notebook,
a renamed duplicate, a broken download, a student with no notebook, and a tampering trick.
"""

import copy
import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograder.course import ROOT, ScratchCourse

TRICK = "get_ipython().showtraceback = lambda *args, **kwargs: None  # hide every failing test"


def solved(released: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The released notebook with every solution cell filled in from the instructor's source."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def write_examples(folder: Path, assignment: str = "ch01_tokens", root: Path = ROOT) -> list[Path]:
    """Write the example class into `folder`; return the files written."""
    source = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    with ScratchCourse([root / "solutions" / assignment]) as course:
        released = nbformat.read(course.generate(assignment) / f"{assignment}.ipynb", as_version=4)
    good = solved(released, source)
    tricked = copy.deepcopy(released)
    tricked.cells.append(new_code_cell(TRICK))
    files = {
        f"ada/{assignment}/{assignment}.ipynb": nbformat.writes(good),
        f"bob/{assignment}.ipynb": nbformat.writes(released),
        f"Zoë Ñandú/{assignment}/{assignment}.ipynb": nbformat.writes(released),
        f"Zoë Ñandú/{assignment}/{assignment} (1).ipynb": nbformat.writes(good),
        f"carol_4711_attempt_{assignment}.ipynb": nbformat.writes(good)[:200],
        "dave/notes.txt": "I could not finish, sorry.\n",
        f"eve/{assignment}/{assignment}.ipynb": nbformat.writes(tricked),
    }
    written = []
    for number, (name, text) in enumerate(files.items()):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, (1_700_000_000 + number, 1_700_000_000 + number))  # later entries are newer
        written.append(path)
    return written
