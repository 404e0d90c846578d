"""Release: regenerate `notebooks/` from `solutions/` through nbgrader, byte-for-byte reproducibly.

Every solution notebook is checked first (markers, grade ids); nbgrader then generates the student
versions in a scratch course, and only when every assignment succeeded is `notebooks/` replaced.
"""

import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.course import ROOT, NbgraderError, ScratchCourse

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# What learners get: the book, the released notebooks, the helper package and how to install it.
EXPORTED = ["README.md", "Makefile", "requirements.txt", "pyproject.toml", "package.json", "package-lock.json",
            "_config.yml", "_toc.yml", ".gitignore", ".github", "book", "notebooks", "tfs"]


class ReleaseError(Exception):
    """A solution notebook cannot be released; the message names the notebook and the cell."""


def assignment_ids(root: Path = ROOT) -> list[str]:
    """Every `solutions/<id>/` that holds `<id>.ipynb`."""
    return sorted(p.parent.name for p in (root / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def lint(path: Path, root: Path = ROOT) -> list[str]:
    """Problems nbgrader would fail on, or silently get wrong, each naming the notebook and the cell."""
    name = path.relative_to(root)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 (any unreadable file is reported the same way)
        return [f"{name}: not a readable notebook ({error})"]
    problems, seen = [], {}
    for number, cell in enumerate(nb.cells, start=1):
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        where = f"{name}, cell {number}" + (f" (grade_id '{grade_id}')" if grade_id else "")
        lines = [line.strip() for line in cell.source.splitlines()]
        for begin, end in (SOLUTION, HIDDEN):
            problems += [f"{where}: {issue}" for issue in _unbalanced(lines, begin, end)]
        if SOLUTION[0] in lines and not meta.get("solution"):
            problems.append(f"{where}: '{SOLUTION[0]}' in a cell that is not a solution cell")
        if HIDDEN[0] in lines and not (meta.get("grade") and not meta.get("solution")):
            problems.append(f"{where}: hidden tests outside a test cell (a locked cell with grade: true)")
        if meta.get("grade") and cell.cell_type == "code" and not meta.get("points"):
            problems.append(f"{where}: a test cell without points")
        if grade_id:
            if grade_id in seen:
                problems.append(f"{where}: grade_id '{grade_id}' is already used by cell {seen[grade_id]}")
            seen.setdefault(grade_id, number)
        elif meta.get("solution") or meta.get("grade") or meta.get("locked"):
            problems.append(f"{where}: an nbgrader cell without a grade_id")
    return problems


def _unbalanced(lines: list[str], begin: str, end: str) -> list[str]:
    depth = 0
    for line in lines:
        if line == begin:
            if depth:
                return [f"'{begin}' again before '{end}'"]
            depth = 1
        elif line == end:
            if not depth:
                return [f"'{end}' without '{begin}'"]
            depth = 0
    return [f"'{begin}' has no matching '{end}'"] if depth else []


def generate(ids: list[str], root: Path = ROOT) -> dict[str, dict[str, bytes]]:
    """Student versions of the given assignments: {id: {path inside the folder: bytes}}."""
    problems = [p for i in ids for p in lint(root / "solutions" / i / f"{i}.ipynb", root)]
    if problems:
        raise ReleaseError("cannot release:\n  " + "\n  ".join(problems))
    released = {}
    with ScratchCourse([root / "solutions" / i for i in ids]) as course:
        for i in ids:
            try:
                folder = course.generate(i)
            except NbgraderError as error:
                raise ReleaseError(f"nbgrader could not release solutions/{i}/{i}.ipynb:\n{error}") from None
            released[i] = {p.relative_to(folder).as_posix(): _normalised(p)
                           for p in sorted(folder.rglob("*")) if p.is_file()}
    return released


def _normalised(path: Path) -> bytes:
    """Notebooks re-serialised by nbformat (sorted keys, fixed indent); other files as they are."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    text = nbformat.writes(nbformat.read(path, as_version=4))
    return (text if text.endswith("\n") else text + "\n").encode()


def stale(released: dict[str, dict[str, bytes]], root: Path = ROOT) -> list[str]:
    """Files under `notebooks/` that differ from a fresh release, are missing, or have no source."""
    problems = []
    for i, files in released.items():
        folder = root / "notebooks" / i
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and ".ipynb_checkpoints" not in p.parts} if folder.is_dir() else set()
        for rel, data in files.items():
            target = folder / rel
            if not target.is_file():
                problems.append(f"notebooks/{i}/{rel} is missing")
            elif target.read_bytes() != data:
                problems.append(f"notebooks/{i}/{rel} is stale")
        problems += [f"notebooks/{i}/{rel} has no source in solutions/{i}/" for rel in sorted(on_disk - set(files))]
    orphans = {p.name for p in (root / "notebooks").iterdir() if p.is_dir()} - set(assignment_ids(root)) \
        if (root / "notebooks").is_dir() else set()
    problems += [f"notebooks/{i}/ has no source in solutions/" for i in sorted(orphans)]
    return problems


def write(released: dict[str, dict[str, bytes]], root: Path = ROOT) -> None:
    """Replace each `notebooks/<id>/` with its fresh release (staged first, so a failure changes nothing)."""
    notebooks = root / "notebooks"
    notebooks.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=notebooks, prefix=".staging-") as staging:
        for i, files in released.items():
            for rel, data in files.items():
                target = Path(staging) / i / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        for i in released:
            shutil.rmtree(notebooks / i, ignore_errors=True)
            (Path(staging) / i).rename(notebooks / i)


def export(destination: Path, root: Path = ROOT) -> None:
    """Copy the student-facing part of the repository: no solutions, hidden tests or mutants."""
    if destination.exists() and any(destination.iterdir()):
        raise ReleaseError(f"{destination} exists and is not empty")
    destination.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", ".staging-*")
    for name in EXPORTED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, destination / name)


def release(ids: list[str] | None = None, check: bool = False, export_to: Path | None = None,
            root: Path = ROOT) -> list[str]:
    """Regenerate (or with `check`, compare) the student notebooks; return the problems found."""
    released = generate(ids or assignment_ids(root), root)
    if check:
        return stale(released, root)
    write(released, root)
    if export_to is not None:
        export(export_to, root)
    return []
