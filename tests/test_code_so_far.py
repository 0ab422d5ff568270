"""The notebook side of the literate setup: `load` and `extend` in a chapter.

`load` runs in a fresh interpreter with the chapter folder as its working directory, as a
kernel started for a chapter does, so imports and `sys.modules` start clean. `extend` must
agree with the tangler on every rule: the same cells are run as a notebook runs them and
tangled, and both must accept them (with the same class) or both refuse them (with the same
message).
"""

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_tangle import chapter, export, make_book, where

import tangle
import tangle.rules

BOOK = Path(__file__).resolve().parent.parent / "book"
sys.path.insert(0, str(BOOK))
import code_so_far  # noqa: E402  (a chapter imports it from its own folder)

sys.path.remove(str(BOOK))


def run_in_folder(folder, code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_load_gives_exactly_the_package_before_the_chapter_and_hides_the_finished_one():
    """A late chapter, then an early one: each time `import micrograd` gives the package as
    the chapters before that one leave it, byte for byte, not the finished package that is
    on the path too."""
    project = tangle.Project(BOOK.parent)
    chapters = [path.stem for path in project.chapters()]
    states = {name: tangle.tangle(project, before=name) for name in chapters}
    with_engine = [name for name in chapters if "micrograd/engine.py" in states[name]]
    late, early = with_engine[-1], with_engine[0]
    assert states[late]["micrograd/engine.py"] != states[early]["micrograd/engine.py"]
    out = run_in_folder(
        BOOK,
        f"""
        import sys
        sys.path.insert(0, "..")  # the finished package, as if it were installed
        import micrograd.engine
        finished = micrograd.engine.__file__

        from code_so_far import load
        for chapter in {[late, early]!r}:
            load(chapter)
            import micrograd.engine
            assert micrograd.engine.__file__ != finished
            assert f"micrograd-before-{{chapter}}-" in micrograd.engine.__file__
            print(repr(open(micrograd.engine.__file__, encoding="utf-8").read()))
        """,
    )
    expected = []
    for name in (late, early):
        modules = [path.removesuffix(".py").replace("/", ".") for path in states[name]]
        modules = sorted(
            module for module in modules if not module.endswith("__init__")
        )
        expected += [
            f"The code so far: {', '.join(modules)}",
            repr(states[name]["micrograd/engine.py"]),
        ]
    assert out.splitlines() == expected


def test_load_stops_a_chapter_that_would_not_tangle_before_it_runs(tmp_path):
    """A chapter that runs in a notebook also tangles: its own `load` tangles it first."""
    make_book(
        tmp_path,
        {
            "one": chapter(export("class Value:\n    def f(self):\n        return 1")),
            # Runs in a notebook (extend cannot see the second decorator), but not in the
            # package, where the tangler merges only plain @extend bodies.
            "two": chapter(
                export("@extend(Value)\n@staticmethod\nclass Value:\n    x = 1")
            ),
        },
    )
    shutil.copy(BOOK / "code_so_far.py", tmp_path / "book")
    shutil.copytree(
        BOOK.parent / "tangle",
        tmp_path / "tangle",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    out = run_in_folder(
        tmp_path / "book",
        f"""
        from code_so_far import load
        import tangle
        load("one")
        try:
            load("two")
        except tangle.TangleError as error:
            assert str(error).startswith("{where(tmp_path, "two", "@extend")}: "), error
            print("stopped")
        """,
    )
    assert out.splitlines() == ["The code so far: nothing yet", "stopped"]


# extend and the tangler agree -----------------------------------------------------------

VALUE = "class Value:\n    x = 1\n\n    def a(self):\n        return 'a'"

# {case: (cells in book order, what both must give: a probe of the class, or the error)}
ACCEPTED = {
    "a new method": (
        [VALUE, "@extend(Value)\nclass Value:\n    def b(self):\n        return 'b'"],
        "[Value().a(), Value().b()]",
    ),
    "a method replaced on purpose keeps its place": (
        [
            VALUE,
            "@extend(Value, replaces=['a'])\nclass Value:\n    def a(self):\n"
            "        return 'A'\n\n    y = 2",
        ],
        "[Value().a(), Value.y]",
    ),
    "replaces given as one name": (
        [VALUE, "@extend(Value, replaces='x')\nclass Value:\n    x = 10"],
        "Value.x",
    ),
    "a class with __slots__ gains a method": (
        [
            "class Value:\n    __slots__ = ('data',)\n\n    def __init__(self):\n"
            "        self.data = 3",
            "@extend(Value)\nclass Value:\n    def twice(self):\n        return 2 * self.data",
        ],
        "Value().twice()",
    ),
    "__hash__ for a class with __eq__": (
        [
            "class Value:\n    def __eq__(self, other):\n        return True",
            "@extend(Value)\nclass Value:\n    def __hash__(self):\n        return 7",
        ],
        "hash(Value())",
    ),
    "a property, a staticmethod and a classmethod": (
        [
            VALUE,
            "@extend(Value)\nclass Value:\n    @property\n    def p(self):\n        return 1\n\n"
            "    @staticmethod\n    def s():\n        return 2\n\n    @classmethod\n"
            "    def c(cls):\n        return cls.__name__",
        ],
        "[Value().p, Value.s(), Value.c()]",
    ),
    "super() in an added method": (
        [
            "class Base:\n    def hello(self):\n        return 'base'",
            "class Value(Base):\n    pass",
            "@extend(Value)\nclass Value:\n    def hello(self):\n"
            "        return 'value and ' + super().hello()",
        ],
        "Value().hello()",
    ),
    "a descriptor that learns its owner": (
        [
            "class Owned:\n    def __set_name__(self, owner, name):\n        self.owner = owner\n\n"
            "    def __get__(self, instance, owner=None):\n        return self.owner is owner",
            VALUE,
            "@extend(Value)\nclass Value:\n    o = Owned()",
        ],
        "Value.o",
    ),
    "a cached_property": (
        [
            "from functools import cached_property\n\n\n" + VALUE,
            "@extend(Value)\nclass Value:\n    @cached_property\n    def c(self):\n"
            "        return 3",
        ],
        "Value().c",
    ),
}

REFUSED = {
    "a method defined again without replaces": (
        [VALUE, "@extend(Value)\nclass Value:\n    def a(self):\n        return 'A'"],
        "`Value.a` is already defined; to replace it on purpose, write "
        "@extend(Value, replaces=['a'])",
    ),
    "an attribute defined again without replaces": (
        [VALUE, "@extend(Value)\nclass Value:\n    x = 2"],
        "`Value.x` is already defined",
    ),
    "replaces naming what the body does not define": (
        [VALUE, "@extend(Value, replaces=['a'])\nclass Value:\n    b = 1"],
        "replaces=['a'], but this body does not define `a`",
    ),
    "replaces naming what the class does not have": (
        [VALUE, "@extend(Value, replaces=['b'])\nclass Value:\n    b = 1"],
        "replaces=['b'], but `Value` has no `b` to replace",
    ),
    "four missing names: the first written is reported": (
        [
            VALUE,
            "@extend(Value, replaces=['q', 'w', 'e', 'r'])\nclass Value:\n    b = 1",
        ],
        "replaces=['q'], but this body does not define `q`",
    ),
    "replaces given as a set": (
        [VALUE, "@extend(Value, replaces={'a', 'x'})\nclass Value:\n    a = x = 1"],
        "replaces= takes a list of method names",
    ),
    "replaces given a number": (
        [VALUE, "@extend(Value, replaces=[1])\nclass Value:\n    b = 1"],
        "replaces= takes a list of method names",
    ),
    "replaces naming a method twice": (
        [VALUE, "@extend(Value, replaces=['a', 'a'])\nclass Value:\n    a = 1"],
        "replaces= names `a` twice",
    ),
    "a docstring in the extension": (
        [VALUE, '@extend(Value)\nclass Value:\n    """More."""\n\n    b = 1'],
        "the body of @extend(Value) holds methods only",
    ),
    "a base class in the extension": (
        [
            "class Base:\n    pass",
            VALUE,
            "@extend(Value)\nclass Value(Base):\n    b = 1",
        ],
        "the `class Value:` line under @extend(Value) takes no base classes",
    ),
    "a metaclass in the extension": (
        [
            "class Meta(type):\n    pass",
            VALUE,
            "@extend(Value)\nclass Value(metaclass=Meta):\n    b = 1",
        ],
        "the `class Value:` line under @extend(Value) takes no base classes or keywords",
    ),
    "another class under the decorator": (
        [VALUE, "@extend(Value)\nclass Other:\n    b = 1"],
        "@extend(Value) must decorate `class Value:`, not `class Other:`",
    ),
    "a function under the decorator": (
        [VALUE, "@extend(Value)\ndef b(self):\n    return 1"],
        "@extend(Value) must decorate `class Value:`, not the function `b`",
    ),
    "a method under the decorator": (
        [VALUE, "class Other:\n    @extend(Value)\n    def b(self):\n        return 1"],
        "@extend(Value) must decorate `class Value:`, not the function `b`",
    ),
    "__slots__ in the extension": (
        [VALUE, "@extend(Value)\nclass Value:\n    __slots__ = ('data',)"],
        "__slots__ belongs to the cell that first defines `class Value`",
    ),
    "a member named in __slots__": (
        [
            "class Value:\n    __slots__ = ('data', 'grad')",
            "@extend(Value, replaces=['grad'])\nclass Value:\n    grad = 0.0",
        ],
        "`grad` is named in the __slots__ of `Value`",
    ),
    # The one rule whose message differs: the notebook sees a function, the tangler no class.
    "extending a function": (
        ["def Value():\n    return 1", "@extend(Value)\nclass Value:\n    b = 1"],
        None,
    ),
}


def in_the_package(root, cells):
    """Tangle `cells` (one chapter each): (the module's namespace, None) or (None, error)."""
    chapters = {
        f"c{number}": chapter(export(text)) for number, text in enumerate(cells)
    }
    try:
        files = tangle.tangle(make_book(root, chapters))
    except tangle.TangleError as error:
        return None, str(error)
    namespace = {}
    exec(files["micrograd/engine.py"], namespace)
    return namespace, None


def in_the_notebook(cells):
    """Run `cells` one after the other as a notebook does: (namespace, None) or (None, error)."""
    namespace = {"extend": code_so_far.extend}
    try:
        for text in cells:
            exec(text, namespace)
    except code_so_far.RuleError as error:
        return None, str(error)
    return namespace, None


def members(cls):
    return list(code_so_far._members(cls))


@pytest.mark.parametrize("case", ACCEPTED)
def test_extend_and_the_tangler_accept_the_same_class(tmp_path, case):
    cells, probe = ACCEPTED[case]
    package, error = in_the_package(tmp_path, cells)
    assert error is None, error
    notebook, error = in_the_notebook(cells)
    assert error is None, error
    assert members(notebook["Value"]) == members(package["Value"])
    assert eval(probe, notebook) == eval(probe, package)


@pytest.mark.parametrize("case", REFUSED)
def test_extend_and_the_tangler_refuse_with_the_same_message(tmp_path, case):
    cells, message = REFUSED[case]
    package, in_package = in_the_package(tmp_path, cells)
    notebook, in_notebook = in_the_notebook(cells)
    assert package is None and notebook is None, (in_package, in_notebook)
    if message is None:
        assert "no earlier exported cell defines `class Value`" in in_package
        assert (
            in_notebook
            == "@extend(Value) adds methods to a class, but `Value` is a function"
        )
        return
    location, rule = in_package.split(": ", 1)
    assert location.startswith(f"book/c{len(cells) - 1}.md:")
    assert in_notebook.startswith(message)
    assert rule == in_notebook or rule.startswith(
        f"{in_notebook}; it is defined at book/c"
    )


def raised_at(error):
    """The line of `tangle/rules.py` whose `raise` gave `error`."""
    rules = Path(tangle.rules.__file__)
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        if Path(traceback.tb_frame.f_code.co_filename) == rules:
            found = traceback.tb_lineno
        traceback = traceback.tb_next
    return found


def test_every_rule_is_tried_on_both_sides():
    """Each `raise` of the shared rules is reached by one of the refused cases above."""
    source = Path(tangle.rules.__file__).read_text()
    raises = {
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Raise)
    }
    reached = set()
    for cells, message in REFUSED.values():
        if message is None:  # refused by code_so_far itself
            continue
        namespace = {"extend": code_so_far.extend}
        with pytest.raises(code_so_far.RuleError) as error:
            for text in cells:
                exec(text, namespace)
        reached.add(raised_at(error.value))
    assert reached == raises
