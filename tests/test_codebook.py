"""The codebook: the composite tree, methods and colours from indicators.csv; printed names from
printed_names.csv (every workbook header spelling included); broken reference data is an OcdataError."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from workbook_factory import shared_workbook

from ocdata import codebook
from ocdata.codebook import (
    children_of,
    colors,
    combines_unrounded,
    composites,
    composites_bottom_up,
    dimension_of,
    indicator_for,
    label_of,
    load_printed_names,
    metrics,
    pillars,
)
from ocdata.paths import PACKAGE_DATA, PACKAGE_DIR


def test_the_composite_tree():
    assert codebook.COMPOSITES == composites() == ("criminality", "criminal_markets", "criminal_actors", "resilience")
    assert codebook.METRICS == metrics() == ("criminality", "resilience")
    assert pillars() == ("criminal_markets", "criminal_actors", "resilience")
    assert composites_bottom_up() == ("criminal_markets", "criminal_actors", "criminality", "resilience")
    assert children_of("criminality", 2023) == ("criminal_markets", "criminal_actors")
    assert len(children_of("criminal_markets", 2021)) == 10 and len(children_of("criminal_markets", 2025)) == 15
    assert len(children_of("criminal_actors", 2021)) == 4 and len(children_of("resilience", 2023)) == 12
    assert dimension_of("private_sector_actors") == "criminality" and dimension_of("prevention") == "resilience"
    assert label_of("criminal_actors") == "Criminal actors"


def test_criminality_averages_the_unrounded_pillar_means_as_its_method_says():
    assert [c for c in composites() if combines_unrounded(c)] == ["criminality"]
    assert set(colors()) == set(composites()) and list(colors())[:3] == list(pillars())


def test_a_composite_that_is_not_a_mean_is_refused(tmp_path):
    table = pd.read_csv(PACKAGE_DATA / "indicators.csv", dtype="str", keep_default_na=False)
    table.loc[table["indicator"] == "resilience", "method"] = "median of its indicators"
    assert _load_in_subprocess(tmp_path, indicators=table) == (
        "ParseError ocdata/data/indicators.csv: expected a composite method starting 'mean of', "
        "found others for ['resilience']")


def test_no_module_but_the_codebook_names_an_indicator_or_composite():
    ids = set(pd.read_csv(PACKAGE_DATA / "indicators.csv")["indicator"])
    owned = ["normalize.py", "series.py", "validate.py", "plots.py", "ranks.py", "schema.py",
             "parse/common.py", "parse/pdf_profile.py", "parse/web_profile.py", "parse/article.py"]
    for name in owned:
        tree = ast.parse((PACKAGE_DIR / name).read_text(encoding="utf-8"))
        named = sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in ids})
        assert named == [], f"{name} names {named}"


@pytest.mark.parametrize(("printed", "edition", "ident"), [
    ("Economic regulatory environment", 2021, "economic_regulatory_capacity"),  # a workbook spelling
    ("ECONOMIC REGULATORY CAPACITY", 2023, "economic_regulatory_capacity"),
    ("EXTORTION & PROTECTION RACKETEERING", 2023, "extortion_and_protection_racketeering"),  # the 2023 PDF
    ("Extortion and protection racketeering", 2021, None),  # not an indicator of 2021
    ("Financial crimes", None, "financial_crimes"),
    ("Criminality avg,", 2023, "criminality"),
    ("  Criminal   markets ", 2025, "criminal_markets"),
    ("Criminal marketz", 2023, None),
    ("Region", None, None),  # a workbook label, not an indicator
])
def test_indicator_for_a_printed_name(printed, edition, ident):
    assert indicator_for(printed, edition) == ident


def test_the_table_has_every_spelling_of_workbook_headers_csv():
    headers = pd.read_csv(PACKAGE_DATA / "workbook_headers.csv", dtype="str", keep_default_na=False)
    names = headers[headers["field"].isin(composites()) | headers["field"].isin(codebook.labels())]
    assert len(names) > 40
    assert {h: indicator_for(h) for h in names["header"]} == dict(zip(names["header"], names["field"], strict=True))


def test_one_row_per_id_and_a_name_in_each_edition_it_exists_in():
    table = load_printed_names()
    assert list(table.columns[:4]) == ["indicator", "2021", "2023", "2025"]
    assert sorted(table["indicator"]) == sorted(codebook.labels())
    row = table.set_index("indicator").loc["financial_crimes"]
    assert (row["2021"], row["2023"], row["2025"]) == ("", "Financial crimes", "Financial crimes")


def test_a_spelling_naming_two_ids_is_refused(tmp_path):
    table = pd.read_csv(PACKAGE_DATA / "printed_names.csv", dtype="str", keep_default_na=False)
    table.loc[table["indicator"] == "prevention", "other_spellings"] = "Law enforcement"
    assert _load_in_subprocess(tmp_path, printed=table) == (
        "ParseError ocdata/data/printed_names.csv: expected each spelling naming one id, found 'Law enforcement' "
        "for law_enforcement and prevention")


def test_every_header_of_the_real_workbook_is_a_printed_name_of_its_edition():
    book = openpyxl.load_workbook(shared_workbook(), read_only=True)
    labels = {"continent", "region", "country"}
    try:
        for edition in (2021, 2023):
            header = next(book[f"{edition}_dataset"].iter_rows(max_row=1, values_only=True))
            names = [h for h in header if h and h.strip().casefold() not in labels]
            found = {h: indicator_for(h, edition) for h in names}
            assert None not in found.values(), f"{edition}: unknown headers {[h for h, i in found.items() if not i]}"
            wanted = set(codebook.indicators_of(edition)) | set(codebook.composites_of(edition))
            assert sorted(found.values()) == sorted(wanted)
    finally:
        book.close()


LOAD = """\
import pathlib, sys
import ocdata.codebook as c
c.PACKAGE_DATA = pathlib.Path(sys.argv[1])
try:
    c.load_printed_names()
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def _load_in_subprocess(tmp_path, *, indicators: pd.DataFrame | None = None, printed: pd.DataFrame | None = None):
    """Load the codebook under ``python -O`` from a copy of the data with one table replaced."""
    data = tmp_path / "data"
    shutil.copytree(PACKAGE_DATA, data)
    if indicators is not None:
        indicators.to_csv(data / "indicators.csv", index=False)
    if printed is not None:
        printed.to_csv(data / "printed_names.csv", index=False)
    run = subprocess.run([sys.executable, "-O", "-c", LOAD, str(data)], capture_output=True, text=True, check=False)
    return run.stdout.strip()


def test_which_way_is_worse_comes_from_the_codebook():
    from ocdata.codebook import higher_is_worse

    assert higher_is_worse("criminality") and higher_is_worse("criminal_markets") and higher_is_worse("heroin_trade")
    assert not higher_is_worse("resilience") and not higher_is_worse("law_enforcement")


def test_the_indicators_an_edition_added():
    from ocdata.codebook import added_in

    assert added_in(2021) == ()
    assert set(added_in(2023)) == {"extortion_and_protection_racketeering", "trade_in_counterfeit_goods",
                                   "illicit_trade_in_excisable_goods", "cyber_dependent_crimes", "financial_crimes",
                                   "private_sector_actors"}
    assert added_in(2025) == ()
