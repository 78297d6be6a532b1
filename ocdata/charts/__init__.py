"""The reports' figures drawn straight to SVG, from the same view tables as :mod:`ocdata.plots`.

>>> from ocdata import charts, views
>>> chart = charts.indicator_bars(views.indicator_scores(data, "KGZ", 2025), title="Kyrgyzstan, 2025")
>>> charts.show(chart, "Kyrgyzstan's indicators in 2025")   # in a notebook: the SVG, with its alt text
>>> chart.svg("Kyrgyzstan's indicators in 2025")            # the SVG text, to save or inline

Each function returns a :class:`Chart` (size in px, SVG body) without building a matplotlib figure. The SVG is
what the page template inlines (``role="img"``, an accessible name, ids prefixed per chart, no script); every
bar, point and cell has a hover title with its values; the same table always gives the same bytes.
"""

from __future__ import annotations

from ocdata.charts.bars import change_bars, difference_bars, indicator_bars, pillar_bars
from ocdata.charts.core import Chart
from ocdata.charts.heat import heatmap
from ocdata.charts.lines import composite_lines, series_lines
from ocdata.charts.scatter import peer_scatter

__all__ = ["Chart", "change_bars", "composite_lines", "difference_bars", "heatmap", "indicator_bars",
           "peer_scatter", "pillar_bars", "series_lines", "show"]


def show(chart: Chart, alt: str) -> None:
    """Display a chart in a notebook as SVG, with ``alt`` (what it shows, in a sentence) as its plain-text form
    and the SVG's title: as :func:`ocdata.plots.show` does (inline in HTML scaled to the page, and as
    ``image/svg+xml``)."""
    from ocdata import plots

    plots.show(chart, alt)
