"""The neural-net library against PyTorch in float64: an MLP built from the same weights
gives the same output and gradients, and each loss the same value and gradients, to about
1e-9 relative."""

import math
import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value
from micrograd.nn import (
    MLP,
    bce_loss,
    cross_entropy_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
)

from budget import examples

# Only where PyTorch has a wheel: elsewhere CI deselects these tests with -m "not torch".
pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=examples(50), deadline=None)


def assert_close(got, expected, what):
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (
        f"{what}: micrograd gives {got}, PyTorch gives {expected}"
    )


def torch_layers(model):
    """(weight, bias) tensors per layer, from the model's Values: row i is neuron i."""
    return [
        (
            torch.tensor(
                [[w.data for w in n.w] for n in layer.neurons],
                dtype=torch.float64,
                requires_grad=True,
            ),
            torch.tensor(
                [float(n.b.data) for n in layer.neurons],
                dtype=torch.float64,
                requires_grad=True,
            ),
        )
        for layer in model.layers
    ]


def torch_forward(layers, x):
    """The MLP in PyTorch: x @ W.T + b per layer (nn.Linear), ReLU on all but the last."""
    for i, (weight, bias) in enumerate(layers):
        x = F.linear(x, weight, bias)
        if i < len(layers) - 1:
            x = torch.relu(x)
    return x


def assert_parameter_gradients_agree(model, layers):
    for layer, (weight, bias) in zip(model.layers, layers, strict=True):
        for i, n in enumerate(layer.neurons):
            for j, w in enumerate(n.w):
                assert_close(w.grad, weight.grad[i, j].item(), f"weight {i},{j}")
            assert_close(n.b.grad, bias.grad[i].item(), f"bias {i}")


POINT = st.lists(st.floats(-3, 3), min_size=2, max_size=2)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    points=st.lists(st.tuples(POINT, st.sampled_from([-1, 1])), min_size=1, max_size=5),
)
def test_the_demo_loss_and_gradients_agree_with_torch(seed, points):
    """karpathy's demo objective (hinge loss + 1e-4 * L2) through MLP(2, [8, 8, 1])."""
    random.seed(seed)
    model = MLP(2, [8, 8, 1])
    layers = torch_layers(model)
    X, y = [x for x, _ in points], [label for _, label in points]

    scores = [model(x) for x in X]
    total = hinge_loss(scores, y) + 1e-4 * l2_penalty(model.parameters())
    total.backward()

    t_scores = torch_forward(layers, torch.tensor(X, dtype=torch.float64)).squeeze(1)
    t_labels = torch.tensor(y, dtype=torch.float64)
    t_l2 = sum((p * p).sum() for pair in layers for p in pair)
    t_total = torch.relu(1 - t_labels * t_scores).mean() + 1e-4 * t_l2
    t_total.backward()

    for i, (score, t_score) in enumerate(zip(scores, t_scores, strict=True)):
        assert_close(score.data, t_score.item(), f"score {i}")
    assert_close(total.data, t_total.item(), "loss")
    assert_parameter_gradients_agree(model, layers)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1), x=st.lists(st.floats(-3, 3), min_size=3, max_size=3)
)
def test_mlp_output_and_gradients_agree_with_torch(seed, x):
    random.seed(seed)
    model = MLP(3, [4, 4, 2])
    layers = torch_layers(model)
    inputs = [Value(xi) for xi in x]
    t_inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)

    a, b = model(inputs)
    (a * b).backward()
    t_a, t_b = torch_forward(layers, t_inputs)
    (t_a * t_b).backward()

    assert_close(a.data, t_a.item(), "output 0")
    assert_close(b.data, t_b.item(), "output 1")
    assert_parameter_gradients_agree(model, layers)
    for i, xi in enumerate(inputs):
        assert_close(xi.grad, t_inputs.grad[i].item(), f"input {i}")


def losses_agree(loss, torch_loss, xs, targets):
    values = [Value(x) for x in xs]
    out = loss(values, targets)
    out.backward()
    t_xs = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    t_out = torch_loss(t_xs, torch.tensor(targets, dtype=torch.float64))
    t_out.backward()
    assert_close(out.data, t_out.item(), "loss")
    for i, value in enumerate(values):
        assert_close(value.grad, t_xs.grad[i].item(), f"gradient {i}")


def pairs_of(a, b):
    return st.lists(st.tuples(a, b), min_size=1, max_size=6)


@SETTINGS
@given(pairs=pairs_of(st.floats(-100, 100), st.floats(-100, 100)))
def test_mse_loss_agrees_with_torch(pairs):
    ps, ts = zip(*pairs, strict=True)
    losses_agree(mse_loss, F.mse_loss, list(ps), list(ts))


@SETTINGS
@given(pairs=pairs_of(st.floats(-100, 100), st.sampled_from([-1, 1])))
def test_hinge_loss_agrees_with_torch(pairs):
    ss, ys = zip(*pairs, strict=True)
    losses_agree(
        hinge_loss, lambda s, y: torch.relu(1 - y * s).mean(), list(ss), list(ys)
    )


@SETTINGS
@given(pairs=pairs_of(st.floats(-1000, 1000), st.sampled_from([0, 1])))
@example(pairs=[(0.0, 1), (-0.0, 0)])
@example(pairs=[(800.0, 1), (-800.0, 1), (800.0, 0), (-800.0, 0)])
def test_bce_loss_agrees_with_torch(pairs):
    zs, ys = zip(*pairs, strict=True)
    losses_agree(bce_loss, F.binary_cross_entropy_with_logits, list(zs), list(ys))


@SETTINGS
@given(parameters=st.lists(st.floats(-100, 100), min_size=1, max_size=10))
def test_l2_penalty_agrees_with_torch(parameters):
    values = [Value(p) for p in parameters]
    penalty = l2_penalty(values)
    penalty.backward()
    t_parameters = torch.tensor(parameters, dtype=torch.float64, requires_grad=True)
    t_penalty = (t_parameters * t_parameters).sum()
    t_penalty.backward()
    assert_close(penalty.data, t_penalty.item(), "penalty")
    for i, value in enumerate(values):
        assert_close(value.grad, t_parameters.grad[i].item(), f"gradient {i}")


@st.composite
def classification_batches(draw, max_logit=50.0):
    """(logits, labels): a few examples, each with one logit per class, and the labels."""
    classes = draw(st.integers(2, 5))
    examples = draw(st.integers(1, 4))
    logit = st.floats(-max_logit, max_logit)
    logits = [
        draw(st.lists(logit, min_size=classes, max_size=classes))
        for _ in range(examples)
    ]
    labels = draw(
        st.lists(st.integers(0, classes - 1), min_size=examples, max_size=examples)
    )
    return logits, labels


@SETTINGS
@given(batch=classification_batches() | classification_batches(max_logit=1e4))
def test_cross_entropy_loss_agrees_with_torch_even_for_huge_logits(batch):
    logits, labels = batch
    values = [[Value(z) for z in row] for row in logits]
    loss = cross_entropy_loss(values, labels)
    loss.backward()
    tensor = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(tensor, torch.tensor(labels))
    expected.backward()
    # Huge logits make the loss a difference of numbers near 1e4: a few ulps of those.
    scale = 1 + max(abs(z) for row in logits for z in row)
    assert math.isclose(loss.data, expected.item(), rel_tol=1e-9, abs_tol=1e-13 * scale)
    for i, row in enumerate(values):
        for k, z in enumerate(row):
            assert math.isclose(
                z.grad, tensor.grad[i, k].item(), rel_tol=1e-9, abs_tol=1e-15
            )
