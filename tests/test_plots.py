"""ocdata.plots: every figure builds from its view without warnings, without pyplot, and gives the
same bytes every time."""

import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure
from report_fixtures import REGION, bundled, with_peers

from ocdata import plots, views


def figures():
    """(name, builder) of every figure the notebooks draw, on the real bundled data."""
    data, peers = bundled(), with_peers()
    return [
        ("indicators", lambda: plots.indicator_bars(views.indicator_scores(data, "KGZ", 2025), "KGZ", 2023)),
        ("indicators-2021", lambda: plots.indicator_bars(views.indicator_scores(data, "KGZ", 2021), "KGZ")),
        ("pillars", lambda: plots.pillar_bars(views.headline(data, "KGZ", 2025))),
        ("composites-one", lambda: plots.composite_lines(views.composite_history(data, ["KGZ"]))),
        ("composites-two", lambda: plots.composite_lines(views.composite_history(data, ["KAZ", "KGZ"]), "t")),
        ("composites-many", lambda: plots.composite_lines(pd.concat(
            [views.composite_history(data, ["KAZ"]).assign(country=f"Country {i}") for i in range(12)]),
            "A title long enough to wrap over two lines: twelve countries and their composites by edition")),
        ("peers", lambda: plots.peer_scatter(views.peer_scores(peers, 2023), ["KGZ"], REGION)),
        ("peers-no-region", lambda: plots.peer_scatter(views.peer_scores(peers, 2023), ["KAZ", "CCC"])),
        ("series", lambda: plots.series_lines(views.country_series(data, "KAZ"), "KAZ")),
        ("differences-two", lambda: plots.difference_bars(views.indicator_differences(data, ["KAZ", "KGZ"], 2023))),
        ("differences-many", lambda: plots.difference_bars(
            views.indicator_differences(peers, ["KAZ", "KGZ", "AAA"], 2023))),
        ("heatmap", lambda: plots.heatmap(views.indicator_matrix(data, ["KAZ", "KGZ"], 2023), "t")),
        ("changes", lambda: plots.change_bars(views.largest_changes(data, ["KAZ", "KGZ"], 2023))),
    ]


@pytest.mark.parametrize(("name", "build"), figures(), ids=[name for name, _ in figures()])
def test_figure_builds_quietly_and_deterministically(name, build):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Pandas4Warning from seaborn must not reach a report
        first, second = build(), build()
        svg = plots.to_svg(first)
        assert isinstance(first, Figure)
        assert svg == plots.to_svg(second), f"{name}: two builds gave different SVG"
        assert plots.to_png(first) == plots.to_png(second), f"{name}: two builds gave different PNG"
    assert svg.startswith('<svg class="oc-svg" role="img"') and "<?xml" not in svg and "<metadata" not in svg
    assert "<dc:date>" not in svg and "<script" not in svg
    assert svg.count("font-family") == 1, "the font stack is declared once"
    assert not re.search(r"\d\.\d{3,}", svg), "coordinates are cut to 0.01 pt"
    assert not plt.get_fignums(), "figures must not go through pyplot"


def test_indicator_bars_draw_one_bar_per_indicator_and_mark_the_previous_edition():
    table = views.indicator_scores(bundled(), "KGZ", 2023)
    ax = plots.indicator_bars(table, "t", 2021).axes[0]
    assert len(ax.patches) == len(table) == 32
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["label"])
    marks = ax.collections[0].get_offsets()
    assert len(marks) == len(table)  # NaN marks (new indicators) are not drawn but keep their place
    fig = ax.figure
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Criminal markets", "Criminal actors", "Resilience", "2021 score"]
    assert ax.get_legend() is None, "the legend sits below the axes, never over the bars"


def test_bar_colours_follow_the_pillars():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    ax = plots.indicator_bars(table).axes[0]
    from matplotlib.colors import to_hex

    assert [to_hex(p.get_facecolor()) for p in ax.patches][: len(table)] == [
        plots.PILLAR_COLORS[p].lower() for p in table["pillar"]
    ]


def test_peer_scatter_labels_the_chosen_countries():
    fig = plots.peer_scatter(views.peer_scores(with_peers(), 2023), ["KGZ", "AAA"], REGION)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(texts) == ["Aland", "Kyrgyzstan"]


def test_show_displays_svg(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    plots.show(plots.pillar_bars(views.headline(bundled(), "KGZ", 2025)), alt="pillars")
    (bundle,), options = shown[0]
    assert options == {"raw": True}
    assert bundle["text/plain"] == "pillars"
    assert bundle["image/svg+xml"].startswith("<svg") and "<title>pillars</title>" in bundle["image/svg+xml"]


def test_changes_are_coloured_worse_or_better_with_a_legend():
    from matplotlib.colors import to_hex

    changes = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2023)
    fig = plots.change_bars(changes)
    expected = [views.display.direction(i, c) for i, c in zip(changes["indicator"], changes["change"], strict=True)]
    colours = [to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches]
    assert colours == [plots.WORSE if e == "worse" else plots.BETTER for e in expected]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["worse", "better"]


def test_heatmap_splits_criminality_and_resilience_so_darker_is_worse():
    matrix = views.indicator_matrix(bundled(), ["KAZ", "KGZ"], 2023)
    fig = plots.heatmap(matrix, "t")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["Criminality indicators", "Resilience indicators"]
    cmaps = [ax.collections[0].get_cmap().name for ax in fig.axes if ax.get_title(loc="left")]
    assert cmaps == ["rocket_r", "rocket"]


def test_many_countries_become_small_multiples():
    data = bundled()
    history = views.composite_history(data, ["KAZ", "KGZ"])
    many = pd.concat([history.assign(country=f"Country {i}") for i in range(12)], ignore_index=True)
    fig = plots.composite_lines(many)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 12
    assert len(fig.axes[0].lines) == 4  # a line per composite, coloured as in every report


def test_slim_svg_keeps_referenced_ids_unique_per_figure():
    from ocdata.views.svg import slim_svg

    raw = ('<?xml version="1.0"?>\n<svg width="10pt" viewBox="0 0 10 10"><defs><style type="text/css">*{}</style>'
           '</defs><g id="figure_1"><path id="m1" d="M 0 0 L 1.23456 1"/><use xlink:href="#m1"/>'
           '<text style="font-size: 9px; font-family: \'DejaVu Sans\', sans-serif">a</text></g></svg>')
    out = slim_svg(raw, "A <b> figure")
    assert out.startswith('<svg class="oc-svg" role="img" aria-label="A &lt;b&gt; figure"')
    assert "<title>A &lt;b&gt; figure</title>" in out and 'id="figure_1"' not in out
    ident = re.search(r'id="(f[0-9a-f]{8}-m1)"', out).group(1)
    assert f'xlink:href="#{ident}"' in out and "1.23" in out and "1.23456" not in out


@pytest.mark.parametrize(("name", "build"), figures(), ids=[name for name, _ in figures()])
def test_titles_and_legends_neither_overlap_the_plots_nor_clip(name, build):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = build()
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    plots_ = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_visible() and ax.has_data()]
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(p) for p in plots_), f"{name}: a legend covers a plot"
        assert box.x0 >= 0 and box.x1 <= width + 1 and box.y0 >= -1, f"{name}: a legend is cut off"
    for text in fig.texts:  # the figure's title
        box = text.get_window_extent(renderer)
        assert box.x1 <= width + 1 and box.y1 <= height + 1, f"{name}: the title is cut off"
        titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
        titles += [ax._left_title.get_window_extent(renderer) for ax in fig.axes if ax.get_title(loc="left")]
        assert not any(box.overlaps(t) for t in [*plots_, *titles]), f"{name}: the title overlaps a panel"
