"""The package on the built site: the mark on every exported cell, and the page of the code.

Run after `make strict-book`. Read from the HTML files themselves (no browser needed): each
chapter's cells tagged `export:MODULE` carry the line "In the package: micrograd/MODULE.py",
linked to that module's section of the page "The finished code", and that page shows every
module of `micrograd/` line for line, each piece under a link to the chapter it comes from.
"""

import functools
import os
from pathlib import Path

import jupytext
import pytest
from bs4 import BeautifulSoup

from book_toc import ROOT, chapters

HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
CODE_PAGE = "book/code"
PACKAGE = ROOT / "micrograd"
EXPORT_TAG = "export:"


@functools.cache
def soup(page):
    """The page, parsed once (about a second of a core each): its tests share it, unchanged."""
    path = HTML / f"{page}.html"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the site first (make strict-book)")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def exported_modules(chapter):
    """The module of each exported cell of a chapter's source, in order."""
    notebook = jupytext.read(ROOT / f"{chapter}.md")
    modules = []
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith(EXPORT_TAG):
                modules.append(tag[len(EXPORT_TAG) :])
    return modules


def module_sections():
    """{module name: its section} on the page of the finished code."""
    page = soup(CODE_PAGE)
    return {
        section["id"].removeprefix("package-"): section
        for section in page.find_all(
            "section", id=lambda i: i and i.startswith("package-")
        )
    }


def code_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("chapter", chapters())
def test_every_exported_cell_is_marked_with_its_module(chapter):
    marks = soup(chapter).select("p.exported-cell")
    shown = [mark.a.get_text() for mark in marks]
    assert shown == [f"micrograd/{module}.py" for module in exported_modules(chapter)]
    for mark in marks:
        assert mark.get_text().startswith("In the package: ")
        module = mark.a.get_text().removeprefix("micrograd/").removesuffix(".py")
        assert mark.a["href"] == f"code.html#package-{module}"
        # The mark sits inside its cell, above the code.
        cell = mark.find_parent("div", class_="cell")
        assert cell is not None and cell.find("div", class_="cell_input") is not None


def test_the_code_page_has_a_section_for_every_module():
    modules = sorted(
        path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"
    )
    assert sorted(module_sections()) == modules


def test_the_code_page_shows_the_modules_in_the_order_the_book_starts_them():
    in_book_order = dict.fromkeys(
        module for chapter in chapters() for module in exported_modules(chapter)
    )
    assert list(module_sections()) == list(in_book_order)


@pytest.mark.parametrize(
    "module",
    sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"),
)
def test_the_code_page_shows_each_module_line_for_line(module):
    section = module_sections()[module]
    shown = [
        line for pre in section.find_all("pre") for line in code_lines(pre.get_text())
    ]
    # The file's first line says where it was generated from; its docstring is the
    # section's first paragraph, and everything else is on the page, in the file's order.
    _header, source = (
        (PACKAGE / f"{module}.py").read_text(encoding="utf-8").split("\n", 1)
    )
    docstring, _, body = source.partition('"""\n')
    assert section.p.get_text().split() == docstring.strip('"').replace("`", "").split()
    assert shown == code_lines(body)


def test_each_piece_of_code_links_to_the_chapter_it_comes_from():
    known = {f"{Path(chapter).name}.html" for chapter in chapters()}
    for module, section in module_sections().items():
        links = [
            p.a["href"]
            for p in section.find_all("p")
            if p.get_text().startswith("From ")
        ]
        assert links, f"{module}: no piece names its chapter"
        assert set(links) <= known, f"{module}: {set(links) - known} are not chapters"
