"""micrograd.tensor against PyTorch in float64: every operation's value and gradients on
random shapes, broadcasting included, and cross_entropy against
torch.nn.functional.cross_entropy, large logits included."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from micrograd.tensor import Tensor, cross_entropy

from budget import examples

# Only where PyTorch has a wheel: elsewhere CI deselects these tests with -m "not torch".
pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=examples(60), deadline=None)
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5)


def random_array(seed, shape, low=-3.0, high=3.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def assert_agrees_with_torch(f, arrays, rtol=1e-10, atol=1e-12):
    """f on Tensors and on float64 torch tensors: the same value and input gradients.

    The result is weighted by fixed random numbers and summed, so that every entry of it
    passes back a gradient of its own.
    """
    ours = [Tensor(a) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, expected = f(*ours), f(*theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(
        out.data, expected.detach().numpy(), rtol=rtol, atol=atol
    )
    weights = random_array(len(arrays), out.shape)
    (out * weights).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for i, (t, q) in enumerate(zip(ours, theirs, strict=True)):
        torch_grad = np.zeros(t.shape) if q.grad is None else q.grad.numpy()
        np.testing.assert_allclose(
            t.grad, torch_grad, rtol=rtol, atol=atol, err_msg=f"input {i}"
        )


BINARY = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b,
    "(a * b + a) / (b * b)": lambda a, b: (a * b + a) / (b * b),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=5),
    seed=SEEDS,
)
def test_binary_operations_broadcast_like_torch(name, shapes, seed):
    a_shape, b_shape = shapes.input_shapes
    a = random_array(seed, a_shape)
    b = random_array(seed + 1, b_shape, 0.5, 3.0) * np.where(
        random_array(seed + 2, b_shape) > 0, 1, -1
    )
    assert_agrees_with_torch(BINARY[name], [a, b])


UNARY = {
    "x ** 2": (lambda x: x**2, (-3.0, 3.0)),
    "x ** 3": (lambda x: x**3, (-3.0, 3.0)),
    "x ** 0.5": (lambda x: x**0.5, (0.1, 3.0)),
    "x ** -2": (lambda x: x**-2, (0.1, 3.0)),
    "exp": (lambda x: x.exp(), (-5.0, 5.0)),
    "log": (lambda x: x.log(), (0.01, 5.0)),
    "tanh": (lambda x: x.tanh(), (-5.0, 5.0)),
    "relu": (lambda x: x.relu(), (-3.0, 3.0)),
    "-x": (lambda x: -x, (-3.0, 3.0)),
    "2 + x": (lambda x: 2 + x, (-3.0, 3.0)),
    "2 - x": (lambda x: 2 - x, (-3.0, 3.0)),
    "2 * x": (lambda x: 2 * x, (-3.0, 3.0)),
    "2 / x": (lambda x: 2 / x, (0.1, 3.0)),
    "x - 2": (lambda x: x - 2, (-3.0, 3.0)),
    "x / 2": (lambda x: x / 2, (-3.0, 3.0)),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_unary_operations_agree_with_torch(name, shape, seed):
    operation, (low, high) = UNARY[name]
    assert_agrees_with_torch(operation, [random_array(seed, shape, low, high)])


def test_relu_at_zero_and_power_zero_agree_with_torch():
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    assert_agrees_with_torch(lambda t: t.relu() + t**0, [x])


@st.composite
def shapes_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    dims = draw(
        st.lists(
            st.integers(-len(shape), len(shape) - 1),
            min_size=1,
            unique_by=lambda d: d % len(shape),
        )
    )
    dim = draw(st.sampled_from([tuple(dims), dims[0]]))
    return shape, dim, draw(st.booleans())


@SETTINGS
@given(case=shapes_and_dims(), seed=SEEDS)
def test_sum_and_mean_over_dims_agree_with_torch(case, seed):
    shape, dim, keepdim = case
    x = random_array(seed, shape)
    assert_agrees_with_torch(lambda t: t.sum(dim=dim, keepdim=keepdim), [x])
    assert_agrees_with_torch(lambda t: t.mean(dim=dim, keepdim=keepdim), [x])


@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_sum_and_mean_of_everything_agree_with_torch(shape, seed):
    x = random_array(seed, shape)
    assert_agrees_with_torch(lambda t: t.sum() * t.mean(), [x])


@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_reshape_and_transpose_agree_with_torch(shape, seed):
    x = random_array(seed, shape)
    size = x.size

    def f(t):
        flat = t.reshape(-1)
        # numpy's .T reverses every dimension; PyTorch spells that permute(reversed dims).
        dims = tuple(reversed(range(x.ndim)))
        transposed = t.T if isinstance(t, Tensor) else t.permute(dims)
        return flat * transposed.reshape(size) + flat.reshape(1, size)

    assert_agrees_with_torch(f, [x])


@SETTINGS
@given(n=st.integers(1, 6), k=st.integers(1, 6), m=st.integers(1, 6), seed=SEEDS)
def test_matmul_and_a_layer_agree_with_torch(n, k, m, seed):
    a, w, b = (
        random_array(seed, (n, k)),
        random_array(seed + 1, (k, m)),
        random_array(seed + 2, (m,)),
    )
    assert_agrees_with_torch(lambda x, y: x @ y, [a, w])
    assert_agrees_with_torch(lambda x, y, z: (x @ y + z).relu().tanh(), [a, w, b])


@SETTINGS
@given(
    rows=st.integers(1, 8),
    classes=st.integers(1, 6),
    scale=st.sampled_from([1.0, 30.0, 1e3, 1e4]),
    seed=SEEDS,
)
def test_cross_entropy_agrees_with_torch_even_for_huge_logits(
    rows, classes, scale, seed
):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, classes)) * scale
    targets = rng.integers(0, classes, rows)
    logits = Tensor(z)
    loss = cross_entropy(logits, targets)
    loss.backward()
    expected_logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(expected_logits, torch.tensor(targets))
    expected.backward()
    assert np.isfinite(loss.data) and np.isfinite(logits.grad).all()
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        logits.grad, expected_logits.grad.numpy(), rtol=1e-9, atol=1e-15
    )


def test_a_small_network_with_cross_entropy_agrees_with_torch():
    rng = np.random.default_rng(7)
    X, W1, b1, W2 = (
        rng.normal(size=(10, 2)),
        rng.normal(size=(2, 8)),
        rng.normal(size=8),
        rng.normal(size=(8, 3)),
    )
    targets = rng.integers(0, 3, 10)
    ours = [Tensor(a) for a in (W1, b1, W2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2)]
    loss = cross_entropy((Tensor(X) @ ours[0] + ours[1]).tanh() @ ours[2], targets)
    expected = torch.nn.functional.cross_entropy(
        (torch.tensor(X) @ theirs[0] + theirs[1]).tanh() @ theirs[2],
        torch.tensor(targets),
    )
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-12)
    for t, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(t.grad, q.grad.numpy(), rtol=1e-10, atol=1e-14)
