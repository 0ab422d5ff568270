"""The `forward-mode` chapter: `Dual` numbers and `jvp`; no `grad` of gradients yet."""

import math

from code_state import files_after, package_after

forward = package_after("forward-mode").forward


def test_dual_numbers_carry_the_derivative_of_the_parabola():
    x = forward.Dual(3.0, 1.0)
    out = 3 * x * x - 4 * x + 5
    assert (out.data, out.tangent) == (20.0, 14.0)


def test_jvp_gives_a_column_of_the_jacobian():
    _, tangent = forward.jvp(lambda x, y: (x * y, x + y.tanh()), (2.0, 0.5), (0.0, 1.0))
    assert tangent[0] == 2.0 and math.isclose(tangent[1], 1 - math.tanh(0.5) ** 2)


def test_derivatives_of_derivatives_come_in_the_next_chapter():
    assert "micrograd/autograd.py" not in files_after("forward-mode")
