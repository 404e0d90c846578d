"""Every chapter's hidden tests catch real mistakes, proven under nbgrader's autograding.

For each chapter in solutions/ (discovered): the solution scores full marks, the untouched student
notebook scores zero, and every mutant in tests/mutants/<chapter>.py loses points. A mutant marked
`visible_passes` must pass every visible test, which shows what the hidden tests add.
"""

import importlib
import tempfile
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import ROOT, ScratchCourse
from autograder.release import assignment_ids

CHAPTERS = assignment_ids()


def mutants(chapter):
    return importlib.import_module(f"tests.mutants.{chapter}").MUTANTS


def solution_cells(nb):
    return {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def grade_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


class Chapter:
    """One chapter's scratch nbgrader course, generated once per test process and reused."""

    def __init__(self, chapter: str):
        self.id = chapter
        self.course = ScratchCourse([ROOT / "solutions" / chapter])
        self.released = nbformat.read(self.course.generate(chapter) / f"{chapter}.ipynb", as_version=4)
        source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
        self.answers = {grade_id: cell.source for grade_id, cell in solution_cells(source).items()}
        self.students = 0

    def submission(self, **replaced: str):
        """The released notebook as a learner hands it in: every solution cell filled in, some replaced."""
        nb = nbformat.from_dict(self.released)
        for grade_id, cell in solution_cells(nb).items():
            cell.source = replaced.get(grade_id, self.answers[grade_id])
        return nb

    def autograde(self, nb) -> tuple[float, float, dict]:
        """nbgrader's score for a submitted notebook: (total, maximum, {grade_id: (score, max)})."""
        self.students += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{self.id}.ipynb"
            nbformat.write(nb, path)
            scores = self.course.autograde(self.id, f"student{self.students}", path)
        return sum(s for s, _ in scores.values()), sum(m for _, m in scores.values()), scores


@pytest.fixture(scope="session")
def chapters():
    """`chapters(id)` opens a chapter's scratch course on first use; all are removed at the end."""
    opened = {}

    def open_chapter(chapter):
        if chapter not in opened:
            opened[chapter] = Chapter(chapter)
        return opened[chapter]

    yield open_chapter
    for chapter in opened.values():
        chapter.course.close()


def failing(scores):
    return sorted(grade_id for grade_id, (score, maximum) in scores.items() if score < maximum)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_scores_full_marks(chapters, chapter):
    ch = chapters(chapter)
    total, maximum, scores = ch.autograde(ch.submission())
    assert maximum > 0 and total == maximum, f"the solution fails {failing(scores)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_student_notebook_scores_zero(chapters, chapter):
    ch = chapters(chapter)
    total, maximum, scores = ch.autograde(ch.released)
    assert maximum > 0 and total == 0, f"an empty notebook scores {total}/{maximum}: {scores}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_enough_mutants(chapter):
    source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    cells = solution_cells(source)
    found = mutants(chapter)
    assert len({m.name for m in found}) == len(found), "mutant names must be unique"
    assert not {m.cell for m in found} - set(cells), "a mutant names a cell that is not a solution cell"
    count = Counter(m.cell for m in found)
    hidden_only = {m.cell for m in found if m.visible_passes}
    for grade_id in cells:
        if grade_id.startswith("answer_"):  # a concept check: one wrong answer is enough
            assert count[grade_id] >= 1, f"no mutant answers {grade_id} wrongly"
        else:
            assert count[grade_id] >= 3, f"{grade_id} has {count[grade_id]} mutants; at least 3 are needed"
            assert grade_id in hidden_only, f"{grade_id} has no mutant that passes the visible tests"


MUTANTS = [pytest.param(chapter, m, id=f"{chapter}-{m.name}") for chapter in CHAPTERS for m in mutants(chapter)]


@pytest.mark.parametrize("chapter, mutant", MUTANTS)
def test_mutant_loses_points(chapters, chapter, mutant):
    ch = chapters(chapter)
    total, maximum, scores = ch.autograde(ch.submission(**{mutant.cell: mutant.source}))
    assert total < maximum, f"mutant {mutant.name} keeps full marks: the tests do not catch it"


@pytest.mark.parametrize("chapter, mutant", [p for p in MUTANTS if p.values[1].visible_passes])
def test_mutant_passes_the_visible_tests(chapters, chapter, mutant):
    """Run in the released notebook (visible tests only): every test cell passes, so only hidden tests catch it."""
    nb = chapters(chapter).submission(**{mutant.cell: mutant.source})
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT / "notebooks" / chapter)}}).execute()
    failed = [c.metadata.nbgrader["grade_id"] for c in grade_cells(nb)
              if any(o.output_type == "error" or o.get("name") == "stderr" for o in c.outputs)]
    assert not failed, f"mutant {mutant.name} fails visible tests {failed}; mark it visible_passes=False"
