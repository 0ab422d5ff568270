"""The `mlp` chapter: `Layer` and `MLP` on top of `Neuron`; the losses come in the next one."""

import math
import random

import pytest

from code_state import files_after, package_after

package = package_after("mlp")
Value, nn = package.engine.Value, package.nn


def test_a_layer_is_its_neurons_on_the_same_inputs_and_a_layer_of_one_is_its_neuron():
    random.seed(1)
    layer = nn.Layer(2, 3)
    outputs = layer([1.0, -2.0])
    assert [v.data for v in outputs] == [n([1.0, -2.0]).data for n in layer.neurons]
    assert layer.parameters() == [p for n in layer.neurons for p in n.parameters()]
    single = nn.Layer(3, 1, nonlin=False)
    assert isinstance(single([1.0, 2.0, 3.0]), Value)
    assert all(not n.nonlin for n in single.neurons)


def test_an_mlp_has_relu_hidden_layers_a_linear_output_and_every_parameter_once():
    random.seed(0)
    model = nn.MLP(2, [16, 16, 1])
    assert [n.nonlin for layer in model.layers for n in layer.neurons[:1]] == [
        True,
        True,
        False,
    ]
    assert [len(layer.parameters()) for layer in model.layers] == [48, 272, 17]
    assert len(set(map(id, model.parameters()))) == 337
    assert isinstance(model([0.3, -1.2]), Value)
    assert isinstance(nn.MLP(2, [1, 3, 1])([1.0, -2.0]), Value)  # via a layer of one
    assert isinstance(nn.MLP(1, [8, 1])(0.5), Value)  # one bare input


def test_an_mlp_computes_what_its_layers_compute_one_after_another():
    random.seed(2)
    model = nn.MLP(3, [4, 2, 1])
    x = [0.5, -1.0, 2.0]
    by_hand = x
    for layer in model.layers:
        by_hand = layer(by_hand)
    assert model(x).data == by_hand.data


def test_backward_through_a_network_agrees_with_central_differences():
    random.seed(3)
    model = nn.MLP(3, [4, 4, 1])
    for layer in model.layers:  # biases away from 0, so that no ReLU sits on its kink
        for n in layer.neurons:
            n.b.data = random.uniform(-0.5, 0.5)
    examples = [([0.5, -1.0, 2.0], 1.0), ([-1.5, 0.3, 0.8], -1.0)]

    def loss():
        return sum((model(x) - t) ** 2 for x, t in examples)

    model.zero_grad()
    loss().backward()
    h = 1e-6
    for p in model.parameters():
        start = p.data
        p.data = start + h
        up = loss().data
        p.data = start - h
        down = loss().data
        p.data = start
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-6)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_equal_starting_weights_stay_equal_under_gradient_descent():
    clones = nn.MLP(2, [3, 1])
    for p in clones.parameters():
        p.data = 0.5
    for _ in range(3):
        clones.zero_grad()
        ((clones([1.0, 2.0]) - 3.0) ** 2).backward()
        for p in clones.parameters():
            p.data -= 0.01 * p.grad
    first, *others = (
        [p.data for p in n.parameters()] for n in clones.layers[0].neurons
    )
    assert all(other == first for other in others) and not math.isclose(first[0], 0.5)


@pytest.mark.parametrize(
    "make, mentions",
    [
        (lambda: nn.Layer(2, 0), "nout=0"),
        (lambda: nn.MLP(2, []), "at least one layer size"),
        (lambda: nn.MLP(2, 16), "nouts=16"),
        (lambda: nn.MLP(0, [4, 1]), "nin=0"),
    ],
)
def test_sizes_that_make_no_network_are_refused_with_the_size_named(make, mentions):
    with pytest.raises(ValueError, match=mentions):
        make()


def test_losses_and_data_sets_come_in_later_chapters():
    assert not hasattr(nn, "mse_loss") and not hasattr(nn, "hinge_loss")
    assert "micrograd/datasets.py" not in files_after("mlp")
