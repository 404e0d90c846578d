"""Hostile and broken submissions on the toy assignment, graded in one batch inside the sandbox.

Most attacks sit in the solution cell: `double` returns the right answer only when the attack FAILED,
so a full score proves the sandbox stopped it.
"""

import csv
import os
import shutil
import socket
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.grade import Options, grade
from tests.notebook_factory import toy_notebook, write_assignment

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="bubblewrap is missing: sudo apt-get install bubblewrap")


def released():
    """The toy notebook as students get it: no hidden tests."""
    nb = toy_notebook()
    nb.cells[3].source = nb.cells[3].source.split("### BEGIN HIDDEN TESTS")[0]
    return nb


def attack(body):
    """A solution that is right only when `body` raises."""
    code = "def double(x):\n    try:\n" + textwrap.indent(body, " " * 8) + \
           "\n    except Exception:\n        return 2 * x\n    return None"
    nb = released()
    nb.cells[2].source = code
    return nb


def solution(source, extra=()):
    nb = released()
    nb.cells[2].source = source
    nb.cells += [new_code_cell(c) for c in extra]
    return nb


WRONG = "def double(x):\n    return x"
# Forks until the worker's sandbox user has no process left; the children sleep.
FORK_STORM = ("import os, time\nfor _ in range(1000):\n    try:\n        pid = os.fork()\n    except OSError:\n"
              "        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n")
# True from the third call on: the notebook's own tests call `double` twice, the judge's later.
LATER = "import time\ncalls = []\n\ndef later():\n    calls.append(1)\n    return len(calls) > 2\n\n"
RIGHT = "def double(x):\n    return 2 * x"


def hostile_class(base, listener_port):
    solutions = base / "repo" / "solutions" / "toy" / "toy.ipynb"
    subs, out = base / "subs", base / "out"
    edited, deleted, repointed = solution(WRONG), solution(RIGHT), solution(RIGHT)
    edited.cells[3].source = "assert True"
    del deleted.cells[3]
    repointed.cells[3].metadata.nbgrader["points"] = 100
    notebooks = {
        "read_solutions": attack(f"open({str(solutions)!r}).read()"),
        "read_out": attack(f"import os\nos.listdir({str(out)!r})"),
        "read_other": attack(f"open({str(subs / 'read_solutions' / 'toy.ipynb')!r}).read()"),
        "socket": attack(f"import socket\nsocket.create_connection(('127.0.0.1', {listener_port}), timeout=2)"),
        "write_outside": attack(f"open({str(base / 'escaped.txt')!r}, 'w').write('x')"),
        "write_system": attack("open('/usr/escaped.txt', 'w').write('x')"),
        "threads": attack("import threading, time\nstarted = []\ntry:\n    for _ in range(1000):\n"
                          "        started.append(threading.Thread(target=time.sleep, args=(1,)))\n"
                          "        started[-1].start()\nfinally:\n    for t in started[:-1]:\n        t.join()"),
        "leftover": solution(RIGHT + "\nimport subprocess\nsubprocess.Popen(['sleep', '4242'])"),
        "loop": solution("def double(x):\n    while True:\n        pass\ndouble(1)"),
        "stubborn": solution("import time\nwhile True:\n    try:\n        time.sleep(100)\n"
                             "    except KeyboardInterrupt:\n        pass"),
        "hog": solution(RIGHT + "\nhog = bytearray(8 * 2**30)"),
        "exits": solution(RIGHT + "\nimport os\nos._exit(3)"),
        "segfault": solution(RIGHT + "\nimport ctypes\nctypes.string_at(0)"),
        "flood": solution(RIGHT + "\nfor _ in range(3000):\n    print('x' * 1000)"),
        "edited": edited,
        "deleted": deleted,
        "repointed": repointed,
        "allclose": solution(WRONG, ["import torch\ntorch.allclose = lambda *a, **k: True"]),
        "hidden_traceback": solution(WRONG.replace("def", "get_ipython().showtraceback = lambda *a, **k: None\ndef")),
        "fork_storm": solution(FORK_STORM + RIGHT),
        "agent_slow": solution(LATER + "def double(x):\n    if later():\n        time.sleep(1000)\n    return 2 * x"),
        "agent_deaf": solution(LATER + "import signal\n\ndef double(x):\n    if later():\n"
                               "        signal.signal(signal.SIGINT, signal.SIG_IGN)\n        while True:\n"
                               "            pass\n    return 2 * x"),
        "agent_garbage": solution(RIGHT + "\nimport socket\nsend = socket.socket.sendall\n"
                                  "socket.socket.sendall = lambda self, data: send(self, b'garbage' + data[::-1])"),
        "no_agent": solution(RIGHT + "\nimport socket\nsocket.socket.bind = None"),
    }
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / "toy.ipynb")
    (subs / "empty").mkdir()
    (subs / "empty" / "toy.ipynb").write_text("")
    (subs / "truncated").mkdir()
    (subs / "truncated" / "toy.ipynb").write_text(nbformat.writes(toy_notebook())[:100])
    return subs, out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    write_assignment(base / "repo", "toy", toy_notebook())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        subs, out = hostile_class(base, listener.getsockname()[1])
        grade(subs, Options("toy", out, workers=2, timeout=60, cell_timeout=8, memory_gb=2, root=base / "repo"))
    with open(out / "grades.csv", encoding="utf-8") as f:
        return base, {r["student"]: r for r in csv.DictReader(f)}


@pytest.mark.parametrize("student", ["read_solutions", "read_out", "read_other", "socket", "write_outside",
                                     "write_system", "threads", "leftover"])
def test_attack_is_stopped(graded, student):
    row = graded[1][student]
    assert (row["status"], row["score"]) == ("graded", "2"), row["message"]


def test_nothing_escaped(graded):
    assert not (graded[0] / "escaped.txt").exists() and not os.path.exists("/usr/escaped.txt")
    leftovers = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p) == "sleep\x004242\x00"]
    assert leftovers == [], "a process started by a submission outlived its sandbox"


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def test_a_fork_storm_is_graded_and_starves_no_one(graded):
    """Every other student of the batch is graded too (tests above); the storm itself keeps its points."""
    assert (graded[1]["fork_storm"]["status"], graded[1]["fork_storm"]["score"]) == ("graded", "2")


@pytest.mark.parametrize("student", ["agent_slow", "agent_deaf", "agent_garbage", "no_agent"])
def test_a_kernel_that_does_not_answer_the_judge_scores_nothing(graded, student):
    """Its tests passed in its own kernel; the judge got no answer (or garbage), so they fail, with a message."""
    row = graded[1][student]
    assert (row["status"], row["score"]) == ("graded", "0"), row["message"]
    assert "did not answer the grader" in row["message"] and row["message"].endswith(".")
    assert "verdict-mismatch" in row["flags"]


@pytest.mark.parametrize("student, status, flags", [
    ("loop", "timeout", ""), ("stubborn", "timeout", ""), ("hog", "memory-limit", ""),
    ("exits", "kernel-died", "os-exit"), ("segfault", "kernel-died", ""),
    ("empty", "invalid-notebook", ""), ("truncated", "invalid-notebook", "")])
def test_broken_submission_gets_its_status(graded, student, status, flags):
    row = graded[1][student]
    assert (row["status"], row["flags"]) == (status, flags), row["message"]
    assert row["message"].endswith(".") and len(row["message"]) < 300


def test_hog_and_loop_keep_the_points_of_cells_that_ran(graded):
    assert graded[1]["hog"]["score"] == "2" and graded[1]["loop"]["score"] == "0"


@pytest.mark.parametrize("student, score, flags", [
    ("flood", "2", "output-truncated"), ("edited", "0", "tests-edited"), ("deleted", "2", "cells-deleted"),
    ("repointed", "2", "points-edited"), ("allclose", "0", "monkeypatch"),
    ("hidden_traceback", "0", "ipython-hooks monkeypatch")])
def test_cheating_is_flagged_and_scored(graded, student, score, flags):
    row = graded[1][student]
    assert (row["status"], row["score"], row["max_score"], row["flags"]) == ("graded", score, "2", flags)


def test_failure_is_read_from_the_kernel_reply(graded):
    assert graded[1]["hidden_traceback"]["test_double"] == "0"  # nbgrader's auto score, before the flag policy


def test_flooded_notebook_stays_small(graded):
    page = graded[0] / "out" / "feedback" / "flood" / "toy.html"
    assert page.stat().st_size < 2_000_000


# Files the next student's kernel would find, or run at start-up (IPython's startup folder, a module that
# shadows the helper package, a sitecustomize), if they survived.
PLANTED = ["/tmp/left-behind", "/dev/shm/left-behind", "/submission/left-behind", "/submission/tfs.py",
           "/submission/sitecustomize.py", "/tmp/.ipython/profile_default/startup/00-planted.py"]

LEAVE_TRACES = f"""import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"], start_new_session=True)
for path in {PLANTED!r}:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").write("raise SystemExit('planted')")
    except OSError:
        pass

def double(x):
    return 2 * x"""

FIND_TRACES = f"""import os

def double(x):
    mine = {{1, os.getpid(), os.getppid()}}
    strangers = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine]
    traces = [path for path in {PLANTED!r} if os.path.exists(path)]
    return None if strangers or traces else 2 * x"""


def test_next_student_in_a_worker_finds_no_trace(tmp_path):
    """One worker grades both: whatever the first leaves behind (processes, files) is gone for the second."""
    write_assignment(tmp_path / "repo", "toy", toy_notebook())
    for student, source in (("a_leaves", LEAVE_TRACES), ("b_looks", FIND_TRACES)):
        path = tmp_path / "subs" / student / "toy.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(solution(source), path)
    grade(tmp_path / "subs", Options("toy", tmp_path / "out", workers=1, root=tmp_path / "repo"))
    with open(tmp_path / "out" / "grades.csv", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["a_leaves"]["score"] == "2", rows["a_leaves"]["message"]
    assert rows["b_looks"]["score"] == "2", "the second student saw what the first left behind"
