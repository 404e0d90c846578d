"""The reference code of a solution notebook, for benchmarks that compare it with the alternatives.

    namespace = solution_namespace("ch05_multi_head")
    MultiHeadAttention = namespace["MultiHeadAttention"]

Runs, in order, the notebook's setup and given cells and its solution cells; not its test cells
nor its "try it" cells. Benchmarks only: the book and the helper package never import solutions.
"""

import json
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def solution_namespace(chapter: str) -> dict:
    """The globals left by running the setup, given and solution cells of `chapter`'s solution notebook."""
    notebook = SOLUTIONS / chapter / f"{chapter}.ipynb"
    namespace = {"__name__": f"solution_{chapter}"}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        code = cell["cell_type"] == "code" and not meta.get("grade")
        if code and (meta.get("solution") or meta.get("locked")):
            exec(compile("".join(cell["source"]), f"{notebook.name}:{meta['grade_id']}", "exec"), namespace)
    return namespace
