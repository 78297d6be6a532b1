"""Report figures as matplotlib Figures, for restyling or saving as PNG.

>>> from ocdata import plots, views
>>> fig = plots.indicator_bars(views.indicator_scores(data, "KGZ", 2025), title="Kyrgyzstan, 2025")
>>> plots.show(fig, "Kyrgyzstan's indicators in 2025")   # in a notebook: displayed as SVG
>>> plots.to_png(fig)                                      # PNG bytes; plots.to_svg(fig) for SVG text

Each function takes a table from :mod:`ocdata.views` and returns a :class:`~matplotlib.figure.Figure`;
:func:`show` displays one (or a chart of :mod:`ocdata.charts`) in a notebook as SVG (:func:`to_svg`), with the
alt text as its plain-text form.
The reports draw the same figures straight to SVG with :mod:`ocdata.charts` (same names, same tables).

Figures are built without pyplot (no global figure state, nothing shown twice, nothing to close),
inside a fixed style, and drawn without randomness (seaborn's error bars are off), so the same
table always gives the same PNG bytes. Warnings that seaborn raises under pandas 3 are kept out.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ocdata.charts.core import (  # the look the reports' SVG charts share
    HIGHLIGHT,
    MAX_LINES,
    MUTED,
    PILLAR_COLORS,
    PILLAR_LABELS,
    PX,
    REGION_COLOR,
    SCORE_RANGE,
    SERIES_COLOR,
    Chart,
)
from ocdata.codebook import (
    composites_bottom_up,
    dimension_of,
    higher_is_worse,
    metrics,
)
from ocdata.codebook import labels as codebook_labels
from ocdata.views.display import BETTER, WORSE, direction
from ocdata.views.svg import slim_svg

__all__ = [
    "change_bars",
    "composite_lines",
    "difference_bars",
    "figure_style",
    "heatmap",
    "indicator_bars",
    "peer_scatter",
    "pillar_bars",
    "series_lines",
    "show",
    "to_png",
    "to_svg",
    "world_map",
]

DPI = PX
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E7EB",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "ocdata",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
}
UNPRINTED_HATCH = "////"
"""The hatching of a bar whose score was not printed (inferred or back-cast)."""


@contextmanager
def figure_style() -> Iterator[None]:
    """The fixed style, with pandas' deprecation warnings from seaborn silenced: every figure of the package
    is drawn inside it."""
    from pandas.errors import Pandas4Warning

    with warnings.catch_warnings(), mpl.rc_context(STYLE):
        warnings.simplefilter("ignore", Pandas4Warning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _figure(width: float, height: float, *, left: float = 0.7, right: float = 0.25, top: float = 0.4,
            bottom: float = 0.55, wspace: float = 0.25, hspace: float = 0.45) -> Figure:
    """A figure with fixed margins in inches (a layout engine would draw every figure twice)."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height, wspace=wspace, hspace=hspace)
    return fig


def to_svg(fig: Figure, alt: str = "") -> str:
    """The figure as SVG text ready to sit inline in a page or in an ``<img>``: text kept as text (one
    font stack every browser has, declared once), ``alt`` as its title, ids only where something refers
    to them (prefixed per figure, so several figures share a page), coordinates to 0.01 pt, no prolog,
    metadata or date: the same table always gives the same bytes."""
    buffer = io.StringIO()
    with mpl.rc_context({**STYLE, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return slim_svg(buffer.getvalue(), alt)


def to_png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without the software-version metadata."""
    buffer = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def show(fig: Figure | Chart, alt: str) -> None:
    """Display a figure (matplotlib's, or a chart of :mod:`ocdata.charts`) in a notebook as SVG, with ``alt``
    (what the figure shows, in a sentence) as its plain-text form and the SVG's title. The SVG goes out twice:
    inline in HTML that scales it to the page (what JupyterLab, nbconvert's own templates and the reports
    show: an ``<img>`` of the SVG would carry no alternative text), and as ``image/svg+xml``."""
    from IPython.display import display

    from ocdata.views.html import figure_html

    svg = fig.svg(alt) if isinstance(fig, Chart) else to_svg(fig, alt)
    display({"text/html": figure_html(svg)._repr_html_(), "image/svg+xml": svg, "text/plain": alt}, raw=True)


def _title(fig: Figure, title: str, panel_titles: bool | None = None) -> None:
    """The title at the figure's top left, wrapped to its width (never cut off at the right)."""
    if title:
        width = max(int(fig.get_figwidth() * 72 / 6.0), 20)
        text = textwrap.fill(title, width)
        height = fig.get_figheight()
        fig.text(0.01, 1 - 0.08 / height, text, ha="left", va="top", fontsize=10, fontweight="bold")
        above = _has_panel_titles(fig) if panel_titles is None else panel_titles
        needed = 0.3 + 0.17 * text.count("\n") + 0.25 * above
        if (1 - fig.subplotpars.top) * height < needed:
            fig.subplots_adjust(top=1 - needed / height)


def _has_panel_titles(fig: Figure) -> bool:
    """Whether the top axes carry titles of their own (which a figure title must clear)."""
    return any(ax.get_title() or ax.get_title(loc="left") for ax in fig.axes)


def _legend_below(fig: Figure, handles: Sequence, ncols: int | None = None) -> None:
    """A legend in the figure's bottom margin, left-aligned, where it cannot cover a bar or point."""
    if handles:
        fig.legend(handles=list(handles), loc="lower left", bbox_to_anchor=(0.01, 0.0),
                   ncols=ncols or min(len(handles), 4), handlelength=1.4, columnspacing=1.2)


def _legend_pillars(fig: Figure, pillars: Sequence[str], extra: Sequence = ()) -> None:
    handles = [Patch(color=PILLAR_COLORS[p], label=PILLAR_LABELS[p]) for p in pillars]
    _legend_below(fig, [*handles, *extra])


def _worse_better(fig: Figure, worse: str = "worse", better: str = "better") -> None:
    _legend_below(fig, [Patch(color=WORSE, label=worse), Patch(color=BETTER, label=better)])


def indicator_bars(table: pd.DataFrame, title: str = "", previous_edition: int | None = None) -> Figure:
    """Every indicator as a horizontal bar, grouped by pillar and sorted by score, coloured by
    pillar; a black tick marks the previous edition's score; hatched bars were not printed (inferred or
    back-cast) (table from ``views.indicator_scores``)."""
    with figure_style():
        n = len(table)
        fig = _figure(8.0, 1.5 + 0.21 * max(n, 1), left=3.1, top=0.45, bottom=0.95)
        ax = fig.add_subplot()
        y = np.arange(n)
        bars = ax.barh(y, table["score"], color=[PILLAR_COLORS.get(p, MUTED) for p in table["pillar"]], height=0.72)
        extra = []
        if "origin" in table and table["origin"].isin(["inferred", "backcast"]).any():
            for bar, origin in zip(bars, table["origin"], strict=True):
                if origin in ("inferred", "backcast"):
                    bar.set_hatch(UNPRINTED_HATCH)
                    bar.set_edgecolor("white")
            extra.append(Patch(facecolor=MUTED, hatch=UNPRINTED_HATCH, edgecolor="white", label="not printed"))
        if "previous_score" in table and table["previous_score"].notna().any():
            ax.scatter(table["previous_score"], y, marker="|", s=140, linewidths=1.8, color=HIGHLIGHT, zorder=3)
            label = f"{previous_edition} score" if previous_edition else "previous edition"
            extra.append(Line2D([], [], color=HIGHLIGHT, marker="|", linestyle="none", markersize=10,
                                markeredgewidth=1.8, label=label))
        ax.set_yticks(y, table["label"])
        ax.invert_yaxis()
        ax.set_xlim(*SCORE_RANGE)
        ax.set_xlabel("score (1 = lowest, 10 = highest)")
        ax.grid(axis="y", visible=False)
        _title(fig, title)
        _legend_pillars(fig, [p for p in PILLAR_COLORS if p in set(table["pillar"])], extra)
        return fig


def pillar_bars(headline: pd.DataFrame, title: str = "", previous_edition: int | None = None) -> Figure:
    """The three pillars (and criminality) as bars with the previous edition marked
    (table from ``views.headline``)."""
    with figure_style():
        order = list(composites_bottom_up())  # each dimension after its pillars
        table = headline.set_index("indicator").reindex(order).reset_index()
        table = table[table["score"].notna()]
        marked = bool(table["previous_score"].notna().any())
        fig = _figure(6.5, 2.5 + (0.3 if marked else 0), left=1.8, top=0.45, bottom=0.55 + (0.3 if marked else 0))
        ax = fig.add_subplot()
        y = np.arange(len(table))
        ax.barh(y, table["score"], color=[PILLAR_COLORS[i] for i in table["indicator"]], height=0.62)
        if marked:
            ax.scatter(table["previous_score"], y, marker="|", s=200, linewidths=2, color=HIGHLIGHT, zorder=3)
            label = f"{previous_edition} score" if previous_edition else "previous edition"
            _legend_below(fig, [Line2D([], [], color=HIGHLIGHT, marker="|", linestyle="none", markersize=10,
                                       markeredgewidth=2, label=label)])
        ax.set_yticks(y, [f"{label}  {score:.2f}" for label, score in zip(table["label"], table["score"], strict=True)])
        ax.invert_yaxis()
        ax.set_xlim(*SCORE_RANGE)
        ax.grid(axis="y", visible=False)
        _title(fig, title)
        return fig


def composite_lines(history: pd.DataFrame, title: str = "") -> Figure:
    """The composites across editions (table from ``views.composite_history``). One country, or more
    than :data:`MAX_LINES`: a panel per country, a line per composite; a few: a panel per composite, a
    line per country in a colour-blind-safe palette (distinct up to eight)."""
    import seaborn as sns

    with figure_style():
        composites = list(dict.fromkeys(history["indicator"]))
        editions = sorted(int(e) for e in history["edition"].unique())
        countries = list(dict.fromkeys(history["country"]))
        composite_handles = [Line2D([], [], color=PILLAR_COLORS[c], marker="o", label=PILLAR_LABELS.get(c, c))
                             for c in composites]
        if len(countries) == 1 or len(countries) > MAX_LINES:
            cols = 1 if len(countries) == 1 else 4
            rows = int(np.ceil(len(countries) / cols))
            fig = _figure(7.0 if cols == 1 else 8.0, 0.6 + (2.6 if cols == 1 else 1.7) * rows + 0.45,
                          top=0.5, bottom=0.8, left=0.6, hspace=0.55)
            axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel())
            for ax, country in zip(axes, countries, strict=False):
                for composite in composites:
                    part = history[(history["indicator"] == composite) & (history["country"] == country)]
                    ax.plot(part["edition"].astype("int64"), part["score"], marker="o",
                            linewidth=2 if cols == 1 else 1.4, markersize=5 if cols == 1 else 3,
                            color=PILLAR_COLORS[composite])
                if cols > 1:
                    ax.set_title(str(country), fontsize=9)
            for ax in axes[len(countries):]:
                ax.set_visible(False)
            axes[0].set_xticks(editions, [str(e) for e in editions])
            axes[0].set_ylim(*SCORE_RANGE)
            for ax in axes[::cols]:
                ax.set_ylabel("score")
            _title(fig, title or str(countries[0]))
            _legend_below(fig, composite_handles)
            return fig
        fig = _figure(8.0, 5.0, top=0.75, bottom=1.05)
        axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
        palette = dict(zip(countries, sns.color_palette("colorblind", len(countries)), strict=True))
        for ax, composite in zip(axes, composites, strict=False):
            part = history[history["indicator"] == composite]
            for country in countries:
                line = part[part["country"] == country]
                ax.plot(line["edition"].astype("int64"), line["score"], marker="o", markersize=4,
                        color=palette[country])
            ax.set_title(PILLAR_LABELS.get(composite, composite), fontsize=9)
            ax.set_ylabel("score")
        for ax in axes[len(composites):]:
            ax.set_visible(False)
        axes[0].set_xticks(editions, [str(e) for e in editions])
        axes[0].set_ylim(*SCORE_RANGE)
        _title(fig, title)
        _legend_below(fig, [Line2D([], [], color=palette[c], marker="o", label=c) for c in countries], ncols=4)
        return fig


def peer_scatter(peers: pd.DataFrame, highlight: Sequence[str], region: str | None = None,
                 title: str = "") -> Figure:
    """Criminality against resilience for every country of an edition (table from
    ``views.peer_scores``); ``region``'s countries coloured, ``highlight`` (ISO3) labelled."""
    with figure_style():
        fig = _figure(7.5, 5.6, left=0.7, top=0.45, bottom=0.95)
        ax = fig.add_subplot()
        y, x = metrics()  # criminality up, resilience across
        in_region = peers["region"] == region if region else pd.Series(False, index=peers.index)
        handles = [ax.scatter(peers.loc[~in_region, x], peers.loc[~in_region, y], s=14,
                              color=MUTED, label="other countries", linewidths=0)]
        if in_region.any():
            handles.append(ax.scatter(peers.loc[in_region, x], peers.loc[in_region, y], s=28,
                                      color=REGION_COLOR, label=region, linewidths=0))
        chosen = peers[peers["iso3"].isin(list(highlight))]
        ax.scatter(chosen[x], chosen[y], s=70, facecolors="none",
                   edgecolors=HIGHLIGHT, linewidths=1.5, zorder=3)
        for country, xy in zip(chosen["country"], zip(chosen[x], chosen[y], strict=True), strict=True):
            ax.annotate(country, xy, xytext=(6, 5),
                        textcoords="offset points", fontsize=8, fontweight="bold")
        ax.set_xlim(*SCORE_RANGE)
        ax.set_ylim(*SCORE_RANGE)
        ax.set_xlabel("resilience (higher is better)")
        ax.set_ylabel("criminality (higher is worse)")
        _title(fig, title or f"{len(peers)} countries")
        _legend_below(fig, handles)
        return fig


def series_lines(series: pd.DataFrame, title: str = "") -> Figure:
    """Yearly series (table from ``views.country_series``), one panel per series."""
    with figure_style():
        names = list(dict.fromkeys(series["series"]))
        cols = 1 if len(names) == 1 else 2
        rows = int(np.ceil(len(names) / cols))
        fig = _figure(8.0, 0.6 + 2.6 * rows, left=0.9, top=0.6 if title else 0.35, wspace=0.45)
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
        for ax, name in zip(axes, names, strict=False):
            part = series[series["series"] == name]
            ax.plot(part["year"].astype("int64"), part["value"], marker="o", markersize=3,
                    color=SERIES_COLOR)
            ax.set_title(name.replace("_", " ").capitalize(), fontsize=9)
            ax.set_ylabel(str(part["unit"].iloc[0]))
            ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
        for ax in axes[len(names):]:
            ax.set_visible(False)
        _title(fig, title)
        return fig


def _ids_of(labels: Sequence[str]) -> list[str]:
    """Indicator ids of codebook labels."""
    by_label = {label: ident for ident, label in codebook_labels().items()}
    return [by_label[str(label)] for label in labels]


def _change_colors(idents: Sequence[str], changes: Sequence[float]) -> list[str]:
    return [WORSE if direction(i, c) == "worse" else BETTER if direction(i, c) == "better" else MUTED
            for i, c in zip(idents, changes, strict=True)]


def difference_bars(differences: pd.DataFrame, title: str = "", n: int = 20) -> Figure:
    """The ``n`` largest indicator differences (table from ``views.indicator_differences``): for two
    countries first minus second, coloured by whether the first country is worse off on that indicator;
    for more, the spread between highest and lowest (one colour: a spread has no direction)."""
    with figure_style():
        table = differences.head(n)
        fig = _figure(8.0, 1.6 + 0.24 * max(len(table), 1), left=3.1, top=0.45, bottom=0.95)
        ax = fig.add_subplot()
        y = np.arange(len(table))
        countries = [c for c in table.columns
                     if c not in {"indicator", "indicator_id", "pillar", "difference", "highest", "lowest"}]
        two = "highest" not in table and len(countries) == 2
        color = _change_colors(_ids_of(table["indicator"]), list(table["difference"])) if two else [MUTED] * len(table)
        ax.barh(y, table["difference"], color=color, height=0.7)
        ax.axvline(0, color="#6B7280", linewidth=0.8)
        ax.set_yticks(y, table["indicator"])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        if "highest" in table:
            ax.set_xlabel("spread: highest minus lowest score")
        elif two:
            ax.set_xlabel(f"{countries[0]} minus {countries[1]}")
            _worse_better(fig, f"{countries[0]} worse off", f"{countries[0]} better off")
        _title(fig, title)
        return fig


def heatmap(matrix: pd.DataFrame, title: str = "", pillars: Sequence[str] | None = None) -> Figure:
    """Indicators by country (table from ``views.indicator_matrix``), coloured so that darker always means
    worse: criminality's indicators on one scale (high is dark), resilience's on the reverse (low is dark),
    each with its own colour bar. ``pillars`` gives each row's pillar (else the rows' labels are looked up)."""
    import seaborn as sns

    with figure_style():
        rows, cols = matrix.shape
        ids = list(pillars) if pillars is not None else _ids_of(matrix.index)
        dims = np.array([dimension_of(p) for p in ids])
        parts = [(dims == name, name) for name in metrics() if (dims == name).any()]
        heights = [int(m.sum()) for m, _ in parts]
        extra = 1.1 if cols > 6 else 0.35
        fig = _figure(max(5.5, 5.0 + 0.5 * cols), 1.0 + 0.22 * rows + 0.35 * len(parts) + extra, left=3.1,
                      right=1.3, top=0.75, bottom=extra + 0.15, hspace=0.45 / max(0.22 * rows / len(parts), 0.1))
        _title(fig, title, panel_titles=True)  # before the colour bars are placed beside the panels
        grid = fig.add_gridspec(len(parts), 1, height_ratios=heights)
        annotate = cols <= 14
        for k, (mask, name) in enumerate(parts):
            ax = fig.add_subplot(grid[k])
            cbar_ax = fig.add_axes((1 - 1.05 / fig.get_figwidth(), ax.get_position().y0, 0.12 / fig.get_figwidth(),
                                    ax.get_position().height))
            worse_high = higher_is_worse(name)
            cmap = "rocket_r" if worse_high else "rocket"
            sns.heatmap(matrix[mask].astype("float64"), ax=ax, cbar_ax=cbar_ax, vmin=1, vmax=10, cmap=cmap,
                        annot=annotate, fmt=".1f", annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white")
            cbar_ax.set_ylabel("higher, darker: worse" if worse_high else "lower, darker: worse",
                               fontsize=8)
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.set_title(f"{PILLAR_LABELS.get(name, name)} indicators", loc="left", fontsize=9)
            ax.tick_params(axis="x", rotation=90 if cols > 6 else 0, labelbottom=k == len(parts) - 1)
            ax.tick_params(axis="y", rotation=0)
            ax.grid(False)
        return fig


def change_bars(changes: pd.DataFrame, title: str = "") -> Figure:
    """The largest changes since the previous edition (table from ``views.largest_changes``),
    coloured by meaning: worse (criminality up, resilience down) or better."""
    with figure_style():
        fig = _figure(8.0, 1.6 + 0.24 * max(len(changes), 1), left=4.0, top=0.45, bottom=0.95)
        ax = fig.add_subplot()
        y = np.arange(len(changes))
        labels = [f"{c} · {label}" for c, label in zip(changes["country"], changes["label"], strict=True)]
        ax.barh(y, changes["change"], color=_change_colors(list(changes["indicator"]), list(changes["change"])),
                height=0.7)
        ax.axvline(0, color="#6B7280", linewidth=0.8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("change in score since the previous edition")
        _title(fig, title)
        _worse_better(fig)
        return fig


def world_map(values: pd.DataFrame, **options: Any) -> str:
    """A choropleth of any composite or indicator (columns ``iso3, score``; ``ocdata.maps.map_values`` makes it
    from ``scores``): deterministic SVG whose colours run darker for worse, with its legend. Options as for
    :func:`ocdata.maps.world_map_svg` (``metric_label``, ``higher_is_worse``, ``links``, ``titles``, ``focus``)."""
    from ocdata.maps import world_map_svg

    return world_map_svg(values, **options)
