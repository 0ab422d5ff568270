"""The PDF of the book, as `make pdf` builds it: the site's parts and chapters in the site's
order, every figure, math typeset, every font embedded, no character missing, no line wider
than the page, and a link to it from every page of the site."""

import re
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from book_toc import ROOT, config, parts

LATEX = ROOT / "_build" / "latex"
NAME = Path(config()["latex"]["latex_documents"]["targetname"]).stem
PDF, LOG, TEX = (LATEX / f"{NAME}.{suffix}" for suffix in ("pdf", "log", "tex"))
SITE = ROOT / "_build" / "html"


@cache
def reader():
    if not PDF.exists():
        pytest.fail(f"{PDF.relative_to(ROOT)} is missing: run `make pdf` first")
    return PdfReader(PDF)


def title_of(page):
    """A page's title: the first heading of its Markdown file."""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, flags=re.MULTILINE)[1]


def outline_titles(outline):
    """The PDF's bookmarks, flattened to (depth, title), in order."""

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title

    return list(walk(outline, 0))


def plain(title):
    """A title as the PDF's bookmarks spell it (no Markdown, no math markers)."""
    return re.sub(r"[`$\\]", "", title).strip()


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def test_the_parts_and_chapters_are_in_the_sites_order():
    found = outline_titles(reader().outline)
    expected, numbered = [], 0
    for part in parts():
        if part.get("numbered"):
            expected.append((0, f"{ROMAN[numbered]} {part['caption']}"))
            numbered += 1
        else:
            expected.append((0, part["caption"]))
        expected += [(1, plain(title_of(entry["file"]))) for entry in part["chapters"]]
    assert [entry for entry in found if entry in expected] == expected


def test_the_chapters_are_numbered_as_on_the_site_and_the_back_matter_is_not():
    contents = "\n".join(reader().pages[i].extract_text() for i in range(1, 8))
    number = 0
    for part in parts():
        for entry in part["chapters"]:
            title = re.escape(plain(title_of(entry["file"]))[:20])
            numbered_line = re.search(rf"(?m)^(\d+)[ \t]+{title}", contents)
            if part.get("numbered"):
                number += 1
                assert numbered_line and numbered_line[1] == str(number), title
            else:
                assert numbered_line is None and re.search(rf"(?m)^{title}", contents)


def test_the_pdf_holds_the_whole_book():
    # The site's chapters fill well over a hundred pages; far fewer means parts are lost.
    assert len(reader().pages) > 150


def included_graphics():
    """The files the LaTeX source includes as figures: {{name}.suffix}, as Sphinx writes."""
    found = re.findall(
        r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^}]+)\}(\.\w+)\}", TEX.read_text()
    )
    return [name + suffix for name, suffix in found]


def site_figures():
    """How many pictures the site's pages show in their text (not the theme's logos)."""
    count = 0
    for page in SITE.rglob("book/*.html"):
        article = page.read_text(encoding="utf-8").split(
            '<article class="bd-article">', 1
        )
        if len(article) == 2:
            body = article[1].split("</article>", 1)[0]
            count += len(re.findall(r"<img\b", body))
    return count


def test_every_figure_of_the_site_is_in_the_pdf():
    graphics = included_graphics()
    missing = [name for name in graphics if not (LATEX / name).exists()]
    assert not missing, f"figures the PDF refers to but LaTeX did not get: {missing}"
    assert len(graphics) == site_figures()
    # Vector graphics: the SVG figures come in as PDF drawings, not as pictures of them.
    pictures = [name for name in graphics if Path(name).suffix != ".pdf"]
    assert not pictures, f"figures that reached the PDF as pixels: {pictures}"


def test_every_font_is_embedded():
    not_embedded = set()
    for page in reader().pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:
                continue  # the 14 standard fonts of PDF; XeLaTeX uses none of them
            descriptor = descriptor.get_object()
            if not any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                not_embedded.add(str(font.get("/BaseFont")))
    assert not not_embedded


def test_no_character_is_missing_from_the_fonts_and_no_line_overflows():
    log = LOG.read_text(encoding="latin-1")
    assert "Missing character" not in log, re.findall(r"Missing character.*", log)[:5]
    # Code lines wrap; text that cannot be broken would stick out into the margin.
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)[:5]


def test_math_is_typeset_not_left_as_source():
    text = "\n".join(page.extract_text() for page in reader().pages[:60])
    assert "∂" in text and "ε" in text
    for source in ["\\frac", "\\partial", "$$", "\\("]:
        assert source not in text


def test_every_page_of_the_site_links_to_the_pdf_beside_it():
    assert (SITE / PDF.name).exists(), "make pdf copies the PDF beside the site"
    for page in SITE.glob("book/*.html"):
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="book-pdf" href="([^"]+)"', html)
        assert links, f"{page.name} has no link to the PDF"
        assert all(
            (page.parent / link).resolve() == (SITE / PDF.name) for link in links
        )
