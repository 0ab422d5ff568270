"""The `training` chapter: `make_moons`, and the chapter's recipe (hinge loss plus L2,
minibatches of 20, a falling learning rate) trains a network to separate the moons."""

import math
import random

import pytest

from code_state import package_after

package = package_after("training")
nn, make_moons = package.nn, package.datasets.make_moons


def test_without_noise_the_moons_are_two_half_circles_labelled_minus_one_and_one():
    X, y = make_moons(n_samples=6, noise=0.0)
    assert y == [-1, -1, -1, 1, 1, 1]
    assert X[0] == [1.0, 0.0] and X[3] == [0.0, 0.5]
    assert all(math.isclose(a**2 + b**2, 1.0) for a, b in X[:3])  # the upper moon
    assert all(math.isclose((a - 1) ** 2 + (b - 0.5) ** 2, 1.0) for a, b in X[3:])


def test_the_same_seed_gives_the_same_points_and_leaves_the_global_random_alone():
    random.seed(0)
    before = random.random()
    random.seed(0)
    assert make_moons(seed=7) == make_moons(seed=7) != make_moons(seed=8)
    assert random.random() == before
    X, y = make_moons(n_samples=101)
    assert len(X) == 101 and y.count(-1) == 50 and y.count(1) == 51


@pytest.mark.parametrize(
    "arguments",
    [{"n_samples": 1}, {"n_samples": 2.5}, {"noise": -0.1}, {"noise": math.nan}],
)
def test_arguments_that_make_no_moons_are_refused(arguments):
    with pytest.raises(ValueError, match=repr(next(iter(arguments.values())))):
        make_moons(**arguments)


def test_the_chapters_recipe_separates_the_moons():
    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    random.seed(3)
    model = nn.MLP(2, [8, 8, 1])
    rng, order = random.Random(0), []
    steps = 150
    for k in range(steps):
        if not order:
            order = list(range(len(X)))
            rng.shuffle(order)
        batch, order = order[:20], order[20:]
        model.zero_grad()
        scores = [model(X[i]) for i in batch]
        labels = [y[i] for i in batch]
        loss = nn.hinge_loss(scores, labels) + 1e-4 * nn.l2_penalty(model.parameters())
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / steps) * p.grad
    margins = [label * model(x).data for x, label in zip(X, y, strict=True)]
    assert sum(m > 0 for m in margins) >= 98


def test_spirals_come_in_a_later_chapter():
    assert not hasattr(package.datasets, "make_spiral")
