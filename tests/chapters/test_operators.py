"""The `operators` chapter: every operation with its local derivatives, and `_backward`, the
chain rule at one value; no `backward()` over a whole graph yet."""

import math

import pytest

from code_state import package_after

engine = package_after("operators").engine
Value = engine.Value


def step_back(out):
    """Run _backward down a graph in which every value feeds one operation."""
    out.grad = 1.0
    todo = [out]
    while todo:
        node = todo.pop()
        node._backward()
        todo.extend(node._prev)


@pytest.mark.parametrize(
    "f, at, slopes",
    [
        (lambda x, y: x + y, (2.0, -3.0), (1.0, 1.0)),
        (lambda x, y: x * y, (2.0, -3.0), (-3.0, 2.0)),
        (lambda x, y: x / y, (3.0, 2.0), (0.5, -0.75)),
        (lambda x, y: x**y, (2.0, 3.0), (12.0, 8 * math.log(2))),
        (lambda x, y: x.max(y), (2.0, 2.0), (0.5, 0.5)),
    ],
)
def test_each_binary_operation_passes_back_its_local_derivatives(f, at, slopes):
    x, y = Value(at[0]), Value(at[1])
    step_back(f(x, y))
    assert (x.grad, y.grad) == pytest.approx(slopes)


@pytest.mark.parametrize(
    "method, at, slope",
    [
        ("exp", 1.0, math.e),
        ("log", 2.0, 0.5),
        ("tanh", 0.5, 1 - math.tanh(0.5) ** 2),
        ("relu", -2.0, 0.0),
        ("relu", 0.0, 0.0),
        ("sigmoid", 0.0, 0.25),
    ],
)
def test_each_function_passes_back_its_local_derivative(method, at, slope):
    x = Value(at)
    step_back(getattr(x, method)())
    assert x.grad == pytest.approx(slope)


def test_division_is_an_operation_of_its_own_and_exact_where_a_reciprocal_overflows():
    x, y = Value(1e-300), Value(1e-310)
    out = x / y
    assert out._op == "/" and out.data == 1e-300 / 1e-310


def test_a_result_too_big_for_a_float_is_infinite():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf


def test_a_value_without_local_derivatives_refuses_to_pass_a_gradient():
    made_by_hand = Value(8.0, (Value(2.0),), "cube")
    made_by_hand.grad = 1.0
    with pytest.raises(RuntimeError, match="no local derivatives"):
        made_by_hand._backward()


def test_there_is_no_backward_over_a_whole_graph_yet():
    assert not hasattr(Value, "backward") and not hasattr(Value, "_topological_order")
