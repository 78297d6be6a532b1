"""The folder's index opens with a map: every country of a workbook has a shape or a dot and a hover title
with its published scores, links point only at reports that exist, one edition shown (and said) when the
reports mix editions, the CSP unchanged, the lessons listed under Teaching."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

from report_fixtures import bundled, require_workbook

import ocdata
from ocdata.maps import load_shapes
from ocdata.report.index import index_html, index_map, write_index
from ocdata.report.plan import plan_reports
from ocdata.templating import CSP

SVG = "{http://www.w3.org/2000/svg}"


@cache
def workbook_entries() -> dict[str, dict]:
    """What ``--all`` plans on the official workbook, as the index would list it (nothing rendered)."""
    data = ocdata.load(workbook=require_workbook())
    return {p.job.name: p.entry for p in plan_reports(data, all_=True)}


def _map_countries(page: str) -> dict[str, ET.Element]:
    start = page.index("<svg")
    svg = ET.fromstring(page[start: page.index("</svg>", start) + 6])
    return {el.get("data-iso3"): el for el in svg.iter() if el.get("data-iso3")}


def _title(el: ET.Element) -> str:
    return el.find(f"{SVG}title").text


def test_every_country_of_the_workbook_is_on_the_map_with_its_published_scores() -> None:
    entries = workbook_entries()
    data = ocdata.load(workbook=require_workbook())
    page = index_html(entries)
    shapes = load_shapes()["countries"]
    countries = _map_countries(page)
    assert len(countries) == 193
    published = data.scores[(data.scores["edition"] == 2023) & data.scores["indicator"].isin(["criminality",
                                                                                               "resilience"])]
    published = published.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    names = data.countries.set_index("iso3")["country"]
    for iso3, el in countries.items():
        assert el.find(f"{SVG}path") is not None or el.find(f"{SVG}circle") is not None, iso3
        assert bool(shapes[iso3]["dot"]) == (el.find(f"{SVG}circle") is not None), iso3
        crim, res = published.loc[iso3, "criminality"], published.loc[iso3, "resilience"]
        assert _title(el).startswith(f"{names[iso3]}: criminality {crim:.2f}, resilience {res:.2f}"), iso3
    assert _title(countries["KGZ"]) == "Kyrgyzstan: criminality 5.32, resilience 3.83 (2023; opens the 2025 report)"
    assert countries["KGZ"].get("href") == "KGZ_2025.html" and countries["AFG"].get("href") == "AFG_2023.html"
    assert "The reports here cover several editions (2023, 2025)" in page
    assert 'href="overview_2023.html"' in page


def test_links_point_only_at_reports_in_the_folder(tmp_path: Path) -> None:
    entries = workbook_entries()
    for name in ("AFG_2023", "KGZ_2025", "overview_2023"):
        (tmp_path / f"{name}.html").write_text("<html></html>\n", encoding="utf-8")
    write_index(tmp_path, entries)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    countries = _map_countries(page)
    linked = {iso3: el.get("href") for iso3, el in countries.items() if el.tag == f"{SVG}a"}
    assert linked == {"AFG": "AFG_2023.html", "KGZ": "KGZ_2025.html"}
    hrefs = set(re.findall(r'href="([^"#]+)"', page))
    assert hrefs <= {p.name for p in tmp_path.iterdir()}
    # every country still on the map with its scores (the overview's), linked or not
    assert len(countries) == 193 and _title(countries["MMR"]).startswith("Myanmar: criminality 8.15")
    listed = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["reports"]
    assert set(listed) == {"AFG_2023", "KGZ_2025", "overview_2023"}


def test_without_an_overview_the_map_shows_the_edition_most_profiles_have() -> None:
    entries = {p.job.name: p.entry for p in plan_reports(bundled(), countries=["KAZ", "KGZ"])}
    assert set(entries) == {"KAZ_2023", "KGZ_2025"}
    chosen = index_map(entries)
    assert chosen["edition"] == 2025 and chosen["editions"] == [2023, 2025] and chosen["linked"] == 2
    countries = _map_countries(index_html(entries))
    assert _title(countries["KGZ"]) == "Kyrgyzstan: criminality 5.25, resilience 3.79"
    assert _title(countries["KAZ"]) == "Kazakhstan: no score in 2025; opens the 2023 report"
    assert countries["KAZ"].get("href") == "KAZ_2023.html"
    assert _title(countries["FRA"]) == "France"  # no report, no score claimed
    assert countries["FRA"].tag == f"{SVG}g"


def test_the_index_keeps_the_csp_and_runs_no_script() -> None:
    entries = {p.job.name: p.entry for p in plan_reports(bundled(), all_=True)}
    page = index_html(entries)
    assert f'content="{CSP}"' in page
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]+\son[a-z]+=", page)
    teaching = page[page.index("<h2>Teaching</h2>"):]
    teaching = teaching[: teaching.find("<h2>", 5) if "<h2>" in teaching[5:] else len(teaching)]
    assert 'href="tutorial.html"' in teaching
    lessons = re.findall(r'href="(lesson_[^"]+)\.html"', teaching)
    assert len(lessons) >= 4 and teaching.count("student version, no answers") == len(lessons)
    assert page.index("<svg") < page.index("<h2>")  # the map opens the page


def test_a_few_countries_are_coloured_on_the_whole_scale() -> None:
    entries = {p.job.name: p.entry for p in plan_reports(bundled(), countries=["KAZ", "KGZ"], overview=True)}
    page = index_html(entries)
    assert "1.00 (better)" in page and "10.00 (worse)" in page  # not KAZ's 4.47 to KGZ's 5.32
    # the legend is page text under the map, not drawn in map units that shrink with it on a phone
    assert "ocdata-map-legend" not in page
    assert page.index("</svg>") < page.index('class="oc-map-legend"') < page.index("<figcaption>")
