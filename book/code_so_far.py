"""Run a chapter on the code the chapters before it wrote, and nothing more.

Each chapter starts with `load("this-chapter")`: it tangles the earlier chapters' exported
cells into a fresh copy of the package and makes `import micrograd` find that copy (not an
installed or finished one), so a chapter runs the same in a fresh kernel, in Binder, in CI
and in any order. `extend` is how a chapter adds methods to a class an earlier one defined,
and `replace` how it puts a whole new definition in the place of an earlier one.
"""

import atexit
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import tangle  # noqa: E402  (the tangler lives at the repository root)

sys.path.remove(str(ROOT))

_loaded = None


def load(chapter):
    """Make `import micrograd` give the package as the chapters before `chapter` left it."""
    global _loaded
    project = tangle.Project(ROOT)
    files = tangle.tangle(project, before=chapter)
    folder = Path(tempfile.mkdtemp(prefix=f"micrograd-before-{chapter}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    tangle.write_files(files, folder)
    for name in [n for n in sys.modules if n.split(".")[0] == project.package]:
        del sys.modules[name]
    if _loaded in sys.path:
        sys.path.remove(_loaded)
    _loaded = str(folder)
    sys.path.insert(0, _loaded)
    importlib.invalidate_caches()
    _crisp_figures()
    modules = [path[: -len(".py")].replace("/", ".") for path in sorted(files)]
    modules = [name for name in modules if not name.endswith("__init__")]
    print("The code so far:", ", ".join(modules) or "nothing yet")


def _crisp_figures():
    """Draw the chapter's figures as SVG, so they stay sharp at any zoom on the site."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in a notebook: nothing is displayed inline
        return
    set_matplotlib_formats("svg")


def extend(cls, replaces=()):
    """Add the methods of the decorated class body to `cls`, an existing class.

    `@extend(Value) class Value: ...` reads like the final file, where the methods sit in one
    `class Value`. Name any method that replaces an existing one: `replaces=["backward"]`.
    """
    replaces = {replaces} if isinstance(replaces, str) else set(replaces)

    def attach(body):
        for name in replaces:
            if name not in vars(cls):
                raise AttributeError(f"{cls.__name__} has no {name!r} to replace")
        for name, member in vars(body).items():
            if name not in _CLASS_BOOKKEEPING:
                setattr(cls, name, member)
        return cls

    return attach


def replace(old):
    """Put the decorated class or function in the place of `old`, a whole new definition.

    Every module of the package that used `old` uses the new one from then on, as the
    tangled package will: `@replace(Value) class Value: ...` is a new engine for the
    classes built on top of it, too.
    """

    def install(new):
        if new.__name__ != old.__name__:
            raise NameError(
                f"@replace({old.__name__}) must decorate a new {old.__name__}"
            )
        package = tangle.Project(ROOT).package
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] == package:
                for attribute, value in list(vars(module).items()):
                    if value is old:
                        setattr(module, attribute, new)
        return new

    return install


_CLASS_BOOKKEEPING = {
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__firstlineno__",
    "__static_attributes__",
}
