"""The released notebooks in a real JupyterLab, in a real browser, as a learner runs them.

The course's own JupyterLab (`python -m tfs.lab`, what `make lab` starts: nbgrader's instructor
tools turned off) serves scratch copies of released notebooks; headless Chromium opens each
through Playwright and runs *Kernel > Restart Kernel and Run All Cells* from the menu. With the
true solutions filled in (from the solution notebooks, markers removed) every cell must run with
no error and no stderr output, widgets must render where the notebook makes one, and figures must
appear. The untouched notebook must stop at the first exercise's test with the
NotImplementedError a learner starts from. Screenshots go to `_build/screenshots/`.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.release import SOLUTION
from tests.test_browser import browser, is_local  # noqa: F401 (browser: the module's Chromium, a fixture)
from tfs.lab import INSTRUCTOR_LAB_EXTENSIONS, learner_env

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ["ch01_tokens", "ch03_attention", "ch05_multi_head"]
SCREENSHOTS = ROOT / "_build" / "screenshots"
RUN_TIMEOUT_S = int(os.environ.get("TFS_LAB_RUN_TIMEOUT", 240))
pytestmark = pytest.mark.xdist_group("jupyterlab")

# The learner's JupyterLab settings for the test: every cell stays in the page (no windowing, so
# that all outputs can be inspected), and no news or update checks (no network).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def solved(chapter: str) -> nbformat.NotebookNode:
    """The released notebook with each solution cell replaced by the solution, markers removed."""
    nb = nbformat.read(ROOT / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "\n".join(line for line in answers[grade_id].splitlines() if line.strip() not in SOLUTION)
    return nb


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, token, work folder) of the course's JupyterLab on scratch copies of the notebooks."""
    base = tmp_path_factory.mktemp("jupyterlab")
    work = base / "work"
    for chapter in CHAPTERS:
        folder = work / chapter
        shutil.copytree(ROOT / "notebooks" / chapter, folder)
        nbformat.write(solved(chapter), folder / f"{chapter}_solved.ipynb")
    settings = base / "settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), free_port()
    env = learner_env(folder=base / "config")
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTER_DATA_DIR=str(base / "data"))
    env.pop("NBGRADER_EXECUTION", None)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(base / "lab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(f"{url}/api/status?token={token}")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(base / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url, token, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# In the page: the prompts of the code cells ("[3]:", "[*]:" while queued or running, "[ ]:" never run).
PROMPTS = ("() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell "
           ".jp-InputPrompt')).map(p => p.textContent.trim())")


def kernel_idle(url: str, token: str) -> bool:
    return all(k["execution_state"] == "idle" for k in get_json(f"{url}/api/kernels?token={token}"))


def restart_and_run_all(page, url: str, token: str) -> list[str]:
    """Kernel > Restart Kernel and Run All Cells, confirmed; wait until the kernel is done; the prompts."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel and Run All Cells")).click()
    page.locator(".jp-Dialog-button.jp-mod-accept").click()
    deadline, quiet = time.monotonic() + RUN_TIMEOUT_S, 0
    while quiet < 3:
        if time.monotonic() > deadline:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-timeout.png"))
            pytest.fail(f"still running after {RUN_TIMEOUT_S} s (screenshot {SCREENSHOTS}/jupyterlab-timeout.png): "
                        f"{page.evaluate(PROMPTS)}")
        page.wait_for_timeout(1000)
        prompts = page.evaluate(PROMPTS)
        started = any(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        quiet = quiet + 1 if started and "[*]:" not in prompts and kernel_idle(url, token) else 0
    return prompts


def shut_down_kernels(url: str, token: str) -> None:
    """Stop every kernel, so that each test starts from none (they hold torch: memory)."""
    for kernel in get_json(f"{url}/api/kernels?token={token}"):
        request = urllib.request.Request(f"{url}/api/kernels/{kernel['id']}", method="DELETE",
                                         headers={"Authorization": f"token {token}"})
        urllib.request.urlopen(request, timeout=30).close()


def open_notebook(browser, url: str, token: str, path: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    blocked = []
    page.route("**/*", lambda route: route.continue_() if is_local(route.request.url)
               else (blocked.append(route.request.url), route.abort()))
    # A workspace of its own: JupyterLab would otherwise reopen the notebooks of the tests before.
    workspace = re.sub(r"\W", "-", path)
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{path}?token={token}", wait_until="load", timeout=120_000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    # The status bar says "Python 3 (ipykernel) | Idle" once the notebook's kernel has started.
    page.wait_for_function("() => /\\(ipykernel\\) \\| Idle/.test(document.querySelector('#jp-main-statusbar')"
                           "?.textContent || '')", timeout=120_000)
    return context, page, blocked


# JupyterLab shows an error (a traceback) as it shows stderr: with this mime type.
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def outputs(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.slice(0, 500))")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solved_notebook_runs_all_cells(chapter, lab, browser):
    url, token, work = lab
    context, page, blocked = open_notebook(browser, url, token, f"{chapter}/{chapter}_solved.ipynb")
    try:
        menus = page.eval_on_selector_all(".lm-MenuBar-itemLabel", "els => els.map(e => e.textContent)")
        assert "Kernel" in menus and "Nbgrader" not in menus, f"the learner's menus: {menus}"
        prompts = restart_and_run_all(page, url, token)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{chapter}-solved.png"))
        not_run = [i for i, p in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", p)]
        assert not not_run, f"code cells {not_run} did not run: {prompts}"
        stderr = outputs(page, STDERR)
        assert not stderr, f"{chapter}: errors or stderr output: {stderr[:2]}"
        source = nbformat.read(work / chapter / f"{chapter}_solved.ipynb", as_version=4)
        code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
        if re.search(r"\bwidgets\.|interactive\(|tfs\.widgets|from tfs\.widgets", code):
            assert page.locator(".jp-OutputArea-output .jupyter-widgets").count() > 0, "no widget rendered"
        if re.search(r"\bplt\.|heatmap\(", code):
            assert page.locator(".jp-OutputArea-output img").count() > 0, "no figure appeared"
        assert not blocked, f"requests outside localhost: {blocked[:5]}"
    finally:
        context.close()
        shut_down_kernels(url, token)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_notebook_stops_at_the_first_test_with_not_implemented(chapter, lab, browser):
    url, token, work = lab
    context, page, blocked = open_notebook(browser, url, token, f"{chapter}/{chapter}.ipynb")
    try:
        restart_and_run_all(page, url, token)
        errors = outputs(page, STDERR)
        if errors:
            page.locator(STDERR).first.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{chapter}-untouched.png"))
        assert len(errors) == 1 and "NotImplementedError" in errors[0], errors
        nb = nbformat.read(work / chapter / f"{chapter}.ipynb", as_version=4)
        first_test = next(i for i, c in enumerate(c for c in nb.cells if c.cell_type == "code")
                          if c.metadata.get("nbgrader", {}).get("grade"))
        failing = page.eval_on_selector_all(".jp-CodeCell", f"cells => cells.findIndex(c => c.querySelector({STDERR!r}))")
        assert failing == first_test, f"the first error is in code cell {failing}, not the first test ({first_test})"
    finally:
        context.close()
        shut_down_kernels(url, token)


def test_the_learners_lab_has_no_instructor_extensions(lab):
    url, token, _ = lab
    with urllib.request.urlopen(f"{url}/lab?token={token}", timeout=30) as response:
        page = response.read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S)[1])
    assert set(INSTRUCTOR_LAB_EXTENSIONS) <= set(config.get("disabledExtensions", [])), config.get("disabledExtensions")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{url}/formgrader?token={token}", timeout=30)
    assert error.value.code == 404, "nbgrader's formgrader must not be served"
