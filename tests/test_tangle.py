"""The tangler, on tiny books built in a temporary folder and on the real book.

Every error must name the chapter and the line to fix, and must leave the package alone.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import pytest

import tangle
from tangle.__main__ import main
from tangle.chapters import read_cells

REPO = Path(__file__).resolve().parent.parent

FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""


# Building tiny books ---------------------------------------------------------------------


def cell(source, *tags, yaml_block=False):
    """A MyST code cell holding `source` (dedented), with `tags` in either options style."""
    source = textwrap.dedent(source).strip("\n")
    if not tags:
        options = ""
    elif yaml_block:
        options = "---\ntags:\n" + "".join(f"  - {tag}\n" for tag in tags) + "---\n"
    else:
        options = f":tags: [{', '.join(tags)}]\n\n"
    return f"```{{code-cell}} ipython3\n{options}{source}\n```\n"


def export(source, module="engine", yaml_block=False):
    return cell(source, f"export:{module}", yaml_block=yaml_block)


def chapter(*cells, title="A chapter"):
    """A chapter file: front matter, a title, and the cells with prose between them."""
    body = "".join(f"Some prose about the next cell.\n\n{text}\n" for text in cells)
    return f"{FRONT_MATTER}\n# {title}\n\n{body}"


def make_book(root, chapters, toc=None, modules=None, description="A test package."):
    """Write a book of `chapters` ({name: text}, in book order) and return its Project.

    `toc` lists the chapter names for `_toc.yml` (default: all of them, in order).
    """
    root.mkdir(parents=True, exist_ok=True)
    modules = modules or {"engine": "The engine.", "nn": "The networks."}
    module_lines = "".join(f'{name} = "{doc}"\n' for name, doc in modules.items())
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "fake"\ndescription = "{description}"\n\n'
        '[tool.tangle]\npackage = "micrograd"\nbook = "book"\n\n'
        f"[tool.tangle.modules]\n{module_lines}",
        encoding="utf-8",
    )
    toc = list(chapters) if toc is None else toc
    entries = "".join(f"  - file: book/{name}\n" for name in toc[1:])
    (root / "_toc.yml").write_text(
        f"format: jb-book\nroot: book/{toc[0]}\nchapters:\n{entries}", encoding="utf-8"
    )
    (root / "book").mkdir(exist_ok=True)
    for name, text in chapters.items():
        (root / "book" / f"{name}.md").write_text(text, encoding="utf-8")
    return tangle.Project(root)


def where(root, name, needle):
    """`book/NAME.md:LINE` for the one line of the chapter that contains `needle`."""
    lines = (root / "book" / f"{name}.md").read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found} of {name}.md"
    return f"book/{name}.md:{found[0]}"


def snapshot(root):
    """Every file under `root` with its bytes: a write that should not happen shows here."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def package_files(root):
    """The package on disk, as `tangle.tangle` returns it: {"micrograd/...": text}."""
    return {
        f"micrograd/{path}": data.decode("utf-8")
        for path, data in snapshot(root / "micrograd").items()
    }


def ruff(*arguments, text):
    """Run ruff from this Python's environment on `text`, in the repository."""
    ruff = Path(sys.executable).with_name("ruff")
    assert ruff.exists(), "ruff (requirements-dev.txt) must be installed beside Python"
    return subprocess.run(
        [str(ruff), *arguments, "-"],
        cwd=REPO,
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_formatted(text):
    """`make lint` runs `ruff format --check` on the package: the tangler must comply."""
    result = ruff("format", text=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout == text


def assert_imports_sorted(text):
    """`make lint` runs ruff's isort rule on the package: the tangler must comply."""
    isort = ["check", "--select", "I", "--stdin-filename", "micrograd/engine.py"]
    result = ruff(*isort, text=text)
    assert result.returncode == 0, result.stdout


def fake_generated_package(root):
    """A package as an earlier tangle left it, which the tangler is free to replace."""
    package = root / "micrograd"
    package.mkdir()
    for name in ("__init__.py", "engine.py"):
        text = f"{tangle.HEADER.format(sources='book/old.md')}\nOLD = 1\n"
        (package / name).write_text(text, encoding="utf-8")


def run_cli(root, *arguments, **environment):
    """`python -m tangle --root ROOT ...` in a fresh process, as CI and `make` run it."""
    return subprocess.run(
        [sys.executable, "-m", "tangle", "--root", str(root), *arguments],
        cwd=REPO,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_main(capsys, root, *arguments):
    """`python -m tangle` in this process (faster): (exit code, stdout, stderr)."""
    code = main(["--root", str(root), *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Merging ------------------------------------------------------------------------------------


def merging_book(root):
    """A class defined in one chapter and extended (and partly rewritten) in two later ones."""
    return make_book(
        root,
        {
            "one": chapter(
                export('''
                import math

                # Comparisons allow this much rounding error.
                EPSILON = 1e-9


                class Value:
                    """A number."""

                    # Only the number, for now.
                    def __init__(self, data):
                        self.data = data

                    def __repr__(self):
                        return f"Value({self.data})"
                '''),
                cell("v = Value(1)\nprint(v)"),
                export("""
                def double(x):
                    # Twice x, by addition.
                    return x + x
                """),
            ),
            "notes": chapter(cell("print('no exports here')")),
            "two": chapter(
                export("""
                import math
                from itertools import chain


                @extend(Value)
                class Value:
                    # Sums remember nothing yet.
                    def __add__(self, other):
                        # Both sides are Values here.
                        return Value(self.data + other.data)
                """),
            ),
            "three": chapter(
                export("""
                @extend(Value, replaces=["__init__"])
                class Value:
                    # Now with a label.
                    def __init__(self, data, label=""):
                        self.data = data
                        self.label = label

                    def __mul__(self, other):
                        return Value(self.data * other.data)
                """),
                export(
                    """
                    from micrograd.engine import Value


                    def zero():
                        return Value(0)
                    """,
                    module="nn",
                ),
            ),
        },
    )


EXPECTED_ENGINE = '''\
# Generated by `python -m tangle` from book/one.md, book/two.md, book/three.md: edit those \
chapters, not this file.
"""The engine."""

import math
from itertools import chain

# Comparisons allow this much rounding error.
EPSILON = 1e-9


class Value:
    """A number."""

    # Now with a label.
    def __init__(self, data, label=""):
        self.data = data
        self.label = label

    def __repr__(self):
        return f"Value({self.data})"

    # Sums remember nothing yet.
    def __add__(self, other):
        # Both sides are Values here.
        return Value(self.data + other.data)

    def __mul__(self, other):
        return Value(self.data * other.data)


def double(x):
    # Twice x, by addition.
    return x + x
'''


def test_merging_gives_one_class_with_every_method_in_book_order(tmp_path):
    files = tangle.tangle(merging_book(tmp_path))
    engine = files["micrograd/engine.py"]
    assert engine == EXPECTED_ENGINE
    for text in files.values():
        assert_formatted(text)
    assert len(re.findall(r"^class Value\b", engine, re.MULTILINE)) == 1
    assert "extend" not in engine


def test_merged_module_compiles_and_works(tmp_path):
    engine = tangle.tangle(merging_book(tmp_path))["micrograd/engine.py"]
    namespace = {}
    exec(compile(engine, "micrograd/engine.py", "exec"), namespace)
    Value = namespace["Value"]
    product = Value(2, label="a") * Value(3) + Value(1)
    assert (product.data, repr(product)) == (7, "Value(7)")
    assert Value(1, "x").label == "x"
    assert [name for name, member in vars(Value).items() if callable(member)] == [
        "__init__",
        "__repr__",
        "__add__",
        "__mul__",
    ]
    assert namespace["double"](4) == 8
    assert namespace["EPSILON"] == 1e-9


def test_each_module_names_only_the_chapters_that_export_to_it(tmp_path):
    files = tangle.tangle(merging_book(tmp_path))
    assert sorted(files) == [
        "micrograd/__init__.py",
        "micrograd/engine.py",
        "micrograd/nn.py",
    ]
    assert files["micrograd/__init__.py"] == (
        tangle.HEADER.format(sources="the chapters in book/")
        + '\n"""A test package."""\n'
    )
    nn = files["micrograd/nn.py"]
    assert nn.splitlines()[0] == tangle.HEADER.format(sources="book/three.md")
    assert nn.splitlines()[1] == '"""The networks."""'
    assert "notes" not in files["micrograd/engine.py"].splitlines()[0]
    for path, text in files.items():
        compile(text, path, "exec")


def test_tangling_is_deterministic_across_runs_copies_and_hash_seeds(tmp_path):
    project = merging_book(tmp_path / "a")
    first = tangle.tangle(project)
    assert tangle.tangle(project) == first
    copy = tmp_path / "b"
    shutil.copytree(tmp_path / "a", copy)
    assert tangle.tangle(tangle.Project(copy)) == first
    written = []
    for seed in ("1", "2"):
        shutil.rmtree(copy / "micrograd", ignore_errors=True)
        result = run_cli(copy, PYTHONHASHSEED=seed)
        assert result.returncode == 0, result.stderr
        written.append(snapshot(copy))
    assert written[0] == written[1]
    assert package_files(copy) == first


def test_replaced_method_keeps_its_place_and_others_stay(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("""
                class Value:
                    def a(self):
                        return "a1"

                    def b(self):
                        return "b1"

                    def c(self):
                        return "c1"
                """)
            ),
            "two": chapter(
                export("""
                @extend(Value, replaces="b")
                class Value:
                    def b(self):
                        return "b2"
                """)
            ),
        },
    )
    engine = tangle.tangle(project)["micrograd/engine.py"]
    assert re.findall(r"def (\w)\(self\):\n +return \"(\w\d)\"", engine) == [
        ("a", "a1"),
        ("b", "b2"),
        ("c", "c1"),
    ]


def test_assignments_of_any_value_are_definitions(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("""
                import random


                def make():
                    return 3


                x = make()
                limit: int = 10
                first = second = 0
                """)
            ),
        },
    )
    namespace = {}
    exec(tangle.tangle(project)["micrograd/engine.py"], namespace)
    assert (namespace["x"], namespace["limit"], namespace["second"]) == (3, 10, 0)


def test_a_class_whose_first_member_is_decorated(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("""
                class Value:
                    # The data, read-only.
                    @property
                    def data(self):
                        return 1
                """)
            ),
            "two": chapter(
                export("""
                @extend(Value)
                class Value:
                    @staticmethod
                    def zero():
                        return 0
                """)
            ),
        },
    )
    engine = tangle.tangle(project)["micrograd/engine.py"]
    assert "class Value:\n    # The data, read-only.\n    @property\n" in engine
    assert_formatted(engine)
    namespace = {}
    exec(engine, namespace)
    assert (namespace["Value"]().data, namespace["Value"].zero()) == (1, 0)


def test_a_future_import_from_a_later_chapter_still_opens_the_module(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(export("import math\n\n\ndef f():\n    return math.pi")),
            "two": chapter(
                export("from __future__ import annotations\n\n\ndef g(x: Value): ...")
            ),
        },
    )
    engine = tangle.tangle(project)["micrograd/engine.py"]
    compile(engine, "engine.py", "exec")
    assert engine.index("from __future__") < engine.index("import math")


CLASS_SHAPES = """\
# An empty class keeps its `pass`.
class Empty:
    pass


class OnlyDoc:
    \"\"\"Nothing but a docstring.\"\"\"


class Plain:
    x = 1


@dataclass
class Wide(
    Plain,
):
    # Why y.
    y: int = 2
"""


def test_a_formatted_cell_comes_out_as_it_went_in(tmp_path):
    project = make_book(tmp_path, {"one": chapter(export(CLASS_SHAPES))})
    engine = tangle.tangle(project)["micrograd/engine.py"]
    header = tangle.HEADER.format(sources="book/one.md")
    assert engine == f'{header}\n"""The engine."""\n\n\n{CLASS_SHAPES}'
    assert_formatted(engine)


# Errors: the message names the chapter and line; nothing is written ---------------------

VALUE = export("""
class Value:
    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return "Value"
""")

ERRORS = {
    "syntax error": (
        {
            "one": chapter(
                VALUE,
                export(
                    """
                    def fine():
                        return 1


                    def broken(x):
                        return x +
                    """,
                    yaml_block=True,
                ),
            )
        },
        ("one", "return x +"),
        "syntax error",
    ),
    "extend an unknown class": (
        {
            "one": chapter(
                VALUE,
                export("@extend(Foo)\nclass Foo:\n    def f(self):\n        return 1"),
            )
        },
        ("one", "@extend(Foo)"),
        "no earlier exported cell defines `class Foo`",
    ),
    "extend a class a later chapter defines": (
        {
            "one": chapter(
                export("@extend(Foo)\nclass Foo:\n    def f(self):\n        return 1")
            ),
            "two": chapter(export("class Foo:\n    pass")),
        },
        ("one", "@extend(Foo)"),
        "no earlier exported cell defines `class Foo`",
    ),
    "extend a function": (
        {
            "one": chapter(
                export("def Foo():\n    return 1"),
                export("@extend(Foo)\nclass Foo:\n    def f(self):\n        return 1"),
            )
        },
        ("one", "@extend(Foo)"),
        "defines `class Foo`",
    ),
    "duplicate method without replaces": (
        {
            "one": chapter(VALUE),
            "two": chapter(
                export("""
                @extend(Value)
                class Value:
                    def __add__(self, other):
                        return self

                    # A second repr, by mistake.
                    def __repr__(self):
                        return "again"
                """)
            ),
        },
        ("two", "def __repr__"),
        "replaces=['__repr__']",
    ),
    "duplicate top-level function": (
        {
            "one": chapter(VALUE, export("def helper():\n    return 1")),
            "two": chapter(export("import math\n\n\ndef helper():\n    return 2")),
        },
        ("two", "def helper"),
        "`helper` is already exported at book/one.md:",
    ),
    "duplicate constant": (
        {"one": chapter(export("N = 1"), export("M = 2\nN = 3"))},
        ("one", "N = 3"),
        "`N` is already exported",
    ),
    "class defined twice": (
        {"one": chapter(VALUE), "two": chapter(VALUE)},
        ("two", "class Value"),
        "use @extend(ClassName)",
    ),
    "replaces a method the class lacks": (
        {
            "one": chapter(VALUE),
            "two": chapter(
                export("""
                @extend(Value, replaces=["nope"])
                class Value:
                    def nope(self):
                        return 1
                """)
            ),
        },
        ("two", "def nope"),
        "`Value` has no `nope` to replace",
    ),
    "replaces a method the body lacks": (
        {
            "one": chapter(VALUE),
            "two": chapter(
                export("""
                @extend(Value, replaces=["nope"])
                class Value:
                    def other(self):
                        return 1
                """)
            ),
        },
        ("two", "@extend(Value"),
        "this body does not define `nope`",
    ),
    "unknown module": (
        {"one": chapter(VALUE), "two": chapter(export("X = 1", module="nope"))},
        ("two", ":tags: [export:nope]"),
        "unknown module in tag `export:nope`",
    ),
    "unknown module in a YAML options block": (
        {"one": chapter(export("X = 1", module="nope", yaml_block=True))},
        ("one", "tags:"),
        "unknown module in tag `export:nope`",
    ),
    "bare export tag": (
        {"one": chapter(VALUE), "two": chapter(cell("X = 1", "export"))},
        ("two", ":tags: [export]"),
        "needs a module name",
    ),
    "two export tags": (
        {"one": chapter(cell("X = 1", "export:engine", "export:nn"))},
        ("one", ":tags: [export:engine, export:nn]"),
        "exported to one module",
    ),
    "a call in an exported cell": (
        {"one": chapter(export("import math\n\n# Say hello.\nprint(1)\nX = 1"))},
        ("one", "print(1)"),
        "only imports and definitions",
    ),
    "attribute assignment in an exported cell": (
        {"one": chapter(VALUE, export("Value.zero = 0"))},
        ("one", "Value.zero = 0"),
        "only imports and definitions",
    ),
    "comment after the last statement": (
        {"one": chapter(export("def f():\n    return 1\n\n\n# What f is for."))},
        ("one", "# What f is for."),
        "comment after the last statement",
    ),
    "comment after the last method of an extension": (
        {
            "one": chapter(VALUE),
            "two": chapter(
                export("@extend(Value)\nclass Value:\n    x = 1\n\n    # Trailing.")
            ),
        },
        ("two", "# Trailing."),
        "comment after the last statement",
    ),
    "two statements on one line": (
        {"one": chapter(export("import math; import sys"))},
        ("one", "import math; import sys"),
        "one statement per line",
    ),
    "class body indented by two": (
        {"one": chapter(export("class Two:\n  def f(self):\n    return 1"))},
        ("one", "  def f(self):"),
        "indent class bodies by 4 spaces",
    ),
    "a method defined twice in one cell": (
        {
            "one": chapter(
                export("class A:\n    def f(self):\n        return 1\n\n    f = None")
            )
        },
        ("one", "    f = None"),
        "`A.f` is defined twice in one cell",
    ),
    "a statement in a class body": (
        {"one": chapter(export("class A:\n    x = 1\n    print(x)"))},
        ("one", "    print(x)"),
        "only methods and attributes",
    ),
    "docstring in an extension": (
        {
            "one": chapter(VALUE),
            "two": chapter(export('@extend(Value)\nclass Value:\n    """Doc."""')),
        },
        ("two", "@extend(Value)"),
        "docstring belongs to the cell that first defines the class",
    ),
    "extension of another name": (
        {"one": chapter(VALUE, export("@extend(Value)\nclass Other:\n    x = 1"))},
        ("one", "@extend(Value)"),
        "must decorate `class Value:`",
    ),
    "extension with another decorator": (
        {
            "one": chapter(
                VALUE, export("@extend(Value)\n@final\nclass Value:\n    x = 1")
            )
        },
        ("one", "@extend(Value)"),
        "with no other decorators",
    ),
    "unclosed fence": (
        {"one": chapter(VALUE) + "```{code-cell} python\nX = 1\n"},
        ("one", "```{code-cell} python"),
        "never closed",
    ),
    "options that are not YAML": (
        {"one": chapter(VALUE, "```{code-cell}\n:tags: [a, \n\nX = 1\n```\n")},
        ("one", ":tags: [a, "),
        "not YAML",
    ),
    "tags that are not a list": (
        {"one": chapter(VALUE, "```{code-cell}\n:tags: export:engine\n\nX = 1\n```\n")},
        ("one", ":tags: export:engine"),
        "must be a list",
    ),
    # Replacing a whole definition.
    "@replace of a class no earlier chapter exported": (
        {"one": chapter(export("@replace(Tensor)\nclass Tensor:\n    pass"))},
        ("one", "@replace(Tensor)"),
        "no earlier exported cell defines `Tensor`",
    ),
    "@replace naming another definition": (
        {"one": chapter(VALUE, export("@replace(Value)\ndef other():\n    pass"))},
        ("one", "@replace(Value)"),
        "directly above the new `other`",
    ),
    "@replace beside another decorator": (
        {
            "one": chapter(
                VALUE, export("@replace(Value)\n@dataclass\nclass Value:\n    pass")
            )
        },
        ("one", "@replace(Value)"),
        "alone",
    ),
    # The table of contents: `toc` lists the chapters it names, files or not.
    "a chapter missing from the table of contents": (
        {"one": chapter(VALUE), "stray": chapter(export("X = 1"))},
        "book/stray.md:1",
        "not listed in _toc.yml",
        ["one"],
    ),
    "a table of contents entry without a file": (
        {"one": chapter(VALUE)},
        "_toc.yml",
        "lists `book/ghost`",
        ["one", "ghost"],
    ),
}


def error_book(root, case):
    chapters, _, _, *toc = ERRORS[case]
    return make_book(root, chapters, toc=toc[0] if toc else None)


def expected_location(root, case):
    """The `FILE:LINE: ` the message of an error case must start with."""
    location = ERRORS[case][1]
    if isinstance(location, tuple):
        location = where(root, *location)
    return f"{location}: "


@pytest.mark.parametrize("case", ERRORS)
def test_error_names_the_chapter_and_line(tmp_path, case):
    project = error_book(tmp_path, case)
    with pytest.raises(tangle.TangleError) as error:
        tangle.tangle(project)
    message = str(error.value)
    assert message.startswith(expected_location(tmp_path, case)), message
    assert ERRORS[case][2] in message


@pytest.mark.parametrize("case", ERRORS)
def test_error_writes_nothing(tmp_path, capsys, case):
    error_book(tmp_path, case)
    fake_generated_package(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run_main(capsys, tmp_path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"tangle: error: {expected_location(tmp_path, case)}")
    assert err.endswith("tangle: nothing was written\n")
    assert snapshot(tmp_path) == before
    assert run_main(capsys, tmp_path, "--check")[0] == 2


def test_duplicate_errors_also_name_the_first_definition(tmp_path):
    project = error_book(tmp_path, "duplicate method without replaces")
    with pytest.raises(tangle.TangleError) as error:
        tangle.tangle(project)
    assert f"already exported at {where(tmp_path, 'one', 'def __repr__')};" in str(
        error.value
    )


def test_settings_missing_from_pyproject(tmp_path, capsys):
    make_book(tmp_path, {"one": chapter(VALUE)})
    (tmp_path / "pyproject.toml").write_text('[project]\ndescription = "x"\n')
    with pytest.raises(tangle.TangleError, match=r"pyproject\.toml.*\[tool\.tangle\]"):
        tangle.Project(tmp_path)
    code, _, err = run_main(capsys, tmp_path)
    assert code == 2 and "pyproject.toml" in err
    assert not (tmp_path / "micrograd").exists()


def test_write_refuses_to_delete_a_hand_written_file(tmp_path, capsys):
    project = make_book(tmp_path, {"one": chapter(VALUE)})
    fake_generated_package(tmp_path)
    (tmp_path / "micrograd" / "notes.py").write_text("# My own notes.\nX = 1\n")
    before = snapshot(tmp_path)
    with pytest.raises(
        tangle.TangleError, match=r"^micrograd/notes\.py: .*not written"
    ):
        tangle.write(project, tangle.tangle(project))
    assert snapshot(tmp_path) == before
    code, _, err = run_main(capsys, tmp_path)
    assert code == 2 and "micrograd/notes.py" in err
    assert snapshot(tmp_path) == before


# Writing and check mode --------------------------------------------------------------------


def test_write_replaces_the_package_and_then_has_nothing_to_do(tmp_path, capsys):
    project = make_book(tmp_path, {"one": chapter(VALUE)})
    fake_generated_package(tmp_path)
    (tmp_path / "micrograd" / "stale.py").write_text(
        tangle.HEADER.format(sources="book/gone.md") + "\n"
    )
    files = tangle.tangle(project)
    assert tangle.write(project, files) is True
    assert package_files(tmp_path) == files
    assert b"\r" not in b"".join(snapshot(tmp_path / "micrograd").values())
    assert not list(tmp_path.glob(".micrograd.*"))
    assert tangle.write(project, files) is False
    assert run_main(capsys, tmp_path)[1] == "tangle: micrograd/ is up to date\n"


def test_cli_writes_a_new_package(tmp_path, capsys):
    make_book(tmp_path, {"one": chapter(VALUE)})
    code, out, _ = run_main(capsys, tmp_path)
    assert (code, out) == (0, "tangle: wrote micrograd/ (2 files)\n")
    assert (tmp_path / "micrograd" / "engine.py").is_file()


def tangled_book(root):
    """A book whose package was just written, as the owner would commit it."""
    project = make_book(
        root,
        {
            "one": chapter(VALUE),
            "two": chapter(export("def helper():\n    return 1")),
        },
    )
    tangle.write(project, tangle.tangle(project))
    return project


def test_check_passes_when_in_sync(tmp_path):
    tangled_book(tmp_path)
    result = run_cli(tmp_path, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "tangle: micrograd/ matches the chapters (2 files)\n"


def test_check_shows_the_diff_of_a_cell_edited_but_not_tangled(tmp_path):
    tangled_book(tmp_path)
    chapter_two = tmp_path / "book" / "two.md"
    chapter_two.write_text(chapter_two.read_text().replace("return 1", "return 2"))
    before = snapshot(tmp_path)
    result = run_cli(tmp_path, "--check")
    assert result.returncode == 1
    assert "--- micrograd/engine.py (on disk)\n" in result.stdout
    assert "+++ micrograd/engine.py (from the chapters)\n" in result.stdout
    assert "\n-    return 1\n+    return 2\n" in result.stdout
    assert "run `python -m tangle`" in result.stderr
    assert snapshot(tmp_path) == before


def test_check_catches_a_hand_edited_package_file(tmp_path, capsys):
    tangled_book(tmp_path)
    engine = tmp_path / "micrograd" / "engine.py"
    engine.write_text(engine.read_text() + "\n# A quick fix.\n")
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == 1
    assert "--- micrograd/engine.py (on disk)" in out
    assert "\n-# A quick fix.\n" in out


def test_check_names_a_missing_file(tmp_path, capsys):
    tangled_book(tmp_path)
    (tmp_path / "micrograd" / "engine.py").unlink()
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert (code, out) == (1, "micrograd/engine.py: missing; the chapters export it\n")


def test_check_names_an_extra_file(tmp_path, capsys):
    tangled_book(tmp_path)
    (tmp_path / "micrograd" / "extra.py").write_text("X = 1\n")
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == 1
    assert out == "micrograd/extra.py: should not be there; no chapter exports it\n"


def test_check_ignores_python_caches(tmp_path, capsys):
    project = tangled_book(tmp_path)
    cache = tmp_path / "micrograd" / "__pycache__"
    cache.mkdir()
    (cache / "engine.cpython-311.pyc").write_bytes(b"\x00\xff not text")
    assert tangle.check(project, tangle.tangle(project)) == []
    assert run_main(capsys, tmp_path, "--check")[0] == 0
    assert tangle.write(project, tangle.tangle(project)) is False


def test_cli_error_exits_2_with_the_message_on_stderr(tmp_path):
    tangled_book(tmp_path)
    (tmp_path / "book" / "two.md").write_text(chapter(export("print(1)")))
    for arguments in ((), ("--check",)):
        result = run_cli(tmp_path, *arguments)
        assert result.returncode == 2
        assert result.stdout == ""
        assert f"tangle: error: {where(tmp_path, 'two', 'print(1)')}: " in (
            result.stderr
        )


# Tangling the chapters before one ---------------------------------------------------------


def three_chapters(root):
    return make_book(
        root,
        {
            "one": chapter(VALUE),
            "two": chapter(
                export(
                    "@extend(Value)\nclass Value:\n    def two(self):\n        return 2"
                )
            ),
            "three": chapter(export("def three():\n    return 3", module="nn")),
        },
    )


def test_before_a_chapter_takes_only_the_chapters_before_it(tmp_path):
    project = three_chapters(tmp_path)
    files = tangle.tangle(project, before="two")
    assert sorted(files) == ["micrograd/__init__.py", "micrograd/engine.py"]
    engine = files["micrograd/engine.py"]
    assert engine.splitlines()[0] == tangle.HEADER.format(sources="book/one.md")
    assert "def two" not in engine
    for name in ("three", "three.md", "book/three.md"):
        files = tangle.tangle(project, before=name)
        assert "def two" in files["micrograd/engine.py"]
        assert "micrograd/nn.py" not in files
    assert tangle.tangle(project, before="three") == tangle.tangle(
        project, before="three.md"
    )
    assert list(tangle.tangle(project, before="one")) == ["micrograd/__init__.py"]


def test_before_an_unknown_chapter_lists_the_chapters(tmp_path):
    project = three_chapters(tmp_path)
    with pytest.raises(tangle.TangleError) as error:
        tangle.tangle(project, before="four")
    assert "'four'" in str(error.value)
    assert "one, two, three" in str(error.value)


def test_before_ignores_errors_in_later_chapters(tmp_path):
    project = three_chapters(tmp_path)
    (tmp_path / "book" / "three.md").write_text(chapter(export("print(1)")))
    assert "micrograd/engine.py" in tangle.tangle(project, before="three")
    with pytest.raises(tangle.TangleError):
        tangle.tangle(project)


# Reading cells ------------------------------------------------------------------------------

TRICKY_CHAPTER = f"""{FRONT_MATTER}
# Cells of every shape

A cell as the text shows it, not run:

````markdown
```{{code-cell}} ipython3
:tags: [export:engine]

print("an example, not a cell")
```
````

~~~{{code-cell}} ipython3
x = 1
~~~

```{{code-cell}} ipython3
---
tags:
  - export:engine
  - hide-input
---
class Value:
    pass


```

```{{code-cell}}
:tags: [remove-output]
:other: 1

y = 2
```

```python
z = "a plain code block, not a cell"
```

```{{code-cell}} ipython3
:tags: [export:engine]
W = 1
```
"""


def test_cells_of_every_shape(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "tricky.md").write_text(TRICKY_CHAPTER)
    cells = read_cells(tmp_path, Path("book/tricky.md"))
    assert [(c.source, c.tags) for c in cells] == [
        ("x = 1", ()),
        ("class Value:\n    pass", ("export:engine", "hide-input")),
        ("y = 2", ("remove-output",)),
        ("W = 1", ("export:engine",)),
    ]
    lines = TRICKY_CHAPTER.splitlines()
    for found in cells:
        assert lines[found.line - 1] == found.source.splitlines()[0]
        assert found.chapter == Path("book/tricky.md")


def jupytext_code_cells(path):
    notebook = jupytext.read(path, fmt="md:myst")
    return [
        # The tangler drops the blank lines around a cell's source; jupytext keeps some.
        (cell.source.strip("\n"), tuple(cell.metadata.get("tags", ())))
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def tangler_code_cells(root, chapter_path):
    return [(c.source, c.tags) for c in read_cells(root, chapter_path)]


def test_cells_agree_with_jupytext_on_every_shape(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "tricky.md").write_text(TRICKY_CHAPTER)
    assert tangler_code_cells(tmp_path, Path("book/tricky.md")) == (
        jupytext_code_cells(tmp_path / "book" / "tricky.md")
    )


def test_cells_agree_with_jupytext_on_the_real_book():
    project = tangle.Project(REPO)
    chapters = project.chapters()
    assert chapters
    for chapter_path in chapters:
        assert tangler_code_cells(REPO, chapter_path) == (
            jupytext_code_cells(REPO / chapter_path)
        ), chapter_path


# The real book ------------------------------------------------------------------------------


def test_the_committed_package_matches_the_book():
    project = tangle.Project(REPO)
    assert tangle.check(project, tangle.tangle(project)) == []


IMPORT_EVERY_MODULE = """
import importlib, pathlib, sys
folder = pathlib.Path(sys.argv[1]).resolve()
for name in sys.argv[2:]:
    module = importlib.import_module(name)
    assert folder in pathlib.Path(module.__file__).resolve().parents, module.__file__
print(len(sys.argv) - 2)
"""


def test_the_package_before_each_chapter_imports(tmp_path):
    project = tangle.Project(REPO)
    states = [chapter.as_posix() for chapter in project.chapters()] + [None]
    for number, before in enumerate(states):
        files = tangle.tangle(project, before=before)
        folder = tmp_path / str(number)
        tangle.write_files(files, folder)
        names = []
        for path, text in files.items():
            compile(text, path, "exec")
            names.append(
                path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
            )
        result = subprocess.run(
            [sys.executable, "-c", IMPORT_EVERY_MODULE, str(folder), *names],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(folder)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, f"before {before}:\n{result.stderr}"
        assert result.stdout == f"{len(names)}\n"


def test_imports_from_every_chapter_come_out_in_isorts_order(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("import numbers\n\nfrom micrograd.draw import draw_graph\n")
            ),
            "two": chapter(
                export(
                    """
                    import yaml
                    from collections import deque
                    import math
                    from . import nn
                    import numbers
                    from __future__ import annotations
                    """
                )
            ),
        },
    )
    text = tangle.tangle(project)["micrograd/engine.py"]
    body = text.split('"""The engine."""\n\n', 1)[1]
    assert body == textwrap.dedent(
        """\
        from __future__ import annotations

        import math
        import numbers
        from collections import deque

        import yaml

        from micrograd.draw import draw_graph

        from . import nn
        """
    )
    assert_imports_sorted(text)


def test_constants_keep_the_spacing_of_their_cell_and_imports_their_sections(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export(
                    """
                    import math
                    import os

                    import yaml
                    WIDTH = 1
                    HEIGHT = 2

                    # Colours come in a block of their own.
                    COLOURS = {}
                    def area():
                        return WIDTH * HEIGHT
                    LIMIT = 3
                    """
                )
            )
        },
    )
    text = tangle.tangle(project)["micrograd/engine.py"]
    body = text.split('"""The engine."""\n\n', 1)[1]
    assert body == textwrap.dedent(
        """\
        import math
        import os

        import yaml

        WIDTH = 1
        HEIGHT = 2

        # Colours come in a block of their own.
        COLOURS = {}


        def area():
            return WIDTH * HEIGHT


        LIMIT = 3
        """
    )
    assert_formatted(text)


def test_replace_puts_a_whole_new_definition_in_the_old_ones_place(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("""
                def helper():
                    return 1


                class Value:
                    def slow(self):
                        return "slow"


                LIMIT = 3
                """)
            ),
            "two": chapter(
                export("""
                # The fast one keeps no __dict__.
                @replace(Value)
                class Value:
                    \"\"\"Faster.\"\"\"

                    __slots__ = ("data",)
                """),
                export("""
                @extend(Value)
                class Value:
                    def slow(self):
                        return "not any more"
                """),
                export("""
                @replace(helper)
                def helper():
                    return 2
                """),
            ),
        },
    )
    text = tangle.tangle(project)["micrograd/engine.py"]
    body = text.split('"""The engine."""\n\n\n', 1)[1]
    assert body == textwrap.dedent(
        """\
        def helper():
            return 2


        # The fast one keeps no __dict__.
        class Value:
            \"\"\"Faster.\"\"\"

            __slots__ = ("data",)

            def slow(self):
                return "not any more"


        LIMIT = 3
        """
    )
    assert_formatted(text)
