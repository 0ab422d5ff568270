"""Every chapter is stored exactly as jupytext writes it.

JupyterLab (in Binder) saves a chapter it has opened through jupytext, even if the reader
changed nothing; a chapter already in jupytext's own form comes back byte for byte.
"""

from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(
    path for path in BOOK.glob("*.md") if path.read_text().startswith("---\njupytext:")
)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_a_chapter_is_stored_as_jupytext_would_save_it(chapter):
    text = chapter.read_text(encoding="utf-8")
    saved = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
    assert saved == text, f"run `jupytext --to myst book/{chapter.name}` and commit it"
