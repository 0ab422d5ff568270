"""Give the book build the chapters as nbmake executed them, so that it runs none again.

    python scripts/seed_execution_cache.py MIRROR

`make chapters` has nbmake execute every chapter (converted by chapters_as_notebooks.py
into MIRROR/book/*.ipynb) and write the outputs back. This gives each chapter, as myst-nb
itself reads it, the outputs nbmake's run produced (the memory check that
chapters_as_notebooks.py appended is left out), and stores it in the execution cache that
myst-nb reads (`execute_notebooks: cache`). The cache's key is the chapter's code and its
cells' options, so the HTML and PDF builds that follow find every chapter there, and a
chapter that differs from what nbmake ran is executed as usual. A chapter nbmake did not
finish is not stored.
"""

import sys
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from myst_nb.core.read import read_myst_markdown_notebook

from chapters_as_notebooks import MEMORY_CHECK, ROOT, tangle

# Where Jupyter Book 1.x keeps myst-nb's execution cache.
CACHE = ROOT / "_build" / ".jupyter_cache"


def executed(notebook):
    """Whether every code cell of the notebook ran (nbmake stops at the first error)."""
    return all(
        cell.get("execution_count") is not None
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.strip()
    )


def main(mirror):
    project = tangle.Project(ROOT)
    cache = get_cache(str(CACHE))
    stored = 0
    for chapter in project.chapters():
        path = mirror / chapter.with_suffix(".ipynb")
        if not path.exists():
            continue  # a page without code, which nbmake does not run
        ran = nbformat.read(path, as_version=4)
        last = ran.cells[-1] if ran.cells else None
        if last is None or last.source != MEMORY_CHECK or not executed(ran):
            print(f"{chapter}: not executed to the end by nbmake; left to the build")
            continue
        notebook = read_myst_markdown_notebook((ROOT / chapter).read_text("utf-8"))
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        code_ran = [cell for cell in ran.cells[:-1] if cell.cell_type == "code"]
        if [cell.source for cell in code] != [cell.source for cell in code_ran]:
            print(f"{chapter}: changed since nbmake ran it; left to the build")
            continue
        for cell, cell_ran in zip(code, code_ran, strict=True):
            cell.outputs = cell_ran.outputs
            cell.execution_count = cell_ran.execution_count
        bundle = CacheBundleIn(notebook, str(ROOT / chapter))
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        stored += 1
    print(
        f"{stored} executed chapters in the execution cache {CACHE.relative_to(ROOT)}/"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
