"""The chapters as notebooks that run in Google Colab, and the wheels they install there.

    python scripts/colab_notebooks.py build [FOLDER]   # after `make book`; FOLDER: _build/colab
    python scripts/colab_notebooks.py push [FOLDER]    # the publish workflow's last step

`build` writes into FOLDER what the publish workflow pushes, whole, to the branch that
`book/_ext/colab_button.py` names (and the site's Colab buttons point at):

    book/NAME.ipynb   each chapter that has code, as the site executed it, with one more
                      cell before its first code cell that sets Colab up (`SETUP_CELL`)
    wheels/           the package (micrograd-book), and micrograd-book-chapters: what
                      `load` and `extend` need, the tangler, `code_so_far.py` and the
                      chapters' sources; both at the book's version
    README.md         what the branch is

Colab has neither this book's package nor `code_so_far`: the set-up cell installs both
wheels, from the branch, and puts `code_so_far` on the path, so that the chapter's own first
cell, `load("NAME")`, tangles the chapters before it as it does anywhere. Outside Colab the
set-up cell does nothing, and the notebook runs as the chapter does.

`push` makes FOLDER the one commit of that branch and force-pushes it to `origin`, which must
be the repository `_config.yml` names (the one the Colab links lead to).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
# Where the site's Colab buttons lead, and so where to publish (book/_ext/colab_button.py).
from colab_button import (  # noqa: E402
    PUBLISHED_BRANCH,
    WHEELS,
    github_repository,
    notebook_path,
    published_file_url,
)

import tangle  # noqa: E402  (the tangler lives at the repository root)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DEFAULT_FOLDER = ROOT / "_build" / "colab"
EXECUTED = ROOT / "_build" / "html" / "_sources"
CHAPTERS_PACKAGE = "micrograd_book_chapters"
SETUP_CELL_ID = "colab-setup"

# The first code cell of every published notebook; `WHEELS_HERE` becomes the list of the
# wheels' addresses. If Colab cannot install them, the reader sees pip's own message.
SETUP_CELL = """\
# Google Colab has neither this book's package nor `code_so_far`, which gives each chapter
# the code of the chapters before it. There, this cell installs both, as the book was when
# this notebook was published; anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import subprocess

    wheels = WHEELS_HERE
    pip = [sys.executable, "-m", "pip", "install", "--quiet", *wheels]
    installed = subprocess.run(pip, capture_output=True, text=True)
    if installed.returncode != 0:
        raise RuntimeError(f"could not install the book's code:\\n{installed.stderr}")
    importlib.invalidate_caches()
    import CHAPTERS_PACKAGE

    book = str(CHAPTERS_PACKAGE.BOOK)
    if book not in sys.path:
        sys.path.insert(0, book)  # where code_so_far is
    print("Colab is set up: the book's package and code_so_far are installed")
""".replace("CHAPTERS_PACKAGE", CHAPTERS_PACKAGE)

# The chapters' package: the repository's layout, which `code_so_far.py` expects (its
# parent's parent holds `tangle/`, `pyproject.toml` and `_toc.yml`), inside one package.
CHAPTERS_INIT = '''\
"""This book's chapters and tangler, for `code_so_far` in Colab: put BOOK on sys.path."""

from pathlib import Path

BOOK = Path(__file__).parent / "book"
'''
CHAPTERS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "micrograd-book-chapters"
version = "{version}"
description = "The chapters of micrograd-book and its tangler, so that each runs in Colab."
license = "MIT"
requires-python = ">=3.10"
# The package at the same version; the tangler reads _toc.yml (PyYAML) and pyproject.toml
# (tomli before Python 3.11). Lower bounds only, so that Colab keeps what it has.
dependencies = [
    "micrograd-book[draw,tensor]=={version}",
    "pyyaml>=6",
    'tomli>=1.1; python_version < "3.11"',
]

[tool.setuptools]
packages = ["{package}", "{package}.book", "{package}.tangle"]

[tool.setuptools.package-data]
{package} = ["pyproject.toml", "_toc.yml"]
"{package}.book" = ["*.md"]
"""

BRANCH_README = """\
# Notebooks for Colab

Written by the publish workflow (`.github/workflows/publish.yml` on `{branch}`) from
commit {commit}. Every publication replaces this branch with one new commit: do not
commit here. `book/` holds the chapters as notebooks, which the book's Colab buttons open;
`wheels/` what their first cell installs in Colab. Their sources are the chapters on
`{branch}`.
"""


def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def version():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["version"]


def notebook_pages():
    """The book's pages that are notebooks (they have a kernel), in book order."""
    # Imported here, as nbformat below: `push` runs where only PyYAML is installed.
    import jupytext

    pages = []
    for path in tangle.Project(ROOT).chapters():
        notebook = jupytext.read(ROOT / path)
        if "kernelspec" in notebook.metadata:
            pages.append(path.with_suffix("").as_posix())
    return pages


def build(folder, executed=EXECUTED):
    """Write the notebooks, the wheels and the branch's README into `folder`."""
    import nbformat

    repository = book_config()["repository"]
    shutil.rmtree(folder, ignore_errors=True)
    wheels = build_wheels(folder / WHEELS)
    urls = [published_file_url(repository["url"], f"{WHEELS}/{w.name}") for w in wheels]
    for page in notebook_pages():
        source = executed / f"{page}.ipynb"
        if not source.is_file():
            raise SystemExit(
                f"{source}: not found; the notebooks are made from the built site's "
                "executed chapters: build the site first (make book)"
            )
        notebook = colab_notebook(nbformat.read(source, as_version=4), urls)
        target = folder / notebook_path(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    branch = repository.get("branch", "main")
    readme = BRANCH_README.format(branch=branch, commit=source_commit())
    (folder / "README.md").write_text(readme, encoding="utf-8")
    print(f"notebooks for Colab and their wheels in {folder}/")


def colab_notebook(notebook, wheel_urls):
    """The notebook with the set-up cell before its first code cell (after the title and
    the opening paragraphs); its own cells as they were."""
    import nbformat

    wheels = "[\n" + "".join(f'        "{url}",\n' for url in wheel_urls) + "    ]"
    cell = nbformat.v4.new_code_cell(SETUP_CELL.replace("WHEELS_HERE", wheels))
    cell.id = SETUP_CELL_ID
    cell.metadata["tags"] = [SETUP_CELL_ID]
    kinds = [c.cell_type for c in notebook.cells]
    first_code = kinds.index("code") if "code" in kinds else len(kinds)
    notebook.cells.insert(first_code, cell)
    nbformat.validate(notebook)
    return notebook


def build_wheels(folder):
    """The package's wheel and the chapters' wheel, built in fresh build environments."""
    with tempfile.TemporaryDirectory(prefix="micrograd-book-chapters-") as staging:
        chapters = stage_chapters(Path(staging))
        pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        subprocess.run([*pip, "--wheel-dir", folder, ROOT, chapters], check=True)
    wheels = sorted(folder.glob("*.whl"))
    names = [w.name.split("-")[0] for w in wheels]
    if names != ["micrograd_book", CHAPTERS_PACKAGE]:
        raise SystemExit(f"{folder}: expected the two wheels, found {names}")
    return wheels


def stage_chapters(staging):
    """A project folder for the chapters' wheel: the files `code_so_far` reads."""
    package = staging / CHAPTERS_PACKAGE
    for path in ["pyproject.toml", "_toc.yml", "book/code_so_far.py"]:
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, package / path)
    for path in tangle.Project(ROOT).chapters():
        shutil.copy2(ROOT / path, package / path)
    shutil.copytree(
        ROOT / "tangle",
        package / "tangle",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (package / "__init__.py").write_text(CHAPTERS_INIT, encoding="utf-8")
    pyproject = CHAPTERS_PYPROJECT.format(version=version(), package=CHAPTERS_PACKAGE)
    (staging / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return staging


def push(folder, repository=ROOT, remote="origin"):
    """Make `folder` the only commit of the published branch, on `remote`."""
    if not (folder / "README.md").is_file():
        raise SystemExit(f"{folder}: nothing to publish; write it first (make colab)")
    expected = book_config()["repository"]["url"]
    found = git(repository, "config", "--get", f"remote.{remote}.url")
    if _owner_and_name(found) != tuple(s.lower() for s in github_repository(expected)):
        raise SystemExit(
            f"the remote {remote!r} is {found}, but the Colab links lead to {expected} "
            "(_config.yml, repository.url): push from a clone of that repository, or "
            "change repository.url"
        )
    git_dir = git(repository, "rev-parse", "--absolute-git-dir")
    with tempfile.TemporaryDirectory() as scratch:
        # A separate index: the checkout's own index and work tree stay as they are.
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        work = ["--git-dir", git_dir, "--work-tree", str(folder)]
        git(folder, *work, "add", "--all", "--force", ".", env=index)
        tree = git(folder, *work, "write-tree", env=index)
    message = f"Notebooks for Colab, from {source_commit()}"
    commit = git(repository, "commit-tree", tree, "-m", message)
    git(
        repository, "push", "--force", remote, f"{commit}:refs/heads/{PUBLISHED_BRANCH}"
    )
    print(f"pushed {folder}/ to {remote} {PUBLISHED_BRANCH} as {commit}")


def _owner_and_name(url):
    """(owner, name) of a GitHub remote, in its https or ssh form, or None."""
    found = re.fullmatch(
        r"(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:)([^/]+)/(.+?)(?:\.git)?/?",
        url,
    )
    return tuple(s.lower() for s in found.groups()) if found else None


def source_commit():
    return git(ROOT, "rev-parse", "HEAD")


def git(folder, *arguments, env=None):
    completed = subprocess.run(
        ["git", *arguments],
        cwd=folder,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"git {' '.join(arguments)} failed in {folder}:\n{completed.stderr}"
        )
    return completed.stdout.strip()


def main():
    parser = argparse.ArgumentParser(
        description="The chapters as notebooks for Colab: build them, or publish them."
    )
    parser.add_argument("command", choices=["build", "push"])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    arguments = parser.parse_args()
    folder = arguments.folder.resolve()
    if arguments.command == "build":
        build(folder)
    else:
        push(folder)


if __name__ == "__main__":
    main()
