"""Small workbooks laid out like the official one, for tests that must not depend on the real file.

``official_sheets()`` gives the cells of each sheet as lists of rows (row 0 is the header), so a test
can break one cell before ``write_workbook`` saves it. The workbook has an intro sheet and three
edition sheets, with the official quirks: respelled composite headers (``Criminality avg,``,
``Criminality avg.``, ``Criminal actors avg,``), a reordered 2025 sheet, country names with commas for
periods (``Congo, Dem, Rep,``), ``eSwatini``/``Eswatini``, a region with a trailing space. Composite
scores follow the publisher's rules (half-up rounding; criminality from the unrounded pillar means).
"""

from __future__ import annotations

import csv
import os
import random
import re
import struct
import zipfile
from collections.abc import Callable
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


# --- hostile workbooks: a valid factory workbook with one part made hostile -------------------------------


def sheet_member(sheets: dict[str, list[list]], title: str, *, intro: bool = True) -> str:
    """The zip member openpyxl writes a sheet to (``xl/worksheets/sheetN.xml``, N its 1-based position)."""
    return f"xl/worksheets/sheet{list(sheets).index(title) + 1 + int(intro)}.xml"


def rewrite_xlsx(src: Path, dst: Path, replace: dict[str, Callable[[bytes], bytes]] | None = None, *,
                 add: dict[str, bytes] | None = None, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy an .xlsx member by member, passing the members named in ``replace`` through their function."""
    replace = replace or {}
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", method) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, replace[info.filename](data) if info.filename in replace else data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return dst


def set_cell(xml: bytes, ref: str, cell: str) -> bytes:
    """Replace the ``<c r="ref">`` element of a sheet's XML by ``cell`` (raw XML)."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    new, count = pattern.subn(cell.encode(), xml, count=1)
    assert count == 1, f"no cell {ref} in the sheet"
    return new


def flag_encrypted(path: Path) -> Path:
    """Set the 'encrypted' bit (ZipCrypto) of every member, in the local headers and the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
    for offset in offsets:
        assert data[offset:offset + 4] == b"PK\x03\x04"
        data[offset + 6] |= 0x1
    end = data.rindex(b"PK\x05\x06")
    entry = struct.unpack_from("<I", data, end + 16)[0]
    while data[entry:entry + 4] == b"PK\x01\x02":
        data[entry + 8] |= 0x1
        n, m, k = struct.unpack_from("<HHH", data, entry + 28)
        entry += 46 + n + m + k
    path.write_bytes(bytes(data))
    return path


def add_zeros(path: Path, member: str, size: int) -> Path:
    """Append a member of ``size`` zero bytes, streamed (a zip bomb: it compresses about 1000 to 1)."""
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(member, "w") as out:
        for _ in range(size // len(block)):
            out.write(block)
    return path


def _hostile_sheet(tmp_path: Path, name: str, edit: Callable[[bytes], bytes], *,
                   title: str = "2023_dataset") -> Path:
    sheets = official_sheets()
    base = write_workbook(tmp_path / f"base-{name}.xlsx", sheets)
    return rewrite_xlsx(base, tmp_path / f"{name}.xlsx", {sheet_member(sheets, title): edit})


def _score_ref(title: str = "2023_dataset", country: str = "Kazakhstan", header: str = "Human trafficking") -> str:
    return excel_ref(*locate(official_sheets(), title, country, header))


def hostile_cases() -> dict[str, Callable[[Path], tuple[Path, str]]]:
    """Name -> a function that writes the hostile file into a folder and returns it with the expected message.

    The message is a regular expression for the part after ``file:``: the member, or the sheet and cell.
    """
    ref = _score_ref()
    padding = b"<!--" + random.Random(0).randbytes(1_500_000).hex().encode() + b"-->"  # 3 MB, compresses 2:1
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + b"<si><t>" + b"A" * 40_000_000 + b"</t></si></sst>")

    def plain(tmp: Path) -> Path:
        return write_workbook(tmp / "plain.xlsx")

    def cell(tmp: Path, name: str, xml_cell: str) -> Path:
        return _hostile_sheet(tmp, name, lambda xml: set_cell(xml, ref, xml_cell))

    return {
        "zip_bomb": lambda tmp: (add_zeros(plain(tmp), "xl/media/image9.bin", 300 * 1024 * 1024),
                                 r"xl/media/image9\.bin: expected compression of at most"),
        "shared_strings_1000x": lambda tmp: (
            rewrite_xlsx(plain(tmp), tmp / "strings.xlsx", add={"xl/sharedStrings.xml": strings}),
            r"xl/sharedStrings\.xml: expected (compression of at most|an XML part of at most)"),
        "comment_padding": lambda tmp: (
            _hostile_sheet(tmp, "padded", lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding)),
            r"xl/worksheets/sheet\d\.xml: expected at most [\d,]+ characters of XML comments"),
        "zipcrypto": lambda tmp: (flag_encrypted(plain(tmp)), r"[^:]+: expected an unencrypted workbook"),
        "ole_encrypted": lambda tmp: (_write(tmp / "ole.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4096)),
                                      r"expected an \.xlsx workbook, found an encrypted or legacy Office file"),
        "corrupt_xml": lambda tmp: (_hostile_sheet(tmp, "corrupt", lambda xml: xml[: len(xml) // 2] + b"<<"),
                                    r"xl/worksheets/sheet\d\.xml: expected well-formed XML"),
        "nan_score": lambda tmp: (cell(tmp, "nan", f'<c r="{ref}"><v>NaN</v></c>'),
                                  rf"2023_dataset!{ref}: expected a finite number, found 'NaN'"),
        "inf_score": lambda tmp: (cell(tmp, "inf", f'<c r="{ref}"><v>-inf</v></c>'),
                                  rf"2023_dataset!{ref}: expected a finite number, found '-inf'"),
        "shared_string_index": lambda tmp: (
            cell(tmp, "index", f'<c r="{ref}" t="s"><v>99</v></c>'),
            rf"2023_dataset!{ref}: expected a shared-string index below 0, found '99'"),
        "boolean_text": lambda tmp: (
            cell(tmp, "bool", f'<c r="{ref}" t="b"><v>yes</v></c>'),
            rf"2023_dataset!{ref}: expected a boolean 0 or 1, found 'yes'"),
        "unknown_cell_type": lambda tmp: (
            cell(tmp, "type", f'<c r="{ref}" t="x"><v>1</v></c>'),
            rf"2023_dataset!{ref}: expected a cell type among"),
        "text_score": lambda tmp: (
            cell(tmp, "text", f'<c r="{ref}" t="inlineStr"><is><t>six</t></is></c>'),
            rf"2023_dataset!{ref}: expected a score, found 'six'"),
        "million_rows": lambda tmp: (
            _hostile_sheet(tmp, "rows", lambda xml: xml.replace(
                b"</sheetData>", b'<row r="1000000"><c r="AM1000000"><v>1</v></c></row></sheetData>')),
            r"xl/worksheets/sheet\d\.xml: expected at most [\d,]+ cells in all sheets"),
        "entities": lambda tmp: (
            _hostile_sheet(tmp, "laughs", lambda xml: b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
                           + xml.split(b"?>", 1)[-1]),
            r"xl/worksheets/sheet\d\.xml: expected XML without a document type declaration"),
        "bzip2_members": lambda tmp: (rewrite_xlsx(plain(tmp), tmp / "bzip2.xlsx", method=zipfile.ZIP_BZIP2),
                                      r"\S+: expected a stored or deflated member, found compression method 12"),
        "too_many_members": lambda tmp: (
            rewrite_xlsx(plain(tmp), tmp / "members.xlsx", add={f"xl/media/m{i}.bin": b"" for i in range(1001)}),
            r"expected at most 1000 members in the archive, found \d+"),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- other layouts: the 2021 release, one-edition files, CSV, Parquet ---------------------------------------


def unrounded_composites(iso3: str, edition: int) -> dict[str, float]:
    """The composites of a factory country before rounding, as the 2021 release prints them (7.075)."""
    scores = _country_scores(iso3, edition)
    means = {p: sum(scores[i] for i in children_of(p, edition)) / len(children_of(p, edition))
             for p in ("criminal_markets", "criminal_actors", "resilience")}
    return {**means, "criminality": (means["criminal_markets"] + means["criminal_actors"]) / 2}


def release_2021_sheets() -> dict[str, list[list]]:
    """The 2021 release: a cover sheet and ``Full_dataset`` with capital composite headers, a ``Country Code``
    column of ISO3 codes, unrounded composites, and a trailing blank row and column."""
    rows = [list(r) for r in official_sheets()["2021_dataset"]]
    header = rows[0]
    country = header.index("Country")
    fields = [f for f, _ in _columns(2021)]
    for i, row in enumerate(rows[1:], start=1):
        iso3 = next(spec[0] for spec in COUNTRIES if country_name(spec[0], 2021) == row[country])
        for name, value in unrounded_composites(iso3, 2021).items():
            row[fields.index(name)] = value
        rows[i] = [*row[: country + 1], iso3, *row[country + 1:], " "]
    rows[0] = [h.upper() if f in COMPOSITE_HEADERS[2021] else h for f, h in zip(fields, header, strict=True)]
    rows[0] = [*rows[0][: country + 1], "Country Code", *rows[0][country + 1:], None]
    rows.append([" "] * len(rows[0]))
    return {"2021_Global_OC_Index": [[None, "GLOBAL ORGANIZED CRIME INDEX 2021"]], "Full_dataset": rows}


def write_csv(path: Path, rows: list[list], *, reverse: bool = False) -> Path:
    """A sheet saved as CSV (headers as they are, quoted where they hold a comma), rows reversed if asked."""
    body = list(reversed(rows[1:])) if reverse else rows[1:]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *body])
    return path


def write_parquet(path: Path, rows: list[list]) -> Path:
    """A sheet saved as Parquet: one column per header."""
    pd.DataFrame(rows[1:], columns=[str(h) for h in rows[0]]).to_parquet(path, index=False)
    return path
