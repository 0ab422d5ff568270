"""The introduction's `Value`: a number and a readable repr, nothing else yet."""

from code_state import package_after

Value = package_after("introduction").engine.Value


def test_a_value_holds_its_number_and_prints_it():
    x = Value(3.0)
    assert x.data == 3.0
    assert repr(x) == "Value(data=3.0)"


def test_no_arithmetic_yet():
    assert not hasattr(Value, "__add__")
