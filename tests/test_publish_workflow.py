"""The publish workflow publishes what the site's links promise, and only what was built.

`make lint` checks `.github/workflows/publish.yml` against GitHub's schema and zizmor's
security audits; these tests check what it does. The notebooks it pushes are the folder
`make colab` writes, pushed by `scripts/colab_notebooks.py push`, whose result the site
tests check against every Colab button (tests/site/test_colab.py).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import colab_notebooks  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
JOBS = WORKFLOW["jobs"]
# YAML 1.1, which PyYAML reads, takes the key `on` for True.
TRIGGERS = WORKFLOW.get("on", WORKFLOW.get(True))


def commands(job):
    return [step.get("run", "").strip() for step in JOBS[job]["steps"]]


def action(job, name):
    """The first step of `job` that uses the action `name` (owner/repo)."""
    steps = [s for s in JOBS[job]["steps"] if s.get("uses", "").startswith(f"{name}@")]
    assert steps, f"the job {job} does not use {name}"
    return steps[0]


def make_recipe(target):
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert found, f"the Makefile has no target {target}"
    return found[1]


def test_it_publishes_every_push_to_the_books_branch():
    assert TRIGGERS["push"]["branches"] == [CONFIG["repository"]["branch"]]


def test_site_pdf_and_notebooks_are_all_built_before_anything_is_published():
    built = commands("build")
    steps = ["make book", "make pdf", "make colab"]
    assert all(step in built for step in steps), f"the build job does not run {steps}"
    assert [built.index(step) for step in steps] == sorted(
        built.index(step) for step in steps
    )
    # Each publishing job waits for the one before; the site goes up last, once the
    # notebooks its Colab buttons lead to are there.
    assert JOBS["notebooks"]["needs"] == "build"
    assert JOBS["pages"]["needs"] == "notebooks"


def test_the_site_is_built_with_pytorch_at_the_tests_pin():
    """The chapters' cells that compare with PyTorch run only where it is installed."""
    built = commands("build")
    pin = "grep -i '^torch==' requirements-dev.txt"
    installs = [i for i, command in enumerate(built) if pin in command]
    assert installs, "the build job does not install PyTorch"
    command = built[installs[0]]
    assert ".venv/bin/python -m pip install" in command, "not into the book's .venv"
    assert "--index-url https://download.pytorch.org/whl/cpu" in command, (
        "not the CPU build"
    )
    assert installs[0] < built.index("make book")
    requirements = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^torch==\S+$", requirements, re.MULTILINE), (
        "no torch pin to grep"
    )


def test_the_notebooks_pushed_are_the_folder_make_colab_writes():
    (folder,) = re.findall(r"colab_notebooks\.py build (\S+)", make_recipe("colab"))
    uploaded = action("build", "actions/upload-artifact")["with"]
    downloaded = action("notebooks", "actions/download-artifact")["with"]
    assert uploaded["path"] == downloaded["path"] == folder
    assert uploaded["name"] == downloaded["name"]
    pushes = [c for c in commands("notebooks") if "colab_notebooks.py push" in c]
    assert pushes == [f"python scripts/colab_notebooks.py push {folder}"]


def test_the_site_published_holds_the_pdf():
    site = action("build", "actions/upload-pages-artifact")["with"]["path"]
    assert site == "_build/html"
    # `make pdf` copies the PDF into the site, whose pages link to it there.
    assert "cp $(PDF) _build/html/" in make_recipe("pdf")
    assert action("pages", "actions/deploy-pages")


def test_only_the_jobs_that_publish_may_write():
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert "permissions" not in JOBS["build"], "the build job needs to read only"
    assert JOBS["notebooks"]["permissions"] == {"contents": "write"}
    assert JOBS["pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    checkout = action("build", "actions/checkout")
    assert checkout["with"]["persist-credentials"] is False


def test_it_builds_with_binders_python():
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    for job in ["build", "notebooks"]:
        assert action(job, "actions/setup-python")["with"]["python-version"] == runtime


def git(*arguments):
    command = ["git", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def clone_of(tmp_path, origin):
    """A repository whose `origin` is `origin`, its pushes landing in a local bare one."""
    github, clone = tmp_path / "github.git", tmp_path / "clone"
    git("init", "--quiet", "--bare", github)
    git("init", "--quiet", clone)
    git("-C", clone, "remote", "add", "origin", origin)
    git("-C", clone, "config", f"url.{github}.insteadOf", origin)
    git("-C", clone, "config", "user.name", "test")
    git("-C", clone, "config", "user.email", "test@localhost")
    return clone, github


def folder_of(path, files):
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path


def test_push_replaces_the_branch_with_one_commit_of_the_folder(tmp_path):
    clone, github = clone_of(tmp_path, CONFIG["repository"]["url"])
    first = folder_of(tmp_path / "first", {"README.md": "1", "book/a.ipynb": "{}"})
    second = folder_of(
        tmp_path / "second",
        {"README.md": "2", "book/b.ipynb": "{}", "wheels/w.whl": "w"},
    )
    branch = colab_notebooks.PUBLISHED_BRANCH
    for folder in [first, second]:
        colab_notebooks.push(folder, repository=clone)
    files = git("--git-dir", github, "ls-tree", "-r", "--name-only", branch).split()
    assert files == ["README.md", "book/b.ipynb", "wheels/w.whl"]
    assert git("--git-dir", github, "rev-list", "--count", branch).strip() == "1"
    # The clone's own branches, index and files are as they were: empty.
    assert git("-C", clone, "status", "--porcelain") == ""
    assert git("-C", clone, "for-each-ref", "refs/heads") == ""


def test_push_refuses_a_remote_the_colab_links_do_not_lead_to(tmp_path):
    clone, github = clone_of(tmp_path, "https://github.com/someone-else/a-fork")
    folder = folder_of(tmp_path / "folder", {"README.md": "1"})
    with pytest.raises(SystemExit, match="the Colab links lead to"):
        colab_notebooks.push(folder, repository=clone)
    assert git("--git-dir", github, "branch", "--list") == ""
