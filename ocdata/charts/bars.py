"""Horizontal bar charts: pillars, indicators, differences between countries, largest changes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ocdata.charts.core import (
    FONT,
    HIGHLIGHT,
    MUTED,
    PILLAR_COLORS,
    PILLAR_LABELS,
    PT,
    PX,
    SCORE_RANGE,
    ZERO_LINE,
    Axes,
    Canvas,
    Chart,
    Key,
    draw_legend,
    draw_title,
    hatch,
    legend_height,
    nice_ticks,
    padded,
    score,
    text_width,
    title_room,
    wrap_title,
    x_axis,
    y_axis,
)
from ocdata.codebook import composites_bottom_up
from ocdata.codebook import labels as codebook_labels
from ocdata.views.display import BETTER, WORSE, direction, signed

UNPRINTED = ("inferred", "backcast")
"""Origins of a score that was not printed: its bar is hatched."""
_ORIGIN_WORDS = {"inferred": "inferred", "backcast": "back-cast"}
_LABEL_ROOM = 2.6 * FONT
"""Room below the plot for tick labels and an axis label (px)."""


def _frame(width: float, height: float, n: int, bar: float, *, left: float, top: float, bottom: float,
           right: float = 0.25, title: str = "", keys: Sequence[Key] = (), xlim: tuple[float, float] = SCORE_RANGE,
           labels: Sequence[str] = ()) -> tuple[Canvas, Axes, list[str]]:
    """A canvas ``width`` × ``height`` inches with fixed margins (inches), grown where the legend needs more
    room, and the axes of ``n`` bars of relative thickness ``bar``, the first on top. The canvas grows wider (the
    plot keeps its width) where the longest of the bars' ``labels`` needs more room than ``left``."""
    wide = max((text_width(label, FONT) for label in labels), default=0.0) + 7 * PT + 0.08 * PX
    grow_left = max(0.0, wide - left * PX)
    w, h = width * PX + grow_left, height * PX
    left += grow_left / PX
    lines = wrap_title(title, w)
    top_px = title_room(lines, top * PX)
    room = bottom * PX - _LABEL_ROOM - 0.35 * PX
    grow = max(0.0, legend_height(keys, w) - room)
    canvas = Canvas(w, h + grow)
    span = max(n - 1 + bar, bar)
    pad = 0.05 * span
    ax = Axes(left * PX, top_px, w - right * PX, h - bottom * PX, xlim, (n - 1 + bar / 2 + pad, -bar / 2 - pad))
    return canvas, ax, lines


def _finish(canvas: Canvas, lines: list[str], keys: Sequence[Key]) -> Chart:
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()


def _bars(canvas: Canvas, ax: Axes, values: Sequence[float], colours: Sequence[str], thickness: float,
          titles: Sequence[str], hatched: Sequence[bool] = ()) -> None:
    half = thickness / 2 * (ax.bottom - ax.top) / abs(ax.ylim[0] - ax.ylim[1])
    x0 = ax.x(max(0.0, ax.xlim[0]))
    for k, (value, colour, title) in enumerate(zip(values, colours, titles, strict=True)):
        if value is None or math.isnan(value):
            continue
        y = ax.y(k)
        over = bool(hatched) and hatched[k]
        canvas.rect(x0, y - half, ax.x(value) - x0, 2 * half, colour, title)
        if over:
            canvas.rect(x0, y - half, ax.x(value) - x0, 2 * half, hatch(canvas), title)


def _ticks(canvas: Canvas, ax: Axes, values: Sequence[float], size: float, width: float) -> None:
    """The previous edition's scores as black vertical ticks (``size`` px tall)."""
    for k, value in enumerate(values):
        if value is not None and not math.isnan(value):
            x, y = ax.x(value), ax.y(k)
            canvas.line(x, y - size / 2, x, y + size / 2, HIGHLIGHT, width)


def _previous_key(previous_edition: int | None) -> Key:
    return Key(f"{previous_edition} score" if previous_edition else "previous edition", HIGHLIGHT, "tick")


def _was(previous: float, previous_edition: int | None) -> str:
    if previous is None or math.isnan(previous):
        return ""
    return f" ({previous_edition or 'previous edition'}: {score(previous)})"


def indicator_bars(table: pd.DataFrame, title: str = "", previous_edition: int | None = None) -> Chart:
    """Every indicator as a horizontal bar, grouped by pillar and sorted by score, coloured by pillar; a black
    tick marks the previous edition's score; hatched bars were not printed (inferred or back-cast) (table from
    ``views.indicator_scores``)."""
    n = len(table)
    origins = list(table["origin"]) if "origin" in table else [""] * n
    hatched = [o in UNPRINTED for o in origins]
    previous = list(table["previous_score"]) if "previous_score" in table else [math.nan] * n
    marked = any(not math.isnan(p) for p in previous)
    keys = [Key(PILLAR_LABELS[p], PILLAR_COLORS[p]) for p in PILLAR_COLORS if p in set(table["pillar"])]
    if any(hatched):
        keys.append(Key("not printed", MUTED, "hatch"))
    if marked:
        keys.append(_previous_key(previous_edition))
    canvas, ax, lines = _frame(8.0, 1.5 + 0.21 * max(n, 1), n, 0.72, left=3.1, top=0.45, bottom=0.95, title=title,
                               keys=keys, labels=[str(label) for label in table["label"]])
    ticks = list(range(SCORE_RANGE[0], SCORE_RANGE[1] + 1, 2))
    x_axis(canvas, ax, ticks, label="score (1 = lowest, 10 = highest)")
    titles = [f"{label}: {score(s)}" + (f", {_ORIGIN_WORDS[o]}" if h else "") + _was(p, previous_edition)
              for label, s, o, h, p in zip(table["label"], table["score"], origins, hatched, previous, strict=True)]
    _bars(canvas, ax, list(table["score"]), [PILLAR_COLORS.get(p, MUTED) for p in table["pillar"]], 0.72, titles,
          hatched)
    if marked:
        _ticks(canvas, ax, previous, 140 ** 0.5 * PT, 1.8 * PT)
    y_axis(canvas, ax, list(range(n)), list(table["label"]), grid=False)
    return _finish(canvas, lines, keys)


def pillar_bars(headline: pd.DataFrame, title: str = "", previous_edition: int | None = None) -> Chart:
    """The three pillars (and criminality) as bars with the previous edition marked (table from
    ``views.headline``)."""
    table = headline.set_index("indicator").reindex(list(composites_bottom_up())).reset_index()
    table = table[table["score"].notna()]
    previous = list(table["previous_score"])
    marked = any(not math.isnan(p) for p in previous)
    keys = [_previous_key(previous_edition)] if marked else []
    extra = 0.3 if marked else 0
    labels = [f"{label}  {s:.2f}" for label, s in zip(table["label"], table["score"], strict=True)]
    canvas, ax, lines = _frame(6.5, 2.5 + extra, len(table), 0.62, left=1.8, top=0.45, bottom=0.55 + extra,
                               title=title, keys=keys, labels=labels)
    x_axis(canvas, ax, list(range(SCORE_RANGE[0], SCORE_RANGE[1] + 1, 2)))
    titles = [f"{label}: {score(s)}{_was(p, previous_edition)}"
              for label, s, p in zip(table["label"], table["score"], previous, strict=True)]
    _bars(canvas, ax, list(table["score"]), [PILLAR_COLORS[i] for i in table["indicator"]], 0.62, titles)
    if marked:
        _ticks(canvas, ax, previous, 200 ** 0.5 * PT, 2 * PT)
    y_axis(canvas, ax, list(range(len(table))), labels, grid=False, pre=True)
    return _finish(canvas, lines, keys)


def ids_of(labels: Sequence[str]) -> list[str]:
    """Indicator ids of codebook labels."""
    by_label = {label: ident for ident, label in codebook_labels().items()}
    return [by_label[str(label)] for label in labels]


def change_colors(idents: Sequence[str], changes: Sequence[float]) -> list[str]:
    """Red for a change for the worse, blue for the better, grey for none."""
    ways = [direction(i, c) for i, c in zip(idents, changes, strict=True)]
    return [WORSE if w == "worse" else BETTER if w == "better" else MUTED for w in ways]


def _diverging(canvas: Canvas, ax: Axes, values: Sequence[float], colours: Sequence[str], titles: Sequence[str],
               labels: Sequence[str], xlabel: str) -> None:
    """Bars from zero either way, with the zero line."""
    x_axis(canvas, ax, nice_ticks(*ax.xlim, most=10), label=xlabel)
    _bars(canvas, ax, values, colours, 0.7, titles)
    canvas.line(ax.x(0), ax.top, ax.x(0), ax.bottom, ZERO_LINE, 0.8 * PT)
    y_axis(canvas, ax, list(range(len(values))), labels, grid=False)


def _limits(values: Sequence[float]) -> tuple[float, float]:
    """Limits of bars from zero, padded on the sides away from zero (where bars end, as matplotlib's)."""
    finite = [v for v in values if not math.isnan(v)]
    if not any(finite):  # no bars, or all of length zero: matplotlib's limits around zero
        return padded(-0.05, 0.05)
    lo, hi = padded(min(0.0, *finite), max(0.0, *finite))
    return (0.0 if min(finite) >= 0 else lo), (0.0 if max(finite) <= 0 else hi)


def difference_bars(differences: pd.DataFrame, title: str = "", n: int = 20) -> Chart:
    """The ``n`` largest indicator differences (table from ``views.indicator_differences``): for two countries
    first minus second, coloured by whether the first country is worse off on that indicator; for more, the
    spread between highest and lowest (one colour: a spread has no direction)."""
    table = differences.head(n)
    values = [float(v) for v in table["difference"]]
    countries = [c for c in table.columns
                 if c not in {"indicator", "indicator_id", "pillar", "difference", "highest", "lowest"}]
    two = "highest" not in table and len(countries) == 2
    keys = [Key(f"{countries[0]} worse off", WORSE), Key(f"{countries[0]} better off", BETTER)] if two else []
    labels = [str(v) for v in table["indicator"]]
    canvas, ax, lines = _frame(8.0, 1.6 + 0.24 * max(len(table), 1), len(table), 0.7, left=3.1, top=0.45,
                               bottom=0.95, title=title, keys=keys, xlim=_limits(values), labels=labels)
    if two:
        colours = change_colors(ids_of(labels), values)
        a, b = countries
        titles = [f"{label}: {a} {score(x)}, {b} {score(y)}, difference {signed(d)}"
                  for label, x, y, d in zip(labels, table[a], table[b], values, strict=True)]
        xlabel = f"{a} minus {b}"
    else:
        colours = [MUTED] * len(table)
        if "highest" in table:
            titles = [f"{label}: spread {score(d)}, highest {hi}, lowest {lo}"
                      for label, d, hi, lo in zip(labels, values, table["highest"], table["lowest"], strict=True)]
        else:
            titles = [f"{label}: {score(d)}" for label, d in zip(labels, values, strict=True)]
        xlabel = "spread: highest minus lowest score" if "highest" in table else ""
    _diverging(canvas, ax, values, colours, titles, labels, xlabel)
    return _finish(canvas, lines, keys)


def change_bars(changes: pd.DataFrame, title: str = "") -> Chart:
    """The largest changes since the previous edition (table from ``views.largest_changes``), coloured by
    meaning: worse (criminality up, resilience down) or better."""
    values = [float(v) for v in changes["change"]]
    keys = [Key("worse", WORSE), Key("better", BETTER)]
    labels = [f"{c} · {label}" for c, label in zip(changes["country"], changes["label"], strict=True)]
    canvas, ax, lines = _frame(8.0, 1.6 + 0.24 * max(len(changes), 1), len(changes), 0.7, left=4.0, top=0.45,
                               bottom=0.95, title=title, keys=keys, xlim=_limits(values), labels=labels)
    titles = [f"{label}: {score(p)} to {score(s)} ({signed(d)})"
              for label, p, s, d in zip(labels, changes["previous_score"], changes["score"], values, strict=True)]
    _diverging(canvas, ax, values, change_colors(list(changes["indicator"]), values), titles, labels,
               "change in score since the previous edition")
    return _finish(canvas, lines, keys)
