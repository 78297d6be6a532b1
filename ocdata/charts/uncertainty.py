"""How sure the ranks are, drawn: every country's nominal rank with its 5–95 % interval (the picture of COINr's
``plot_uncertainty``), and the Sobol indices of the assumptions as bars."""

from __future__ import annotations

import pandas as pd

__all__ = ["interval_sentence", "rank_intervals", "sobol_bars"]

from ocdata.charts.core import (
    FONT,
    HIGHLIGHT,
    PT,
    PX,
    REGION_COLOR,
    Axes,
    Canvas,
    Chart,
    Key,
    draw_legend,
    draw_title,
    legend_height,
    nice_ticks,
    text_width,
    title_room,
    wrap_title,
    x_axis,
    y_axis,
)
from ocdata.views.robustness import interval_sentence

INTERVAL_COLOR = "#9CA3AF"
TOTAL_COLOR = REGION_COLOR
FIRST_COLOR = "#E69F00"
ASSUMPTIONS = {"criminal_markets": "noise in criminal markets scores", "criminal_actors": "noise in criminal actors "
               "scores", "resilience": "noise in resilience scores", "weights": "weights (equal or Dirichlet)",
               "aggregation": "aggregation (arithmetic or geometric)"}


def rank_intervals(table: pd.DataFrame, metric_label: str, title: str = "",
                   highlight: tuple[str, ...] = ()) -> Chart:
    """Every country as a column, in the order of its nominal rank: a grey bar from its 5th to its 95th
    percentile rank and a dot at its nominal rank (rank 1 at the top); ``highlight`` countries in colour.
    One hover title per country: ``Kyrgyzstan: criminality rank 85, between 79 and 95 in 90 % of plausible
    scorings``. ``table`` has ``iso3, country, rank, median_rank, p05, p95`` (``views.rank_uncertainty``)."""
    table = table.sort_values(["rank", "country"], kind="stable").reset_index(drop=True)
    n = len(table)
    keys = [Key("nominal rank (published scores)", HIGHLIGHT, "dot"), Key("5–95 % of plausible scorings",
                                                                       INTERVAL_COLOR)]
    if highlight:
        keys.append(Key("this report's countries", REGION_COLOR, "dot"))
    width = max(6.5 * PX, 3.2 * n + 1.2 * PX)
    lines = wrap_title(title, width)
    top = title_room(lines, 0.45 * PX)
    height = 4.2 * PX
    bottom = 0.62 * PX
    canvas = Canvas(width, height + legend_height(keys, width))
    worst = max(int(table["p95"].max()) if n else 1, int(table["rank"].max()) if n else 1)
    ax = Axes(0.9 * PX, top, width - 0.2 * PX, height - bottom, (0.5, n + 0.5), (worst + 0.5, 0.5))
    ticks = sorted({1, *(int(t) for t in nice_ticks(1, worst, 7) if t >= 1 and float(t).is_integer())})
    y_axis(canvas, ax, ticks, [str(int(t)) for t in ticks], label=f"{metric_label} rank (1 = highest)",
           label_offset=text_width(str(worst), FONT))
    positions = sorted({1, *(int(p) for p in nice_ticks(1, max(n, 1), 7) if p >= 1 and float(p).is_integer())})
    x_axis(canvas, ax, positions, [str(int(p)) for p in positions],
           label="countries in order of their nominal rank", grid=False)
    column = min(max(ax.width / max(n, 1) * 0.7, 1.0), 10.0)  # a few countries: bars stay bars, not blocks
    marked = set(highlight)
    for k, row in table.iterrows():
        x = ax.x(k + 1)
        mine = row["iso3"] in marked
        title = (f"{row['country']}: {metric_label.lower()} rank {int(row['rank'])}, "
                 + interval_sentence(int(row["p05"]), int(row["p95"]), int(row["median_rank"])))
        y_high, y_low = ax.y(row["p05"] - 0.4), ax.y(row["p95"] + 0.4)
        canvas.rect(x - column / 2, y_high, column, y_low - y_high, REGION_COLOR if mine else INTERVAL_COLOR,
                    title, ' fill-opacity="0.55"' if mine else "")
        canvas.circle(x, ax.y(row["rank"]), min(max(column * 0.6, 1.6), 3.2) if not mine else 3.2,
                      REGION_COLOR if mine else HIGHLIGHT, title)
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()


def sobol_bars(table: pd.DataFrame, title: str = "") -> Chart:
    """Each assumption's first-order (S1) and total (ST) Sobol index as two bars (``table`` from
    ``robustness.sensitivity``), with a hover title giving both and their 95 % confidence half-widths."""
    table = table.reset_index(drop=True)
    labels = [ASSUMPTIONS.get(a, str(a)) for a in table["assumption"]]
    keys = [Key("first-order index (S1)", FIRST_COLOR), Key("total index (ST)", TOTAL_COLOR)]
    left = max(text_width(label, FONT) for label in labels) + 12 * PT if labels else 1.5 * PX
    width = left + 4.5 * PX
    lines = wrap_title(title, width)
    top = title_room(lines, 0.35 * PX)
    rows = len(table)
    height = top + 0.36 * PX * rows + 0.7 * PX
    canvas = Canvas(width, height + legend_height(keys, width))
    ax = Axes(left, top, width - 0.25 * PX, height - 0.6 * PX, (0.0, 1.0), (rows - 0.5, -0.5))
    x_axis(canvas, ax, [0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.5", "0.75", "1"],
           label="share of the variance of the rank shifts")
    band = (ax.bottom - ax.top) / max(rows, 1)
    for k, row in table.iterrows():
        y = ax.y(k)
        text = (f"{labels[k]}: S1 {row['S1']:.2f} (±{row['S1_conf']:.2f}), "
                f"ST {row['ST']:.2f} (±{row['ST_conf']:.2f})")
        for offset, value, colour in ((-0.2, row["S1"], FIRST_COLOR), (0.2, row["ST"], TOTAL_COLOR)):
            bar = max(min(float(value), 1.0), 0.0)
            canvas.rect(ax.x(0), y + offset * band - 0.17 * band, ax.x(bar) - ax.x(0), 0.34 * band, colour, text)
    y_axis(canvas, ax, list(range(rows)), labels, grid=False)
    draw_title(canvas, lines)
    draw_legend(canvas, keys)
    return canvas.chart()


