"""Small nbgrader source notebooks built in code, for testing the release and grading machinery."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def nbgrader_cell(source: str, grade_id: str, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


def toy_notebook(extra_cells=()):
    """A one-exercise assignment: `double(x)` with a visible and a hidden test."""
    nb = new_notebook(cells=[
        new_markdown_cell("# Toy assignment"),
        nbgrader_cell("import math", "setup", locked=True),
        nbgrader_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      "double", solution=True),
        nbgrader_cell("assert double(1) == 2, 'double(1) must be 2'\n### BEGIN HIDDEN TESTS\n"
                      "assert double(-3.5) == -7.0\n### END HIDDEN TESTS", "test_double",
                      grade=True, locked=True, points=2),
        *extra_cells,
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_assignment(root, assignment_id, nb):
    folder = root / "solutions" / assignment_id
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment_id}.ipynb")
    return folder / f"{assignment_id}.ipynb"
