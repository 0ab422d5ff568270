"""The `value` chapter: a Value remembers its inputs and operation, but has no gradients yet."""

import pytest

from code_state import package_after

Value = package_after("value").engine.Value


def test_an_expression_remembers_how_it_was_made_in_order():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    assert d.data == 4.0
    assert (d._op, d._prev) == ("+", (e, c))
    assert (e._op, e._prev) == ("*", (a, b))
    assert a._prev == () and a._op == "" and a.label == "a"
    square = a * a
    assert square._prev == (a, a)


def test_grad_starts_at_zero_and_nothing_knows_its_local_derivatives_yet():
    d = Value(2.0) * 3 + 1
    assert d.grad == 0.0 and repr(d) == "Value(data=7.0, grad=0.0)"
    assert d._local_grads is None and not hasattr(d, "_backward")


def test_every_number_is_stored_as_a_float():
    assert type(Value(7).data) is float and Value(7).data == 7.0


def test_values_take_attributes_of_their_own_but_share_the_default_label():
    v = Value(1.0)
    v.m = 0.5
    assert v.m == 0.5 and v.label == "" and vars(v) == {"m": 0.5}


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j, True])
def test_a_value_must_hold_a_real_number(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) + bad
