"""The `tensors` chapter: the package gains micrograd.tensor (Tensor, cross_entropy) and
make_spiral, and its Tensor MLP computes what the same chapter state's Value MLP computes."""

import math
import random

import numpy as np
import pytest

from code_state import files_after, package_after

PACKAGE = package_after("tensors")
Tensor = PACKAGE.tensor.Tensor


def test_the_chapter_adds_the_tensor_module_and_a_spiral():
    assert "micrograd/tensor.py" not in files_after("pytorch")
    assert "micrograd/tensor.py" in files_after("tensors")
    assert hasattr(PACKAGE.tensor, "cross_entropy")
    assert not hasattr(package_after("pytorch").datasets, "make_spiral")
    X, y = PACKAGE.datasets.make_spiral(n_samples=30, n_classes=3, seed=0)
    assert len(X) == 30 and sorted(set(y)) == [0, 1, 2]


def test_the_core_modules_still_need_only_the_standard_library():
    for path, text in files_after("tensors").items():
        if path != "micrograd/tensor.py":
            assert "import numpy" not in text, f"{path} imports numpy"


def test_a_tensor_mlp_gives_the_scalar_mlps_loss_and_gradients():
    X, y = PACKAGE.datasets.make_moons(n_samples=20, noise=0.1, seed=4)
    random.seed(4)
    model = PACKAGE.nn.MLP(2, [4, 3, 1])
    scores = [model(x) for x in X]
    scalar = PACKAGE.nn.hinge_loss(scores, y)
    scalar.backward()
    h = Tensor(X)
    layers = [
        (
            Tensor(np.array([[w.data for w in n.w] for n in layer.neurons]).T),
            Tensor([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]
    for k, (W, b) in enumerate(layers):
        h = h @ W + b
        h = h.relu() if k < len(layers) - 1 else h
    loss = (1 - Tensor(y) * h.reshape(-1)).relu().mean()
    loss.backward()
    assert math.isclose(loss.data, scalar.data, rel_tol=1e-12)
    grads = [
        g
        for W, b in layers
        for j in range(W.shape[1])
        for g in [*W.grad[:, j], b.grad[j]]
    ]
    assert grads == pytest.approx(
        [p.grad for p in model.parameters()], rel=1e-9, abs=1e-12
    )


def test_cross_entropy_of_the_chapter_state():
    logits = Tensor([[0.0, math.log(3)]])
    loss = PACKAGE.tensor.cross_entropy(logits, [1])
    loss.backward()
    assert math.isclose(loss.data, -math.log(3 / 4))
    assert np.allclose(logits.grad, [[0.25, -0.25]])
