"""The share of examples the property tests try (budget.py), read from the environment."""

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def examples_with(share, count):
    """`examples(count)` in a fresh interpreter with MICROGRAD_TEST_SHARE set to `share`."""
    return subprocess.run(
        [sys.executable, "-c", f"import budget; print(budget.examples({count}))"],
        cwd=HERE,
        env={"MICROGRAD_TEST_SHARE": share},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("share", "count", "tried"), [("1", 100, 100), ("0.25", 100, 25)]
)
def test_a_share_of_the_examples_is_tried(share, count, tried):
    assert examples_with(share, count).stdout.strip() == str(tried)


def test_even_a_small_share_tries_a_few():
    import budget

    assert examples_with("0.01", 100).stdout.strip() == str(budget.FEWEST)


@pytest.mark.parametrize("share", ["0", "1.5", "a quarter", "nan"])
def test_a_share_that_is_not_one_says_what_to_give(share):
    run = examples_with(share, 100)
    assert run.returncode != 0
    assert f"MICROGRAD_TEST_SHARE='{share}'" in run.stderr
    assert "above 0 and at most 1" in run.stderr
