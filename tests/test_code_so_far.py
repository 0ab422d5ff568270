"""The notebook side of the literate setup: `load`, `extend` and `replace` in a chapter.

Each test runs in a fresh interpreter with the chapter folder as its working directory,
as a kernel started for a chapter does, so imports and `sys.modules` start clean.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"


def run_in_chapter_folder(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=BOOK,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_load_gives_the_earlier_chapters_code_and_hides_the_finished_package():
    out = run_in_chapter_folder("""
        import sys
        sys.path.insert(0, "..")  # the finished package, as if it were installed
        import micrograd.engine
        assert hasattr(micrograd.engine.Value, "backward")

        from code_so_far import load
        load("operators")
        from micrograd.engine import Value
        assert hasattr(Value, "__mul__") and not hasattr(Value, "backward")
        assert not hasattr(Value(1.0) * 2, "backward")
        assert "micrograd-before-operators" in sys.modules["micrograd.engine"].__file__

        load("value")  # loading again starts over, from an earlier point
        from micrograd.engine import Value
        assert not hasattr(Value, "__add__")
        print("ok")
    """)
    assert out.splitlines() == [
        "The code so far: micrograd.draw, micrograd.engine",
        "The code so far: micrograd.engine",
        "ok",
    ]


def test_extend_attaches_methods_and_checks_what_it_replaces():
    run_in_chapter_folder("""
        from code_so_far import extend

        class Value:
            def double(self):
                return "old"

        @extend(Value)
        class Value:
            def triple(self):
                return "triple"

        original = Value

        @extend(Value, replaces=["double"])
        class Value:
            def double(self):
                return "new"

        assert Value is original
        assert (Value().double(), Value().triple()) == ("new", "triple")
        try:
            @extend(Value, replaces="quadruple")
            class Value:
                def quadruple(self):
                    pass
        except AttributeError as error:
            assert "no 'quadruple' to replace" in str(error)
        else:
            raise AssertionError("replacing a missing method was accepted")
    """)


def test_replace_installs_a_new_class_in_every_module_of_the_package():
    run_in_chapter_folder("""
        from code_so_far import load, replace
        load("gradcheck")
        import micrograd.engine
        import micrograd.draw
        from micrograd.engine import Value

        @replace(Value)
        class Value:
            __slots__ = ("data",)

        assert micrograd.engine.Value is Value
        try:
            @replace(Value)
            def something_else():
                pass
        except NameError as error:
            assert "must decorate a new Value" in str(error)
        else:
            raise AssertionError("a differently named replacement was accepted")
    """)
