"""The `losses` chapter: mean squared error, hinge, binary and softmax cross-entropy and the
L2 penalty, each with its slope, and the checks they share; no data sets yet."""

import math

import pytest

from code_state import files_after, package_after

package = package_after("losses")
Value, nn = package.engine.Value, package.nn


def slopes(loss, starts, *rest):
    """loss(list of Values, *rest) and the gradient of each Value."""
    values = [Value(x) for x in starts]
    out = loss(values, *rest)
    out.backward()
    return out.data, [v.grad for v in values]


def sigmoid(z):
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    return math.exp(z) / (1 + math.exp(z))


def test_mean_squared_error_and_its_slope_two_over_n_times_the_error():
    loss, grads = slopes(nn.mse_loss, [2.5, 0.0, -1.0], [3.0, -0.5, -1.0])
    assert loss == pytest.approx(1 / 6)
    assert grads == pytest.approx([-1 / 3, 1 / 3, 0.0])


def test_the_hinge_pulls_only_examples_with_a_margin_below_one():
    loss, grads = slopes(nn.hinge_loss, [2.0, 0.5, -0.3, -3.0], [1, 1, 1, -1])
    assert loss == pytest.approx(0.45)
    assert grads == [0.0, -0.25, -0.25, 0.0]


@pytest.mark.parametrize("z", [-800.0, -40.0, -1e-9, 0.0, 1e-9, 0.3, 37.0, 800.0])
@pytest.mark.parametrize("y", [0, 1])
def test_binary_cross_entropy_is_stable_and_its_slope_is_sigmoid_minus_the_label(z, y):
    loss, (grad,) = slopes(nn.bce_loss, [z], [y])
    exact = max(z, 0) - y * z + math.log1p(math.exp(-abs(z)))
    assert loss == pytest.approx(exact, rel=1e-12)
    assert grad == pytest.approx(sigmoid(z) - y, abs=1e-15)


def test_softmax_cross_entropy_has_the_slope_p_minus_one_hot_even_for_huge_logits():
    for start, label in [([2.0, -1.0, 0.5], 0), ([1000.0, 1001.0, 998.0], 2)]:
        logits = [Value(z) for z in start]
        loss = nn.cross_entropy_loss([logits], [label])
        loss.backward()
        exps = [math.exp(z - max(start)) for z in start]
        p = [e / sum(exps) for e in exps]
        assert loss.data == pytest.approx(-math.log(p[label]))
        assert [z.grad for z in logits] == pytest.approx(
            [pk - (k == label) for k, pk in enumerate(p)], abs=1e-15
        )


def test_with_two_classes_and_logits_0_z_cross_entropy_is_binary_cross_entropy():
    for z in [-3.0, 0.0, 0.8]:
        for label in [0, 1]:
            two = nn.cross_entropy_loss([[0.0, z]], [label]).data
            assert two == pytest.approx(nn.bce_loss([z], [label]).data)


def test_the_l2_penalty_is_the_sum_of_squares_with_slope_two_p():
    loss, grads = slopes(nn.l2_penalty, [3.0, -4.0])
    assert loss == 25.0 and grads == [6.0, -8.0]


@pytest.mark.parametrize(
    "call, mentions",
    [
        (lambda: nn.mse_loss([1.0, 2.0], [1.0]), "2 predictions but 1 targets"),
        (lambda: nn.hinge_loss([], []), "at least one prediction"),
        (lambda: nn.hinge_loss([0.5], [0]), r"pass 2 \* y - 1"),
        (lambda: nn.bce_loss([0.5], [-1]), r"pass \(y \+ 1\) / 2"),
        (lambda: nn.cross_entropy_loss([[0.1, 0.2]], [2]), "0 to 1"),
        (lambda: nn.mse_loss([1.0], [math.nan]), "target 0 is nan"),
    ],
)
def test_lists_and_labels_that_do_not_fit_are_refused_saying_what_to_do(call, mentions):
    with pytest.raises(ValueError, match=mentions):
        call()


def test_data_sets_come_in_the_next_chapter():
    assert "micrograd/datasets.py" not in files_after("losses")
    assert "micrograd/datasets.py" in files_after("training")
