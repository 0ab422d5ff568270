"""Build the wheel, install it into a fresh environment per Python, and test the installed copy.

The package tests run from a folder outside the repository, so they can only pass if the
wheel itself carries every module: a file missing from the wheel fails here, not for a user.
Each CPython from 3.10 to 3.13 found on this machine is tested, with the `draw` and `tensor`
extras; a missing one is reported. On the Python of `.venv`, whose `make tests` ran the
package tests on the same bytes, a short check of the installed copy takes their place; on
the others the property tests try a quarter of their examples (`make tests` tried all). One
more environment gets the wheel alone, without numpy or matplotlib, to check that the core
needs nothing but the standard library.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import uv_pip  # beside this script

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
# The Python of .venv, which runs this script and `make tests`.
TESTED_BY_MAKE_TESTS = f"{sys.version_info.major}.{sys.version_info.minor}"
TEST_REQUIREMENTS = ["pytest", "hypothesis", "numpy"]
# The share of each property test's examples tried on the other Pythons (tests/package/
# budget.py): `make tests` tried them all on these bytes, and a version of Python that breaks
# something breaks it on the first few.
SHARE_OF_EXAMPLES = "0.25"
# What each extra must require, as the wheel's metadata states it.
EXTRAS = {"draw": "matplotlib", "tensor": "numpy"}
# Each environment gets pip and what the tests need from uv, from where pip would install
# them (uv_pip.py), in seconds; the wheel itself is installed by pip, as a reader installs
# it. Byte-compiling every file of numpy and matplotlib would take time and test nothing.
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--no-compile"]

# Run with the wheel and both extras on the Python whose `make tests` ran the package tests,
# against the same bytes: the installed copy imports and draws, and its tensors work.
WITH_EXTRAS = """
import matplotlib
matplotlib.use("Agg")
import numpy as np
from micrograd.draw import draw_graph
from micrograd.engine import Value
from micrograd.tensor import Tensor
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = (a * b).tanh()
c.backward()
draw_graph(c).savefig("graph.svg")
t = Tensor(np.ones((2, 3)))
(t * 2.0).sum().backward()
assert (t.grad == 2.0).all(), t.grad
print("the installed copy draws a graph, and a tensor has its gradient")
"""

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


def fresh_environment(python, venv, *requirements):
    """A new environment for `python` with pip and `requirements`; its Python."""
    run([python, "-m", "venv", "--without-pip", venv])
    run([*uv_pip.command(venv / "bin" / "python"), "pip", *requirements])
    return venv / "bin" / "python"


def main():
    work = Path(tempfile.mkdtemp(prefix="micrograd-wheel-"))
    try:
        wheel = build_wheel(work)
        check_contents(wheel)
        check_extras(wheel)
        results = {version: test_with(version, wheel, work) for version in VERSIONS}
        results["core alone"] = test_core_alone(wheel, work)
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
    python = fresh_environment(python, work / "venv-core")
    run([python, *PIP_INSTALL, wheel])
    completed = subprocess.run([python, "-c", CORE_ONLY], cwd=work)
    return "passed" if completed.returncode == 0 else "FAILED"


def test_with(version, wheel, work):
    python = find_python(version)
    if python is None:
        print(f"\nPython {version}: not on this machine, skipped")
        return "not on this machine"
    print(f"\nPython {version}: {python}")
    venv = work / f"venv-{version}"
    python = fresh_environment(python, venv, *TEST_REQUIREMENTS, *EXTRAS.values())
    # With both extras, as a reader who wants the pictures and the tensors installs it.
    run([python, *PIP_INSTALL, f"{wheel}[draw,tensor]"])
    installed = subprocess.run(
        [python, "-c", "import micrograd; print(micrograd.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not installed.startswith(str(venv)):
        raise SystemExit(
            f"Python {version} imported micrograd from {installed}, not the wheel"
        )
    # `make tests` ran the package tests against micrograd/, which check_contents showed is
    # byte for byte what the wheel holds: on that Python, only what installing can break is
    # left to check. The comparisons with PyTorch (test_*_vs_torch.py) ran there alone, as
    # PyTorch has no build here for most of these Pythons.
    if version == TESTED_BY_MAKE_TESTS:
        print(f"Python {version}: its package tests ran in `make tests`")
        completed = subprocess.run([python, "-c", WITH_EXTRAS], cwd=work)
        return "passed" if completed.returncode == 0 else "FAILED"
    print(
        f"Python {version}: test_*_vs_torch.py left out (they ran in make tests), and "
        f"{SHARE_OF_EXAMPLES} of each property test's examples tried"
    )
    tests = work / f"tests-{version}"
    shutil.copytree(ROOT / "tests" / "package", tests)
    pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    completed = subprocess.run(
        [*pytest, "--ignore-glob=*_vs_torch.py", "."],
        cwd=tests,
        env={**os.environ, "MICROGRAD_TEST_SHARE": SHARE_OF_EXAMPLES},
    )
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
