"""Criminality against resilience for every country of an edition."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ocdata.charts.core import (
    FONT,
    HIGHLIGHT,
    MUTED,
    PT,
    PX,
    REGION_COLOR,
    SCORE_RANGE,
    SMALL,
    Axes,
    Canvas,
    Chart,
    Key,
    draw_legend,
    draw_title,
    legend_height,
    score,
    text_width,
    title_room,
    wrap_title,
    x_axis,
    y_axis,
)
from ocdata.codebook import metrics


def _radius(area: float) -> float:
    """The radius in px of a matplotlib marker of ``area`` pt²."""
    return area**0.5 / 2 * PT


Box = tuple[float, float, float, float]
"""A label's box in px: left, top, right, bottom."""


def _place_label(cx: float, cy: float, width: float, right_edge: float, taken: list[Box]) -> tuple[float, float, str]:
    """Where a point's label goes (x, baseline y, text anchor): the first of above right, below right, above left,
    below left that stays inside the chart and clears the labels placed before it (else the first inside);
    its box is added to ``taken``."""
    gap, rise, height = 6 * PT, 5 * PT, SMALL
    spots = [(cx + gap, cy - rise, "start"), (cx + gap, cy + rise + height * 0.8, "start"),
             (cx - gap, cy - rise, "end"), (cx - gap, cy + rise + height * 0.8, "end")]

    def box(x: float, y: float, anchor: str) -> Box:
        left = x if anchor == "start" else x - width
        return left, y - height * 0.8, left + width, y + height * 0.2

    inside = [s for s in spots if box(*s)[0] >= 0 and box(*s)[2] <= right_edge] or spots
    free = [s for s in inside if not any(_overlap(box(*s), other) for other in taken)]
    x, y, anchor = (free or inside)[0]
    taken.append(box(x, y, anchor))
    return x, y, anchor


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def peer_scatter(peers: pd.DataFrame, highlight: Sequence[str], region: str | None = None, title: str = "") -> Chart:
    """Criminality against resilience for every country of an edition (table from ``views.peer_scores``);
    ``region``'s countries coloured, ``highlight`` (ISO3) labelled."""
    y_metric, x_metric = metrics()  # criminality up, resilience across
    in_region = (peers["region"] == region).tolist() if region else [False] * len(peers)
    singled_out = any(in_region) or peers["iso3"].isin(list(highlight)).any()
    keys = [Key("other countries" if singled_out else "a country", MUTED, "dot")]
    if any(in_region):
        keys.append(Key(str(region), REGION_COLOR, "dot"))
    w, h = 7.5 * PX, 5.6 * PX
    lines = wrap_title(title or f"{len(peers)} countries", w)
    bottom = 0.95 * PX
    grow = max(0.0, legend_height(keys, w) - (bottom - 2.6 * FONT - 0.35 * PX))
    canvas = Canvas(w, h + grow)
    ax = Axes(0.7 * PX, title_room(lines, 0.45 * PX), w - 0.25 * PX, h - bottom, SCORE_RANGE, SCORE_RANGE)
    ticks = list(range(SCORE_RANGE[0], SCORE_RANGE[1] + 1, 2))
    x_axis(canvas, ax, ticks, label="resilience (higher is better)")
    y_axis(canvas, ax, ticks, label="criminality (higher is worse)")
    names = [str(c) for c in peers["country"]]
    xs = [float(v) for v in peers[x_metric]]
    ys = [float(v) for v in peers[y_metric]]
    hover = [f"{n}: {y_metric} {score(y)}, {x_metric} {score(x)}" for n, x, y in zip(names, xs, ys, strict=True)]
    for inside, colour, area in ((False, MUTED, 14), (True, REGION_COLOR, 28)):
        for x, y, r, t in zip(xs, ys, in_region, hover, strict=True):
            if r == inside and x == x and y == y:
                canvas.circle(ax.x(x), ax.y(y), _radius(area), colour, t)
    chosen = set(highlight)
    ring = f' stroke="{HIGHLIGHT}" stroke-width="{1.5 * PT:.2f}"'
    taken: list[Box] = []
    for iso3, n, x, y, t in zip(peers["iso3"], names, xs, ys, hover, strict=True):
        if iso3 in chosen and x == x and y == y:
            cx, cy = ax.x(x), ax.y(y)
            canvas.circle(cx, cy, _radius(70), "none", t, ring)
            lx, ly, anchor = _place_label(cx, cy, text_width(n, SMALL, bold=True), w, taken)
            canvas.text(lx, ly, n, SMALL, anchor, bold=True)
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()
