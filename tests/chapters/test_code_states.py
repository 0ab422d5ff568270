"""Every chapter's state of the package shows no code from later chapters.

(That each state imports in a fresh interpreter is tested in tests/test_tangle.py.)
"""

from code_state import PROJECT, files_after, package_after, tangle

CHAPTERS = [path.stem for path in PROJECT.chapters()]


def test_each_chapter_adds_to_the_package_and_removes_nothing():
    previous = {}
    for chapter in CHAPTERS:
        files = files_after(chapter)
        assert previous.keys() <= files.keys(), f"{chapter} removed a module"
        previous = files


def test_a_chapter_sees_only_the_code_of_earlier_chapters():
    assert "micrograd/engine.py" not in files_after("introduction")
    value = package_after("value").engine.Value
    operators = package_after("operators").engine.Value
    assert not hasattr(value, "tanh") and not hasattr(value, "_backward")
    assert hasattr(operators, "__add__") and hasattr(operators, "tanh")
    assert not hasattr(operators, "backward"), "backward() arrives in a later chapter"
    assert value is not operators


def test_the_last_chapter_gives_the_whole_package():
    assert files_after(CHAPTERS[-1]) == tangle.tangle(PROJECT)
