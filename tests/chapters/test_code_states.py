"""Every chapter's state of the package imports, and shows no code from later chapters."""

import subprocess
import sys

import pytest
from code_state import PROJECT, files_after, package_after, tangle

CHAPTERS = [path.stem for path in PROJECT.chapters()]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_package_after_each_chapter_imports_in_a_fresh_interpreter(
    chapter, tmp_path
):
    files = files_after(chapter)
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    modules = [p.removesuffix(".py").replace("/", ".") for p in files]
    imports = "; ".join(f"import {m.removesuffix('.__init__')}" for m in modules)
    subprocess.run([sys.executable, "-c", imports], cwd=tmp_path, check=True)


def test_each_chapter_adds_to_the_package_and_removes_nothing():
    previous = {}
    for chapter in CHAPTERS:
        files = files_after(chapter)
        assert previous.keys() <= files.keys(), f"{chapter} removed a module"
        previous = files


def test_a_chapter_sees_only_the_code_of_earlier_chapters():
    introduction = package_after("introduction").engine.Value
    operators = package_after("operators").engine.Value
    assert not hasattr(introduction, "__add__")
    assert hasattr(operators, "__add__") and hasattr(operators, "tanh")
    assert not hasattr(operators, "backward"), "backward() arrives in a later chapter"
    assert introduction is not operators


def test_the_last_chapter_gives_the_whole_package():
    assert files_after(CHAPTERS[-1]) == tangle.tangle(PROJECT)
