"""`python -m autograder release`: deterministic, checked, atomic, and it never leaks solutions."""

import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.course import ROOT
from autograder.release import HIDDEN, SOLUTION, ReleaseError, assignment_ids, generate, release
from tests.notebook_factory import nbgrader_cell, toy_notebook, write_assignment

CHAPTERS = assignment_ids()
MARKERS = [*SOLUTION, *HIDDEN, "BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture
def toy_repo(tmp_path):
    """A course repository with one released toy assignment."""
    write_assignment(tmp_path, "toy", toy_notebook())
    assert release(root=tmp_path) == []
    return tmp_path


def test_every_chapter_is_released_and_in_sync():
    assert CHAPTERS, "no chapter found in solutions/"
    result = run_cli("release", "--check")
    assert result.returncode == 0, result.stderr


def test_release_is_byte_for_byte_deterministic(toy_repo):
    first = (toy_repo / "notebooks/toy/toy.ipynb").read_bytes()
    assert generate(["toy"], toy_repo)["toy"]["toy.ipynb"] == first
    assert release(root=toy_repo, check=True) == []
    assert b"raise NotImplementedError()" in first and b"return 2 * x" not in first


def test_check_names_the_stale_notebook(toy_repo):
    solution = toy_repo / "solutions/toy/toy.ipynb"
    nb = nbformat.read(solution, as_version=4)
    nb.cells[0].source = "# Toy assignment, edited"
    nbformat.write(nb, solution)
    result = run_cli("release", "--check", "--root", str(toy_repo))
    assert result.returncode != 0
    assert "notebooks/toy/toy.ipynb is stale" in result.stderr


MALFORMED = {
    "missing END SOLUTION": (nbgrader_cell("def f():\n    ### BEGIN SOLUTION\n    return 1", "f", solution=True),
                             "cell 5 (grade_id 'f'): '### BEGIN SOLUTION' has no matching '### END SOLUTION'"),
    "duplicate grade_id": (nbgrader_cell("def double(y):\n    ### BEGIN SOLUTION\n    return y\n    ### END SOLUTION",
                                         "double", solution=True),
                           "cell 5 (grade_id 'double'): grade_id 'double' is already used by cell 3"),
    "hidden tests outside a test cell": (nbgrader_cell("x = 1\n### BEGIN HIDDEN TESTS\nx = 2\n### END HIDDEN TESTS",
                                                       "helper", locked=True),
                                         "cell 5 (grade_id 'helper'): hidden tests outside a test cell"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_solution_stops_release_and_changes_nothing(toy_repo, case):
    cell, message = MALFORMED[case]
    before = (toy_repo / "notebooks/toy/toy.ipynb").read_bytes()
    write_assignment(toy_repo, "toy", toy_notebook([cell]))
    with pytest.raises(ReleaseError) as error:
        release(root=toy_repo)
    assert f"solutions/toy/toy.ipynb, {message}" in str(error.value)
    assert (toy_repo / "notebooks/toy/toy.ipynb").read_bytes() == before
    result = run_cli("release", "--root", str(toy_repo))
    assert result.returncode != 0 and message in result.stderr


def _regions(chapter):
    """(secret, public): the stripped lines inside a chapter's solution and hidden-test regions, and the rest."""
    source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    secret, public = set(), set()
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in (*SOLUTION, *HIDDEN):
                inside = stripped in (SOLUTION[0], HIDDEN[0])
            else:
                (secret if inside else public).add(stripped)
    return secret, public


def solution_lines(chapter):
    """Lines of a chapter's solution regions and hidden tests that no released part of any chapter shows.

    A line such as `optimizer.zero_grad()` that a given cell or a visible test shows anywhere is public.
    """
    public = set().union(*(_regions(c)[1] for c in CHAPTERS))
    return {line for line in _regions(chapter)[0] - public if len(line) >= 20}


def assert_no_leak(folder):
    """No code file holds a solution or hidden-test marker; no file holds a line of a solution.

    Markdown may name the markers: the instructors' authoring guide explains how to write them.
    A chapter's notebook is checked against its own solutions only: later chapters give earlier
    chapters' solutions as ready code, by design.
    """
    secrets = {chapter: solution_lines(chapter) for chapter in CHAPTERS}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".ipynb", ".md", ".py", ".txt", ".yml", ".toml", ".json"}:
            text = path.read_text(errors="replace")
            if path.suffix != ".md":
                marker = next((m for m in MARKERS if m in text), None)
                assert marker is None, f"{path} holds {marker!r}"
            own = path.parent.name if path.suffix == ".ipynb" and path.parent.name in secrets else None
            for chapter, lines in secrets.items():
                if own and chapter != own:
                    continue
                leaked = [line for line in lines if line in text]
                assert not leaked, f"{path} holds solution or hidden-test lines of {chapter}: {leaked[:3]}"


def test_notebooks_hold_no_solutions_or_hidden_tests():
    assert_no_leak(ROOT / "notebooks")


def test_export_is_student_facing(tmp_path):
    export = tmp_path / "export"
    result = run_cli("release", "--export", str(export))
    assert result.returncode == 0, result.stderr
    for needed in ["README.md", "requirements.txt", "pyproject.toml", "_config.yml", "_toc.yml", "book", "tfs",
                   *(f"notebooks/{c}/{c}.ipynb" for c in CHAPTERS)]:
        assert (export / needed).exists(), f"the export lacks {needed}"
    for private in ["solutions", "tests", "autograder", "nbgrader_config.py"]:
        assert not (export / private).exists(), f"the export must not hold {private}"
    assert_no_leak(export)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_nbgrader_validate_passes_on_the_solution(chapter):
    result = subprocess.run([shutil.which("nbgrader"), "validate", f"solutions/{chapter}/{chapter}.ipynb"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "Success! Your notebook passes all the tests." in result.stdout, \
        result.stdout + result.stderr


def test_plain_nbgrader_commands_work_from_the_repository_root(tmp_path):
    """`nbgrader generate_assignment` and `nbgrader autograde` with nothing but nbgrader_config.py."""
    chapter = CHAPTERS[0]
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / chapter, tmp_path / "solutions" / chapter)
    nbgrader = shutil.which("nbgrader")
    generated = subprocess.run([nbgrader, "generate_assignment", chapter], cwd=tmp_path, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "notebooks" / chapter / f"{chapter}.ipynb").is_file()
    submitted = tmp_path / "submitted" / "ada" / chapter
    shutil.copytree(tmp_path / "notebooks" / chapter, submitted)
    graded = subprocess.run([nbgrader, "autograde", chapter], cwd=tmp_path, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr
    assert (tmp_path / "autograded" / "ada" / chapter / f"{chapter}.ipynb").is_file()
