"""Read the official workbook (any release) into one long table of scores.

Every sheet named ``NNNN_dataset`` is one edition; other sheets are ignored. Columns are found by their
header through ``workbook_headers.csv`` (never by position), countries through ``country_aliases.csv``,
and the columns an edition must have come from the codebook (``indicators.csv``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ocdata.codebook import exists_in, load_indicators
from ocdata.countries import load_countries, to_iso3
from ocdata.errors import InputError, ParseError
from ocdata.manifest import sha256_of
from ocdata.paths import PACKAGE_DATA, cache_dir

HEADERS_CSV = PACKAGE_DATA / "workbook_headers.csv"
HEADERS_HINT = "ocdata/data/workbook_headers.csv"
EDITION_SHEET = re.compile(r"^(\d{4})_dataset$")
LABELS = ("continent", "region", "country")
LOW, HIGH = 1.0, 10.0

COLUMNS = {
    "iso3": "str",
    "country": "str",
    "continent": "str",
    "region": "str",
    "edition": "int64",
    "indicator": "str",
    "score": "float64",
    "source": "str",
    "sheet": "str",
    "line": "int64",
}
"""The columns of the table ``read_workbook`` returns, with their dtypes."""


def normalize_header(header: str) -> str:
    """The matching key of a header: surrounding whitespace stripped, case folded."""
    return header.strip().casefold()


@lru_cache(maxsize=1)
def load_headers() -> pd.DataFrame:
    """The header table: ``header, field``, every known spelling of every workbook column."""
    table = pd.read_csv(HEADERS_CSV, dtype="str", keep_default_na=False, encoding="utf-8")
    assert list(table.columns) == ["header", "field"], (
        f"{HEADERS_CSV.name}: expected columns header,field, found {list(table.columns)}"
    )
    known = set(LABELS) | set(load_indicators()["indicator"])
    unknown = sorted(set(table["field"]) - known)
    assert not unknown, f"{HEADERS_CSV.name}: fields that are neither labels nor codebook ids: {unknown}"
    keys = table.assign(key=table["header"].map(normalize_header))
    clash = keys.groupby("key")["field"].nunique()
    clash = clash[clash > 1].index.tolist()
    assert not clash, f"{HEADERS_CSV.name}: headers equal up to case and spacing name two fields: {clash}"
    dup = keys.loc[keys["key"].duplicated(), "header"].tolist()
    assert not dup, f"{HEADERS_CSV.name}: duplicate headers: {dup}"
    return table


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    table = load_headers()
    return dict(zip(table["header"].map(normalize_header), table["field"], strict=True))


def required_fields(edition: int) -> list[str]:
    """The columns an edition's sheet must have: the labels, then every codebook id of that edition."""
    table = load_indicators().sort_values("order")
    return [*LABELS, *table.loc[table["editions"].map(lambda e: exists_in(e, edition)), "indicator"]]


def read_workbook(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """Read every edition sheet of an official workbook into a long table (columns: ``COLUMNS``).

    One row per country, edition and indicator (composites included), with the workbook's file name
    (or ``name``) as ``source``, the sheet and the 1-based Excel row of the country as provenance.
    ``continent`` and ``region`` are as that sheet spells them (whitespace stripped); ``country`` is
    the canonical name.
    """
    path = Path(path)
    source = name or path.name
    if not path.is_file():
        raise InputError("workbook not found", file=path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"expected an .xlsx workbook, found something else ({reason})", file=path) from None
    try:
        frames = []
        for sheet in book.worksheets:
            match = EDITION_SHEET.match(sheet.title)
            if match:
                sheet.reset_dimensions()  # do not trust the stored used range
                rows = sheet.iter_rows(min_row=1, values_only=True)
                frames.append(_read_sheet(rows, int(match[1]), sheet.title, source))
    finally:
        book.close()
    if not frames:
        raise ParseError(
            f"expected a sheet per edition named like 2023_dataset, found only {book.sheetnames}", file=source
        )
    table = pd.concat(frames, ignore_index=True)
    names = load_countries().set_index("iso3")["country"]
    table.insert(1, "country", table["iso3"].map(names))
    table["source"] = source
    order = load_indicators().set_index("indicator")["order"]
    table = table.sort_values(
        ["edition", "iso3", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c,
        ignore_index=True,
    )
    table = table[list(COLUMNS)].astype(COLUMNS)
    assert not table.duplicated(["iso3", "edition", "indicator"]).any(), f"{source}: duplicate scores"
    return table


def _read_sheet(rows: Iterator[tuple], edition: int, sheet: str, source: str) -> pd.DataFrame:
    """One edition sheet: header row first (the first non-empty row), then one row per country."""
    where = f"{source}:{sheet}"
    required = required_fields(edition)
    if len(required) == len(LABELS):
        raise ParseError(f"edition {edition} is not in the codebook (ocdata/data/indicators.csv)", file=where)

    header_row, header = 0, ()
    for number, values in enumerate(rows, start=1):
        if not _blank_row(values):
            header_row, header = number, values
            break
    if not header:
        raise ParseError("expected a header row, found an empty sheet", file=where)
    columns = _map_header(header, header_row, edition, where)
    missing = [field for field in required if field not in columns]
    if missing:
        raise ParseError(
            f"row {header_row}: missing required column(s) {', '.join(missing)} for edition {edition}",
            file=where,
        )

    indicators = [field for field in required if field not in LABELS]
    records: dict[str, list] = {k: [] for k in ("iso3", "continent", "region", "indicator", "score", "line")}
    headed = set(columns.values())
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=header_row + 1):
        if _blank_row(values):
            continue
        cells = list(values) + [None] * max(0, len(header) - len(values))
        for j, value in enumerate(cells):
            if j not in headed and not _blank(value):
                raise ParseError(f"expected no value outside the headed columns, found {value!r}",
                                 file=f"{where}!{get_column_letter(j + 1)}{number}")
        labels = {}
        for field in LABELS:
            value = cells[columns[field]]
            if not isinstance(value, str) or not value.strip():
                raise ParseError(f"expected a {field} name, found {value!r}",
                                 file=f"{where}!{get_column_letter(columns[field] + 1)}{number}")
            labels[field] = value.strip()
        country_cell = f"{where}!{get_column_letter(columns['country'] + 1)}{number}"
        iso3 = to_iso3(labels["country"], file=country_cell)
        if iso3 in seen:
            raise ParseError(
                f"expected each country once, found {labels['country']!r} ({iso3}) again "
                f"(first in row {seen[iso3]})",
                file=country_cell,
            )
        seen[iso3] = number
        for field in indicators:
            j = columns[field]
            score = _score(cells[j], f"{where}!{get_column_letter(j + 1)}{number}")
            row = {**labels, "iso3": iso3, "indicator": field, "score": score, "line": number}
            for key, items in records.items():
                items.append(row[key])
    if not seen:
        raise ParseError(f"expected a row per country below the header (row {header_row}), found none",
                         file=where)
    return pd.DataFrame(records).assign(edition=edition, sheet=sheet)


def _map_header(header: tuple, row: int, edition: int, where: str) -> dict[str, int]:
    """Field -> 0-based column index, refusing unknown, repeated or out-of-edition headers."""
    index = _header_index()
    allowed = set(required_fields(edition))
    columns: dict[str, int] = {}
    for j, value in enumerate(header):
        if _blank(value):
            continue
        cell = f"{where}!{get_column_letter(j + 1)}{row}"
        field = index.get(normalize_header(str(value)))
        if field is None:
            raise ParseError(f"unknown header {value!r} (add it to {HEADERS_HINT})", file=cell)
        if field in columns:
            first = get_column_letter(columns[field] + 1)
            raise ParseError(f"header {value!r} names {field}, as does column {first}", file=cell)
        if field not in allowed:
            raise ParseError(f"header {value!r} names {field}, which edition {edition} does not have "
                             "(ocdata/data/indicators.csv)", file=cell)
        columns[field] = j
    return columns


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(values: tuple) -> bool:
    return all(_blank(v) for v in values)


def _score(value: object, cell: str) -> float:
    """A score cell as a float from 1 to 10; ``ParseError`` naming the cell otherwise."""
    if _blank(value):
        raise ParseError("expected a score, found a blank cell", file=cell)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParseError(f"expected a score, found {value!r}", file=cell)
    try:
        score = float(value.strip()) if isinstance(value, str) else float(value)
    except ValueError:
        raise ParseError(f"expected a score, found {value!r}", file=cell) from None
    if not LOW <= score <= HIGH:  # also refuses nan
        raise ParseError(f"expected a score from 1 to 10, found {value!r}", file=cell)
    return score


# --- cache -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """A short hash of this reader and its data tables: cached tables are reused while it is unchanged."""
    parts = [Path(__file__), Path(__file__).with_name("countries.py")]
    tables = ("workbook_headers.csv", "countries.csv", "country_aliases.csv", "indicators.csv")
    parts += [PACKAGE_DATA / name for name in tables]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes())
    return digest.hexdigest()[:12]


def read_workbook_cached(path: str | Path) -> pd.DataFrame:
    """``read_workbook`` with a Parquet copy in ``cache_dir()`` keyed by the file's and the reader's hash."""
    path = Path(path)
    if not path.is_file():
        raise InputError("workbook not found", file=path)
    target = cache_dir() / f"workbook-{sha256_of(path)}-{parser_fingerprint()}.parquet"
    if target.is_file():
        try:
            cached = pd.read_parquet(target)
        except (OSError, ValueError) as exc:
            warnings.warn(f"{target}: unreadable cache, reading the workbook again ({exc})", stacklevel=2)
        else:
            if list(cached.columns) == list(COLUMNS):
                return cached.assign(source=path.name).astype(COLUMNS)
    table = read_workbook(path)
    try:
        write_parquet_atomic(table, target)
    except OSError as exc:
        warnings.warn(f"{target}: could not write the cache ({exc})", stacklevel=2)
    return table


def write_parquet_atomic(table: pd.DataFrame, target: Path) -> None:
    """Write ``table`` to ``target`` through a temporary file in the same folder and ``os.replace``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        table.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
