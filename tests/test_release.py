"""`python -m autograder release`: deterministic, checked, atomic, and it never leaks solutions."""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.course import ROOT
from autograder.release import (BOOTSTRAP_TAG, HIDDEN, SOLUTION, SOURCE_SITE, ReleaseError, assignment_ids,
                                bootstrap_source, export, generate, launch_links, release, site)
from tests.notebook_factory import nbgrader_cell, toy_notebook, write_assignment

CHAPTERS = assignment_ids()
MARKERS = [*SOLUTION, *HIDDEN, "BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture
def toy_repo(tmp_path):
    """A course repository with one released toy assignment."""
    write_assignment(tmp_path, "toy", toy_notebook())
    assert release(root=tmp_path) == []
    return tmp_path


def test_every_chapter_is_released_and_in_sync():
    assert CHAPTERS, "no chapter found in solutions/"
    result = run_cli("release", "--check")
    assert result.returncode == 0, result.stderr


def test_release_is_byte_for_byte_deterministic(toy_repo):
    first = (toy_repo / "notebooks/toy/toy.ipynb").read_bytes()
    assert generate(["toy"], toy_repo)["toy"]["toy.ipynb"] == first
    assert release(root=toy_repo, check=True) == []
    assert b"raise NotImplementedError()" in first and b"return 2 * x" not in first


def test_check_names_the_stale_notebook(toy_repo):
    solution = toy_repo / "solutions/toy/toy.ipynb"
    nb = nbformat.read(solution, as_version=4)
    nb.cells[0].source = "# Toy assignment, edited"
    nbformat.write(nb, solution)
    result = run_cli("release", "--check", "--root", str(toy_repo))
    assert result.returncode != 0
    assert "notebooks/toy/toy.ipynb is stale" in result.stderr


MALFORMED = {
    "missing END SOLUTION": (nbgrader_cell("def f():\n    ### BEGIN SOLUTION\n    return 1", "f", solution=True),
                             "cell 5 (grade_id 'f'): '### BEGIN SOLUTION' has no matching '### END SOLUTION'"),
    "duplicate grade_id": (nbgrader_cell("def double(y):\n    ### BEGIN SOLUTION\n    return y\n    ### END SOLUTION",
                                         "double", solution=True),
                           "cell 5 (grade_id 'double'): grade_id 'double' is already used by cell 3"),
    "hidden tests outside a test cell": (nbgrader_cell("x = 1\n### BEGIN HIDDEN TESTS\nx = 2\n### END HIDDEN TESTS",
                                                       "helper", locked=True),
                                         "cell 5 (grade_id 'helper'): hidden tests outside a test cell"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_solution_stops_release_and_changes_nothing(toy_repo, case):
    cell, message = MALFORMED[case]
    before = (toy_repo / "notebooks/toy/toy.ipynb").read_bytes()
    write_assignment(toy_repo, "toy", toy_notebook([cell]))
    with pytest.raises(ReleaseError) as error:
        release(root=toy_repo)
    assert f"solutions/toy/toy.ipynb, {message}" in str(error.value)
    assert (toy_repo / "notebooks/toy/toy.ipynb").read_bytes() == before
    result = run_cli("release", "--root", str(toy_repo))
    assert result.returncode != 0 and message in result.stderr


def _regions(chapter):
    """(secret, public): the stripped lines inside a chapter's solution and hidden-test regions, and the rest."""
    source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    secret, public = set(), set()
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in (*SOLUTION, *HIDDEN):
                inside = stripped in (SOLUTION[0], HIDDEN[0])
            else:
                (secret if inside else public).add(stripped)
    return secret, public


def solution_lines(chapter):
    """Lines of a chapter's solution regions and hidden tests that no released part of any chapter shows.

    A line such as `optimizer.zero_grad()` that a given cell or a visible test shows anywhere is public.
    """
    public = set().union(*(_regions(c)[1] for c in CHAPTERS))
    return {line for line in _regions(chapter)[0] - public if len(line) >= 20}


def assert_no_leak(folder):
    """No code file holds a solution or hidden-test marker; no file holds a line of a solution.

    Markdown may name the markers: the instructors' authoring guide explains how to write them.
    A chapter's notebook is checked against its own solutions only: later chapters give earlier
    chapters' solutions as ready code, by design.
    """
    secrets = {chapter: solution_lines(chapter) for chapter in CHAPTERS}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".ipynb", ".md", ".py", ".txt", ".yml", ".toml", ".json"}:
            text = path.read_text(errors="replace")
            if path.suffix != ".md":
                marker = next((m for m in MARKERS if m in text), None)
                assert marker is None, f"{path} holds {marker!r}"
            own = path.parent.name if path.suffix == ".ipynb" and path.parent.name in secrets else None
            for chapter, lines in secrets.items():
                if own and chapter != own:
                    continue
                leaked = [line for line in lines if line in text]
                assert not leaked, f"{path} holds solution or hidden-test lines of {chapter}: {leaked[:3]}"


def test_notebooks_hold_no_solutions_or_hidden_tests():
    assert_no_leak(ROOT / "notebooks")


INSTRUCTOR_WORDS = ["make test", "make grade", "make release", "solutions/", "tests/", "benchmarks/", "autograder",
                    "nbgrader", "hidden tests are"]


def assert_learners_repository(export, chapters):
    """README, Makefile and requirements of a learner: nothing of the instructor's."""
    readme = (export / "README.md").read_text()
    for word in INSTRUCTOR_WORDS:
        assert word not in readme, f"the learner's README mentions {word!r}"
    for chapter in chapters:
        assert f"notebooks/{chapter}/{chapter}.ipynb" in readme, f"the README does not open {chapter}"
    makefile = (export / "Makefile").read_text()
    targets = {line.split(":")[0] for line in makefile.splitlines() if line and not line[0].isspace()
               and ":" in line and "=" not in line.split(":")[0]}
    assert {"lab", "book"} <= targets and not targets & {"test", "release", "grade", "examples"}, targets
    for requirements in ("requirements.txt", "binder/requirements.txt"):
        names = {line.split("==")[0] for line in (export / requirements).read_text().splitlines()
                 if "==" in line}
        assert {"torch", "gensim", "sacrebleu", "jupyterlab"} <= names, f"{requirements}: {names}"
        assert not names & {"nbgrader", "pytest", "playwright", "psycopg"}, f"{requirements} holds instructor tools"
    assert "torch==2.13.0+cpu" in (export / "binder/requirements.txt").read_text(), "Binder has no GPU: the CPU build"
    post_build = (export / "binder/postBuild").read_text()
    assert "pip install --no-deps ." in post_build and "labextension disable" in post_build
    assert (export / "binder/postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_export_is_student_facing(tmp_path):
    export = tmp_path / "export"
    result = run_cli("release", "--export", str(export))
    assert result.returncode == 0, result.stderr
    for needed in ["README.md", "Makefile", "requirements.txt", "pyproject.toml", "_config.yml", "_toc.yml", "book",
                   "tfs", "binder/requirements.txt", "binder/postBuild", *(f"notebooks/{c}/{c}.ipynb" for c in CHAPTERS)]:
        assert (export / needed).exists(), f"the export lacks {needed}"
    for private in ["solutions", "tests", "autograder", "benchmarks", "nbgrader_config.py"]:
        assert not (export / private).exists(), f"the export must not hold {private}"
    assert (export / "_toc.yml").read_text() == (ROOT / "_toc.yml").read_text()
    assert_learners_repository(export, CHAPTERS)
    assert_no_leak(export)


def test_export_through_a_chapter_holds_only_the_chapters_up_to_it(tmp_path):
    export = tmp_path / "export"
    result = subprocess.run([sys.executable, "-m", "autograder", "release", "--export", str(export), "--through", "ch03"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    kept = [c for c in CHAPTERS if c <= "ch03~"]
    assert kept == ["ch01_tokens", "ch02_word2vec", "ch03_attention"]
    assert sorted(p.name for p in (export / "notebooks").iterdir()) == kept
    assert sorted(p.stem for p in (export / "book").glob("ch*.md")) == kept
    toc = (export / "_toc.yml").read_text()
    assert all((c in toc) == (c in kept) for c in CHAPTERS), toc
    for page in (export / "book").rglob("*.md"):
        for target in re.findall(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`", page.read_text()):
            base = export if target.startswith("/") else page.parent
            found = [p for p in (base / target.lstrip("/")).parent.glob(Path(target).name + ".*")]
            assert found, f"{page.relative_to(export)} links to {target}, which the export lacks"
    assert_learners_repository(export, kept)
    assert_no_leak(export)


def test_export_through_an_unknown_chapter_fails(tmp_path):
    with pytest.raises(ReleaseError, match="ch99: no such chapter"):
        export(tmp_path / "export", ROOT, through="ch99")
    assert not (tmp_path / "export").exists() or not any((tmp_path / "export").iterdir())


def test_the_jupyterhub_link_exists_only_when_a_hub_is_configured():
    settings = site()
    assert settings.hub_url == "", "the course has no JupyterHub by default (`launch_buttons.jupyterhub_url`)"
    assert set(launch_links(settings, "notebooks/a/a.ipynb")) == {"Colab", "Binder"}
    hub = launch_links(dataclasses.replace(settings, hub_url="https://hub.example.edu"), "notebooks/a/a.ipynb")
    assert hub["JupyterHub"].startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=" + settings.repository)
    assert hub["JupyterHub"].endswith("/notebooks/a/a.ipynb")


FORK_CONFIG = """repository:
  url: https://github.com/a-teacher/tfs-fork
  branch: spring
course:
  helper_ref: week-3
html:
  baseurl: https://a-teacher.github.io/tfs-fork/
"""


def test_released_notebooks_install_the_helper_from_the_configured_repository(toy_repo):
    nb = nbformat.read(toy_repo / "notebooks/toy/toy.ipynb", as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert BOOTSTRAP_TAG in first_code.metadata.tags and "nbgrader" not in first_code.metadata
    assert first_code.source == bootstrap_source(ROOT)
    assert f"git+{site().repository}@{site().helper_ref}" in first_code.source
    for chapter in CHAPTERS:
        released = nbformat.read(ROOT / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
        code = [c for c in released.cells if c.cell_type == "code"]
        assert code[0].source == first_code.source and code[1].metadata.nbgrader["grade_id"] == "setup", chapter


def test_a_fork_gets_its_own_addresses(toy_repo):
    (toy_repo / "_config.yml").write_text(FORK_CONFIG)
    write_assignment(toy_repo, "toy", toy_notebook([nbformat.v4.new_markdown_cell(f"Read [it]({SOURCE_SITE}book/a.html)")]))
    assert release(root=toy_repo) == []
    text = (toy_repo / "notebooks/toy/toy.ipynb").read_text()
    assert "git+https://github.com/a-teacher/tfs-fork@week-3" in text
    assert "https://a-teacher.github.io/tfs-fork/book/a.html" in text and SOURCE_SITE not in text


def run_bootstrap(env):
    """The install cell's code where `import tfs` fails, in a fresh interpreter."""
    code = ("import importlib.util as u; real = u.find_spec\n"
            "u.find_spec = lambda name, *a: None if name == 'tfs' else real(name, *a)\n"
            f"exec({bootstrap_source(ROOT)!r})")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TFS_HELPER_SOURCE": "/nonexistent/helper", **env})


def test_the_install_cell_does_nothing_under_the_grader():
    done = run_bootstrap({"NBGRADER_EXECUTION": "autograde"})
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_install_cell_installs_from_tfs_helper_source_and_says_why_it_failed():
    done = run_bootstrap({})
    assert done.returncode != 0
    assert "Installing the helper package from /nonexistent/helper" in done.stdout
    assert "pip could not install the helper package" in done.stderr  # the traceback, not pip's own output
    assert "nonexistent" in done.stdout.split("...", 1)[1], "pip's reason is shown"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_nbgrader_validate_passes_on_the_solution(chapter):
    result = subprocess.run([shutil.which("nbgrader"), "validate", f"solutions/{chapter}/{chapter}.ipynb"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "Success! Your notebook passes all the tests." in result.stdout, \
        result.stdout + result.stderr


def test_plain_nbgrader_commands_work_from_the_repository_root(tmp_path):
    """`nbgrader generate_assignment` and `nbgrader autograde` with nothing but nbgrader_config.py."""
    chapter = CHAPTERS[0]
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / chapter, tmp_path / "solutions" / chapter)
    nbgrader = shutil.which("nbgrader")
    generated = subprocess.run([nbgrader, "generate_assignment", chapter], cwd=tmp_path, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "notebooks" / chapter / f"{chapter}.ipynb").is_file()
    submitted = tmp_path / "submitted" / "ada" / chapter
    shutil.copytree(tmp_path / "notebooks" / chapter, submitted)
    graded = subprocess.run([nbgrader, "autograde", chapter], cwd=tmp_path, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr
    assert (tmp_path / "autograded" / "ada" / chapter / f"{chapter}.ipynb").is_file()


def test_the_book_of_an_export_through_a_chapter_builds_with_no_warning(tmp_path):
    """The learner's repository cut at chapter 1 is a book of its own: `make book` there passes -W.

    Its instructor has set a JupyterHub in `_config.yml`: the notebook's page gets the nbgitpuller button.
    """
    from tests.test_book import build_log_problems, launch_button_problems

    if not (ROOT / "_vendor" / ".installed").is_file():
        pytest.skip("no _vendor/: `make vendor` copies MathJax and the widget manager from npm")
    learner = tmp_path / "learner"
    export(learner, ROOT, through="ch01")
    (learner / "_vendor").symlink_to(ROOT / "_vendor")  # what `make vendor` makes there from the same package-lock.json
    config_file = learner / "_config.yml"
    config_file.write_text(config_file.read_text().replace('jupyterhub_url: ""', 'jupyterhub_url: "https://hub.example.edu"'))
    config = yaml.safe_load(config_file.read_text())
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example.edu"
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "--builder", "html",
                           "-W", "-n", "--keep-going"], cwd=learner, capture_output=True, text=True, timeout=1200)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-5000:]
    assert build_log_problems(log) == [], build_log_problems(log)
    built = {p.relative_to(learner / "_build/html").as_posix() for p in (learner / "_build/html").rglob("*.html")}
    assert {"book/ch01_tokens.html", "notebooks/ch01_tokens/ch01_tokens.html"} <= built
    assert not any(page.startswith(("book/ch02", "notebooks/ch02")) for page in built)
    notebook_page = learner / "_build/html/notebooks/ch01_tokens/ch01_tokens.html"
    assert launch_button_problems(notebook_page, "notebooks/ch01_tokens/ch01_tokens", config) == []
    assert "hub.example.edu/hub/user-redirect/git-pull?repo=" in notebook_page.read_text()
