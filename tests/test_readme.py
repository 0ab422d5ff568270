"""The README's Python example runs and prints what its comment says."""

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_readme_example_prints_what_it_promises():
    (example,) = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    promised = re.search(r"print\(.*\)  # (.*)", example)[1]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(example, {})
    assert printed.getvalue().strip() == promised
