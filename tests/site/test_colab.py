"""The Colab buttons, and the notebooks they open, run as Colab would run them.

The publish workflow pushes the folder `make colab` writes to a branch of the repository
(`scripts/colab_notebooks.py push`). Here the same folder, built from this build of the
site, is pushed by the same function to a local bare repository that stands for GitHub. Then:
every chapter's Colab button leads to that chapter's notebook on the branch pushed to, and
the wheels its set-up cell installs are on that branch too; and a published notebook runs to
the end in a fresh environment like Colab's (its Python, the packages the book needs that
Colab has installed, `google.colab` imported) that holds nothing of this repository but what
the set-up cell installs, from the wheels just built instead of their published addresses.
Run after `make strict-book`.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from book_toc import ROOT, chapters, config, pages

sys.path.insert(0, str(ROOT / "scripts"))
import colab_notebooks  # noqa: E402
import uv_pip  # noqa: E402

HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
EXECUTED = HTML / "_sources"
CHAPTERS = chapters()
COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/(?P<owner>[^/]+)/(?P<name>[^/]+)"
    r"/blob/(?P<branch>[^/]+)/(?P<path>.+)"
)
RAW_FILE = re.compile(
    r"https://raw\.githubusercontent\.com/(?P<owner>[^/]+)/(?P<name>[^/]+)"
    r"/(?P<branch>[^/]+)/(?P<path>[^'\"]+)"
)
# Colab's Python, and what Colab has installed of what the book needs (at the book's pins:
# the versions the chapters are tested with). Colab's own kernel is ipykernel.
COLAB_PYTHON = "3.12"
COLAB_HAS = ["numpy", "matplotlib", "pyyaml", "ipykernel"]
# Chapters cheap to run that still use both `load` (the chapters before them tangled, from
# the installed sources) and `extend` (a method added to a class an earlier chapter wrote).
RUN_IN_COLAB = ["book/neuron"]
CELL_TIMEOUT = 600  # seconds, as the book's own `execute.timeout`


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The branch as the workflow publishes it: `(folder built, bare repository)`."""
    if not (EXECUTED / f"{CHAPTERS[0]}.ipynb").is_file():
        pytest.fail(f"no executed chapters in {EXECUTED}: run `make strict-book` first")
    work = tmp_path_factory.mktemp("colab")
    folder, github, clone = work / "colab", work / "github.git", work / "clone"
    colab_notebooks.build(folder, executed=EXECUTED)
    repository_url = config()["repository"]["url"]
    git("init", "--quiet", "--bare", github)
    # A clone of the book's repository whose pushes land in the bare one: git rewrites
    # the address, so the push runs exactly as it does in the workflow.
    git("init", "--quiet", clone)
    git("-C", clone, "remote", "add", "origin", repository_url)
    git("-C", clone, "config", f"url.{github}.insteadOf", repository_url)
    git("-C", clone, "config", "user.name", "test")
    git("-C", clone, "config", "user.email", "test@localhost")
    colab_notebooks.push(folder, repository=clone)
    return folder, github


def git(*arguments):
    command = ["git", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def on_branch(github, branch, path):
    """The file `path` on `branch` of the bare repository, or None."""
    shown = subprocess.run(
        ["git", "--git-dir", github, "show", f"{branch}:{path}"], capture_output=True
    )
    return shown.stdout if shown.returncode == 0 else None


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attributes):
        href = dict(attributes).get("href")
        if tag == "a" and href:
            self.links.append(href)


def colab_links(page):
    parser = _Links()
    parser.feed((HTML / f"{page}.html").read_text(encoding="utf-8"))
    return [link for link in parser.links if "colab.research.google.com" in link]


def setup_cell(notebook):
    """The set-up cell, which must come before every other code cell."""
    cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert cell.id == colab_notebooks.SETUP_CELL_ID, (
        "the first code cell is not the set-up"
    )
    return cell


def without_setup_cell(notebook):
    return [cell for cell in notebook.cells if cell.id != colab_notebooks.SETUP_CELL_ID]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_colab_button_opens_the_published_notebook_of_this_chapter(published, chapter):
    folder, github = published
    links = colab_links(chapter)
    assert len(links) == 1, f"{chapter}: not one Colab button but {links}"
    found = COLAB_LINK.fullmatch(links[0])
    assert found, f"{chapter}: the Colab button leads to {links[0]}"
    repository = config()["repository"]["url"].rstrip("/")
    assert f"https://github.com/{found['owner']}/{found['name']}" == repository
    assert found["path"] == f"{chapter}.ipynb", f"{links[0]} is not this chapter's"
    published_notebook = on_branch(github, found["branch"], found["path"])
    assert published_notebook, f"the workflow publishes nothing at {links[0]}"
    notebook = nbformat.reads(published_notebook.decode(), as_version=4)
    executed = nbformat.read(EXECUTED / f"{chapter}.ipynb", as_version=4)
    # The chapter as the site ran it, outputs included, and the set-up cell.
    setup_cell(notebook)
    assert without_setup_cell(notebook) == executed.cells
    assert notebook.metadata == executed.metadata
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    loads = f'load("{Path(chapter).name}")'
    assert loads in code[1], f"the published {chapter} does not start with {loads}"


@pytest.mark.parametrize("page", [page for page in pages() if page not in CHAPTERS])
def test_pages_without_code_have_no_colab_button(page):
    assert not colab_links(page), f"{page} is no notebook, yet has a Colab button"


def test_the_setup_cell_installs_wheels_published_beside_the_notebooks(published):
    folder, github = published
    (link,) = colab_links(CHAPTERS[0])
    branch = COLAB_LINK.fullmatch(link)["branch"]
    notebook = nbformat.read(folder / f"{CHAPTERS[0]}.ipynb", as_version=4)
    urls = [m for m in RAW_FILE.finditer(setup_cell(notebook).source)]
    version = colab_notebooks.version()
    names = sorted(Path(url["path"]).name for url in urls)
    assert names == [
        f"micrograd_book-{version}-py3-none-any.whl",
        f"micrograd_book_chapters-{version}-py3-none-any.whl",
    ]
    for url in urls:
        assert url["branch"] == branch, f"{url[0]} is not on the notebooks' branch"
        wheel = on_branch(github, branch, url["path"])
        assert wheel == (folder / url["path"]).read_bytes(), f"nothing at {url[0]}"
    # Every notebook installs the same wheels.
    for chapter in CHAPTERS:
        other = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
        assert setup_cell(other).source == setup_cell(notebook).source


def colab_like_environment(work):
    """A kernel in a fresh environment like Colab's, where google.colab is imported."""
    python = find_python(COLAB_PYTHON)
    assert python, f"Colab's Python, {COLAB_PYTHON}, is not on this machine"
    venv = work / "venv"
    subprocess.run([python, "-m", "venv", venv], check=True)
    # What Colab has installed, from uv (in seconds; the set-up cell uses pip, as on Colab).
    install = uv_pip.command(venv / "bin" / "python")
    subprocess.run([*install, *map(pin, COLAB_HAS)], check=True)
    stub = work / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""Stands for Colab\'s own module."""\n')
    # Colab's kernel has imported google.colab before the notebook's first cell runs.
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # noqa: F401\n")
    env = {"PYTHONPATH": str(work / "stub"), "IPYTHONDIR": str(work / "ipython")}
    return kernel(work, venv / "bin" / "python", env)


def kernel(work, python, env):
    """A kernel manager for a kernel run by `python`, with `env` added to its environment."""
    # What Colab has must be enough: the set-up cell may download nothing but the wheels.
    env = {**env, "PIP_NO_INDEX": "1"}
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "env": env,
    }
    kernels = work / "kernels"
    (kernels / "python3").mkdir(parents=True)
    (kernels / "python3" / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def pin(name):
    """The book's pin of a package (requirements.txt)."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split(";")[0].strip()
    raise AssertionError(f"requirements.txt does not pin {name}")


def find_python(version):
    """A Python that pyenv installed, or `pythonX.Y` on the PATH (as scripts/test_wheel.py)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    return found[-1] if found else shutil.which(f"python{version}")


def run(notebook, kernel, workdir):
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def with_local_wheels(notebook, folder):
    """The set-up cell installing the wheels just built, not those at their addresses."""
    cell = setup_cell(notebook)
    for url in RAW_FILE.finditer(cell.source):
        local = folder / url["path"]
        assert local.is_file(), f"{url[0]} is not what the build wrote at {url['path']}"
        cell.source = cell.source.replace(url[0], str(local))
    return notebook


# Appended to the notebook: where everything it ran came from.
ORIGINS = """\
import importlib.metadata, json, sys
import code_so_far, micrograd
print(json.dumps({
    "prefix": sys.prefix,
    "code_so_far": code_so_far.__file__,
    "micrograd": micrograd.__file__,
    "modules": [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())],
    "path": sys.path,
    "installed": {d.metadata["Name"]: d.version for d in importlib.metadata.distributions()},
}))
"""


@pytest.mark.parametrize("chapter", RUN_IN_COLAB)
def test_published_notebook_runs_to_the_end_in_colab(published, chapter, tmp_path):
    folder, _ = published
    colab = colab_like_environment(tmp_path)
    notebook = with_local_wheels(
        nbformat.read(folder / f"{chapter}.ipynb", as_version=4), folder
    )
    notebook.cells.append(nbformat.v4.new_code_cell(ORIGINS))
    workdir = tmp_path / "content"  # Colab's working folder: empty
    workdir.mkdir()
    run(notebook, colab, workdir)
    outputs = [o.get("text", "") for o in setup_cell(notebook).outputs]
    assert "Colab is set up" in "".join(outputs)
    origins = json.loads(notebook.cells[-1].outputs[0]["text"])
    version = colab_notebooks.version()
    assert origins["installed"]["micrograd-book"] == version
    assert origins["installed"]["micrograd-book-chapters"] == version
    assert origins["code_so_far"].startswith(origins["prefix"]), "not the installed one"
    # `load` gave the chapter the code of the chapters before it, tangled afresh.
    assert f"micrograd-before-{Path(chapter).name}-" in origins["micrograd"]
    from_repository = [
        path
        for path in origins["modules"] + origins["path"]
        if path.startswith(str(ROOT))
    ]
    assert not from_repository, "the notebook used files of the repository"


def test_setup_cell_does_nothing_outside_colab(published, tmp_path):
    """In a kernel of the book's own environment, as Binder's or a reader's Jupyter."""
    folder, _ = published
    notebook = nbformat.read(folder / f"{CHAPTERS[0]}.ipynb", as_version=4)
    probe = (
        "import importlib.util, sys\n"
        'print("google.colab" in sys.modules, importlib.util.find_spec("code_so_far"))'
    )
    notebook.cells = [setup_cell(notebook), nbformat.v4.new_code_cell(probe)]
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    run(notebook, kernel(tmp_path, sys.executable, {}), workdir)
    assert not notebook.cells[0].outputs, "the set-up cell did something outside Colab"
    assert notebook.cells[1].outputs[0]["text"].split() == ["False", "None"]
