"""The `neuron` chapter: `Value.sum`, one node for a sum, and the first piece of `nn`."""

import pytest

from code_state import package_after

package = package_after("neuron")
Value, nn = package.engine.Value, package.nn


def test_a_sum_of_many_values_is_one_node_with_the_chains_number_and_gradients():
    terms = [Value(0.1), Value(0.2), Value(0.3)]
    one = Value.sum(terms)
    assert one.data == (terms[0] + terms[1] + terms[2]).data
    assert one._prev == tuple(terms) and one._op == "sum"
    one.backward()
    assert [t.grad for t in terms] == [1.0, 1.0, 1.0]


def test_a_neuron_is_relu_of_a_weighted_sum_with_one_node_for_the_sum():
    neuron = nn.Neuron(2)
    out = neuron([2.0, -1.0])
    (weighted_sum,) = out._prev
    assert out._op == "ReLU" and weighted_sum._op == "sum"
    w1, w2, b = neuron.parameters()
    assert weighted_sum.data == pytest.approx(b.data + 2 * w1.data - w2.data)


def test_layers_and_networks_come_in_the_next_chapter():
    assert not hasattr(nn, "Layer") and not hasattr(nn, "MLP")
