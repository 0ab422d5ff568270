"""The `drawing` chapter: each step of the layout that micrograd.draw is made of does what the
chapter says of it (a walk in operand order, longest-path columns with the leaves moved up to
their first use, one placeholder per column an arrow skips, fewer crossings, rows spread as
close to where they want to be as their gaps allow)."""

import itertools
import math
import random
import sys
from itertools import accumulate, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from code_state import package_after

PACKAGE = package_after("drawing")
draw, Value = PACKAGE.draw, PACKAGE.engine.Value


def labelled(data, label):
    return Value(data, label=label)


def skip_neuron():
    """y = tanh(x*w + b) + x, the chapter's first example."""
    x, w, b = labelled(1.0, "x"), labelled(2.0, "w"), labelled(0.5, "b")
    return (x * w + b).tanh() + x, (x, w, b)


OPERATIONS = [
    lambda a, b, c: a + b,
    lambda a, b, c: a * b,
    lambda a, b, c: a.tanh(),
    lambda a, b, c: Value.sum([a, b, c]),
]


def random_expression(rng, leaves, operations):
    """The last value of a computation whose operations take earlier values at random."""
    values = [Value(rng.uniform(-1, 1)) for _ in range(leaves)]
    for _ in range(operations):
        values.append(rng.choice(OPERATIONS)(*rng.choices(values, k=3)))
    return values[-1]


def random_graphs(count, seed=0):
    rng = random.Random(seed)
    return [
        random_expression(rng, rng.randint(1, 6), rng.randint(0, 25))
        for _ in range(count)
    ]


def layout(root, sweeps=4):
    """The rows of the graph of `root` after `sweeps` sweeps, as the chapter builds them."""
    order = draw._walk(root)
    column = draw._columns(order)
    layers, routes, left, right = draw._layers(order, column)
    draw._order_rows(layers, left, right, sweeps)
    return order, column, layers, routes, left, right


def crossings(root, sweeps=4):
    """How many pairs of arrows cross, once the rows are ordered by `sweeps` sweeps."""
    _, _, layers, _, _, right = layout(root, sweeps)
    total = 0
    for here, there in pairwise(layers):
        a_at = {row: i for i, row in enumerate(here)}
        b_at = {row: i for i, row in enumerate(there)}
        arrows = [(a_at[a], b_at[b]) for a in here for b in right.get(a, [])]
        total += sum(
            (a1 - a2) * (b1 - b2) < 0
            for (a1, b1), (a2, b2) in itertools.combinations(arrows, 2)
        )
    return total


def test_the_walk_lists_each_value_once_after_its_inputs_first_operand_first():
    y, (x, w, b) = skip_neuron()
    order = draw._walk(y)
    assert order[:2] == [x, w] and order[3] is b and order[-1] is y
    assert [value._op for value in order] == ["", "", "*", "", "+", "tanh", "+"]
    position = {value: i for i, value in enumerate(order)}
    assert len(position) == len(order)
    assert all(
        position[child] < position[value] for value in order for child in value._prev
    )
    square = x * x
    assert draw._walk(square) == [x, square]


def test_the_walk_needs_no_recursion():
    deep = Value(0.5)
    for _ in range(3 * sys.getrecursionlimit()):
        deep = deep.tanh()
    assert len(draw._walk(deep)) == 3 * sys.getrecursionlimit() + 1


def test_columns_follow_the_longest_path_and_leaves_stand_just_before_their_first_use():
    y, (x, w, b) = skip_neuron()
    column = draw._columns(draw._walk(y))
    assert (column[x], column[w], column[b], column[y]) == (0, 0, 1, 4)
    for root in random_graphs(60):
        order = draw._walk(root)
        column = draw._columns(order)
        assert all(
            column[child] < column[value] for value in order for child in value._prev
        )
        for leaf in (value for value in order if not value._prev and value is not root):
            assert column[leaf] + 1 == min(column[v] for v in order if leaf in v._prev)


def test_an_arrow_gets_one_placeholder_in_each_column_it_skips_and_one_route_per_use():
    y, (x, _, _) = skip_neuron()
    _, column, layers, routes, left, right = layout(y, sweeps=0)
    assert [len(route) - 2 for route in routes] == [0, 0, 0, 0, 0, 0, 3]
    long_route = routes[-1]
    assert long_route[0] is x and long_route[-1] is y
    assert all(type(row) is object for row in long_route[1:-1])
    where = {row: k for k, layer in enumerate(layers) for row in layer}
    assert all(where[a] + 1 == where[b] for route in routes for a, b in pairwise(route))
    square = x * x  # two uses, two arrows, and x is twice a neighbour of x*x
    _, _, _, routes, left, _ = layout(square)
    assert routes == [[x, square], [x, square]] and left[square] == [x, x]


def test_the_barycentre_sweeps_remove_the_skip_neurons_crossing_and_most_others():
    y, _ = skip_neuron()
    assert crossings(y, sweeps=0) == 1 and crossings(y) == 0
    graphs = random_graphs(120)
    before = sum(crossings(root, sweeps=0) for root in graphs)
    after = sum(crossings(root) for root in graphs)
    assert after < before / 3


def test_the_ordering_moves_rows_within_their_column_and_keeps_ties_in_order():
    for root in random_graphs(40):
        _, _, layers, _, left, right = layout(root, sweeps=0)
        before = [set(map(id, layer)) for layer in layers]
        draw._order_rows(layers, left, right)
        assert [set(map(id, layer)) for layer in layers] == before
        assert all(len(set(map(id, layer))) == len(layer) for layer in layers)
    a, b = labelled(1.0, "a"), labelled(2.0, "b")
    assert layout(a * b)[2][0] == [a, b] and layout(b * a)[2][0] == [b, a]


def closest_non_decreasing(targets):
    """The min-max formula of isotonic regression, independent of pooling."""
    n = len(targets)
    return [
        max(
            min(sum(targets[j : k + 1]) / (k + 1 - j) for k in range(i, n))
            for j in range(i + 1)
        )
        for i in range(n)
    ]


def test_spread_matches_the_chapters_examples():
    assert [round(v, 12) for v in draw._spread([0, 0.2, 3], [1, 1])] == [-0.4, 0.6, 3]
    assert draw._spread([0, 0, 0, 5], [1, 1, 1]) == [-1, 0, 1, 5]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(0, 3)), min_size=1, max_size=8))
def test_spread_keeps_the_gaps_and_is_the_closest_such_sequence(rows):
    wanted = [w for w, _ in rows]
    gaps = [g for _, g in rows[1:]]
    spread = draw._spread(wanted, gaps)
    assert all(
        b - a >= g - 1e-9 for (a, b), g in zip(pairwise(spread), gaps, strict=True)
    )
    offsets = list(accumulate(gaps, initial=0))
    best = closest_non_decreasing([w - o for w, o in zip(wanted, offsets, strict=True)])
    assert all(
        math.isclose(s - o, z, abs_tol=1e-9)
        for s, o, z in zip(spread, offsets, best, strict=True)
    )


def test_rows_never_come_closer_than_their_gap():
    for root in random_graphs(60):
        order, _, layers, _, left, right = layout(root)
        heights = {value: draw.BOX_HEIGHT for value in order}
        y = draw._rows(layers, left, right, heights)
        for layer in layers:
            for (above, below), gap in zip(
                pairwise(layer), draw._gaps(layer, heights), strict=True
            ):
                assert y[below] - y[above] >= gap - 1e-9


def test_arrows_into_one_circle_stay_on_its_left_in_the_order_they_come_from():
    target, sources = Value(0.0), [object() for _ in range(12)]
    routes = [[source, target] for source in sources]
    y = {source: float(i) for i, source in enumerate(sources)} | {target: 5.5}
    ends = draw._arrival_points(
        routes, y, [draw._Column(0, 0, 0, 0)], {target: 0}, {target: 1}
    )
    angles = [math.degrees(math.atan2(5.5 - ey, -ex)) for ex, ey in ends]
    assert all(abs(math.hypot(ex, ey - 5.5) - 1) < 1e-12 for ex, ey in ends)
    assert max(map(abs, angles)) <= 70 + 1e-9 and angles == sorted(angles, reverse=True)
    few = draw._arrival_points(
        routes[:3], y, [draw._Column(0, 0, 0, 0)], {target: 0}, {target: 1}
    )
    spacing = [math.degrees(math.atan2(5.5 - ey, -ex)) for ex, ey in few]
    assert [round(angle, 9) for angle in spacing] == [35, 0, -35]


def test_a_curve_leaves_level_and_arrives_heading_for_the_point_it_aims_at():
    points, codes = [(0.0, 0.0)], [draw.Path.MOVETO]
    end, toward = (2.0, 1.0), (2.3, 1.2)
    draw._curve(points, codes, end, toward=toward)
    (_, y0), (_, y1), (x2, y2), (x3, y3) = points
    assert y1 == y0 and (x3, y3) == end
    cross = (x3 - x2) * (toward[1] - y3) - (y3 - y2) * (toward[0] - x3)
    assert abs(cross) < 1e-12 and x3 > x2


def test_a_large_layout_is_scaled_down_to_the_largest_size():
    axes, scale = draw._canvas(30, -1, 1, title=None)
    assert axes.figure.get_size_inches()[0] == draw.MAX_SIZE
    assert scale == pytest.approx(draw.MAX_SIZE / (30 + 2 * draw.MARGIN))
    axes, scale = draw._canvas(3, -1, 1, title="a title")
    assert scale == 1


@pytest.mark.parametrize(
    "x, shown",
    [
        (2.0, "2.0000"),
        (-0.0, "-0.0000"),
        (0.001, "0.0010"),
        (0.0005, "5.0000e-04"),
        (1e-12, "1.0000e-12"),
        (999999.99999, "1000000.0000"),
        (2.5e7, "2.5000e+07"),
        (math.inf, "inf"),
    ],
)
def test_numbers_show_four_decimals_or_scientific_notation(x, shown):
    assert draw._number(x) == shown
