"""The heat map of indicators by country, criminality and resilience on scales where darker is worse."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ocdata.charts.bars import ids_of
from ocdata.charts.core import (
    FONT,
    LEAST,
    PILLAR_LABELS,
    PT,
    PX,
    SMALL,
    Axes,
    Canvas,
    Chart,
    draw_title,
    esc,
    num,
    score,
    text_width,
    title_room,
    wrap_title,
)
from ocdata.codebook import dimension_of, higher_is_worse, metrics

VMIN, VMAX = 1, 10
STOPS = 24
"""Colour stops of a colour bar's gradient."""


def cmap_name(dimension: str) -> str:
    """Seaborn's colormap of a dimension: darker is worse."""
    return "rocket_r" if higher_is_worse(dimension) else "rocket"


def cell_colors(values: np.ndarray, name: str) -> tuple[list[str], list[str]]:
    """The hex colours of cells with ``values`` in colormap ``name`` (``VMIN``–``VMAX``), and each cell's
    annotation colour (seaborn's rule: dark text on light cells)."""
    import seaborn  # noqa: F401  (registers the rocket colormaps)
    from matplotlib import colormaps

    rgba = colormaps[name]((np.asarray(values, dtype="float64") - VMIN) / (VMAX - VMIN))
    rgb = np.round(rgba[:, :3] * 255).astype(int)
    hexes = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]
    linear = np.where(rgba[:, :3] <= 0.03928, rgba[:, :3] / 12.92, ((rgba[:, :3] + 0.055) / 1.055) ** 2.4)
    lum = linear @ np.array([0.2126, 0.7152, 0.0722])
    return hexes, ["#262626" if v > 0.408 else "#ffffff" for v in lum.tolist()]


def _colour_bar(canvas: Canvas, left: float, top: float, bottom: float, name: str, label: str) -> None:
    """A vertical colour bar from ``VMIN`` (bottom) to ``VMAX`` (top) with integer ticks and its label."""
    stops, _ = cell_colors(np.linspace(VMIN, VMAX, STOPS), name)
    gradient = "".join(f'<stop offset="{num(k / (STOPS - 1))}" stop-color="{c}"/>' for k, c in enumerate(stops))
    fill = canvas.ref(name, f'<linearGradient id="{{id}}" x1="0" y1="1" x2="0" y2="0">{gradient}</linearGradient>')
    width = 0.12 * PX
    canvas.rect(left, top, width, bottom - top, fill)
    for value in range(VMIN, VMAX + 1):
        y = bottom - (value - VMIN) / (VMAX - VMIN) * (bottom - top)
        canvas.line(left + width, y, left + width + 3.5 * PT, y, "#000")
        canvas.text(left + width + 7 * PT, y, str(value), middle=True)
    x = left + width + 7 * PT + 2 * 0.6 * FONT + 0.5 * SMALL + 0.75 * SMALL
    canvas.text(x, (top + bottom) / 2, label, SMALL, "middle", rotate=-90)


def heatmap(matrix: pd.DataFrame, title: str = "", pillars: Sequence[str] | None = None) -> Chart:
    """Indicators by country (table from ``views.indicator_matrix``), coloured so that darker always means worse:
    criminality's indicators on one scale (high is dark), resilience's on the reverse (low is dark), each with its
    own colour bar. ``pillars`` gives each row's pillar (else the rows' labels are looked up)."""
    rows, cols = matrix.shape
    ids = list(pillars) if pillars is not None else ids_of(matrix.index)
    dims = np.array([dimension_of(p) for p in ids])
    parts = [(dims == name, name) for name in metrics() if (dims == name).any()]
    heights = [int(m.sum()) for m, _ in parts]
    countries = [str(c) for c in matrix.columns]
    w = max(5.5, 5.0 + 0.5 * cols) * PX
    widest = max((text_width(c, FONT) for c in countries), default=0.0)
    # Country names read upwards where they would not fit side by side under their columns.
    upright = cols > 6 or widest > 0.95 * (w - 4.4 * PX) / max(cols, 1)
    extra = max(1.1, (widest + 7 * PT) / PX + 0.05) if upright else 0.35
    h = (1.0 + 0.22 * rows + 0.35 * len(parts) + extra) * PX
    lines = wrap_title(title, w)
    top = title_room(lines, 0.75 * PX, True)
    left, right, bottom = 3.1 * PX, w - 1.3 * PX, h - (extra + 0.15) * PX
    hspace = 0.45 / max(0.22 * rows / max(len(parts), 1), 0.1)
    mean = (bottom - top) / (len(parts) + hspace * (len(parts) - 1)) if parts else 0
    unit = mean * len(parts) / max(sum(heights), 1)
    canvas = Canvas(w, h)
    labels = [str(i) for i in matrix.index]
    values = matrix.to_numpy(dtype="float64", na_value=np.nan)
    annotate = cols <= 14
    cell_w = (right - left) / max(cols, 1)
    y0 = top
    for k, (mask, name) in enumerate(parts):
        band = values[mask]
        names = [label for label, m in zip(labels, mask, strict=True) if m]
        ax = Axes(left, y0, right, y0 + unit * heights[k], (0, cols), (len(names), 0))
        cmap = cmap_name(name)
        fills, inks = cell_colors(band.ravel(), cmap)
        cell_h = ax.height / len(names)
        canvas.text(left, ax.top - 6 * PT, f"{PILLAR_LABELS.get(name, name)} indicators", FONT, bold=True)
        for r, label in enumerate(names):
            yc = ax.top + (r + 0.5) * cell_h
            canvas.line(left - 3.5 * PT, yc, left, yc, "#000")
            canvas.text(left - 7 * PT, yc, label, anchor="end", middle=True)
            for c, country in enumerate(countries):
                value = band[r, c]
                if np.isnan(value):
                    continue
                x = left + c * cell_w
                canvas.rect(x, ax.top + r * cell_h, cell_w, cell_h, fills[r * cols + c],
                            f"{label}, {country}: {score(value)}", ' stroke="#fff" stroke-width="0.53"')
                if annotate:
                    canvas.text(x + cell_w / 2, yc, f"{value:.1f}", LEAST, "middle", middle=True,
                                fill=inks[r * cols + c])
        if k == len(parts) - 1:
            for c, country in enumerate(countries):
                xc = left + (c + 0.5) * cell_w
                canvas.line(xc, ax.bottom, xc, ax.bottom + 3.5 * PT, "#000")
                if upright:
                    canvas.add(f'<text x="{num(xc)}" y="{num(ax.bottom + 7 * PT)}" font-size="{num(FONT)}" '
                               f'text-anchor="end" transform="rotate(-90 {num(xc)} {num(ax.bottom + 7 * PT)})" '
                               f'dy="0.36em">{esc(country)}</text>')
                else:
                    canvas.text(xc, ax.bottom + 7 * PT + 0.8 * FONT, country, anchor="middle")
        worse_high = higher_is_worse(name)
        _colour_bar(canvas, w - 1.05 * PX, ax.top, ax.bottom, cmap,
                    "higher, darker: worse" if worse_high else "lower, darker: worse")
        y0 = ax.bottom + hspace * mean
    draw_title(canvas, lines)
    return canvas.chart()
