"""Finding each student's notebook in every layout `grade` accepts, and refusing unsafe zip entries."""

import os
import zipfile

import nbformat

from autograder.submissions import discover, unpack
from tests.notebook_factory import toy_notebook


def _write(path, age=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(toy_notebook(), path)
    os.utime(path, (1_700_000_000 + age, 1_700_000_000 + age))
    return path


def test_every_layout_in_one_folder(tmp_path):
    _write(tmp_path / "ada" / "toy" / "toy.ipynb")
    _write(tmp_path / "bob" / "my work.ipynb")
    _write(tmp_path / "carol_123_456_toy.ipynb")
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "notes.txt").write_text("no notebook")
    found = {s.student: s for s in discover(tmp_path, "toy")}
    assert sorted(found) == ["ada", "bob", "carol", "dave"]
    assert found["ada"].notebook.name == "toy.ipynb"
    assert found["bob"].notebook.name == "my work.ipynb"
    assert found["carol"].notebook.name == "carol_123_456_toy.ipynb"
    assert found["dave"].notebook is None


def test_renamed_copies_newest_is_graded_and_said(tmp_path):
    _write(tmp_path / "Zoë Ñandú" / "toy.ipynb", age=1)
    newest = _write(tmp_path / "Zoë Ñandú" / "toy (1).ipynb", age=2)
    _write(tmp_path / "Zoë Ñandú" / "scratch.ipynb", age=3)  # newer, but not named after the assignment
    [submission] = discover(tmp_path, "toy")
    assert submission.student == "Zoë Ñandú"
    assert submission.notebook == newest
    assert "graded the newest, 'toy (1).ipynb'" in submission.note and "toy.ipynb" in submission.note


def test_lms_downloads_of_one_student_are_grouped(tmp_path):
    _write(tmp_path / "ada_1_toy.ipynb", age=1)
    _write(tmp_path / "ada_2_toy.ipynb", age=2)
    _write(tmp_path / "bob_1_toy.ipynb")
    found = {s.student: s for s in discover(tmp_path, "toy")}
    assert found["ada"].notebook.name == "ada_2_toy.ipynb" and "2 notebooks" in found["ada"].note


def test_zip_with_a_wrapper_folder(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submissions/ada/toy/toy.ipynb", nbformat.writes(toy_notebook()))
        zf.writestr("submissions/bob/toy/toy.ipynb", nbformat.writes(toy_notebook()))
    assert unpack(archive, tmp_path / "x") == []
    assert [s.student for s in discover(tmp_path / "x", "toy")] == ["ada", "bob"]


def test_single_student_in_nbgrader_layout_is_not_taken_for_a_wrapper(tmp_path):
    _write(tmp_path / "ada" / "toy" / "toy.ipynb")
    assert [s.student for s in discover(tmp_path, "toy")] == ["ada"]


def test_zip_entries_outside_the_folder_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ada/toy.ipynb", nbformat.writes(toy_notebook()))
        zf.writestr("../escaped.ipynb", "{}")
        zf.writestr("/tmp/absolute.ipynb", "{}")
        zf.writestr("ada/../../up.ipynb", "{}")
    target = tmp_path / "deep" / "x"
    target.mkdir(parents=True)
    refused = unpack(archive, target)
    assert len(refused) == 3 and all("refused zip entry" in m for m in refused)
    assert sorted(p.name for p in tmp_path.rglob("*.ipynb")) == ["toy.ipynb"]
