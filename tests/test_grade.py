"""`grade` end to end on the toy assignment's example class, and on chapter 1 through the command line."""

import csv
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.examples import write_examples
from autograder.grade import Options, grade
from autograder.sandbox import Zygote
from tests.notebook_factory import toy_notebook, write_assignment

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = "double(-3.5)"  # the toy notebook's hidden test


def rows(out):
    with open(out / "grades.csv", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def tree_digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def toy_class(tmp_path_factory):
    """The toy assignment's example class, graded once with two workers: (repo root, submissions, OUT)."""
    base = tmp_path_factory.mktemp("class")
    write_assignment(base / "repo", "toy", toy_notebook())
    write_examples(base / "submissions", "toy", base / "repo")
    before = tree_digest(base / "submissions")
    grade(base / "submissions", Options("toy", base / "out", workers=2, root=base / "repo"))
    assert tree_digest(base / "submissions") == before, "grading modified the original submissions"
    return base / "repo", base / "submissions", base / "out"


def test_statuses_scores_and_messages(toy_class):
    table = rows(toy_class[2])
    assert list(table["ada"])[:7] == ["student", "assignment", "status", "score", "max_score", "message", "flags"]
    assert {s: (r["status"], r["score"], r["test_double"]) for s, r in table.items()} == {
        "ada": ("graded", "2", "2"), "bob": ("graded", "0", "0"), "Zoë Ñandú": ("graded", "2", "2"),
        "carol": ("invalid-notebook", "0", ""), "dave": ("missing-notebook", "0", ""),
        "eve": ("graded", "0", "0")}
    assert all(r["max_score"] == "2" for r in table.values())
    assert "graded the newest, 'toy (1).ipynb'" in table["Zoë Ñandú"]["message"]
    assert "not valid JSON" in table["carol"]["message"] and "resubmit" in table["carol"]["message"]
    # eve's untouched notebook hides its failing tests' tracebacks: flagged for review, the judge's 0 stands
    assert table["eve"]["flags"] == "ipython-hooks monkeypatch" and "Flagged for review" in table["eve"]["message"]


def test_gradebook_holds_every_score(toy_class):
    with Gradebook(f"sqlite:///{toy_class[2] / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions("toy")}
        eve = gradebook.find_submission("toy", "eve").notebooks[0].grades[0]
        assert (eve.auto_score, eve.manual_score, eve.needs_manual_grade) == (0, None, True)
    assert scores == {"ada": 2, "bob": 0, "Zoë Ñandú": 2, "carol": 0, "dave": 0, "eve": 0}


def test_feedback_without_hidden_tests_and_summary(toy_class):
    out = toy_class[2]
    assert sorted(p.parent.name for p in (out / "feedback").glob("*/toy.html")) == ["Zoë Ñandú", "ada", "bob", "eve"]
    for page in (out / "feedback").glob("*/toy.html"):
        text = page.read_text(encoding="utf-8")
        assert HIDDEN not in text and "BEGIN HIDDEN" not in text, f"{page} shows the hidden test"
    assert "NotImplementedError" in (out / "feedback" / "bob" / "toy.html").read_text(encoding="utf-8")
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in summary and "<td>test_double</td><td>2</td><td>2/4</td><td>50%</td>" in summary


def test_serial_rerun_and_force(toy_class, tmp_path, capsys, monkeypatch):
    """Serial grading, with every kernel started cold (no zygote), gives the parallel run's scores."""
    repo, submissions, out = toy_class
    monkeypatch.setattr(Zygote, "available", staticmethod(lambda: False))
    serial = tmp_path / "serial"
    grade(submissions, Options("toy", serial, workers=1, root=repo))
    assert {s: (r["status"], r["score"]) for s, r in rows(serial).items()} == \
        {s: (r["status"], r["score"]) for s, r in rows(out).items()}
    capsys.readouterr()
    changed = submissions / "bob" / "toy.ipynb"
    nb = nbformat.read(changed, as_version=4)
    nb.cells[2].source = "def double(x):\n    return x + x"
    nbformat.write(nb, changed)
    grade(submissions, Options("toy", serial, workers=1, root=repo))
    assert "(5 unchanged since the last run" in capsys.readouterr().out
    assert rows(serial)["bob"]["score"] == "2"
    grade(submissions, Options("toy", serial, workers=1, root=repo, force=True))
    assert "(0 unchanged since the last run" in capsys.readouterr().out


def test_zip_entries_outside_are_refused_and_nothing_escapes(toy_class, tmp_path, capsys):
    archive = tmp_path / "in" / "class.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped_toy.ipynb", nbformat.writes(toy_notebook()))
        zf.writestr("/abs_toy.ipynb", nbformat.writes(toy_notebook()))
        zf.writestr("dave/readme.txt", "nothing here")
    grade(archive, Options("toy", tmp_path / "out", workers=1, root=toy_class[0]))
    printed = capsys.readouterr().out
    assert printed.count("refused zip entry") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert not list(tmp_path.parent.glob("*escaped*")) and not Path("/abs_toy.ipynb").exists()
    assert {s: r["status"] for s, r in rows(tmp_path / "out").items()} == {"dave": "missing-notebook"}


@pytest.mark.skipif(not (ROOT / "solutions" / "ch01_tokens" / "ch01_tokens.ipynb").exists(),
                    reason="chapter 1's solution notebook is not written yet")
def test_chapter_1_example_class_from_the_command_line(tmp_path):
    run = [sys.executable, "-m", "autograder"]
    subprocess.run([*run, "examples", str(tmp_path / "subs")], check=True, cwd=ROOT, capture_output=True)
    done = subprocess.run([*run, "grade", str(tmp_path / "subs"), "--assignment", "ch01_tokens",
                           "--out", str(tmp_path / "out"), "--workers", "2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    table = rows(tmp_path / "out")
    full = table["ada"]["max_score"]
    assert float(full) > 0 and table["ada"]["score"] == full and table["Zoë Ñandú"]["score"] == full
    assert table["bob"]["score"] == "0" and table["eve"]["score"] == "0" and "Flagged for review" in table["eve"]["message"]
    assert (tmp_path / "out" / "feedback" / "ada" / "ch01_tokens.html").is_file()
    assert "graded           4" in done.stdout and "missing-notebook 1" in done.stdout


def test_without_bubblewrap_grading_warns_and_gives_the_same_scores(toy_class, tmp_path, capsys, monkeypatch):
    """Where bubblewrap is missing (macOS), kernels run with resource limits only, and the grader says so;
    as root it refuses, since the kernels could not even drop to `nobody` safely without the sandbox."""
    repo, submissions, out = toy_class
    monkeypatch.setattr("autograder.sandbox.bwrap_path", lambda: None)
    monkeypatch.setattr("autograder.grade.bwrap_path", lambda: None)
    monkeypatch.setattr("autograder.verdicts.bwrap_path", lambda: None)
    plain = tmp_path / "plain"
    if os.geteuid() == 0:
        with pytest.raises(RuntimeError, match="must not run as root without a sandbox"):
            grade(submissions, Options("toy", plain, workers=1, root=repo))
        return
    grade(submissions, Options("toy", plain, workers=1, root=repo))
    assert "student code will run WITHOUT a sandbox" in capsys.readouterr().out
    assert {s: r["score"] for s, r in rows(plain).items()} == {s: r["score"] for s, r in rows(out).items()}


HOSTILE_IDS = ["=HYPERLINK(\"x\";\"y\")", "+1", "@SUM(1)", "<img src=x onerror=alert(1)>"]


def test_an_archive_cannot_take_the_grader_down_or_reach_the_instructor(toy_class, tmp_path):
    """A zip bomb, a notebook nested past any recursive parser, and student ids made of HTML or spreadsheet
    formulas: each ends with a status and a message, the rest of the class is graded, and what the
    instructor opens is safe (escaped HTML, formulas neutralised in the CSV)."""
    repo, submissions, _ = toy_class
    good = (submissions / "ada" / "toy" / "toy.ipynb").read_bytes()
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for student in HOSTILE_IDS:
            zf.writestr(f"{student}/toy.ipynb", good)
        zf.writestr("bomb/toy.ipynb", b"\0" * (300 * 2**20))   # 300 MiB that weigh about 300 KiB
        zf.writestr("deep/toy.ipynb", "[" * 200_000 + "]" * 200_000)
    assert archive.stat().st_size < 2**20
    out = tmp_path / "out"
    grade(archive, Options("toy", out, workers=2, root=repo))
    table = rows(out)
    assert table["deep"]["status"] == "invalid-notebook" and table["deep"]["message"].endswith(".")
    assert table["bomb"]["status"] == "missing-notebook", "the bomb's entry was refused, not unpacked"
    for student in HOSTILE_IDS:
        row = table["'" + student if student[0] in "=+-@" else student]
        assert (row["status"], row["score"]) == ("graded", "2"), row["message"]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(out)]
    assert written == [archive], f"files written outside OUT: {written}"
    for page in [out / "summary.html", *(out / "feedback").rglob("*.html")]:
        assert "<img src=x" not in page.read_text(encoding="utf-8"), f"{page} carries the student id's HTML"
