"""Write each chapter as an `.ipynb` into a mirror of `book/`, for nbmake to execute.

nbmake runs only `.ipynb` files, each with its own folder as the working directory. The
mirror holds the converted chapters plus links to everything else in `book/`, so a chapter
finds `code_so_far.py` (and any file it reads) exactly as it does in the real folder.

Each converted chapter ends with one more cell, not in the chapter itself: it fails the
notebook if the kernel's memory ever went above what a Binder session is sure to have for
it (mybinder.org guarantees 1 GB for the whole session; a chapter may take half).
"""

import shutil
import sys
from pathlib import Path

import jupytext
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parent.parent
PEAK_MEMORY_MB = 500
MEMORY_CHECK = f"""\
import resource
import sys

# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 2**10
print(f"the kernel's peak memory: {{peak_mb:.0f}} MB")
assert peak_mb < {PEAK_MEMORY_MB}, (
    f"this chapter's kernel peaked at {{peak_mb:.0f}} MB, above the {PEAK_MEMORY_MB} MB "
    "that a Binder session can give it"
)
"""
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
                notebook.cells.append(new_code_cell(MEMORY_CHECK))
                jupytext.write(notebook, target.with_suffix(".ipynb"))
        elif source.suffix != ".md":
            target.symlink_to(source)
    print(f"chapters as notebooks in {mirror}/")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
