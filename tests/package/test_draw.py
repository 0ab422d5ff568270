"""micrograd.draw: what a picture of an expression graph shows, and that it stays readable."""

import io
import itertools
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from micrograd.draw import BOX_HEIGHT, COLOURS, MARGIN, MAX_SIZE, MIN_SIZE, draw_graph
from micrograd.engine import Value
from micrograd.tensor import Tensor

from budget import examples
from random_graphs import ON_VALUES, evaluate, graphs


def texts_of(figure):
    return [text.get_text() for text in figure.axes[0].texts]


def artists_of(figure, kind):
    return [child for child in figure.axes[0].get_children() if isinstance(child, kind)]


def karpathys_example():
    """L = (a*b + c) * f from the lecture, after backward()."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return L


def test_every_value_shows_its_label_data_and_grad_and_every_operation_its_name():
    texts = texts_of(draw_graph(karpathys_example(), title="the title"))
    for label, data, grad in [
        ("a", "2.0000", "6.0000"),
        ("b", "-3.0000", "-4.0000"),
        ("c", "10.0000", "-2.0000"),
        ("e", "-6.0000", "-2.0000"),
        ("d", "4.0000", "-2.0000"),
        ("f", "-2.0000", "4.0000"),
        ("L", "-8.0000", "1.0000"),
    ]:
        assert {label, f"data {data}", f"grad {grad}"} <= set(texts), label
    assert sorted(t for t in texts if t in "*+") == ["*", "*", "+"]
    assert "the title" in texts


def test_one_box_per_value_one_circle_per_operation_and_an_arrow_per_use():
    x = Value(3.0, label="x")
    s = x * x + x  # x is used three times
    figure = draw_graph(s)
    assert len(artists_of(figure, FancyBboxPatch)) == 3  # x, x*x, s
    assert len(artists_of(figure, Circle)) == 2
    # into * twice and into + once from x, into + from x*x; one from each circle to its box
    assert len(artists_of(figure, FancyArrowPatch)) == 6


def test_small_and_large_numbers_are_not_rounded_away():
    texts = texts_of(draw_graph(Value(1e-12) * Value(2.5e7)))
    assert "data 1.0000e-12" in texts and "data 2.5000e+07" in texts
    assert "data 2.5000e-05" in texts


def test_the_lectures_graph_fits_a_page_at_three_quarters_of_its_size():
    # A book's text column is about 7 inches wide: wider pictures are shrunk to fit, and
    # below three quarters of their size their 10-point text gets hard to read.
    width, _ = draw_graph(karpathys_example()).get_size_inches()
    assert width <= 7 / 0.75


@pytest.mark.parametrize("step", [lambda x: x + 1.0, Value.tanh], ids=["x + 1", "tanh"])
def test_a_graph_deeper_than_the_recursion_limit_draws_within_the_size_limit(step):
    x = Value(0.0)
    for _ in range(sys.getrecursionlimit() + 100):
        x = step(x)
    figure = draw_graph(x)
    width, height = figure.get_size_inches()
    assert max(width, height) <= MAX_SIZE
    # Scaled to fit, a chain of one row was once too thin to save ("cannot write empty
    # image"): its short side now stays as it was, a box and its margins, up to MIN_SIZE.
    assert min(width, height) >= min(MIN_SIZE, BOX_HEIGHT + 2 * MARGIN)
    figure.savefig(io.BytesIO(), format="png", dpi=72)


def outlined(figure):
    """The boxes and circles drawn in the highlight colour."""
    colour = to_rgba(COLOURS["highlight"])
    shapes = artists_of(figure, FancyBboxPatch) + artists_of(figure, Circle)
    return [shape for shape in shapes if shape.get_edgecolor() == colour]


def test_a_highlighted_value_is_outlined_over_its_box_and_its_operation():
    x = Value(3.0, label="x")
    square = x * x
    figure = draw_graph(square + x, highlight=square)
    (box,) = [shape for shape in outlined(figure) if isinstance(shape, FancyBboxPatch)]
    (circle,) = [shape for shape in outlined(figure) if isinstance(shape, Circle)]
    boxes = [extent(b) for b in artists_of(figure, FancyBboxPatch) if b is not box]
    circles = [extent(c) for c in artists_of(figure, Circle) if c is not circle]
    assert extent(box) in boxes and extent(circle) in circles
    # ...and the box it outlines is the one of `square`, x * x = 9
    (text,) = [t for t in figure.axes[0].texts if t.get_text() == "data 9.0000"]
    (x, y), (x0, y0, x1, y1) = text.get_position(), extent(box)
    assert x0 < x < x1 and y0 < y < y1
    # the circle is the operation just left of that box
    assert extent(circle)[2] < x0 and extent(circle)[1] < y < extent(circle)[3]


def test_a_highlighted_leaf_has_only_its_box_outlined():
    x = Value(3.0, label="x")
    assert [type(shape) for shape in outlined(draw_graph(x * x + x, highlight=x))] == [
        FancyBboxPatch
    ]
    assert outlined(draw_graph(x * x + x)) == []


@pytest.mark.parametrize(
    "root, advice",
    [
        (3.0, "got float 3.0: pass a Value"),
        ([Value(1.0)], "draw each of its values"),
        # It has inputs, as a Value does, but an array for its data.
        (Tensor([1.0, 2.0]) * 2.0, r"got Tensor Tensor\(\[2\., 4\.\]\): pass a Value"),
    ],
    ids=["number", "list", "tensor"],
)
def test_drawing_something_that_is_not_a_value_says_so(root, advice):
    with pytest.raises(TypeError, match=f"draw_graph draws one Value .*{advice}"):
        draw_graph(root)


def test_highlighting_a_value_outside_the_graph_says_so():
    x = Value(3.0)
    with pytest.raises(ValueError, match="not in the graph being drawn"):
        draw_graph(x * 2, highlight=Value(3.0))


# How far inside a box or a circle an arrow must pass to count as running through it, in the
# drawing's units (inches): an arrow starts and ends on an edge.
INSIDE = 0.01


def through_a_shape(figure):
    """The arrows that run through a box or a circle, each with the first such shape."""
    boxes = artists_of(figure, FancyBboxPatch)
    circles = artists_of(figure, Circle)
    corners = np.array([extent(box) for box in boxes]).reshape(-1, 4)
    low, high = corners[:, :2] + INSIDE, corners[:, 2:] - INSIDE
    centres = np.array([c.center for c in circles]).reshape(-1, 2)
    radii = np.array([c.radius for c in circles]) - INSIDE
    crossing = []
    for arrow in artists_of(figure, FancyArrowPatch):
        points = points_along(arrow)[:, None, :]  # each point against every shape
        in_box = ((points > low) & (points < high)).all(axis=2).any(axis=0)
        distances = np.linalg.norm(points - centres, axis=2)
        in_circle = (distances < radii).any(axis=0)
        shapes = [b for b, hit in zip(boxes, in_box, strict=True) if hit]
        shapes += [c for c, hit in zip(circles, in_circle, strict=True) if hit]
        if shapes:
            crossing.append((arrow, shapes[0]))
    return crossing


def points_along(arrow):
    """Points along an arrow's path, close together, in the drawing's units."""
    return arrow.get_path().interpolated(30).vertices


def test_an_arrow_through_a_box_is_found():
    """through_a_shape can fail: a box moved onto the middle of an arrow is found."""
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    figure = draw_graph((x * y).tanh())
    assert through_a_shape(figure) == []
    arrow = artists_of(figure, FancyArrowPatch)[0]
    middle_x, middle_y = points_along(arrow)[15]
    box = artists_of(figure, FancyBboxPatch)[-1]
    box.set_x(middle_x - box.get_width() / 2)
    box.set_y(middle_y - box.get_height() / 2)
    assert box in [shape for _, shape in through_a_shape(figure)]


def extent(shape):
    """The rectangle (x0, y0, x1, y1) that a box or a circle covers."""
    if isinstance(shape, Circle):
        (x, y), r = shape.center, shape.radius
        return x - r, y - r, x + r, y + r
    x, y = shape.get_x(), shape.get_y()
    return x, y, x + shape.get_width(), y + shape.get_height()


def overlap(a, b):
    """Do two rectangles share more than an edge?"""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=examples(30), deadline=None)
@given(graph=graphs(max_steps=12))
def test_no_two_boxes_or_circles_overlap_and_no_arrow_runs_through_one(graph):
    """Both on one drawing of each graph: drawing is most of the time these take."""
    leaves, steps = graph
    out = evaluate(steps, [Value(x) for x in leaves], ON_VALUES)[-1]
    figure = draw_graph(out)
    shapes = artists_of(figure, FancyBboxPatch) + artists_of(figure, Circle)
    for first, second in itertools.combinations(map(extent, shapes), 2):
        assert not overlap(first, second), (first, second)
    assert through_a_shape(figure) == []
