"""A scratch nbgrader course folder, so that release and test grading never touch the repository's."""

import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbgrader.api
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
# nbgrader runs the `alembic` executable when it opens a gradebook: make this Python's bin/ findable.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
# ... and asks it for the schema version of every new gradebook, 3 s a time: ask once per process.
nbgrader.api.get_alembic_version = functools.cache(nbgrader.api.get_alembic_version)


class NbgraderError(RuntimeError):
    """nbgrader refused an assignment or a submission; the message holds its log."""


def course_config(root: Path) -> Config:
    """The repository's `nbgrader_config.py` settings, pointed at the course folder `root`."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "source"
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    # Kernels talk over Unix sockets in the course folder: a random free TCP port can be taken by
    # another process before the kernel binds it, which happens when many notebooks run at once.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(root / "kernel")
    return config


class ScratchCourse:
    """An nbgrader course in a temporary folder holding copies of the given assignment folders."""

    def __init__(self, assignment_dirs: list[Path]):
        self._tmp = tempfile.TemporaryDirectory(prefix="tfs-course-")
        self.root = Path(self._tmp.name)
        for folder in assignment_dirs:
            shutil.copytree(folder, self.root / "source" / folder.name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        coursedir = CourseDirectory(config=course_config(self.root))
        self.api = NbGraderAPI(coursedir=coursedir, config=coursedir.config)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._tmp.cleanup()

    def generate(self, assignment_id: str) -> Path:
        """Run nbgrader's generate_assignment; return the released assignment folder."""
        _check(self.api.generate_assignment(assignment_id, force=True, create=True))
        return self.root / "release" / assignment_id

    def autograde(self, assignment_id: str, student_id: str, notebook: Path) -> dict[str, tuple[float, float]]:
        """Autograde one submitted notebook; return {grade_id: (score, max_score)} from the gradebook."""
        submitted = self.root / "submitted" / student_id / assignment_id
        submitted.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, submitted / notebook.name)
        _check(self.api.autograde(assignment_id, student_id, force=True, create=True))
        with Gradebook(self.api.coursedir.db_url) as gradebook:
            submission = gradebook.find_submission(assignment_id, student_id)
            return {grade.name: (grade.score, grade.max_score)
                    for nb in submission.notebooks for grade in nb.grades}


def _check(result: dict) -> None:
    if not result["success"]:
        raise NbgraderError(f"{result.get('error', '')}\n{result.get('log', '')}".strip())
