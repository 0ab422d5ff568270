"""Build the wheel, install it into a fresh environment per Python, and test the installed copy.

The package tests run from a folder outside the repository, so they can only pass if the
wheel itself carries every module: a file missing from the wheel fails here, not for a user.
Each CPython from 3.10 to 3.13 found on this machine is tested, with the `draw` and `tensor`
extras; a missing one is reported. One more environment gets the wheel alone, without numpy
or matplotlib, to check that the core needs nothing but the standard library.

`--prepare` makes the environments beforehand, with what the tests and the extras need but
without the wheel, so that `make test` can do it while a core would be idle (as `.venv` is
installed: this needs only the uv that `.venv` gets first). The tests take each prepared
environment once, and make their own where there is none.
"""

import argparse
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
# What each extra must require, as the wheel's metadata states it.
EXTRAS = {"draw": "matplotlib", "tensor": "numpy"}
PREPARED = ROOT / "_build" / "wheel-environments"
# Written last by --prepare, removed by the tests before they install anything: an environment
# without it may hold a wheel from an earlier run, of the same version number, which pip would
# keep, and is made again.
UNTOUCHED = "prepared-without-the-wheel"
# What the tests need comes from uv, from where pip would install it (uv_pip.py), in seconds;
# the wheel itself is installed by pip, as a reader installs it. Byte-compiling every file
# of numpy and matplotlib would take time and test nothing (uv does not, by default).
UV_PIP = [sys.executable, ROOT / "scripts" / "uv_pip.py"]
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--no-compile"]

# Run in an environment with the wheel and nothing else: the core works, and the tensor
# module says what it is missing.
CORE_ONLY = """
import importlib.util, random
assert importlib.util.find_spec("numpy") is None, "numpy is installed"
from micrograd.datasets import make_moons, make_spiral
from micrograd.gradcheck import gradcheck
from micrograd.nn import MLP, hinge_loss
X, y = make_moons(n_samples=20)
random.seed(0)
model = MLP(2, [4, 1])
loss = hinge_loss([model(x) for x in X], y)
loss.backward()
assert gradcheck(lambda a, b: (a * b).tanh(), [0.5, -1.5])
assert len(make_spiral(n_samples=30)[0]) == 30
try:
    import micrograd.tensor
except ModuleNotFoundError as error:
    assert error.name == "numpy", error
else:
    raise AssertionError("micrograd.tensor imported without numpy")
print("the core runs on the standard library alone; micrograd.tensor needs numpy")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prepare", action="store_true", help="only make the environments, for later"
    )
    if parser.parse_args().prepare:
        prepare()
    else:
        test()


def prepare():
    for version in VERSIONS:
        python = find_python(version)
        if python is not None:
            venv = PREPARED / version
            shutil.rmtree(venv, ignore_errors=True)
            make_environment(python, venv)
            (venv / UNTOUCHED).touch()
            print(f"Python {version}: an environment for the wheel's tests in {venv}")


def make_environment(python, venv):
    """A fresh environment with what the tests and the extras need, and not the wheel."""
    run([python, "-m", "venv", venv])
    needed = [*TEST_REQUIREMENTS, *EXTRAS.values()]
    run([*UV_PIP, "--python", venv / "bin" / "python", *needed])


def test():
    work = Path(tempfile.mkdtemp(prefix="micrograd-wheel-"))
    try:
        wheel = build_wheel(work)
        check_contents(wheel)
        check_extras(wheel)
        results = {version: test_with(version, wheel, work) for version in VERSIONS}
        results["core alone"] = test_core_alone(wheel, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(PREPARED, ignore_errors=True)
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
    sys.path.insert(0, str(ROOT))
    import tangle  # the tangler lives at the repository root, and needs .venv's packages

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


def check_extras(wheel):
    """The wheel's metadata offers each extra, and each requires what it should."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
        ]
        lines = archive.read(metadata).decode().splitlines()
    requirements = [line for line in lines if line.startswith("Requires-Dist:")]
    if any("extra ==" not in line for line in requirements):
        raise SystemExit(f"{wheel.name}: the core requires something: {requirements}")
    for extra, package in EXTRAS.items():
        offered = f"Provides-Extra: {extra}" in lines
        required = any(
            package in line and f'extra == "{extra}"' in line for line in requirements
        )
        if not (offered and required):
            raise SystemExit(f"{wheel.name}: no extra `{extra}` requiring {package}")
    print(f"{wheel.name}: extras {', '.join(EXTRAS)}; the core requires nothing")


def test_core_alone(wheel, work):
    """The wheel without extras, in a fresh environment of the first Python found."""
    python = next(filter(None, map(find_python, VERSIONS)), None)
    if python is None:
        return "not on this machine"
    print(f"\nthe wheel alone, without extras: {python}")
    venv = work / "venv-core"
    run([python, "-m", "venv", venv])
    run([venv / "bin" / "python", *PIP_INSTALL, wheel])
    completed = subprocess.run([venv / "bin" / "python", "-c", CORE_ONLY], cwd=work)
    return "passed" if completed.returncode == 0 else "FAILED"


def test_with(version, wheel, work):
    python = find_python(version)
    if python is None:
        print(f"\nPython {version}: not on this machine, skipped")
        return "not on this machine"
    print(f"\nPython {version}: {python}")
    venv = take_prepared_environment(version)
    if venv is None:
        venv = work / f"venv-{version}"
        make_environment(python, venv)
    # With both extras, as a reader who wants the pictures and the tensors installs it.
    run([venv / "bin" / "python", *PIP_INSTALL, f"{wheel}[draw,tensor]"])
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


def take_prepared_environment(version):
    """The environment `--prepare` made for this Python, if it is untouched; it is the
    tests' now, and no later run will take it."""
    venv = PREPARED / version
    try:
        (venv / UNTOUCHED).unlink()
    except FileNotFoundError:
        shutil.rmtree(venv, ignore_errors=True)  # half made, or tested before
        return None
    print(f"Python {version}: the environment prepared in {venv}")
    return venv


def find_python(version):
    """A Python that pyenv installed, or `pythonX.Y` on the PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    found = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    return found[-1] if found else shutil.which(f"python{version}")


def run(command):
    subprocess.run([str(part) for part in command], check=True)


if __name__ == "__main__":
    main()
