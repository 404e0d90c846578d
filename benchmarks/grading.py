"""Stock `nbgrader autograde` against `python -m autograder grade`, on N identical solved submissions.

    python benchmarks/grading.py [--n 16] [--assignment ch01_tokens] [--workers N]

Stock nbgrader runs serially in a throw-away course folder (one `nbgrader autograde` for the class);
`grade` runs in parallel, sandboxed, with the judge deciding every test cell, and also writes the
feedback. Prints both times, the ratio, whether every score agrees, the judge's share of the time, and
the per-notebook overhead: the time per notebook to grade the untouched
notebook, whose cells stop at once (kernel start, imports, nbgrader's own steps).
"""

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.course import ROOT, ScratchCourse  # noqa: E402
from autograder.examples import solved  # noqa: E402
from autograder.grade import Options, grade  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

STOCK_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "benchmark"
c.Execute.timeout = 300
"""


def write_class(folder: Path, notebook: nbformat.NotebookNode, n: int, assignment: str) -> None:
    """n students in nbgrader's layout, every one with the same notebook."""
    for i in range(n):
        path = folder / f"student{i:02d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)


def stock(notebook: nbformat.NotebookNode, n: int, assignment: str, base: Path) -> tuple[float, dict]:
    """Seconds taken by stock `nbgrader autograde`, and its scores."""
    course = base / "stock"
    (course / "source").mkdir(parents=True)
    (course / "source" / assignment).symlink_to(ROOT / "solutions" / assignment)
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=course, check=True,
                   capture_output=True)
    write_class(course / "submitted", notebook, n, assignment)
    start = time.perf_counter()
    subprocess.run([*nbgrader, "autograde", assignment], cwd=course, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions(assignment)}
    return seconds, scores


def ours(notebook: nbformat.NotebookNode, n: int, assignment: str, base: Path, workers: int) -> tuple[float, dict, float]:
    """Seconds taken by `grade`, its scores, and the judge's mean seconds a notebook."""
    write_class(base / "submissions", notebook, n, assignment)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        results = grade(base / "submissions", Options(assignment, base / "out", workers=workers))
    judge = sum(r.judge_seconds for r in results) / len(results)
    return time.perf_counter() - start, {r.student: r.score for r in results}, judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=16, help="submissions (default 16)")
    parser.add_argument("--overhead-n", type=int, default=4, help="untouched notebooks for the overhead (default 4)")
    parser.add_argument("--assignment", default="ch01_tokens")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()

    source = nbformat.read(ROOT / "solutions" / args.assignment / f"{args.assignment}.ipynb", as_version=4)
    with ScratchCourse([ROOT / "solutions" / args.assignment]) as course:
        released = nbformat.read(course.generate(args.assignment) / f"{args.assignment}.ipynb", as_version=4)
    good = solved(released, source)
    times = {}
    for name, notebook, n in (("solved", good, args.n), ("untouched", released, args.overhead_n)):
        with tempfile.TemporaryDirectory() as base:
            stock_s, stock_scores = stock(notebook, n, args.assignment, Path(base))
            ours_s, our_scores, judge_s = ours(notebook, n, args.assignment, Path(base), args.workers)
        times[name] = (stock_s, ours_s, stock_scores == our_scores, n, judge_s)
    stock_s, ours_s, agree, n, judge_s = times["solved"]
    print(f"{n} solved submissions of {args.assignment}, {os.cpu_count()} cores, {args.workers} workers")
    print(f"  stock nbgrader autograde (serial): {stock_s:7.1f} s  ({stock_s / n:.2f} s a notebook)")
    print(f"  python -m autograder grade:        {ours_s:7.1f} s  ({ours_s / n:.2f} s a notebook)")
    print(f"  ratio: {stock_s / ours_s:.2f}x; every score agrees: {'yes' if agree else 'NO'}")
    per_notebook = ours_s * args.workers / n
    print(f"  the judge's share: {judge_s:.2f} s of about {per_notebook:.2f} s of worker time a notebook "
          f"({100 * judge_s / per_notebook:.0f}%: agent, judge and every test cell run again there)")
    stock_o, ours_o, agree_o, n_o, _ = times["untouched"]
    print(f"  overhead a notebook (untouched notebook, n={n_o}): stock {stock_o / n_o:.2f} s, grade {ours_o / n_o:.2f} s"
          f" (wall clock over {args.workers} workers); scores agree: {'yes' if agree_o else 'NO'}")


if __name__ == "__main__":
    main()
