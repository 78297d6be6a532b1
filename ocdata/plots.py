"""Figures for the reports: each function takes a table from :mod:`ocdata.views` and returns a
matplotlib :class:`~matplotlib.figure.Figure`; :func:`show` displays one in a notebook as PNG.

Figures are built without pyplot (no global figure state, nothing shown twice, nothing to close),
inside a fixed style, and drawn without randomness (seaborn's error bars are off), so the same
table always gives the same PNG bytes. Warnings that seaborn raises under pandas 3 are kept out.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ocdata.codebook import colors, composites, composites_bottom_up, label_of, metrics

PILLAR_COLORS = colors()
"""Composite id -> colour (the codebook's ``color`` column), pillars first: the order of legends."""
PILLAR_LABELS = {c: label_of(c) for c in composites()}
"""Composite id -> label, from the codebook."""
SERIES_COLOR = "#D55E00"
REGION_COLOR = "#0072B2"
HIGHLIGHT = "#111111"
MUTED = "#B8BEC6"
DPI = 96
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
}
SCORE_RANGE = (0, 10)


@contextmanager
def _quiet() -> Iterator[None]:
    """The fixed style, with pandas' deprecation warnings from seaborn silenced."""
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


def to_svg(fig: Figure) -> str:
    """The figure as SVG text: text kept as text (drawn by the browser's fonts, no glyph
    rasterizing), ids from a fixed salt, no date, so the same table always gives the same bytes."""
    buffer = io.StringIO()
    with mpl.rc_context({**STYLE, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without the software-version metadata."""
    buffer = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def show(fig: Figure, alt: str = "") -> None:
    """Display a figure in a notebook as embedded SVG (with ``alt`` as its plain-text form)."""
    from IPython.display import display

    display({"image/svg+xml": to_svg(fig), "text/plain": alt or "<figure>"}, raw=True)


def _legend_pillars(ax, pillars: Sequence[str], extra: Sequence = ()) -> None:
    handles = [Patch(color=PILLAR_COLORS[p], label=PILLAR_LABELS[p]) for p in pillars]
    ax.legend(handles=[*handles, *extra], loc="lower right")


def indicator_bars(table: pd.DataFrame, title: str = "", previous_edition: int | None = None) -> Figure:
    """Every indicator as a horizontal bar, grouped by pillar and sorted by score, coloured by
    pillar; a black tick marks the previous edition's score (table from ``views.indicator_scores``)."""
    with _quiet():
        n = len(table)
        fig = _figure(8.0, 1.1 + 0.21 * max(n, 1), left=3.1)
        ax = fig.add_subplot()
        y = np.arange(n)
        ax.barh(y, table["score"], color=[PILLAR_COLORS.get(p, MUTED) for p in table["pillar"]], height=0.72)
        extra = []
        if "previous_score" in table and table["previous_score"].notna().any():
            ax.scatter(table["previous_score"], y, marker="|", s=140, linewidths=1.8, color=HIGHLIGHT, zorder=3)
            label = f"{previous_edition} edition" if previous_edition else "previous edition"
            extra.append(Line2D([], [], color=HIGHLIGHT, marker="|", linestyle="none", markersize=10,
                                markeredgewidth=1.8, label=label))
        ax.set_yticks(y, table["label"])
        ax.invert_yaxis()
        ax.set_xlim(*SCORE_RANGE)
        ax.set_xlabel("score (1 = lowest, 10 = highest)")
        ax.grid(axis="y", visible=False)
        ax.set_title(title)
        _legend_pillars(ax, [p for p in PILLAR_COLORS if p in set(table["pillar"])], extra)
        return fig


def pillar_bars(headline: pd.DataFrame, title: str = "") -> Figure:
    """The three pillars (and criminality) as bars with the previous edition marked
    (table from ``views.headline``)."""
    with _quiet():
        order = list(composites_bottom_up())  # each dimension after its pillars
        table = headline.set_index("indicator").reindex(order).reset_index()
        table = table[table["score"].notna()]
        fig = _figure(6.5, 2.3, left=1.8)
        ax = fig.add_subplot()
        y = np.arange(len(table))
        ax.barh(y, table["score"], color=[PILLAR_COLORS[i] for i in table["indicator"]], height=0.62)
        if table["previous_score"].notna().any():
            ax.scatter(table["previous_score"], y, marker="|", s=200, linewidths=2, color=HIGHLIGHT, zorder=3)
        ax.set_yticks(y, [f"{label}  {score:.2f}" for label, score in zip(table["label"], table["score"], strict=True)])
        ax.invert_yaxis()
        ax.set_xlim(*SCORE_RANGE)
        ax.grid(axis="y", visible=False)
        ax.set_title(title)
        return fig


def composite_lines(history: pd.DataFrame, title: str = "") -> Figure:
    """The composites across editions (table from ``views.composite_history``). One country: one
    panel, a line per composite; several: a panel per composite, a line per country."""
    import seaborn as sns

    with _quiet():
        composites = list(dict.fromkeys(history["indicator"]))
        editions = sorted(int(e) for e in history["edition"].unique())
        countries = list(dict.fromkeys(history["country"]))
        if len(countries) == 1:
            fig = _figure(7.0, 3.2, top=0.45, right=1.7)
            ax = fig.add_subplot()
            for composite in composites:
                part = history[history["indicator"] == composite]
                ax.plot(part["edition"].astype("int64"), part["score"], marker="o", linewidth=2,
                        color=PILLAR_COLORS[composite], label=PILLAR_LABELS.get(composite, composite))
            ax.set_xticks(editions, [str(e) for e in editions])
            ax.set_ylim(*SCORE_RANGE)
            ax.set_ylabel("score")
            ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
            ax.set_title(title or str(countries[0]))
            return fig
        fig = _figure(8.0, 4.6, top=0.5 if title else 0.3, bottom=0.8)
        axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
        palette = dict(zip(countries, sns.color_palette("colorblind", len(countries)), strict=True))
        for ax, composite in zip(axes, composites, strict=False):
            part = history[history["indicator"] == composite]
            for country in countries:
                line = part[part["country"] == country]
                ax.plot(line["edition"].astype("int64"), line["score"], marker="o", markersize=4,
                        color=palette[country])
            ax.set_title(PILLAR_LABELS.get(composite, composite))
            ax.set_ylabel("score")
        for ax in axes[len(composites):]:
            ax.set_visible(False)
        axes[0].set_xticks(editions, [str(e) for e in editions])
        axes[0].set_ylim(*SCORE_RANGE)
        handles = [Line2D([], [], color=palette[c], marker="o", label=c) for c in countries]
        fig.legend(handles=handles, loc="lower center", ncols=min(len(countries), 6))
        if title:
            fig.suptitle(title, fontweight="bold")
        return fig


def peer_scatter(peers: pd.DataFrame, highlight: Sequence[str], region: str | None = None,
                 title: str = "") -> Figure:
    """Criminality against resilience for every country of an edition (table from
    ``views.peer_scores``); ``region``'s countries coloured, ``highlight`` (ISO3) labelled."""
    with _quiet():
        fig = _figure(7.5, 5.2, left=0.7, bottom=0.6)
        ax = fig.add_subplot()
        y, x = metrics()  # criminality up, resilience across
        in_region = peers["region"] == region if region else pd.Series(False, index=peers.index)
        ax.scatter(peers.loc[~in_region, x], peers.loc[~in_region, y], s=14,
                   color=MUTED, label="other countries", linewidths=0)
        if in_region.any():
            ax.scatter(peers.loc[in_region, x], peers.loc[in_region, y], s=28,
                       color=REGION_COLOR, label=region, linewidths=0)
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
        ax.legend(loc="upper right")
        ax.set_title(title or f"{len(peers)} countries")
        return fig


def series_lines(series: pd.DataFrame, title: str = "") -> Figure:
    """Yearly series (table from ``views.country_series``), one panel per series."""
    with _quiet():
        names = list(dict.fromkeys(series["series"]))
        cols = 1 if len(names) == 1 else 2
        rows = int(np.ceil(len(names) / cols))
        fig = _figure(8.0, 0.6 + 2.6 * rows, left=0.9, top=0.6 if title else 0.35, wspace=0.45)
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
        for ax, name in zip(axes, names, strict=False):
            part = series[series["series"] == name]
            ax.plot(part["year"].astype("int64"), part["value"], marker="o", markersize=3,
                    color=SERIES_COLOR)
            ax.set_title(name.replace("_", " ").capitalize())
            ax.set_ylabel(str(part["unit"].iloc[0]))
            ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
        for ax in axes[len(names):]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontweight="bold")
        return fig


def difference_bars(differences: pd.DataFrame, title: str = "", n: int = 20) -> Figure:
    """The ``n`` largest indicator differences (table from ``views.indicator_differences``):
    for two countries first minus second, for more the spread between highest and lowest."""
    with _quiet():
        table = differences.head(n)
        fig = _figure(8.0, 1.1 + 0.24 * max(len(table), 1), left=3.1)
        ax = fig.add_subplot()
        y = np.arange(len(table))
        ax.barh(y, table["difference"], color=[PILLAR_COLORS.get(p, MUTED) for p in table["pillar"]], height=0.7)
        ax.axvline(0, color="#6B7280", linewidth=0.8)
        ax.set_yticks(y, table["indicator"])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        countries = [c for c in table.columns if c not in {"indicator", "pillar", "difference", "highest", "lowest"}]
        if "highest" in table:
            ax.set_xlabel("spread: highest minus lowest score")
        elif len(countries) == 2:
            ax.set_xlabel(f"{countries[0]} minus {countries[1]}")
        ax.set_title(title)
        _legend_pillars(ax, [p for p in PILLAR_COLORS if p in set(table["pillar"])])
        return fig


def heatmap(matrix: pd.DataFrame, title: str = "") -> Figure:
    """Indicators by country (table from ``views.indicator_matrix``), coloured by score."""
    import seaborn as sns

    with _quiet():
        rows, cols = matrix.shape
        fig = _figure(max(5.0, 4.8 + 0.55 * cols), 0.9 + 0.22 * rows + (1.1 if cols > 6 else 0.3), left=3.1,
                      right=0.1, bottom=1.3 if cols > 6 else 0.5)
        ax = fig.add_subplot()
        sns.heatmap(matrix.astype("float64"), ax=ax, vmin=1, vmax=10, cmap="rocket_r", annot=cols <= 14,
                    fmt=".1f", annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                    cbar_kws={"label": "score", "shrink": 0.5})
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=90 if cols > 6 else 0)
        ax.grid(False)
        ax.set_title(title)
        return fig


def change_bars(changes: pd.DataFrame, title: str = "") -> Figure:
    """The largest changes since the previous edition (table from ``views.largest_changes``),
    coloured by pillar (a rise is worse for criminality, better for resilience)."""
    with _quiet():
        fig = _figure(8.0, 1.1 + 0.24 * max(len(changes), 1), left=4.0)
        ax = fig.add_subplot()
        y = np.arange(len(changes))
        labels = [f"{c} · {label}" for c, label in zip(changes["country"], changes["label"], strict=True)]
        ax.barh(y, changes["change"], color=[PILLAR_COLORS.get(p, MUTED) for p in changes["pillar"]], height=0.7)
        ax.axvline(0, color="#6B7280", linewidth=0.8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("change in score since the previous edition")
        ax.set_title(title)
        _legend_pillars(ax, [p for p in PILLAR_COLORS if p in set(changes["pillar"])])
        return fig
