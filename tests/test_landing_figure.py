"""The landing page's picture and numbers: the training chapter's network, drawn again.

The picture is committed (book/images/moons-boundary.svg) and the landing page has no code
cells, so nothing else would notice if the chapter's recipe changed and left them behind.
"""

import re
import subprocess
import sys
from pathlib import Path

from micrograd.nn import MLP

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import landing_figure  # noqa: E402

LANDING_PAGE = (ROOT / "book" / "index.md").read_text(encoding="utf-8")
CHAPTER = landing_figure.CHAPTER.read_text(encoding="utf-8")


def test_the_committed_picture_is_what_the_script_draws(tmp_path):
    drawn = tmp_path / "moons-boundary.svg"
    script = ROOT / "scripts" / "landing_figure.py"
    subprocess.run([sys.executable, script, "--output", drawn], check=True)
    assert drawn.read_bytes() == landing_figure.OUTPUT.read_bytes(), (
        "the landing page's picture is out of date: run scripts/landing_figure.py and "
        "commit book/images/moons-boundary.svg"
    )


def test_the_script_trains_with_the_chapters_recipe():
    steps, batch_size = re.search(
        r"^steps, batch_size = (\d+), (\d+)$", CHAPTER, re.MULTILINE
    ).groups()
    assert (landing_figure.STEPS, landing_figure.BATCH_SIZE) == (
        int(steps),
        int(batch_size),
    )
    alpha = re.search(r"hinge_loss\(scores, labels\) \+ (\S+) \* penalty", CHAPTER)[1]
    assert float(alpha) == landing_figure.ALPHA
    recipe = [
        "X, y = make_moons(n_samples=100, noise=0.1, seed=0)",
        "batches = minibatches(len(X), batch_size, random.Random(0))",
        "learning_rate = 1.0 - 0.9 * k / steps",
    ]
    missing = [line for line in recipe if line not in CHAPTER]
    assert not missing, f"the training chapter no longer has {missing}"
    landing_figure.chapter_seed()  # stops if no seed comes right before the chapter's MLP


def test_the_landing_page_says_what_the_picture_shows():
    parameters = len(MLP(2, [16, 16, 1]).parameters())
    promised = [
        f"{parameters} parameters",
        f"after {landing_figure.STEPS} steps",
        "`MLP(2, [16, 16, 1])`",
        "half-moons of 50 points each",  # n_samples=100, half in each moon
    ]
    missing = [claim for claim in promised if claim not in LANDING_PAGE]
    assert not missing, f"the landing page does not say {missing}"
