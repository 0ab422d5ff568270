"""A reader's session on Binder, simulated on this machine: no Docker, no mybinder.org.

repo2docker builds Binder's image from `runtime.txt`, `requirements.txt` and `postBuild`. Here
a fresh virtual environment gets what its base image has plus `requirements.txt`, `postBuild`
runs in it, and JupyterLab serves a copy of the repository as Binder's checkout. Every
chapter is then opened as a notebook and run, cell by cell, through JupyterLab's own REST and
kernel websocket APIs, the way the page a reader opens runs it.
"""

import difflib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import websocket

from book_toc import ROOT, pages

sys.path.insert(0, str(ROOT / "scripts"))
import uv_pip  # noqa: E402

PYTHON = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
# What repo2docker 2026.4.0's base image holds for Python 3.11 (its conda lock file),
# before `requirements.txt` is installed over it.
BINDER_BASE_IMAGE = [
    "jupyterlab==4.4.9",
    "notebook==7.4.7",
    "jupyter_server==2.17.0",
    "ipykernel==7.0.1",
]
VIEWER_SETTINGS = "@jupyterlab/docmanager-extension:plugin"
STARTUP_TIMEOUT = 120  # seconds for JupyterLab to answer
CELL_TIMEOUT = 600  # seconds per cell, as the book's own `execute.timeout`
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CODE_CELL = re.compile(r"^```\{code-cell\}", re.MULTILINE)
CHAPTERS_WITH_CODE = [
    page
    for page in pages()
    if CODE_CELL.search((ROOT / f"{page}.md").read_text(encoding="utf-8"))
]


def test_repo2docker_builds_what_the_simulation_does():
    """repo2docker's own Dockerfile (printed, not built): the steps the fixtures copy."""
    repo2docker = Path(sys.executable).parent / "jupyter-repo2docker"
    result = subprocess.run(
        [repo2docker, "--no-build", "--debug", ROOT],
        capture_output=True,
        text=True,
        check=True,
    )
    dockerfile = result.stdout
    # The base environment's lock file is named in a COPY line, escaped ("-2e" for ".").
    lock_file = "".join(
        c if c.isalnum() else f"-{ord(c):02x}" for c in f"environment.py-{PYTHON}-"
    )
    assert lock_file in dockerfile, f"the image's Python is not {PYTHON}"
    steps = [
        'pip install --no-cache-dir -r "requirements.txt"',
        "pip install --no-cache-dir .",  # repo2docker's own, for a pyproject.toml
        "RUN ./postBuild",
    ]
    at = [dockerfile.find(step) for step in steps]
    assert -1 not in at and at == sorted(at), f"not these steps in this order: {steps}"


@dataclass
class Binder:
    checkout: Path  # the repository as Binder clones it, JupyterLab's root folder
    venv: Path
    home: Path
    env: dict  # what Binder's commands see: its Python first on PATH, its own HOME


@pytest.fixture(scope="session")
def binder(tmp_path_factory):
    """Binder's image, built as its Dockerfile says, with `postBuild` run."""
    work = tmp_path_factory.mktemp("binder")
    venv, home = work / "venv", work / "home"
    binder = Binder(work / "repo", venv, home, binder_environment(venv, home))
    copy_repository(binder.checkout)
    home.mkdir()
    python = shutil.which(f"python{PYTHON}")
    assert python, f"Binder's Python, {PYTHON} (runtime.txt), is not on this machine"
    run([python, "-m", "venv", venv])
    # The base image comes from conda on Binder, and here from uv, in seconds; then pip
    # installs over it as repo2docker's steps do. Byte-compiling thousands of files would
    # take time and test nothing.
    base_image = uv_pip.command(venv / "bin" / "python")
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile"]
    steps = [
        [*base_image, *BINDER_BASE_IMAGE],
        [*pip, "-r", "requirements.txt"],
        [*pip, "."],
        ["./postBuild"],
    ]
    (binder.checkout / "postBuild").chmod(0o755)  # repo2docker does this too
    for step in steps:
        run(step, cwd=binder.checkout, env=binder.env)
    return binder


def copy_repository(target):
    """What Binder checks out: the files git tracks (and new ones it would, not yet added)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def binder_environment(venv, home):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "IPYTHON"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["HOME"] = str(home)  # where `jupytext-config` writes, not the real ~/.jupyter
    # pip and uv keep their caches where they were, so a second run downloads nothing again.
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    return env


def run(command, **options):
    result = subprocess.run(command, capture_output=True, text=True, **options)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    )


@pytest.fixture(scope="session")
def lab(binder, tmp_path_factory):
    """JupyterLab, started as Binder starts it, on Binder's checkout."""
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path_factory.mktemp("lab") / "jupyter-lab.log").open("w+")
    server = subprocess.Popen(
        [
            binder.venv / "bin" / "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            "--allow-root",  # CI runs as root, which JupyterLab refuses without this
            f"--ServerApp.root_dir={binder.checkout}",
        ],
        cwd=binder.checkout,
        env=binder.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        info = server_info(server, binder.home, log)
        yield Lab(f"127.0.0.1:{info['port']}", token)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def server_info(server, home, log):
    """What the server says about itself once it listens, read from its runtime file.

    The port may differ from the one asked for: a server finding it taken tries the next.
    """
    runtime = home / ".local/share/jupyter/runtime" / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return json.loads(runtime.read_text())
        except (FileNotFoundError, json.JSONDecodeError):  # not there, or half written
            time.sleep(0.5)
    log.seek(0)
    pytest.fail(f"JupyterLab did not start:\n{log.read()}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """JupyterLab's REST API, with the token that lets us in."""

    def __init__(self, address, token):
        self.address, self.token = address, token
        # No shared requests.Session: chapters run in two threads at once.
        self.headers = {"Authorization": f"token {token}"}

    def request(self, method, path, **options):
        url = f"http://{self.address}{path}"
        response = requests.request(method, url, headers=self.headers, **options)
        response.raise_for_status()
        return response

    def get(self, path, **params):
        return self.request("GET", path, params=params).json()

    def put(self, path, body):
        return self.request("PUT", path, json=body).json()

    def post(self, path, body):
        return self.request("POST", path, json=body).json()

    def delete(self, path):
        self.request("DELETE", path)

    def browser_url(self, path):
        """A page of JupyterLab's UI, logging the browser in with the token."""
        return f"http://{self.address}{path}?token={self.token}"

    def page_config(self):
        """The settings JupyterLab embeds in its page for the browser to read."""
        found = re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
            self.request("GET", "/lab").text,
            re.DOTALL,
        )
        return json.loads(found.group(1))

    def channels(self, kernel_id):
        url = (
            f"ws://{self.address}/api/kernels/{kernel_id}/channels"
            f"?token={self.token}&session_id={uuid.uuid4().hex}"
        )
        return websocket.create_connection(url, timeout=CELL_TIMEOUT)

    def end_sessions(self, path):
        for session in self.get("/api/sessions"):
            if session["path"] == path:
                self.delete(f"/api/sessions/{session['id']}")


def test_binder_environment_has_no_conflicts(binder):
    """requirements.txt installed over the base image leaves no broken requirement."""
    run([binder.venv / "bin" / "python", "-m", "pip", "check"], env=binder.env)


def test_postbuild_makes_jupytext_the_markdown_viewer(binder, lab):
    """`jupytext-config set-default-viewer` wrote the setting, and JupyterLab serves it."""
    labconfig = binder.home / ".jupyter/labconfig/default_setting_overrides.json"
    written = json.loads(labconfig.read_text())[VIEWER_SETTINGS]["defaultViewers"]
    assert written["markdown"] == "Jupytext Notebook"
    # JupyterLab applies such overrides to the setting's default.
    schema = lab.get(f"/lab/api/settings/{VIEWER_SETTINGS}")["schema"]
    served = schema["properties"]["defaultViewers"]["default"]
    assert served["markdown"] == "Jupytext Notebook"
    extensions = [
        extension["name"] for extension in lab.page_config()["federated_extensions"]
    ]
    assert "jupyterlab-jupytext" in extensions


def test_binder_link_opens_the_chapter_as_a_notebook(lab, browser):
    """What a reader sees: the launch button's `lab/tree/book/CHAPTER.md`, in a browser.

    The setting alone is not enough: jupytext's JupyterLab extension must load, or the
    chapter opens as Markdown text.
    """
    chapter = f"{CHAPTERS_WITH_CODE[0]}.md"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console = []
    page.on("pageerror", lambda error: console.append(str(error)))
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(lab.browser_url(f"/lab/tree/{chapter}"))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell, .jp-FileEditor")
        as_notebook = page.locator(".jp-NotebookPanel .jp-Cell").count() > 0
    finally:
        page.close()
        lab.end_sessions(chapter)
    said = "\n".join(line.splitlines()[0][:200] for line in console if line)
    assert as_notebook, f"{chapter} opened as text; the browser console said:\n{said}"


def test_chapters_name_the_kernel_binder_has(lab):
    """A kernelspec that differs from the installed one makes JupyterLab mark a chapter
    changed as it opens, and its autosave then rewrites the chapter's Markdown."""
    installed = lab.get("/api/kernelspecs")["kernelspecs"]
    for page in pages():
        kernelspec = notebook(lab, page)["metadata"].get("kernelspec")
        if kernelspec:
            spec = installed[kernelspec["name"]]["spec"]
            assert kernelspec["display_name"] == spec["display_name"], page


def test_a_chapter_only_opened_is_not_rewritten(binder, lab):
    """JupyterLab marks a notebook changed as it opens it (the kernel's `language_info`
    is new to it) and autosaves it two minutes later: with autosave on, a chapter a
    reader only opened is saved, and that save must write it back as it was."""
    schema = lab.get(f"/lab/api/settings/{VIEWER_SETTINGS}")["schema"]
    if not schema["properties"]["autosave"]["default"]:
        return  # nothing saves a chapter the reader did not edit
    rewritten = {}
    for page in pages():
        if changes := save_unchanged(binder.checkout, lab, f"{page}.md"):
            rewritten[page] = changes
    assert not rewritten, (
        f"autosave would rewrite {', '.join(rewritten)}; the first:\n"
        + next(iter(rewritten.values()), "")
    )


def save_unchanged(checkout, lab, path):
    """Save a chapter as JupyterLab would, unedited; the changes that made, as a diff."""
    source = checkout / path
    before = source.read_bytes()
    model = lab.get(f"/api/contents/{path}", type="notebook", content=1)
    lab.put(f"/api/contents/{path}", {"type": "notebook", "content": model["content"]})
    after = source.read_bytes()
    source.write_bytes(before)  # the tests after this one run the chapter as written
    if after == before:
        return ""
    diff = difflib.unified_diff(
        before.decode().splitlines(),
        after.decode().splitlines(),
        path,
        f"{path}, saved",
        lineterm="",
        n=0,
    )
    return "\n".join(list(diff)[:40])


# A Binder session has more than one core these days, and a reader may well run two chapters at
# once; here it keeps both of CI's cores busy: two chapters at a time, each in its own kernel.
CHAPTERS_AT_ONCE = 2


@pytest.fixture(scope="session")
def chapter_runs(binder, lab):
    """{page: None, or why it failed}, for every chapter run in the Binder session."""
    with ThreadPoolExecutor(max_workers=CHAPTERS_AT_ONCE) as pool:
        outcomes = pool.map(
            lambda page: run_chapter(binder, lab, page), CHAPTERS_WITH_CODE
        )
        return dict(zip(CHAPTERS_WITH_CODE, outcomes, strict=True))


@pytest.mark.parametrize("page", CHAPTERS_WITH_CODE)
def test_chapter_runs_in_binder(chapter_runs, page):
    failure = chapter_runs[page]
    if failure is not None:
        pytest.fail(failure)


def run_chapter(binder, lab, page):
    """Open the chapter as a notebook, run every code cell; None, or what went wrong."""
    source = binder.checkout / f"{page}.md"
    before = source.read_bytes()
    cells = [c for c in notebook(lab, page)["cells"] if c["cell_type"] == "code"]
    if not cells:
        return f"JupyterLab finds no code cells in {page}.md"
    session = lab.post(
        "/api/sessions",
        {
            "path": f"{page}.md",
            "name": Path(page).name,
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
    )
    try:
        channels = lab.channels(session["kernel"]["id"])
        try:
            for number, cell in enumerate(cells, start=1):
                failure = execute(
                    channels, cell["source"], f"{page}.md, code cell {number}"
                )
                if failure is not None:
                    return failure
        finally:
            channels.close()
    finally:
        lab.delete(f"/api/sessions/{session['id']}")
    if source.read_bytes() != before:
        return f"opening and running {page}.md rewrote it"
    return None


def notebook(lab, page):
    """The chapter as JupyterLab opens it: a notebook, read by jupytext from the `.md`."""
    model = lab.get(f"/api/contents/{page}.md", type="notebook", content=1)
    return model["content"]


def execute(channels, code, where):
    """Run one cell in the kernel: None, or its traceback if it raises."""
    request = execute_request(code)
    channels.send(json.dumps(request))
    while True:
        reply = json.loads(channels.recv())
        is_ours = reply["parent_header"].get("msg_id") == request["header"]["msg_id"]
        if is_ours and reply["msg_type"] == "execute_reply":
            break
    content = reply["content"]
    if content["status"] != "ok":
        traceback = ANSI_ESCAPE.sub("", "\n".join(content.get("traceback", [])))
        return f"{where} raised {content.get('ename')}:\n{traceback}"
    return None


def execute_request(code):
    """A Jupyter protocol 5.3 shell message, as a frontend sends it over the websocket."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "session": uuid.uuid4().hex,
            "username": "binder-test",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
    }
