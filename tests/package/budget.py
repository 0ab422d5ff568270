"""How many examples each property test tries.

`make tests` tries every one. The wheel's tests on the other Pythons (scripts/test_wheel.py)
run the same properties on the same code, to find what a version of Python changes, not
inputs no run has tried before: they set MICROGRAD_TEST_SHARE to try only a share of them.
"""

import os

VARIABLE = "MICROGRAD_TEST_SHARE"
FEWEST = 10  # what a property test tries even in the shortest run


def _share():
    text = os.environ.get(VARIABLE, "1")
    try:
        share = float(text)
    except ValueError:
        share = None
    if share is None or not 0 < share <= 1:
        raise ValueError(
            f"{VARIABLE}={text!r}: give the share of each test's examples to try, a "
            "number above 0 and at most 1 (1, or unset, tries them all)"
        )
    return share


SHARE = _share()


def examples(count):
    """How many examples a test that tries `count` in a full run tries in this one."""
    return max(FEWEST, round(count * SHARE))
