"""The tangler, on tiny books built in a temporary folder and on the real book.

Every error must name the file and the line to fix, and must leave the package alone; a
write, however it is stopped, leaves the old package or the new one, never a mix.
"""

import errno
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import pytest

import tangle
import tangle.__main__
import tangle.disk
from tangle.__main__ import BAD_INPUT, DONE, DRIFT, NOT_WRITTEN, USAGE, main
from tangle.chapters import read_cells
from tangle.imports import ADDED_AFTER_3_10, REMOVED_AFTER_3_10

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


def where(root, name, needle, file=None):
    """`book/NAME.md:LINE` for the one line of the chapter that contains `needle`."""
    file = file or f"book/{name}.md"
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found} of {file}"
    return f"{file}:{found[0]}"


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


def ruff(*arguments, text=None):
    """Run ruff from this Python's environment with the project's settings."""
    ruff = Path(sys.executable).with_name("ruff")
    assert ruff.exists(), "ruff (requirements-dev.txt) must be installed beside Python"
    return subprocess.run(
        [str(ruff), *arguments, "--config", str(REPO / "pyproject.toml")]
        + (["-"] if text is not None else []),
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


def body_of(text):
    """A module's text below its docstring."""
    return text.split('"""\n\n', 1)[1]


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


def test_the_header_names_only_chapters_whose_code_is_in_the_module(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(export("import math\n\n\nclass Value:\n    x = 1")),
            # Its one method is rewritten by chapter four, its import is chapter one's.
            "two": chapter(
                export(
                    "import math\n\n\n@extend(Value)\nclass Value:\n    def f(self):\n"
                    "        return 2"
                )
            ),
            # Only an import that chapter one already brought: none of its text is kept.
            "three": chapter(export("import math")),
            "four": chapter(
                export(
                    "@extend(Value, replaces=['f'])\nclass Value:\n    def f(self):\n"
                    "        return 4"
                )
            ),
            # A name of its own from a module another chapter imports from.
            "five": chapter(export("from math import pi")),
            "six": chapter(
                export("# Why the package needs floor.\nfrom math import pi")
            ),
        },
    )
    engine = tangle.tangle(project)["micrograd/engine.py"]
    sources = "book/one.md, book/four.md, book/five.md, book/six.md"
    assert engine.splitlines()[0] == tangle.HEADER.format(sources=sources)
    assert "return 2" not in engine and "return 4" in engine


def test_an_empty_exported_cell_makes_no_module(tmp_path):
    project = make_book(tmp_path, {"one": chapter(export("\n", module="nn"))})
    assert sorted(tangle.tangle(project)) == ["micrograd/__init__.py"]


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
        assert result.returncode == DONE, result.stderr
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


def test_class_attributes_written_together_stay_together(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(
                export("""
                class Value:
                    __slots__ = ("data", "__dict__")
                    label = ""

                    unit = 1

                    def double(self):
                        return 2 * self.data
                """)
            ),
            "two": chapter(
                export("""
                @extend(Value)
                class Value:
                    kind = "number"
                    sign = 1
                """)
            ),
        },
    )
    engine = tangle.tangle(project)["micrograd/engine.py"]
    assert '__dict__")\n    label = ""\n\n    unit = 1\n\n    def double' in engine
    assert 'return 2 * self.data\n\n    kind = "number"\n    sign = 1\n' in engine
    assert_formatted(engine)


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
    assert body_of(text) == textwrap.dedent(
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


# Imports ------------------------------------------------------------------------------------


def imports_of(root, *cells):
    """The import block the tangler writes for `cells`, each exported by a chapter."""
    chapters = {
        f"c{number}": chapter(export(text)) for number, text in enumerate(cells)
    }
    text = tangle.tangle(make_book(root, chapters))["micrograd/engine.py"]
    assert_imports_sorted(text)
    assert_formatted(text)
    return body_of(text)


def test_imports_from_every_chapter_come_out_in_isorts_order(tmp_path):
    block = imports_of(
        tmp_path,
        "import numbers\n\nfrom micrograd.draw import draw_graph\n",
        """
        import yaml
        from collections import deque
        import math
        from . import nn
        import numbers
        from __future__ import annotations
        """,
    )
    assert block == textwrap.dedent(
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


def test_imports_from_one_module_merge_into_one_line_across_chapters(tmp_path):
    block = imports_of(
        tmp_path,
        "from itertools import chain",
        "from itertools import pairwise\nimport math, os",
        "from itertools import chain, accumulate",
    )
    assert block == textwrap.dedent(
        """\
        import math
        import os
        from itertools import accumulate, chain, pairwise
        """
    )


def test_imported_names_in_isorts_order(tmp_path):
    block = imports_of(
        tmp_path,
        "from x import b as c, a\nfrom x import d\nimport numpy as np",
        "from x import B, A_B, Z, a1, a10, a2\nimport numpy\nfrom x import e as f",
        "from .. import z\nfrom . import y\nfrom .a import q\nfrom ..b import r",
    )
    assert block == textwrap.dedent(
        """\
        import numpy
        import numpy as np
        from x import A_B, B, Z, a, a1, a2, a10, d
        from x import b as c
        from x import e as f

        from .. import z
        from ..b import r
        from . import y
        from .a import q
        """
    )


def test_a_long_import_is_wrapped_as_ruff_wraps_it(tmp_path):
    names = [f"a_rather_long_name_{number}" for number in range(6)]
    block = imports_of(
        tmp_path,
        f"from collections import {', '.join(names[:3])}",
        f"from collections import {', '.join(names[3:])}",
    )
    inside = "".join(f"    {name},\n" for name in names)
    assert block == f"from collections import (\n{inside})\n"


def test_a_comment_above_an_import_stays_above_it(tmp_path):
    block = imports_of(
        tmp_path,
        "import random\n# The pictures need matplotlib.\nfrom matplotlib import pyplot",
        "# Sorting wants the keys.\nimport heapq",
    )
    assert block == textwrap.dedent(
        """\
        # Sorting wants the keys.
        import heapq
        import random

        # The pictures need matplotlib.
        from matplotlib import pyplot
        """
    )
    # Not first in its section: a blank line before the comment, as isort puts one.
    assert imports_of(tmp_path / "b", "import heapq\n# Why random.\nimport random") == (
        "import heapq\n\n# Why random.\nimport random\n"
    )


def test_the_standard_library_is_python_3_10s_whichever_python_tangles(tmp_path):
    """ruff (target-version py310) must put every module in the section the tangler does."""
    names = sorted(
        name
        for name in set(sys.stdlib_module_names) | ADDED_AFTER_3_10 | REMOVED_AFTER_3_10
        if name.isidentifier() and name != "__future__"
    )
    imports_of(tmp_path, "\n".join(f"import {name}" for name in names))


IMPORT_MODULES = [
    "__future__", "math", "os", "os.path", "collections", "collections.abc", "itertools",
    "typing", "tomllib", "distutils", "yaml", "numpy", "matplotlib.pyplot", "Zeta", "a10",
    "a2", "a02", "b_1", "micrograd", "micrograd.engine", ".", ".engine", "..x",
]  # fmt: skip
IMPORT_NAMES = "CONSTANT Class function x1 x10 x2 x02 _private ZZ".split()


def random_import_cell(rng, used):
    """A cell of random imports that never bind one name to two things (an error)."""
    lines = []
    for _ in range(rng.randint(1, 5)):
        index = rng.randrange(len(IMPORT_MODULES))
        module = IMPORT_MODULES[index]
        if rng.random() < 0.3:
            lines.append(f"# Why {module} is needed.")
        relative = module.startswith(".")
        if module == "__future__":
            lines.append("from __future__ import annotations")
        elif not relative and rng.random() < 0.35:
            alias = f" as m{index}" if rng.random() < 0.3 else ""
            second = IMPORT_MODULES[rng.randrange(1, 6)]
            more = f", {second}" if not alias and rng.random() < 0.3 else ""
            lines.append(f"import {module}{alias}{more}")
        else:
            count = rng.randint(1, 9 if rng.random() < 0.2 else 3)
            names = [
                f"{rng.choice(IMPORT_NAMES)}_{index}"
                + (f" as n{index}_{rng.randrange(3)}" if rng.random() < 0.2 else "")
                for _ in range(count)
            ]
            lines.append(f"from {module} import {', '.join(dict.fromkeys(names))}")
    used.update(lines)
    return "\n".join(lines)


def test_imports_that_chapters_bring_pass_ruff_whatever_they_are(tmp_path):
    """Random import cells in three chapters, 150 times: ruff's isort rule, its one-import-
    a-line rule (E401) and its formatter accept every module the tangler writes."""
    rng = random.Random(12)
    package = tmp_path / "micrograd"
    package.mkdir()
    (package / "__init__.py").write_text("")
    used = set()
    for number in range(150):
        cells = [random_import_cell(rng, used) for _ in range(3)]
        chapters = {
            f"c{index}": chapter(export(text)) for index, text in enumerate(cells)
        }
        project = make_book(tmp_path / "books" / str(number), chapters)
        try:
            text = tangle.tangle(project)["micrograd/engine.py"]
        except tangle.TangleError as error:
            # Two chapters bound one alias to two things, which the tangler refuses.
            assert "binds `" in str(error), error
            continue
        (package / f"engine_{number}.py").write_text(text, encoding="utf-8")
    written = list(package.glob("engine_*.py"))
    assert len(written) > 100
    assert any(line.startswith("#") for line in used)
    check = ruff("check", "--select", "I,E401,E402,F811,F404", str(package))
    assert check.returncode == 0, check.stdout
    formatted = ruff("format", "--check", str(package))
    assert formatted.returncode == 0, formatted.stdout
    assert any("(\n" in path.read_text() for path in written), (
        "no long line was wrapped"
    )


# Names defined once -------------------------------------------------------------------------


def test_the_same_import_in_several_chapters_is_one_import(tmp_path):
    block = imports_of(
        tmp_path,
        "import os.path\nfrom math import pi",
        "import os\nfrom math import pi",
    )
    assert block == "import os\nimport os.path\nfrom math import pi\n"


NAME_CLASHES = {
    # The case: the module puts imports first, so there the def would win,
    # while the notebook runs the import last.
    "an import rebinds an exported function": (
        {
            "one": chapter(export("def _power_slope(a, b):\n    return b * a")),
            "two": chapter(export("from math import pow as _power_slope")),
        },
        ("two", "from math import pow"),
        "this import binds `_power_slope`, which is already exported at book/one.md:",
    ),
    "a function takes an imported name": (
        {
            "one": chapter(export("from math import floor")),
            "two": chapter(export("def floor(x):\n    return x")),
        },
        ("two", "def floor"),
        "`floor` is already imported at book/one.md:",
    ),
    "two imports bind one name to two things": (
        {
            "one": chapter(export("from math import pow")),
            "two": chapter(export("from operator import pow")),
        },
        ("two", "from operator"),
        "this import binds `pow`, which is already imported at book/one.md:",
    ),
    "an import binds a constant's name": (
        {"one": chapter(export("LIMIT = 3\n\nimport os as LIMIT"))},
        ("one", "import os as LIMIT"),
        "this import binds `LIMIT`, which is already exported at book/one.md:",
    ),
    "a module imported under a name taken": (
        {"one": chapter(export("import math\nfrom cmath import phase as math"))},
        ("one", "from cmath"),
        "this import binds `math`, which is already imported at book/one.md:",
    ),
}


@pytest.mark.parametrize("case", NAME_CLASHES)
def test_a_name_has_one_meaning_in_a_module(tmp_path, case):
    chapters, location, message = NAME_CLASHES[case]
    with pytest.raises(tangle.TangleError) as error:
        tangle.tangle(make_book(tmp_path, chapters))
    assert str(error.value).startswith(f"{where(tmp_path, *location)}: {message}")


def test_a_clash_inside_a_parenthesized_import_names_the_line_of_the_name(tmp_path):
    project = make_book(
        tmp_path,
        {
            "one": chapter(export("def ceil(x):\n    return x")),
            "two": chapter(export("from math import (\n    floor,\n    ceil,\n)")),
        },
    )
    with pytest.raises(tangle.TangleError, match=r"binds `ceil`") as error:
        tangle.tangle(project)
    assert str(error.value).startswith(where(tmp_path, "two", "    ceil,"))


# Errors: the message names the file and line; nothing is written -------------------------

VALUE = export("""
class Value:
    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return "Value"
""")


def rewrite(name, data):
    """A change to one file of a book after it is made: raw bytes, any encoding."""

    def change(root):
        (root / name).write_bytes(data)

    return change


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
    "a null byte in an exported cell": (
        {"one": chapter(export("X = '\x00'"))},
        ("one", "X = "),
        "U+0000",
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
    "a class defined again under another decorator": (
        {"one": chapter(VALUE, export("@replace(Value)\nclass Value:\n    pass"))},
        ("one", "@replace(Value)"),
        "`Value` is already exported",
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
    "replaces given as a set": (
        {
            "one": chapter(
                VALUE, export("@extend(Value, replaces={'a'})\nclass Value:\n    a = 1")
            )
        },
        ("one", "@extend(Value"),
        "replaces= takes a list of method names",
    ),
    "replaces given as a variable": (
        {
            "one": chapter(
                VALUE, export("@extend(Value, replaces=NAMES)\nclass Value:\n    a = 1")
            )
        },
        ("one", "@extend(Value"),
        "replaces= takes a list of method names",
    ),
    "replaces naming a method twice": (
        {
            "one": chapter(
                VALUE,
                export(
                    "@extend(Value, replaces=['__repr__', '__repr__'])\nclass Value:\n"
                    "    def __repr__(self):\n        return ''"
                ),
            )
        },
        ("one", "@extend(Value"),
        "names `__repr__` twice",
    ),
    "a base class in an extension": (
        {
            "one": chapter(
                VALUE, export("@extend(Value)\nclass Value(object):\n    a = 1")
            )
        },
        ("one", "@extend(Value)"),
        "takes no base classes",
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
    "a star import": (
        {"one": chapter(export("from math import *"))},
        ("one", "from math import *"),
        "`import *` hides which names it binds",
    ),
    "a comment at the end of an import": (
        {"one": chapter(export("import math  # for sqrt"))},
        ("one", "import math"),
        "a comment inside an import",
    ),
    "a comment inside a parenthesized import": (
        {
            "one": chapter(
                export("from math import (\n    pi,  # the constant\n    e,\n)")
            )
        },
        ("one", "from math import ("),
        "a comment inside an import",
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
    # The structure of a chapter.
    "unclosed fence": (
        {"one": chapter(VALUE) + "```{code-cell} python\nX = 1\n"},
        ("one", "```{code-cell} python"),
        "never closed",
    ),
    "unclosed front matter": (
        {"one": "---\njupytext:\n  x: 1\n\n# A chapter\n"},
        "book/one.md:1",
        "front matter that starts here is never closed",
    ),
    "options that are not YAML": (
        {"one": chapter(VALUE, "```{code-cell}\n:tags: [a, \n\nX = 1\n```\n")},
        ("one", ":tags: [a, "),
        "not YAML",
    ),
    "an options block that is not a mapping": (
        {"one": chapter(VALUE, "```{code-cell}\n---\n- a\n---\nX = 1\n```\n")},
        ("one", "- a"),
        "options are `key: value` lines",
    ),
    "tags that are not a list": (
        {"one": chapter(VALUE, "```{code-cell}\n:tags: export:engine\n\nX = 1\n```\n")},
        ("one", ":tags: export:engine"),
        "must be a list",
    ),
    # What a file holds.
    "a chapter that is not UTF-8": (
        {"one": chapter(VALUE), "two": chapter(export("X = 1"))},
        "book/two.md:14",
        "not UTF-8 (the byte 0xe9",
        None,
        rewrite(
            "book/two.md",
            chapter(export("X = 1")).replace("prose", "prosé", 1).encode("latin-1"),
        ),
    ),
    "a chapter holding a form feed": (
        {"one": chapter(export("X = 1\x0c"))},
        ("one", "X = 1"),
        "U+000C",
    ),
    "a line separator in a string": (
        {"one": chapter(export("X = 'a\u2028b'"))},
        ("one", "X = 'a"),
        "U+2028 (LINE SEPARATOR)",
    ),
    # The table of contents.
    "a chapter missing from the table of contents": (
        {"one": chapter(VALUE), "stray": chapter(export("X = 1"))},
        "book/stray.md:1",
        "not listed in _toc.yml",
        ["one"],
    ),
    "a table of contents entry without a file": (
        {"one": chapter(VALUE)},
        ("", "book/ghost", "_toc.yml"),
        "lists `book/ghost`, but book/ghost.md does not exist",
        ["one", "ghost"],
    ),
    "a chapter listed twice": (
        {"one": chapter(VALUE), "two": chapter(export("X = 1"))},
        "_toc.yml:5",
        "lists `book/two` again (first on line 4)",
        ["one", "two", "two"],
    ),
    "a table of contents that is a list": (
        {"one": chapter(VALUE)},
        "_toc.yml:1",
        "the table of contents is a mapping",
        None,
        rewrite("_toc.yml", b"- file: book/one\n"),
    ),
    "a table of contents that is not YAML": (
        {"one": chapter(VALUE)},
        "_toc.yml:3",
        "not valid YAML",
        None,
        rewrite("_toc.yml", b"root: book/one\nchapters:\n  - file: [book/one\n"),
    ),
    "a table of contents that is not UTF-8": (
        {"one": chapter(VALUE)},
        "_toc.yml:2",
        "not UTF-8",
        None,
        rewrite("_toc.yml", b"root: book/one\n# \xff\n"),
    ),
    "chapters that are not a list": (
        {"one": chapter(VALUE)},
        "_toc.yml:2",
        "`chapters:` holds a list of entries",
        None,
        rewrite("_toc.yml", b"root: book/one\nchapters: book/two\n"),
    ),
    "an entry that is not a mapping": (
        {"one": chapter(VALUE), "two": chapter(export("X = 1"))},
        "_toc.yml:3",
        "an entry of `chapters:` is a mapping",
        None,
        rewrite("_toc.yml", b"root: book/one\nchapters:\n  - book/two\n"),
    ),
    "a file entry that is not a path": (
        {"one": chapter(VALUE)},
        "_toc.yml:3",
        "a chapter is given by its path",
        None,
        rewrite("_toc.yml", b"root: book/one\nchapters:\n  - file: 12\n"),
    ),
    "a file outside the repository": (
        {"one": chapter(VALUE)},
        "_toc.yml:3",
        "not a path inside the repository",
        None,
        rewrite("_toc.yml", b"root: book/one\nchapters:\n  - file: ../elsewhere\n"),
    ),
    "no root in the table of contents": (
        {"one": chapter(VALUE)},
        "_toc.yml:1",
        "no `root:` entry",
        None,
        rewrite("_toc.yml", b"format: jb-book\nchapters:\n  - file: book/one\n"),
    ),
    "a key given twice": (
        {"one": chapter(VALUE)},
        "_toc.yml:2",
        "`root:` is given twice",
        None,
        rewrite("_toc.yml", b"root: book/one\nroot: book/two\n"),
    ),
    # The settings.
    "pyproject.toml that is not TOML": (
        {"one": chapter(VALUE)},
        "pyproject.toml:2",
        "not valid TOML",
        None,
        rewrite("pyproject.toml", b'[project]\ndescription = "x\n'),
    ),
    "pyproject.toml that is not UTF-8": (
        {"one": chapter(VALUE)},
        "pyproject.toml:1",
        "not UTF-8",
        None,
        rewrite("pyproject.toml", b'# \xfe\n[project]\ndescription = "x"\n'),
    ),
    "a module that is not a Python name": (
        {"one": chapter(VALUE)},
        "pyproject.toml",
        "'my-module' is not a module name",
        None,
        rewrite(
            "pyproject.toml",
            b'[project]\ndescription = "x"\n[tool.tangle]\npackage = "micrograd"\n'
            b'book = "book"\n[tool.tangle.modules]\nmy-module = "Doc."\n',
        ),
    ),
    "a [tool] that is not a table": (
        {"one": chapter(VALUE)},
        "pyproject.toml",
        "[tool] must be a table",
        None,
        rewrite("pyproject.toml", b'tool = 1\n[project]\ndescription = "x"\n'),
    ),
    "a docstring that would break the module": (
        {"one": chapter(VALUE)},
        "pyproject.toml",
        "becomes a module docstring",
        None,
        rewrite(
            "pyproject.toml",
            b'[project]\ndescription = "A \\"quoted\\""\n[tool.tangle]\npackage = "m"\n'
            b'book = "book"\n[tool.tangle.modules]\nengine = "Doc."\n',
        ),
    ),
}


def error_book(root, case):
    chapters, _, _, *more = ERRORS[case]
    toc = more[0] if more else None
    project = make_book(root, chapters, toc=toc)
    if len(more) > 1:
        more[1](root)
    return project


def expected_location(root, case):
    """The `FILE:LINE: ` (or `FILE: `) the message of an error case must start with."""
    location = ERRORS[case][1]
    if isinstance(location, tuple):
        location = where(root, *location)
    return f"{location}: "


def tangle_book(root):
    """Read the settings and tangle every chapter, as the command does."""
    return tangle.tangle(tangle.Project(root))


@pytest.mark.parametrize("case", ERRORS)
def test_error_names_the_file_and_line(tmp_path, case):
    error_book(tmp_path, case)
    with pytest.raises(tangle.TangleError) as error:
        tangle_book(tmp_path)
    message = str(error.value)
    assert message.startswith(expected_location(tmp_path, case)), message
    assert ERRORS[case][2] in message


@pytest.mark.parametrize("case", ERRORS)
def test_error_writes_nothing_and_exits_with_its_own_code(tmp_path, capsys, case):
    error_book(tmp_path, case)
    fake_generated_package(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run_main(capsys, tmp_path)
    assert (code, out) == (BAD_INPUT, "")
    assert err.startswith(f"tangle: error: {expected_location(tmp_path, case)}")
    assert err.endswith("tangle: nothing was written\n")
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before
    assert run_main(capsys, tmp_path, "--check")[0] == BAD_INPUT
    assert snapshot(tmp_path) == before


def test_duplicate_errors_also_name_the_first_definition(tmp_path):
    project = error_book(tmp_path, "duplicate method without replaces")
    with pytest.raises(tangle.TangleError) as error:
        tangle.tangle(project)
    assert str(error.value).endswith(
        f"; it is defined at {where(tmp_path, 'one', 'def __repr__')}"
    )


def test_settings_missing_from_pyproject(tmp_path, capsys):
    make_book(tmp_path, {"one": chapter(VALUE)})
    (tmp_path / "pyproject.toml").write_text('[project]\ndescription = "x"\n')
    with pytest.raises(tangle.TangleError, match=r"pyproject\.toml.*\[tool\.tangle\]"):
        tangle.Project(tmp_path)
    code, _, err = run_main(capsys, tmp_path)
    assert code == BAD_INPUT and "pyproject.toml" in err
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
    assert code == BAD_INPUT and "micrograd/notes.py" in err
    assert snapshot(tmp_path) == before


def test_write_refuses_a_package_that_is_not_a_folder(tmp_path, capsys):
    make_book(tmp_path, {"one": chapter(VALUE)})
    elsewhere = tmp_path / "elsewhere"
    fake_generated_package(tmp_path)
    (tmp_path / "micrograd").rename(elsewhere)
    (tmp_path / "micrograd").symlink_to(elsewhere)
    before = snapshot(elsewhere)
    code, _, err = run_main(capsys, tmp_path)
    assert code == BAD_INPUT and "micrograd: is not a folder" in err
    assert snapshot(elsewhere) == before and (tmp_path / "micrograd").is_symlink()


# Messages do not depend on the hash seed ------------------------------------------------

SEED_SENSITIVE = {
    "four missing methods": chapter(
        VALUE,
        export(
            "@extend(Value, replaces=['d', 'a', 'c', 'b'])\nclass Value:\n    x = 1"
        ),
    ),
    "four missing methods in the class": chapter(
        VALUE,
        export(
            "@extend(Value, replaces=['q', 'w', 'e', 'r'])\nclass Value:\n"
            "    q = w = e = r = 1"
        ),
    ),
}


@pytest.mark.parametrize("case", SEED_SENSITIVE)
def test_messages_are_the_same_under_every_hash_seed(tmp_path, case):
    make_book(tmp_path, {"one": SEED_SENSITIVE[case]})
    messages = {run_cli(tmp_path, PYTHONHASHSEED=str(seed)).stderr for seed in range(3)}
    assert len(messages) == 1, messages
    assert run_cli(tmp_path).returncode == BAD_INPUT


def test_the_first_name_in_replaces_is_the_one_reported(tmp_path):
    make_book(tmp_path, {"one": SEED_SENSITIVE["four missing methods"]})
    with pytest.raises(tangle.TangleError, match=r"replaces=\['d'\], but this body"):
        tangle_book(tmp_path)
    make_book(tmp_path, {"one": SEED_SENSITIVE["four missing methods in the class"]})
    with pytest.raises(tangle.TangleError, match=r"`Value` has no `q` to replace"):
        tangle_book(tmp_path)


# Exit codes ----------------------------------------------------------------------------------


def test_each_outcome_has_its_own_exit_code_and_help_lists_them(tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["--no-such-option"])
    assert usage.value.code == USAGE
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    codes = [DONE, DRIFT, USAGE, BAD_INPUT, NOT_WRITTEN]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.search(rf"^  {code}  \S", help_text, re.MULTILINE), help_text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the book becomes the package")[1].split("\n## ")[0]
    for code in codes:
        assert f"| {code} |" in section


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
    assert (code, out) == (DONE, "tangle: wrote micrograd/ (2 files)\n")
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
    assert result.returncode == DONE, result.stdout + result.stderr
    assert result.stdout == "tangle: micrograd/ matches the chapters (2 files)\n"


def test_check_shows_the_diff_of_a_cell_edited_but_not_tangled(tmp_path):
    tangled_book(tmp_path)
    chapter_two = tmp_path / "book" / "two.md"
    chapter_two.write_text(chapter_two.read_text().replace("return 1", "return 2"))
    before = snapshot(tmp_path)
    result = run_cli(tmp_path, "--check")
    assert result.returncode == DRIFT
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
    assert code == DRIFT
    assert "--- micrograd/engine.py (on disk)" in out
    assert "\n-# A quick fix.\n" in out


def test_check_shows_windows_line_endings_once_per_line(tmp_path, capsys):
    """The issue's case: a 29-line file saved with CRLF line endings."""
    project = make_book(
        tmp_path,
        {"one": chapter(export("\n".join(f"X{n} = {n}" for n in range(25))))},
    )
    tangle.write(project, tangle.tangle(project))
    engine = tmp_path / "micrograd" / "engine.py"
    lines = engine.read_bytes().splitlines()
    assert len(lines) == 29
    engine.write_bytes(b"\r\n".join(lines) + b"\r\n")
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == DRIFT
    assert "\r" not in out
    assert out.startswith("micrograd/engine.py: has Windows line endings (\\r\\n)")
    assert "@@ -1,29 +1,29 @@" in out
    removed = [
        line for line in out.splitlines() if line.startswith("-") and "---" not in line
    ]
    added = [
        line for line in out.splitlines() if line.startswith("+") and "+++" not in line
    ]
    assert len(removed) == len(added) == 29
    assert all(line.endswith("␍") for line in removed)
    assert [line[1:] + "␍" for line in added] == [line[1:] for line in removed]
    assert "(␍ a carriage return)" in out


@pytest.mark.parametrize(
    ("edit", "shown"),
    [
        (lambda text: text.replace("X = 1", "X = 1  "), ["-X = 1··", "+X = 1"]),
        (
            lambda text: text.replace("    return", "\treturn"),
            ["-␉return 2", "+    return 2"],
        ),
        (
            lambda text: text.rstrip("\n"),
            ["-    return 2", "\\ No newline at end of file"],
        ),
        (lambda text: text.replace("X = 1", "X\u00a0= 1"), ["-X<U+00A0>= 1", "+X = 1"]),
        (lambda text: text.replace("X = 1", "X = 1\x0b"), ["-X = 1␋", "+X = 1"]),
    ],
    ids=["trailing spaces", "a tab", "no final newline", "no-break space", "control"],
)
def test_check_makes_invisible_changes_visible(tmp_path, capsys, edit, shown):
    project = make_book(
        tmp_path, {"one": chapter(export("X = 1\n\n\ndef f():\n    return 2"))}
    )
    tangle.write(project, tangle.tangle(project))
    engine = tmp_path / "micrograd" / "engine.py"
    engine.write_text(edit(engine.read_text()), newline="")
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == DRIFT
    lines = out.splitlines()
    for line in shown:
        assert line in lines, out


def test_check_shows_bytes_that_are_not_utf8(tmp_path, capsys):
    tangled_book(tmp_path)
    engine = tmp_path / "micrograd" / "engine.py"
    engine.write_bytes(engine.read_bytes().replace(b"helper", b"h\xe9lper"))
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == DRIFT
    assert "-def h\\xe9lper():" in out.splitlines()


def test_check_names_a_missing_file(tmp_path, capsys):
    tangled_book(tmp_path)
    (tmp_path / "micrograd" / "engine.py").unlink()
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert (code, out) == (
        DRIFT,
        "micrograd/engine.py: missing; the chapters export it\n",
    )


def test_check_names_an_extra_file(tmp_path, capsys):
    tangled_book(tmp_path)
    (tmp_path / "micrograd" / "extra.py").write_text("X = 1\n")
    code, out, _ = run_main(capsys, tmp_path, "--check")
    assert code == DRIFT
    assert out == "micrograd/extra.py: should not be there; no chapter exports it\n"


def test_check_ignores_python_caches(tmp_path, capsys):
    project = tangled_book(tmp_path)
    cache = tmp_path / "micrograd" / "__pycache__"
    cache.mkdir()
    (cache / "engine.cpython-311.pyc").write_bytes(b"\x00\xff not text")
    assert tangle.check(project, tangle.tangle(project)) == []
    assert run_main(capsys, tmp_path, "--check")[0] == DONE
    assert tangle.write(project, tangle.tangle(project)) is False


def test_cli_error_exits_3_with_the_message_on_stderr(tmp_path):
    tangled_book(tmp_path)
    (tmp_path / "book" / "two.md").write_text(chapter(export("print(1)")))
    for arguments in ((), ("--check",)):
        result = run_cli(tmp_path, *arguments)
        assert result.returncode == BAD_INPUT
        assert result.stdout == ""
        assert f"tangle: error: {where(tmp_path, 'two', 'print(1)')}: " in (
            result.stderr
        )


# Writing, whatever stops it: old package or new, never a mix -----------------------------
#
# Every call the write makes to one of these functions is a step; each test stops a write at
# every step in turn (an OSError such as a full disk, once or from then on; Ctrl-C; SIGKILL)
# and looks at what is on disk.

STEPS = "mkdir open write fsync close rename replace unlink rmdir".split()
EXCHANGE = "exchange"


def book_to_rewrite(root):
    """A book, and its package as an earlier tangle left it (stale in every file, one extra
    file, a cache); returns (project, old package, new package) as {path: bytes}."""
    project = make_book(
        root,
        {
            "one": chapter(VALUE, export("def helper():\n    return 1")),
            "two": chapter(export("def network():\n    return 2", module="nn")),
        },
    )
    package = root / "micrograd"
    package.mkdir()
    for name in ("__init__.py", "engine.py", "stale.py"):
        header = tangle.HEADER.format(sources="book/old.md")
        (package / name).write_text(f"{header}\nOLD = {name!r}\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"\x00cache")
    new = {
        path.removeprefix("micrograd/"): text.encode()
        for path, text in tangle.tangle(project).items()
    }
    return project, snapshot(package), new


def state(root, old, new):
    """Which package `micrograd/` holds: "old", "new", "missing", or "mixed"."""
    package = root / "micrograd"
    if not package.exists():
        return "missing"
    files = snapshot(package)
    if files == old:
        return "old"
    without_caches = {p: data for p, data in files.items() if "__pycache__" not in p}
    return "new" if without_caches == new else "mixed"


class Stop(Exception):
    """Raised by a step, in place of the step."""


def instrument(monkeypatch, stop_at, how, exchange=True):
    """Count the write's steps; at step `stop_at` (and, if `how` is "persisting", every
    later one) fail with an OSError, raise KeyboardInterrupt ("interrupt") or "kill" the
    process instead. Returns the list of steps taken, by name."""
    taken = []

    def step(name, function):
        def instead(*arguments, **keywords):
            taken.append(name)
            if len(taken) == stop_at or (how == "persisting" and len(taken) > stop_at):
                if how == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if how == "interrupt":
                    raise KeyboardInterrupt
                raise OSError(errno.ENOSPC, "No space left on device (injected)")
            return function(*arguments, **keywords)

        return instead

    for name in STEPS:
        monkeypatch.setattr(os, name, step(name, getattr(os, name)))
    real_exchange = tangle.disk.exchange if exchange else (lambda first, second: False)
    monkeypatch.setattr(tangle.disk, EXCHANGE, step(EXCHANGE, real_exchange))
    return taken


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
@pytest.mark.parametrize("how", ["once", "persisting", "interrupt"])
def test_a_write_stopped_at_any_step_leaves_the_old_package_or_the_new(
    tmp_path, capsys, exchange, how
):
    if exchange:
        assert tangle.disk.exchange(tmp_path, tmp_path) is True, "renameat2 is missing"
    outcomes = set()
    stop_at = 1
    while True:
        root = tmp_path / str(stop_at)
        project, old, new = book_to_rewrite(root)
        files = tangle.tangle(project)
        with pytest.MonkeyPatch.context() as monkeypatch:
            taken = instrument(monkeypatch, stop_at, how, exchange)
            try:
                tangle.write(project, files, note=print)
                error = None
            except (tangle.WriteError, KeyboardInterrupt) as raised:
                error = raised
        found = state(root, old, new)
        outcomes.add((found, type(error).__name__))
        if found == "missing":
            # Only two renames with every later step failing: the message says where the
            # old package is, and the next run puts it back.
            assert (exchange, how) == (False, "persisting"), taken
            assert snapshot(root / ".micrograd.old") == old
            assert "the old package is in .micrograd.old/" in str(error)
        else:
            assert found in ("old", "new"), (stop_at, taken)
        if isinstance(error, tangle.WriteError):
            message = str(error)
            assert "injected" in message and "python -m tangle" in message
            if found == "old":
                assert "micrograd/ is unchanged" in message
                assert "free some disk space" in message
        if found == "old" and how != "persisting":
            assert not list(root.glob(".micrograd.*")), (stop_at, taken)
        # Whatever was left, the next run finishes the job and tidies up.
        capsys.readouterr()
        assert tangle.write(project, files, note=print) is (found != "new")
        assert state(root, old, new) == "new"
        assert not list(root.glob(".micrograd.*"))
        if stop_at > len(taken):
            break
        stop_at += 1
    assert EXCHANGE in taken and "fsync" in taken
    assert (
        "old",
        "WriteError" if how != "interrupt" else "KeyboardInterrupt",
    ) in outcomes
    assert ("new", "NoneType") in outcomes


def run_killed_at(root, kill_at, exchange):
    """`python -m tangle` in a child process, killed by SIGKILL at step `kill_at` of its
    write; True if it was killed, False if it finished first."""
    child = os.fork()
    if child == 0:  # the child never returns into pytest
        try:
            with pytest.MonkeyPatch.context() as monkeypatch:
                write = tangle.__main__.write

                def killed_write(*arguments, **keywords):
                    instrument(monkeypatch, kill_at, "kill", exchange)
                    return write(*arguments, **keywords)

                monkeypatch.setattr(tangle.__main__, "write", killed_write)
                os._exit(main(["--root", str(root)]))
        finally:
            os._exit(99)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == DONE
    return False


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a child")
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_a_write_killed_at_any_step_leaves_a_package_the_next_run_completes(
    tmp_path, capsys, exchange
):
    kill_at, missing, outcomes = 1, 0, set()
    while True:
        root = tmp_path / str(kill_at)
        project, old, new = book_to_rewrite(root)
        killed = run_killed_at(root, kill_at, exchange)
        found = state(root, old, new)
        outcomes.add(found)
        if not killed:
            assert found == "new" and not list(root.glob(".micrograd.*"))
            break
        if found == "missing":  # between the two renames, which only the fallback has
            assert not exchange
            assert snapshot(root / ".micrograd.old") == old
            missing += 1
        else:
            assert found in ("old", "new"), kill_at
        capsys.readouterr()
        code, _, err = run_main(capsys, root)
        assert code == DONE, err
        assert state(root, old, new) == "new"
        assert not list(root.glob(".micrograd.*"))
        if found == "missing":
            assert "note: put micrograd/ back from .micrograd.old/" in err
        kill_at += 1
    assert kill_at > 20
    assert missing == (0 if exchange else 1)
    assert {"old", "new"} <= outcomes


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a child")
def test_a_run_tidying_up_after_another_can_be_killed_too(tmp_path, capsys):
    """From the worst a killed run leaves (the old package moved aside, the new one
    written beside it), a run killed at any step of its tidying up and its own write
    still leaves a package, or the old one aside, and the run after it finishes."""
    kill_at = 1
    while True:
        root = tmp_path / str(kill_at)
        project, old, new = book_to_rewrite(root)
        (root / "micrograd").rename(root / ".micrograd.old")
        files = {path: data.decode() for path, data in new.items()}
        tangle.write_files(files, root / ".micrograd.new")
        killed = run_killed_at(root, kill_at, exchange=True)
        found = state(root, old, new)
        if found == "missing":
            assert snapshot(root / ".micrograd.old") == old
        else:
            assert found in ("old", "new"), kill_at
        if not killed:
            assert found == "new" and not list(root.glob(".micrograd.*"))
            break
        capsys.readouterr()
        assert run_main(capsys, root)[0] == DONE
        assert state(root, old, new) == "new"
        assert not list(root.glob(".micrograd.*"))
        kill_at += 1
    assert kill_at > 20


def test_leftovers_are_reported_by_check_and_removed_by_the_next_write(
    tmp_path, capsys
):
    project = tangled_book(tmp_path)
    (tmp_path / ".micrograd.new").mkdir()
    (tmp_path / ".micrograd.new" / "engine.py").write_text("half")
    code, _, err = run_main(capsys, tmp_path, "--check")
    assert code == DONE
    assert "note: .micrograd.new/ is left from an interrupted run" in err
    assert (tmp_path / ".micrograd.new").exists()
    code, out, err = run_main(capsys, tmp_path)
    assert (code, out) == (DONE, "tangle: micrograd/ is up to date\n")
    assert "note: deleted .micrograd.new/, left by an interrupted run" in err
    assert not list(tmp_path.glob(".micrograd.*"))
    assert tangle.check(project, tangle.tangle(project)) == []


def test_a_package_moved_aside_by_an_interrupted_run_comes_back(tmp_path, capsys):
    project = tangled_book(tmp_path)
    files = package_files(tmp_path)
    (tmp_path / "micrograd").rename(tmp_path / ".micrograd.old")
    code, out, err = run_main(capsys, tmp_path, "--check")
    assert code == DRIFT and "micrograd/engine.py: missing" in out
    assert "note: micrograd/ is missing and .micrograd.old/ holds the package" in err
    # A book with an error writes nothing, not even that, but says so.
    two = tmp_path / "book" / "two.md"
    text = two.read_text()
    two.write_text(chapter(export("print(1)")))
    code, _, err = run_main(capsys, tmp_path)
    assert code == BAD_INPUT and "`python -m tangle` puts it back" in err
    assert not (tmp_path / "micrograd").exists()
    two.write_text(text)
    code, out, err = run_main(capsys, tmp_path)
    assert (code, out) == (DONE, "tangle: micrograd/ is up to date\n")
    assert "put micrograd/ back from .micrograd.old/" in err
    assert package_files(tmp_path) == files
    assert tangle.check(project, tangle.tangle(project)) == []


def test_a_write_that_fails_exits_4_and_says_what_to_do(tmp_path, capsys, monkeypatch):
    book_to_rewrite(tmp_path)
    before = snapshot(tmp_path)
    instrument(monkeypatch, 3, "once")
    code, out, err = run_main(capsys, tmp_path)
    assert (code, out) == (NOT_WRITTEN, "")
    assert err.startswith("tangle: error: cannot write the new package: [Errno 28]")
    assert "micrograd/ is unchanged; free some disk space, then run" in err
    assert snapshot(tmp_path) == before


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


def test_the_package_before_a_chapter_is_checked_against_the_chapter_itself(tmp_path):
    project = three_chapters(tmp_path)
    assert tangle.package_before(project, "three") == tangle.tangle(
        project, before="three"
    )
    (tmp_path / "book" / "three.md").write_text(chapter(export("print(1)")))
    with pytest.raises(tangle.TangleError) as error:
        tangle.package_before(project, "three")
    assert str(error.value).startswith(where(tmp_path, "three", "print(1)"))
    assert "micrograd/engine.py" in tangle.package_before(project, "two")


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


def test_a_chapter_with_windows_line_endings_reads_the_same(tmp_path):
    (tmp_path / "book").mkdir()
    crlf = tmp_path / "book" / "crlf.md"
    crlf.write_bytes(TRICKY_CHAPTER.replace("\n", "\r\n").encode())
    (tmp_path / "book" / "lf.md").write_text(TRICKY_CHAPTER)
    assert [(c.line, c.source) for c in read_cells(tmp_path, Path("book/crlf.md"))] == [
        (c.line, c.source) for c in read_cells(tmp_path, Path("book/lf.md"))
    ]


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


IMPORT_EVERY_STATE = """
import importlib, pathlib, sys
for argument in sys.argv[1:]:
    folder, *names = argument.split(",")
    folder = pathlib.Path(folder).resolve()
    sys.path.insert(0, str(folder))
    for name in names:
        module = importlib.import_module(name)
        assert folder in pathlib.Path(module.__file__).resolve().parents, module.__file__
    sys.path.remove(str(folder))
    for name in [name for name in sys.modules if name.split(".")[0] == names[0]]:
        del sys.modules[name]
    print(folder.name, len(names))
"""


def test_the_package_before_each_chapter_imports(tmp_path):
    """Each state of the package imports, in one fresh interpreter (a state's modules are
    forgotten before the next state is imported)."""
    project = tangle.Project(REPO)
    states = [chapter.as_posix() for chapter in project.chapters()] + [None]
    arguments, expected = [], []
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
        arguments.append(",".join([str(folder), *names]))
        expected.append(f"{number} {len(names)}")
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_STATE, *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_the_real_package_passes_ruff():
    project = tangle.Project(REPO)
    for path, text in tangle.tangle(project).items():
        result = ruff("check", "--stdin-filename", path, text=text)
        assert result.returncode == 0, result.stdout
        assert_formatted(text)
