"""The reports' figures drawn straight to SVG: the same charts as :mod:`ocdata.plots`, from the same view tables,
without building a matplotlib figure (a tenth of the time or less).

Each function returns a :class:`Chart` (its size in px and its SVG body); :func:`show` displays one in a
notebook with its alt text, as :func:`ocdata.plots.show` does a figure. The SVG is what the page template
inlines (``class="oc-svg"``, ``role="img"``, an accessible name, ids prefixed per chart, no script), text is
text in one declared font stack, and every bar, point and cell has a hover title with its values. The same
table always gives the same bytes.
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
    and the SVG's title."""
    from IPython.display import display

    display({"image/svg+xml": chart.svg(alt), "text/plain": alt}, raw=True)
