"""Write each chapter as an `.ipynb` into a mirror of `book/`, for nbmake to execute.

nbmake runs only `.ipynb` files, each with its own folder as the working directory. The
mirror holds the converted chapters plus links to everything else in `book/`, so a chapter
finds `code_so_far.py` (and any file it reads) exactly as it does in the real folder.
"""

import shutil
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import tangle  # noqa: E402  (the tangler lives at the repository root)


def main(mirror):
    project = tangle.Project(ROOT)
    book = ROOT / project.book
    shutil.rmtree(mirror, ignore_errors=True)
    chapters = {ROOT / path for path in project.chapters()}
    for source in sorted(book.rglob("*")):
        target = mirror / source.relative_to(ROOT)
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source in chapters:
            notebook = jupytext.read(source)
            if any(cell.cell_type == "code" for cell in notebook.cells):
                jupytext.write(notebook, target.with_suffix(".ipynb"))
        elif source.suffix != ".md":
            target.symlink_to(source)
    print(f"chapters as notebooks in {mirror}/")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
