"""Line charts in panels: the composites across editions, and yearly series from background documents."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ocdata.charts.core import (
    FONT,
    LEAST,
    MAX_LINES,
    PILLAR_COLORS,
    PILLAR_LABELS,
    PT,
    PX,
    SCORE_RANGE,
    SERIES_COLOR,
    Axes,
    Canvas,
    Chart,
    Key,
    draw_legend,
    draw_title,
    legend_height,
    nice_ticks,
    padded,
    score,
    text_width,
    tick_label,
    title_room,
    wrap_title,
    x_axis,
    y_axis,
)


def panel_boxes(left: float, top: float, right: float, bottom: float, rows: int, cols: int, wspace: float,
                hspace: float) -> list[tuple[float, float, float, float]]:
    """The ``(left, top, right, bottom)`` of each panel of a grid, row by row, spaced as matplotlib's subplots
    (``wspace``, ``hspace``: fractions of a panel's width and height)."""
    w = (right - left) / (cols + wspace * (cols - 1))
    h = (bottom - top) / (rows + hspace * (rows - 1))
    return [(left + c * w * (1 + wspace), top + r * h * (1 + hspace), left + c * w * (1 + wspace) + w,
             top + r * h * (1 + hspace) + h) for r in range(rows) for c in range(cols)]


def _panel_title(canvas: Canvas, ax: Axes, text: str, room: float = 0.0) -> None:
    """The panel's title centred above it, in a smaller font or on two lines where it is wider than ``room`` px
    (the panel and half the gaps beside it), so that neighbours' titles never run into each other."""
    room = room or ax.width
    size = max(LEAST, min(FONT, FONT * room / max(text_width(text, FONT, bold=True), 1)))
    lines = [text]
    if text_width(text, size, bold=True) > room:
        words, lines = text.split(), [""]
        for word in words:
            joined = f"{lines[-1]} {word}".strip()
            if lines[-1] and text_width(joined, size, bold=True) > room:
                lines.append(word)
            else:
                lines[-1] = joined
    for k, line in enumerate(reversed(lines)):
        canvas.text((ax.left + ax.right) / 2, ax.top - 6 * PT - k * 1.15 * size, line, size, "middle", bold=True)


def _plot(canvas: Canvas, ax: Axes, xs: Sequence[float], ys: Sequence[float], colour: str, width: float,
          radius: float, titles: Sequence[str]) -> None:
    """A line through the points (broken at missing values) and a dot with a hover title on each."""
    run: list[tuple[float, float]] = []
    for x, y in [*zip(xs, ys, strict=True), (math.nan, math.nan)]:
        if math.isnan(y):
            if len(run) > 1:
                canvas.polyline(run, colour, width)
            run = []
        else:
            run.append((ax.x(x), ax.y(y)))
    for x, y, title in zip(xs, ys, titles, strict=True):
        if not math.isnan(y):
            canvas.circle(ax.x(x), ax.y(y), radius, colour, title)


def _layout(width: float, height: float, rows: int, cols: int, *, left: float, top: float, bottom: float,
            title: str, keys: Sequence[Key], panel_titles: bool, right: float = 0.25, wspace: float = 0.25,
            hspace: float = 0.45) -> tuple[Canvas, list[tuple[float, float, float, float]], list[str]]:
    w, h = width * PX, height * PX
    lines = wrap_title(title, w)
    top_px = title_room(lines, top * PX, panel_titles)
    grow = max(0.0, legend_height(keys, w) - (bottom * PX - 2.6 * FONT - 0.2 * PX))
    canvas = Canvas(w, h + grow)
    return canvas, panel_boxes(left * PX, top_px, w - right * PX, h - bottom * PX, rows, cols, wspace, hspace), lines


def composite_lines(history: pd.DataFrame, title: str = "") -> Chart:
    """The composites across editions (table from ``views.composite_history``). One country, or more than
    :data:`MAX_LINES`: a panel per country, a line per composite; a few: a panel per composite, a line per
    country in a colour-blind-safe palette (distinct up to eight)."""
    composites = list(dict.fromkeys(history["indicator"]))
    editions = sorted(int(e) for e in history["edition"].unique())
    countries = list(dict.fromkeys(history["country"]))
    xlim = padded(editions[0], editions[-1]) if editions else (0.0, 1.0)
    yticks = list(range(SCORE_RANGE[0], SCORE_RANGE[1] + 1, 2))
    table = history.assign(edition=history["edition"].astype("int64"))
    groups = {key: part for key, part in table.groupby(["country", "indicator"], sort=False)}
    if len(countries) == 1 or len(countries) > MAX_LINES:
        cols = 1 if len(countries) == 1 else 4
        rows = math.ceil(len(countries) / cols)
        keys = [Key(PILLAR_LABELS.get(c, c), PILLAR_COLORS[c], "line") for c in composites]
        canvas, boxes, lines = _layout(7.0 if cols == 1 else 8.0, 0.6 + (2.6 if cols == 1 else 1.7) * rows + 0.45,
                                       rows, cols, left=0.6, top=0.5, bottom=0.8, title=title or str(countries[0]),
                                       keys=keys, panel_titles=cols > 1, hspace=0.55)
        panels = [(country, [(c, PILLAR_COLORS[c], (country, c)) for c in composites]) for country in countries]
        width, radius = (2 * PT, 2.5 * PT) if cols == 1 else (1.4 * PT, 1.5 * PT)
        titled, every_label = cols > 1, False
    else:
        cols, rows = 2, 2
        palette = dict(zip(countries, _palette(len(countries)), strict=True))
        keys = [Key(c, palette[c], "line") for c in countries]
        canvas, boxes, lines = _layout(8.0, 5.0, rows, cols, left=0.7, top=0.75, bottom=1.05, title=title,
                                       keys=keys, panel_titles=True)
        panels = [(PILLAR_LABELS.get(c, c), [(country, palette[country], (country, c)) for country in countries])
                  for c in composites]
        width, radius, titled, every_label = 1.5 * PT, 2 * PT, True, True
    count = len(panels)
    for k, (name, series) in enumerate(panels[: len(boxes)]):
        ax = Axes(*boxes[k], xlim, SCORE_RANGE)
        first, last = k % cols == 0, k + cols >= count
        x_axis(canvas, ax, editions, [str(e) for e in editions], tick_labels=last)
        y_axis(canvas, ax, yticks, tick_labels=first, label="score" if first or every_label else "",
               label_offset=text_width("10", FONT) if first else 0)
        if titled:
            gap = boxes[1][0] - boxes[0][2] if cols > 1 else 0.0
            _panel_title(canvas, ax, str(name), ax.width + gap * 0.9)
        for _, colour, key in series:
            part = groups.get(key)
            if part is None:
                continue
            country, composite = key
            label = PILLAR_LABELS.get(composite, composite)
            titles = [f"{country}, {label} {e}: {score(s)}" for e, s in zip(part["edition"], part["score"],
                                                                               strict=True)]
            _plot(canvas, ax, list(part["edition"]), [float(s) for s in part["score"]], colour, width, radius,
                  titles)
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()


def _palette(n: int) -> list[str]:
    """Countries' colours: seaborn's colour-blind palette (as ``plots``)."""
    import seaborn as sns
    from matplotlib.colors import to_hex

    return [to_hex(c).upper() for c in sns.color_palette("colorblind", n)]


def series_lines(series: pd.DataFrame, title: str = "") -> Chart:
    """Yearly series (table from ``views.country_series``), one panel per series."""
    names = list(dict.fromkeys(series["series"]))
    cols = 1 if len(names) == 1 else 2
    rows = math.ceil(len(names) / cols)
    canvas, boxes, lines = _layout(8.0, 0.6 + 2.6 * rows, rows, cols, left=0.9, top=0.6 if title else 0.35,
                                   bottom=0.55, title=title, keys=(), panel_titles=True, wspace=0.45)
    for box, name in zip(boxes, names, strict=False):
        part = series[series["series"] == name]
        years = [int(y) for y in part["year"]]
        values = [float(v) for v in part["value"]]
        known = [v for v in values if not math.isnan(v)] or [0.0]
        xlim = padded(min(years), max(years))
        ylim = padded(min(known), max(known))
        ax = Axes(*box, xlim, ylim)
        xticks = [t for t in nice_ticks(*xlim, most=7) if float(t).is_integer()]
        yticks = nice_ticks(*ylim, most=7)
        ylabels = [f"{t:,.0f}".replace("-", "\u2212") for t in yticks]
        x_axis(canvas, ax, xticks, [tick_label(t, 1) for t in xticks])
        y_axis(canvas, ax, yticks, ylabels, label=str(part["unit"].iloc[0]),
               label_offset=max(text_width(t, FONT) for t in ylabels))
        _panel_title(canvas, ax, name.replace("_", " ").capitalize())
        unit = str(part["unit"].iloc[0])
        _plot(canvas, ax, years, values, SERIES_COLOR, 1.5 * PT, 1.5 * PT,
              [f"{y}: {v:,.0f} {unit}" if not math.isnan(v) else "" for y, v in zip(years, values, strict=True)])
    draw_title(canvas, lines)
    return canvas.chart()
