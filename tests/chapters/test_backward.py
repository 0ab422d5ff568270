"""The `backward` chapter: a topological order without recursion, and `backward()`."""

from code_state import package_after

Value = package_after("backward").engine.Value


def test_the_order_puts_every_value_after_its_inputs_and_each_value_once():
    a = Value(2.0)
    b = a * 3
    L = (b + 1) + b * 4
    order = L._topological_order()
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is L
    assert all(
        position[child] < position[node] for node in order for child in node._prev
    )


def test_backward_fills_in_the_chain_rule_examples_gradients():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    L = (a * b + c) * f
    L.backward()
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)


def test_a_chain_far_deeper_than_the_recursion_limit():
    start = x = Value(0.0)
    for _ in range(20_000):
        x = x + 1.0
    x.backward()
    assert start.grad == 1.0


def test_leaves_accumulate_and_values_in_between_hold_one_calls_gradient():
    x = Value(3.0)
    middle = x * 2
    y = middle * 3
    y.backward()
    y.backward()
    assert x.grad == 12.0 and middle.grad == 3.0


def test_the_neurons_one_sum_node_arrives_later():
    assert not hasattr(Value, "sum")


def test_backward_on_a_leaf_sets_its_gradient_to_one_however_often_it_is_called():
    x = Value(2.0)
    x.grad = 5.0
    x.backward()
    x.backward()
    assert x.grad == 1.0
