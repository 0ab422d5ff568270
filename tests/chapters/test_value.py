"""The `value` chapter: a Value remembers its inputs and operation, but has no gradients yet."""

import pytest

from code_state import package_after

Value = package_after("value").engine.Value


def test_an_expression_remembers_how_it_was_made():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    assert d.data == 4.0
    assert (d._op, d._prev) == ("+", {e, c})
    assert (e._op, e._prev) == ("*", {a, b})
    assert a._prev == set() and a._op == "" and a.label == "a"


def test_grad_starts_at_zero_and_backward_does_nothing_yet():
    d = Value(2.0) * 3 + 1
    assert d.grad == 0.0 and repr(d) == "Value(data=7.0, grad=0.0)"
    d._backward()
    assert all(child.grad == 0.0 for child in d._prev)


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j])
def test_a_value_must_hold_a_real_number(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) + bad
