"""Small workbooks laid out like the official one, for tests that must not depend on the real file.

``official_sheets()`` gives the cells of each sheet as lists of rows (row 0 is the header), so a test
can break one cell before ``write_workbook`` saves it. The workbook has an intro sheet and three
edition sheets, with the official quirks: respelled composite headers (``Criminality avg,``,
``Criminality avg.``, ``Criminal actors avg,``), a reordered 2025 sheet, country names with commas for
periods (``Congo, Dem, Rep,``), ``eSwatini``/``Eswatini``, a region with a trailing space. Composite
scores follow the publisher's rules (half-up rounding; criminality from the unrounded pillar means).
"""

from __future__ import annotations

import os
import random
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from ocdata.codebook import children_of, exists_in, indicators_of, load_indicators
from ocdata.numbers import round_half_up

EDITIONS = (2021, 2023, 2025)
INTRO = "2025_Global_OC_Index"

# iso3, continent, {edition: country name as the sheet spells it}, {edition: region as the sheet spells it}
COUNTRIES = [
    ("KGZ", "Asia", {}, {}),
    ("KAZ", "Asia", {}, {}),
    ("COD", "Africa", {2021: "Congo, Dem. Rep.", 2023: "Congo, Dem, Rep,", 2025: "Congo, Dem, Rep,"}, {}),
    ("SWZ", "Africa", {2021: "Eswatini", 2023: "eSwatini", 2025: "eSwatini"}, {}),
    ("LCA", "Americas", {2021: "St. Lucia", 2023: "St, Lucia", 2025: "St, Lucia"}, {2021: "Caribbean "}),
    ("STP", "Africa", {2025: "São Tomé and Príncipe"}, {}),
    ("TUV", "Oceania", {}, {}),
]
DEFAULT_NAMES = {"KGZ": "Kyrgyzstan", "KAZ": "Kazakhstan", "STP": "Sao Tome and Principe", "TUV": "Tuvalu"}
DEFAULT_REGIONS = {
    "KGZ": "Central Asia and the Caucasus",
    "KAZ": "Central Asia and the Caucasus",
    "COD": "Central Africa",
    "SWZ": "Southern Africa",
    "LCA": "Caribbean & Central",
    "STP": "Central Africa",
    "TUV": "Polynesia",
}

# Indicator scores printed in the published profiles (Kyrgyzstan 2021 PDF, Kazakhstan 2023 PDF); the
# other countries get seeded random scores.
PUBLISHED = {
    (2021, "KGZ"): {
        "human_trafficking": 6.5, "human_smuggling": 4.5, "arms_trafficking": 3.0, "flora_crimes": 2.0,
        "fauna_crimes": 3.5, "non_renewable_resource_crimes": 5.5, "heroin_trade": 7.0, "cocaine_trade": 2.0,
        "cannabis_trade": 5.5, "synthetic_drug_trade": 4.5, "mafia_style_groups": 5.5, "criminal_networks": 6.5,
        "state_embedded_actors": 8.5, "foreign_actors": 4.5, "political_leadership_and_governance": 3.5,
        "government_transparency_and_accountability": 3.0, "international_cooperation": 4.5,
        "national_policies_and_laws": 5.0, "judicial_system_and_detention": 3.0, "law_enforcement": 3.5,
        "territorial_integrity": 4.5, "anti_money_laundering": 3.0, "economic_regulatory_capacity": 5.0,
        "victim_and_witness_support": 4.5, "prevention": 5.0, "non_state_actors": 5.5,
    },
    (2023, "KAZ"): {
        "human_trafficking": 6.0, "human_smuggling": 4.5, "extortion_and_protection_racketeering": 3.5,
        "arms_trafficking": 3.0, "trade_in_counterfeit_goods": 4.0, "illicit_trade_in_excisable_goods": 4.0,
        "flora_crimes": 2.0, "fauna_crimes": 5.0, "non_renewable_resource_crimes": 5.5, "heroin_trade": 6.5,
        "cocaine_trade": 2.5, "cannabis_trade": 5.0, "synthetic_drug_trade": 6.0, "cyber_dependent_crimes": 2.5,
        "financial_crimes": 5.0, "mafia_style_groups": 4.0, "criminal_networks": 4.5, "state_embedded_actors": 6.5,
        "foreign_actors": 4.0, "private_sector_actors": 4.0, "political_leadership_and_governance": 5.0,
        "government_transparency_and_accountability": 4.0, "international_cooperation": 5.5,
        "national_policies_and_laws": 5.5, "judicial_system_and_detention": 5.0, "law_enforcement": 4.0,
        "territorial_integrity": 5.0, "anti_money_laundering": 4.0, "economic_regulatory_capacity": 5.0,
        "victim_and_witness_support": 4.0, "prevention": 4.0, "non_state_actors": 3.5,
    },
}

COMPOSITE_HEADERS = {
    2021: {"criminality": "Criminality", "criminal_markets": "Criminal markets",
           "criminal_actors": "Criminal actors", "resilience": "Resilience"},
    2023: {"criminality": "Criminality avg,", "criminal_markets": "Criminal markets avg,",
           "criminal_actors": "Criminal actors avg,", "resilience": "Resilience avg,"},
    2025: {"criminality": "Criminality avg.", "criminal_markets": "Criminal markets",
           "criminal_actors": "Criminal actors avg,", "resilience": "Resilience avg."},
}
LABEL_HEADERS = {"continent": "Continent", "region": "Region", "country": "Country"}


def sheet_name(edition: int) -> str:
    return f"{edition}_dataset"


def country_name(iso3: str, edition: int) -> str:
    """How the factory's sheet of ``edition`` spells a country."""
    names = next(spec[2] for spec in COUNTRIES if spec[0] == iso3)
    return names.get(edition, DEFAULT_NAMES.get(iso3, ""))


def expected_scores() -> pd.DataFrame:
    """``iso3, edition, indicator, score``: every value the factory writes, composites included."""
    rows = []
    for edition in EDITIONS:
        for iso3, *_ in COUNTRIES:
            rows += [(iso3, edition, k, v) for k, v in _country_scores(iso3, edition).items()]
    return pd.DataFrame(rows, columns=["iso3", "edition", "indicator", "score"])


@cache
def _country_scores(iso3: str, edition: int) -> dict[str, float]:
    """Indicator scores (published or seeded random) and the composites made from them (do not mutate)."""
    rng = random.Random(f"{edition}-{iso3}")
    given = PUBLISHED.get((edition, iso3), {})
    scores = {i: given.get(i, rng.randint(2, 20) / 2) for i in indicators_of(edition)}
    means = {p: sum(scores[i] for i in children_of(p, edition)) / len(children_of(p, edition))
             for p in ("criminal_markets", "criminal_actors", "resilience")}
    composites = {p: round_half_up(m) for p, m in means.items()}
    composites["criminality"] = round_half_up((means["criminal_markets"] + means["criminal_actors"]) / 2)
    return {**composites, **scores}


@cache
def _columns(edition: int) -> list[tuple[str, str]]:
    """(field, header) in the sheet's column order: official order, reordered for 2025."""
    table = load_indicators().sort_values("order")
    fields = table.loc[table["editions"].map(lambda e: exists_in(e, edition)), "indicator"].tolist()
    labels = dict(zip(table["indicator"], table["label"], strict=True))
    headers = {**labels, **COMPOSITE_HEADERS[edition], **LABEL_HEADERS}
    order = ["continent", "region", "country", *fields]
    if edition == 2025:  # a newer release: labels reversed, resilience first, markets' indicators reversed
        markets = [f for f in fields if f in children_of("criminal_markets", edition)]
        actors = ["criminal_actors", *children_of("criminal_actors", edition)]
        resilience = ["resilience", *children_of("resilience", edition)]
        order = ["country", "region", "continent", *resilience, *actors, "criminality", "criminal_markets",
                 *reversed(markets)]
    return [(f, headers[f]) for f in order]


def official_sheets() -> dict[str, list[list]]:
    """The cells of each edition sheet, header row first; rows in a different order in each sheet."""
    sheets = {}
    for edition in EDITIONS:
        columns = _columns(edition)
        rows = [[header for _, header in columns]]
        specs = COUNTRIES if edition != 2023 else list(reversed(COUNTRIES))
        for iso3, continent, _names, regions in specs:
            scores = _country_scores(iso3, edition)
            labels = {"continent": continent, "region": regions.get(edition, DEFAULT_REGIONS[iso3]),
                      "country": country_name(iso3, edition)}
            rows.append([labels[f] if f in labels else scores[f] for f, _ in columns])
        sheets[sheet_name(edition)] = rows
    return sheets


def write_workbook(path: Path, sheets: dict[str, list[list]] | None = None, *, intro: bool = True) -> Path:
    """Save an intro sheet (unless ``intro`` is false) and ``sheets`` (default: ``official_sheets()``)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if intro:
        cover = book.create_sheet(INTRO)
        cover["B1"] = "GLOBAL ORGANIZED CRIME INDEX - 2025"
        cover["B2"] = "A test workbook laid out like the official one."
    for name, rows in (official_sheets() if sheets is None else sheets).items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def locate(sheets: dict[str, list[list]], sheet: str, country: str, header: str) -> tuple[int, int]:
    """0-based (row, column) of a country's cell under ``header`` in ``sheets[sheet]``."""
    rows = sheets[sheet]
    column = rows[0].index(header)
    country_column = rows[0].index("Country")
    row = next(i for i, r in enumerate(rows) if i > 0 and r[country_column] == country)
    return row, column


def excel_ref(row: int, column: int) -> str:
    """The Excel reference of a 0-based (row, column): ``(0, 0)`` is ``A1``."""
    return f"{get_column_letter(column + 1)}{row + 1}"


def shared_workbook() -> Path:
    """The real 2023 release (``$OCDATA_WORKBOOK`` or ``../shared/data`` beside the project), else skip."""
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "global_oc_index_2023.xlsx"
    path = Path(os.environ.get("OCDATA_WORKBOOK") or default)
    if not path.is_file():
        pytest.skip(f"the official workbook is not at {path} (set OCDATA_WORKBOOK to run these tests)")
    return path
