"""ocdata.plots: every figure builds from its view without warnings, without pyplot, and gives the
same bytes every time."""

import warnings

import matplotlib.pyplot as plt
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
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg and "<script" not in svg
    assert not plt.get_fignums(), "figures must not go through pyplot"


def test_indicator_bars_draw_one_bar_per_indicator_and_mark_the_previous_edition():
    table = views.indicator_scores(bundled(), "KGZ", 2023)
    ax = plots.indicator_bars(table, "t", 2021).axes[0]
    assert len(ax.patches) == len(table) == 32
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["label"])
    marks = ax.collections[0].get_offsets()
    assert len(marks) == len(table)  # NaN marks (new indicators) are not drawn but keep their place
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Criminal markets", "Criminal actors", "Resilience", "2021 edition"]


def test_bar_colours_follow_the_pillars():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    ax = plots.indicator_bars(table).axes[0]
    from matplotlib.colors import to_hex

    assert [to_hex(p.get_facecolor()) for p in ax.patches] == [
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
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
