"""Finite differences on plain floats: the reference the package's gradients are held to."""


def finite_difference_gradient(f, inputs, step=1e-6):
    """d f / d inputs[i] for every i, by central differences of `f` on plain floats."""
    gradient = []
    for i, x in enumerate(inputs):
        # A relative step, so that large inputs move by more than their rounding error.
        h = step * max(1.0, abs(x))
        up = [*inputs[:i], x + h, *inputs[i + 1 :]]
        down = [*inputs[:i], x - h, *inputs[i + 1 :]]
        # Divide by the distance the input really moved, which rounding makes != 2h.
        gradient.append((f(*up) - f(*down)) / ((x + h) - (x - h)))
    return gradient
