"""scripts/uv_pip.py: uv installs from where pip is configured to, or says why it will not."""

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import uv_pip  # noqa: E402


def test_each_index_find_links_and_constraint_is_passed_on():
    options, variables = uv_pip.from_pip_configuration(
        {
            "extra-index-url": "file:///one/simple file:///two/simple",
            "find-links": "/wheels",
            "constraint": "/etc/constraints.txt",
            "no-index": "false",
            "cert": "/etc/ssl/certs/ca.crt",
            "disable-pip-version-check": "1",
        }
    )
    assert options == [
        *("--index-strategy", "unsafe-best-match"),
        *("--extra-index-url", "file:///one/simple"),
        *("--extra-index-url", "file:///two/simple"),
        *("--find-links", "/wheels"),
        *("--constraints", "/etc/constraints.txt"),
    ]
    assert variables == {"SSL_CERT_FILE": "/etc/ssl/certs/ca.crt"}
    assert "--no-index" in uv_pip.from_pip_configuration({"no-index": "yes"})[0]


def test_an_option_that_is_not_passed_on_stops_the_install():
    with pytest.raises(SystemExit, match=r"prefer-binary='1'.*pip config list"):
        uv_pip.from_pip_configuration({"prefer-binary": "1"})


def test_pips_variables_come_before_its_install_section_before_its_global_one(
    tmp_path, monkeypatch
):
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = file:///global\nretries = 2\n"
        "[install]\nindex-url = file:///install\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    settings = uv_pip.pip_configuration()
    assert (settings["index-url"], settings["retries"]) == ("file:///install", "2")
    monkeypatch.setenv("PIP_INDEX_URL", "file:///variable")
    assert uv_pip.pip_configuration()["index-url"] == "file:///variable"


def test_uv_installs_from_the_find_links_only_pip_is_told_of(tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "only_here", "1.0")
    python = fresh_environment(tmp_path / "venv")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    env.pop("PIP_FIND_LINKS", None)
    install = [*uv_pip.command(python), "only-here"]
    unfound = subprocess.run(install, env=env, capture_output=True, text=True)
    assert unfound.returncode != 0 and "only-here was not found" in unfound.stderr
    env["PIP_FIND_LINKS"] = str(wheels)
    subprocess.run(install, env=env, check=True)
    imported = subprocess.run(
        [python, "-c", "import only_here; print(only_here.WHERE)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "from the find-links folder"


def fresh_environment(venv):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    return venv / "bin" / "python"


def make_wheel(folder, name, version):
    """The smallest wheel pip and uv accept: one module, its metadata and its record."""
    folder.mkdir()
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": 'WHERE = "from the find-links folder"\n',
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={digest(text)},{len(text.encode())}"
        for path, text in files.items()
    ]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


def digest(text):
    sha = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(sha).rstrip(b"=").decode()
