"""Figures a reader steps through on the static page: pictures drawn at build time, a slider.

`Flipbook(frames, label=...)` shows one frame at a time, with a slider and previous and next
buttons to move between them. Every frame is drawn by the chapter's own code when the book
is built; a few lines of plain JavaScript in the page swap them, so the figure needs no
kernel and nothing from the network. Where scripts do not run (a browser that blocks them,
a notebook Jupyter does not trust, a PDF), the reader sees the `still` frame, its alt text
and its caption.

The frames are SVG, sharp at any zoom. Consecutive frames are mostly the same picture, so
the page stores each distinct line of their SVG once and each frame as runs of those lines:
nine pictures of a graph take about the bytes of two.
"""

import base64
import html
import io
import json
import urllib.parse
from collections import namedtuple

import matplotlib
from matplotlib.figure import Figure

Frame = namedtuple("Frame", "figure caption alt")
Frame.__doc__ = """One picture of a flipbook: a matplotlib figure, the caption that says
what this frame shows (read aloud as the slider moves) and the picture's alt text."""

# The same salt for every frame gives the same ids to the same clip paths and markers, so
# that the lines holding them are shared between frames (and the build is reproducible).
_SVG_SETTINGS = {"svg.hashsalt": "flipbook"}
STILL_DPI = 150  # the PNG that builders without HTML (LaTeX) show instead

# Runs in the page: finds each flipbook not yet started (a page may hold several, and
# Jupyter may show the same output twice), rebuilds a frame's SVG from its runs of shared
# lines, and shows it with its alt text and caption.
_SCRIPT = """
(() => {
  for (const figure of document.querySelectorAll("figure.flipbook:not([data-ready])")) {
    figure.dataset.ready = "";
    const data = JSON.parse(figure.querySelector("script.flipbook-frames").textContent);
    const image = figure.querySelector("img");
    const caption = figure.querySelector("figcaption");
    const slider = figure.querySelector("input[type=range]");
    const [previous, next] = figure.querySelectorAll("button");
    const svg = i => data.frames[i]
      .map(([first, count]) => data.lines.slice(first, first + count).join("")).join("");
    const show = i => {
      i = Math.min(Math.max(i, 0), data.frames.length - 1);
      slider.value = i;
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg(i));
      image.alt = data.alts[i];
      caption.textContent = data.captions[i];
      slider.setAttribute("aria-valuetext", data.captions[i]);
      for (const [button, end] of [[previous, 0], [next, data.frames.length - 1]]) {
        button.setAttribute("aria-disabled", i === end);
        button.style.opacity = i === end ? 0.4 : 1;
      }
    };
    slider.addEventListener("input", () => show(Number(slider.value)));
    previous.addEventListener("click", () => show(Number(slider.value) - 1));
    next.addEventListener("click", () => show(Number(slider.value) + 1));
    figure.querySelector(".flipbook-controls").hidden = false;
    show(0);
  }
})();
"""


class Flipbook:
    """Frames shown one at a time, with a slider labelled `label` to move between them.

    With scripts, the figure opens at the first frame; without, it shows frame `still`.
    Each frame is drawn as it arrives, so `frames` may be a generator that changes one
    figure between frames instead of drawing a new one for each.
    """

    def __init__(self, frames, *, label, still=0):
        if not isinstance(label, str) or not label.strip():
            raise ValueError(
                f"label={label!r}: name what the slider moves through, such as 'Step'"
            )
        if not isinstance(still, int) or still < 0:
            raise ValueError(f"still={still!r} is not the index of a frame")
        self.label, self.still = label, still
        self.svgs, self.captions, self.alts = [], [], []
        for index, frame in enumerate(frames):
            figure, caption, alt = _checked(frame, index)
            self.svgs.append(_svg(figure))
            self.captions.append(caption)
            self.alts.append(alt)
            if index == still:
                self._still_png = _png(figure)
        if not self.svgs:
            raise ValueError("a Flipbook needs at least one frame")
        if still >= len(self.svgs):
            raise ValueError(
                f"still={still!r} is not the index of one of the {len(self.svgs)} frames"
            )

    def __len__(self):
        return len(self.svgs)

    def _repr_mimebundle_(self, include=None, exclude=None):
        still_text = f"{self.captions[self.still]}\n{self.alts[self.still]}"
        return {
            "text/html": self.html(),
            # The PDF's choice (myst-nb puts SVG first for LaTeX): vector graphics.
            "image/svg+xml": self.svgs[self.still],
            "image/png": base64.b64encode(self._still_png).decode("ascii"),
            "text/plain": f"[{len(self)} frames; shown: frame {self.still + 1}] {still_text}",
        }

    def html(self):
        """The figure as HTML: the still frame, hidden controls, the frames, the script."""
        lines, frames = _shared_lines(self.svgs)
        data = {"lines": lines, "frames": frames, "captions": self.captions}
        data["alts"] = self.alts
        # "<" escaped, so that no "</script>" or "<!--" in the SVG can end the script early
        frames_json = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
        still = urllib.parse.quote(self.svgs[self.still], safe=" /=:;,.-_'()")
        # hidden="hidden", not a bare `hidden`: Jupyter's sanitizer drops the bare one.
        # The theme greys figure captions, unreadable on the light background it gives an
        # HTML output in dark mode: this caption keeps the output's own colour.
        return f"""<figure class="flipbook" style="margin: 1em 0">
<img src="data:image/svg+xml;charset=utf-8,{still}" alt="{html.escape(self.alts[self.still])}" style="max-width: 100%; height: auto">
<div class="flipbook-controls" hidden="hidden">
<div style="display: flex; align-items: center; gap: 0.75em; flex-wrap: wrap">
<button type="button"><span aria-hidden="true">◀</span> Previous</button>
<label style="display: flex; align-items: center; gap: 0.5em; flex: 1; min-width: 12em">{html.escape(self.label)}
<input type="range" min="0" max="{len(self) - 1}" step="1" value="{self.still}" style="flex: 1">
</label>
<button type="button">Next <span aria-hidden="true">▶</span></button>
</div>
</div>
<figcaption aria-live="polite" style="color: inherit">{html.escape(self.captions[self.still])}</figcaption>
<script type="application/json" class="flipbook-frames">{frames_json}</script>
<script>{_SCRIPT}</script>
</figure>
"""


def _checked(frame, index):
    if not (isinstance(frame, tuple) and len(frame) == 3):
        raise TypeError(
            f"frame {index} is {type(frame).__name__}, not a Frame(figure, caption, alt)"
        )
    frame = Frame(*frame)
    if not isinstance(frame.figure, Figure):
        raise TypeError(
            f"frame {index}: the figure is {type(frame.figure).__name__}, not a "
            "matplotlib Figure (draw_graph returns one, so does Figure())"
        )
    for part in ["caption", "alt"]:
        text = getattr(frame, part)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                f"frame {index} has no {part}: every frame needs a caption that says what "
                "it shows and alt text that describes the picture, for readers who "
                "cannot see it"
            )
    return frame


def _svg(figure):
    buffer = io.BytesIO()
    with matplotlib.rc_context(_SVG_SETTINGS):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue().decode("utf-8")


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=STILL_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _shared_lines(texts):
    """Every distinct line of `texts` once, and each text as runs [first, count] of them.

    A line repeated within a text (SVG has many a `</g>`) counts as a new line each time,
    so that the runs are not broken at every repeat.
    """
    index, runs_of_texts = {}, []
    for text in texts:
        runs, seen = [], {}
        for line in text.splitlines(keepends=True):
            seen[line] = seen.get(line, 0) + 1
            number = index.setdefault((line, seen[line]), len(index))
            if runs and runs[-1][0] + runs[-1][1] == number:
                runs[-1][1] += 1
            else:
                runs.append([number, 1])
        runs_of_texts.append(runs)
    return [line for line, _ in index], runs_of_texts
