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


def peer_scatter(peers: pd.DataFrame, highlight: Sequence[str], region: str | None = None, title: str = "") -> Chart:
    """Criminality against resilience for every country of an edition (table from ``views.peer_scores``);
    ``region``'s countries coloured, ``highlight`` (ISO3) labelled."""
    y_metric, x_metric = metrics()  # criminality up, resilience across
    keys = [Key("other countries", MUTED, "dot")]
    in_region = (peers["region"] == region).tolist() if region else [False] * len(peers)
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
    for iso3, n, x, y, t in zip(peers["iso3"], names, xs, ys, hover, strict=True):
        if iso3 in chosen and x == x and y == y:
            cx, cy = ax.x(x), ax.y(y)
            canvas.circle(cx, cy, _radius(70), "none", t, ring)
            right = cx + 6 * PT + text_width(n, SMALL) * 1.1 > w
            canvas.text(cx - 6 * PT if right else cx + 6 * PT, cy - 5 * PT, n, SMALL, "end" if right else "start",
                        bold=True)
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()
