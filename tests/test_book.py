"""The built book: a clean build, no error output, no missing image, every page, exercise pages.

The checks read the HTML that the `book_build` fixture (tests/conftest.py) produces with
`jupyter-book build . -W -n --keep-going`, as `make book` does. What a real browser shows is
checked in test_browser.py.
"""

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SUFFIXES = (".md", ".ipynb")


# ---------------------------------------------------------------------------------------------
# Helpers shared with test_browser.py
# ---------------------------------------------------------------------------------------------


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every document of `_toc.yml` (root, chapters, sections, globs) as a docname, in order.

    A docname is the source path without its suffix, e.g. "book/intro": the page is built at
    `<html>/<docname>.html`. External `url:` entries are not pages of the book.
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages: list[str] = []

    def add(docname: str) -> None:
        docname = docname.strip("/")
        for suffix in SOURCE_SUFFIXES:
            docname = docname.removesuffix(suffix)
        if docname not in pages:
            pages.append(docname)

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    add(value)
                elif key == "glob" and isinstance(value, str):
                    for path in sorted(root.glob(value + ".*")):
                        if path.suffix in SOURCE_SUFFIXES:
                            add(path.relative_to(root).as_posix())
                else:
                    walk(value)

    walk(toc)
    return pages


def html_pages(html_dir: Path) -> list[Path]:
    """Every built HTML page, not the theme's assets nor the copied sources."""
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in html_dir.rglob("*.html")
                  if not skip.intersection(p.relative_to(html_dir).parts))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def exercise_pages(root: Path = ROOT) -> list[str]:
    """The exercise notebooks of the table of contents: the pages under notebooks/."""
    return [page for page in toc_pages(root) if page.startswith("notebooks/")]


# ---------------------------------------------------------------------------------------------
# The checks, as small functions that return a list of problems (empty: all is well)
# ---------------------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Sphinx logs "path:line: WARNING: text" or "WARNING: text" (likewise ERROR, CRITICAL); docutils
# messages that reach the log as "(ERROR/3) text". The kernel's "[IPKernelApp] WARNING | ..." on
# stderr is neither.
SPHINX_PROBLEM = re.compile(
    r"(^|: )(WARNING|ERROR|CRITICAL|SEVERE): |\((WARNING|ERROR|SEVERE)/[234]\)|^Exception occurred:"
)


def build_log_problems(log: str) -> list[str]:
    """The warning and error lines that Sphinx wrote to the build log."""
    lines = (ANSI.sub("", line).rstrip() for line in log.splitlines())
    return [line for line in lines if SPHINX_PROBLEM.search(line)]


# myst-nb marks stderr as "output stderr" and exceptions as "output traceback"; docutils shows
# markup it could not parse as "system-message" / "problematic".
ERROR_OUTPUT_SELECTORS = (".output.stderr", ".output.traceback", ".system-message", ".problematic")
TRACEBACK_TEXT = "Traceback (most recent call last)"


def error_output_problems(page: Path) -> list[str]:
    """Tracebacks and error outputs shown on a built page."""
    doc = soup(page)
    problems = []
    for selector in ERROR_OUTPUT_SELECTORS:
        for element in doc.select(selector):
            text = " ".join(element.get_text(" ", strip=True).split())[:300]
            problems.append(f"an element {selector!r} shows: {text}")
    body = doc.body.get_text(" ") if doc.body else ""
    if TRACEBACK_TEXT in body and not problems:
        start = body.index(TRACEBACK_TEXT)
        problems.append(f"the page shows a traceback: {' '.join(body[start:start + 150].split())}")
    return problems


def image_problems(page: Path, html_dir: Path) -> list[str]:
    """Each <img src> of a page that does not name an existing file of the build."""
    problems = []
    for img in soup(page).find_all("img"):
        src = img.get("src")
        if not src:
            problems.append(f"an <img> without src: {img}")
            continue
        parts = urlsplit(src)
        if parts.scheme == "data":
            continue
        if parts.scheme or parts.netloc:
            problems.append(f"image {src!r} is not in the build (the book must render offline)")
            continue
        path = unquote(parts.path)
        target = (html_dir / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
        if not target.resolve().is_file():
            problems.append(f"image {src!r}: no file {target.resolve()}")
    return problems


def launch_button_problems(page: Path, docname: str, config: dict) -> list[str]:
    """The Colab, Binder and (when configured) JupyterHub launch buttons and the .ipynb download button."""
    doc = soup(page)
    problems = []
    launch = config.get("launch_buttons", {})
    services = {"Colab": "colab_url", "Binder": "binderhub_url", "JupyterHub": "jupyterhub_url"}
    for service, key in services.items():
        links = doc.select(f'.dropdown-launch-buttons a[title="Launch on {service}"]')
        base = launch.get(key, "")
        if not base:  # a service that is not configured has no button (the JupyterHub, by default)
            problems += [f"a 'Launch on {service}' button although {key} is empty"] if links else []
            continue
        if not links:
            problems.append(f"no 'Launch on {service}' button")
            continue
        href = links[0].get("href", "")
        if not base or not href.startswith(base.rstrip("/")):
            problems.append(f"the {service} button goes to {href!r}, not to {key} = {base!r}")
        if f"{docname}.ipynb" not in unquote(href):
            problems.append(f"the {service} button does not open {docname}.ipynb: {href!r}")
    downloads = doc.select(".dropdown-download-buttons a.btn-download-source-button")
    if not downloads:
        problems.append("no button to download the notebook")
    else:
        href = downloads[0].get("href", "")
        target = (page.parent / unquote(urlsplit(href).path)).resolve()
        if not href.endswith(".ipynb"):
            problems.append(f"the download button gives {href!r}, not the .ipynb")
        elif not target.is_file():
            problems.append(f"the download button gives {href!r}, which is not in the build")
    return problems


# myst-nb logs one of these when it runs a notebook or reuses a run from its cache.
EXECUTION_LOG = re.compile(r"(?P<path>\S+?\.(?:ipynb|md)): (Executing notebook|Using cached notebook|"
                           r"Cached executed notebook|Executed notebook)")


def execution_problems(page: Path, docname: str, html_dir: Path, log: str) -> list[str]:
    """Signs that an exercise notebook was executed for the book: outputs, counts, log lines."""
    problems = []
    outputs = soup(page).select(".cell_output, .output")
    if outputs:
        problems.append(f"the page shows {len(outputs)} cell output(s)")
    for line in ANSI.sub("", log).splitlines():
        match = EXECUTION_LOG.search(line)
        if match and match["path"].replace("\\", "/").endswith(docname + ".ipynb"):
            problems.append(f"the build log says it ran: {line.strip()}")
    # myst-nb writes the notebook each page was rendered from to _build/jupyter_execute/.
    rendered = html_dir.parent / "jupyter_execute" / f"{docname}.ipynb"
    downloaded = html_dir / "_sources" / f"{docname}.ipynb"
    for notebook in (rendered, downloaded):
        if notebook.is_file():
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
            ran = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
                   and (cell.get("execution_count") is not None or cell.get("outputs"))]
            if ran:
                where = notebook.relative_to(html_dir.parent)
                problems.append(f"{where}: code cells {ran} have an execution count or outputs")
    return problems


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def fail_on(problems_by_page: dict[str, list[str]], headline: str) -> None:
    """Fail with one line per problem, each naming its page; pass when there is none."""
    lines = [f"{page}: {problem}" for page, problems in problems_by_page.items()
             for problem in problems]
    if lines:
        pytest.fail(headline + "\n" + "\n".join(lines), pytrace=False)


@pytest.mark.xdist_group("book")
def test_build_log_has_no_warnings_or_errors(book_build):
    """The fixture asserts the build succeeded with -W; its log also holds no Sphinx warning."""
    _, log = book_build
    problems = build_log_problems(log)
    fail_on({"build log": problems}, "the book build logged warnings or errors:")


@pytest.mark.xdist_group("book")
def test_no_page_shows_a_traceback_or_error_output(book_build):
    html_dir, _ = book_build
    found = {str(p.relative_to(html_dir)): error_output_problems(p) for p in html_pages(html_dir)}
    fail_on(found, "pages show errors:")


@pytest.mark.xdist_group("book")
def test_every_image_exists(book_build):
    html_dir, _ = book_build
    found = {str(p.relative_to(html_dir)): image_problems(p, html_dir) for p in html_pages(html_dir)}
    fail_on(found, "images are missing:")


@pytest.mark.xdist_group("book")
def test_every_page_of_the_toc_was_built(book_build):
    html_dir, _ = book_build
    pages = toc_pages()
    assert pages, "_toc.yml lists no page"
    missing = [f"{page}.html" for page in pages if not (html_dir / f"{page}.html").is_file()]
    assert (html_dir / "index.html").is_file(), "no index.html (the landing page)"
    assert not missing, "pages of _toc.yml were not built: " + ", ".join(missing)


@pytest.mark.xdist_group("book")
def test_exercise_notebooks_are_not_executed(book_build):
    html_dir, log = book_build
    pages = exercise_pages()
    assert pages, "_toc.yml lists no exercise notebook under notebooks/"
    found = {page: execution_problems(html_dir / f"{page}.html", page, html_dir, log)
             for page in pages}
    fail_on(found, "exercise notebooks were executed (does `execute: exclude_patterns` in "
                   "_config.yml match them? myst-nb matches from the right: notebooks/**/*.ipynb):")


@pytest.mark.xdist_group("book")
def test_exercise_notebooks_have_launch_and_download_buttons(book_build):
    html_dir, _ = book_build
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    found = {page: launch_button_problems(html_dir / f"{page}.html", page, config)
             for page in exercise_pages()}
    fail_on(found, "exercise pages lack buttons:")


# A chapter's number as the table of contents gives it, and a title that repeats it ("3. 3. Attention").
DOUBLE_NUMBER = re.compile(r"^\s*\d+(\.\d+)*\.\s+(\d+\.|Chapter \d)")


def chapter_pages(root: Path = ROOT) -> list[str]:
    """The reading pages of the numbered chapters, in order: chapter n is the n-th."""
    return [page for page in toc_pages(root) if re.fullmatch(r"book/ch\d\d_\w+", page)]


def numbering_problems(page: Path, number: int) -> list[str]:
    """The page's title is "n. Title", and no entry of its sidebar carries two numbers."""
    doc = soup(page)
    problems = []
    heading = doc.select_one("article h1")  # not the print-only copy of the title
    title = " ".join(heading.get_text("").split()).rstrip("#").strip() if heading else ""
    if not re.fullmatch(rf"{number}\. [^\d].*", title):
        problems.append(f"the title reads {title!r}, not '{number}. <title>'")
    for link in doc.select(".bd-sidebar a, nav a"):
        text = link.get_text(" ", strip=True)
        if DOUBLE_NUMBER.match(text):
            problems.append(f"the sidebar entry {text!r} carries two numbers")
    return problems


@pytest.mark.xdist_group("book")
def test_chapter_titles_carry_one_number(book_build):
    html_dir, _ = book_build
    pages = chapter_pages()
    assert pages, "_toc.yml lists no chapter page"
    found = {page: numbering_problems(html_dir / f"{page}.html", n) for n, page in enumerate(pages, start=1)}
    fail_on(found, "chapter numbers:")
