"""Every chapter's hidden tests catch real mistakes, proven by the course's own grading pipeline.

For each chapter in solutions/ (discovered), one class of submissions is graded with
`autograder.grade` (nbgrader's Autograde, each notebook in the sandbox): the solution, the
untouched student notebook, and one submission per mutant in tests/mutants/<chapter>.py. The
solution must score full marks, the untouched notebook zero, and every mutant must lose points.
A mutant marked `visible_passes` must also keep full marks when graded against the student
notebook's visible tests alone, which shows what the hidden tests add.
"""

import contextlib
import importlib
import io
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from autograder.course import ROOT
from autograder.grade import Options, Result, grade
from autograder.release import assignment_ids

CHAPTERS = assignment_ids()


def mutants(chapter):
    return importlib.import_module(f"tests.mutants.{chapter}").MUTANTS


def solution_cells(nb):
    return {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


class Chapter:
    """A chapter's released notebook and solutions, and its classes of submissions graded on first use."""

    def __init__(self, chapter: str, folder: Path):
        self.id, self.folder = chapter, folder
        self.released = nbformat.read(ROOT / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
        source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
        self.answers = {grade_id: cell.source for grade_id, cell in solution_cells(source).items()}
        self._graded = {}

    def submission(self, **replaced: str):
        """The released notebook as a learner hands it in: every solution cell filled in, some replaced."""
        nb = nbformat.from_dict(self.released)
        for grade_id, cell in solution_cells(nb).items():
            cell.source = replaced.get(grade_id, self.answers[grade_id])
        return nb

    def hidden(self) -> dict[str, Result]:
        """Graded against the instructor's tests: the solution, the untouched notebook, every mutant."""
        if "hidden" not in self._graded:
            class_ = {"solution": self.submission(), "untouched": self.released}
            class_ |= {m.name: self.submission(**{m.cell: m.source}) for m in mutants(self.id)}
            self._graded["hidden"] = self._grade("hidden", class_, ROOT)
        return self._graded["hidden"]

    def visible(self) -> dict[str, Result]:
        """The `visible_passes` mutants graded against the student notebook's own (visible) tests."""
        if "visible" not in self._graded:
            repo = self.folder / "visible-repo"
            shutil.copytree(ROOT / "solutions" / self.id, repo / "solutions" / self.id)
            nbformat.write(self.released, repo / "solutions" / self.id / f"{self.id}.ipynb")
            class_ = {m.name: self.submission(**{m.cell: m.source}) for m in mutants(self.id) if m.visible_passes}
            self._graded["visible"] = self._grade("visible", class_, repo)
        return self._graded["visible"]

    def _grade(self, name: str, class_: dict, root: Path) -> dict[str, Result]:
        for student, nb in class_.items():
            path = self.folder / name / "submissions" / student / f"{self.id}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
        with contextlib.redirect_stdout(io.StringIO()):
            results = grade(self.folder / name / "submissions", Options(self.id, self.folder / name / "out", root=root))
        return {r.student: r for r in results}


@pytest.fixture(scope="session")
def chapters():
    """`chapters(id)` opens a chapter on first use; its graded classes are removed at the end."""
    opened = {}
    with tempfile.TemporaryDirectory(prefix="tfs-chapters-") as folder:
        def open_chapter(chapter):
            if chapter not in opened:
                opened[chapter] = Chapter(chapter, Path(folder) / chapter)
            return opened[chapter]

        yield open_chapter


def failing(result: Result) -> list[str]:
    return sorted(grade_id for grade_id, (score, maximum) in result.cells.items() if score < maximum)


def by_chapter(chapter, *values, id=None):
    """A test parameter that runs in the chapter's xdist group, so that each chapter is graded once."""
    return pytest.param(chapter, *values, id=id or chapter, marks=pytest.mark.xdist_group(chapter))


@pytest.mark.parametrize("chapter", [by_chapter(c) for c in CHAPTERS])
def test_solution_scores_full_marks(chapters, chapter):
    result = chapters(chapter).hidden()["solution"]
    assert result.status == "graded", result.message
    assert result.max_score > 0 and result.score == result.max_score, f"the solution fails {failing(result)}"


@pytest.mark.parametrize("chapter", [by_chapter(c) for c in CHAPTERS])
def test_untouched_student_notebook_scores_zero(chapters, chapter):
    result = chapters(chapter).hidden()["untouched"]
    assert result.max_score > 0 and result.score == 0, f"an empty notebook scores {result.score}: {result.cells}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_enough_mutants(chapter):
    source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    cells = solution_cells(source)
    found = mutants(chapter)
    assert len({m.name for m in found}) == len(found), "mutant names must be unique"
    assert not {m.name for m in found} & {"solution", "untouched"}, "'solution' and 'untouched' are taken"
    assert not {m.cell for m in found} - set(cells), "a mutant names a cell that is not a solution cell"
    count = Counter(m.cell for m in found)
    hidden_only = {m.cell for m in found if m.visible_passes}
    for grade_id in cells:
        if grade_id.startswith("answer_"):  # a concept check: one wrong answer is enough
            assert count[grade_id] >= 1, f"no mutant answers {grade_id} wrongly"
        else:
            assert count[grade_id] >= 3, f"{grade_id} has {count[grade_id]} mutants; at least 3 are needed"
            assert grade_id in hidden_only, f"{grade_id} has no mutant that passes the visible tests"


@pytest.mark.parametrize("chapter, mutant", [by_chapter(c, m, id=f"{c}-{m.name}") for c in CHAPTERS
                                             for m in mutants(c)])
def test_mutant_loses_points(chapters, chapter, mutant):
    result = chapters(chapter).hidden()[mutant.name]
    assert result.score < result.max_score, f"mutant {mutant.name} keeps full marks: the tests do not catch it"


@pytest.mark.parametrize("chapter, mutant", [by_chapter(c, m, id=f"{c}-{m.name}") for c in CHAPTERS
                                             for m in mutants(c) if m.visible_passes])
def test_mutant_passes_the_visible_tests(chapters, chapter, mutant):
    """Graded against the released notebook's tests alone, the mutant keeps full marks: only hidden tests catch it."""
    result = chapters(chapter).visible()[mutant.name]
    assert result.status == "graded", result.message
    assert result.score == result.max_score, \
        f"mutant {mutant.name} fails visible tests {failing(result)}; mark it visible_passes=False"
