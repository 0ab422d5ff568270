"""micrograd.tensor without PyTorch: construction and bad input; every operation's gradient
against central differences, broadcasting included; the matrix product and the moons MLP
against the scalar engine on the same numbers; cross_entropy; and make_spiral.

(The comparisons with PyTorch are in test_tensor_vs_torch.py.)
"""

import gc
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from micrograd.datasets import make_moons, make_spiral
from micrograd.engine import Value
from micrograd.nn import MLP, hinge_loss, l2_penalty
from micrograd.tensor import Tensor, cross_entropy

from budget import examples

SETTINGS = settings(max_examples=examples(40), deadline=None)
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def numerical_gradients(f, arrays, h=1e-6):
    """Central differences of f(*arrays) (a float) for every entry of every array."""
    gradients = []
    for array in arrays:
        gradient = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + h
            up = f(*arrays)
            array[index] = original - h
            down = f(*arrays)
            array[index] = original
            gradient[index] = (up - down) / (2 * h)
        gradients.append(gradient)
    return gradients


def assert_gradients_match_nudging(f, arrays, rtol=1e-5, atol=1e-7):
    """backward() of f on Tensors against central differences of f on the same numbers."""
    tensors = [Tensor(a) for a in arrays]
    f(*tensors).backward()

    def on_numbers(*numbers):
        return f(*(Tensor(a) for a in numbers)).data.item()

    expected = numerical_gradients(on_numbers, [a.copy() for a in arrays])
    for i, (t, slope) in enumerate(zip(tensors, expected, strict=True)):
        assert t.grad.shape == t.shape, f"input {i}: grad has shape {t.grad.shape}"
        np.testing.assert_allclose(
            t.grad, slope, rtol=rtol, atol=atol, err_msg=f"input {i}"
        )


def random_array(seed, shape, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# --- Construction and bad input ----------------------------------------------------------


def test_numbers_lists_and_arrays_become_float64_arrays_with_zero_gradients():
    assert Tensor(3).data.shape == () and Tensor(3).data.dtype == np.float64
    table = Tensor([[1, 2, 3], [4, 5, 6]])
    assert table.shape == (2, 3) and table.data.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert table.grad.shape == (2, 3) and not table.grad.any()
    assert Tensor(np.arange(4, dtype=np.int32)).data.dtype == np.float64
    assert repr(Tensor([1.0, 2.5])) == "Tensor([1. , 2.5])"


def test_a_tensor_copies_the_array_it_is_given():
    numbers = np.array([1.0, 2.0])
    t = Tensor(numbers)
    numbers[0] = 100.0
    assert t.data.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("3.5", TypeError, "a Tensor holds real numbers, got str: '3.5'"),
        (None, TypeError, "got NoneType"),
        ([1 + 2j], TypeError, "got list"),
        ([Value(1.0)], TypeError, "got list: [Value(data=1.0"),
        ([[1, 2], [3]], ValueError, "rows of equal length, got [[1, 2], [3]]"),
        (True, TypeError, "not truth values: got True"),
        (np.bool_(False), TypeError, "not truth values"),
        (np.array([True, False]), TypeError, "not truth values"),
        ([[1.0, 2.0], [3.0, True]], TypeError, "not truth values"),
        ([np.array([1.0]), np.array([False])], TypeError, "not truth values"),
    ],
)
def test_what_is_not_a_table_of_real_numbers_is_refused(bad, error, message):
    with pytest.raises(error) as raised:
        Tensor(bad)
    assert message in str(raised.value)


def test_truth_values_are_refused_as_operands_too_as_value_refuses_them():
    t = Tensor([1.0, 2.0])
    message = r"not truth values.*pass np.asarray\(\.\.\., dtype=float\)"
    for operand in [True, np.array([True, False]), [1.0, False]]:
        with pytest.raises(TypeError, match=message):
            t * operand
        with pytest.raises(TypeError, match=message):
            operand + t
        with pytest.raises(TypeError, match=message):
            t - operand  # checked before it is negated: -True is the number -1
    with pytest.raises(TypeError, match="exponent must be a number, got bool"):
        t**True
    with pytest.raises(TypeError, match="a Value holds a number, not a bool"):
        Value(1.0) * True
    mask = np.array([True, False])
    assert (t * mask.astype(float)).data.tolist() == [1.0, 0.0]  # the way out


def test_numpy_operators_give_way_to_the_tensor():
    t = Tensor([1.0, 2.0])
    for result in [
        np.array([3.0, 4.0]) * t,
        np.float64(2.0) + t,
        np.ones((3, 2)) @ t.reshape(2, 1),
    ]:
        assert isinstance(result, Tensor)
    with pytest.raises(TypeError):
        np.exp(t)


# --- Elementwise operations and broadcasting ----------------------------------------------

BINARY = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3), seed=SEEDS)
def test_broadcasting_binary_operations_match_nudging(name, shapes, seed):
    a_shape, b_shape = shapes.input_shapes
    a = random_array(seed, a_shape)
    b = random_array(seed + 1, b_shape, 0.5, 2.0)  # away from 0, for a / b
    assert_gradients_match_nudging(
        lambda x, y: (BINARY[name](x, y) * 1.5).sum(), [a, b]
    )
    assert Tensor(a).shape == a_shape and BINARY[name](Tensor(a), Tensor(b)).shape == (
        shapes.result_shape
    )


UNARY = {
    "x ** 3": (lambda x: x**3, (-2.0, 2.0)),
    "x ** -1.5": (lambda x: x**-1.5, (0.5, 2.0)),
    "x ** 0": (lambda x: x**0, (-2.0, 2.0)),
    "exp": (lambda x: x.exp(), (-3.0, 3.0)),
    "log": (lambda x: x.log(), (0.1, 3.0)),
    "tanh": (lambda x: x.tanh(), (-3.0, 3.0)),
    "relu": (lambda x: x.relu(), (-2.0, 2.0)),
    "-x": (lambda x: -x, (-2.0, 2.0)),
    "2 - x": (lambda x: 2 - x, (-2.0, 2.0)),
    "3 / x": (lambda x: 3 / x, (0.5, 2.0)),
    "x / 4": (lambda x: x / 4, (-2.0, 2.0)),
    "x * array": (lambda x: x * np.full(x.shape, 0.5), (-2.0, 2.0)),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_unary_operations_match_nudging(name, shape, seed):
    operation, (low, high) = UNARY[name]
    x = random_array(seed, shape, low, high)
    if name == "relu":
        x[np.abs(x) < 1e-3] = 0.5  # nudging straddles the kink at 0
    weights = random_array(seed + 1, shape)
    assert_gradients_match_nudging(lambda t: (operation(t) * weights).sum(), [x])


def test_outside_the_real_numbers_an_entry_becomes_nan_and_the_others_are_computed():
    with pytest.warns(RuntimeWarning) as caught:
        logs = Tensor([-1.0, 0.0, 2.0]).log()
        roots = Tensor([-8.0, 8.0]) ** (1 / 3)
    assert np.isnan(logs.data[0]) and logs.data[1] == -math.inf
    assert math.isclose(logs.data[2], math.log(2))
    assert np.isnan(roots.data[0]) and math.isclose(roots.data[1], 2.0)
    assert len(caught) == 3


@pytest.mark.parametrize("zero", [0, 0.0, np.float64(0.0), Tensor(0.0)])
def test_dividing_by_zero_gives_infinities_with_a_warning_whatever_the_zero(zero):
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        quotients = Tensor([1.0, -1.0]) / zero
    assert quotients.data.tolist() == [math.inf, -math.inf]


def test_reshape_and_transpose_share_memory_with_their_input():
    weights = Tensor([[1.0, 2.0], [3.0, 4.0]])
    flat, turned = weights.reshape(4), weights.T
    weights.data -= 0.5
    assert flat.data.tolist() == [0.5, 1.5, 2.5, 3.5]
    assert turned.data.tolist() == [[0.5, 2.5], [1.5, 3.5]]


def test_relu_passes_no_gradient_at_zero_and_power_zero_has_slope_zero():
    x = Tensor([-1.0, 0.0, 2.0])
    (x.relu() + x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_the_exponent_must_be_a_number():
    with pytest.raises(
        TypeError, match=r"must be a number, got Tensor.*\(y \* x.log\(\)\)"
    ):
        Tensor(2.0) ** Tensor(3.0)


def test_shapes_that_do_not_broadcast_are_named_in_the_error():
    with pytest.raises(
        ValueError, match=r"shapes \(2, 3\) and \(2,\) do not fit together for \+"
    ):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(2))
    with pytest.raises(
        ValueError, match=r"shapes \(4,\) and \(3,\) do not fit together for \*"
    ):
        Tensor(np.ones(4)) * np.ones(3)


# --- Sums, means, reshapes, transposes ----------------------------------------------------


@st.composite
def shapes_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dims = draw(
        st.lists(
            st.integers(-len(shape), len(shape) - 1), unique_by=lambda d: d % len(shape)
        )
    )
    dim = draw(st.sampled_from([None, tuple(dims), dims[0] if dims else None]))
    return shape, dim, draw(st.booleans())


@SETTINGS
@given(case=shapes_and_dims(), seed=SEEDS)
def test_sum_and_mean_match_numpy_and_nudging(case, seed):
    shape, dim, keepdim = case
    x = random_array(seed, shape)
    axis = dim if dim is None or isinstance(dim, int) else tuple(dim)
    total, mean = Tensor(x).sum(dim, keepdim), Tensor(x).mean(dim, keepdim)
    np.testing.assert_allclose(
        total.data, x.sum(axis=axis, keepdims=keepdim), rtol=1e-12
    )
    np.testing.assert_allclose(
        mean.data, x.mean(axis=axis, keepdims=keepdim), rtol=1e-12
    )
    weights = random_array(seed + 1, total.shape)
    assert_gradients_match_nudging(lambda t: (t.sum(dim, keepdim) * weights).sum(), [x])
    assert_gradients_match_nudging(
        lambda t: (t.mean(dim, keepdim) * weights).sum(), [x]
    )


def test_bad_dims_and_empty_means_are_refused():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"dim 2 is not a dimension of a tensor of shape \(2, 3\)"
    ):
        t.sum(dim=2)
    with pytest.raises(ValueError, match="names a dimension twice"):
        t.sum(dim=(0, -2))
    with pytest.raises(ValueError, match="dim 0.5 is not a dimension"):
        t.mean(dim=0.5)
    with pytest.raises(ValueError, match=r"shape \(0, 3\) has no numbers to average"):
        Tensor(np.ones((0, 3))).mean()
    with pytest.raises(ValueError, match=r"shape \(\) .* no dimensions.*dim=None"):
        Tensor(3.0).sum(dim=0)


def test_a_constant_is_subtracted_as_it_is_added():
    t = Tensor([1.0, 2.0])
    assert (t - [1, 2]).data.tolist() == (t + [-1, -2]).data.tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="a Tensor holds real numbers, got str"):
        t - "abc"


def test_a_leaf_owns_its_grad_though_a_sum_shares_one_between_its_inputs():
    a = Tensor([1.0, 2.0])
    b, c = a * 2, a * 3
    total = b + c
    total.sum().backward()
    assert b.grad is c.grad  # as the chapter says: for reading
    a.grad[0] = 100.0
    assert b.grad.tolist() == [1.0, 1.0] and total.grad.tolist() == [1.0, 1.0]


@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_reshape_and_transpose_move_gradients_back(shape, seed):
    x = random_array(seed, shape)
    weights = random_array(seed + 1, x.size)
    assert_gradients_match_nudging(lambda t: (t.reshape(-1) * weights).sum(), [x])
    assert_gradients_match_nudging(
        lambda t: (t.T.reshape((x.size,)) * weights).sum(), [x]
    )


def test_reshape_to_another_size_is_refused():
    with pytest.raises(
        ValueError, match=r"shape \(3, 4\) \(12 numbers\) into shape \(5, 2\)"
    ):
        Tensor(np.ones((3, 4))).reshape(5, 2)


# --- The matrix product -------------------------------------------------------------------


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=SEEDS)
def test_matmul_gradients_are_the_scalar_engines(n, k, m, seed):
    a, b, c = (
        random_array(seed, (n, k)),
        random_array(seed + 1, (k, m)),
        random_array(seed + 2, (n, m)),
    )
    A = [[Value(float(x)) for x in row] for row in a]
    B = [[Value(float(x)) for x in row] for row in b]
    Y = [[sum(A[i][s] * B[s][j] for s in range(k)) for j in range(m)] for i in range(n)]
    loss = sum(float(c[i, j]) * Y[i][j] for i in range(n) for j in range(m))
    loss.backward()
    At, Bt = Tensor(a), Tensor(b)
    tensor_loss = ((At @ Bt) * c).sum()
    tensor_loss.backward()
    assert math.isclose(tensor_loss.data, loss.data, rel_tol=1e-12, abs_tol=1e-12)
    np.testing.assert_allclose(
        At.grad, [[v.grad for v in row] for row in A], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        Bt.grad, [[v.grad for v in row] for row in B], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(At.grad, c @ b.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Bt.grad, a.T @ c, rtol=1e-12, atol=1e-12)


def test_matmul_with_a_constant_on_either_side_matches_nudging():
    a, b = random_array(1, (3, 4)), random_array(2, (4, 2))
    assert_gradients_match_nudging(lambda t: ((t @ b).tanh()).sum(), [a])
    assert_gradients_match_nudging(lambda t: ((a @ t).tanh()).sum(), [b])


@pytest.mark.parametrize(
    ("left", "right", "message"),
    [
        (
            (3, 4),
            (3, 4),
            r"cannot multiply shapes \(3, 4\) and \(3, 4\): the left matrix has 4 columns",
        ),
        ((4,), (4, 2), r"two matrices \(2-D tensors\), got shapes \(4,\) and \(4, 2\)"),
        ((2, 3, 4), (4, 2), r"got shapes \(2, 3, 4\) and \(4, 2\)"),
    ],
)
def test_shapes_that_cannot_be_multiplied_are_named(left, right, message):
    with pytest.raises(ValueError, match=message):
        Tensor(np.ones(left)) @ Tensor(np.ones(right))


# --- backward() ---------------------------------------------------------------------------


def test_backward_needs_a_single_number():
    with pytest.raises(ValueError, match=r"single number.*shape \(2, 2\).*\.sum\(\)"):
        Tensor(np.ones((2, 2))).backward()
    one = Tensor([[2.0]])
    (one * 3).backward()  # one number, in a (1, 1) table, is fine
    assert one.grad.tolist() == [[3.0]]


def test_leaves_accumulate_and_tensors_in_between_hold_the_latest_call():
    x = Tensor([1.0, 2.0])
    hidden = x * x
    loss = hidden.sum()
    loss.backward()
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    assert hidden.grad.tolist() == [1.0, 1.0]


def test_a_tensor_used_twice_collects_both_gradients():
    x = Tensor(np.array([1.5, -2.0]))
    ((x + x) * x).sum().backward()
    assert x.grad.tolist() == [6.0, -8.0]


def test_backward_goes_through_a_chain_deeper_than_the_recursion_limit():
    x = Tensor(np.ones(3))
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and y.data[0] == 20_001.0


def test_a_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    gc.disable()
    try:
        x = Tensor(np.ones((4, 3)))
        loss = cross_entropy((x @ np.ones((3, 2))).relu().tanh(), [0, 1, 1, 0])
        loss.backward()
        del x, loss
        assert gc.collect() == 0
    finally:
        gc.enable()


# --- cross_entropy ------------------------------------------------------------------------


@SETTINGS
@given(
    rows=st.integers(1, 5),
    classes=st.integers(1, 5),
    scale=st.sampled_from([1.0, 1e3, 1e5]),
    seed=SEEDS,
)
def test_cross_entropy_is_the_formula_and_its_gradient_softmax_minus_one_hot(
    rows, classes, scale, seed
):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, classes)) * scale
    targets = rng.integers(0, classes, rows)
    logits = Tensor(z)
    loss = cross_entropy(logits, targets)
    loss.backward()
    shifted = z - z.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_softmax[np.arange(rows), targets].mean()
    assert math.isclose(loss.data, expected, rel_tol=1e-12, abs_tol=1e-12)
    softmax = np.exp(log_softmax)
    np.testing.assert_allclose(
        logits.grad, (softmax - np.eye(classes)[targets]) / rows, atol=1e-15
    )


def test_cross_entropy_matches_nudging():
    targets = [2, 0, 1, 1]
    assert_gradients_match_nudging(
        lambda z: cross_entropy(z, targets), [random_array(3, (4, 3))]
    )


def test_cross_entropy_of_huge_logits_is_finite_and_exact():
    logits = Tensor([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]])
    loss = cross_entropy(logits, [0, 1])
    loss.backward()
    assert loss.data == 500.0
    assert np.allclose(logits.grad, [[0, 0, 0], [0.5, -0.5, 0]])


@pytest.mark.parametrize(
    ("logits", "targets", "error", "message"),
    [
        (Tensor(np.zeros(4)), [0], ValueError, r"Tensor of shape \(N, C\).*got \(4,\)"),
        (
            np.zeros((2, 3)),
            [0, 1],
            ValueError,
            r"Tensor of shape \(N, C\).*got ndarray",
        ),
        (Tensor(np.zeros((0, 3))), [], ValueError, "at least one row and one class"),
        (
            Tensor(np.zeros((3, 4))),
            [0.0, 1.0, 2.0],
            TypeError,
            "integers from 0 to 3; got float64",
        ),
        (Tensor(np.zeros((3, 4))), Tensor([0, 1, 2]), TypeError, "got float64"),
        (Tensor(np.zeros((3, 4))), [True, False, True], TypeError, "got bool"),
        (
            Tensor(np.zeros((3, 4))),
            [0, 1],
            ValueError,
            r"targets of shape \(2,\) for logits of shape \(3, 4\)",
        ),
        (
            Tensor(np.zeros((3, 4))),
            [[0, 1, 2]],
            ValueError,
            r"one target per row, shape \(3,\)",
        ),
        (
            Tensor(np.zeros((3, 4))),
            [0, 4, 1],
            ValueError,
            "target 4 of row 1 is not a class",
        ),
        (
            Tensor(np.zeros((3, 4))),
            [0, 1, -1],
            ValueError,
            "target -1 of row 2 is not a class",
        ),
    ],
)
def test_cross_entropy_refuses_bad_logits_and_targets(logits, targets, error, message):
    with pytest.raises(error, match=message):
        cross_entropy(logits, targets)


# --- The moons MLP, as matrix products and as Values ----------------------------------------


def as_tensors(model):
    return [
        (
            Tensor(np.array([[w.data for w in n.w] for n in layer.neurons]).T),
            Tensor([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]


def tensor_loss(layers, X, y, alpha=1e-4):
    h = Tensor(X)
    for k, (W, b) in enumerate(layers):
        h = h @ W + b
        if k < len(layers) - 1:
            h = h.relu()
    data_loss = (1 - Tensor(y) * h.reshape(-1)).relu().mean()
    return data_loss + alpha * sum((p * p).sum() for layer in layers for p in layer)


@pytest.mark.parametrize("seed", [1, 3, 1337])
def test_the_moons_mlp_as_matrix_products_gives_the_scalar_engines_loss_and_gradients(
    seed,
):
    X, y = make_moons(n_samples=100, noise=0.1, seed=seed)
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    scalar = hinge_loss([model(x) for x in X], y) + 1e-4 * l2_penalty(
        model.parameters()
    )
    scalar.backward()
    layers = as_tensors(model)
    loss = tensor_loss(layers, X, y)
    loss.backward()
    assert abs(loss.data - scalar.data) < 1e-9
    grads = [
        g
        for W, b in layers
        for j in range(W.shape[1])
        for g in [*W.grad[:, j], b.grad[j]]
    ]
    expected = [p.grad for p in model.parameters()]
    assert len(grads) == len(expected) == 337
    for i, (got, want) in enumerate(zip(grads, expected, strict=True)):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"gradient {i}"


# --- make_spiral ----------------------------------------------------------------------------


def test_make_spiral_gives_arms_of_equal_size_labelled_from_zero():
    X, y = make_spiral(n_samples=301, n_classes=3, noise=0.0, seed=0)
    assert len(X) == len(y) == 301 and [y.count(c) for c in range(3)] == [101, 100, 100]
    assert y == sorted(y)
    radii = [math.hypot(*point) for point in X]
    assert max(radii) == pytest.approx(1.0) and min(radii) == 0.0
    # Without noise the first point of arm c lies at angle 2*pi*c/3 + 7.85, radius 1 at its end.
    last_of_arm_1 = X[101 + 99]
    assert math.atan2(last_of_arm_1[1], last_of_arm_1[0]) % (
        2 * math.pi
    ) == pytest.approx((2 * math.pi / 3 + 7.85) % (2 * math.pi))


def test_make_spiral_is_seeded_and_leaves_the_global_random_alone():
    random.seed(0)
    before = random.random()
    random.seed(0)
    assert make_spiral(seed=5) == make_spiral(seed=5) != make_spiral(seed=6)
    assert random.random() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_classes": 1}, "n_classes is a number of arms, a whole number >= 2; got 1"),
        (
            {"n_classes": 2.0},
            "n_classes is a number of arms, a whole number >= 2; got 2.0",
        ),
        (
            {"n_classes": "3"},
            "n_classes is a number of arms, a whole number >= 2; got '3'",
        ),
        ({"n_samples": 5}, "at least 2 per arm, so >= 6 for 3 classes; got 5"),
        ({"n_samples": 3, "n_classes": 2}, "so >= 4 for 2 classes; got 3"),
        ({"n_samples": 300.0}, "n_samples is a number of points, a whole number"),
        ({"n_samples": 2.5}, "got 2.5"),
        ({"n_samples": None}, "got None"),
        ({"noise": -0.1}, "noise is a standard deviation: a finite number >= 0"),
        ({"noise": math.nan}, "got nan"),
        ({"noise": math.inf}, "got inf"),
        ({"noise": "0.1"}, "got '0.1'"),
        ({"noise": None}, "got None"),
        ({"noise": True}, "got True"),
    ],
)
def test_make_spiral_refuses_what_cannot_make_spirals_as_make_moons_does(
    arguments, message
):
    # One error type for every bad argument, as make_moons has it.
    with pytest.raises(ValueError) as error:
        make_spiral(**arguments)
    assert message in str(error.value)


def test_a_wider_network_learns_the_spiral():
    X, y = make_spiral(n_samples=300, seed=0)
    rng = np.random.default_rng(0)
    sizes = [2, 32, 32, 3]
    layers = [
        (Tensor(rng.uniform(-1, 1, (a, b)) / math.sqrt(a)), Tensor(np.zeros(b)))
        for a, b in zip(sizes, sizes[1:], strict=False)
    ]
    points = Tensor(X)

    def forward():
        h = points
        for k, (W, b) in enumerate(layers):
            h = h @ W + b
            h = h.relu() if k < len(layers) - 1 else h
        return h

    for _ in range(1000):
        cross_entropy(forward(), y).backward()
        for p in (p for layer in layers for p in layer):
            p.data -= p.grad
            p.grad.fill(0.0)
    assert (forward().data.argmax(axis=1) == np.array(y)).mean() >= 0.95
