"""The engine against calculus: every operator's value and gradient, on random inputs.

Gradients are checked twice: with `micrograd.gradcheck`, and with the finite-difference
helper below, which works on plain floats and the `math` module. So a bug in gradcheck, or
in the engine's forward pass, cannot hide a bug in backward().
"""

import gc
import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value
from micrograd.gradcheck import gradcheck

from budget import examples
from numerical import finite_difference_gradient
from random_graphs import ON_FLOATS, ON_VALUES, evaluate, graphs, moderate, sigmoid

# Inputs kept inside each operator's domain, and small enough for finite differences.
REAL = st.floats(-10, 10)
POSITIVE = st.floats(0.1, 10)
# Away from zero: for dividing, and for relu, whose slope jumps at 0.
NONZERO = st.floats(0.1, 10) | st.floats(-10, -0.1)

SETTINGS = settings(max_examples=examples(100), deadline=None)


def assert_gradient_matches(values, f_on_floats, inputs, rel=1e-5, abs_=1e-6):
    expected = finite_difference_gradient(f_on_floats, inputs)
    for i, (value, numerical) in enumerate(zip(values, expected, strict=True)):
        assert math.isclose(value.grad, numerical, rel_tol=rel, abs_tol=abs_), (
            f"input {i} at {inputs}: backward() gives {value.grad}, "
            f"finite differences give {numerical}"
        )


class Operator(NamedTuple):
    name: str
    on_values: Callable  # Values in, a Value out: what is tested
    on_floats: Callable  # the same function on floats, with `math`: the reference
    domains: tuple  # a strategy per input


OPERATORS = [
    Operator("a + b", lambda a, b: a + b, lambda a, b: a + b, (REAL, REAL)),
    Operator("a - b", lambda a, b: a - b, lambda a, b: a - b, (REAL, REAL)),
    Operator("-a", lambda a: -a, lambda a: -a, (REAL,)),
    Operator("a * b", lambda a, b: a * b, lambda a, b: a * b, (REAL, REAL)),
    Operator("a / b", lambda a, b: a / b, lambda a, b: a / b, (REAL, NONZERO)),
    Operator("a ** 3", lambda a: a**3, lambda a: a**3, (REAL,)),
    Operator("a ** -2", lambda a: a**-2, lambda a: a**-2, (NONZERO,)),
    Operator("a ** 0.5", lambda a: a**0.5, math.sqrt, (POSITIVE,)),
    Operator("a ** -1.5", lambda a: a**-1.5, lambda a: a**-1.5, (POSITIVE,)),
    Operator("a ** b", lambda a, b: a**b, math.pow, (POSITIVE, st.floats(-3, 3))),
    Operator("2 ** a", lambda a: 2**a, lambda a: 2.0**a, (REAL,)),
    Operator("2 + a", lambda a: 2 + a, lambda a: 2 + a, (REAL,)),
    Operator("2 - a", lambda a: 2 - a, lambda a: 2 - a, (REAL,)),
    Operator("2 * a", lambda a: 2 * a, lambda a: 2 * a, (REAL,)),
    Operator("2 / a", lambda a: 2 / a, lambda a: 2 / a, (NONZERO,)),
    Operator("exp", lambda a: a.exp(), math.exp, (REAL,)),
    Operator("log", lambda a: a.log(), math.log, (st.floats(0.01, 100),)),
    Operator("tanh", lambda a: a.tanh(), math.tanh, (REAL,)),
    Operator("relu", lambda a: a.relu(), lambda a: max(a, 0.0), (NONZERO,)),
    Operator("sigmoid", lambda a: a.sigmoid(), sigmoid, (REAL,)),
]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
@SETTINGS
@given(data=st.data())
def test_operator_value_and_gradient(op, data):
    inputs = [
        data.draw(domain, label=f"input {i}") for i, domain in enumerate(op.domains)
    ]
    values = [Value(x) for x in inputs]
    out = op.on_values(*values)

    assert isinstance(out, Value)
    # abs_tol: subnormal results (from inputs like 5e-324) keep too few digits for rel_tol.
    assert math.isclose(out.data, op.on_floats(*inputs), rel_tol=1e-12, abs_tol=1e-300)
    out.backward()
    assert_gradient_matches(values, op.on_floats, inputs)
    assert gradcheck(op.on_values, inputs)


@SETTINGS
@given(base=POSITIVE, exponent=st.floats(-4, 4))
def test_power_with_any_number_exponent(base, exponent):
    x = Value(base)
    out = x**exponent
    assert math.isclose(out.data, base**exponent, rel_tol=1e-12)
    out.backward()
    assert_gradient_matches([x], lambda b: b**exponent, [base])
    assert gradcheck(lambda b: b**exponent, [base])


@SETTINGS
@given(base=st.floats(-5, -0.1), exponent=st.integers(-3, 3).map(float))
def test_power_of_a_negative_base_with_a_whole_exponent(base, exponent):
    x, y = Value(base), Value(exponent)
    out = x**y
    assert out.data == base**exponent
    out.backward()
    assert_gradient_matches([x], lambda b: b**exponent, [base])
    # d(b ** y)/dy = b ** y * ln(b) has no real value for b < 0: NaN, as in PyTorch.
    assert math.isnan(y.grad)


@pytest.mark.parametrize("exponent", [0.0, 0.5, 1.0, 2.0, 3.5])
def test_power_of_zero_has_zero_slope_in_the_exponent(exponent):
    # 0 ** y is 0 (or 1 at y = 0) for every y >= 0 nearby: PyTorch also gives 0, not NaN.
    x, y = Value(0.0), Value(exponent)
    (x**y).backward()
    assert y.grad == 0.0


# --- Random expression graphs in which nodes are used more than once ------------------


def assume_smooth_and_moderate(steps, leaves):
    """Skip graphs that finite differences cannot check: relu at its kink, or huge values."""
    assume(moderate(steps, leaves))
    nodes = evaluate(steps, leaves, ON_FLOATS)
    relu_inputs = [nodes[operands[0]] for step, operands in steps if step == "relu(a)"]
    assume(all(abs(x) > 1e-3 for x in relu_inputs))


@SETTINGS
@given(graph=graphs())
def test_random_graphs_with_reused_nodes(graph):
    leaves, steps = graph
    assume_smooth_and_moderate(steps, leaves)

    values = [Value(x) for x in leaves]
    out = evaluate(steps, values, ON_VALUES)[-1]
    assert math.isclose(
        out.data, evaluate(steps, leaves, ON_FLOATS)[-1], rel_tol=1e-9, abs_tol=1e-12
    )
    out.backward()

    def on_floats(*xs):
        return evaluate(steps, xs, ON_FLOATS)[-1]

    assert_gradient_matches(values, on_floats, leaves)
    assert gradcheck(lambda *xs: evaluate(steps, xs, ON_VALUES)[-1], leaves)


# --- Karpathy's API and README example ----------------------------------------------


# `_prev` is a set in karpathy's engine and a tuple here: code that iterates over it or
# tests membership works with both, so that is what the first of these tests relies on.


def test_value_has_karpathys_attributes():
    a, b = Value(2.0, label="a"), Value(-3.0)
    c = Value(5.0, _children=(a, b), _op="+", label="c")
    assert (a.data, a.grad, a.label, a._op, set(a._prev)) == (2.0, 0.0, "a", "", set())
    assert isinstance(a.grad, float)
    assert b.label == ""
    assert set(c._prev) == {a, b} and c._op == "+" and c.label == "c"


def test_repr_shows_data_and_grad():
    x = Value(2.0)
    assert repr(x) == "Value(data=2.0, grad=0.0)"
    (x * 3).backward()
    assert repr(x) == "Value(data=2.0, grad=3.0)"


def test_operations_record_their_inputs_and_name():
    a, b = Value(2.0), Value(3.0)
    assert set((a + b)._prev) == {a, b} and (a + b)._op == "+"
    assert set((a * b)._prev) == {a, b} and (a * b)._op == "*"
    assert set((a**2)._prev) == {a} and (a**2)._op == "**2"
    assert set((a**b)._prev) == {a, b}
    for name in ["exp", "log", "tanh", "sigmoid"]:
        out = getattr(a, name)()
        assert set(out._prev) == {a} and out._op == name
    assert set(a.relu()._prev) == {a} and a.relu()._op == "ReLU"


def karpathy_readme_example():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


def test_karpathys_readme_example():
    a, b, g = karpathy_readme_example()
    g.backward()
    # The numbers printed in micrograd's README.
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


@SETTINGS
@given(
    numbers=st.lists(
        st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0]), min_size=1
    )
)
def test_sum_is_a_chain_of_plus_to_the_last_bit(numbers):
    """Value.sum adds left to right as + would, so even a sum of -0.0s keeps its sign."""
    terms = [Value(x) for x in numbers]
    chain = terms[0]
    for term in terms[1:]:
        chain = chain + term
    one_node = Value.sum(terms)
    assert repr(one_node.data) == repr(chain.data)  # bit for bit: -0.0, inf and nan too
    one_node.backward()
    assert all(t.grad == 1.0 for t in terms)


def test_the_sum_of_no_values_is_zero():
    assert repr(Value.sum([]).data) == "0.0"


# --- Gradients accumulate ---------------------------------------------------------------


def test_a_value_used_twice_gets_both_gradients():
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0
    y = Value(3.0)
    (y * y).backward()
    assert y.grad == 6.0


def test_backward_twice_doubles_the_gradients():
    a, b, g = karpathy_readme_example()
    g.backward()
    once = (a.grad, b.grad)
    g.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * once[0], 2 * once[1]), rel=1e-12)


def test_backward_twice_doubles_the_gradient_through_a_chain():
    x = Value(3.0)
    twice_x = x * 2
    y = twice_x * 3
    y.backward()
    assert x.grad == 6.0
    y.backward()
    assert x.grad == 12.0
    # A value in between holds d(y)/d(it) from the last call only, as its docstring says.
    assert twice_x.grad == 3.0


def test_backward_on_a_million_node_chain():
    additions = 500_000  # each adds two nodes: the sum, and the constant 1.0 it adds
    # Every value refers to its inputs, so the cycle collector would scan the growing chain
    # again and again and find no garbage: pausing it saves seconds and changes no result.
    gc.disable()
    try:
        leaf = x = Value(0.0)
        for _ in range(additions):
            x = x + 1.0
        x.backward()  # a recursive topological sort would exceed the recursion limit
    finally:
        gc.enable()
    assert x.data == additions
    assert leaf.grad == 1.0


# --- Bad input and the edges of each operator's domain ------------------------------------


@pytest.mark.parametrize(
    "make, type_name",
    [
        (lambda: Value("a"), "str"),
        (lambda: Value(None), "NoneType"),
        (lambda: Value(1j), "complex"),
        (lambda: Value(1) + "a", "str"),
        (lambda: "a" + Value(1), "str"),
        (lambda: Value(1) * None, "NoneType"),
        (lambda: Value(2) ** "a", "str"),
    ],
)
def test_non_numbers_raise_type_error_naming_the_type(make, type_name):
    with pytest.raises(TypeError, match=type_name):
        make()


@pytest.mark.parametrize("x", [0, 0.0, -0.0, -1, -2.5, -1e300])
def test_log_of_a_non_positive_number_raises(x):
    with pytest.raises(ValueError) as error:
        Value(x).log()
    assert "log" in str(error.value) and str(x) in str(error.value)


@pytest.mark.parametrize(
    "power",
    [
        lambda: Value(-8) ** (1 / 3),
        lambda: Value(-8) ** Value(1 / 3),
        lambda: (-8) ** Value(1 / 3),
    ],
)
def test_fractional_power_of_a_negative_number_raises(power):
    # Python's (-8) ** (1/3) is a complex number; a Value must hold a real one.
    with pytest.raises(ValueError, match="-8"):
        power()


@SETTINGS
@given(base=st.floats(-10, -1e-3), exponent=st.floats(-3, 3))
def test_no_power_of_a_negative_number_is_complex(base, exponent):
    assume(exponent != int(exponent))
    with pytest.raises(ValueError):
        Value(base) ** exponent


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1) / 0,
        lambda: Value(1) / 0.0,
        lambda: Value(1) / Value(0),
        lambda: 1 / Value(0.0),
        lambda: Value(0) ** -1,
        lambda: Value(0.0) ** -0.5,
        lambda: Value(0) ** Value(-1),
    ],
)
def test_dividing_by_zero_raises(divide):
    with pytest.raises(ZeroDivisionError):
        divide()


def test_exp_overflows_to_infinity_like_a_float_product():
    assert Value(1000).exp().data == math.inf == (Value(1e200) * 1e200).data


@pytest.mark.parametrize("x, limit", [(1000, 1.0), (-1000, -1.0)])
def test_tanh_saturates_without_overflow(x, limit):
    v = Value(x)
    out = v.tanh()
    assert out.data == limit
    out.backward()
    assert v.grad == 0.0


@pytest.mark.parametrize("x, limit", [(1000, 1.0), (-1000, 0.0)])
def test_sigmoid_saturates_without_overflow(x, limit):
    v = Value(x)
    out = v.sigmoid()
    assert out.data == limit
    out.backward()
    assert math.isfinite(v.grad) and v.grad == 0.0


# --- numpy scalars --------------------------------------------------------------------


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
@pytest.mark.parametrize("numpy_type", ["float64", "int64"])
@settings(max_examples=examples(20), deadline=None)
@given(data=st.data())
def test_numpy_scalars_work_like_python_numbers(op, numpy_type, data):
    np = pytest.importorskip("numpy")
    # Small positive whole numbers lie in every operator's domain, and fit an int64.
    inputs = [data.draw(st.integers(1, 5), label=f"input {i}") for i in op.domains]
    as_python = [Value(float(x) if numpy_type == "float64" else x) for x in inputs]
    as_numpy = [Value(getattr(np, numpy_type)(x)) for x in inputs]

    expected, got = op.on_values(*as_python), op.on_values(*as_numpy)
    assert got.data == pytest.approx(expected.data, rel=1e-12)
    expected.backward()
    got.backward()
    for python_value, numpy_value in zip(as_python, as_numpy, strict=True):
        assert numpy_value.grad == pytest.approx(python_value.grad, rel=1e-12)


@pytest.mark.parametrize("make", [lambda np: np.True_, lambda np: np.bool_(False)])
def test_a_numpy_bool_is_refused_like_a_python_bool(make):
    np = pytest.importorskip("numpy")
    flag = make(np)
    with pytest.raises(TypeError) as numpy_error:
        Value(flag)
    with pytest.raises(TypeError) as python_error:
        Value(bool(flag))
    for error in numpy_error, python_error:
        assert str(error.value).startswith(
            "a Value holds a number, not a bool: for 0 or 1"
        )
    assert f"pass float({flag!r})" in str(numpy_error.value)


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_an_array_of_one_number_is_refused_pointing_to_item(library):
    module = pytest.importorskip(library)
    array = module.tensor(2.0) if library == "torch" else module.array(2.0)
    with pytest.raises(TypeError) as error:
        Value(array)
    assert str(error.value).startswith("a Value holds a real number")
    assert str(error.value).endswith(
        "for the number in an array or tensor, pass x.item()"
    )
    assert Value(array.item()).data == 2.0


def test_a_fraction_too_large_for_a_float_is_refused_with_the_same_advice():
    with pytest.raises(OverflowError) as error:
        Value(Fraction(10**400, 3))
    message = str(error.value)
    assert "this Fraction is too large for a float" in message
    assert "pass math.inf" in message


def test_a_string_is_refused_without_the_advice_for_arrays():
    with pytest.raises(TypeError) as error:
        Value("2")
    assert (
        str(error.value) == "a Value holds a real number, such as 2 or 0.5; got str '2'"
    )


def test_an_int_too_large_for_a_float_is_refused_saying_how_large_and_what_to_pass():
    with pytest.raises(OverflowError) as error:
        Value(10**400)
    message = str(error.value)
    assert "an int of 1329 bits is too large for a float" in message
    assert "pass math.inf" in message


@pytest.mark.parametrize("numpy_type", ["float64", "int64"])
@pytest.mark.parametrize(
    "divide",
    [
        lambda zero: Value(zero) ** -1,
        lambda zero: Value(1) / Value(zero),
        lambda zero: 1 / Value(zero),
        lambda zero: Value(1) / zero,
    ],
    ids=["Value(0) ** -1", "Value(1) / Value(0)", "1 / Value(0)", "Value(1) / 0"],
)
def test_dividing_by_a_numpy_zero_raises_like_a_python_zero(numpy_type, divide):
    np = pytest.importorskip("numpy")
    # numpy's own 0.0 ** -1 is inf with a warning: the engine must not let that through.
    with pytest.raises(ZeroDivisionError):
        divide(getattr(np, numpy_type)(0))


def test_a_power_too_big_for_a_float_is_infinite_with_its_sign_and_so_is_its_slope():
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(1e200) ** Value(2.0)).data == math.inf
    x = Value(1e-200)
    (1 / x).backward()  # d(1/x)/dx = -1/x**2, beyond the largest float
    assert x.grad == -math.inf


# --- Where floats get hard: quotients, zero slopes, overflow, nan ---------------------------


@pytest.mark.parametrize(
    "divide",
    [
        lambda x, y: Value(x) / Value(y),
        lambda x, y: Value(x) / y,
        lambda x, y: x / Value(y),
    ],
    ids=["Value / Value", "Value / number", "number / Value"],
)
def test_a_quotient_is_exact_where_the_reciprocal_of_the_divisor_overflows(divide):
    # 1 / 1e-310 is beyond the largest float, but 1e-300 / 1e-310 is 1e10.
    assert divide(1e-300, 1e-310).data == 1e-300 / 1e-310


@pytest.mark.parametrize(
    "x, y, slope_x, slope_y",
    [
        (0.0, 1e-200, 1e200, 0.0),  # as -x / y**2, 0 / 0 (y**2 underflows): nan
        (1e-200, 1e-200, 1e200, -1e200),  # as -x / y**2, -1e-200 / 0: -inf
        (1e200, 1e200, 1e-200, -1e-200),  # as -x / y**2, 1e200 / inf: 0
    ],
)
def test_the_slopes_of_a_quotient_hold_at_the_edges_of_the_float_range(
    x, y, slope_x, slope_y
):
    a, b = Value(x), Value(y)
    (a / b).backward()
    assert math.isclose(a.grad, slope_x) and math.isclose(b.grad, slope_y)


def test_x_over_x_squared_at_a_tiny_x_has_the_slope_minus_one_over_x_squared():
    x = Value(8.6e-101)
    (x / (x * x)).backward()
    assert math.isclose(x.grad, -1 / 8.6e-101**2)  # about -1.35e200, not -inf


@pytest.mark.parametrize(
    "f, x",
    [
        # relu's slope at -1 is 0; the power's slope in its exponent, ln(-1), is not real.
        (lambda x: x ** x.relu(), -1.0),
        # relu's slope at log(5e-324) = -744 is 0; log's slope there, 1/5e-324, overflows.
        (lambda x: x.log().relu(), 5e-324),
    ],
    ids=["x ** relu(x) at -1", "relu(log(x)) at 5e-324"],
)
def test_a_zero_slope_passes_nothing_on_not_even_an_infinite_or_nan_one(f, x):
    v = Value(x)
    f(v).backward()
    assert v.grad == 0.0


def test_every_result_too_large_for_a_float_is_infinite_whatever_the_operation():
    assert (Value(1e200) * 1e200).data == math.inf
    assert (Value(1e200) ** 2).data == math.inf  # Python's 1e200 ** 2 raises instead
    assert (Value(1000.0).exp()).data == math.inf  # and so does math.exp(1000)
    assert (Value(-1e200) ** 3).data == -math.inf
    huge = Value(10) ** 400  # a float, not Python's exact int of 401 digits
    assert type(huge.data) is float and (huge + 1.0).data == math.inf
    # A whole exponent is a float too, so this takes no time (as an int it would compute
    # all 477 million digits of the answer).
    assert (Value(3) ** 10**9).data == math.inf


def test_an_exponent_too_large_for_a_float_is_refused_saying_so():
    with pytest.raises(OverflowError, match="exponent.*too large for a float"):
        Value(2.0) ** 10**5000  # more digits than Python will turn into a string


@pytest.mark.parametrize(
    "base, exponent, expected",
    [(-0.5, math.inf, 0.0), (-2.0, math.inf, math.inf), (-1.0, math.inf, 1.0)]
    + [(-2.0, -math.inf, 0.0), (-0.5, -math.inf, math.inf)],
)
def test_an_infinite_exponent_of_a_negative_base_gives_ieees_answer(
    base, exponent, expected
):
    # IEEE 754 (and C, Python's float, PyTorch) count an infinite exponent as even.
    assert (Value(base) ** exponent).data == expected == base**exponent
    assert (Value(base) ** Value(exponent)).data == expected


@pytest.mark.parametrize("base", [-2.0, 0.0, 2.0])
def test_a_nan_exponent_gives_nan_and_is_no_error(base):
    assert math.isnan((Value(base) ** math.nan).data)


def test_max_with_a_nan_is_nan_and_passes_its_gradient_to_both_inputs():
    for x, y in [(math.nan, 1.0), (1.0, math.nan)]:
        a, b = Value(x), Value(y)
        out = a.max(b)
        out.backward()
        assert math.isnan(out.data)  # Python's max(1.0, nan) would be 1.0
        assert (a.grad, b.grad) == (1.0, 1.0)  # as PyTorch's maximum


def test_relu_of_a_nan_is_nan_and_lets_the_gradient_through():
    x = Value(math.nan)
    out = x.relu()
    out.backward()
    assert math.isnan(out.data) and x.grad == 1.0  # as PyTorch: nan is not <= 0


@pytest.mark.parametrize("bad", ["a", None, True, 1j])
def test_subtracting_a_non_number_is_refused_as_adding_one_is(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) - bad


# --- Code written for karpathy's micrograd --------------------------------------------------


def test_the_lectures_manual_backpropagation_node_by_node():
    # The Zero-to-Hero lecture's neuron, backpropagated one _backward() at a time.
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in [o, n, b, x1w1x2w2, x2w2, x1w1, x1, w1, x2, w2]:
        node._backward()
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert n.grad == pytest.approx(0.5)
    assert (x1.grad, w1.grad) == (pytest.approx(-1.5), pytest.approx(1.0))
    assert (x2.grad, w2.grad) == (pytest.approx(0.5), 0.0)


def cube_karpathys_way(cls, x):
    """An operation added as karpathy's micrograd adds them: a _backward closure."""
    out = cls(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


class SubclassedValue(Value):
    def cube(self):
        return cube_karpathys_way(SubclassedValue, self)


@pytest.mark.parametrize(
    "make, cube",
    [
        (Value, lambda x: cube_karpathys_way(Value, x)),
        (SubclassedValue, lambda x: x.cube()),
    ],
    ids=["plain", "subclass"],
)
def test_a_custom_operation_with_a_backward_closure_gets_the_right_gradient(make, cube):
    x = make(1.0)
    y = cube(x) * 2  # d(2x**3)/dx = 6x**2 = 6 at x = 1
    y.backward()
    assert x.grad == 6.0
    z = make(2.0)
    (cube(z) + cube(z)).backward()  # a custom node used twice, in one graph
    assert z.grad == 24.0


def test_a_value_made_by_hand_with_inputs_but_no_derivatives_refuses_to_guess():
    x = Value(2.0)
    y = Value(x.data**3, (x,), "cube")
    with pytest.raises(RuntimeError, match="'cube'.*no local derivatives"):
        (y * 2).backward()


@pytest.mark.parametrize(
    "local_grads",
    [
        lambda out, x, y: 1.0,
        lambda out, x, y: (1.0,),
        lambda out, x, y: (1.0, 1.0, 1.0),
    ],
    ids=["a bare number", "too few", "too many"],
)
def test_local_derivatives_not_one_per_input_are_named_as_such(local_grads):
    x, y = Value(2.0), Value(3.0)
    out = Value(x.data + y.data, (x, y), "plus", local_grads)
    with pytest.raises(
        TypeError, match="_local_grads of 'plus' returned .* has 2 input"
    ):
        out.backward()


@pytest.mark.parametrize(
    "not_a_value, named", [(3.0, "a float (3.0)"), ([3.0], "a list ([3.0])")]
)
def test_an_input_that_is_not_a_value_is_named_by_backward(not_a_value, named):
    """Deep in the graph, and also when it cannot be hashed, as a list cannot."""
    x = Value(2.0)
    by_hand = Value(6.0, (x, not_a_value), "f", lambda out, x, y: (3.0, 2.0))
    with pytest.raises(TypeError, match=re.escape(f"'f' has an input that is {named}")):
        (by_hand * x + 1).backward()


def test_a_failure_inside_right_shaped_local_derivatives_keeps_its_own_error():
    x = Value(2.0)
    out = Value(x.data, (x,), "copy", lambda out, x: ("one",))
    with pytest.raises(TypeError, match="can't multiply sequence"):
        out.backward()


def test_values_keep_attributes_set_by_user_code_such_as_an_optimizers_state():
    p = Value(1.0)
    p.m, p.v = 0.0, 0.0  # Adam's running averages, stored on the parameter
    for _ in range(3):
        p.grad = 0.0
        (p * p).backward()
        p.m = 0.9 * p.m + 0.1 * p.grad
        p.v = 0.999 * p.v + 0.001 * p.grad**2
        p.data -= 0.01 * p.m / (p.v**0.5 + 1e-8)
    assert p.m > 0 and p.v > 0 and p.data < 1.0


def test_relabelling_an_operation_for_a_picture_keeps_its_gradients():
    a, b = Value(2.0), Value(-3.0)
    product = a * b
    product._op = "times"  # _op is only for pictures
    product.label = "a·b"
    (product + 1).backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_a_leafs_backward_does_nothing_and_an_operations_passes_its_gradient_once():
    a, b = Value(2.0), Value(5.0)
    a._backward()
    assert a.grad == 0.0
    product = a * b
    product.grad = 1.0
    product._backward()
    assert (a.grad, b.grad) == (5.0, 2.0)
