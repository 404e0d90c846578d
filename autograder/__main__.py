"""Command line of the course's grading pipeline.

    python -m autograder release [IDS...] [--check] [--export DIR [--through chNN]]
    python -m autograder grade SUBMISSIONS --assignment ID --out OUT [--workers N] [--timeout S]
                               [--cell-timeout S] [--memory GB] [--db URL] [--force]
    python -m autograder examples DIR [--assignment ID]
"""

import argparse
import sys
from pathlib import Path

from autograder.course import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    rel = commands.add_parser("release", help="regenerate notebooks/ from solutions/ through nbgrader")
    rel.add_argument("ids", nargs="*", help="assignment ids (default: every folder in solutions/)")
    rel.add_argument("--check", action="store_true", help="change nothing; fail when notebooks/ is stale")
    rel.add_argument("--export", type=Path, metavar="DIR", help="then write the learner's repository to DIR")
    rel.add_argument("--through", metavar="chNN", help="with --export: only the chapters up to chNN")
    rel.set_defaults(run=_release)

    from autograder.grade import Options

    defaults = Options(assignment="", out=Path())
    grd = commands.add_parser("grade", help="autograde a class's submissions, each in a sandbox")
    grd.add_argument("submissions", type=Path, help="a folder or a .zip of submissions (any common layout)")
    grd.add_argument("--assignment", required=True, help="assignment id, e.g. ch01_tokens")
    grd.add_argument("--out", type=Path, required=True, help="folder for grades.csv, feedback/, summary.html")
    grd.add_argument("--workers", type=int, default=defaults.workers, help="parallel workers (default: all cores)")
    grd.add_argument("--timeout", type=float, default=defaults.timeout, help="seconds per notebook (default 600)")
    grd.add_argument("--cell-timeout", type=int, default=defaults.cell_timeout, help="seconds per cell (default 120)")
    grd.add_argument("--memory", type=float, default=defaults.memory_gb, help="GiB per notebook (default 4)")
    grd.add_argument("--db", default="", help="SQLAlchemy URL of the gradebook (default: sqlite in OUT)")
    grd.add_argument("--force", action="store_true", help="regrade submissions that have not changed")
    grd.set_defaults(run=_grade)

    ex = commands.add_parser("examples", help="write example submissions (solved, empty, broken, hostile)")
    ex.add_argument("folder", type=Path, help="where to write them")
    ex.add_argument("--assignment", default="ch01_tokens", help="assignment id (default ch01_tokens)")
    ex.set_defaults(run=_examples)

    for command in (rel, grd, ex):
        command.add_argument("--root", type=Path, default=ROOT, help="the course repository (default: this checkout)")
    args = parser.parse_args(argv)
    return args.run(args)


def _release(args) -> int:
    from autograder.release import ReleaseError, release

    try:
        problems = release(args.ids, check=args.check, export_to=args.export, root=args.root.resolve(),
                           through=args.through)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("notebooks/ is out of date: run `python -m autograder release`", file=sys.stderr)
        return 1
    print("notebooks/ is up to date" if args.check else "released to notebooks/"
          + (f"; exported to {args.export}" if args.export else ""))
    return 0


def _grade(args) -> int:
    from autograder.grade import Options, grade

    options = Options(args.assignment, args.out, args.workers, args.timeout, args.cell_timeout, args.memory,
                      args.db, args.force, args.root.resolve())
    try:
        grade(args.submissions, options)
    except (FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _examples(args) -> int:
    from autograder.examples import write_examples

    for path in write_examples(args.folder, args.assignment, args.root.resolve()):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
