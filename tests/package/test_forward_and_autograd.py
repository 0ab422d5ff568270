"""Forward mode (`Dual`, `jvp`) and derivatives of derivatives (`grad`, `hvp`), checked
against backward(), central differences and each other on random graphs of every operation.
(tests/package/test_forward_and_autograd_vs_torch.py holds them to PyTorch as well.)"""

import math
from types import SimpleNamespace

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from micrograd import forward
from micrograd.autograd import grad, hvp
from micrograd.engine import Value
from micrograd.forward import Dual, jvp

from budget import examples
from numerical import finite_difference_gradient
from random_graphs import ON_FLOATS, ON_VALUES, evaluate, graphs, moderate

ON_DUALS = SimpleNamespace(
    exp=Dual.exp, log=Dual.log, tanh=Dual.tanh, relu=Dual.relu, sigmoid=Dual.sigmoid
)
SETTINGS = settings(max_examples=examples(100), deadline=None)
# The graphs keep every node below 100 in size (see the assume below), so each step of
# every formula rounds by at most a few ulps of numbers of that size; two ways of computing
# the same derivative then differ by far less than this.
REL, ABS = 1e-9, 1e-11


def close(a, b, rel=REL, abs_=ABS):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def bounded(graph):
    """The graph's nodes are all of moderate size (no overflow, little rounding)."""
    leaves, steps = graph
    return moderate(steps, leaves)


def smooth_graph(graph):
    """No relu (whose second derivative is a spike at its kink) and every node moderate."""
    leaves, steps = graph
    return bounded(graph) and all(step != "relu(a)" for step, _ in steps)


def on_values(steps):
    return lambda *inputs: evaluate(steps, inputs, ON_VALUES)[-1]


def on_duals(steps):
    return lambda *inputs: evaluate(steps, inputs, ON_DUALS)[-1]


def gradient_by_backward(steps, leaves):
    values = [Value(x) for x in leaves]
    on_values(steps)(*values).backward()
    return [v.grad for v in values]


# --- Forward mode ------------------------------------------------------------------------


@SETTINGS
@given(graph=graphs(max_steps=12), data=st.data())
def test_jvp_is_the_gradient_in_the_direction_of_the_tangents(graph, data):
    leaves, steps = graph
    assume(bounded(graph))
    tangents = data.draw(
        st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves))
    )
    output, tangent = jvp(on_duals(steps), leaves, tangents)
    gradient = gradient_by_backward(steps, leaves)
    assert close(output, evaluate(steps, leaves, ON_FLOATS)[-1])
    expected = sum(g * t for g, t in zip(gradient, tangents, strict=True))
    scale = sum(abs(g * t) for g, t in zip(gradient, tangents, strict=True))
    assert math.isclose(tangent, expected, rel_tol=REL, abs_tol=ABS * (1 + scale))


# A node that overflows on floats, once made the check of the graph itself fail.
OVERFLOWING_GRAPH = (
    [2.0],
    [("3 * a", [0]), ("a ** 2", [1]), ("(1 + a*a) ** tanh(b)", [2, 0]), ("-a", [3])]
    + [("sigmoid(a)", [4])],
)


@SETTINGS
@given(graph=graphs(max_steps=8))
@example(graph=OVERFLOWING_GRAPH)
def test_jvp_agrees_with_central_differences(graph):
    leaves, steps = graph
    assume(smooth_graph(graph))  # nudging across relu's kink measures neither side
    numerical = finite_difference_gradient(
        lambda *x: evaluate(steps, x, ON_FLOATS)[-1], leaves
    )
    for i in range(len(leaves)):
        direction = [1.0 if j == i else 0.0 for j in range(len(leaves))]
        _, tangent = jvp(on_duals(steps), leaves, direction)
        assert math.isclose(tangent, numerical[i], rel_tol=1e-4, abs_tol=1e-5)


NUMBER = st.floats(0.2, 3)
DUAL_OPERATIONS = {
    "x + y": lambda x, y: x + y,
    "x - y": lambda x, y: x - y,
    "x * y": lambda x, y: x * y,
    "x / y": lambda x, y: x / y,
    "x ** y": lambda x, y: x**y,
    "x.max(y)": lambda x, y: x.max(y),
}


SIDES = ["dual op dual", "dual op number", "number op dual"]


@pytest.mark.parametrize(
    "name, sides",
    # A number has no .max, so max takes a Dual on the left.
    [
        (n, s)
        for n in DUAL_OPERATIONS
        for s in SIDES
        if (n, s) != ("x.max(y)", SIDES[2])
    ],
)
@SETTINGS
@given(x=NUMBER, y=NUMBER, tx=st.floats(-2, 2), ty=st.floats(-2, 2))
def test_every_binary_operation_on_duals_matches_backward_in_both_orders(
    name, sides, x, y, tx, ty
):
    op = DUAL_OPERATIONS[name]
    left = Dual(x, tx) if sides != "number op dual" else x
    right = Dual(y, ty) if sides != "dual op number" else y
    out = op(left, right)
    xv, yv = Value(x), Value(y)
    expected = op(xv, yv)
    expected.backward()
    along = (tx if sides != "number op dual" else 0.0) * xv.grad
    along += (ty if sides != "dual op number" else 0.0) * yv.grad
    assert out.data == expected.data
    assert close(out.tangent, along)


@pytest.mark.parametrize("method", ["exp", "log", "tanh", "relu", "sigmoid"])
@SETTINGS
@given(x=st.floats(0.05, 5) | st.floats(-5, -0.05), t=st.floats(-2, 2))
def test_every_function_of_a_dual_matches_backward(method, x, t):
    if method == "log":
        x = abs(x)
    out = getattr(Dual(x, t), method)()
    xv = Value(x)
    expected = getattr(xv, method)()
    expected.backward()
    assert out.data == expected.data and close(out.tangent, t * xv.grad)


def test_a_dual_that_is_not_moved_has_tangent_zero_even_where_a_slope_is_infinite():
    # d sqrt(x)/dx is infinite at 0: a tangent of 0 must still give 0, not 0 * inf = nan.
    assert (Dual(0.0, 0.0) ** 0.5).tangent == 0.0
    assert (Dual(0.0, 1.0) ** 0.5).tangent == math.inf


def test_jvp_mirrors_torch_func_jvp_in_its_shapes():
    output, tangent = jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    assert (output, tangent) == (6.0, 3.0)
    outputs, tangents = jvp(lambda x: (x * x, x + 1, 5.0), [3.0], [1.0])
    assert outputs == (9.0, 4.0, 5.0) and tangents == (6.0, 1.0, 0.0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: jvp(lambda x, y: x, (1.0, 2.0), (1.0,)),
            ValueError,
            "one tangent per primal",
        ),
        (
            lambda: jvp(lambda x: "x", (1.0,), (1.0,)),
            TypeError,
            "number or a tuple of numbers",
        ),
        (lambda: Dual("a"), TypeError, "a Dual's data is a real number.*str"),
        (
            lambda: Dual(1.0, None),
            TypeError,
            "a Dual's tangent is a real number.*NoneType",
        ),
        (lambda: Dual(1.0) + Value(2.0), TypeError, "Value"),
        (lambda: Dual(2.0, 1.0) - True, TypeError, "a Dual's data .*bool True"),
        (lambda: Dual(2.0, 1.0) - "a", TypeError, "a Dual's data .*str 'a'"),
        (lambda: Dual(-1.0).log(), ValueError, r"log\(-1.0\) is undefined"),
    ],
)
def test_bad_input_to_forward_mode_says_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- The cost of each mode, counted ------------------------------------------------------


def count_duals(monkeypatch):
    """A list that gets one entry per Dual made, while the monkeypatch is in place."""
    made = []
    original = forward.Dual.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(forward.Dual, "__init__", counting)
    return made


def count_backward_steps(monkeypatch):
    """A list that gets one entry per _backward() call, while the monkeypatch is in place."""
    steps = []
    original = Value._backward

    def counting(self):
        steps.append(1)
        original(self)

    monkeypatch.setattr(Value, "_backward", counting)
    return steps


def many_inputs(*xs):
    n = len(xs)
    return sum((xs[i] * xs[(i + 1) % n]).tanh() for i in range(n))


def many_outputs(t, m):
    outputs, z = [], t
    for _ in range(m):
        z = (0.9 * z + 0.1).tanh()
        outputs.append(z)
    return tuple(outputs)


@pytest.mark.parametrize("n", [4, 16, 64])
def test_a_gradient_of_n_inputs_takes_n_forward_passes_or_one_backward(monkeypatch, n):
    xs = [0.1 * i - 0.2 for i in range(n)]
    duals = count_duals(monkeypatch)
    for i in range(n):
        jvp(many_inputs, xs, [1.0 if j == i else 0.0 for j in range(n)])
    steps = count_backward_steps(monkeypatch)
    loss = many_inputs(*[Value(x) for x in xs])
    loss.backward()
    size = len(loss._topological_order())
    # Forward mode makes a few Duals per operation, once per input: about n times the
    # work of one pass; reverse mode takes one step per value of the graph, once.
    assert len(steps) == size
    assert n * size / 2 < len(duals) < 3 * n * size


@pytest.mark.parametrize("m", [4, 16, 64])
def test_m_outputs_of_one_input_take_one_forward_pass_or_m_backwards(monkeypatch, m):
    duals = count_duals(monkeypatch)
    jvp(lambda t: many_outputs(t, m), (0.3,), (1.0,))
    steps = count_backward_steps(monkeypatch)
    start = Value(0.3)
    outputs = many_outputs(start, m)
    for output in outputs:
        output.backward()
    size = len(outputs[-1]._topological_order())
    # One forward pass: a few Duals per operation. The k-th backward walks the k steps of
    # the recurrence behind the k-th output: about m/2 times the graph in all.
    assert len(duals) < 3 * size
    assert m * size / 3 < len(steps) < m * size


# --- grad, with and without create_graph ---------------------------------------------------


@SETTINGS
@given(graph=graphs(max_steps=12))
def test_grad_gives_what_backward_gives_and_leaves_every_grad_alone(graph):
    leaves, steps = graph
    assume(bounded(graph))
    values = [Value(x) for x in leaves]
    output = on_values(steps)(*values)
    gradient = grad(output, values)
    assert all(v.grad == 0.0 for v in output._topological_order())
    output.backward()
    assert all(close(g, v.grad) for g, v in zip(gradient, values, strict=True))


def second_derivatives_by_nudging(steps, leaves, h=1e-5):
    """Central differences of backward()'s gradient: the Hessian, row by row."""
    rows = []
    for i, x in enumerate(leaves):
        up = gradient_by_backward(steps, [*leaves[:i], x + h, *leaves[i + 1 :]])
        down = gradient_by_backward(steps, [*leaves[:i], x - h, *leaves[i + 1 :]])
        rows.append([(u - d) / (2 * h) for u, d in zip(up, down, strict=True)])
    return rows


@settings(max_examples=examples(60), deadline=None)
@given(graph=graphs(max_steps=8))
def test_grad_of_grad_agrees_with_nudging_the_gradient(graph):
    leaves, steps = graph
    assume(smooth_graph(graph))
    values = [Value(x) for x in leaves]
    first = grad(on_values(steps)(*values), values, create_graph=True)
    assert all(
        close(f.data, b)
        for f, b in zip(first, gradient_by_backward(steps, leaves), strict=True)
    )
    expected = second_derivatives_by_nudging(steps, leaves)
    for i, derivative in enumerate(first):
        row = grad(derivative, values)
        for j, got in enumerate(row):
            assert math.isclose(got, expected[i][j], rel_tol=1e-4, abs_tol=1e-4), (i, j)


@SETTINGS
@given(graph=graphs(max_steps=10), data=st.data())
def test_both_hessian_vector_products_agree(graph, data):
    leaves, steps = graph
    assume(smooth_graph(graph))
    tangents = data.draw(
        st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves))
    )
    output, product = hvp(on_values(steps), leaves, tangents)
    values = [Value(x) for x in leaves]
    gradient = grad(on_values(steps)(*values), values, create_graph=True)
    directional = Value.sum([g * t for g, t in zip(gradient, tangents, strict=True)])
    expected = grad(directional, values)
    assert output == evaluate(steps, leaves, ON_FLOATS)[-1] or close(
        output, evaluate(steps, leaves, ON_FLOATS)[-1]
    )
    assert all(close(a, b, abs_=1e-9) for a, b in zip(product, expected, strict=True))


def test_second_derivatives_at_a_zero_exponent_keep_the_exponents_part():
    # f = (1 + a*a) ** tanh(b) at a = 1, b = 0, where the exponent is exactly 0: the slope in a,
    # tanh(b) * (1 + a*a) ** (tanh(b) - 1) * 2a, is 0 there, but its slope in b is 1.
    def f(b, a):
        return (1 + a * a) ** b.tanh()

    values = [Value(0.0), Value(1.0)]
    gradient = grad(f(*values), values, create_graph=True)
    assert gradient[0].data == math.log(2) and gradient[1].data == 0.0
    assert grad(gradient[1], values) == [1.0, 0.0]
    assert hvp(f, [0.0, 1.0], [0.0, 1.0]) == (1.0, (1.0, 0.0))
    # A base whose reciprocal is not a float: the slope at exponent 0 is still 0, not nan.
    tiny = Value(1e-310)
    (tiny**0).backward()
    assert tiny.grad == 0.0


def test_the_second_derivative_of_the_books_parabola():
    x = Value(3.0)
    (slope,) = grad(3 * x * x - 4 * x + 5, [x], create_graph=True)
    (curvature,) = grad(slope, [x], create_graph=True)
    assert (slope.data, curvature.data, grad(curvature, [x])[0]) == (14.0, 6.0, 0.0)
    slope.backward()
    assert x.grad == 6.0


def test_grad_takes_one_value_or_a_list_and_gives_zero_for_an_unused_input():
    x, unused = Value(2.0), Value(5.0)
    assert grad(x * x, x) == [4.0]
    assert grad(x * x, [x, unused]) == [4.0, 0.0]
    (zero,) = grad(x * x, [unused], create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0


def test_a_hessian_vector_product_of_a_quadratic_is_exact():
    output, product = hvp(
        lambda x, y: x * x + 3 * x * y + 2 * y * y, (0.7, -1.3), (1.0, 2.0)
    )
    assert product == (8.0, 11.0)
    assert hvp(lambda x: 7.0, (1.0,), (1.0,)) == (7.0, (0.0,))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: grad(3.0, [Value(1.0)]),
            TypeError,
            "differentiates a Value, got float",
        ),
        (lambda: grad(Value(1.0) * 2, [1.0]), TypeError, "input 0 of grad is a float"),
        (
            lambda: hvp(lambda x: x, (1.0, 2.0), (1.0,)),
            ValueError,
            "one tangent per primal",
        ),
        (
            lambda: hvp(lambda x, y: (x * y, x), (1.0, 2.0), (1.0, 0.0)),
            TypeError,
            "hvp's function must return one number, got tuple",
        ),
    ],
)
def test_bad_input_to_grad_and_hvp_says_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_grad_refuses_a_value_made_with_a_backward_closure_instead_of_guessing():
    x = Value(2.0)
    cube = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * cube.grad

    cube._backward = _backward
    (cube * 2).backward()  # backward() runs the closure ...
    assert x.grad == 24.0
    with pytest.raises(RuntimeError, match="'cube' has no local derivatives"):
        grad(cube * 2, [x])  # ... grad() cannot differentiate it


class DoubledGradient(Value):
    """A subclass whose _backward follows a rule of its own: twice the chain rule."""

    def _backward(self):
        local_grads = self._local_grads(self, *self._prev)
        for child, local_grad in zip(self._prev, local_grads, strict=True):
            child.grad += 2 * local_grad * self.grad


def _cube_local_grads(out, x):
    return (3 * x.data**2,)


def test_grad_refuses_a_value_with_a_backward_of_its_own_beside_its_formula():
    """backward() follows the _backward; grad() would follow the formula: it refuses."""
    x = Value(2.0)
    on_the_value = Value(x.data**3, (x,), "cube", _cube_local_grads)
    on_the_value._backward = lambda: None
    in_a_subclass = DoubledGradient(x.data**3, (x,), "cube", _cube_local_grads)
    in_a_subclass.backward()
    assert x.grad == 24.0  # the subclass's rule, not the formula's 12
    for value in [on_the_value, in_a_subclass]:
        with pytest.raises(RuntimeError, match="'cube' has a _backward of its own"):
            grad(value * 2, [x])
        with pytest.raises(RuntimeError, match="'cube' has a _backward of its own"):
            hvp(lambda v, value=value: v * value, [1.0], [1.0])


@pytest.mark.parametrize(
    "local_grads",
    [lambda out, x: 1.0, lambda out, x: (), lambda out, x: (1.0, 1.0)],
    ids=["a bare number", "too few", "too many"],
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_and_hvp_name_local_grads_not_one_per_input(local_grads, create_graph):
    """The same error as backward() gives, not Python's 'not iterable' or zip's length."""
    named = "_local_grads of 'copy' returned .* has 1 input"
    x = Value(2.0)
    copy = Value(x.data, (x,), "copy", local_grads)
    with pytest.raises(TypeError, match=named):
        grad(copy * 2, [x], create_graph=create_graph)
    with pytest.raises(TypeError, match=named):
        hvp(lambda v: Value(v.data, (v,), "copy", local_grads) * 2, [1.0], [1.0])
