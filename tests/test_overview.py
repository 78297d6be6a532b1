"""The whole index of an edition: the overview's tables (bundled documents and the official workbook), its
maps, its place in the registry and the plan, and the lessons published as student versions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import nbformat
import pytest
from report_fixtures import bundled, require_workbook

import ocdata
from ocdata.errors import InputError, ParameterError
from ocdata.paths import notebooks_dir
from ocdata.report.command import student_copies
from ocdata.report.outdir import check_writable, report_files
from ocdata.report.plan import plan_reports
from ocdata.report.registry import _kind, report_kinds
from ocdata.views import maps, overview


@cache
def official() -> ocdata.Dataset:
    return ocdata.load(workbook=require_workbook())


def _svg_countries(html: str) -> dict[str, ET.Element]:
    svgs = [ET.fromstring(part[: part.index("</svg>") + 6]) for part in ("<svg" + p for p in html.split("<svg")[1:])]
    return {el.get("data-iso3"): el for svg in svgs for el in svg.iter() if el.get("data-iso3")}


# --- tables from the bundled documents ----------------------------------------------------------


def test_the_default_edition_is_the_latest_with_the_most_countries() -> None:
    data = bundled()
    assert overview.country_counts(data) == {2021: 2, 2023: 2, 2025: 1}
    assert overview.overview_edition(data, 0) == 2023
    assert overview.overview_edition(data, "2021") == 2021
    for bad in (2019, "x", True):
        with pytest.raises(ParameterError):
            overview.overview_edition(data, bad)


def test_bundled_ranking_keeps_printed_ranks_and_invents_none() -> None:
    table = overview.ranking(bundled(), 2023)
    assert list(table["iso3"]) == ["KGZ", "KAZ"]  # most criminal first
    kaz = table.set_index("iso3").loc["KAZ"]
    assert (kaz["criminality"], kaz["criminality_change"]) == (4.47, 0.21)  # printed "4.470.21"
    assert (kaz["criminality_rank_world"], kaz["criminality_rank_region"]) == (127, 5)  # printed in the 2023 PDF
    # Kyrgyzstan's 2023 page prints no rank: computing one among two countries would be wrong
    assert table.set_index("iso3").loc["KGZ", ["criminality_rank_world", "resilience_rank_world"]].isna().all()


def test_bundled_movers_and_indicators() -> None:
    moved = overview.movers(bundled(), 2023)
    assert set(moved["dimension"]) == {"criminality", "resilience"}
    kgz = moved[(moved["iso3"] == "KGZ") & (moved["dimension"] == "resilience")].iloc[0]
    assert (kgz["previous_score"], kgz["score"], kgz["change"], kgz["direction"]) == (4.17, 3.83, -0.34, "worse")
    assert overview.movers(bundled(), 2021).empty  # no edition before 2021
    extremes = overview.indicator_extremes(bundled(), 2023)
    assert not extremes.duplicated(["pillar", "indicator"]).any()
    assert set(extremes["countries"]) == {2}


# --- tables from the official workbook ----------------------------------------------------------


def test_the_full_ranking_has_every_country_with_its_published_scores_and_ranks() -> None:
    table = overview.ranking(official(), 2023)
    assert len(table) == 193 and table["iso3"].is_unique
    assert table[["criminality", "resilience", "criminality_rank_world", "resilience_rank_region"]].notna().all().all()
    first = table.iloc[0]
    assert (first["iso3"], first["criminality"], first["criminality_rank_world"]) == ("MMR", 8.15, 1)
    kgz = table.set_index("iso3").loc["KGZ"]
    assert (kgz["criminality"], kgz["resilience"]) == (5.32, 3.83)
    assert (kgz["criminality_rank_world"], kgz["criminality_rank_continent"], kgz["criminality_rank_region"]) == (
        81, 24, 2)
    assert (kgz["criminality_change"], kgz["resilience_change"]) == (-0.01, -0.34)
    # ties share the best rank (standard competition ranking)
    tied = table[table["criminality"] == 7.10]
    assert set(tied["iso3"]) == {"AFG", "LBN"} and set(tied["criminality_rank_world"]) == {9}


def test_movers_regions_and_indicators_of_2023() -> None:
    data = official()
    moved = overview.movers(data, 2023, n=3)
    crim = moved[moved["dimension"] == "criminality"]
    assert list(crim["iso3"]) == ["MDA", "KHM", "ETH"] and list(crim["change"]) == [1.15, 1.02, 0.89]
    res = moved[moved["dimension"] == "resilience"].iloc[0]
    assert (res["iso3"], res["change"], res["direction"]) == ("MMR", -1.79, "worse")
    regions = overview.region_averages(data, 2023)
    assert regions["countries"].sum() == 193
    assert regions.iloc[0][["region", "criminality"]].tolist() == ["Western Asia", 6.02]
    extremes = overview.indicator_extremes(data, 2023).set_index(["pillar", "position", "indicator"])["mean"]
    assert extremes[("criminal_markets", "highest", "financial_crimes")] == 5.98
    assert extremes[("resilience", "lowest", "victim_and_witness_support")] == 4.24
    assert not extremes.index.droplevel("position").duplicated().any()  # five actors: two and two
    long = overview.continent_scores(data, 2023)
    assert len(long) == 2 * 193 and set(long["continent"]) == {"Africa", "Americas", "Asia", "Europe", "Oceania"}


# --- maps ---------------------------------------------------------------------------------------


def test_locator_and_region_maps_carry_titles_and_no_script() -> None:
    data = bundled()
    locator = maps.locator_map(data, "KGZ", 2025)
    assert "<script" not in locator and locator._repr_html_() == str(locator)
    shapes = _svg_countries(locator)
    assert shapes["KGZ"].get("class", "").endswith("-h")  # outlined
    assert {"KAZ", "UZB", "TJK", "TKM"} <= set(shapes)  # the region around it
    title = shapes["KGZ"].find("{http://www.w3.org/2000/svg}title").text
    assert title == "Kyrgyzstan: criminality 5.25, resilience 3.79"
    region = maps.region_map(data, ["KAZ", "KGZ"], 2023)
    titles = {c: el.find("{http://www.w3.org/2000/svg}title").text for c, el in _svg_countries(region).items()}
    assert titles["KAZ"] == "Kazakhstan: criminality 4.47, resilience 4.54"
    assert titles["UZB"] == "Uzbekistan"  # a neighbour: plain land, no score claimed
    assert "no data (" not in region and "hatched" not in region  # every country scored: no no-data swatch
    for html in (locator, region):  # the legend is page text under the map, the same words as inside an SVG
        assert "ocdata-map-legend" not in html and html.count('class="oc-map-legend"') == 1
        assert html.index("</svg>") < html.index('class="oc-map-legend"') < html.index("<figcaption")
        assert (">Criminality 2023<" if html is region else ">Criminality 2025<") in html  # its title


def test_world_maps_show_both_dimensions_for_every_country() -> None:
    html = maps.world_maps(official(), 2023, links={"KGZ": "KGZ_2023.html"})
    assert html.count("<svg") == 2 and "Criminality 2023" in html and "Resilience 2023" in html
    assert 'href="KGZ_2023.html"' in html and "<script" not in html
    assert len(_svg_countries(html)) == 193
    assert html.count('class="oc-map-legend"') == 2 and "ocdata-map-legend" not in html


# --- registry, plan, student lessons, files a report may write -----------------------------------


def test_overview_is_planned_with_the_scores_the_index_map_needs() -> None:
    planned = plan_reports(bundled(), overview=True)
    assert [p.job.name for p in planned] == ["overview_2023"]
    job, entry = planned[0].job, planned[0].entry
    assert dict(job.parameters) == {"edition": 2023, "workbook": "", "tables": ""}
    assert entry["map"] == {"KAZ": {"criminality": 4.47, "resilience": 4.54},
                            "KGZ": {"criminality": 5.32, "resilience": 3.83}}
    names = [p.job.name for p in plan_reports(bundled(), all_=True)]
    assert "overview_2023" in names and "tutorial" in names
    assert {f"lesson_{p.stem}" for p in (notebooks_dir() / "lessons").glob("*.ipynb")} <= set(names)
    with pytest.raises(ParameterError, match="2019"):
        plan_reports(bundled(), overview=True, edition=2019)


def test_every_lesson_is_a_student_report_in_the_teaching_section() -> None:
    lessons = sorted(p.stem for p in (notebooks_dir() / "lessons").glob("*.ipynb"))
    assert len(lessons) >= 4
    kinds = {k.notebook: k for k in report_kinds().values()}
    for lesson in lessons:
        kind = kinds[f"lessons/{lesson}"]
        assert (kind.subject, kind.student, kind.show_code, kind.in_all, kind.section) == (
            "example", True, True, True, "Teaching")
        assert kind.notebook_path().is_file()
    assert not report_kinds()["tutorial"].student


def test_student_copies_take_the_solutions_out(tmp_path: Path) -> None:
    planned = plan_reports(bundled(), all_=True)
    copied = student_copies(planned, tmp_path)
    assert [p.job.name for p in copied] == [p.job.name for p in planned]
    students = [p for p in copied if p.entry["kind"].startswith("lesson_")]
    assert len(students) >= 4
    for plan in students:
        assert plan.job.notebook.parent == tmp_path
        original = next(p for p in planned if p.job.name == plan.job.name).job.notebook
        assert "### BEGIN SOLUTION" in original.read_text(encoding="utf-8")
        text = plan.job.notebook.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        nbformat.validate(nbformat.reads(text, as_version=4))
    others = [p for p in copied if not p.entry["kind"].startswith("lesson_")]
    assert all(p.job.notebook.parent != tmp_path for p in others)


def test_registry_refuses_unknown_keys_and_a_non_boolean_student() -> None:
    entry = {"notebook": "x", "subject": "edition", "file": "overview_{edition}", "title": "t",
             "index": {"section": "s", "layout": "list", "label": "l"}, "show_code": False, "in_all": True}
    assert _kind("x", entry).student is False
    with pytest.raises(InputError, match="optional"):
        _kind("x", {**entry, "colour": "red"})
    with pytest.raises(InputError, match="student"):
        _kind("x", {**entry, "student": "yes"})


def test_a_foreign_csv_beside_a_report_is_refused(tmp_path: Path) -> None:
    assert report_files("KGZ_2025") == ["KGZ_2025.html", "KGZ_2025.csv"]
    (tmp_path / "KGZ_2025.csv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"KGZ_2025\.csv"):
        check_writable(tmp_path, report_files("KGZ_2025"))
    assert (tmp_path / "KGZ_2025.csv").read_text(encoding="utf-8") == "mine\n"


def test_lessons_get_the_batchs_data_and_no_subject() -> None:
    lessons = [p for p in plan_reports(bundled(), all_=True) if p.entry["kind"].startswith("lesson_")]
    assert lessons and all(set(p.job.parameters) == {"workbook", "tables"} for p in lessons)
    tutorial = next(p for p in plan_reports(bundled(), all_=True) if p.job.name == "tutorial")
    assert set(tutorial.job.parameters) == {"country", "workbook", "tables"}
