"""Release: regenerate `notebooks/` from `solutions/` through nbgrader, byte-for-byte reproducibly.

Every solution notebook is checked first (markers, grade ids); nbgrader then generates the student
versions in a scratch course, and only when every assignment succeeded is `notebooks/` replaced.
Each released notebook gets an install cell before its setup cell (`bootstrap_source`), and its
links to the course site follow `_config.yml`: both come from the configuration, never from the
current commit, so that `release --check` is stable and an instructor's fork points at itself.
`export` writes the learner's repository: the book, the released notebooks, the helper package, a
learner's README and Makefile, and a Binder configuration; never solutions, tests or grading.
"""

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from autograder.course import ROOT, NbgraderError, ScratchCourse

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# The site address that the solution notebooks' links are written with; release puts the configured one.
SOURCE_SITE = "https://transformers-from-scratch.github.io/transformers-from-scratch/"
BOOTSTRAP_TAG = "install-tfs"


@dataclass(frozen=True)
class Site:
    """Where the course is published, from `_config.yml`."""
    repository: str    # repository.url: the learner's repository (the export), on GitHub or elsewhere
    branch: str        # repository.branch
    helper_ref: str    # course.helper_ref: the git ref that notebooks install the helper package from
    site_url: str      # html.baseurl: the published book, ending with "/"
    hub_url: str       # launch_buttons.jupyterhub_url: "" when there is no JupyterHub button

    @property
    def helper_source(self) -> str:
        return f"git+{self.repository}@{self.helper_ref}"


def site(root: Path = ROOT) -> Site:
    """The publishing settings of `root/_config.yml` (of this checkout when `root` has none)."""
    path = root / "_config.yml" if (root / "_config.yml").is_file() else ROOT / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    repository = config.get("repository", {})
    return Site(repository=repository.get("url", "").rstrip("/"), branch=repository.get("branch", "main"),
                helper_ref=str(config.get("course", {}).get("helper_ref") or repository.get("branch", "main")),
                site_url=config.get("html", {}).get("baseurl", SOURCE_SITE).rstrip("/") + "/",
                hub_url=(config.get("launch_buttons", {}).get("jupyterhub_url") or "").rstrip("/"))


BOOTSTRAP = """\
# Colab, Binder, a JupyterHub: install the course's helper package `tfs` where it is missing. The
# torch already installed stays; set TFS_HELPER_SOURCE to install from another path or URL.
# Nothing happens where tfs is installed (a local set-up) or under the grader.
import importlib.metadata, importlib.util, os, site, subprocess, sys

if importlib.util.find_spec("tfs") is None and "NBGRADER_EXECUTION" not in os.environ:
    source = os.environ.get("TFS_HELPER_SOURCE") or "{source}"
    keep_torch = [f"torch=={{importlib.metadata.version('torch')}}"] if importlib.util.find_spec("torch") else []
    print(f"Installing the helper package from {{source}} (a minute or two) ...")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source, *keep_torch],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if pip.returncode:
        print(pip.stdout[-3000:])
        raise RuntimeError("pip could not install the helper package (its output is above)")
    if os.path.isdir(site.getusersitepackages()) and site.getusersitepackages() not in sys.path:
        site.addsitedir(site.getusersitepackages())  # pip fell back to a user install
    importlib.invalidate_caches()
    print("Done: run the setup cell below.")"""


def bootstrap_source(root: Path = ROOT) -> str:
    """The install cell's code, with the configured repository and ref written in."""
    return BOOTSTRAP.format(source=site(root).helper_source)


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
            released[i] = {p.relative_to(folder).as_posix(): _normalised(p, root)
                           for p in sorted(folder.rglob("*")) if p.is_file()}
    return released


def _normalised(path: Path, root: Path) -> bytes:
    """Notebooks with the install cell and the configured links, re-serialised by nbformat (sorted
    keys, fixed indent); other files as they are."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    add_bootstrap(nb, bootstrap_source(root))
    address = site(root).site_url
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(SOURCE_SITE, address)
    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode()


def add_bootstrap(nb: nbformat.NotebookNode, source: str) -> None:
    """Insert the install cell (no nbgrader metadata: not graded, not locked) before the setup cell."""
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    setup = next((i for i in code if nb.cells[i].metadata.get("nbgrader", {}).get("grade_id") == "setup"),
                 code[0] if code else len(nb.cells))
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [BOOTSTRAP_TAG]})
    cell.id = BOOTSTRAP_TAG
    nb.cells.insert(setup, cell)


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


# ---------------------------------------------------------------------------------------------
# The learner's repository
# ---------------------------------------------------------------------------------------------

# Copied as they are: the helper package and what builds the book.
EXPORTED = ["pyproject.toml", "package.json", "package-lock.json", "_config.yml", ".gitignore", ".github", "tfs"]
# The learner's packages (the helper's imports, JupyterLab) and the book's builder, pinned as in
# requirements.txt: not the grader, the gradebook drivers or the test tools.
LEARNER_PACKAGES = ["torch", "numpy", "matplotlib", "ipywidgets", "tqdm", "gensim", "scipy", "sacrebleu",
                    "jupyterlab", "ipykernel"]
BOOK_PACKAGES = ["jupyter-book", "sphinx", "myst-nb", "sphinx-book-theme", "sphinxcontrib-bibtex"]
# A learner's JupyterLab shows no instructor tools, even where nbgrader happens to be installed.
INSTRUCTOR_LAB_EXTENSIONS = ["@jupyter/nbgrader"]
DOC_ROLE = re.compile(r"\{doc\}`(?:(?P<title>[^`<]*?)\s*<(?P<target>[^`>]+)>|(?P<plain>[^`<]+))`")


def chapters_through(through: str | None, root: Path = ROOT) -> list[str]:
    """The assignment ids up to and including `through` ("ch03" or "ch03_attention"); all without it."""
    ids = assignment_ids(root)
    if through is None:
        return ids
    last = [i for i in ids if i == through or i.split("_")[0] == through]
    if not last:
        raise ReleaseError(f"--through {through}: no such chapter (the chapters are {', '.join(ids)})")
    return ids[:ids.index(last[0]) + 1]


def export(destination: Path, root: Path = ROOT, through: str | None = None) -> list[str]:
    """Write the learner's repository to `destination`; return its files.

    The book's pages and notebooks of the chapters up to `through` (the table of contents cut to
    them, links to later pages turned into plain text), the helper package, a learner's README,
    Makefile and requirements, and a Binder configuration. No solutions, hidden tests or mutants.
    """
    if destination.exists() and any(destination.iterdir()):
        raise ReleaseError(f"{destination} exists and is not empty")
    chapters = chapters_through(through, root)
    later = set(assignment_ids(root)) - set(chapters)
    destination.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", ".staging-*")
    for name in EXPORTED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    shutil.copytree(root / "book", destination / "book", ignore=shutil.ignore_patterns(
        "__pycache__", ".ipynb_checkpoints", *(f"{i}.md" for i in later)))
    for i in chapters:
        shutil.copytree(root / "notebooks" / i, destination / "notebooks" / i, ignore=ignore)
    (destination / "_toc.yml").write_text(_toc_through(root, later), encoding="utf-8")
    for page in sorted((destination / "book").rglob("*.md")):
        page.write_text(_unlink_missing(page, destination, root), encoding="utf-8")
    settings = site(root)
    pins = _pins(root)
    learner = [pins[name] for name in LEARNER_PACKAGES]
    (destination / "requirements.txt").write_text(
        "# What a learner needs, pinned: the helper package's imports and JupyterLab, then the book's builder.\n"
        + "\n".join(learner) + "\n\n# The book (`make book`).\n" + "\n".join(pins[n] for n in BOOK_PACKAGES) + "\n")
    binder = destination / "binder"
    binder.mkdir()
    (binder / "requirements.txt").write_text(
        "# Binder (repo2docker): the learner's packages, with the CPU build of torch.\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        + "\n".join(f"{line}+cpu" if line.startswith("torch==") else line for line in learner) + "\n")
    (binder / "runtime.txt").write_text("python-3.11\n")
    (binder / "postBuild").write_text(
        "#!/bin/bash\n# Binder runs this after installing binder/requirements.txt, from the repository's root.\n"
        "set -euo pipefail\n# The helper package `tfs` (its dependencies are installed already).\n"
        "python -m pip install --no-deps .\n# No instructor tools in a learner's JupyterLab.\n"
        + "".join(f"jupyter labextension disable --level=sys_prefix {name}\n" for name in INSTRUCTOR_LAB_EXTENSIONS))
    (binder / "postBuild").chmod(0o755)
    (destination / "Makefile").write_text(_learner_makefile(root))
    (destination / "README.md").write_text(_learner_readme(root, settings, chapters))
    return sorted(p.relative_to(destination).as_posix() for p in destination.rglob("*") if p.is_file())


def _pins(root: Path) -> dict[str, str]:
    """{package name: its `name==version` line} from requirements.txt."""
    lines = (line.split("#")[0].strip() for line in (root / "requirements.txt").read_text().splitlines())
    return {line.split("==")[0].strip().lower(): line for line in lines if "==" in line}


def _toc_through(root: Path, later: set[str]) -> str:
    """`_toc.yml` without the pages and notebooks of the `later` chapters."""
    def keep(entry) -> bool:
        return not any(part in later for part in Path(str(entry.get("file", ""))).parts)

    def cut(node):
        if isinstance(node, list):
            return [cut(item) for item in node if not (isinstance(item, dict) and not keep(item))]
        if isinstance(node, dict):
            return {key: cut(value) for key, value in node.items()}
        return node

    toc = cut(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")))
    if not later:
        return (root / "_toc.yml").read_text(encoding="utf-8")
    return "# Table of contents of this release.\n" + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)


def _unlink_missing(page: Path, destination: Path, root: Path) -> str:
    """The page's text with each {doc} link to a page that the export lacks replaced by its title."""
    def resolve(target: str) -> Path:
        base = destination if target.startswith("/") else page.parent
        return (base / target.lstrip("/")).resolve()

    def replace(match: re.Match) -> str:
        target = (match["target"] or match["plain"]).strip()
        path = resolve(target)
        if any(path.with_suffix(suffix).is_file() for suffix in (".md", ".ipynb")):
            return match[0]
        if match["title"]:
            return match["title"]
        original = root / path.relative_to(destination.resolve()).with_suffix(".md")
        title = next((line[2:].strip() for line in original.read_text(encoding="utf-8").splitlines()
                      if line.startswith("# ")), target) if original.is_file() else target
        return f"*{title}* (in a later release)"

    return DOC_ROLE.sub(replace, page.read_text(encoding="utf-8"))


def _learner_makefile(root: Path) -> str:
    """Set up, JupyterLab and the book, for a learner: the vendoring rule is the course's own."""
    paragraphs = (root / "Makefile").read_text().split("\n\n")
    start = next(i for i, text in enumerate(paragraphs) if text.startswith("# MathJax, require.js"))
    vendor = "\n\n".join(paragraphs[start:start + 2]) + "\n"  # the comment and target, then the rule
    fonts = next(text for text in paragraphs if text.startswith("# Noto CJK")) + "\n"
    return f"""\
# Transformers from Scratch, the learner's copy.
#   make lab    set up .venv on first use, then open the notebooks in JupyterLab
#   make book   build the book into _build/html (needs Node.js/npm for its JavaScript)
#   make clean  remove the build, the vendored JavaScript and the virtualenv

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
VENDOR := _vendor

.PHONY: lab book venv vendor fonts clean

lab: venv
\t$(BIN)/python -m tfs.lab notebooks

book: venv vendor fonts
\t$(BIN)/jupyter-book build . --builder html -W -n --keep-going

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\t$(BIN)/python -m pip install --quiet --no-deps -e .
\ttouch $@

{vendor}
{fonts}
clean:
\trm -rf _build $(VENDOR) node_modules $(VENV)
"""


def launch_links(settings: Site, notebook: str) -> dict[str, str]:
    """Colab, Binder and (when configured) JupyterHub links that open `notebook` (a path in the repository)."""
    links = {}
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", settings.repository)
    if match:
        org, repo = match.groups()
        links["Colab"] = f"https://colab.research.google.com/github/{org}/{repo}/blob/{settings.branch}/{notebook}"
        links["Binder"] = f"https://mybinder.org/v2/gh/{org}/{repo}/{settings.branch}?urlpath=lab/tree/{notebook}"
    if settings.hub_url:
        name = settings.repository.rstrip("/").split("/")[-1].removesuffix(".git")
        links["JupyterHub"] = (f"{settings.hub_url}/hub/user-redirect/git-pull?repo={settings.repository}"
                               f"&branch={settings.branch}&urlpath=lab/tree/{name}/{notebook}")
    return links


def _learner_readme(root: Path, settings: Site, chapters: list[str]) -> str:
    rows = []
    for i in chapters:
        page = root / "book" / f"{i}.md"
        title = next((line[2:].strip() for line in page.read_text(encoding="utf-8").splitlines()
                      if line.startswith("# ")), i) if page.is_file() else i
        notebook = f"notebooks/{i}/{i}.ipynb"
        buttons = " · ".join(f"[{name}]({url})" for name, url in launch_links(settings, notebook).items())
        rows.append(f"| [{title}]({settings.site_url}book/{i}.html) | [`{notebook}`]({notebook}) | {buttons} |")
    hub = ("- **JupyterHub**: the *JupyterHub* link above copies this repository into your account on "
           f"{settings.hub_url} (with nbgitpuller) and opens the notebook.\n" if settings.hub_url else "")
    return f"""\
# Transformers from Scratch

An open course on the Transformer, from one-hot vectors to a full encoder-decoder that you train
yourself. Each chapter is a reading page of [the book]({settings.site_url}) and an exercise notebook
that you complete, checked by visible tests as you work.

This repository is the learner's copy: the reading pages (`book/`), the exercise notebooks
(`notebooks/`) and `tfs`, the small helper package of plots, data and test helpers that the
notebooks import. It holds no solutions.

| chapter | notebook | open it in |
| --- | --- | --- |
{chr(10).join(rows)}

## Opening a notebook

- **Colab**: follow the *Colab* link (or the rocket button on the notebook's page of the book) and
  run the cells from the top. The first code cell installs the helper package `tfs` from this
  repository (a minute or two, once per session) and keeps Colab's own torch. A GPU is optional
  (*Runtime > Change runtime type*); only chapter 8 makes use of it.
- **Binder**: the *Binder* link starts JupyterLab with everything installed (the first start of a
  new version takes a few minutes).
{hub}- **On your own machine**, with Python 3.10 or newer:

  ```sh
  make lab      # creates .venv from requirements.txt and installs tfs on first use, then opens JupyterLab
  ```

  Without `make`: `python3 -m venv .venv`, `.venv/bin/pip install -r requirements.txt`,
  `.venv/bin/pip install -e .`, then `.venv/bin/jupyter lab notebooks`.

## Doing an exercise

Fill in every cell that says `YOUR CODE HERE` and run the test cell below it: a failing assertion
says what is probably wrong. The visible tests check shapes, types and one small case; when your
instructor grades the notebook, hidden tests also try random inputs, edge cases and gradients.
Hand in the `.ipynb` file as your instructor asks.

## Building the book

`make book` builds the site into `_build/html` (it needs Node.js and npm for MathJax and the
widget manager, which it copies into `_vendor/` so that the pages render offline). Open
`_build/html/index.html`.
"""


def release(ids: list[str] | None = None, check: bool = False, export_to: Path | None = None,
            root: Path = ROOT, through: str | None = None) -> list[str]:
    """Regenerate (or with `check`, compare) the student notebooks; return the problems found.

    With `export_to`, then write the learner's repository there, with the chapters up to `through`.
    """
    released = generate(ids or assignment_ids(root), root)
    if check:
        return stale(released, root)
    write(released, root)
    if export_to is not None:
        export(export_to, root, through)
    return []

