"""The package as it stands at the end of a chapter, for the tests that belong to it.

Like a reader who stops after chapter N, these tests see the code chapters 1..N exported and
nothing later: the earlier chapters are tangled into a temporary folder and imported from
there, and the finished `micrograd` (installed or in the repository) stays out of the way.
"""

import importlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import tangle  # noqa: E402  (the tangler lives at the repository root)

sys.path.remove(str(ROOT))

PROJECT = tangle.Project(ROOT)


def files_after(chapter):
    """The package's files once `chapter` (and every chapter before it) has been read."""
    chapters = PROJECT.chapters()
    index = chapters.index(PROJECT.chapter_named(chapter))
    following = chapters[index + 1].stem if index + 1 < len(chapters) else None
    return tangle.tangle(PROJECT, before=following)


def package_after(chapter):
    """Import the package as it is after `chapter`; returns the package with its modules.

    The modules are imported under their real names (`micrograd.engine`, so that `nn` can
    import `micrograd.engine`), then removed from `sys.modules` again, so several chapters'
    packages can live side by side in one test session.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"micrograd-after-{chapter}-"))
    files = files_after(chapter)
    tangle.write_files(files, folder)
    package = PROJECT.package
    saved = {name: sys.modules.pop(name) for name in _package_modules(package)}
    sys.path.insert(0, str(folder))
    try:
        importlib.invalidate_caches()
        root = importlib.import_module(package)
        for path in files:
            module = path.removesuffix(".py").replace("/", ".")
            if not module.endswith("__init__"):
                importlib.import_module(module)
    finally:
        sys.path.remove(str(folder))
        for name in _package_modules(package):
            del sys.modules[name]
        sys.modules.update(saved)
    return root


def _package_modules(package):
    return [name for name in sys.modules if name.split(".")[0] == package]
