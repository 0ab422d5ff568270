"""The built site, as a reader's browser shows it: headless Chromium on `_build/html`.

Run after `make strict-book`. Every page is loaded from a local web server once on each
screen, a desktop window and a phone; the facts the checks need are collected then, the
site's navigation is used as a reader would, and each check is its own test, so one report
names every page, screen and kind of fault. A screenshot of each chapter's first screenful on
each screen lands in `_build/screenshots/<screen>/`, and one of the phone with the navigation
open beside it, to look at what the tests passed.
"""

import functools
import http.server
import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from book_toc import ROOT, chapters, config, pages

# `SITE_HTML` points the tests at a build made elsewhere (`jupyter-book --path-output`).
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = HTML.parent / "screenshots"
CHAPTERS = chapters()
PAGES = [*pages(), "genindex", "search"]
# The screens a reader brings: a desktop window, and a phone of a common size that takes
# touch and lays the page out by its mobile viewport. Layout works in CSS pixels, so the
# phone keeps one device pixel to each: its screenshots stay a sensible size.
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
}
# sphinx-thebe 0.3.1 adds its config script twice: harmless, and not ours to fix.
KNOWN_CONSOLE_ERRORS = ["Identifier 'THEBE_JS_URL' has already been declared"]
# MyST that did not become HTML, as it would show in the text.
RAW_MYST = ["```{", "{code-cell}", ":::", "{term}", "{cite}"]
RAW_MATH = ["\\(", "\\)", "\\[", "$$"]
WAIT_MS = 10_000  # for MathJax and images, after the page and its scripts have loaded
SETTLE_MS = 2_000  # for the sidebar to finish sliding in or out
# The themes' buttons that open the sidebars, and what each holds: the book's table of
# contents (on the left), and the page's own (on the right; on a phone, behind its button).
NAVIGATION_BUTTON = ".primary-toggle"
NAVIGATION = "nav.bd-docs-nav"
CONTENTS_BUTTON = ".secondary-toggle"
CONTENTS = "nav.page-toc"

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

# How the page lies on the screen with every dropdown open, as a reader who opens them all
# sees it: whether anything makes the page wider than the screen (and if so, the outermost
# elements that stick out, leaving out what sits in a box that scrolls or clips, and what is
# fixed to the screen, which cannot widen the page), and which formulas are wider than a box
# that clips them instead of letting them scroll.
LAYOUT = """() => {
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
  document.querySelectorAll("details").forEach(d => d.open = true);
  const width = document.documentElement.clientWidth;
  const overflow = e => getComputedStyle(e).overflowX;
  const fixed = e => getComputedStyle(e).position === "fixed";
  const boxed = e => {
    for (let box = e.parentElement; box && box !== document.body; box = box.parentElement) {
      if (overflow(box) !== "visible") return box;
    }
    return null;
  };
  const held = e => {
    for (let box = e; box && box !== document.body; box = box.parentElement) {
      if (fixed(box) || (box !== e && overflow(box) !== "visible")) return true;
    }
    return false;
  };
  const sticksOut = e => e.getBoundingClientRect().right > width + 1;
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    [...e.classList].map(c => "." + c).join("") +
    ` "${e.textContent.trim().slice(0, 40)}" to x = ${Math.round(e.getBoundingClientRect().right)}`;
  const pageWidth = document.documentElement.scrollWidth;
  const tooWide = pageWidth <= width ? [] : [...document.body.querySelectorAll("*")]
    .filter(e => sticksOut(e) && !sticksOut(e.parentElement) && !held(e)).map(name);
  const formulasCut = [...document.querySelectorAll("mjx-container")].filter(formula => {
    const box = overflow(formula) === "visible" ? boxed(formula) : formula;
    const shown = formula.querySelector("mjx-math")?.getBoundingClientRect().width ?? 0;
    return box && ["hidden", "clip"].includes(overflow(box)) && shown > box.clientWidth + 1;
  }).map(formula => formula.querySelector("mjx-assistive-mml")?.textContent || "?");
  return {width, pageWidth, tooWide: tooWide.slice(0, 5), formulasCut};
}"""


@dataclass
class Visit:
    """One page load on one screen: what went over the network, what the console said, what
    the page held and how it lay, and what using its navigation showed."""

    failed_requests: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)
    navigation: dict = field(default_factory=dict)
    contents: dict = field(default_factory=dict)
    listening: bool = True  # until the navigation leads to another page


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "book" / "index.html").is_file():
        pytest.fail(f"no built site in {HTML}: run `make strict-book` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A page left while it still loads, as the navigation test leaves one, hangs up.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # one line per request would bury pytest's report


@pytest.fixture(scope="module")
def visit(browser, site_url):
    """`visit(page, screen)` loads a page the first time a test asks for it on that screen,
    and remembers it."""
    for screen in SCREENS:
        (SCREENSHOTS / screen).mkdir(parents=True, exist_ok=True)
    return functools.cache(lambda page, screen: _load(browser, site_url, page, screen))


def _load(browser, site_url, page_name, screen):
    visit = Visit()
    context = browser.new_context(**SCREENS[screen])
    context.route("**/*", functools.partial(_only_this_site, site_url, visit))
    page = context.new_page()
    _record_faults(page, visit)
    # Not "networkidle", which waits out half a second of quiet after everything: what loads
    # later, MathJax and the images, is waited for below, and requests are still recorded
    # while the navigation is walked.
    page.goto(f"{site_url}/{page_name}.html", wait_until="load")
    _wait_for_math_and_images(page)
    visit.facts = page.evaluate(FACTS)
    if page_name in CHAPTERS:
        # What a reader sees on arriving: a whole chapter is 10,000 to 40,000 pixels tall,
        # and seconds of a core to draw and encode, on each run, for a file no test reads.
        page.screenshot(path=SCREENSHOTS / screen / f"{Path(page_name).name}.png")
    visit.layout = page.evaluate(LAYOUT)
    if screen == "phone" and page_name in CHAPTERS:
        visit.contents = _open_and_close_the_page_contents(page)
    visit.navigation = _use_the_navigation(page, site_url, page_name, screen, visit)
    context.close()
    return visit


def _record_faults(page, visit):
    def on_response(response):
        if visit.listening and response.status >= 400:
            visit.failed_requests.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        if visit.listening:
            visit.failed_requests.append(request.url)

    def on_console(message):
        if visit.listening and message.type == "error":
            visit.console_errors.append(message.text)

    def on_page_error(error):
        if visit.listening:
            visit.console_errors.append(str(error))

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)


def _only_this_site(site_url, visit, route):
    """Let requests to the local server through; record and block any other."""
    url = route.request.url
    if url.startswith(f"{site_url}/") or url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        if visit.listening:
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


def _chapter_to_follow(page_name):
    """The chapter whose link the navigation test follows from this page: the next one, so
    that every chapter's link is followed from some page."""
    after = CHAPTERS.index(page_name) + 1 if page_name in CHAPTERS else 0
    return CHAPTERS[after % len(CHAPTERS)]


def _use_the_navigation(page, site_url, page_name, screen, visit):
    """Use the sidebar's table of contents as a reader does, and note what each step showed.

    On a phone the sidebar starts closed: the button opens it, a tap beside it closes it. On
    a desktop it starts open, and the button closes it. Then the button opens it once more,
    and a tap on a chapter's link must lead there. The first step that cannot be taken ends
    the walk: the notes say which and why, and the tests report it.
    """
    touch = SCREENS[screen].get("has_touch", False)
    target = _chapter_to_follow(page_name)
    seen = {"target": target, "target_url": f"{site_url}/{target}.html", "step": "open"}
    buttons = page.locator(f"{NAVIGATION_BUTTON}:visible")
    navigation = page.locator(NAVIGATION)
    seen["buttons"] = buttons.count()

    def press(locator):
        if touch:
            locator.tap(timeout=SETTLE_MS)
        else:
            locator.click(timeout=SETTLE_MS)

    def toggle():
        press(buttons)
        _settle(page)

    try:
        if seen["buttons"] != 1:
            raise _Blocked(f"{seen['buttons']} navigation buttons in sight, not 1")
        if touch:
            seen["at first"] = _where(page, navigation)
            toggle()
        seen["opened"] = _where(page, navigation)

        seen["step"] = "link"
        links = navigation.locator("a")
        hrefs = links.evaluate_all("links => links.map(a => a.href)")
        if seen["target_url"] not in hrefs:
            raise _Blocked(f"no link to {target} in the navigation")
        link = links.nth(hrefs.index(seen["target_url"]))
        if not seen["opened"]["shown"]:
            raise _Blocked("the navigation is not on the screen")
        link.scroll_into_view_if_needed(timeout=SETTLE_MS)
        seen["link"] = _where(page, link)
        if touch and page_name in CHAPTERS:
            name = f"{Path(page_name).name}-navigation.png"
            page.screenshot(path=SCREENSHOTS / screen / name)

        seen["step"] = "close"
        if touch:
            _tap_beside(page, seen["opened"])
        else:
            toggle()
        seen["closed"] = _where(page, navigation)

        seen["step"] = "follow"
        toggle()
        link.scroll_into_view_if_needed(timeout=SETTLE_MS)
        visit.listening = False  # the chapter it leads to has visits of its own
        press(link)
        # Where the tap leads is known once the new page starts to arrive: no need to
        # wait for all of it, which its own visits check.
        page.wait_for_url(seen["target_url"], wait_until="commit", timeout=WAIT_MS)
        seen["step"] = "done"
    except (_Blocked, PlaywrightError) as reason:
        seen["reason"] = str(reason).splitlines()[0]
    seen["arrived"] = page.url
    return seen


def _open_and_close_the_page_contents(page):
    """On a phone the page's own table of contents waits behind a button as well: open it,
    and close it with a tap beside it. A page without sections has no such table."""
    buttons = page.locator(f"{CONTENTS_BUTTON}:visible")
    contents = page.locator(CONTENTS)
    seen = {"buttons": buttons.count(), "sections": contents.locator("a").count()}
    if not seen["sections"]:
        return seen
    seen["step"] = "open"
    try:
        if seen["buttons"] != 1:
            raise _Blocked(f"{seen['buttons']} contents buttons in sight, not 1")
        buttons.tap(timeout=SETTLE_MS)
        _settle(page)
        seen["opened"] = _where(page, contents)
        if not seen["opened"]["shown"]:
            raise _Blocked("the contents are not on the screen")
        seen["step"] = "close"
        _tap_beside(page, seen["opened"])
        seen["closed"] = _where(page, contents)
        seen["step"] = "done"
    except (_Blocked, PlaywrightError) as reason:
        seen["reason"] = str(reason).splitlines()[0]
    return seen


def _tap_beside(page, opened):
    """Tap the page where an open sidebar leaves it uncovered, as a reader closes one."""
    width, height = SCREENS["phone"]["viewport"].values()
    free_left, free_right = opened["left"], width - opened["right"]
    if max(free_left, free_right) < 10:
        raise _Blocked("the open sidebar leaves no room beside it to tap")
    x = free_left / 2 if free_left > free_right else opened["right"] + free_right / 2
    page.touchscreen.tap(x, height / 2)
    _settle(page)


class _Blocked(Exception):
    """A step of a walk through a sidebar cannot be taken."""


def _settle(page):
    """Let the sidebar's slide or fade finish; one that never does, the checks report."""
    try:
        page.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running')",
            timeout=SETTLE_MS,
        )
    except PlaywrightTimeoutError:
        pass


def _where(page, locator):
    """Where an element shows: whether a reader sees it (visible, across the screen's width
    and within its height), whether something lies over its centre, and whether anything
    lies over the page's own content in the middle of the screen."""
    return locator.evaluate(
        """e => {
          const r = e.getBoundingClientRect();
          const onScreen = r.width > 0 && r.left >= -1 && r.right <= innerWidth + 1 &&
            r.bottom > 0 && r.top < innerHeight;
          const visible = e.checkVisibility({opacityProperty: true, visibilityProperty: true});
          const atCentre = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          const middle = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
          return {
            left: Math.round(r.left), right: Math.round(r.right), shown: visible && onScreen,
            covered: !atCentre || !(e.contains(atCentre) || atCentre.contains(e)),
            pageUncovered: !!middle?.closest("main#main-content"),
          };
        }"""
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_page_loads_everything_from_this_site_alone(visit, page, screen):
    loaded = visit(page, screen)
    assert not loaded.outside_requests, f"{page} asks other hosts for these"
    assert not loaded.failed_requests, f"{page} failed to load these"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_console_shows_no_errors(visit, page, screen):
    errors = [
        error
        for error in visit(page, screen).console_errors
        if not any(known in error for known in KNOWN_CONSOLE_ERRORS)
    ]
    assert not errors, f"{page} logs errors in the browser console"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visit, page, screen):
    facts = visit(page, screen).facts
    assert not facts["mathUntypeset"], f"{page}: MathJax left these as TeX"
    raw = [mark for mark in RAW_MATH if mark in facts["text"]]
    assert not raw, (
        f"{page} shows TeX delimiters as text: {_around(facts['text'], raw)}"
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_formulas_are_shown_whole(visit, page, screen):
    cut = visit(page, screen).layout["formulasCut"]
    assert not cut, (
        f"{page}: on the {screen} these formulas are wider than their box, which cuts "
        "them off: make them display math, or let their box scroll"
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_images_load_and_say_what_they_show(visit, page, screen):
    images = visit(page, screen).facts["images"]
    broken = [image["src"] for image in images if image["width"] == 0]
    assert not broken, f"{page}: these images did not load"
    no_alt = [image["src"] for image in images if not image["alt"].strip()]
    assert not no_alt, f"{page}: these images have no alt text"


# Below this share of its natural size, a picture's 10-point text gets hard to read. A
# desktop's rule: a phone shows nearly every picture smaller than that, and its reader zooms.
READABLE_SCALE = 0.75


@pytest.mark.parametrize("page", PAGES)
def test_pictures_are_readable_or_open_at_full_size(visit, page):
    for figure in visit(page, "desktop").facts["figures"]:
        if figure["shown"] < READABLE_SCALE * figure["natural"]:
            assert figure["link"] == figure["src"], (
                f"{page}: {figure['src']} is shown at {figure['shown']:.0f} of its "
                f"{figure['natural']} pixels and does not link to itself at full size: "
                "give its cell `tags: [full-width]` and `mystnb: image: width: 100%`"
            )


@pytest.mark.parametrize("page", PAGES)
def test_no_page_is_wider_than_a_phone(visit, page):
    layout = visit(page, "phone").layout
    assert layout["pageWidth"] <= layout["width"], (
        f"{page} is {layout['pageWidth']} pixels wide on a {layout['width']}-pixel "
        f"phone, so it scrolls sideways; sticking out: {layout['tooWide']}"
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_navigation_button_shows_the_table_of_contents(visit, page, screen):
    seen = visit(page, screen).navigation
    assert seen["buttons"] == 1, (
        f"{page}: {seen['buttons']} navigation buttons ({NAVIGATION_BUTTON}) in sight "
        f"on the {screen}, not 1"
    )
    assert "opened" in seen, _stopped(page, screen, seen)
    if "at first" in seen:
        assert not seen["at first"]["shown"], (
            f"{page}: on the {screen} the navigation covers the page before it is opened"
        )
    assert seen["opened"]["shown"], (
        f"{page}: on the {screen} the navigation is not on the screen"
        + (" after a tap on its button" if "at first" in seen else "")
        + f": it lies at x = {seen['opened']['left']} to {seen['opened']['right']}"
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_navigation_link_to_a_chapter_shows_and_leads_there(visit, page, screen):
    seen = visit(page, screen).navigation
    assert "link" in seen, _stopped(page, screen, seen)
    assert seen["link"]["shown"] and not seen["link"]["covered"], (
        f"{page}: on the {screen} the link to {seen['target']} is not there to tap"
    )
    assert seen["arrived"] == seen["target_url"], (
        f"{page} on the {screen}: following the link to {seen['target']} "
        f"ended at {seen['arrived']} ({seen['step']}: {seen.get('reason')})"
    )


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", PAGES)
def test_navigation_closes_again(visit, page, screen):
    seen = visit(page, screen).navigation
    assert "closed" in seen, _stopped(page, screen, seen)
    how = "a tap beside it" if "at first" in seen else "its button"
    assert not seen["closed"]["shown"], (
        f"{page}: on the {screen} {how} does not close the navigation"
    )
    assert seen["closed"]["pageUncovered"], (
        f"{page}: on the {screen} something still lies over the page once the "
        "navigation is closed"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_page_contents_open_and_close_on_a_phone(visit, chapter):
    seen = visit(chapter, "phone").contents
    if not seen["sections"]:
        assert not seen["buttons"], (
            f"{chapter} has no sections, yet a button for its contents on the phone"
        )
        return
    assert "closed" in seen, _stopped(chapter, "phone", seen)
    assert not seen["closed"]["shown"], (
        f"{chapter}: on the phone a tap beside the page's contents does not close them"
    )
    assert seen["closed"]["pageUncovered"], (
        f"{chapter}: on the phone something still lies over the page once its contents "
        "are closed"
    )


def _stopped(page, screen, seen):
    return (
        f"{page} on the {screen}: the walk stopped before this step, at {seen['step']!r}: "
        f"{seen.get('reason')}"
    )


def test_the_references_are_labelled_as_the_text_cites_them(visit):
    labels = visit("book/references", "desktop").facts["citationLabels"]
    assert labels, "the references page lists no works"
    name = r"[\w\-]+(?: [\w\-]+)*"
    author_year = re.compile(rf"\[{name}(?: and {name}| et al\.)?, \d{{4}}[a-z]?\]")
    odd = [label for label in labels if not author_year.fullmatch(label)]
    assert not odd, f"labels not in the text's author-year form: {odd}"
    assert labels == sorted(labels, key=str.lower), (
        "the works are not in authors' order"
    )


# The checks below read the page's markup, which is the same on every screen: once is enough.


@pytest.mark.parametrize("page", PAGES)
def test_no_myst_markup_is_left_raw(visit, page):
    text = visit(page, "desktop").facts["text"]
    raw = [mark for mark in RAW_MYST if mark in text]
    assert not raw, f"{page} shows MyST markup as text: {_around(text, raw)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_exercises_with_solutions(visit, chapter):
    facts = visit(chapter, "desktop").facts
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
    facts = visit(chapter, "desktop").facts
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
        page.goto(f"{site_url}/{page_name}.html", wait_until="load")
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
