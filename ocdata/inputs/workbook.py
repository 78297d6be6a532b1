"""Read the index in any of the forms it travels in into one long table of scores.

The form is recognised by content, never by file name: an .xlsx release (one sheet per edition, or the
2021 release's ``Full_dataset``), one edition's sheet saved as a workbook of its own, the same as CSV or
Parquet, or the scores table as ocdata exports it. The known layouts, how each is recognised and where its
edition comes from are rows of ``workbook_layouts.csv``; columns are found by their header through
``workbook_headers.csv`` (never by position), countries by an ISO3 column where there is one and through
``country_aliases.csv`` otherwise, and the columns an edition must have come from the codebook.
An .xlsx archive is checked by ``ocdata.inputs.xlsx_guard`` before openpyxl parses it.

CSV and Parquet tables are bounded too, so that a small hostile file cannot take the memory of the machine:
at most ``MAX_CELLS`` (500,000) cells and no cell longer than ``MAX_CELL_CHARS`` (10,000 characters) in
either; a CSV file of at most ``MAX_CSV_BYTES`` (20 MB), parsed by the csv module; a
Parquet file whose footer is at most ``MAX_PARQUET_FOOTER_BYTES`` (1 MB), whose columns are flat and whose
data decompressed (dictionary pages included) and decoded are each at most ``MAX_PARQUET_BYTES`` (64 MB),
judged from its metadata before any page is read, and with its text kept dictionary-encoded until every
value's length is known. The 2023 release read as one long table (12,738 scores) is 1.4 MB as CSV and 56 kB
decompressed as Parquet, its longest cell 42 characters (the longest cell of the whole release, the intro
sheet's notes, 1,188). Every refusal is an ``InputError`` (exit 2) naming the file.
"""

from __future__ import annotations

import csv
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from ocdata.codebook import composites, exists_in, load_editions, load_indicators
from ocdata.countries import load_countries, load_groups, to_iso3
from ocdata.errors import InputError, OcdataError, ParseError
from ocdata.inputs.files import check_input_file
from ocdata.inputs.manifest import sha256_of
from ocdata.inputs.xlsx_guard import (
    MAX_CELLS,
    MAX_FILE_BYTES,
    MAX_PART_BYTES,
    OLE_MAGIC,
    ZIP_MAGIC,
    check_archive,
    sniff,
)
from ocdata.numbers import on_grid, round_half_up
from ocdata.outputs.atomic import write_atomic_with
from ocdata.paths import PACKAGE_DATA, cache_dir

MB = 1024 * 1024
MAX_CELL_CHARS = 10_000
"""The longest cell of a CSV or Parquet table, in characters (the 2023 release as a table: 42)."""
MAX_CSV_BYTES = MAX_PART_BYTES
"""The largest CSV file (20 MB; the 2023 release as one long CSV table: 1.4 MB)."""
MAX_PARQUET_BYTES = 64 * MB
"""The most data a Parquet file may hold decompressed (its column chunks' ``total_uncompressed_size``,
dictionary pages included) and decoded (the bytes of all its values as a table): a 2 kB file of repeated
dictionary entries would otherwise decode to gigabytes."""
MAX_PARQUET_FOOTER_BYTES = 1 * MB
"""The largest Parquet footer (its metadata, read in full before anything else; ocdata's exports: a few kB)."""

HEADERS_CSV = PACKAGE_DATA / "workbook_headers.csv"
HEADERS_HINT = "ocdata/data/workbook_headers.csv"
LAYOUTS_CSV = PACKAGE_DATA / "workbook_layouts.csv"
LAYOUTS_HINT = "ocdata/data/workbook_layouts.csv"
PARQUET_MAGIC = b"PAR1"
LABELS = ("continent", "region", "country")
LOW, HIGH = 1.0, 10.0
YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
EDITION_SOURCES = ("sheet", "companion", "column", "filename")

COLUMNS = {
    "iso3": "str",
    "country": "str",
    "continent": "str",
    "region": "str",
    "edition": "int64",
    "indicator": "str",
    "score": "float64",
    "published": "float64",
    "source": "str",
    "sheet": "str",
    "line": "int64",
}
"""The columns of the table ``read_workbook`` returns, with their dtypes.

``score`` is the value at the publisher's rounding (half-up to 2 decimals); ``published`` is the value as the
file prints it (the 2021 release prints unrounded composites: 7.075 where later releases print 7.08).
``sheet`` is empty for CSV and Parquet, whose ``line`` is the line of the file (the header is line 1).
"""


# --- reference tables ---------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Layout:
    """One row of ``workbook_layouts.csv``: how a form of the index is recognised and read."""

    layout: str
    format: str
    data_sheet: re.Pattern | None
    companion_sheet: re.Pattern | None
    only_sheet: bool
    markers: tuple[str, ...]
    iso3_headers: tuple[str, ...]
    edition_headers: tuple[str, ...]
    edition_from: tuple[str, ...]
    description: str


def _alternatives(text: str) -> tuple[str, ...]:
    return tuple(normalize_header(t) for t in text.split("|") if t.strip())


@lru_cache(maxsize=1)
def load_layouts() -> tuple[Layout, ...]:
    """The known layouts, in the order they are tried."""
    table = pd.read_csv(LAYOUTS_CSV, dtype="str", keep_default_na=False, encoding="utf-8")
    expected = ["layout", "format", "data_sheet", "companion_sheet", "only_sheet", "markers", "iso3_headers",
                "edition_headers", "edition_from", "description"]
    found = list(table.columns)
    assert found == expected, f"{LAYOUTS_CSV.name}: expected columns {expected}, found {found}"
    assert not table["layout"].duplicated().any(), f"{LAYOUTS_CSV.name}: duplicate layout names"
    layouts = []
    for row in table.to_dict("records"):
        where = f"{LAYOUTS_CSV.name}: layout {row['layout']}"
        assert row["format"] in ("xlsx", "table"), f"{where}: format must be xlsx or table"
        sources = tuple(row["edition_from"].split("|"))
        assert set(sources) <= set(EDITION_SOURCES), f"{where}: edition_from must be among {EDITION_SOURCES}"
        assert (row["format"] == "xlsx") == bool(row["data_sheet"]), f"{where}: data_sheet is for xlsx layouts only"
        layouts.append(Layout(
            layout=row["layout"], format=row["format"],
            data_sheet=re.compile(row["data_sheet"]) if row["data_sheet"] else None,
            companion_sheet=re.compile(row["companion_sheet"]) if row["companion_sheet"] else None,
            only_sheet=row["only_sheet"] == "yes", markers=_alternatives(row["markers"]),
            iso3_headers=_alternatives(row["iso3_headers"]), edition_headers=_alternatives(row["edition_headers"]),
            edition_from=sources, description=row["description"],
        ))
    return tuple(layouts)


@lru_cache(maxsize=1)
def known_editions() -> frozenset[int]:
    """The editions of the index (``editions.csv``)."""
    return frozenset(int(e) for e in load_editions()["edition"])


def required_fields(edition: int) -> list[str]:
    """The columns an edition's sheet must have: the labels, then every codebook id of that edition."""
    table = load_indicators().sort_values("order")
    return [*LABELS, *table.loc[table["editions"].map(lambda e: exists_in(e, edition)), "indicator"]]


def edition_in_name(name: str) -> int | None:
    """The first 4-digit year in ``name`` that is an edition of the index (``global_oc_index_2021_dataset``)."""
    for year in YEAR.findall(name):
        if int(year) in known_editions():
            return int(year)
    return None


# --- reading ------------------------------------------------------------------------------------------


@dataclass
class _Grid:
    """A grid of cells to read: numbered rows (header first) and how to name a cell in an error."""

    rows: Iterator[tuple[int, tuple]]
    where: str
    sheet: str | None
    ref: Callable[[int, int], str]
    layout: Layout
    named: dict[str, int]
    """The edition each way of naming it gives (``sheet``, ``companion``, ``filename``), where one does."""


def _named(ways: dict[str, int | None]) -> dict[str, int]:
    return {way: found for way, found in ways.items() if found is not None}


def read_workbook(path: str | Path, *, edition: int | None = None, name: str | None = None) -> pd.DataFrame:
    """Read a release, a one-edition workbook, a CSV or a Parquet file into a long table (``COLUMNS``).

    One row per country, edition and indicator (composites included), with the file name (or ``name``) as
    ``source``, and the sheet and 1-based Excel row (or the line of a CSV) as provenance. ``edition`` is the
    edition of a file that does not say which it holds; a file that does say must agree with it.
    ``continent`` and ``region`` are as the file spells them (whitespace stripped; the edition's groups from
    ``country_groups.csv`` where the file has none); ``country`` is the canonical name.

    Bounded work on any input (``InputError`` past a limit): an .xlsx file as ``ocdata.inputs.xlsx_guard`` states; a
    CSV file of at most 20 MB, a Parquet file of at most 64 MB decompressed (and 1 MB of footer, flat columns);
    in both at most 500,000 cells, none longer than 10,000 characters.
    """
    path = Path(path)
    source = name or path.name
    _check_file(path)
    if edition is not None and edition not in known_editions():
        raise ParseError(f"expected an edition among {sorted(known_editions())}, found {edition!r}", file=source)
    head = sniff(path)
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC) or not head:
        frames = _read_xlsx(path, source, edition)
    elif head.startswith(PARQUET_MAGIC):
        frames = _read_table(_parquet_rows(path, source), source, edition)
    else:
        frames = _read_table(_csv_rows(path, source), source, edition)
    return _assemble(frames, source)


def _check_file(path: Path) -> None:
    """Before any byte is read: a regular file (not a FIFO, a device or a folder) within the guard's size limit."""
    try:
        path.stat()
    except FileNotFoundError:
        raise InputError("workbook not found", file=path) from None
    except OSError:
        pass  # a link loop, a name too long, no permission: check_input_file names the reason
    check_input_file(path, MAX_FILE_BYTES, "a workbook")


def _assemble(frames: list[pd.DataFrame], source: str) -> pd.DataFrame:
    table = pd.concat(frames, ignore_index=True)
    countries = load_countries().set_index("iso3")
    table.insert(1, "country", table["iso3"].map(countries["country"]))
    if table[["continent", "region"]].isna().any().any():  # a file without the columns: the edition's groups
        groups = load_groups().set_index(["iso3", "edition"])
        keys = pd.MultiIndex.from_frame(table[["iso3", "edition"]].astype({"edition": "int64"}))
        for label in ("continent", "region"):
            table[label] = table[label].fillna(pd.Series(groups[label].reindex(keys).to_numpy(), index=table.index))
    table["source"] = source
    order = load_indicators().set_index("indicator")["order"]
    table = table.sort_values(
        ["edition", "iso3", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c,
        ignore_index=True,
    )
    table = table[list(COLUMNS)].astype(COLUMNS)
    assert not table.duplicated(["iso3", "edition", "indicator"]).any(), f"{source}: duplicate scores"
    return table


def _read_xlsx(path: Path, source: str, edition: int | None) -> list[pd.DataFrame]:
    """Every data sheet of a workbook, after ``check_archive``; the layout is chosen by the sheet names."""
    check_archive(path, source)
    handle = path.open("rb")  # a file object: openpyxl would otherwise judge the format by the file name
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on malformed parts
        handle.close()
        raise InputError(f"expected an .xlsx workbook, found something else ({_one_line(exc)})", file=source) from None
    try:
        layout, sheets = _choose_layout(book.sheetnames, source)
        frames = []
        for title, named in sheets:
            sheet = book[title]
            sheet.reset_dimensions()  # do not trust the stored used range
            where = f"{source}:{title}"
            grid = _Grid(rows=_guarded(enumerate(sheet.iter_rows(values_only=True), start=1), where),
                         where=where, sheet=title, layout=layout,
                         named=_named({**named, "filename": edition_in_name(Path(source).stem)}),
                         ref=lambda row, column, where=where: f"{where}!{get_column_letter(column + 1)}{row}")
            frames.append(_read_grid(grid, edition))
    finally:
        book.close()
        handle.close()
    return frames


def _choose_layout(names: list[str], source: str) -> tuple[Layout, list[tuple[str, dict[str, int | None]]]]:
    """The first xlsx layout whose sheets the workbook has, with its data sheets and their editions."""
    for layout in load_layouts():
        if layout.format != "xlsx" or (layout.only_sheet and len(names) != 1):
            continue
        data = [(n, m) for n in names if (m := layout.data_sheet.fullmatch(n))]
        companion = None
        if layout.companion_sheet is not None:
            companion = next((m for n in names if (m := layout.companion_sheet.fullmatch(n))), None)
            if companion is None:
                continue
        if not data:
            continue
        sheets = []
        for title, match in data:
            named = {"sheet": int(match[1]) if match.re.groups else edition_in_name(title)}
            if companion is not None:
                named["companion"] = int(companion[1]) if companion.re.groups else edition_in_name(companion[0])
            sheets.append((title, named))
        return layout, sheets
    raise ParseError("expected a sheet per edition named like 2023_dataset, a 2021 release's Full_dataset or a single "
                     f"data sheet (the layouts of {LAYOUTS_HINT}), found only {names}", file=source)


def _guarded(rows: Iterable[tuple[int, tuple]], where: str) -> Iterator[tuple[int, tuple]]:
    """openpyxl's rows, with its errors on a malformed sheet turned into one ``InputError`` naming the sheet."""
    iterator = iter(rows)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl raises many types on malformed XML
            raise InputError(f"expected a readable sheet, found {_one_line(exc)}", file=where) from None
        yield item


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _read_table(rows: Iterator[tuple[int, tuple]], source: str, edition: int | None) -> list[pd.DataFrame]:
    """A CSV or Parquet table: the export of ocdata (long) or a sheet saved as a table (wide)."""
    header_line, header = _header(rows, source)
    keys = {normalize_header(str(v)) for v in header if not _blank(v)}
    layout = next(lay for lay in load_layouts() if lay.format == "table" and set(lay.markers) <= keys)
    country = {h for h, f in _header_index().items() if f == "country"} | set(layout.iso3_headers)
    if not layout.markers and not keys & country:
        found = ", ".join(repr(str(v))[:40] for v in header[:3])
        raise InputError("expected an .xlsx workbook, or a CSV or Parquet table with a Country or ISO3 column, "
                         f"found a header row of {found}", file=source, line=header_line)
    ref = (lambda row, column: f"{source}:{row}")  # noqa: E731
    if layout.markers:
        return [_read_tidy(header_line, header, rows, source, edition)]
    grid = _Grid(rows=_chain(header_line, header, rows), where=source, sheet=None, ref=ref, layout=layout,
                 named=_named({"filename": edition_in_name(Path(source).stem)}))
    return [_read_grid(grid, edition)]


def _chain(number: int, header: tuple, rows: Iterator[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    yield number, header
    yield from rows


def _header(rows: Iterator[tuple[int, tuple]], where: str) -> tuple[int, tuple]:
    for number, values in rows:
        if not _blank_row(values):
            return number, values
    raise ParseError("expected a header row, found an empty sheet", file=where)


def _csv_rows(path: Path, source: str) -> Iterator[tuple[int, tuple]]:
    """The records of a CSV file (UTF-8, an Excel BOM allowed) with the line each ends on; at most
    ``MAX_CSV_BYTES``, ``MAX_CELLS`` cells, ``MAX_CELL_CHARS`` characters a cell."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise InputError(f"expected a table of at most {MAX_CSV_BYTES:,} bytes, found {size:,}", file=source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"expected UTF-8 text (or an .xlsx or Parquet file), found byte {exc.object[exc.start]:#x} "
                         f"at offset {exc.start}", file=source) from None
    if "\x00" in text:
        raise InputError("expected a CSV table, found binary data", file=source)
    reader = csv.reader(text.splitlines(keepends=True))
    cells = 0
    try:
        for values in reader:
            cells += len(values)
            if cells > MAX_CELLS:
                raise InputError(f"expected at most {MAX_CELLS:,} cells, found more", file=source, line=reader.line_num)
            longest = max(map(len, values), default=0)
            if longest > MAX_CELL_CHARS:
                raise _long_cell(longest, source, reader.line_num)
            yield reader.line_num, tuple(values)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own bound (128 k) came first
            raise _long_cell(None, source, reader.line_num) from None
        raise ParseError(f"expected a CSV record, found {_one_line(exc)}", file=source, line=reader.line_num) from None


def _long_cell(length: int | None, source: str, line: int | None, column: str | None = None) -> InputError:
    found = f"one of {length:,}" if length is not None else "a longer one"
    where = f" in column {column!r}" if column is not None else ""
    return InputError(f"expected cells of at most {MAX_CELL_CHARS:,} characters, found {found}{where}", file=source,
                      line=line)


def _parquet_rows(path: Path, source: str) -> Iterator[tuple[int, tuple]]:
    """The rows of a Parquet file, numbered as the CSV of the same table would be (the header is line 1)."""
    table = _parquet_table(path, source)
    try:
        frame = table.to_pandas()
    except Exception as exc:  # pyarrow raises many types on values it cannot convert
        raise InputError(f"expected a readable Parquet file, found {_one_line(exc)}", file=source) from None
    frame = frame.astype(object).where(frame.notna(), None)
    yield 1, tuple(str(c) for c in frame.columns)
    yield from enumerate(frame.itertuples(index=False, name=None), start=2)


def _parquet_table(path: Path, source: str):
    """A Parquet file as an Arrow table, within the limits of the module docstring: the footer's size first, then
    the metadata (cells, flat columns, decompressed size), then each row group with its text still
    dictionary-encoded, checked cell by cell before anything is decoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check_parquet_footer(path, source)
    try:
        meta = pq.ParquetFile(path).metadata
        if meta.num_rows * max(meta.num_columns, 1) > MAX_CELLS:
            raise InputError(f"expected at most {MAX_CELLS:,} cells, found {meta.num_rows * meta.num_columns:,}",
                             file=source)
        schema = meta.schema.to_arrow_schema()
        for column in schema:
            kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
            if pa.types.is_nested(kind):
                raise InputError(f"expected a flat table, found column {column.name!r} of type {kind}", file=source)
            if pa.types.is_fixed_size_binary(kind) and kind.byte_width > MAX_CELL_CHARS:
                raise _long_cell(kind.byte_width, source, None, column.name)
        packed = sum(meta.row_group(g).column(c).total_uncompressed_size
                     for g in range(meta.num_row_groups) for c in range(meta.num_columns))
        if packed > MAX_PARQUET_BYTES:
            raise InputError(f"expected at most {MAX_PARQUET_BYTES:,} bytes of data decompressed, found {packed:,}",
                             file=source)
        text = [c.name for c in schema if _is_text(c.type)]
        reader = pq.ParquetFile(path, read_dictionary=text)
        budget, groups, first = MAX_PARQUET_BYTES, [], 2
        for group in range(meta.num_row_groups):
            part = reader.read_row_group(group)
            budget -= _check_parquet_cells(part, source, first, budget)
            groups.append(part)
            first += part.num_rows
        return pa.concat_tables(groups) if groups else reader.schema_arrow.empty_table()
    except OcdataError:
        raise
    except Exception as exc:  # pyarrow raises many types on a damaged file
        raise InputError(f"expected a readable Parquet file, found {_one_line(exc)}", file=source) from None


def _is_text(kind) -> bool:
    import pyarrow as pa

    return any(test(kind) for test in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary,
                                       pa.types.is_large_binary))


def _check_parquet_footer(path: Path, source: str) -> None:
    """Refuse a Parquet file whose footer (read in full by any reader) is past ``MAX_PARQUET_FOOTER_BYTES``."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(size - 8, 0))
        tail = handle.read(8)
    if size < 12 or tail[4:] != PARQUET_MAGIC:
        raise InputError("expected a Parquet file ending with PAR1, found a file cut short or damaged", file=source)
    footer = int.from_bytes(tail[:4], "little")
    if footer > MAX_PARQUET_FOOTER_BYTES:
        raise InputError(f"expected a Parquet footer of at most {MAX_PARQUET_FOOTER_BYTES:,} bytes, found {footer:,}",
                         file=source)


def _check_parquet_cells(table, source: str, first_line: int, budget: int) -> int:
    """Refuse a row group with a text cell over ``MAX_CELL_CHARS`` or more than ``budget`` bytes of values once
    decoded; the bytes it decodes to. Lengths are read from the dictionary, never from decoded values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    used = 0
    for name, column in zip(table.column_names, table.columns, strict=True):
        for chunk, offset in zip(column.chunks, _offsets(column.chunks), strict=True):
            values = chunk.dictionary if isinstance(chunk, pa.DictionaryArray) else chunk
            if not _is_text(values.type):
                continue
            sizes = pc.binary_length(values)
            chars = pc.utf8_length(values) if pa.types.is_string(values.type) or pa.types.is_large_string(
                values.type) else sizes
            if isinstance(chunk, pa.DictionaryArray):
                sizes, chars = pc.take(sizes, chunk.indices), pc.take(chars, chunk.indices)
            longest = pc.max(chars).as_py() or 0
            if longest > MAX_CELL_CHARS:
                row = pc.index(pc.greater(chars, MAX_CELL_CHARS), True).as_py()
                raise _long_cell(longest, source, first_line + offset + row, name)
            used += pc.sum(sizes).as_py() or 0
            if used > budget:
                raise InputError(f"expected at most {MAX_PARQUET_BYTES:,} bytes of values decoded, found more by "
                                 f"column {name!r}", file=source)
    return used


def _offsets(chunks) -> list[int]:
    """The row at which each chunk of a column starts."""
    starts, at = [], 0
    for chunk in chunks:
        starts.append(at)
        at += len(chunk)
    return starts


def _edition_of(grid: _Grid, edition_column: int | None, given: int | None) -> int | None:
    """The edition of a whole grid (``None``: each row's from the edition column)."""
    for way in grid.layout.edition_from:
        if way == "column" and edition_column is not None:
            return None
        if way in grid.named:
            found = grid.named[way]
            if given is not None and found != given:
                raise ParseError(f"expected edition {given} as passed, found {found} in the {way} name",
                                 file=grid.where)
            return found
    if given is None:
        raise ParseError("expected the edition in a sheet name, an Edition column or the file name, found none; "
                         "pass it (edition=2021, or --edition 2021)", file=grid.where)
    return given


def _find(header: tuple, names: tuple[str, ...]) -> int | None:
    return next((j for j, v in enumerate(header) if not _blank(v) and normalize_header(str(v)) in names), None)


def _read_grid(grid: _Grid, given: int | None) -> pd.DataFrame:
    """One table of a wide layout: a header row (the first non-empty row), then one row per country."""
    header_line, header = _header(grid.rows, grid.where)
    iso3_column = _find(header, grid.layout.iso3_headers)
    edition_column = _find(header, grid.layout.edition_headers)
    fixed = _edition_of(grid, edition_column, given)
    if fixed is not None and len(required_fields(fixed)) == len(LABELS):
        raise ParseError(f"edition {fixed} is not in the codebook (ocdata/data/indicators.csv)", file=grid.where)
    allowed = set(required_fields(fixed)) if fixed is not None else {
        f for e in known_editions() for f in required_fields(e)}
    special = {j for j in (iso3_column, edition_column) if j is not None}
    columns = _map_header(header, header_line, fixed, allowed, special, grid)
    if fixed is not None:
        _check_columns(columns, fixed, iso3_column, grid.where, f"row {header_line}: ")

    records: dict[str, list] = {k: [] for k in ("iso3", "continent", "region", "edition", "indicator", "score",
                                                "published", "line")}
    headed = set(columns.values()) | special
    valid = set(load_countries()["iso3"])
    seen: dict[tuple[str, int], int] = {}
    for number, values in grid.rows:
        if _blank_row(values):
            continue
        cells = list(values) + [None] * max(0, len(header) - len(values))
        for j, value in enumerate(cells):
            if j not in headed and not _blank(value):
                raise ParseError(f"expected no value outside the headed columns, found {value!r}",
                                 file=grid.ref(number, j))
        edition = fixed if fixed is not None else _row_edition(cells, edition_column, number, grid, given)
        if fixed is None:
            _check_columns(columns, edition, iso3_column, grid.ref(number, edition_column), "")
        iso3 = _row_iso3(cells, columns, iso3_column, number, grid, valid)
        key_cell = grid.ref(number, iso3_column if iso3_column is not None else columns["country"])
        if (iso3, edition) in seen:
            raise ParseError(_again(cells, columns, iso3, seen[iso3, edition]), file=key_cell)
        seen[iso3, edition] = number
        labels = {f: _label(cells, columns, f, number, grid) for f in ("continent", "region")}
        wanted = set(required_fields(edition))
        for field, j in columns.items():
            if field in LABELS:
                continue
            if field not in wanted:
                if not _blank(cells[j]):
                    raise ParseError(f"expected no {field} score in edition {edition}, found {cells[j]!r}",
                                     file=grid.ref(number, j))
                continue
            published = _score(cells[j], grid.ref(number, j))
            row = {**labels, "iso3": iso3, "edition": edition, "indicator": field, "score": round_half_up(published),
                   "published": published, "line": number}
            for key, items in records.items():
                items.append(row[key])
    if not seen:
        raise ParseError(f"expected a row per country below the header (row {header_line}), found none",
                         file=grid.where)
    return pd.DataFrame(records).assign(sheet=grid.sheet)


def _again(cells: list, columns: dict[str, int], iso3: str, first: int) -> str:
    name = cells[columns["country"]] if "country" in columns else iso3
    return f"expected each country once, found {name!r} ({iso3}) again (first in row {first})"


def _map_header(header: tuple, row: int, edition: int | None, allowed: set[str], special: set[int],
                grid: _Grid) -> dict[str, int]:
    """Field -> 0-based column index, refusing unknown, repeated or out-of-edition headers."""
    index = _header_index()
    columns: dict[str, int] = {}
    for j, value in enumerate(header):
        if _blank(value) or j in special:
            continue
        cell = grid.ref(row, j)
        field = index.get(normalize_header(str(value)))
        if field is None:
            raise ParseError(f"unknown header {value!r} (add it to {HEADERS_HINT})", file=cell)
        if field in columns:
            first = grid.ref(row, columns[field]).rsplit("!", 1)[-1]
            raise ParseError(f"header {value!r} names {field}, as does column {first}", file=cell)
        if field not in allowed:
            which = f"edition {edition}" if edition is not None else "any edition"
            raise ParseError(f"header {value!r} names {field}, which {which} does not have "
                             "(ocdata/data/indicators.csv)", file=cell)
        columns[field] = j
    return columns


def _check_columns(columns: dict[str, int], edition: int, iso3_column: int | None, where: str, prefix: str) -> None:
    """Refuse a table without a column its edition needs (continent and region may be absent)."""
    optional = {"continent", "region"} | ({"country"} if iso3_column is not None else set())
    missing = [f for f in required_fields(edition) if f not in columns and f not in optional]
    if missing:
        raise ParseError(f"{prefix}missing required column(s) {', '.join(missing)} for edition {edition}", file=where)


def _row_edition(cells: list, column: int, number: int, grid: _Grid, given: int | None) -> int:
    value = cells[column]
    text = str(value).strip() if not _blank(value) else ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or int(text) not in known_editions():
        raise ParseError(f"expected an edition among {sorted(known_editions())}, found {value!r}",
                         file=grid.ref(number, column))
    if given is not None and int(text) != given:
        raise ParseError(f"expected edition {given} as passed, found {text}", file=grid.ref(number, column))
    return int(text)


def _row_iso3(cells: list, columns: dict[str, int], iso3_column: int | None, number: int, grid: _Grid,
              valid: set[str]) -> str:
    """The country of a row: its ISO3 code where the table has one (checked against the name), else its name."""
    name = cells[columns["country"]] if "country" in columns else None
    if iso3_column is None:
        if not isinstance(name, str) or not name.strip():
            raise ParseError(f"expected a country name, found {name!r}", file=grid.ref(number, columns["country"]))
        return to_iso3(name.strip(), file=grid.ref(number, columns["country"]))
    code = cells[iso3_column]
    iso3 = code.strip().upper() if isinstance(code, str) else ""
    if iso3 not in valid:
        raise ParseError(f"expected an ISO3 code of ocdata/data/countries.csv, found {code!r}",
                         file=grid.ref(number, iso3_column))
    if isinstance(name, str) and name.strip():
        try:
            by_name = to_iso3(name.strip())
        except ParseError:
            by_name = iso3  # a spelling the alias table does not know: the code identifies the country
        if by_name != iso3:
            raise ParseError(f"expected the name of {iso3}, found {name!r} ({by_name})",
                             file=grid.ref(number, columns["country"]))
    return iso3


def _label(cells: list, columns: dict[str, int], field: str, number: int, grid: _Grid) -> str | None:
    if field not in columns:
        return None
    value = cells[columns[field]]
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"expected a {field} name, found {value!r}", file=grid.ref(number, columns[field]))
    return value.strip()


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


def _read_tidy(header_line: int, header: tuple, rows: Iterator[tuple[int, tuple]], source: str,
               given: int | None) -> pd.DataFrame:
    """The scores table as ocdata exports it: ``iso3, edition, indicator, score`` (other columns ignored)."""
    index = {normalize_header(str(v)): j for j, v in enumerate(header) if not _blank(v)}
    at = {name: index[name] for name in ("iso3", "edition", "indicator", "score", "continent", "region")
          if name in index}
    valid = set(load_countries()["iso3"])
    out: list[dict] = []
    seen: dict[tuple, int] = {}
    for number, values in rows:
        if _blank_row(values):
            continue
        cells = list(values) + [None] * max(0, len(header) - len(values))
        code = cells[at["iso3"]]
        if not isinstance(code, str) or code.strip() not in valid:
            raise ParseError(f"expected an ISO3 code of ocdata/data/countries.csv, found {code!r}", file=source,
                             line=number)
        value = cells[at["edition"]]
        edition = int(value) if isinstance(value, int | float) and float(value).is_integer() else (
            int(value) if isinstance(value, str) and value.strip().isdigit() else None)
        if edition not in known_editions() or (given is not None and edition != given):
            expected = f"edition {given}" if given is not None else f"an edition among {sorted(known_editions())}"
            raise ParseError(f"expected {expected}, found {value!r}", file=source, line=number)
        indicator = cells[at["indicator"]]
        if indicator not in required_fields(edition)[len(LABELS):]:
            raise ParseError(f"expected an indicator of edition {edition} (ocdata/data/indicators.csv), found "
                             f"{indicator!r}", file=source, line=number)
        key = (code.strip(), edition, indicator)
        if key in seen:
            raise ParseError(f"expected each score once, found {' '.join(map(str, key))} again (first on line "
                             f"{seen[key]})", file=source, line=number)
        seen[key] = number
        published = _score(cells[at["score"]], f"{source}:{number}")
        labels = {f: (str(cells[at[f]]).strip() if f in at and not _blank(cells[at[f]]) else None)
                  for f in ("continent", "region")}
        out.append({"iso3": key[0], **labels, "edition": edition, "indicator": indicator,
                    "score": round_half_up(published), "published": published, "line": number})
    if not out:
        raise ParseError(f"expected a row per score below the header (line {header_line}), found none", file=source)
    return pd.DataFrame(out).assign(sheet=None)


# --- cache -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """A short hash of this reader and its data tables: cached tables are reused while it is unchanged."""
    parts = [Path(__file__), Path(__file__).parents[1] / "countries.py", Path(__file__).with_name("xlsx_guard.py")]
    tables = ("workbook_headers.csv", "workbook_layouts.csv", "countries.csv", "country_aliases.csv",
              "country_groups.csv", "indicators.csv", "editions.csv")
    parts += [PACKAGE_DATA / name for name in tables]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes())
    return digest.hexdigest()[:12]


class CacheWarning(UserWarning):
    """The cached copy of a workbook was not used (unreadable or failing its checks); it is read again."""


def read_workbook_cached(path: str | Path, *, edition: int | None = None) -> pd.DataFrame:
    """``read_workbook`` with a Parquet copy in ``cache_dir()`` keyed by the file's and the reader's hash.

    The copy is checked (``cached_table_problem``) before use; a bad copy is read again from the file with
    one ``CacheWarning`` and replaced.
    """
    path = Path(path)
    _check_file(path)
    target = cache_dir() / f"workbook-{sha256_of(path)}-{parser_fingerprint()}-{edition or 'auto'}.parquet"
    if target.is_file():
        try:
            cached = pd.read_parquet(target)
            problem = cached_table_problem(cached)
        except Exception as exc:  # any failure to read the copy means: read the file again
            problem = f"unreadable cache ({_one_line(exc)})"
        if problem is None:
            return cached.assign(source=path.name).astype(COLUMNS)
        warnings.warn(f"{target}: {problem}; reading the workbook again", CacheWarning, stacklevel=2)
    table = read_workbook(path, edition=edition)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic_with(target, lambda tmp: table.to_parquet(tmp, index=False))
    except OSError as exc:
        warnings.warn(f"{target}: could not write the cache ({_one_line(exc)})", CacheWarning, stacklevel=2)
    return table


def cached_table_problem(table: pd.DataFrame) -> str | None:
    """What is wrong with a cached table (columns, dtypes, keys, score range and grid, editions), or ``None``."""
    if list(table.columns) != list(COLUMNS):
        return f"expected columns {list(COLUMNS)}, found {list(table.columns)}"
    dtypes = {c: str(t) for c, t in table.dtypes.items()}
    wrong = {c: t for c, t in dtypes.items() if t != COLUMNS[c]}
    if wrong:
        return f"expected dtypes {COLUMNS}, found {wrong}"
    if table.empty:
        return "expected scores, found an empty table"
    nulls = [c for c in COLUMNS if c != "sheet" and table[c].isna().any()]
    if nulls:
        return f"expected no missing values, found some in {nulls}"
    if not table["edition"].isin(known_editions()).all():
        return f"expected editions among {sorted(known_editions())}, found {sorted(set(table['edition']))}"
    if not table["iso3"].isin(set(load_countries()["iso3"])).all():
        return "expected ISO3 codes of countries.csv, found others"
    for edition, part in table.groupby("edition"):
        if not part["indicator"].isin(required_fields(int(edition))[len(LABELS):]).all():
            return f"expected the indicators of edition {edition}, found others"
    for column in ("score", "published"):
        if not table[column].between(LOW, HIGH).all():
            return f"expected {column} from 1 to 10, found {table[column].min()} to {table[column].max()}"
    if not (round_half_up(table["score"]) - table["score"]).abs().lt(1e-9).all():
        return "expected scores at 2 decimals, found more"
    indicators = table.loc[~table["indicator"].isin(composites()), "score"]
    if not indicators.map(on_grid).all():
        return "expected indicator scores in steps of 0.5, found others"
    if table.duplicated(["iso3", "edition", "indicator"]).any():
        return "expected one score per country, edition and indicator, found duplicates"
    return None
