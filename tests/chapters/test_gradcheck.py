"""The `gradcheck` chapter: central differences, and a checker of backward() built on them."""

import math

import pytest

from code_state import package_after

package = package_after("gradcheck")
Value = package.engine.Value
numerical_gradient = package.gradcheck.numerical_gradient
gradcheck = package.gradcheck.gradcheck


def chain_rule_example(a, b, c, f):
    return (a * b + c) * f


def test_numerical_gradient_nudges_each_input_both_ways():
    estimates = numerical_gradient(chain_rule_example, [2.0, -3.0, 10.0, -2.0])
    assert estimates == pytest.approx([6.0, -4.0, -2.0, 4.0], rel=1e-8)


def test_central_differences_are_exact_for_a_parabola_whatever_the_nudge():
    # (f(x + h) - f(x - h)) / 2h is exactly f'(x) for f(x) = x**2, up to rounding
    for h in [1e-1, 1e-3, 1e-6]:
        (estimate,) = numerical_gradient(lambda x: x * x, [3.0], h=h)
        assert estimate == pytest.approx(6.0, rel=1e-9)


def test_gradcheck_passes_correct_gradients_and_says_so():
    assert gradcheck(chain_rule_example, [2.0, -3.0, 10.0, -2.0]) is True
    assert gradcheck(lambda x, y: (x * y).tanh() + x / y, [0.7, -1.3])


def test_a_wrong_local_derivative_fails_naming_the_input_and_both_numbers():
    def wrong_square(x):
        return Value(x.data**2, (x,), "square", lambda out, x: (x.data,))  # not 2x

    with pytest.raises(AssertionError, match=r"input 0: backward\(\) gives 3\.0"):
        gradcheck(wrong_square, [3.0])
    assert gradcheck(wrong_square, [0.0])  # 0 == 2 * 0: one point can miss a bug


def test_swapped_local_derivatives_fail_on_the_second_input():
    def swapped_division(x, y):
        return Value(
            x.data / y.data,
            (x, y),
            "/",
            lambda out, x, y: (-out.data / y.data, 1 / y.data),
        )

    with pytest.raises(AssertionError, match="input 0"):
        gradcheck(swapped_division, [3.0, 4.0])


def test_a_nan_gradient_never_passes():
    def nan_slope(x):
        return Value(x.data, (x,), "nan slope", lambda out, x: (math.nan,))

    with pytest.raises(AssertionError, match="backward\\(\\) gives nan"):
        gradcheck(nan_slope, [1.0])


def test_the_tolerance_has_an_absolute_and_a_relative_part():
    # A large slope: the estimate is off by about 1e-4, far above atol, well within rtol.
    assert gradcheck(lambda x: x**4, [30.0])
    # A flat point: the estimate is rounding noise around 0, within atol.
    assert gradcheck(lambda x: x * x - 2 * x, [1.0])
    with pytest.raises(AssertionError):
        gradcheck(lambda x: x**4, [30.0], rtol=0.0)
    with pytest.raises(AssertionError):
        gradcheck(lambda x: x * x - 2 * x, [1.0], atol=0.0)


def test_a_finite_difference_cannot_measure_the_slope_at_a_kink():
    with pytest.raises(AssertionError, match="central differences give 0.5 "):
        gradcheck(lambda x: x.relu(), [0.0])
    assert gradcheck(lambda x: x.relu(), [0.5])
