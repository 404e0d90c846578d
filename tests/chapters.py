"""Each chapter graded once per test run, as one class through the course's own grader.

A chapter's class holds its solution, the untouched student notebook, one submission per mutant in
tests/mutants/<chapter>.py, the honest variants of tests/variants/<chapter>.py (a few submissions,
each holding one variant of every cell) and, for some chapters, the cheats of tests/cheats.py. The `chapters`
fixture (conftest.py) opens a chapter on first use, so that every test of it reads the same results.
"""

import contextlib
import importlib
import io
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import ROOT
from autograder.grade import Options, Result, grade
from autograder.release import assignment_ids
from tests.cheats import cheats
from tests.variants import Variant, submissions

CHAPTERS = assignment_ids()


def mutants(chapter):
    return importlib.import_module(f"tests.mutants.{chapter}").MUTANTS


def variants(chapter) -> list[Variant]:
    return importlib.import_module(f"tests.variants.{chapter}").VARIANTS


def variant_submission(chapter, variant: Variant) -> str:
    """The name of the submission in the chapter's class that holds `variant`."""
    return next(name for name, held in submissions(variants(chapter)).items() if variant in held)


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
        """Graded against the instructor's tests: the solution, the untouched notebook, mutants, variants."""
        if "hidden" not in self._graded:
            class_ = {"solution": self.submission(), "untouched": self.released}
            class_ |= {m.name: self.submission(**{m.cell: m.source}) for m in mutants(self.id)}
            class_ |= {name: self.submission(**{v.cell: v.source for v in held})
                       for name, held in submissions(variants(self.id)).items()}
            class_ |= {name: nb for name, (nb, _) in cheats(self).items()}
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
            results = grade(self.folder / name / "submissions", Options(self.id, self.folder / name / "out", root=root,
                                                                         feedback=False))
        return {r.student: r for r in results}


def open_chapters():
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
