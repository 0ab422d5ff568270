"""`jvp`, `grad` with create_graph, and `hvp` against PyTorch float64 on random graphs of
every operation: torch.func.jvp, torch.autograd.grad(..., create_graph=True) and
torch.autograd.functional.hvp."""

import math
from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd.autograd import grad, hvp
from micrograd.engine import Value
from micrograd.forward import Dual, jvp

from budget import examples
from random_graphs import ON_VALUES, evaluate, graphs

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

ON_DUALS = SimpleNamespace(
    exp=Dual.exp, log=Dual.log, tanh=Dual.tanh, relu=Dual.relu, sigmoid=Dual.sigmoid
)
SETTINGS = settings(max_examples=examples(100), deadline=None)


def tensors(numbers, requires_grad=False):
    return [
        torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)
        for x in numbers
    ]


def moderate(graph, smooth=False):
    """Every node of the graph below 100 in size (so the two libraries' rounding differs by
    a few ulps of such numbers at most), and without relu where second derivatives are
    compared (relu's is a spike at the kink, which neither library represents).

    Nor, there, an exponent that is exactly 0: PyTorch makes the slope of x ** y in x a
    constant 0 wherever y == 0, so the slope of that slope in y is 0 for PyTorch, but
    (1 + x*x) ** -1 for us, which is right (tests/package/test_forward_and_autograd.py).
    """
    leaves, steps = graph
    with torch.no_grad():
        nodes = evaluate(steps, tensors(leaves), torch)
    if smooth and any(step == "relu(a)" for step, _ in steps):
        return False
    exponents = [
        math.tanh(nodes[operands[1]].item())
        for step, operands in steps
        if step == "(1 + a*a) ** tanh(b)"
    ]
    if smooth and 0 in exponents:
        return False
    return all(abs(node.item()) < 100 for node in nodes)


def close(ours, theirs, scale=1.0):
    """Agreement to 1e-9 relative, or to 1e-11 of the sizes that went into the number."""
    return (math.isnan(ours) and math.isnan(theirs)) or math.isclose(
        ours, theirs, rel_tol=1e-9, abs_tol=1e-11 * scale
    )


@SETTINGS
@given(graph=graphs(max_steps=12), data=st.data())
def test_jvp_agrees_with_torch_func_jvp(graph, data):
    leaves, steps = graph
    assume(moderate(graph))
    directions = data.draw(
        st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves))
    )
    output, tangent = jvp(
        lambda *x: evaluate(steps, x, ON_DUALS)[-1], leaves, directions
    )
    expected_output, expected_tangent = torch.func.jvp(
        lambda *x: evaluate(steps, x, torch)[-1],
        tuple(tensors(leaves)),
        tuple(tensors(directions)),
    )
    assert close(output, expected_output.item())
    assert close(tangent, expected_tangent.item(), scale=1 + sum(map(abs, directions)))


@settings(max_examples=examples(60), deadline=None)
@given(graph=graphs(max_steps=8))
def test_first_and_second_derivatives_agree_with_torch_autograd_grad(graph):
    leaves, steps = graph
    assume(moderate(graph, smooth=True))
    values = [Value(x) for x in leaves]
    first = grad(evaluate(steps, values, ON_VALUES)[-1], values, create_graph=True)
    inputs = tensors(leaves, requires_grad=True)
    expected_first = torch.autograd.grad(
        evaluate(steps, inputs, torch)[-1], inputs, create_graph=True, allow_unused=True
    )
    for i, (ours, theirs) in enumerate(zip(first, expected_first, strict=True)):
        assert close(ours.data, 0.0 if theirs is None else theirs.item()), i
        if theirs is None or not theirs.requires_grad:
            continue  # the gradient does not depend on the inputs: its derivatives are 0
        row = grad(ours, values)
        expected_row = torch.autograd.grad(
            theirs, inputs, retain_graph=True, allow_unused=True
        )
        for j, (got, want) in enumerate(zip(row, expected_row, strict=True)):
            want = 0.0 if want is None else want.item()
            assert math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10), (
                i,
                j,
                got,
                want,
            )


@SETTINGS
@given(graph=graphs(max_steps=10), data=st.data())
def test_hvp_agrees_with_torch_autograd_functional_hvp(graph, data):
    leaves, steps = graph
    assume(moderate(graph, smooth=True))
    directions = data.draw(
        st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves))
    )
    output, product = hvp(
        lambda *x: evaluate(steps, x, ON_VALUES)[-1], leaves, directions
    )
    expected_output, expected_product = torch.autograd.functional.hvp(
        lambda *x: evaluate(steps, x, torch)[-1],
        tuple(tensors(leaves)),
        tuple(tensors(directions)),
    )
    assert close(output, expected_output.item())
    for ours, theirs in zip(product, expected_product, strict=True):
        assert math.isclose(ours, theirs.item(), rel_tol=1e-8, abs_tol=1e-10)
