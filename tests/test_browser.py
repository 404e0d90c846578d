"""The built book in a real browser with no network: math, images, widgets, console, requests.

Every page of `_toc.yml` is served from `_build/html` on 127.0.0.1 and opened in headless
Chromium. Requests to any other host are blocked and reported: the book vendors MathJax,
require.js and the widget manager into `_static` (see `make vendor`) so that it renders offline.
"""

import functools
import http.server
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.test_book import DOUBLE_NUMBER, chapter_pages, html_pages, toc_pages

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1"}
# Generous: while `make test` grades chapters on both cores, a long page can take 30 s to settle.
TIMEOUT_MS = 120_000
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright's own browser download needs a network we do not have)."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


# ---------------------------------------------------------------------------------------------
# A local web server and a browser for the whole module
# ---------------------------------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(book_build):
    """The base URL of the built book, served by http.server on 127.0.0.1 and a free port."""
    html_dir, _ = book_build
    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed: install it with `sudo apt-get install chromium` "
                    "(Playwright's own browser download is not used)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# ---------------------------------------------------------------------------------------------
# Opening one page and recording what went wrong
# ---------------------------------------------------------------------------------------------


@dataclass
class Visit:
    """What one page did in the browser."""
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


def open_page(context, url: str):
    """Open url, blocking and recording every request that leaves 127.0.0.1."""
    visit = Visit()
    page = context.new_page()

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            visit.blocked_requests.append(route.request.url)
            route.abort()

    def on_console(message):
        if message.type == "error":
            where = message.location.get("url", "")
            visit.console_errors.append(f"{message.text} (at {where})" if where else message.text)

    http_errors = set()

    def on_response(response):
        if response.status >= 400:
            http_errors.add(response.url)
            visit.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def on_request_failed(request):
        if request.url not in visit.blocked_requests and request.url not in http_errors:
            visit.failed_requests.append(f"{request.url}: {request.failure}")

    page.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    return page, visit


# ---------------------------------------------------------------------------------------------
# The checks: each returns a list of problems (empty: all is well)
# ---------------------------------------------------------------------------------------------

MATH = "span.math, div.math"


def math_problems(page) -> list[str]:
    """Wait for MathJax to typeset; then no math error, and every math element was typeset."""
    has_mathjax = page.locator('script[src*="mathjax"]').count() > 0
    if page.locator(MATH).count() == 0 and not has_mathjax:
        return []
    if not has_mathjax:
        return ["the page has math but does not load MathJax"]
    try:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=TIMEOUT_MS)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    except Exception as error:  # noqa: BLE001 - any failure here means math did not render
        return [f"MathJax did not start: {str(error).splitlines()[0]}"]
    problems = []
    errors = page.eval_on_selector_all(
        "mjx-merror", "els => els.map(e => e.getAttribute('data-mjx-error') || e.textContent)")
    problems += [f"math error: {error}" for error in errors]
    untypeset = page.eval_on_selector_all(
        MATH, "els => els.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent)")
    problems += [f"math not typeset: {' '.join(tex.split())[:200]}" for tex in untypeset]
    return problems


IMAGES_SETTLED = """async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? null :
    new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  return images.filter(img => img.naturalWidth === 0).map(img => img.getAttribute('src'));
}"""


def image_problems(page) -> list[str]:
    """Every <img> loaded (naturalWidth > 0)."""
    return [f"image did not load: {src}" for src in page.evaluate(IMAGES_SETTLED)]


# The HTML manager (embed-amd.js) puts a div.widget-subarea before each view's <script> and
# renders the widget (.jupyter-widgets, a Lumino .lm-Widget) into it.
UNRENDERED_WIDGETS = f"""() => Array.from(document.querySelectorAll('script[type="{WIDGET_VIEW}"]'))
  .filter(script => {{
    const area = script.previousElementSibling;
    return !(area && area.classList.contains('widget-subarea') &&
             area.querySelector('.jupyter-widgets, .lm-Widget'));
  }})
  .map(script => {{ try {{ return JSON.parse(script.textContent).model_id; }}
                    catch (e) {{ return script.textContent; }} }})"""


def widget_problems(page) -> list[str]:
    """Each widget view of the page was rendered by the HTML manager."""
    if page.locator(f'script[type="{WIDGET_VIEW}"]').count() == 0:
        return []
    try:
        page.wait_for_function(f"() => ({UNRENDERED_WIDGETS})().length === 0", timeout=TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - reported below, by model id
        pass
    return [f"widget view not rendered: model {model}" for model in page.evaluate(UNRENDERED_WIDGETS)]


def visit_problems(visit: Visit) -> list[str]:
    return ([f"console error: {message}" for message in visit.console_errors]
            + [f"request outside localhost: {url}" for url in visit.blocked_requests]
            + [f"request failed: {failure}" for failure in visit.failed_requests])


def page_problems(context, url: str) -> list[str]:
    """Everything wrong with one page, in the order a reader would notice it."""
    page, visit = open_page(context, url)
    try:
        problems = math_problems(page) + image_problems(page) + widget_problems(page)
        # Fonts (MathJax's, the widgets') load once text uses them: let them finish or fail.
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        return problems + visit_problems(visit)
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------
# The tests: one per page of the table of contents
# ---------------------------------------------------------------------------------------------


@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("docname", toc_pages())
def test_page_renders_offline(docname, site, browser):
    context = browser.new_context()
    try:
        problems = page_problems(context, f"{site}{docname}.html")
    finally:
        context.close()
    if problems:
        pytest.fail(f"{docname}.html in Chromium:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.xdist_group("book")
def test_every_built_chapter_page_is_checked(book_build):
    """The browser opens the pages of _toc.yml; no built page of book/ escapes it."""
    html_dir, _ = book_build
    checked = {f"{docname}.html" for docname in toc_pages()}
    built = {page.relative_to(html_dir).as_posix() for page in html_pages(html_dir)}
    unchecked = sorted(page for page in built if page.startswith("book/") and page not in checked)
    if unchecked:
        pytest.fail("built but not in _toc.yml, so not opened in the browser: " + ", ".join(unchecked))


# ---------------------------------------------------------------------------------------------
# Chinese text and chapter numbers, as the reader sees them
# ---------------------------------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "_build" / "screenshots"
# Marks the innermost element of the article whose own text holds a CJK ideograph; returns that text.
MARK_CJK = r"""() => {
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (/[\u4e00-\u9fff]/.test(node.textContent) && node.parentElement.closest('pre, code, script') === null) {
      node.parentElement.setAttribute('data-cjk-probe', '');
      return node.textContent.trim();
    }
  }
  return null;
}"""


def cjk_font_installed() -> bool:
    import subprocess

    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


def fonts_of(context, page, selector: str) -> list[str]:
    """The platform fonts Chromium used for the text of the element `selector` (DevTools' CSS domain)."""
    client = context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    root = client.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = client.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return [font["familyName"] for font in client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]


@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("number, docname", list(enumerate(chapter_pages(), start=1)))
def test_chinese_renders_as_characters_and_the_title_has_one_number(number, docname, site, browser):
    context = browser.new_context()
    try:
        page, _ = open_page(context, f"{site}{docname}.html")
        title = page.locator("article h1").first.inner_text().strip().rstrip("#").strip()
        assert re.fullmatch(rf"{number}\. [^\d].*", title), f"the title reads {title!r}"
        sidebar = page.eval_on_selector_all(".bd-sidebar a", "links => links.map(a => a.innerText.trim())")
        doubled = [text for text in sidebar if DOUBLE_NUMBER.match(text)]
        assert not doubled, f"sidebar entries with two numbers: {doubled}"
        text = page.evaluate(MARK_CJK)
        if text is None:
            return
        if not cjk_font_installed():
            pytest.skip("no CJK font (`make fonts` installs Debian's fonts-noto-cjk)")
        fonts = fonts_of(context, page, "[data-cjk-probe]")
        assert any("CJK" in font or "Hei" in font for font in fonts), f"{text!r} is drawn with {fonts}, no CJK font"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        probe = page.locator("[data-cjk-probe]").first
        probe.scroll_into_view_if_needed()
        (page.locator("table", has=probe).first if page.locator("table", has=probe).count() else probe).screenshot(
            path=str(SCREENSHOTS / f"book-{Path(docname).name}-chinese.png"))
        figure = page.locator("#fig-cross-attention img")
        if figure.count():
            figure.first.scroll_into_view_if_needed()
            figure.first.screenshot(path=str(SCREENSHOTS / f"book-{Path(docname).name}-cross-attention.png"))
        page.close()
    finally:
        context.close()
