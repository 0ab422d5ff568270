"""The book's build settings make it a gate: a cell that raises fails the strict build."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
# The chapters' own front matter: what makes a Markdown file an executable notebook.
FRONT_MATTER = "---".join(
    (ROOT / "book" / "introduction.md").read_text().split("---")[:2]
)


def build(book, cell):
    """Build a one-page book with this project's `_config.yml` and one code cell."""
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    # ...and the files that configuration names: the logo, favicon, bibliography and the
    # book's own Sphinx extension.
    shutil.copytree(ROOT / "book" / "images", book / "book" / "images")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    # The book's extensions read the package's settings with the tangler.
    shutil.copytree(ROOT / "tangle", book / "tangle")
    shutil.copy(ROOT / "pyproject.toml", book / "pyproject.toml")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    page = f"{FRONT_MATTER}---\n\n# A page\n\n```{{code-cell}} ipython3\n{cell}\n```\n"
    (book / "index.md").write_text(page)
    command = [JUPYTER_BOOK, "build", book, "--all", "-W", "-n", "--keep-going"]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("cell", "passes"),
    [("print(6 * 7)", True), ("raise RuntimeError('a chapter cell broke')", False)],
)
def test_only_a_book_whose_cells_all_run_builds(tmp_path, cell, passes):
    result = build(tmp_path, cell)
    assert (result.returncode == 0) == passes, result.stdout + result.stderr
    if not passes:
        assert "a chapter cell broke" in result.stdout + result.stderr
