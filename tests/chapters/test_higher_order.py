"""The `higher-order` chapter: `grad` (with create_graph) and `hvp`."""

from code_state import package_after

package = package_after("higher-order")
Value, autograd = package.engine.Value, package.autograd


def test_the_parabolas_second_derivative():
    x = Value(3.0)
    (slope,) = autograd.grad(3 * x * x - 4 * x + 5, [x], create_graph=True)
    assert (slope.data, autograd.grad(slope, [x])[0]) == (14.0, 6.0)


def test_hvp_of_a_quadratic():
    _, product = autograd.hvp(lambda x, y: x * x + 3 * x * y, (1.0, 1.0), (1.0, 0.0))
    assert product == (2.0, 3.0)
