"""The engine against PyTorch (float64) where floats get hard: inputs anywhere from 5e-324 to
1.8e308, zeros of both signs, infinities and nan; every operator in every operand order
(Value op Value, Value op number, number op Value), alone and in random graphs.

What agreeing means. Two correct float64 libraries may round differently: each computes a
node to within an ulp or two of the exact result for its inputs, and the rest of the graph
can amplify that. So PyTorch runs the graph once as it is, then once more for each node with
that node's result moved two ulps up, and once two ulps down (times 1 +- 2**-51); for tanh
and sigmoid, whose slopes 1 - t*t and s*(1 - s) are good only to an ulp or two of 1, the
slope is also moved by 2**-51 on its own. Each nudge shows how far rounding at that one node
can move every number of the graph, and the effects add up, to first order. A gradient is
also a sum of products that the two libraries may add up in different orders, which the
standard bound for floating-point sums allows for. An answer of ours further from PyTorch's
than all that (plus two ulps of its own) is not rounding. A nan or an inf must be one that
PyTorch gives too, unnudged or nudged.

Where the engine differs from PyTorch on purpose, the test holds it to its own rule:
- Outside the real numbers it raises (log of x <= 0, x / 0, 0 ** negative, negative **
  fraction), where PyTorch returns nan or inf: the test checks that it raises exactly there.
- `_backward` passes nothing on along a zero (a zero gradient, or a zero local derivative),
  where PyTorch may multiply 0 by inf and get nan; and a local derivative is one float, which
  can overflow where PyTorch's formula divides the incoming gradient instead (d log(x)/dx at
  x = 5e-324). A second oracle chains PyTorch's own local derivatives by that rule, and an
  answer may agree with either.
- `number / x` divides; PyTorch computes x.reciprocal() * number, which overflows at x = 1e-310
  where the quotient does not. The oracle divides two tensors.
- A power's base of -0.0 counts as 0 (PyTorch's (-0.0) ** 0.5 is sqrt(-0.0) = -0.0, with slope
  -inf; C's pow, Python's and ours give 0.0, and the slope +inf of the side where the power is
  defined). The oracle's base is a + 0.0, which turns -0.0 into 0.0 and leaves every other
  float as it is.
- Below the smallest normal float (2.2e-308), a difference is underflow, not an error:
  PyTorch's a ** -2 is 1 / (a * a), 0 at a = 1e160, where the power is 1e-320.
"""

import math
import sys
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value

from budget import examples

# Only where PyTorch has a wheel: elsewhere CI deselects these tests with -m "not torch".
pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

TWO_ULPS = 2.0**-51  # relative: two units in the last place of a float64
SMALLEST_NORMAL = sys.float_info.min  # 2.2e-308; below it floats keep fewer digits


def tensor(x):
    return torch.tensor(float(x), dtype=torch.float64)


def not_whole(y):
    return math.isfinite(y) and not y.is_integer()


class Op(NamedTuple):
    name: str
    ours: Callable  # on Values (and a number c)
    theirs: Callable  # the same on tensors, as PyTorch computes it
    # Where the engine raises, because the answer is not a real number (None: nowhere).
    outside_the_reals: Callable | None = None


# Each function takes the graph's nodes first and the number c (if any) last.
OPS = [
    Op("a + b", lambda a, b: a + b, lambda a, b: a + b),
    Op("a - b", lambda a, b: a - b, lambda a, b: a - b),
    Op("a * b", lambda a, b: a * b, lambda a, b: a * b),
    Op("a / b", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: b == 0),
    Op(
        "a ** b",
        lambda a, b: a**b,
        lambda a, b: (a + 0.0) ** b,
        lambda a, b: (a == 0 and b < 0) or (a < 0 and not_whole(b)),
    ),
    Op("a.max(b)", lambda a, b: a.max(b), torch.maximum),
    Op("a + c", lambda a, c: a + c, lambda a, c: a + c),
    Op("a - c", lambda a, c: a - c, lambda a, c: a - c),
    Op("a * c", lambda a, c: a * c, lambda a, c: a * c),
    Op("a / c", lambda a, c: a / c, lambda a, c: a / c, lambda a, c: c == 0),
    Op(
        "a ** c",
        lambda a, c: a**c,
        lambda a, c: (a + 0.0) ** c,
        lambda a, c: (a == 0 and c < 0) or (a < 0 and not_whole(c)),
    ),
    Op("a.max(c)", lambda a, c: a.max(c), lambda a, c: torch.maximum(a, tensor(c))),
    Op("c + a", lambda a, c: c + a, lambda a, c: c + a),
    Op("c - a", lambda a, c: c - a, lambda a, c: c - a),
    Op("c * a", lambda a, c: c * a, lambda a, c: c * a),
    Op("c / a", lambda a, c: c / a, lambda a, c: tensor(c) / a, lambda a, c: a == 0),
    Op(
        "c ** a",
        lambda a, c: c**a,
        lambda a, c: tensor(c + 0.0) ** a,
        lambda a, c: (c == 0 and a < 0) or (c < 0 and not_whole(a)),
    ),
    Op("-a", lambda a: -a, lambda a: -a),
    Op("exp(a)", lambda a: a.exp(), torch.exp),
    Op("log(a)", lambda a: a.log(), torch.log, lambda a: a <= 0),
    Op("tanh(a)", lambda a: a.tanh(), torch.tanh),
    Op("relu(a)", lambda a: a.relu(), torch.relu),
    Op("sigmoid(a)", lambda a: a.sigmoid(), torch.sigmoid),
    Op(
        "Value.sum([a, b, c])",
        lambda a, b, c: Value.sum([a, b, c]),
        lambda a, b, c: torch.stack([a, b, tensor(c)]).sum(),
    ),
]
OP_NAMED = {op.name: op for op in OPS}
# tanh' = 1 - t*t and sigmoid' = s * (1 - s) lose their digits near saturation.
SLOPES_FROM_ONE_MINUS = {"tanh(a)", "sigmoid(a)"}


def takes_a_number(op):
    return op.ours.__code__.co_varnames[-1] == "c"


def node_count(op):
    """How many nodes of the graph an op takes: its parameters but c."""
    return op.ours.__code__.co_argcount - takes_a_number(op)


# --- Numbers over the whole float range ------------------------------------------------

EDGES = [
    0.0,
    5e-324,  # the smallest float, a subnormal
    1e-320,
    SMALLEST_NORMAL,
    1e-300,
    1e-200,
    1e-160,  # its square underflows, its reciprocal's square overflows
    1e-8,
    0.5,
    1.0,
    2.0,
    3.0,
    10.0,
    1e8,
    1e160,
    1e200,
    1e300,
    sys.float_info.max,  # 1.8e308
    math.inf,
]
EDGES = [*EDGES, *(-x for x in EDGES), math.nan]
# The edges, any float at all (hypothesis favours nasty ones), and moderate ones, where
# tanh, sigmoid and exp are curved and a graph computes something other than inf or 0.
FLOATS = st.sampled_from(EDGES) | st.floats() | st.floats(-4, 4)
NUMBERS = FLOATS | st.integers(-4, 4)  # the number in x op number and number op x


class Step(NamedTuple):
    op: Op
    operands: tuple  # indices of earlier nodes
    number: float | int | None


@st.composite
def graphs(draw, ops=OPS, max_leaves=3, max_steps=8):
    """(leaves, steps): each step applies an op to the newest node and to earlier ones.

    The newest node makes one chain through every step; the other operands are any earlier
    nodes (the newest one included, as in x * x), so nodes are reused all over.
    """
    leaves = draw(st.lists(FLOATS, min_size=1, max_size=max_leaves))
    steps = []
    for newest in range(
        len(leaves) - 1, len(leaves) - 1 + draw(st.integers(1, max_steps))
    ):
        op = draw(st.sampled_from(ops))
        others = [draw(st.integers(0, newest)) for _ in range(node_count(op) - 1)]
        number = draw(NUMBERS) if takes_a_number(op) else None
        steps.append(Step(op, (newest, *others), number))
    return leaves, steps


def arguments(step, nodes):
    numbers = () if step.number is None else (step.number,)
    return [nodes[i] for i in step.operands], numbers


# --- The engine ---------------------------------------------------------------------------


class OutsideTheReals(NamedTuple):
    step: Step
    operands: list  # their numbers
    error: Exception


def run_engine(leaves, steps):
    """Every node's number and every leaf's gradient, or where the engine refused."""
    nodes = [Value(x) for x in leaves]
    for step in steps:
        operands, numbers = arguments(step, nodes)
        try:
            nodes.append(step.op.ours(*operands, *numbers))
        except (ValueError, ZeroDivisionError) as error:
            return OutsideTheReals(step, [v.data for v in operands], error)
    nodes[-1].backward()
    return [v.data for v in nodes] + [v.grad for v in nodes[: len(leaves)]]


# --- PyTorch, and PyTorch's local derivatives chained by the engine's rule -----------------


class ChainedLikeTheEngine(torch.autograd.Function):
    """One step with PyTorch's local derivatives, chained as `Value._backward` chains them:
    a zero gradient, or a zero local derivative, passes nothing on."""

    @staticmethod
    def forward(ctx, function, numbers, *operands):
        copies = [x.detach().requires_grad_() for x in operands]
        with torch.enable_grad():
            out = function(*copies, *numbers)
            local_grads = torch.autograd.grad(out, copies)
        ctx.save_for_backward(*local_grads)
        return out.detach()

    @staticmethod
    def backward(ctx, grad):
        zero = torch.zeros((), dtype=torch.float64)
        passed = [
            torch.where((grad == 0) | (local == 0), zero, local * grad)
            for local in ctx.saved_tensors
        ]
        return None, None, *passed


class Nudge(NamedTuple):
    node: int
    sign: int  # +1 or -1
    slope: bool = False  # nudge the node's slope (tanh, sigmoid) instead of its result


def run_torch(leaves, steps, chain_like_the_engine, nudge=None):
    """Every node's number and every leaf's gradient, as `run_engine` lists them."""

    def nudged(index, result):
        if nudge and nudge.node == index and not nudge.slope:
            return result * (1 + nudge.sign * TWO_ULPS)
        return result

    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    nodes = [nudged(i, x) for i, x in enumerate(inputs)]
    for step in steps:
        function = step.op.theirs
        if nudge and nudge.node == len(nodes) and nudge.slope:
            # a.detach() keeps the value and drops the slope: this adds sign*2**-51 to it.
            function = add_to_slope(function, nudge.sign * TWO_ULPS)
        operands, numbers = arguments(step, nodes)
        numbers = tuple(float(n) for n in numbers)  # as the engine does; 10**20 > int64
        if chain_like_the_engine:
            out = ChainedLikeTheEngine.apply(function, numbers, *operands)
        else:
            out = function(*operands, *numbers)
        nodes.append(nudged(len(nodes), out))
    nodes[-1].backward()
    grads = [0.0 if x.grad is None else x.grad.item() for x in inputs]
    return [node.item() for node in nodes] + grads


def add_to_slope(function, amount):
    return lambda a: function(a) + amount * (a - a.detach())


def gradient_magnitudes(leaves, steps):
    """For each leaf, the sum over all paths to it of |the product of local derivatives|,
    with PyTorch's local derivatives: what a gradient adds up, without its signs."""
    nodes = [torch.tensor(x, dtype=torch.float64) for x in leaves]
    local_grads = []
    for step in steps:
        operands, numbers = arguments(step, nodes)
        copies = [x.clone().requires_grad_() for x in operands]
        out = step.op.theirs(*copies, *map(float, numbers))
        local_grads.append([g.item() for g in torch.autograd.grad(out, copies)])
        nodes.append(out.detach())
    magnitude = [0.0] * len(nodes)
    magnitude[-1] = 1.0
    for node, step in reversed(list(enumerate(steps, start=len(leaves)))):
        for operand, local in zip(
            step.operands, local_grads[node - len(leaves)], strict=True
        ):
            if local != 0 and magnitude[node] != 0:  # the engine's rule for zeros
                magnitude[operand] += abs(local) * magnitude[node]
    return [m if math.isfinite(m) else 0.0 for m in magnitude[: len(leaves)]]


class Oracle:
    """PyTorch's answers for one graph, and how far rounding alone could move each one."""

    def __init__(self, leaves, steps, chain_like_the_engine):
        def run(nudge=None):
            return run_torch(leaves, steps, chain_like_the_engine, nudge)

        self.central = run()
        # A gradient is a sum of products, and the two libraries add them up in different
        # orders: the standard bound for that is one rounding (2**-53) per term and per
        # factor, relative to the sum of their magnitudes. Every node's number comes first.
        self.summing = [0.0] * (len(leaves) + len(steps))
        roundings = 2 * (len(steps) + 1) * 2.0**-53
        self.summing += [roundings * m for m in gradient_magnitudes(leaves, steps)]
        nudges = [
            Nudge(node, sign)
            for node in range(len(leaves) + len(steps))
            for sign in (1, -1)
        ]
        for node, step in enumerate(steps, start=len(leaves)):
            if step.op.name in SLOPES_FROM_ONE_MINUS:
                nudges += [Nudge(node, sign, slope=True) for sign in (1, -1)]
        self.nudged = {nudge: run(nudge) for nudge in nudges}

    def allows(self, i, ours):
        """Whether `ours` is PyTorch's i-th number, up to rounding."""
        central = self.central[i]
        nudged = [result[i] for result in self.nudged.values()]
        if math.isnan(ours):
            return math.isnan(central) or any(map(math.isnan, nudged))
        if math.isinf(ours):
            return ours == central or ours in nudged
        if not math.isfinite(central):  # finite only where a nudge makes it so
            finite = [x for x in nudged if math.isfinite(x)]
            return bool(finite) and min(finite) <= ours <= max(finite)
        return abs(ours - central) <= self.rounding(i)

    def rounding(self, i):
        """How far rounding alone could move PyTorch's i-th number: the effects of nudging
        each node, added up, the reordering of a gradient's sum, and two ulps of the number
        itself."""
        central = self.central[i]
        effects = {}
        for nudge, result in self.nudged.items():
            if math.isfinite(result[i]):
                key = nudge.node, nudge.slope
                effects[key] = max(effects.get(key, 0.0), abs(result[i] - central))
        rounding = sum(effects.values()) + self.summing[i]
        return rounding + 2 * math.ulp(central) + SMALLEST_NORMAL


def describe(leaves, steps):
    lines = [f"leaves {leaves}"]
    for k, step in enumerate(steps, start=len(leaves)):
        number = "" if step.number is None else f", c = {step.number!r}"
        lines.append(f"  node {k} = {step.op.name} of nodes {step.operands}{number}")
    return "\n".join(lines)


def assert_agrees_with_torch(leaves, steps):
    ours = run_engine(leaves, steps)
    if isinstance(ours, OutsideTheReals):
        assert_refused_only_outside_the_reals(ours, leaves, steps)
        return
    plain = Oracle(leaves, steps, chain_like_the_engine=False)
    for i, x in enumerate(ours):
        if plain.allows(i, x):
            continue
        chained = Oracle(leaves, steps, chain_like_the_engine=True)
        nodes = len(ours) - len(leaves)
        what = f"node {i}" if i < nodes else f"the gradient of leaf {i - nodes}"
        assert chained.allows(i, x), (
            f"{what}: ours {x!r}, PyTorch {plain.central[i]!r} (rounding could move it "
            f"by {plain.rounding(i):.3g}), PyTorch chained as the engine chains "
            f"{chained.central[i]!r}\n{describe(leaves, steps)}"
        )


def assert_refused_only_outside_the_reals(refusal, leaves, steps):
    step, operands, error = refusal
    numbers = () if step.number is None else (step.number,)
    where = f"{step.op.name} of {operands} {numbers}\n{describe(leaves, steps)}"
    outside = step.op.outside_the_reals
    assert outside is not None and outside(*operands, *numbers), (
        f"the engine refused {where}: {error!r}"
    )
    # PyTorch, on the same numbers, has no real answer either: nan, or an infinite quotient.
    # (Except C's pow, which takes (-inf) ** y to be (+inf) ** y: 0 for y < 0.)
    theirs = step.op.theirs(*map(tensor, operands), *map(float, numbers)).item()
    negative_infinite_base = (
        -math.inf in (operands[0], *numbers) and "**" in step.op.name
    )
    assert not math.isfinite(theirs) or negative_infinite_base, where
    assert str(error), "an error must say what is wrong"


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=examples(150), deadline=None)
@given(data=st.data())
def test_each_operator_agrees_with_torch_over_the_whole_float_range(op, data):
    leaves, steps = data.draw(graphs(ops=[op], max_leaves=2, max_steps=1))
    assert_agrees_with_torch(leaves, steps)


@settings(max_examples=examples(300), deadline=None)
@given(graph=graphs())
def test_random_graphs_over_the_whole_float_range_agree_with_torch(graph):
    assert_agrees_with_torch(*graph)


# --- The cases that started this, one by one ------------------------------------------------


def graph(leaves, *steps):
    """A graph written out by hand: steps as (op name, operands, number)."""
    return leaves, [
        Step(OP_NAMED[name], operands, number) for name, operands, number in steps
    ]


CASES = {
    "1e-300 / 1e-310": graph([1e-300, 1e-310], ("a / b", (0, 1), None)),
    "1e-300 / the number 1e-310": graph([1e-300], ("a / c", (0,), 1e-310)),
    "the number 1e-300 / 1e-310": graph([1e-310], ("c / a", (0,), 1e-300)),
    "0 / 1e-200": graph([0.0, 1e-200], ("a / b", (0, 1), None)),
    "1e-200 / 1e-200": graph([1e-200, 1e-200], ("a / b", (0, 1), None)),
    "1e200 / 1e200": graph([1e200, 1e200], ("a / b", (0, 1), None)),
    "x / (x * x) at 8.6e-101": graph(
        [8.6e-101], ("a * b", (0, 0), None), ("a / b", (0, 1), None)
    ),
    "x ** relu(x) at -1": graph(
        [-1.0], ("relu(a)", (0,), None), ("a ** b", (0, 1), None)
    ),
    "relu(log(x)) at 5e-324": graph(
        [5e-324], ("log(a)", (0,), None), ("relu(a)", (1,), None)
    ),
    "1e200 ** 2": graph([1e200], ("a ** c", (0,), 2)),
    "10 ** 400": graph([10.0], ("a ** c", (0,), 400)),
    "3 ** 10**9": graph([3.0], ("a ** c", (0,), 10**9)),
    "exp(1000)": graph([1000.0], ("exp(a)", (0,), None)),
}


@pytest.mark.parametrize("case", CASES)
def test_where_floats_get_hard_the_engine_agrees_with_torch(case):
    assert_agrees_with_torch(*CASES[case])


def test_pytorch_divides_a_number_by_a_tensor_through_its_reciprocal_and_we_do_not():
    # Why the oracle for number / x divides two tensors: PyTorch's number / x is
    # x.reciprocal() * number, and 1 / 1e-310 overflows.
    x = torch.tensor(1e-310, dtype=torch.float64)
    assert (1e-300 / x).item() == math.inf
    assert (
        (tensor(1e-300) / x).item() == 1e-300 / 1e-310 == (1e-300 / Value(1e-310)).data
    )


def test_a_base_of_minus_zero_counts_as_zero_where_pytorch_takes_a_square_root():
    # Why the oracle's base is a + 0.0: PyTorch's (-0.0) ** 0.5 is sqrt(-0.0) = -0.0, with
    # the slope 0.5 / -0.0 = -inf; its own (-0.0) ** 0.5000001 is 0.0, as C's pow gives.
    t = torch.tensor(-0.0, dtype=torch.float64, requires_grad=True)
    root = t**0.5
    root.backward()
    assert math.copysign(1, root.item()) == -1 and t.grad.item() == -math.inf
    assert math.copysign(1, (t**0.5000001).item()) == 1
    x = Value(-0.0)
    ours = x**0.5
    ours.backward()
    assert math.copysign(1, ours.data) == 1 and x.grad == math.inf
