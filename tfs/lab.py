"""JupyterLab as a learner sees it: `python -m tfs.lab [JUPYTERLAB ARGS]` (`make lab` in the course).

It opens JupyterLab without the instructor tools that nbgrader adds (the *Create Assignment*
panel, the *Nbgrader* menu, the formgrader), even in a checkout where nbgrader is installed for
grading. Where nbgrader is not installed (Colab, Binder, a learner's `pip install`) it changes
nothing. Instructors who author assignments run plain `jupyter lab`.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

INSTRUCTOR_LAB_EXTENSIONS = ["@jupyter/nbgrader"]
INSTRUCTOR_SERVER_EXTENSIONS = [f"nbgrader.server_extensions.{name}"
                                for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")]


def config_dir(folder: Path | None = None) -> Path:
    """A Jupyter configuration folder that turns the instructor tools off; returns it.

    Put it first on `JUPYTER_CONFIG_PATH` (see `learner_env`): it then outranks the virtualenv's
    own configuration, which turns them on.
    """
    folder = Path(folder or Path(tempfile.gettempdir()) / f"tfs-learner-jupyter-{os.getuid()}")
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in INSTRUCTOR_LAB_EXTENSIONS}}, indent=1))
    (folder / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}},
                   indent=1))
    return folder


def learner_env(env: dict | None = None, folder: Path | None = None) -> dict:
    """A copy of `env` (default: this process's) whose Jupyter configuration hides the instructor tools."""
    env = dict(os.environ if env is None else env)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(config_dir(folder)), *filter(None, [env.get("JUPYTER_CONFIG_PATH")])])
    return env


def main(argv: list[str] | None = None) -> None:
    """Replace this process with `python -m jupyterlab ARGS` in the learner's configuration."""
    argv = sys.argv[1:] if argv is None else argv
    os.execve(sys.executable, [sys.executable, "-m", "jupyterlab", *argv], learner_env())


if __name__ == "__main__":
    main()
