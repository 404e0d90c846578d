"""Find each student's notebook in a folder or a zip, whatever layout the instructor collected.

Layouts (mixed freely): `<student>/<assignment>/<file>.ipynb` (nbgrader's), `<student>/<file>.ipynb`,
and LMS downloads `<student>_<anything>.ipynb`. A zip holding any of these is unpacked first, refusing
entries that would land outside the folder it is unpacked into.
"""

import hashlib
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


class SubmissionsError(Exception):
    """The submissions cannot be read at all (the path is missing or not a folder or zip)."""


@dataclass
class Submission:
    """One student's submission: the notebook chosen for grading (None when there is none)."""

    student: str
    notebook: Path | None
    note: str = ""  # how the notebook was chosen, when that needs saying
    candidates: list[Path] = field(default_factory=list)

    def digest(self) -> str:
        """Content hash of the graded notebook ('' when there is none)."""
        return hashlib.sha256(self.notebook.read_bytes()).hexdigest() if self.notebook else ""


MAX_UNPACKED = 4 * 2**30   # bytes a class archive may expand to
MAX_ENTRY = 256 * 2**20    # bytes one entry may expand to (a notebook is far smaller)


def unpack(archive: Path, destination: Path) -> list[str]:
    """Extract a zip into `destination`; return one message per refused entry: a path outside the folder, or
    an entry that expands past MAX_ENTRY or past what is left of MAX_UNPACKED (counted as it is read, not
    taken from the sizes the archive claims)."""
    refused, left = [], MAX_UNPACKED
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            parts = Path(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                refused.append(f"refused zip entry '{info.filename}': it points outside the archive")
                continue
            if info.is_dir():
                continue
            target = destination.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            limit = min(MAX_ENTRY, left)
            with zf.open(info) as source:
                data = source.read(limit + 1)
            if len(data) > limit:
                refused.append(f"refused zip entry '{info.filename}': it expands to more than {limit // 2**20} MiB")
                continue
            left -= len(data)
            target.write_bytes(data)
            stamp = time.mktime(info.date_time + (0, 0, -1))
            os.utime(target, (stamp, stamp))
    return refused


def discover(root: Path, assignment: str) -> list[Submission]:
    """Every student found under the folder `root`, sorted by student id."""
    root = _skip_wrappers(root, assignment)
    found: dict[str, list[Path]] = {}
    for entry in _entries(root):
        if entry.is_dir():
            found.setdefault(entry.name, []).extend(_notebooks_in(entry, assignment))
        elif entry.suffix == ".ipynb":
            found.setdefault(entry.stem.split("_", 1)[0].strip(), []).append(entry)
    return [_choose(student, paths, assignment) for student, paths in sorted(found.items())]


def _skip_wrappers(root: Path, assignment: str) -> Path:
    """A zip often wraps the class in one folder (`submissions/`): look inside it.

    A single folder is a wrapper, not a student, when it holds no `<assignment>/` folder and either
    student folders with notebooks, or LMS downloads of two or more students.
    """
    while True:
        entries = _entries(root)
        if len(entries) != 1 or not entries[0].is_dir():
            return root
        inner = entries[0]
        direct = [p for p in _entries(inner) if p.suffix == ".ipynb"]
        folders = [p for p in _entries(inner) if p.is_dir()]
        lms_students = {p.stem.split("_", 1)[0] for p in direct if "_" in p.stem}
        class_of_folders = not direct and any(_notebooks_in(f, "") for f in folders)
        if (inner / assignment).exists() or not (class_of_folders or len(lms_students) > 1):
            return root
        root = inner


def _entries(folder: Path) -> list[Path]:
    return [e for e in sorted(folder.iterdir()) if not e.name.startswith(".") and e.name != "__MACOSX"]


def _notebooks_in(folder: Path, assignment: str) -> list[Path]:
    """The notebooks in a student's folder (in its `<assignment>/` folder when it has one)."""
    if assignment and (folder / assignment).is_dir():
        folder = folder / assignment
    return [p for p in folder.glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()]


def _choose(student: str, paths: list[Path], assignment: str) -> Submission:
    """The newest notebook, among those whose name mentions the assignment when any does."""
    if not paths:
        return Submission(student, None)
    named = [p for p in paths if assignment in p.name] or paths
    newest = max(named, key=lambda p: (p.stat().st_mtime, p.name))
    note = ""
    if len(named) > 1:
        others = ", ".join(sorted(p.name for p in named if p != newest))
        note = f"{len(named)} notebooks found; graded the newest, '{newest.name}' (also found: {others})"
    return Submission(student, newest, note, sorted(paths))
