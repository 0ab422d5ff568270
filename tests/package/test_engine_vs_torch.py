"""The engine against PyTorch in float64: values and gradients of every operator and of
random expression graphs that reuse nodes, agreeing to about 1e-9 relative."""

import math
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value

from budget import examples
from random_graphs import ON_VALUES, evaluate, graphs

# Only where PyTorch has a wheel: elsewhere CI deselects these tests with -m "not torch".
pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=examples(100), deadline=None)

# Wide ranges: both libraries use the same formulas, so they should agree far from 0 too.
REAL = st.floats(-1e6, 1e6)
NONZERO = st.floats(1e-6, 1e6) | st.floats(-1e6, -1e-6)


# Below about 1e-308 floats are subnormal and keep few digits, so two formulas for the
# same number (a * b**-1 and a / b) may round differently there by far more than 1e-9.
SUBNORMAL_NOISE = 1e-300


def assert_close(got, expected, what, abs_tol=SUBNORMAL_NOISE):
    # Both NaN counts as agreeing: d(b ** y)/dy is NaN for b < 0 in both libraries.
    assert (math.isnan(got) and math.isnan(expected)) or math.isclose(
        got, expected, rel_tol=1e-9, abs_tol=abs_tol
    ), f"{what}: micrograd gives {got}, PyTorch gives {expected}"


def assert_agrees_with_torch(
    f, inputs, value_abs_tol=SUBNORMAL_NOISE, gradient_abs_tol=SUBNORMAL_NOISE
):
    """Run `f` on Values and on float64 tensors; compare the output and every gradient."""
    values = [Value(x) for x in inputs]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out, expected = f(*values), f(*tensors)
    assert_close(out.data, expected.item(), f"value at {inputs}", value_abs_tol)
    out.backward()
    expected.backward()
    for i, (value, tensor) in enumerate(zip(values, tensors, strict=True)):
        # An input the output does not depend on has grad None in PyTorch.
        torch_grad = 0.0 if tensor.grad is None else tensor.grad.item()
        what = f"gradient {i} at {inputs}"
        assert_close(value.grad, torch_grad, what, gradient_abs_tol)


class Operator(NamedTuple):
    name: str
    function: Callable  # written so that it runs on Values and on tensors alike
    domains: tuple  # a strategy per input
    # tanh' = 1 - t*t and sigmoid' = s * (1 - s) subtract from 1, so they are only good to
    # about one rounding error of 1 (2.2e-16), however tiny the gradient: where tanh(x)
    # rounds differently in the two libraries, that much is all they can agree on.
    gradient_abs_tol: float = SUBNORMAL_NOISE


OPERATORS = [
    Operator("a + b", lambda a, b: a + b, (REAL, REAL)),
    Operator("a - b", lambda a, b: a - b, (REAL, REAL)),
    Operator("-a", lambda a: -a, (REAL,)),
    Operator("a * b", lambda a, b: a * b, (REAL, REAL)),
    Operator("a / b", lambda a, b: a / b, (REAL, NONZERO)),
    Operator("a ** 3", lambda a: a**3, (st.floats(-1e3, 1e3),)),
    Operator("a ** -2", lambda a: a**-2, (st.floats(1e-3, 1e3),)),
    Operator("a ** 0.5", lambda a: a**0.5, (st.floats(1e-6, 1e6),)),
    Operator("a ** b", lambda a, b: a**b, (st.floats(1e-3, 1e3), st.floats(-5, 5))),
    Operator("2 ** a", lambda a: 2**a, (st.floats(-100, 100),)),
    Operator("2 + a", lambda a: 2 + a, (REAL,)),
    Operator("2 - a", lambda a: 2 - a, (REAL,)),
    Operator("2 * a", lambda a: 2 * a, (REAL,)),
    Operator("2 / a", lambda a: 2 / a, (NONZERO,)),
    Operator("exp", lambda a: a.exp(), (st.floats(-700, 700),)),
    Operator("log", lambda a: a.log(), (st.floats(1e-300, 1e300),)),
    Operator("tanh", lambda a: a.tanh(), (st.floats(-1000, 1000),), 4e-16),
    Operator("sigmoid", lambda a: a.sigmoid(), (st.floats(-1000, 1000),), 4e-16),
    # Including 0, where both libraries take relu's slope to be 0.
    Operator("relu", lambda a: a.relu(), (st.floats(-10, 10),)),
]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
@SETTINGS
@given(data=st.data())
def test_operator_agrees_with_torch(op, data):
    inputs = [
        data.draw(domain, label=f"input {i}") for i, domain in enumerate(op.domains)
    ]
    assert_agrees_with_torch(op.function, inputs, gradient_abs_tol=op.gradient_abs_tol)


@SETTINGS
@given(base=st.floats(1e-3, 1e3), exponent=st.floats(-5, 5))
def test_power_with_any_number_exponent_agrees_with_torch(base, exponent):
    assert_agrees_with_torch(lambda b: b**exponent, [base])


# Where x ** y is defined but its slope is not ordinary, as PyTorch defines it: a negative
# base with a whole exponent (the y-gradient is NaN), a zero base with an exponent >= 0
# (the x-gradient is inf for y < 1, the y-gradient 0).
WHOLE_EXPONENT = st.tuples(st.floats(-10, 10), st.integers(0, 4).map(float))
ZERO_BASE = st.tuples(st.just(0.0), st.floats(0, 4))


@SETTINGS
@given(inputs=WHOLE_EXPONENT | ZERO_BASE)
def test_power_at_the_edges_of_its_domain_agrees_with_torch(inputs):
    assert_agrees_with_torch(lambda x, y: x**y, list(inputs))


# --- Random expression graphs in which nodes are used more than once ------------------


@settings(max_examples=examples(200), deadline=None)
@given(graph=graphs(max_steps=12))
def test_random_graphs_with_reused_nodes_agree_with_torch(graph):
    leaves, steps = graph
    with torch.no_grad():
        nodes = evaluate(
            steps, [torch.tensor(x, dtype=torch.float64) for x in leaves], torch
        )
    # Keeping every node small bounds the rounding errors below (the whole float range,
    # overflow included, is test_float_edges_vs_torch.py's).
    assume(all(abs(node.item()) < 100 for node in nodes))

    def on(*inputs):
        functions = ON_VALUES if isinstance(inputs[0], Value) else torch
        return evaluate(steps, inputs, functions)[-1]

    # The two libraries round some steps differently (a * b**-1 against a / b, tanh in the
    # last bit); where the graph then subtracts nearly equal numbers, as in x**2 - x*x,
    # those rounding errors of about 1e-16 * 100 are all that is left of the result.
    assert_agrees_with_torch(on, leaves, value_abs_tol=1e-12, gradient_abs_tol=1e-12)
