"""Build the wheel, install it into a fresh environment per Python, and test the installed copy.

The package tests run from a folder outside the repository, so they can only pass if the
wheel itself carries every module: a file missing from the wheel fails here, not for a user.
Each CPython from 3.10 to 3.13 found on this machine is tested; a missing one is reported.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
TEST_REQUIREMENTS = ["pytest", "hypothesis", "numpy"]

sys.path.insert(0, str(ROOT))
import tangle  # noqa: E402  (the tangler lives at the repository root)


def main():
    work = Path(tempfile.mkdtemp(prefix="micrograd-wheel-"))
    try:
        wheel = build_wheel(work)
        check_contents(wheel)
        results = {version: test_with(version, wheel, work) for version in VERSIONS}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nwheel tests:", ", ".join(f"{v} {r}" for v, r in results.items()))
    tested = [r for r in results.values() if r != "not on this machine"]
    if not tested or any(r != "passed" for r in tested):
        sys.exit(1)


def build_wheel(work):
    run([sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", ROOT])
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel


def check_contents(wheel):
    """The wheel holds the package's modules, byte for byte, and no other Python file."""
    package = tangle.Project(ROOT).package
    expected = {
        path.relative_to(ROOT).as_posix(): path.read_bytes()
        for path in (ROOT / package).rglob("*.py")
    }
    with zipfile.ZipFile(wheel) as archive:
        packaged = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.endswith(".py")
        }
    if packaged != expected:
        differing = sorted(
            name
            for name in expected.keys() | packaged.keys()
            if expected.get(name) != packaged.get(name)
        )
        raise SystemExit(f"{wheel.name} does not hold {package}/ as it is: {differing}")
    print(f"{wheel.name}: holds {', '.join(sorted(packaged))}")


def test_with(version, wheel, work):
    python = find_python(version)
    if python is None:
        print(f"\nPython {version}: not on this machine, skipped")
        return "not on this machine"
    print(f"\nPython {version}: {python}")
    venv = work / f"venv-{version}"
    run([python, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    # With the `draw` extra, as a reader who wants the pictures installs it.
    run([*pip, f"{wheel}[draw]", *TEST_REQUIREMENTS])
    tests = work / f"tests-{version}"
    shutil.copytree(ROOT / "tests" / "package", tests)
    installed = subprocess.run(
        [venv / "bin" / "python", "-c", "import micrograd; print(micrograd.__file__)"],
        cwd=tests,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not installed.startswith(str(venv)):
        raise SystemExit(
            f"Python {version} imported micrograd from {installed}, not the wheel"
        )
    # The comparisons with PyTorch (test_*_vs_torch.py) already ran against micrograd/
    # (`make pytest`), which check_contents showed is byte for byte what the wheel holds;
    # and PyTorch has no build here for most of these Pythons.
    print(f"Python {version}: test_*_vs_torch.py left out (they ran in make pytest)")
    pytest = [venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    completed = subprocess.run([*pytest, "--ignore-glob=*_vs_torch.py", "."], cwd=tests)
    return "passed" if completed.returncode == 0 else "FAILED"


def find_python(version):
    """A Python that pyenv installed, or `pythonX.Y` on the PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    found = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    return found[-1] if found else shutil.which(f"python{version}")


def run(command):
    subprocess.run([str(part) for part in command], check=True)


if __name__ == "__main__":
    main()
