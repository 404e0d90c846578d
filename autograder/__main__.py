"""Command line: `python -m autograder release [IDS...] [--check] [--export DIR]`."""

import argparse
import sys
from pathlib import Path

from autograder.course import ROOT
from autograder.release import ReleaseError, release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="regenerate notebooks/ from solutions/ through nbgrader")
    rel.add_argument("ids", nargs="*", help="assignment ids (default: every folder in solutions/)")
    rel.add_argument("--check", action="store_true", help="change nothing; fail when notebooks/ is stale")
    rel.add_argument("--export", type=Path, metavar="DIR", help="then write the student-facing copy to DIR")
    rel.add_argument("--root", type=Path, default=ROOT, help="the course repository (default: this checkout)")
    args = parser.parse_args(argv)

    try:
        problems = release(args.ids, check=args.check, export_to=args.export, root=args.root.resolve())
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


if __name__ == "__main__":
    sys.exit(main())
