"""book/flipbook.py: what a chapter's step-through figure holds, with and without scripts.

The site tests drive the figures in Chromium; these check the HTML and the other outputs
themselves, and the errors a chapter gets for frames it cannot show.
"""

import base64
import html
import json
import re
import sys
import urllib.parse
from pathlib import Path

import pytest
from matplotlib.figure import Figure

BOOK = Path(__file__).resolve().parent.parent / "book"
sys.path.insert(0, str(BOOK))
from flipbook import Flipbook, Frame  # noqa: E402  (a chapter imports it from its folder)

sys.path.remove(str(BOOK))


def picture(y):
    """A small figure whose one point sits at height y: frames that differ a little."""
    figure = Figure(figsize=(2, 1.5))
    axes = figure.subplots()
    axes.plot([0, 1, 2], [0, y, 2], "o-")
    axes.set_title(f"y = {y}")
    return figure


def frames(count=4):
    return [
        Frame(
            picture(y),
            f"Step {y + 1}: y is {y} <now>",
            f"A line through (1, {y}) & more",
        )
        for y in range(count)
    ]


def data_of(page):
    (text,) = re.findall(
        r'<script type="application/json" class="flipbook-frames">(.*?)</script>', page
    )
    return json.loads(text)


def rebuilt(data, index):
    """A frame's SVG, put together from its runs of shared lines as the page's script does."""
    lines = data["lines"]
    return "".join(
        "".join(lines[first : first + count]) for first, count in data["frames"][index]
    )


def test_each_frame_is_rebuilt_exactly_from_the_shared_lines():
    book = Flipbook(frames(), label="Step")
    data = data_of(book.html())
    assert [rebuilt(data, i) for i in range(len(book))] == book.svgs
    assert all(svg.lstrip().startswith("<?xml") for svg in book.svgs)


def test_lines_the_frames_share_are_stored_once():
    book = Flipbook(frames(6), label="Step")
    stored = sum(len(line) for line in data_of(book.html())["lines"])
    assert stored < 1.5 * len(book.svgs[0]) < 0.25 * sum(map(len, book.svgs))


def test_without_scripts_the_page_shows_the_still_frame_its_alt_text_and_caption():
    book = Flipbook(frames(), label="Step", still=2)
    page = book.html()
    (image,) = re.findall(r"<img [^>]*>", page)
    src = re.search(r'src="data:image/svg\+xml;charset=utf-8,([^"]*)"', image)[1]
    assert urllib.parse.unquote(src) == book.svgs[2]
    assert f'alt="{html.escape(book.alts[2])}"' in image
    assert (
        f'<figcaption aria-live="polite" style="color: inherit">{html.escape(book.captions[2])}</figcaption>'
        in page
    )
    assert '<div class="flipbook-controls" hidden="hidden">' in page


def test_the_controls_are_labelled_and_span_every_frame():
    page = Flipbook(frames(5), label="Nudge <h>").html()
    assert re.search(r"<label[^>]*>Nudge &lt;h&gt;\s*<input type=\"range\"", page)
    assert 'min="0" max="4" step="1"' in page
    assert page.count('<button type="button">') == 2


def test_nothing_in_the_frames_can_end_their_script_early():
    figure = picture(1)
    figure.axes[0].set_title("</script><!-- a title a chapter might write -->")
    book = Flipbook([Frame(figure, "a caption", "an alt text")], label="Step")
    frames_json = book.html().split('class="flipbook-frames">')[1].split("</script>")[0]
    assert "<" not in frames_json
    assert rebuilt(json.loads(frames_json), 0) == book.svgs[0]


def test_other_builders_get_the_still_as_svg_and_png_and_a_description():
    book = Flipbook(frames(), label="Step", still=3)
    bundle = book._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "image/png", "text/plain"}
    assert bundle["image/svg+xml"] == book.svgs[3] != book.svgs[0]
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert (
        book.captions[3] in bundle["text/plain"]
        and book.alts[3] in bundle["text/plain"]
    )


def test_a_generator_may_redraw_one_figure_between_frames():
    figure = picture(0)
    (line,) = figure.axes[0].lines

    def redrawn():
        for y in range(3):
            line.set_ydata([0, y, 2])
            yield Frame(figure, f"y is {y}", f"A line through (1, {y})")

    book = Flipbook(redrawn(), label="Step", still=1)
    assert len(book) == 3 and len(set(book.svgs)) == 3
    # the still's PNG shows the figure as it was at frame 1, not as the generator left it
    redrawn_again = Flipbook(redrawn(), label="Step", still=2)
    assert book._still_png != redrawn_again._still_png


def test_the_same_frames_give_the_same_page():
    assert (
        Flipbook(frames(), label="Step").html()
        == Flipbook(frames(), label="Step").html()
    )


@pytest.mark.parametrize(
    ("frames_given", "options", "error", "message"),
    [
        ([], {}, ValueError, "at least one frame"),
        ([picture(1)], {}, TypeError, "frame 0 is Figure, not a Frame"),
        (
            [("not a figure", "caption", "alt")],
            {},
            TypeError,
            "not a matplotlib Figure",
        ),
        ([Frame(picture(1), "", "alt")], {}, ValueError, "frame 0 has no caption"),
        ([Frame(picture(1), "caption", "  ")], {}, ValueError, "frame 0 has no alt"),
        ([Frame(picture(1), "caption", "alt")], {"still": 1}, ValueError, "still=1"),
        ([Frame(picture(1), "caption", "alt")], {"still": -1}, ValueError, "still=-1"),
        ([Frame(picture(1), "caption", "alt")], {"label": ""}, ValueError, "label=''"),
    ],
)
def test_frames_it_cannot_show_are_refused_with_a_reason(
    frames_given, options, error, message
):
    with pytest.raises(error, match=re.escape(message)):
        Flipbook(frames_given, **{"label": "Step", **options})
