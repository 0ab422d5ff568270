"""Run a chapter on the code the chapters before it wrote, and nothing more.

Each chapter starts with `load("this-chapter")`: it tangles the earlier chapters' exported
cells into a fresh copy of the package and makes `import micrograd` find that copy (not an
installed or finished one), so a chapter runs the same in a fresh kernel, in Binder, in CI
and in any order. It tangles the chapter itself too, and stops there if the chapter would
not go into the package. `extend` is how a chapter adds methods to a class an earlier one
defined; it applies the tangler's own rules (`tangle/rules.py`), so a cell it accepts also
tangles, and the other way round.
"""

import atexit
import importlib
import shutil
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import tangle  # noqa: E402  (the tangler lives at the repository root)
from tangle.rules import EXTEND, RuleError, check_extension, replaced_names  # noqa: E402

sys.path.remove(str(ROOT))

_loaded = None

# What Python puts in a class's namespace itself, rather than the class body.
_CLASS_BOOKKEEPING = {
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__firstlineno__",
    "__static_attributes__",
    "__annotations__",
    "__annotate__",
    "__annotate_func__",
    "__annotations_cache__",
    "__orig_bases__",
    "__type_params__",
}


def load(chapter):
    """Make `import micrograd` give the package as the chapters before `chapter` left it."""
    global _loaded
    project = tangle.Project(ROOT)
    files = tangle.package_before(project, chapter)
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
    """Add the members of the decorated class body to `cls`, an existing class.

    `@extend(Value) class Value: ...` reads like the final file, where the methods sit in one
    `class Value`. A method that replaces an existing one says so: `replaces=["backward"]`.
    """
    target = getattr(cls, "__name__", repr(cls))
    names = replaced_names(target, replaces)
    if not isinstance(cls, type):
        raise RuleError(
            f"@{EXTEND}({target}) adds methods to a class, but `{target}` is a "
            f"{type(cls).__name__}"
        )

    def attach(body):
        is_class = isinstance(body, type)
        added = _members(body) if is_class else {}
        check_extension(
            target,
            getattr(body, "__name__", repr(body)),
            existing=_members(cls),
            added=list(added),
            replaces=names,
            docstring=is_class and vars(body).get("__doc__") is not None,
            bases=is_class and (body.__bases__ != (object,) or type(body) is not type),
            is_class=is_class,
            slots=_slots(cls),
        )
        for name, member in added.items():
            _point_super_at(member, cls)
            setattr(cls, name, member)
            # As the `class` statement would have: a descriptor learns its owner and name.
            if hasattr(type(member), "__set_name__"):
                member.__set_name__(cls, name)
        return cls

    return attach


def _slots(cls):
    slots = vars(cls).get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def _members(cls):
    """The members the body of `cls` defined, by name in the order written."""
    namespace = vars(cls)
    slots = _slots(cls)
    found = {}
    for name, member in namespace.items():
        if name in _CLASS_BOOKKEEPING:
            continue
        if name in slots and isinstance(member, types.MemberDescriptorType):
            continue  # the attribute __slots__ makes, not a member written in the body
        if name == "__hash__" and member is None and "__eq__" in namespace:
            continue  # what Python sets when a class defines __eq__ alone
        found[name] = member
    return found


def _point_super_at(member, cls):
    """Make `super()` and `__class__` in a method of the body mean `cls`, as they do in
    the package, where the method sits in the class itself."""
    functions = [member, getattr(member, "__func__", None)]
    if isinstance(member, property):
        functions += [member.fget, member.fset, member.fdel]
    for function in functions:
        code = getattr(function, "__code__", None)
        if code is not None and "__class__" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("__class__")]
            cell.cell_contents = cls
