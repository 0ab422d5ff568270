"""Random expression graphs in which nodes are used more than once, for the engine tests.

A graph is a few leaves and a list of steps; each step applies an operation to the newest
node and to earlier ones. The same graph can be evaluated on Values, on floats (with
`math`) or on PyTorch tensors, by passing the functions to use.
"""

import math
from types import SimpleNamespace

from hypothesis import strategies as st

from micrograd.engine import Value


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# The elementary functions, for evaluating the same graph on Values and on floats.
ON_VALUES = SimpleNamespace(
    exp=Value.exp,
    log=Value.log,
    tanh=Value.tanh,
    relu=Value.relu,
    sigmoid=Value.sigmoid,
)
ON_FLOATS = SimpleNamespace(
    exp=math.exp,
    log=math.log,
    tanh=math.tanh,
    relu=lambda x: max(x, 0.0),
    sigmoid=sigmoid,
)

# Each step is defined for every real operand, so no random graph leaves a domain: the
# operators with a restricted domain get an operand that cannot leave it (1 + b*b > 0).
GRAPH_STEPS = {
    "a + b": lambda f, a, b: a + b,
    "a - b": lambda f, a, b: a - b,
    "-a": lambda f, a: -a,
    "a * b": lambda f, a, b: a * b,
    "a / (1 + b*b)": lambda f, a, b: a / (1 + b * b),
    "2 + a": lambda f, a: 2 + a,
    "2 - a": lambda f, a: 2 - a,
    "3 * a": lambda f, a: 3 * a,
    "2 / (1 + a*a)": lambda f, a: 2 / (1 + a * a),
    "a ** 2": lambda f, a: a**2,
    "(1 + a*a) ** 0.5": lambda f, a: (1 + a * a) ** 0.5,
    "(1 + a*a) ** tanh(b)": lambda f, a, b: (1 + a * a) ** f.tanh(b),
    "2 ** tanh(a)": lambda f, a: 2 ** f.tanh(a),
    "exp(tanh(a))": lambda f, a: f.exp(f.tanh(a)),
    "log(1 + a*a)": lambda f, a: f.log(1 + a * a),
    "tanh(a)": lambda f, a: f.tanh(a),
    "relu(a)": lambda f, a: f.relu(a),
    "sigmoid(a)": lambda f, a: f.sigmoid(a),
}


def arity(step):
    """How many nodes a step takes: its parameters after `f`."""
    return GRAPH_STEPS[step].__code__.co_argcount - 1


@st.composite
def graphs(draw, max_steps=10):
    """(leaves, steps): each step applies an op to the newest node and any earlier node.

    Taking the newest node makes one long chain through every step; the other operand is
    any earlier node, which the chain already uses unless it is a leaf, or the newest node
    itself (as in x * x): so nodes are reused all over.
    """
    leaves = draw(st.lists(st.floats(-3, 3), min_size=1, max_size=3))
    steps = []
    for node_count in range(len(leaves), len(leaves) + draw(st.integers(1, max_steps))):
        step = draw(st.sampled_from(sorted(GRAPH_STEPS)))
        others = [draw(st.integers(0, node_count - 1)) for _ in range(arity(step) - 1)]
        steps.append((step, [node_count - 1, *others]))
    return leaves, steps


def evaluate(steps, leaves, functions):
    """Every node of the graph, the leaves first and the output last."""
    nodes = list(leaves)
    for step, operands in steps:
        nodes.append(GRAPH_STEPS[step](functions, *(nodes[i] for i in operands)))
    return nodes


def moderate(steps, leaves, limit=100):
    """Whether every node of the graph, on floats, is smaller than `limit` in size.

    One that overflows is not: where a Value becomes infinite, `math.exp` and a float's `**`
    raise OverflowError instead.
    """
    try:
        nodes = evaluate(steps, leaves, ON_FLOATS)
    except OverflowError:
        return False
    return all(abs(node) < limit for node in nodes)
