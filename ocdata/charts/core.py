"""The primitives every chart is drawn with: a canvas of SVG elements in px, an axes that maps data to px,
the title, the legend below the plot, and :class:`Chart` with its envelope.

Sizes follow :mod:`ocdata.plots` (inches × 96 px, font sizes in points × 4/3). Text is written as text and
cannot be measured in the page, so margins are fixed and widths are estimated from DejaVu Sans' advances
(:func:`text_width`) only where text must wrap, be spaced or fit. The same input gives the same bytes: no
randomness, coordinates to 0.01 px.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ocdata.codebook import colors, composites, label_of
from ocdata.views.svg import FONT_STACK

PX = 96
"""Pixels per inch (``plots.DPI``)."""
PT = PX / 72
"""Pixels per point."""
PILLAR_COLORS = colors()
"""Composite id -> colour (the codebook's ``color`` column, as ``plots.PILLAR_COLORS``), pillars first."""
PILLAR_LABELS = {c: label_of(c) for c in composites()}
"""Composite id -> label, from the codebook."""
# Shared with ocdata.plots (which reads them from here): a report need not import matplotlib to draw a chart.
SERIES_COLOR = "#D55E00"
REGION_COLOR = "#0072B2"
HIGHLIGHT = "#111111"
MUTED = "#B8BEC6"
SCORE_RANGE = (0, 10)
MAX_LINES = 8
"""More countries than this and a line chart becomes small multiples."""
GRID = "#E5E7EB"
ZERO_LINE = "#6B7280"
FONT = 9 * PT
"""The body font size in px (9 pt)."""
SMALL = 8 * PT
TITLE = 10 * PT
LEAST = 7.5 * PT
"""The smallest text a chart draws (10 px): on a phone the page shows a chart at its own size, so this is the
smallest text a reader meets."""
CHAR = 0.6
"""Estimated width of a character the table below does not know, in em."""
_ADVANCES = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u00b7\u2212",
    (0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337,
     *[0.636] * 10, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775,
     0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989,
     0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634,
     0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592,
     0.592, 0.525, 0.636, 0.337, 0.636, 0.838, 0.318, 0.838), strict=True))
"""Advance widths (em) of DejaVu Sans, the widest font of the stack, for ASCII, the middle dot and the minus."""
_ID = "\x00"
"""Stands for the per-chart id prefix until the body is complete."""


def num(value: float) -> str:
    """A coordinate to 0.01 with no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def esc(text: object) -> str:
    """Text escaped for an element or an attribute."""
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The estimated width of ``text`` at ``size`` px (in DejaVu Sans; accented letters as their base letter,
    wide East Asian characters 1 em, anything else :data:`CHAR`)."""
    return sum(_advance(c) for c in text) * size * (1.1 if bold else 1.0)


def _advance(char: str) -> float:
    width = _ADVANCES.get(char)
    if width is None:
        base = unicodedata.normalize("NFD", char)[:1]
        width = _ADVANCES.get(base, 1.0 if unicodedata.east_asian_width(char) in "WF" else CHAR)
    return width


def score(value: float) -> str:
    """A score as printed in hover titles: two decimals."""
    return f"{value:.2f}"


@dataclass(frozen=True)
class Chart:
    """A chart drawn as SVG: its size in px and its body (the elements inside ``<svg>``)."""

    width: float
    height: float
    body: str

    def svg(self, alt: str = "") -> str:
        """The whole SVG, ``alt`` as its accessible name and title (what the chart shows, in a sentence)."""
        label = esc(alt)
        w, h = num(self.width), num(self.height)
        head = ('<svg class="oc-svg" role="img"' + (f' aria-label="{label}"' if alt else "")
                + f' xmlns="http://www.w3.org/2000/svg" width="{w}px" height="{h}px" viewBox="0 0 {w} {h}">')
        title = f"<title>{label}</title>" if alt else ""
        style = (f"<style>.oc-svg text{{font-family: {FONT_STACK}}} "
                 ".oc-svg{stroke-linejoin: round; stroke-linecap: butt}</style>")
        return f"{head}{title}{style}{self.body}</svg>"

    def _repr_svg_(self) -> str:
        """Shown as SVG when a notebook cell ends with a chart (without alt text: :func:`show` gives one)."""
        return self.svg()

    def __repr__(self) -> str:
        """One line (a notebook's ``text/plain``; the SVG stays the display): size, the marks with a hover title,
        and the title: ``<Chart 624×240 px SVG, 4 bars: 'Kyrgyzstan, 2025'>``."""
        marks = [(kind, " stroke=" in attrs, "url(" in attrs) for kind, attrs in _MARK.findall(self.body)]
        counts = {"bars": sum(k == "rect" and not stroked and not hatched for k, stroked, hatched in marks),
                  "cells": sum(k == "rect" and stroked for k, stroked, _ in marks),
                  "points": sum(k == "circle" for k, _, _ in marks),
                  "lines": self.body.count("<polyline ")}
        drawn = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no marks"
        title = " ".join(html.unescape(t) for t in _TITLE.findall(self.body))
        title = title if len(title) <= 60 else title[:59] + "…"
        return (f"<Chart {num(self.width)}×{num(self.height)} px SVG, {drawn}"
                + (f": {title!r}>" if title else ">"))


_MARK = re.compile(r"<(rect|circle)\b([^>]*)><title>")
"""A bar, cell or point: the marks drawn with a hover title (legend handles have none)."""
_TITLE = re.compile(rf'<text [^>]*font-size="{num(TITLE)}" font-weight="bold">([^<]*)</text>')
"""A line of the chart's title (:func:`draw_title`)."""


@dataclass
class Canvas:
    """SVG elements in drawing order; :meth:`chart` finishes them into a :class:`Chart`."""

    width: float
    height: float
    parts: list[str] = field(default_factory=list)
    defs: dict[str, str] = field(default_factory=dict)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def ref(self, name: str, definition: str) -> str:
        """``url(#…)`` of a definition (a pattern), added once; ``definition`` holds ``id="{id}"``."""
        self.defs.setdefault(name, definition.replace('id="{id}"', f'id="{_ID}{name}"'))
        return f"url(#{_ID}{name})"

    def rect(self, x: float, y: float, w: float, h: float, fill: str, title: str = "", extra: str = "") -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        tag = f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" fill="{fill}"{extra}'
        self.add(f"{tag}><title>{esc(title)}</title></rect>" if title else f"{tag}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 0.8 * PT,
             extra: str = "") -> None:
        self.add(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}" '
                 f'stroke-width="{num(width)}"{extra}/>')

    def path(self, d: str, stroke: str, width: float, fill: str = "none", extra: str = "") -> None:
        self.add(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{num(width)}"{extra}/>')

    def polyline(self, points: Iterable[tuple[float, float]], stroke: str, width: float) -> None:
        coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        self.add(f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{num(width)}"/>')

    def circle(self, x: float, y: float, r: float, fill: str, title: str = "", extra: str = "") -> None:
        tag = f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{fill}"{extra}'
        self.add(f"{tag}><title>{esc(title)}</title></circle>" if title else f"{tag}/>")

    def text(self, x: float, y: float, text: str, size: float = FONT, anchor: str = "start", *,
             bold: bool = False, middle: bool = False, rotate: float = 0, fill: str = "",
             pre: bool = False) -> None:
        """Text at ``(x, y)``: ``y`` is the baseline, or the middle of the letters with ``middle``."""
        if middle:
            y += 0.36 * size
        attrs = f' x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if bold:
            attrs += ' font-weight="bold"'
        if fill:
            attrs += f' fill="{fill}"'
        if pre:
            attrs += ' xml:space="preserve"'
        if rotate:
            attrs += f' transform="rotate({num(rotate)} {num(x)} {num(y - (0.36 * size if middle else 0))})"'
        self.add(f"<text{attrs}>{esc(text)}</text>")

    def chart(self) -> Chart:
        """The finished chart: ids get a prefix made from the content, so charts on one page never clash."""
        body = ("<defs>" + "".join(self.defs.values()) + "</defs>" if self.defs else "") + "".join(self.parts)
        if _ID in body:
            prefix = "c" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:8] + "-"
            body = body.replace(_ID, prefix)
        return Chart(round(self.width, 2), round(self.height, 2), body)


@dataclass(frozen=True)
class Axes:
    """A plot area in px (``left, top, right, bottom``) and its data limits; ``invert_y`` for bar charts whose
    first category is on top."""

    left: float
    top: float
    right: float
    bottom: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def x(self, value: float) -> float:
        lo, hi = self.xlim
        return self.left + (value - lo) / (hi - lo) * (self.right - self.left)

    def y(self, value: float) -> float:
        lo, hi = self.ylim
        return self.bottom - (value - lo) / (hi - lo) * (self.bottom - self.top)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def nice_ticks(lo: float, hi: float, most: int = 9) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside ``[lo, hi]``."""
    span = hi - lo if hi > lo else 1.0
    raw = span / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick value with as many decimals as its step needs, with a true minus sign."""
    decimals = 0 if float(step).is_integer() else len(f"{step:.4f}".rstrip("0").split(".")[1])
    text = f"{value:.{decimals}f}"
    return ("\u2212" + text[1:]) if text.startswith("-") and float(text) != 0 else text.lstrip("-")


def padded(lo: float, hi: float, margin: float = 0.05) -> tuple[float, float]:
    """Data limits widened by ``margin`` of their span on each side (matplotlib's autoscale)."""
    span = hi - lo
    if span == 0:
        return lo - 1, hi + 1
    return lo - margin * span, hi + margin * span


def x_axis(canvas: Canvas, ax: Axes, ticks: Sequence[float], labels: Sequence[str] | None = None, *,
           label: str = "", grid: bool = True, tick_labels: bool = True) -> None:
    """Vertical grid lines, the bottom spine, its ticks and tick labels, and the axis label below."""
    labels = labels if labels is not None else [tick_label(t, _step(ticks)) for t in ticks]
    for value, text in zip(ticks, labels, strict=True):
        x = ax.x(value)
        if grid:
            canvas.line(x, ax.top, x, ax.bottom, GRID, 0.6 * PT)
        canvas.line(x, ax.bottom, x, ax.bottom + 3.5 * PT, "#000")
        if tick_labels:
            canvas.text(x, ax.bottom + 7 * PT + FONT * 0.8, text, anchor="middle")
    canvas.line(ax.left, ax.bottom, ax.right, ax.bottom, "#000")
    if label:
        canvas.text((ax.left + ax.right) / 2, ax.bottom + 7 * PT + FONT * 2.1, label, anchor="middle")


def y_axis(canvas: Canvas, ax: Axes, ticks: Sequence[float], labels: Sequence[str] | None = None, *,
           label: str = "", grid: bool = True, tick_labels: bool = True, pre: bool = False,
           label_offset: float | None = None) -> None:
    """Horizontal grid lines, the left spine, its ticks and tick labels (right-aligned), the axis label."""
    labels = labels if labels is not None else [tick_label(t, _step(ticks)) for t in ticks]
    for value, text in zip(ticks, labels, strict=True):
        y = ax.y(value)
        if grid:
            canvas.line(ax.left, y, ax.right, y, GRID, 0.6 * PT)
        canvas.line(ax.left - 3.5 * PT, y, ax.left, y, "#000")
        if tick_labels:
            canvas.text(ax.left - 7 * PT, y, text, anchor="end", middle=True, pre=pre)
    canvas.line(ax.left, ax.top, ax.left, ax.bottom, "#000")
    if label:
        offset = text_width("10", FONT) if label_offset is None else label_offset
        x = ax.left - 7 * PT - offset - FONT * 0.7
        canvas.text(x, (ax.top + ax.bottom) / 2, label, anchor="middle", rotate=-90)


def _step(ticks: Sequence[float]) -> float:
    return ticks[1] - ticks[0] if len(ticks) > 1 else 1.0


def wrap_title(title: str, width: float) -> list[str]:
    """The title's lines at a figure ``width`` px wide (as ``plots``: 6 pt per character)."""
    return textwrap.wrap(title, max(int(width / PX * 72 / 6.0), 20)) if title else []


def title_room(lines: Sequence[str], top: float, panel_titles: bool = False) -> float:
    """The top margin (px) a title of ``lines`` needs: at least ``top``."""
    if not lines:
        return top
    needed = (0.3 + 0.17 * (len(lines) - 1) + 0.25 * panel_titles) * PX
    return max(top, needed)


def draw_title(canvas: Canvas, lines: Sequence[str]) -> None:
    """The title at the top left, bold, one ``<text>`` per line."""
    for k, line in enumerate(lines):
        canvas.text(0.01 * canvas.width, 0.08 * PX + TITLE * 0.85 + k * 0.17 * PX, line, TITLE, bold=True)


@dataclass(frozen=True)
class Key:
    """A legend entry: a label and how its handle looks (``patch``, ``hatch``, ``line``, ``dot``, ``tick``)."""

    label: str
    color: str
    kind: str = "patch"


def legend_rows(keys: Sequence[Key], width: float) -> list[list[tuple[Key, float]]]:
    """Entries flowed left to right in rows no wider than ``width``, each with its x offset."""
    rows: list[list[tuple[Key, float]]] = [[]]
    x = 0.0
    for key in keys:
        w = 1.4 * SMALL + 0.8 * SMALL + text_width(key.label, SMALL)
        if rows[-1] and x + w > width:
            rows.append([])
            x = 0.0
        rows[-1].append((key, x))
        x += w + 1.2 * SMALL
    return rows if rows[0] else []


LEGEND_ROW = 1.5 * SMALL


def legend_height(keys: Sequence[Key], width: float) -> float:
    """The height (px) the legend of ``keys`` takes at the bottom of a chart ``width`` px wide."""
    rows = legend_rows(keys, width - 0.02 * width - 8)
    return len(rows) * LEGEND_ROW + 0.6 * SMALL if rows else 0


def draw_legend(canvas: Canvas, keys: Sequence[Key]) -> None:
    """The legend in the bottom margin, left-aligned, where it cannot cover a bar or a point."""
    rows = legend_rows(keys, canvas.width - 0.02 * canvas.width - 8)
    x0 = 0.01 * canvas.width + 0.4 * SMALL
    for k, row in enumerate(rows):
        middle = canvas.height - 0.5 * SMALL - (len(rows) - k - 0.5) * LEGEND_ROW
        for key, dx in row:
            x = x0 + dx
            handle = 1.4 * SMALL
            if key.kind in ("patch", "hatch"):
                canvas.rect(x, middle - 0.35 * SMALL, handle, 0.7 * SMALL, key.color)
                if key.kind == "hatch":
                    canvas.rect(x, middle - 0.35 * SMALL, handle, 0.7 * SMALL, hatch(canvas))
            elif key.kind == "tick":
                canvas.line(x + handle / 2, middle - 0.5 * SMALL, x + handle / 2, middle + 0.5 * SMALL, key.color,
                            2 * PT)
            else:
                if key.kind == "line":
                    canvas.line(x, middle, x + handle, middle, key.color, 1.5 * PT)
                canvas.circle(x + handle / 2, middle, 3 * PT / 2 + 0.5, key.color)
            canvas.text(x + handle + 0.8 * SMALL, middle, key.label, SMALL, middle=True)


def hatch(canvas: Canvas) -> str:
    """The fill of the white diagonal hatching drawn over a bar whose score was not printed."""
    return canvas.ref("hatch", '<pattern id="{id}" width="5" height="5" patternUnits="userSpaceOnUse" '
                               'patternTransform="rotate(45)"><rect width="1.6" height="5" fill="#fff"/></pattern>')
