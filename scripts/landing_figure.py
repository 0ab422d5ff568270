"""Draw the landing page's picture: the decision boundary a micrograd MLP learns on two moons.

Trains MLP(2, [16, 16, 1]) on `micrograd.datasets.make_moons` exactly as the chapter
book/training.md does (the same data, the same seed for the starting weights, the hinge loss
plus 1e-4 times the L2 penalty, 150 steps on minibatches of 20, shuffled each epoch by
random.Random(0), with the learning rate 1.0 - 0.9 * k / 150), then colours the plane by the sign of the network's score and writes the picture to
book/images/moons-boundary.svg. The SVG is byte-for-byte reproducible: no date in its
metadata, and a fixed salt for the ids matplotlib generates. Run it from anywhere with

    .venv/bin/python scripts/landing_figure.py

and commit the picture. It uses the package in `micrograd/`, as tangled from the chapters.
"""

import argparse
import random
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from micrograd.datasets import make_moons  # noqa: E402
from micrograd.nn import MLP, hinge_loss, l2_penalty  # noqa: E402

CHAPTER = ROOT / "book" / "training.md"
OUTPUT = ROOT / "book" / "images" / "moons-boundary.svg"
STEPS = 150
BATCH_SIZE = 20
ALPHA = 1e-4


def chapter_seed():
    """The seed the training chapter gives `random` right before it builds its MLP."""
    text = CHAPTER.read_text(encoding="utf-8")
    found = re.findall(
        r"^random\.seed\((\w+)\)\s*\nmodel = MLP\(2, \[16, 16, 1\]\)", text, re.M
    )
    if not found:
        raise SystemExit(
            f"{CHAPTER.relative_to(ROOT)}: found no `random.seed(...)` right before "
            "`model = MLP(2, [16, 16, 1])`; pass --seed to choose one"
        )
    seed = found[0]
    if not seed.isdigit():  # a named constant, such as SEED = 3
        named = re.findall(rf"^{seed} = (\d+)\s*$", text, re.M)
        if len(named) != 1:
            raise SystemExit(f"{CHAPTER.relative_to(ROOT)}: cannot tell what {seed} is")
        seed = named[0]
    return int(seed)


def train(seed):
    """The training chapter's model and loop; returns the trained model and the data."""
    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    shuffler, order = random.Random(0), []
    for k in range(STEPS):
        if not order:  # a new epoch: every point once, in a new order
            order = list(range(len(X)))
            shuffler.shuffle(order)
        batch, order = order[:BATCH_SIZE], order[BATCH_SIZE:]
        model.zero_grad()
        scores = [model(X[i]) for i in batch]
        labels = [y[i] for i in batch]
        loss = hinge_loss(scores, labels) + ALPHA * l2_penalty(model.parameters())
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / STEPS
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        if k % 30 == 0 or k == STEPS - 1:
            print(f"step {k}: minibatch loss {loss.data:.4f}", flush=True)
    correct = sum(label * model(x).data > 0 for x, label in zip(X, y, strict=True))
    print(f"accuracy on the 100 points: {100 * correct / len(y):.0f}%")
    return model, X, y


def draw(model, X, y, path):
    """The plane coloured by the sign of the score, the boundary, and the data on top."""
    plt.rcParams["svg.hashsalt"] = "micrograd-book landing figure"
    grid_x0 = np.linspace(-1.6, 2.6, 106)
    grid_x1 = np.linspace(-1.1, 1.6, 69)
    scores = np.array([[model([a, b]).data for a in grid_x0] for b in grid_x1])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.contourf(
        grid_x0,
        grid_x1,
        scores,
        levels=[-np.inf, 0, np.inf],
        colors=["#c6dbef", "#fcbba1"],
    )
    ax.contour(grid_x0, grid_x1, scores, levels=[0], colors="black", linewidths=1)
    for label, colour in [(-1, "tab:blue"), (1, "tab:red")]:
        points = np.array([p for p, t in zip(X, y, strict=True) if t == label])
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=18,
            color=colour,
            edgecolor="white",
            linewidth=0.5,
            label=f"label {label:+d}",
        )
    ax.set_aspect("equal")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.legend(fontsize="small", loc="upper right")
    ax.set_title(f"What MLP(2, [16, 16, 1]) learns in {STEPS} steps")
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="default: the training chapter's SEED")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    seed = chapter_seed() if args.seed is None else args.seed
    started = time.perf_counter()
    model, X, y = train(seed)
    draw(model, X, y, args.output)
    took = time.perf_counter() - started
    print(f"wrote {args.output} (seed {seed}) in {took:.0f} s")


if __name__ == "__main__":
    main()
