"""The built site, as a reader's browser shows it: headless Chromium on `_build/html`.

Run after `make strict-book`. Every page is loaded once from a local web server; the facts
the checks need are collected then, and each check is its own test, so one report names
every page and every kind of fault. A full-page screenshot of each chapter lands in
`_build/screenshots/`, to look at what the tests passed.
"""

import functools
import http.server
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from book_toc import ROOT, chapters, config, pages

# `SITE_HTML` points the tests at a build made elsewhere (`jupyter-book --path-output`).
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = HTML.parent / "screenshots"
CHAPTERS = chapters()
PAGES = [*pages(), "genindex", "search"]
# sphinx-thebe 0.3.1 adds its config script twice: harmless, and not ours to fix.
KNOWN_CONSOLE_ERRORS = ["Identifier 'THEBE_JS_URL' has already been declared"]
# MyST that did not become HTML, as it would show in the text.
RAW_MYST = ["```{", "{code-cell}", ":::", "{term}", "{cite}"]
RAW_MATH = ["\\(", "\\)", "\\[", "$$"]
WAIT_MS = 10_000  # for MathJax and images, after the page and its scripts have loaded

# What the checks need from a loaded page, read in the page itself. The text leaves out code
# (which may show MyST or TeX on purpose) and MathJax's output, but keeps closed dropdowns.
FACTS = """() => {
  const main = document.querySelector("main#main-content").cloneNode(true);
  main.querySelectorAll("pre, code, script, style, mjx-container").forEach(e => e.remove());
  const links = selector => [...document.querySelectorAll(selector)].map(a => a.href);
  return {
    text: main.textContent,
    mathUntypeset: [...document.querySelectorAll(".math")]
      .filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.trim()),
    images: [...document.images].map(i => ({src: i.src, width: i.naturalWidth, alt: i.alt})),
    figures: [...document.querySelectorAll("article.bd-article img")].map(i => ({
      src: i.src, natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
      link: i.closest("a") ? i.closest("a").href : null})),
    exercises: document.querySelectorAll("div.exercise").length,
    citationLabels: [...document.querySelectorAll("div.citation > span.label")]
      .map(e => e.textContent),
    solutions: document.querySelectorAll("div.solution").length,
    binderLinks: links(".dropdown-launch-buttons a[href*='/v2/']"),
    repositoryLinks: links("a.btn-source-repository-button"),
    editLinks: links("a.btn-source-edit-button"),
  };
}"""


@dataclass
class Visit:
    """One page load: what went over the network, what the console said, what the page held."""

    failed_requests: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "book" / "index.html").is_file():
        pytest.fail(f"no built site in {HTML}: run `make strict-book` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # one line per request would bury pytest's report


@pytest.fixture(scope="module")
def visit(browser, site_url):
    """`visit(page)` loads a page the first time a test asks for it, and remembers it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return functools.cache(lambda page: _load(browser, site_url, page))


def _load(browser, site_url, page_name):
    visit = Visit()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", functools.partial(_only_this_site, site_url, visit))
    page = context.new_page()
    _record_faults(page, visit)
    page.goto(f"{site_url}/{page_name}.html", wait_until="networkidle")
    _wait_for_math_and_images(page)
    visit.facts = page.evaluate(FACTS)
    if page_name in CHAPTERS:
        path = SCREENSHOTS / f"{Path(page_name).name}.png"
        page.screenshot(path=path, full_page=True)
    context.close()
    return visit


def _record_faults(page, visit):
    def on_response(response):
        if response.status >= 400:
            visit.failed_requests.append(f"{response.status} {response.url}")

    def on_console(message):
        if message.type == "error":
            visit.console_errors.append(message.text)

    page.on("requestfailed", lambda request: visit.failed_requests.append(request.url))
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console_errors.append(str(error)))


def _only_this_site(site_url, visit, route):
    """Let requests to the local server through; record and block any other."""
    url = route.request.url
    if url.startswith(f"{site_url}/") or url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        visit.outside_requests.append(url)
        route.abort()


def _wait_for_math_and_images(page):
    """Let MathJax finish and every image load; what never does, the checks report."""
    # Images the browser would load only when scrolled to must load now, to be measured.
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]')"
        ".forEach(i => i.loading = 'eager')"
    )
    try:
        if page.locator(".math").count():
            page.wait_for_function(
                "() => window.MathJax?.startup?.promise", timeout=WAIT_MS
            )
            page.evaluate("() => MathJax.startup.promise")
        page.wait_for_function(
            "() => [...document.images].every(i => i.complete)", timeout=WAIT_MS
        )
    except PlaywrightTimeoutError:
        pass  # MathJax that never ran leaves TeX, an image that never came has no size


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_everything_from_this_site_alone(visit, page):
    loaded = visit(page)
    assert not loaded.outside_requests, f"{page} asks other hosts for these"
    assert not loaded.failed_requests, f"{page} failed to load these"


@pytest.mark.parametrize("page", PAGES)
def test_console_shows_no_errors(visit, page):
    errors = [
        error
        for error in visit(page).console_errors
        if not any(known in error for known in KNOWN_CONSOLE_ERRORS)
    ]
    assert not errors, f"{page} logs errors in the browser console"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visit, page):
    facts = visit(page).facts
    assert not facts["mathUntypeset"], f"{page}: MathJax left these as TeX"
    raw = [mark for mark in RAW_MATH if mark in facts["text"]]
    assert not raw, (
        f"{page} shows TeX delimiters as text: {_around(facts['text'], raw)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_images_load_and_say_what_they_show(visit, page):
    images = visit(page).facts["images"]
    broken = [image["src"] for image in images if image["width"] == 0]
    assert not broken, f"{page}: these images did not load"
    no_alt = [image["src"] for image in images if not image["alt"].strip()]
    assert not no_alt, f"{page}: these images have no alt text"


# Below this share of its natural size, a picture's 10-point text gets hard to read.
READABLE_SCALE = 0.75


@pytest.mark.parametrize("page", PAGES)
def test_pictures_are_readable_or_open_at_full_size(visit, page):
    for figure in visit(page).facts["figures"]:
        if figure["shown"] < READABLE_SCALE * figure["natural"]:
            assert figure["link"] == figure["src"], (
                f"{page}: {figure['src']} is shown at {figure['shown']:.0f} of its "
                f"{figure['natural']} pixels and does not link to itself at full size: "
                "give its cell `tags: [full-width]` and `mystnb: image: width: 100%`"
            )


def test_the_references_are_labelled_as_the_text_cites_them(visit):
    labels = visit("book/references").facts["citationLabels"]
    assert labels, "the references page lists no works"
    name = r"[\w\-]+(?: [\w\-]+)*"
    author_year = re.compile(rf"\[{name}(?: and {name}| et al\.)?, \d{{4}}[a-z]?\]")
    odd = [label for label in labels if not author_year.fullmatch(label)]
    assert not odd, f"labels not in the text's author-year form: {odd}"
    assert labels == sorted(labels, key=str.lower), (
        "the works are not in authors' order"
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_myst_markup_is_left_raw(visit, page):
    text = visit(page).facts["text"]
    raw = [mark for mark in RAW_MYST if mark in text]
    assert not raw, f"{page} shows MyST markup as text: {_around(text, raw)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_exercises_with_solutions(visit, chapter):
    facts = visit(chapter).facts
    assert facts["exercises"] > 0, f"{chapter} has no exercises"
    assert facts["solutions"] > 0, f"{chapter} has no solutions"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_launch_repository_and_edit_buttons_lead_to_this_chapter(visit, chapter):
    repository = config().get("repository", {})
    repository_url = repository.get("url", "").rstrip("/")
    assert repository_url, "_config.yml sets no repository.url"
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", repository_url)
    assert match, f"repository.url is not a GitHub repository: {repository_url}"
    owner, name = match.groups()
    branch = repository.get("branch", "master")  # Jupyter Book's default
    book_folder = repository.get("path_to_book", "").strip("/")
    source = "/".join(filter(None, [book_folder, f"{chapter}.md"]))
    expected = (
        f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{source}"
    )
    facts = visit(chapter).facts
    assert facts["binderLinks"] == [expected]
    assert [url.rstrip("/") for url in facts["repositoryLinks"]] == [repository_url]
    assert facts["editLinks"] == [f"{repository_url}/edit/{branch}/{source}"]


def _around(text, marks, width=40):
    """Where in the text the first of `marks` shows, with a little context."""
    at = min(text.find(mark) for mark in marks if mark in text)
    return repr(" ".join(text[max(0, at - width) : at + width].split()))


# Chapters with a figure to step through (book/flipbook.py): frames drawn when the book was
# built, swapped by the page's own script; without scripts, a still frame.
INTERACTIVE_FIGURES = ["book/backward", "book/derivatives"]

FLIPBOOK_STATE = """figure => {
  const image = figure.querySelector("img");
  const slider = figure.querySelector("input[type=range]");
  const data = JSON.parse(figure.querySelector("script.flipbook-frames").textContent);
  return {
    src: image.src, alt: image.alt, loaded: image.complete && image.naturalWidth > 0,
    caption: figure.querySelector("figcaption").textContent,
    step: Number(slider.value), last: Number(slider.max),
    valueText: slider.getAttribute("aria-valuetext"),
    label: slider.closest("label")?.textContent.trim(),
    controlsShown: figure.querySelector(".flipbook-controls").checkVisibility(),
    captions: data.captions, alts: data.alts,
  };
}"""


@pytest.fixture
def open_page(browser, site_url):
    """`open_page(page, javascript=True)`: the page in a fresh browser, this site alone."""
    contexts = []

    def open_(page_name, javascript=True):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        visit = Visit()
        context.route("**/*", functools.partial(_only_this_site, site_url, visit))
        page = context.new_page()
        _record_faults(page, visit)
        page.goto(f"{site_url}/{page_name}.html", wait_until="networkidle")
        return page, visit

    yield open_
    for context in contexts:
        context.close()


def _flipbook(page):
    figures = page.locator("figure.flipbook")
    assert figures.count() == 1, f"{figures.count()} step-through figures, not 1"
    return figures.first


def _state_after(figure, action=None):
    """The figure's state once `action` (if any) has run and the frame shown has loaded."""
    if action:
        action()
    figure.evaluate(
        "figure => new Promise(done => { const image = figure.querySelector('img');"
        " image.complete ? done() : image.addEventListener('load', done, {once: true}); })"
    )
    return figure.evaluate(FLIPBOOK_STATE)


@pytest.mark.parametrize("page_name", INTERACTIVE_FIGURES)
def test_the_slider_and_the_buttons_step_through_the_frames(open_page, page_name):
    page, visit = open_page(page_name)
    figure = _flipbook(page)
    slider = figure.locator("input[type=range]")
    previous = figure.get_by_role("button", name="Previous")
    next_ = figure.get_by_role("button", name="Next")

    first = _state_after(figure)
    assert first["controlsShown"] and first["label"], "no labelled slider is shown"
    assert first["step"] == 0 and first["last"] == len(first["captions"]) - 1 > 0
    assert first["caption"] == first["valueText"] == first["captions"][0]
    assert first["alt"] == first["alts"][0] and first["loaded"]
    assert len(set(first["captions"])) == len(first["captions"]), (
        "two frames read alike"
    )

    second = _state_after(figure, next_.click)
    assert second["step"] == 1 and second["caption"] == first["captions"][1]
    assert second["src"] != first["src"] and second["alt"] == first["alts"][1]
    assert second["loaded"]
    assert _state_after(figure, previous.click)["src"] == first["src"]

    # The keyboard: arrow keys and End on the slider, Enter and Space on the buttons.
    slider.focus()
    assert _state_after(figure, lambda: page.keyboard.press("ArrowRight"))["step"] == 1
    last = _state_after(figure, lambda: page.keyboard.press("End"))
    assert last["step"] == last["last"] and last["caption"] == last["captions"][-1]
    assert last["loaded"]
    next_.focus()
    assert (
        _state_after(figure, lambda: page.keyboard.press("Enter"))["step"]
        == last["last"]
    )
    assert next_.get_attribute("aria-disabled") == "true"
    previous.focus()
    assert _state_after(figure, lambda: page.keyboard.press("Space"))["step"] == (
        last["last"] - 1
    )

    # Every frame the slider reaches is a picture that loads, each a different one.
    sources = set()
    for step in range(first["last"] + 1):
        state = _state_after(figure, lambda step=step: slider.fill(str(step)))
        assert state["step"] == step and state["loaded"], f"frame {step} did not load"
        assert state["caption"] == state["captions"][step]
        sources.add(state["src"])
    assert len(sources) == first["last"] + 1
    assert not visit.outside_requests
    errors = [
        error
        for error in visit.console_errors
        if not any(known in error for known in KNOWN_CONSOLE_ERRORS)
    ]
    assert not errors, f"stepping through the figure logs errors: {errors}"


@pytest.mark.parametrize("page_name", INTERACTIVE_FIGURES)
def test_without_javascript_the_still_frame_and_its_caption_are_shown(
    open_page, page_name
):
    page, _ = open_page(page_name, javascript=False)
    figure = _flipbook(page)
    image = figure.locator("img")
    assert image.is_visible()
    assert image.evaluate("image => image.complete && image.naturalWidth > 0")
    assert not figure.locator(".flipbook-controls").is_visible()
    assert not figure.locator("input[type=range]").is_visible()
    # The page's frames are still in it, as data: the still is one of them, with its words.
    data = json.loads(figure.locator("script.flipbook-frames").text_content())
    still = data["alts"].index(image.get_attribute("alt"))
    assert figure.locator("figcaption").text_content() == data["captions"][still]
