"""The shipped world shapes, the script that makes them, and the SVG map builder."""

from __future__ import annotations

import importlib.util
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.colors import to_rgb

from ocdata.countries import load_countries, load_numeric_codes
from ocdata.errors import ParameterError
from ocdata.maps import draw_world_map, legend_html, load_shapes, map_values, score_titles, world_map_svg
from ocdata.paths import PACKAGE_DATA, PROJECT_DIR

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = PROJECT_DIR / "scripts" / "world_shapes.py"


def _script():
    spec = importlib.util.spec_from_file_location("world_shapes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _values(seed: int = 3) -> pd.DataFrame:
    iso3 = load_countries()["iso3"]
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"iso3": iso3, "score": np.round(rng.uniform(1, 10, len(iso3)) * 2) / 2})


def _countries(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {el.get("data-iso3"): el for el in root.iter() if el.get("data-iso3")}


def _luminance(colour: str) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --- the shipped shapes ---------------------------------------------------------------------------


def test_every_country_of_the_index_has_a_shape_or_a_dot() -> None:
    shapes = load_shapes()
    countries = load_countries()["iso3"].tolist()
    assert len(countries) == 193
    assert set(shapes["countries"]) == set(countries)
    for iso3 in countries:
        entry = shapes["countries"][iso3]
        assert entry["d"] or entry["dot"], iso3
        x, y = entry["centroid"]
        assert 0 <= x <= shapes["width"] and 0 <= y <= shapes["height"], iso3


def test_small_island_states_are_dots_and_large_countries_are_not() -> None:
    countries = load_shapes()["countries"]
    for iso3 in ("TUV", "NRU", "MDV", "KNA", "SMR", "LIE", "MCO", "BHS", "SLB"):
        assert countries[iso3]["dot"], iso3
    for iso3 in ("RUS", "KGZ", "KAZ", "BRA", "FJI", "LSO"):
        assert not countries[iso3]["dot"] and countries[iso3]["d"], iso3
    assert countries["TUV"]["d"] == ""  # not drawn by the source: a hand-entered position


def test_recorded_source_checksum_matches_the_provenance_file() -> None:
    data = json.loads((PACKAGE_DATA / "world_shapes.json").read_text(encoding="utf-8"))
    meta = yaml.safe_load((PACKAGE_DATA / "world_shapes.meta.yaml").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{64}", data["source_sha256"])
    assert data["source_sha256"] == meta["source"]["sha256"]
    assert (meta["source"]["package"], meta["source"]["version"]) == ("world-atlas", "2.0.2")
    assert meta["projection"]["name"] == "Equal Earth"
    assert sorted(meta["dots"]["countries"]) == sorted(k for k, v in data["countries"].items() if v["dot"])


def test_iso_numeric_codes_cover_the_index() -> None:
    module = _script()
    assert module.numeric_codes_file() == PACKAGE_DATA / "countries.csv"
    codes = module.read_numeric_codes(module.numeric_codes_file())
    assert sorted(codes.values()) == sorted(load_countries()["iso3"])
    assert codes == dict(zip(load_numeric_codes()["iso_numeric"], load_numeric_codes()["iso3"], strict=True))
    assert (codes["417"], codes["398"], codes["706"], codes["196"], codes["798"]) == ("KGZ", "KAZ", "SOM", "CYP", "TUV")


def test_shapes_file_stays_small() -> None:
    assert (PACKAGE_DATA / "world_shapes.json").stat().st_size < 400_000


def test_russia_and_fiji_are_cut_at_the_antimeridian() -> None:
    shapes = load_shapes()
    for iso3 in ("RUS", "FJI"):
        for ring in re.findall(r"M[^z]*z", shapes["countries"][iso3]["d"]):
            xs = [x for x, _ in _absolute_points(ring)]
            assert max(xs) - min(xs) < 500, iso3  # no part drawn across the frame
        box = shapes["countries"][iso3]["bbox"]
        assert box[2] - box[0] < 0.6 * shapes["width"], iso3  # the main parts, not both edges


# --- the conversion script on a tiny topology ------------------------------------------------------

TINY = {
    "type": "Topology",
    "transform": {"scale": [1, 1], "translate": [0, 0]},
    "arcs": [  # quantized and delta-encoded: a start point, then steps
        [[10, 0], [0, 10]],  # 0: lon 10, shared by 706 and Somaliland
        [[10, 10], [-10, 0], [0, -10], [10, 0]],  # 1: the rest of 706 (lon 0 to 10, lat 0 to 10)
        [[10, 0], [10, 0]],  # 2: Somaliland's south edge
        [[20, 0], [0, 10]],  # 3: lon 20, shared by Somaliland and 417
        [[20, 10], [-10, 0]],  # 4: Somaliland's north edge
        [[20, 0], [10, 0], [0, 10], [-10, 0]],  # 5: the rest of 417 (lon 20 to 30)
        [[175, -20], [0, 10], [-350, 0], [0, -10], [350, 0]],  # 6: a ring across 180°
        [[60, 0], [0, 1], [1, -1], [-1, 0]],  # 7: a small island
        [[100, 20], [5, 0], [0, 5], [-5, 0], [0, -5]],  # 8: land outside the index
        [[0, -80], [10, 0], [0, -5], [-10, 0], [0, 5]],  # 9: Antarctica
    ],
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "id": "706", "arcs": [[0, 1]], "properties": {"name": "Somalia"}},
        {"type": "Polygon", "arcs": [[2, 3, 4, ~0]], "properties": {"name": "Somaliland"}},
        {"type": "Polygon", "id": "417", "arcs": [[~3, 5]], "properties": {"name": "Kyrgyzstan"}},
        {"type": "MultiPolygon", "id": "242", "arcs": [[[6]]], "properties": {"name": "Fiji"}},
        {"type": "Polygon", "id": "462", "arcs": [[7]], "properties": {"name": "Maldives"}},
        {"type": "Polygon", "id": "999", "arcs": [[8]], "properties": {"name": "Elsewhere"}},
        {"type": "Polygon", "id": "010", "arcs": [[9]], "properties": {"name": "Antarctica"}},
    ]}},
}
CODES = {"706": "SOM", "417": "KGZ", "242": "FJI", "462": "MDV"}
POINTS = {"TUV": (179.2167, -8.5167)}


def test_equal_earth_matches_the_published_shape() -> None:
    module = _script()
    x_max = module.equal_earth(180, 0)[0]
    y_max = module.equal_earth(0, 90)[1]
    assert x_max == pytest.approx(2.7066, abs=1e-4)
    assert y_max == pytest.approx(1.3174, abs=1e-4)
    assert x_max / y_max == pytest.approx(2.05, abs=0.01)  # "about 2.05:1" (Šavrič et al. 2018)
    assert module.equal_earth(-30, -40) == pytest.approx(tuple(-v for v in module.equal_earth(30, 40)))


def test_conversion_is_deterministic_and_topological() -> None:
    module = _script()
    first = module.dump(module.convert(json.loads(json.dumps(TINY)), CODES, POINTS), "0" * 64)
    second = module.dump(module.convert(json.loads(json.dumps(TINY)), CODES, POINTS), "0" * 64)
    assert first == second
    shapes = json.loads(first)
    countries = shapes["countries"]
    assert set(countries) == {"SOM", "KGZ", "FJI", "MDV", "TUV"}
    # Somaliland merged into Somalia: one ring, the shared border gone, the outline from lon 0 to 20
    assert countries["SOM"]["d"].count("M") == 1
    x0, _, x1, _ = countries["SOM"]["bbox"]
    assert x0 == pytest.approx(500, abs=0.1) and x1 == pytest.approx(module.project([(20, 0)])[0][0], abs=0.1)
    # the border of Somalia and Kyrgyzstan is the same line in both paths
    som_points = _absolute_points(countries["SOM"]["d"])
    kgz_points = _absolute_points(countries["KGZ"]["d"])
    assert len(som_points & kgz_points) == 2
    # across the antimeridian: two parts, one at each edge
    assert countries["FJI"]["d"].count("M") == 2
    xs = [x for x, _ in _absolute_points(countries["FJI"]["d"])]
    assert min(xs) < 10 and max(xs) > 990
    assert countries["MDV"]["dot"] and not countries["SOM"]["dot"]
    assert countries["TUV"] == {"d": "", "dot": True, "area": 0.0, "centroid": countries["TUV"]["centroid"],
                                "bbox": countries["TUV"]["bbox"]}
    assert len(shapes["other"]) == 1  # the land outside the index; Antarctica left out
    assert shapes["height"] < 200


def test_conversion_gives_the_expected_path() -> None:
    module = _script()
    shapes = module.convert(json.loads(json.dumps(TINY)), CODES, POINTS)
    x, y = module.project([(20, 10)])[0]
    top = module.project([(100, 25)])[0][1]  # the northernmost land
    assert shapes["countries"]["KGZ"]["d"] == EXPECTED_KGZ
    start = re.match(r"M([\d.]+) ([\d.]+)", EXPECTED_KGZ)
    assert float(start[1]) == pytest.approx(x, abs=0.05)
    assert float(start[2]) == pytest.approx(y - top + module.MARGIN, abs=0.1)


EXPECTED_KGZ = "M555.2 56.7l.4 37.3 27.7 0-.6-37.3z"  # lon 20 to 30, lat 10 to 0, from (20, 10)


def _absolute_points(d: str) -> set[tuple[float, float]]:
    """The points of a path made of ``M x y l dx dy ... z`` rings."""
    points = set()
    for ring in re.findall(r"M([^z]*)z", d):
        start, steps = ring.split("l")
        x, y = (float(v) for v in start.split())
        points.add((round(x, 1), round(y, 1)))
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", steps)]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            points.add((round(x, 1), round(y, 1)))
    return points


# --- the map ------------------------------------------------------------------------------------


def test_same_values_give_the_same_bytes() -> None:
    values = _values()
    first = world_map_svg(values, metric_label="Criminality", higher_is_worse=True)
    second = world_map_svg(values.sample(frac=1, random_state=1), metric_label="Criminality", higher_is_worse=True)
    assert first == second


def test_svg_is_accessible_xml_with_every_country_titled() -> None:
    values = _values()
    titles = {iso3: f"{iso3} title" for iso3 in values["iso3"]}
    svg = world_map_svg(values, metric_label="Criminality", higher_is_worse=True, titles=titles)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Criminality by country"
    assert "darker is worse" in root.find(f"{SVG}desc").text
    countries = _countries(svg)
    assert len(countries) == 193
    for iso3, element in countries.items():
        assert element.find(f"{SVG}title").text == f"{iso3} title"
        assert element.find(f"{SVG}path") is not None or element.find(f"{SVG}circle") is not None
    assert "<script" not in svg.lower()


def test_default_titles_name_the_country_and_its_score() -> None:
    values = pd.DataFrame({"iso3": ["KGZ", "KAZ"], "score": [5.25, float("nan")]})
    countries = _countries(world_map_svg(values, metric_label="criminality", higher_is_worse=True))
    assert countries["KGZ"].find(f"{SVG}title").text == "Kyrgyzstan: criminality 5.25"
    assert countries["KAZ"].find(f"{SVG}title").text == "Kazakhstan: criminality no data"
    assert countries["FRA"].find(f"{SVG}title").text == "France: criminality no data"


def test_links_are_exactly_the_given_hrefs() -> None:
    values = _values()
    links = {iso3: f"{iso3}_2025.html" for iso3 in values["iso3"] if iso3 != "KGZ"}
    countries = _countries(world_map_svg(values, metric_label="Criminality", higher_is_worse=True, links=links))
    found = {iso3: el.get("href") for iso3, el in countries.items() if el.tag == f"{SVG}a"}
    assert found == links
    assert countries["KGZ"].tag == f"{SVG}g"


def _fills(svg: str) -> dict[str, str]:
    out = {}
    for iso3, element in _countries(svg).items():
        shape = element.find(f"{SVG}path")
        out[iso3] = (shape if shape is not None else element.find(f"{SVG}circle")).get("fill")
    return out


@pytest.mark.parametrize(("higher_is_worse", "sign"), [(True, -1), (False, 1)])
def test_darker_is_always_worse(higher_is_worse: bool, sign: int) -> None:
    iso3 = load_countries()["iso3"].head(19)
    values = pd.DataFrame({"iso3": iso3, "score": np.arange(1, 10.5, 0.5)})
    fills = _fills(world_map_svg(values, metric_label="m", higher_is_worse=higher_is_worse))
    lum = [_luminance(fills[c]) for c in iso3]
    steps = np.diff(lum) * sign
    assert (steps > 0).all()  # criminality: darker as it rises; resilience: lighter as it rises


def test_countries_without_data_are_hatched_and_named() -> None:
    values = _values()
    values.loc[values["iso3"].isin(["BRA", "KGZ"]), "score"] = float("nan")
    values = values[values["iso3"] != "FRA"]
    svg = world_map_svg(values, metric_label="Resilience", higher_is_worse=False)
    fills = _fills(svg)
    assert {c for c, f in fills.items() if f.startswith("url(")} == {"BRA", "FRA", "KGZ"}
    assert "No data: Brazil, France, Kyrgyzstan" in svg
    assert "no data (3)" in svg
    desc = ET.fromstring(svg).find(f"{SVG}desc").text
    assert desc.endswith("No data: Brazil, France, Kyrgyzstan.")


def test_text_is_escaped() -> None:
    values = _values()
    svg = world_map_svg(values, metric_label="<b>crime</b>", higher_is_worse=True,
                        titles={"KGZ": "<script>alert(1)</script>"}, links={"KGZ": 'x.html"><script>'})
    assert "<script" not in svg and "<b>" not in svg
    element = _countries(svg)["KGZ"]
    assert element.find(f"{SVG}title").text == "<script>alert(1)</script>"
    assert element.get("href") == 'x.html"><script>'


def test_focus_crops_and_highlight_outlines() -> None:
    values = _values()
    world = world_map_svg(values, metric_label="Criminality", higher_is_worse=True)
    region = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
    local = world_map_svg(values, metric_label="Criminality", higher_is_worse=True, focus=region, highlight=["KGZ"])
    wx, wy, ww, wh = (float(v) for v in ET.fromstring(world).get("viewBox").split())
    lx, ly, lw, lh = (float(v) for v in ET.fromstring(local).get("viewBox").split())
    assert lw < ww / 5 and lh < wh / 2 and lx > wx and ly > wy
    kgz = load_shapes()["countries"]["KGZ"]["bbox"]
    assert lx < kgz[0] and kgz[2] < lx + lw and ly < kgz[1]
    countries = _countries(local)
    assert set(region) <= set(countries) and "BRA" not in countries  # shapes out of view are left out
    assert len(local) < len(world) / 2
    assert countries["KGZ"].get("class", "").endswith("-h")
    assert sum(1 for el in countries.values() if el.get("class")) == 1


def test_two_maps_on_one_page_do_not_share_ids() -> None:
    values = _values()
    a = world_map_svg(values, metric_label="Criminality", higher_is_worse=True)
    b = world_map_svg(values, metric_label="Resilience", higher_is_worse=False)
    ids_a = set(re.findall(r' id="([^"]+)"', a))
    ids_b = set(re.findall(r' id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b


@pytest.mark.parametrize(("values", "message"), [
    (pd.DataFrame({"iso3": ["XKX"], "score": [5.0]}), "found \\['XKX'\\]"),
    (pd.DataFrame({"iso3": ["KGZ", "KGZ"], "score": [5.0, 6.0]}), "several for \\['KGZ'\\]"),
    (pd.DataFrame({"country": ["KGZ"], "value": [5.0]}), "expected columns iso3 and score"),
])
def test_bad_values_are_parameter_errors(values: pd.DataFrame, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        world_map_svg(values, metric_label="m", higher_is_worse=True)


def test_unknown_codes_in_links_are_parameter_errors() -> None:
    with pytest.raises(ParameterError, match=r"links: .*found \['ZZZ'\]"):
        world_map_svg(_values(), metric_label="m", higher_is_worse=True, links={"ZZZ": "z.html"})


def test_helpers_pick_one_edition_and_indicator() -> None:
    scores = pd.DataFrame({
        "iso3": ["KGZ", "KGZ", "KGZ", "KAZ"],
        "edition": [2025, 2025, 2023, 2025],
        "indicator": ["criminality", "resilience", "criminality", "criminality"],
        "score": [5.25, 3.79, 5.1, 5.5],
    })
    assert map_values(scores, 2025, "criminality").to_dict("list") == {"iso3": ["KAZ", "KGZ"], "score": [5.5, 5.25]}
    assert score_titles(scores, 2025) == {"KAZ": "Kazakhstan: criminality 5.50",
                                          "KGZ": "Kyrgyzstan: criminality 5.25, resilience 3.79"}


def test_the_map_figure_is_in_plots_too():
    from ocdata import plots
    from ocdata.maps import world_map_svg

    values = pd.DataFrame({"iso3": ["KGZ", "KAZ"], "score": [5.32, 4.47]})
    options = {"metric_label": "Criminality", "higher_is_worse": True}
    assert plots.world_map(values, **options) == world_map_svg(values, **options)


# --- the legend: inside the SVG or as HTML under it ----------------------------------------------


def _svg_legend(svg: str) -> dict:
    """What the legend drawn inside an SVG says: title, end labels, swatch words, the names line, bar colours."""
    group = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "ocdata-map-legend")
    texts = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
    bar = [r.get("fill") for r in group.findall(f"{SVG}rect")]
    return {"title": texts[0], "ends": texts[1:3], "swatches": texts[3:6], "named": texts[6:], "colours": bar}


def _html_legend(html: str) -> dict:
    """The same from the HTML legend (well-formed, so the XML parser reads it)."""
    root = ET.fromstring(html)
    title, bar_block, swatches, *named = list(root)
    bar, ends = list(bar_block)
    colours = [re.search(r"background:(#[0-9a-f]{6})", s.get("style")).group(1) for s in bar]
    return {"title": "".join(title.itertext()), "ends": ["".join(e.itertext()) for e in ends],
            "swatches": ["".join(s.itertext()) for s in swatches], "named": ["".join(n.itertext()) for n in named],
            "colours": colours}


@pytest.mark.parametrize("higher_is_worse", [True, False])
def test_the_html_legend_says_what_the_svg_legend_says(higher_is_worse: bool) -> None:
    values = _values()
    values.loc[values["iso3"].isin(["BRA", "KGZ"]), "score"] = float("nan")
    options = {"metric_label": "Criminality 2023", "higher_is_worse": higher_is_worse, "links": {"KAZ": "k.html"},
               "unlisted": "background"}
    inside = world_map_svg(values, **options)
    drawn = draw_world_map(values, legend="html", **options)
    assert "ocdata-map-legend" in inside and "ocdata-map-legend" not in drawn.svg
    assert not list(ET.fromstring(drawn.svg).iter(f"{SVG}text"))  # no words drawn in map units
    box_in = [float(v) for v in ET.fromstring(inside).get("viewBox").split()]
    box_out = [float(v) for v in ET.fromstring(drawn.svg).get("viewBox").split()]
    assert box_out[:3] == box_in[:3] and box_out[3] == load_shapes()["height"] < box_in[3]  # ends at the map
    assert _countries(drawn.svg).keys() == _countries(inside).keys()
    assert ET.fromstring(drawn.svg).find(f"{SVG}title").text == ET.fromstring(inside).find(f"{SVG}title").text
    svg_says, html_says = _svg_legend(inside), _html_legend(legend_html(drawn.legend))
    assert html_says == svg_says
    assert svg_says["swatches"] == ["no data (2)", "no report here", "small country (a dot)"]
    assert svg_says["named"] == ["No data: Brazil, Kyrgyzstan"]
    words = ("better", "worse") if higher_is_worse else ("worse", "better")
    assert [e.split(" (")[1].rstrip(")") for e in svg_says["ends"]] == list(words)
    assert len(set(svg_says["colours"])) > 10  # a ramp, not one colour
    assert drawn.html() == drawn.svg + legend_html(drawn.legend)
    assert draw_world_map(values, **options).html() == inside  # the SVG legend: nothing added under it


def test_the_html_legend_escapes_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    countries = load_countries()
    hostile = countries.assign(country=countries["country"].where(countries["iso3"] != "KGZ",
                                                                  '<img src=x onerror="alert(1)">&'))
    monkeypatch.setattr("ocdata.maps.load_countries", lambda: hostile)
    values = _values()
    values.loc[values["iso3"] == "KGZ", "score"] = float("nan")
    drawn = draw_world_map(values, metric_label="<b>crime</b>", higher_is_worse=True, legend="html")
    html = legend_html(drawn.legend)
    assert "<img" not in html and "<b>" not in html and "<script" not in html
    said = _html_legend(html)
    assert said["title"] == "<b>crime</b>"
    assert said["named"] == ['No data: <img src=x onerror="alert(1)">&']


def test_the_html_legend_is_deterministic_and_names_at_most_a_few() -> None:
    values = _values()
    values.loc[values.index[:12], "score"] = float("nan")
    first = draw_world_map(values, metric_label="Resilience", higher_is_worse=False, legend="html")
    second = draw_world_map(values.sample(frac=1, random_state=1), metric_label="Resilience", higher_is_worse=False,
                            legend="html")
    assert first == second and legend_html(first.legend) == legend_html(second.legend)
    assert first.legend.named.endswith(" and 4 more") and first.legend.no_data == "no data (12)"
    assert "<script" not in legend_html(first.legend)


def test_an_unknown_legend_placement_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"legend: expected 'svg' or 'html', found 'below'"):
        world_map_svg(_values(), metric_label="m", higher_is_worse=True, legend="below")


FAR_APART = [["CAN", "FIN", "MEX", "NOR", "RUS"],
             ["ARG", "AUS", "BRA", "CHL", "IDN", "IND", "KEN", "MEX", "NGA", "NZL", "PER", "ZAF"]]


@pytest.mark.parametrize("focus", FAR_APART)
def test_a_crop_of_countries_far_apart_shows_no_empty_band_above_or_below_the_land(focus: list[str]) -> None:
    svg = world_map_svg(_values(), metric_label="m", higher_is_worse=True, focus=focus, legend="html")
    _, y, _, h = (float(v) for v in ET.fromstring(svg).get("viewBox").split())
    shapes = load_shapes()
    assert y >= -8 and y + h <= shapes["height"] + 8  # the frame's land runs from its top to its bottom edge
    for iso3 in focus:  # and every country compared is still in view
        _, top, _, bottom = shapes["countries"][iso3]["bbox"]
        assert y <= top and bottom <= y + h, iso3
