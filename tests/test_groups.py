"""Each edition's continents and regions: the bundled table, a workbook's own columns, the printed ranks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from workbook_factory import official_sheets, write_csv

from ocdata import countries as countries_module
from ocdata.codebook import load_editions
from ocdata.countries import (
    GROUP_COLUMNS,
    groups_from_workbook,
    groups_in,
    load_countries,
    load_groups,
    load_numeric_codes,
    merge_groups,
    scope_editions,
    to_iso3,
)
from ocdata.errors import ParseError
from ocdata.inputs.manifest import read_document, read_manifest
from ocdata.inputs.workbook import read_workbook
from ocdata.parse.common import find_ranks, scope_of
from ocdata.parse.pdf_profile import parse_pdf_profile
from ocdata.parse.web_profile import parse_web_profile
from ocdata.paths import PACKAGE_DATA, PROJECT_DIR
from ocdata.ranks import compute_ranks

WORKBOOK = PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx"
RAW = PROJECT_DIR / "data" / "raw"
PARSERS = {"pdf_profile": parse_pdf_profile, "web_profile": parse_web_profile}


def official_workbook() -> Path:
    """The real 2023 release; skipped where absent, a failure when ``OCDATA_REQUIRE_WORKBOOK=1``."""
    path = Path(os.environ.get("OCDATA_WORKBOOK") or WORKBOOK)
    if not path.is_file():
        message = f"the official workbook is not at {path} (set OCDATA_WORKBOOK to run these tests)"
        if os.environ.get("OCDATA_REQUIRE_WORKBOOK") == "1":
            pytest.fail(message + "; OCDATA_REQUIRE_WORKBOOK=1 requires it")
        pytest.skip(message)
    return path


@cache
def _book(path: Path) -> pd.DataFrame:
    return read_workbook(path)


@cache
def printed_ranks() -> pd.DataFrame:
    """Every rank printed in the bundled profiles, with its document and line."""
    manifest = read_manifest(RAW)
    rows = []
    for _, entry in manifest[manifest["kind"].isin(PARSERS)].iterrows():
        parsed = PARSERS[entry["kind"]](read_document(RAW, entry))
        rows += [{**rank, "source": entry["id"]} for rank in parsed.ranks]
    return pd.DataFrame(rows)


# --- the bundled table, no workbook needed ----------------------------------------------------------------


def test_one_row_per_country_and_known_edition() -> None:
    groups = load_groups()
    assert list(groups.columns) == list(GROUP_COLUMNS)
    assert {c: str(t) for c, t in groups.dtypes.items()} == GROUP_COLUMNS
    editions = sorted(load_editions()["edition"].astype(int))
    assert editions == [2021, 2023, 2025]
    assert sorted(groups["edition"].unique()) == editions
    codes = set(load_countries()["iso3"])
    for edition in editions:
        assert set(groups_in(groups, edition)["iso3"]) == codes and len(groups_in(groups, edition)) == 193
    assert not groups.duplicated(["iso3", "edition"]).any()
    for column in ("continent", "region", "source"):
        assert (groups[column] == groups[column].str.strip()).all() and (groups[column] != "").all(), column


def test_regions_as_each_edition_spells_them() -> None:
    groups = load_groups()
    sizes = groups.groupby(["edition", "region"]).size()
    assert sizes[(2021, "Caribbean")] == 13 and sizes[(2021, "Central America")] == 8
    assert (2021, "Caribbean & Central") not in sizes.index
    assert sizes[(2023, "Caribbean & Central")] == 21
    assert (2023, "Caribbean") not in sizes.index and (2023, "Central America") not in sizes.index
    assert sizes[(2021, "Central Asia and the Caucasus")] == sizes[(2025, "Central Asia and the Caucasus")] == 8
    by_key = groups.set_index(["iso3", "edition"])["region"]
    assert [by_key[("LCA", e)] for e in (2021, 2023, 2025)] == ["Caribbean", "Caribbean & Central",
                                                                "Caribbean & Central"]
    assert [by_key[(c, 2021)] for c in ("MEX", "CRI", "PAN", "NIC", "HND")] == ["Central America"] * 5
    assert [by_key[(c, 2021)] for c in ("HTI", "CUB", "DOM")] == ["Caribbean"] * 3
    continents = groups.groupby("edition")["continent"].value_counts()
    assert continents[2021].to_dict() == continents[2023].to_dict() == {
        "Africa": 54, "Americas": 35, "Asia": 46, "Europe": 44, "Oceania": 14}


def test_every_row_says_where_it_comes_from() -> None:
    groups = load_groups()
    sources = groups.groupby("edition")["source"].unique().map(list).to_dict()
    assert sources == {
        2021: ["official workbook 2023 release, sheet 2021_dataset"],
        2023: ["official workbook 2023 release, sheet 2023_dataset"],
        2025: ["assumed from 2023 (official workbook 2023 release, sheet 2023_dataset)"],
    }
    carried = groups_in(groups, 2025).merge(groups_in(groups, 2023), on="iso3", suffixes=("", "_2023"))
    assert (carried["region"] == carried["region_2023"]).all()
    assert (carried["continent"] == carried["continent_2023"]).all()


def test_provenance_file_records_the_release_and_its_checksum() -> None:
    meta = yaml.safe_load((PACKAGE_DATA / "country_groups.meta.yaml").read_text(encoding="utf-8"))
    releases = pd.read_csv(PACKAGE_DATA / "releases.csv", dtype=str).set_index("release")["sha256"]
    assert str(meta["source"]["release"]) == "2023"
    assert meta["source"]["sha256"] == releases["2023"]
    assert meta["source"]["sheets"] == {2021: "2021_dataset", 2023: "2023_dataset"}
    assert meta["assumed_editions"] == [2025]
    assert (PROJECT_DIR / "scripts" / "country_groups.py").is_file()


def test_the_countries_table_groups_countries_as_the_latest_edition() -> None:
    latest = int(load_editions()["edition"].max())
    table = load_countries().merge(groups_in(load_groups(), latest), on="iso3", suffixes=("", "_latest"))
    assert len(table) == 193
    assert (table["continent"] == table["continent_latest"]).all()
    assert (table["region"] == table["region_latest"]).all()


def test_numeric_codes_are_unique_three_digit_strings() -> None:
    codes = load_numeric_codes()
    assert list(codes.columns) == ["iso3", "iso_numeric"] and len(codes) == 193
    assert codes["iso_numeric"].str.fullmatch(r"\d{3}").all() and codes["iso_numeric"].is_unique
    by_iso3 = codes.set_index("iso3")["iso_numeric"]
    assert (by_iso3["AFG"], by_iso3["KGZ"], by_iso3["KAZ"], by_iso3["TUV"]) == ("004", "417", "398", "798")
    assert not (PACKAGE_DATA / "world_shapes.iso_numeric.csv").exists()
    meta = yaml.safe_load((PACKAGE_DATA / "world_shapes.meta.yaml").read_text(encoding="utf-8"))
    assert meta["iso_numeric"]["table"] == "countries.csv"


def test_scope_editions_names_where_a_name_exists() -> None:
    groups = load_groups()
    assert scope_editions(groups, "region", "Caribbean") == [2021]
    assert scope_editions(groups, "region", "Central America") == [2021]
    assert scope_editions(groups, "region", "Caribbean & Central") == [2023, 2025]
    assert scope_editions(groups, "continent", "Asia") == [2021, 2023, 2025]
    assert scope_editions(groups, "region", "Narnia") == []


# --- a workbook's own columns win -------------------------------------------------------------------------


def _book_rows(rows: list[tuple[str, int, str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["iso3", "edition", "continent", "region", "sheet", "line"]).assign(
        indicator="criminality", source="book.xlsx")


def test_groups_from_workbook_one_row_per_country_and_edition_with_its_sheet() -> None:
    book = pd.concat([_book_rows([("LCA", 2021, "Americas", "Caribbean ", "2021_dataset", 7),
                                  ("LCA", 2023, "Americas", "Caribbean & Central", "2023_dataset", 9)])] * 3)
    table = groups_from_workbook(book)
    assert list(table.columns) == list(GROUP_COLUMNS)
    assert table.to_dict("records") == [
        {"iso3": "LCA", "edition": 2021, "continent": "Americas", "region": "Caribbean",
         "source": "book.xlsx, sheet 2021_dataset"},
        {"iso3": "LCA", "edition": 2023, "continent": "Americas", "region": "Caribbean & Central",
         "source": "book.xlsx, sheet 2023_dataset"},
    ]


def test_two_regions_for_one_country_and_edition_are_refused_with_the_place() -> None:
    book = _book_rows([("LCA", 2021, "Americas", "Caribbean", "2021_dataset", 7),
                       ("LCA", 2021, "Americas", "Central America", "2021_dataset", 8)])
    with pytest.raises(ParseError) as err:
        groups_from_workbook(book)
    assert str(err.value) == ("book.xlsx, sheet 2021_dataset:8: expected one continent and region for LCA in 2021,"
                              " found Americas/Caribbean and Americas/Central America")


def test_merge_groups_replaces_only_what_the_workbook_gives() -> None:
    bundled = load_groups()
    given = groups_from_workbook(_book_rows([("LCA", 2021, "Americas", "Windward Islands", "2021_dataset", 7)]))
    merged = merge_groups(bundled, given)
    assert len(merged) == len(bundled) and list(merged.columns) == list(GROUP_COLUMNS)
    by_key = merged.set_index(["iso3", "edition"])
    assert by_key.loc[("LCA", 2021), ["region", "source"]].tolist() == ["Windward Islands",
                                                                        "book.xlsx, sheet 2021_dataset"]
    assert by_key.loc[("LCA", 2023), "region"] == "Caribbean & Central"
    assert by_key.loc[("DMA", 2021), "region"] == "Caribbean"
    pd.testing.assert_frame_equal(merge_groups(bundled, None), bundled)


def test_a_sheet_without_region_columns_gets_its_own_editions_groups(tmp_path: Path) -> None:
    rows = official_sheets()["2021_dataset"]
    keep = [j for j, header in enumerate(rows[0]) if header not in ("Continent", "Region")]
    path = write_csv(tmp_path / "gocindex_2021.csv", [[row[j] for j in keep] for row in rows])
    book = read_workbook(path, edition=2021)
    lucia = book.loc[book["iso3"] == "LCA", ["continent", "region"]].drop_duplicates()
    assert lucia.to_dict("records") == [{"continent": "Americas", "region": "Caribbean"}]


# --- printed scope names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "edition", "expected"), [
    ("Caribbean", None, ("region", "Caribbean")),
    ("Central America", 2021, ("region", "Central America")),
    ("Caribbean & Central", 2023, ("region", "Caribbean & Central")),
    ("Caribbean & Central", 2025, ("region", "Caribbean & Central")),
    ("Central Asia and the Caucasus", 2025, ("region", "Central Asia and the Caucasus")),
    ("Asia", 2021, ("continent", "Asia")),
])
def test_scope_of_accepts_each_editions_names(name: str, edition: int | None, expected: tuple[str, str]) -> None:
    assert scope_of(None, name, file="page.txt", line=3, edition=edition) == expected


def test_a_name_of_another_edition_says_which_editions_have_it() -> None:
    with pytest.raises(ParseError) as err:
        scope_of(None, "Caribbean & Central", file="page.txt", line=3, edition=2021)
    assert str(err.value) == ("page.txt:3: expected a continent or region of the 2021 edition, found "
                              "'Caribbean & Central' (a region in 2023, 2025)")
    with pytest.raises(ParseError, match="a region in 2021"):
        find_ranks("3rd of 13 countries in Caribbean", file="page.txt", line=4, edition=2023)
    assert find_ranks("3rd of 13 countries in Caribbean", file="page.txt", line=4, edition=2021) == [
        {"scope": "region", "scope_name": "Caribbean", "rank": 3, "total": 13, "line": 4}]


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(ParseError, match=r"page.txt:5: expected a continent or region after 'countries in', "
                                         r"found 'Narnia'"):
        scope_of(None, "Narnia", file="page.txt", line=5)


@pytest.mark.parametrize("edition", [2021, 2023, 2025])
def test_printed_ranks_agree_with_their_own_editions_groups(edition: int) -> None:
    ranks = printed_ranks()
    ranks = ranks[(ranks["edition"] == edition) & (ranks["scope"] != "world")]
    assert not ranks.empty
    groups = groups_in(load_groups(), edition)
    for row in ranks.itertuples():
        members = groups[groups[row.scope] == row.scope_name]
        assert row.iso3 in set(members["iso3"]), (row.source, row.line)
        assert len(members) == row.total, (row.source, row.line, row.scope_name)
    assert set(ranks["total"]) == {46, 8}


# --- the official workbook --------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet", ["2021_dataset", "2023_dataset"])
def test_every_country_editions_groups_equal_its_sheets(sheet: str) -> None:
    book = openpyxl.load_workbook(official_workbook(), read_only=True, data_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    header = list(rows[0])
    at = {name: header.index(name) for name in ("Continent", "Region", "Country")}
    in_sheet = {to_iso3(r[at["Country"]]): (r[at["Continent"]].strip(), r[at["Region"]].strip())
                for r in rows[1:] if r[at["Country"]]}
    edition = int(sheet[:4])
    bundled = groups_in(load_groups(), edition)
    assert len(in_sheet) == 193
    assert {r.iso3: (r.continent, r.region) for r in bundled.itertuples()} == in_sheet
    from_reader = groups_from_workbook(_book(official_workbook()))
    from_reader = groups_in(from_reader, edition)
    assert {r.iso3: (r.continent, r.region) for r in from_reader.itertuples()} == in_sheet


def test_computed_ranks_are_competition_ranks_within_each_editions_groups() -> None:
    book = _book(official_workbook())
    groups = merge_groups(load_groups(), groups_from_workbook(book))
    ranks = compute_ranks(book, groups=groups)
    scores = book[book["indicator"].isin(["criminality", "resilience"])].merge(groups, on=["iso3", "edition"],
                                                                              suffixes=("_book", ""))
    assert len(ranks) == 193 * 2 * 2 * 3
    for scope in ("continent", "region"):
        for (edition, metric, name), peers in scores.groupby(["edition", "indicator", scope]):
            got = ranks[(ranks["edition"] == edition) & (ranks["metric"] == metric) & (ranks["scope"] == scope)
                        & (ranks["scope_name"] == name)].set_index("iso3")
            expected = {c: 1 + int((peers["score"] > s).sum()) for c, s in zip(peers["iso3"], peers["score"],
                                                                             strict=True)}
            assert got["rank"].to_dict() == expected, (edition, metric, name)
            assert set(got["total"]) == {len(peers)}
    lucia = ranks[(ranks["iso3"] == "LCA") & (ranks["scope"] == "region")].set_index(["edition", "metric"])
    assert lucia.loc[(2021, "criminality"), ["scope_name", "total"]].tolist() == ["Caribbean", 13]
    assert lucia.loc[(2023, "criminality"), ["scope_name", "total"]].tolist() == ["Caribbean & Central", 21]


def test_printed_ranks_equal_the_ranks_computed_within_their_editions_groups() -> None:
    book = _book(official_workbook())
    ranks = compute_ranks(book, groups=merge_groups(load_groups(), groups_from_workbook(book)))
    printed = printed_ranks()
    printed = printed[printed["edition"].isin(book["edition"].unique())]
    assert set(printed["edition"]) == {2021, 2023}
    got = printed.merge(ranks, on=["iso3", "edition", "metric", "scope"], suffixes=("", "_computed"))
    assert len(got) == len(printed)
    assert (got["scope_name"] == got["scope_name_computed"]).all()
    assert (got["rank"] == got["rank_computed"]).all() and (got["total"] == got["total_computed"]).all()


# --- broken reference data is refused, also under python -O ----------------------------------------------


def _groups_text() -> str:
    return (PACKAGE_DATA / "country_groups.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("iso3,edition,", "iso3,year,", 1),
     "country_groups.csv:1: expected columns iso3,edition,continent,region,source, found iso3,year,"),
    (lambda t: t.replace("\nAGO,2021,", "\nAFG,2021,", 1),
     "country_groups.csv:3: expected one row per country and edition, found AFG 2021 again"),
    (lambda t: t.replace("\nAGO,2021,", "\nXKX,2021,", 1), "country_groups.csv:3: expected a code of"),
    (lambda t: t.replace("\nAGO,2021,Africa,Central Africa", "\nAGO,2021,Africa,Central Africa ", 1),
     "country_groups.csv:3: expected region without surrounding space"),
    (lambda t: t.replace("\nAGO,2021,Africa,", "\nAGO,2021,Asia,", 1),
     "expected each 2021 region within one continent, found 'Central Africa' in ['Africa', 'Asia']"),
    (lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("KGZ,2025")),
     "expected every country in 2025, found none for ['KGZ']"),
    (lambda t: t.replace(",2025,", ",2027,"), "expected the editions of ocdata/data/editions.csv"),
])
def test_broken_groups_table_is_a_parse_error_naming_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               edit, message: str) -> None:
    broken = tmp_path / "country_groups.csv"
    broken.write_text(edit(_groups_text()), encoding="utf-8")
    monkeypatch.setattr(countries_module, "GROUPS_CSV", broken)
    countries_module._read_groups.cache_clear()
    try:
        with pytest.raises(ParseError) as err:
            load_groups()
    finally:
        countries_module._read_groups.cache_clear()
    assert str(err.value).startswith("ocdata/data/country_groups.csv")
    assert message in str(err.value)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace(",004\n", ",4\n", 1), "countries.csv:2: expected a 3-digit ISO numeric code, found '4'"),
    (lambda t: t.replace(",024\n", ",004\n", 1),
     "countries.csv:3: expected one row per iso_numeric, found '004' again"),
    (lambda t: t.replace(",iso_numeric\n", "\n", 1), "countries.csv:1: expected columns"),
])
def test_broken_countries_table_is_a_parse_error_naming_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                  edit, message: str) -> None:
    broken = tmp_path / "countries.csv"
    broken.write_text(edit((PACKAGE_DATA / "countries.csv").read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setattr(countries_module, "COUNTRIES_CSV", broken)
    countries_module._read_countries.cache_clear()
    try:
        with pytest.raises(ParseError) as err:
            load_countries()
    finally:
        countries_module._read_countries.cache_clear()
    assert message in str(err.value)


def test_checks_hold_under_python_optimize(tmp_path: Path) -> None:
    broken = tmp_path / "country_groups.csv"
    broken.write_text(_groups_text().replace("\nAGO,2021,", "\nAFG,2021,", 1), encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        from ocdata import countries
        from ocdata.errors import ParseError
        countries.GROUPS_CSV = __import__("pathlib").Path({str(broken)!r})
        try:
            countries.load_groups()
        except ParseError as exc:
            print(exc)
            sys.exit(0)
        sys.exit(5)
    """)
    done = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "expected one row per country and edition, found AFG 2021 again" in done.stdout


def test_a_build_with_the_workbook_carries_each_editions_region() -> None:
    import ocdata

    data = ocdata.load(workbook=official_workbook(), raw=[])
    lucia = data.scores.query("iso3 == 'LCA' and indicator == 'criminality'").set_index("edition")["region"]
    assert lucia.to_dict() == {2021: "Caribbean", 2023: "Caribbean & Central"}
    ranks = data.ranks.query("iso3 == 'LCA' and scope == 'region' and metric == 'criminality'").set_index("edition")
    assert (ranks.loc[2021, "scope_name"], ranks.loc[2021, "total"]) == ("Caribbean", 13)
    assert (ranks.loc[2023, "scope_name"], ranks.loc[2023, "total"]) == ("Caribbean & Central", 21)
    means = data.aggregates.query("scope == 'region' and edition == 2021")["scope_name"]
    assert {"Caribbean", "Central America"} <= set(means) and "Caribbean & Central" not in set(means)
    assert data.scores["region"].notna().all()


def test_region_reports_take_each_editions_region_names() -> None:
    import ocdata
    from ocdata.errors import ParameterError
    from ocdata.report import plan_reports

    data = ocdata.load(workbook=official_workbook(), raw=[])
    central = plan_reports(data, region="Central America", edition=2021)
    assert central[0].job.parameters["countries"] == ["BLZ", "CRI", "GTM", "HND", "MEX", "NIC", "PAN", "SLV"]
    merged = plan_reports(data, region="Caribbean & Central", edition=2023)
    assert len(merged[0].job.parameters["countries"]) == 21
    with pytest.raises(ParameterError, match=r"not in the 2023 data \(a region in 2021;"):
        plan_reports(data, region="Central America", edition=2023)
    with pytest.raises(ParameterError, match="not a region of any edition"):
        plan_reports(data, region="Narnia", edition=2023)


def test_the_views_of_an_edition_group_countries_as_that_edition_did() -> None:
    """A 2021 profile or comparison of a country whose region was redrawn in 2023 (Belize: Central America,
    then Caribbean & Central) ranks it among its 2021 region, not the latest one (which 2021 lacks)."""
    import ocdata
    from ocdata import views

    data = ocdata.load(workbook=official_workbook(), raw=[])
    assert views.country_info(data, "blz", 2021)["region"] == "Central America"
    assert views.country_info(data, "BLZ", 2023)["region"] == views.country_info(data, "BLZ")["region"]
    assert views.country_info(data, "BLZ")["region"] == "Caribbean & Central"
    peers = views.peer_scores(data, 2021).set_index("iso3")["region"]
    assert peers["BLZ"] == "Central America" and peers["LCA"] == "Caribbean"
    ranking = views.region_ranking(data, "Central America", 2021)
    assert sorted(ranking["iso3"]) == ["BLZ", "CRI", "GTM", "HND", "MEX", "NIC", "PAN", "SLV"]
    means = views.region_means(data, "BLZ", 2021)
    assert not means.empty and means["n_region"].eq(8).all()
    compared = views.compare_region_means(data, ["BLZ", "LCA"], 2021)
    assert set(compared["region"]) == {"Central America", "Caribbean"}
