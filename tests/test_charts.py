"""ocdata.charts: the reports' figures drawn straight to SVG look like ocdata.plots' (the same bars, order,
colours, labels and legends), are safe to inline in a page, carry hover titles, and give the same bytes
every time."""

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from report_fixtures import REGION, bundled, with_peers

from ocdata import charts, plots, views
from ocdata.charts import core
from ocdata.render.export import inline_svg

NS = "{http://www.w3.org/2000/svg}"


def twelve():
    """Twelve countries with the same composites: enough lines for the legend to wrap."""
    return pd.concat([views.composite_history(bundled(), ["KAZ"]).assign(country=f"Country {i}") for i in range(12)])


def builders():
    """(name, arguments) of every chart the notebooks draw, on the real bundled data; ``arguments`` builds the
    arguments that ``charts.NAME`` and ``plots.NAME`` both take. Nothing is loaded until ``arguments`` is called,
    so collecting the tests reads no data."""
    data, peers = bundled, with_peers
    return [
        ("indicator_bars", lambda: (views.indicator_scores(data(), "KGZ", 2025), "KGZ", 2023)),
        ("indicator_bars", lambda: (views.indicator_scores(data(), "KGZ", 2021), "KGZ")),
        ("pillar_bars", lambda: (views.headline(data(), "KGZ", 2025), "Kyrgyzstan: pillars, 2025", 2023)),
        ("pillar_bars", lambda: (views.headline(data(), "KGZ", 2021),)),
        ("composite_lines", lambda: (views.composite_history(data(), ["KGZ"]),)),
        ("composite_lines", lambda: (views.composite_history(data(), ["KAZ", "KGZ"]), "t")),
        ("composite_lines", lambda: (twelve(), "A title long enough to wrap over two lines: twelve countries and "
                                               "their composites by edition")),
        ("peer_scatter", lambda: (views.peer_scores(peers(), 2023), ["KGZ"], REGION)),
        ("peer_scatter", lambda: (views.peer_scores(peers(), 2023), ["KAZ", "CCC", "BBB"])),
        ("series_lines", lambda: (views.country_series(data(), "KAZ"), "KAZ")),
        ("difference_bars", lambda: (views.indicator_differences(data(), ["KAZ", "KGZ"], 2023),)),
        ("difference_bars", lambda: (views.indicator_differences(peers(), ["KAZ", "KGZ", "AAA"], 2023),)),
        ("heatmap", lambda: (views.indicator_matrix(data(), ["KAZ", "KGZ"], 2023), "t")),
        ("change_bars", lambda: (views.largest_changes(data(), ["KAZ", "KGZ"], 2023),)),
    ]


CASES = builders()
IDS = [f"{name}-{k}" for k, (name, _) in enumerate(CASES)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def titled(svg: str, tag: str = "rect") -> list[tuple[str, str]]:
    """(fill, hover title) of every ``tag`` element with a title, in drawing order (hatching left out)."""
    found = []
    for el in parse(svg).iter(NS + tag):
        title = el.find(NS + "title")
        if title is not None and not el.get("fill", "").startswith("url("):
            found.append((el.get("fill"), title.text))
    return found


def texts(svg: str) -> list[str]:
    return [el.text for el in parse(svg).iter(NS + "text")]


def tick_labels(fig, axis: str = "y") -> list[str]:
    ax = fig.axes[0]
    return [t.get_text() for t in (ax.get_yticklabels() if axis == "y" else ax.get_xticklabels())]


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_chart_is_deterministic_safe_svg_that_the_page_inlines(name, arguments):
    chart = getattr(charts, name)(*arguments())
    again = getattr(charts, name)(*arguments())
    assert isinstance(chart, charts.Chart) and chart.width > 0 and chart.height > 0
    svg = chart.svg("A <chart> & its \"alt\"")
    assert svg == again.svg("A <chart> & its \"alt\""), "the same table gives the same bytes"
    assert re.match(r'<svg class="oc-svg" role="img" aria-label="A &lt;chart&gt; &amp; its &quot;alt&quot;" '
                    r'xmlns="http://www.w3.org/2000/svg" width="[\d.]+px" height="[\d.]+px" viewBox="0 0 [\d.]+ '
                    r'[\d.]+"><title>A &lt;chart&gt; &amp; its &quot;alt&quot;</title><style>', svg)
    assert "<script" not in svg and not re.search(r"\son\w+=", svg) and "<a " not in svg
    assert svg.count("font-family") == 1, "the font stack is declared once"
    assert not re.search(r"\d\.\d{3,}", svg), "coordinates are cut to 0.01"
    root = parse(svg)
    assert root.find(NS + "title").text == 'A <chart> & its "alt"'
    assert inline_svg(svg) == svg, "the page template inlines it"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert all(f"url(#{i})" in svg for i in ids), "ids only where referenced"
    assert all(re.fullmatch(r"c[0-9a-f]{8}-\w+", i) for i in ids)
    assert titled(svg) or titled(svg, "circle"), "every bar, point or cell has a hover title"


def test_indicator_bars_match_plots_bar_for_bar():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    svg = charts.indicator_bars(table, "KGZ", 2023).svg("a")
    fig = plots.indicator_bars(table, "KGZ", 2023)
    bars = titled(svg)
    assert len(bars) == len(table) == 32
    assert [t.split(":")[0] for _, t in bars] == tick_labels(fig) == list(table["label"])
    assert [f.lower() for f, _ in bars] == [to_hex(p.get_facecolor()) for p in fig.axes[0].patches][: len(table)]
    labels = texts(svg)
    assert all(label in labels for label in table["label"]), "every indicator labelled on the axis"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Criminal markets", "Criminal actors", "Resilience", "not printed", "2023 score"]
    assert labels[-len(legend):] == legend, "the same legend entries, in the same order"
    marks = [el for el in parse(svg).iter(NS + "line") if el.get("stroke") == core.HIGHLIGHT]
    assert len(marks) == table["previous_score"].notna().sum() + 1  # and the legend's handle
    hatched = [el for el in parse(svg).iter(NS + "rect") if el.get("fill", "").startswith("url(")]
    assert len(hatched) == table["origin"].isin(["inferred", "backcast"]).sum() + 1 == 3


def test_hover_titles_carry_the_values():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    bars = dict((t.split(":")[0], t) for _, t in titled(charts.indicator_bars(table, "", 2023).svg("a")))
    assert bars["Heroin trade"] == "Heroin trade: 7.00 (2023: 7.50)"
    assert bars["Mafia-style groups"].startswith("Mafia-style groups: 5.50, inferred (2023: ")
    pillars = [t for _, t in titled(charts.pillar_bars(views.headline(bundled(), "KGZ", 2025), "", 2023).svg("a"))]
    assert pillars[2] == "Criminality: 5.25 (2023: 5.32)"
    points = [t for _, t in titled(charts.composite_lines(views.composite_history(bundled(), ["KGZ"])).svg("a"),
                                   "circle")]
    assert "Kyrgyzstan, Criminality 2025: 5.25" in points
    cells = [t for _, t in titled(charts.heatmap(views.indicator_matrix(bundled(), ["KAZ", "KGZ"], 2023)).svg("a"))]
    assert cells[:2] == ["Human trafficking, Kazakhstan: 6.00", "Human trafficking, Kyrgyzstan: 7.00"]


def test_pillar_bars_match_plots():
    headline = views.headline(bundled(), "KGZ", 2025)
    svg = charts.pillar_bars(headline, "t", 2023).svg("a")
    fig = plots.pillar_bars(headline, "t", 2023)
    assert [f.lower() for f, _ in titled(svg)] == [to_hex(p.get_facecolor()) for p in fig.axes[0].patches]
    labels = texts(svg)
    assert [label for label in labels if label in tick_labels(fig)] == tick_labels(fig)
    assert "Criminal markets  4.90" in labels and 'xml:space="preserve"' in svg
    assert labels[-1] == "2023 score"


def test_heatmap_cells_have_seaborns_colours_criminality_and_resilience_apart():
    matrix = views.indicator_matrix(bundled(), ["KAZ", "KGZ"], 2023)
    svg = charts.heatmap(matrix, "t").svg("a")
    fig = plots.heatmap(matrix, "t")
    expected = [to_hex(c) for ax in fig.axes if ax.get_title(loc="left") for c in ax.collections[0].get_facecolors()]
    cells = titled(svg)
    assert len(cells) == matrix.size == len(expected)
    assert [f for f, _ in cells] == expected
    labels = texts(svg)
    assert "Criminality indicators" in labels and "Resilience indicators" in labels
    assert "higher, darker: worse" in labels and "lower, darker: worse" in labels
    assert labels.count("6.0") == int((matrix == 6.0).sum().sum()), "each cell annotated"
    gradients = parse(svg).findall(f".//{NS}linearGradient")
    assert len(gradients) == 2, "a colour bar per dimension"


def test_peer_scatter_labels_the_chosen_countries_and_escapes_names():
    peers = views.peer_scores(with_peers(), 2023)
    svg = charts.peer_scatter(peers, ["KGZ", "AAA", "BBB"], REGION).svg("a")
    bold = [el.text for el in parse(svg).iter(NS + "text") if el.get("font-weight") == "bold"]
    assert sorted(bold[:-1]) == ["Aland", "Bland <b>bold</b>", "Kyrgyzstan"]  # the last is the title
    assert "<b>" not in svg and "Bland &lt;b&gt;bold&lt;/b&gt;" in svg
    points = titled(svg, "circle")
    assert len([p for p in points if p[0] != "none"]) == len(peers)
    assert ("none", "Kyrgyzstan: criminality 5.32, resilience 3.83") in points
    assert {f for f, _ in points} == {core.MUTED, core.REGION_COLOR, "none"}
    assert texts(svg)[-2:] == ["other countries", REGION]


def test_a_few_countries_share_panels_in_plots_palette_and_many_become_small_multiples():
    history = views.composite_history(bundled(), ["KAZ", "KGZ"])
    svg = charts.composite_lines(history, "t").svg("a")
    fig = plots.composite_lines(history, "t")
    colours = [to_hex(line.get_color()).upper() for line in fig.axes[0].lines]
    assert [el.get("stroke") for el in parse(svg).iter(NS + "polyline")][:2] == colours
    assert texts(svg)[-2:] == [t.get_text() for t in fig.legends[0].get_texts()] == ["Kazakhstan", "Kyrgyzstan"]
    many = pd.concat([history.assign(country=f"Country {i}") for i in range(12)], ignore_index=True)
    labels = texts(charts.composite_lines(many, "Twelve").svg("a"))
    assert [t for t in labels if t.startswith("Country ")] == [f"Country {i}" for i in range(12)]
    assert labels[-4:] == ["Criminality", "Criminal markets", "Criminal actors", "Resilience"]


def test_changes_and_differences_are_coloured_worse_or_better():
    changes = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2023)
    svg = charts.change_bars(changes).svg("a")
    fig = plots.change_bars(changes)
    assert [f for f, _ in titled(svg)] == [to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches]
    assert texts(svg)[-2:] == ["worse", "better"]
    assert [t.split(":")[0] for _, t in titled(svg)] == tick_labels(fig)
    differences = views.indicator_differences(bundled(), ["KAZ", "KGZ"], 2023)
    svg = charts.difference_bars(differences).svg("a")
    fig = plots.difference_bars(differences)
    assert [f for f, _ in titled(svg)] == [to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches]
    assert texts(svg)[-2:] == [t.get_text() for t in fig.legends[0].get_texts()]
    assert titled(svg)[0][1] == "Mafia-style groups: Kazakhstan 4.00, Kyrgyzstan 6.50, difference \u22122.50"


def test_two_charts_on_a_page_never_share_an_id():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    one, two = (charts.indicator_bars(table, title).svg("a") for title in ("one", "two"))
    first, second = ({el.get("id") for el in parse(s).iter() if el.get("id")} for s in (one, two))
    assert first and second and not first & second


def test_show_displays_svg_with_its_alt_text(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    charts.show(charts.pillar_bars(views.headline(bundled(), "KGZ", 2025)), alt="pillars")
    (bundle,), options = shown[0]
    assert options == {"raw": True} and bundle["text/plain"] == "pillars"
    assert bundle["image/svg+xml"].startswith('<svg class="oc-svg" role="img" aria-label="pillars"')
    assert "<title>pillars</title>" in bundle["image/svg+xml"]


def assert_safe(chart: charts.Chart) -> str:
    """The chart's SVG, checked: it parses, the page inlines it, and no coordinate is NaN or infinite."""
    svg = chart.svg("a")
    parse(svg)
    assert inline_svg(svg) == svg
    markup = re.sub(r"<title>[^<]*</title>|>[^<]*<", "><", svg)
    assert not re.search(r"nan|inf", markup, re.I), "no NaN or infinity in an attribute"
    return svg


def bar_ends(svg: str) -> list[tuple[float, float]]:
    """(left, right) in px of every bar with a hover title."""
    return [(float(el.get("x")), float(el.get("x")) + float(el.get("width"))) for el in parse(svg).iter(NS + "rect")
            if el.find(NS + "title") is not None and not el.get("fill", "").startswith("url(")]


def test_bars_of_length_zero_or_none_draw_an_axis_around_zero_as_plots():
    differences = views.indicator_differences(bundled(), ["KAZ", "KGZ"], 2023)
    same = differences.assign(difference=0.0)
    svg = assert_safe(charts.difference_bars(same, "Two countries alike"))
    assert [label for label in texts(svg) if label in ("\u22120.04", "0.00", "0.04")] == ["\u22120.04", "0.00", "0.04"]
    assert plots.difference_bars(same).axes[0].get_xlim() == pytest.approx((-0.055, 0.055))
    assert all(right - left == 0 for left, right in bar_ends(svg))
    assert "difference 0.00" in titled(svg)[0][1], "no signed zero in a hover title"
    first = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2021)
    assert first.empty, "the first edition has no changes"
    assert not bar_ends(assert_safe(charts.change_bars(first, "No changes")))
    assert not bar_ends(assert_safe(charts.difference_bars(differences.head(0))))
    flat = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2023).head(2).assign(change=[-0.0, 0.0])
    assert [t.endswith("(0.00)") for _, t in titled(assert_safe(charts.change_bars(flat)))] == [True, True]


def test_long_labels_widen_the_chart_instead_of_leaving_it():
    changes = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2023)
    short = charts.change_bars(changes)
    long = changes.assign(country=["St. Vincent and the Grenadines"] * len(changes),
                          label=["Extortion and protection racketeering"] * len(changes))
    chart = charts.change_bars(long)
    svg = assert_safe(chart)
    label = "St. Vincent and the Grenadines \u00b7 Extortion and protection racketeering"
    ticks = [el for el in parse(svg).iter(NS + "text") if el.text == label]
    assert ticks and all(float(el.get("x")) - core.text_width(label, core.FONT) > 0 for el in ticks), \
        "every label inside the chart"
    assert chart.width > short.width, "the chart grows, the plot keeps its width"
    plot = [right - left for left, right in bar_ends(svg)]
    assert plot == pytest.approx([right - left for left, right in bar_ends(assert_safe(short))], abs=0.02)
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    assert charts.indicator_bars(table, "t", 2023).width == 8 * core.PX, "the indicators' labels fit as they are"


def test_text_width_is_dejavu_sans_for_ascii_and_accented_names():
    assert core.text_width("Government transparency and accountability", 12) == pytest.approx(274.5, abs=3)
    assert core.text_width("S\u00e3o Tom\u00e9", 10) == core.text_width("Sao Tome", 10)
    assert core.text_width("iiii", 10) < core.text_width("WWWW", 10)


def test_heatmap_country_names_fit_below_their_columns():
    data = bundled()
    matrix = views.indicator_matrix(data, ["KAZ", "KGZ"], 2023)
    names = ["St. Vincent and the Grenadines", "S\u00e3o Tom\u00e9 and Pr\u00edncipe & <Co>"]
    long = matrix.set_axis(names, axis=1)
    chart = charts.heatmap(long, "t")
    svg = assert_safe(chart)
    placed = [el for el in parse(svg).iter(NS + "text") if el.text in names]
    assert len(placed) == 2 and all("rotate(-90" in el.get("transform", "") for el in placed), \
        "names too wide for their columns read upwards"
    for el in placed:
        assert float(el.get("y")) + core.text_width(el.text, core.FONT) < chart.height, "and end inside the chart"
    assert chart.height > charts.heatmap(matrix, "t").height
    upright = [el for el in parse(charts.heatmap(matrix, "t").svg("a")).iter(NS + "text") if el.text == "Kazakhstan"]
    assert upright and "transform" not in upright[0].attrib, "short names stay level"


def test_series_with_a_missing_value_draw_the_rest():
    series = views.country_series(bundled(), "KAZ")
    first = series[series["series"] == series["series"].iloc[0]]
    gap = first.assign(value=[float("nan"), *first["value"].iloc[1:]])
    svg = assert_safe(charts.series_lines(gap, "t"))
    points = titled(svg, "circle")
    assert len(points) == len(first) - 1 and all(t for _, t in points)
    assert_safe(charts.series_lines(first.assign(value=float("nan")), "t"))


def test_small_multiples_keep_long_country_names_inside_their_panels():
    history = views.composite_history(bundled(), ["KAZ", "KGZ"])
    names = ["St. Vincent and the Grenadines", "Bosnia and Herzegovina", "Central African Republic",
             "S\u00e3o Tom\u00e9 and Pr\u00edncipe", "Trinidad and Tobago", "Papua New Guinea", "Antigua and Barbuda",
             "C\u00f4te d'Ivoire", "Kazakhstan"]
    many = pd.concat([history[history["iso3"] == "KAZ"].assign(country=n) for n in names], ignore_index=True)
    svg = assert_safe(charts.composite_lines(many, "Nine"))
    titles = [el for el in parse(svg).iter(NS + "text") if el.get("font-weight") == "bold" and el.text != "Nine"]
    assert sorted(el.text for el in titles) == sorted(names)
    first, second = (el for el in titles if el.text in names[:2])
    right_of_first = float(first.get("x")) + core.text_width(first.text, float(first.get("font-size")), bold=True) / 2
    left_of_second = float(second.get("x")) - core.text_width(second.text, float(second.get("font-size")),
                                                              bold=True) / 2
    assert right_of_first < left_of_second, "neighbouring panel titles do not run into each other"
    assert float(first.get("font-size")) < core.FONT == float(second.get("font-size"))


def test_labels_of_close_points_do_not_overlap():
    peers = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC", "DDD", "EEE"],
                          "country": ["Alpha Land", "Beta Republic", "Gamma", "Delta Isles", "Epsilon"],
                          "continent": "X", "region": "R", "criminality": [5.0, 5.05, 5.1, 4.95, 2.0],
                          "resilience": [5.0, 5.1, 4.9, 5.05, 8.0]})
    svg = charts.peer_scatter(peers, ["AAA", "BBB", "CCC", "DDD"], "R").svg("peers")
    boxes = []
    for x, y, anchor, name in re.findall(r'<text x="([\d.]+)" y="([\d.]+)" font-size="[\d.]+"( text-anchor="end")?'
                                         r' font-weight="bold">([^<]+)</text>', svg):
        if name not in set(peers["country"]):
            continue  # the title
        width = core.text_width(name, core.SMALL, bold=True)
        left = float(x) - width if anchor else float(x)
        boxes.append((left, float(y) - core.SMALL * 0.8, left + width, float(y) + core.SMALL * 0.2))
    assert len(boxes) == 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_with_no_country_singled_out_the_legend_says_what_a_dot_is():
    peers = views.peer_scores(with_peers(), 2023)
    assert ">a country</text>" in charts.peer_scatter(peers, []).svg("peers")
    assert ">other countries</text>" in charts.peer_scatter(peers, ["KGZ"]).svg("peers")


def test_a_chart_at_the_end_of_a_cell_shows_itself_as_svg():
    chart = charts.pillar_bars(views.headline(bundled(), "KGZ", 2025))
    assert chart._repr_svg_() == chart.svg() and chart._repr_svg_().startswith('<svg class="oc-svg"')


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_no_text_is_smaller_than_ten_px(name, arguments):
    """A phone shows a chart at its own size (it scrolls sideways), so no text may be drawn below 10 px."""
    sizes = [float(el.get("font-size")) for el in parse(getattr(charts, name)(*arguments()).svg("a")).iter(NS + "text")]
    assert sizes and min(sizes) >= 10 == core.LEAST


def test_heatmap_values_and_squeezed_panel_titles_stay_at_ten_px():
    matrix = views.indicator_matrix(bundled(), ["KAZ", "KGZ"], 2023)
    values = [el for el in parse(charts.heatmap(matrix, "t").svg("a")).iter(NS + "text") if el.get("fill")]
    assert values and {float(el.get("font-size")) for el in values} == {core.LEAST}, "the values in the cells"
    history = views.composite_history(bundled(), ["KAZ"])
    names = [f"The Federated Republic of Long Name {k}" for k in range(9)]
    many = pd.concat([history.assign(country=n) for n in names], ignore_index=True)
    titles = [el for el in parse(charts.composite_lines(many, "Nine").svg("a")).iter(NS + "text")
              if el.get("font-weight") == "bold" and el.text != "Nine"]
    assert len(titles) > len(names), "names too long for their panel wrap rather than shrink below 10 px"
    assert min(float(el.get("font-size")) for el in titles) == core.LEAST
