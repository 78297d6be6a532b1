"""Check an .xlsx archive before openpyxl parses it: bounded work on any input.

A workbook is a zip of XML parts. A hostile one can expand a thousandfold (a zip bomb, or shared strings
that repeat), pad its XML with comments, declare entities, claim a million rows, be encrypted, or hold
cells openpyxl cannot convert (``<v>NaN</v>`` in a number cell). ``check_archive`` reads the zip's
directory, then streams every XML part through expat once, in fixed-size chunks, and stops at the first
limit passed: memory stays bounded by the chunk size and the work by the limits below. Every refusal is an
``InputError`` (exit 2) naming the file and the member, or the sheet and cell.

The limits leave a wide margin around the real 2023 release (19 members, 650 kB uncompressed, largest part
245 kB, compression at most 7x, about 14,000 cells in the bounding boxes of its sheets). The limits of CSV
and Parquet tables are stated in ``ocdata.inputs.workbook``.
"""

from __future__ import annotations

import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

from ocdata.errors import InputError
from ocdata.inputs.files import WORKBOOK_MAX_BYTES

MAX_FILE_BYTES = WORKBOOK_MAX_BYTES
"""Size of the file itself, checked with ``stat`` before any byte is read (the 2023 release: 0.2 MB)."""

MAX_MEMBERS = 1_000
"""Members in the archive (the 2023 release has 19)."""

MAX_TOTAL_BYTES = 100 * 1024 * 1024
"""Uncompressed size of all members together (the 2023 release: 0.65 MB)."""

MAX_PART_BYTES = 20 * 1024 * 1024
"""Uncompressed size of one XML part (the largest of the 2023 release: 0.25 MB)."""

MAX_RATIO = 100.0
"""Uncompressed over compressed size of one member (the 2023 release: at most 7.3)."""

RATIO_FROM_BYTES = 1024 * 1024
"""Members smaller than this uncompressed are not held to ``MAX_RATIO`` (tiny parts compress well)."""

MAX_CELLS = 500_000
"""Cells in the bounding boxes of all sheets, as openpyxl would iterate them (the 2023 release: 14,000)."""

MAX_SHARED_STRINGS = 200_000
"""Entries of the shared-strings table (the 2023 release: a few hundred)."""

MAX_COMMENT_BYTES = 64 * 1024
"""Characters of XML comments in one part (Excel writes none)."""

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
"""The largest row and column Excel allows."""

CHUNK = 1024 * 1024
"""Bytes decompressed and parsed at a time."""

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""An OLE compound file: an encrypted Office document, or a legacy .xls."""

ZIP_MAGIC = b"PK"
ALLOWED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
CELL_TYPES = {"n", "s", "b", "e", "str", "inlineStr", "d"}
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class _Budget:
    """What the archive has used so far of the limits shared by all its parts."""

    cells: int = 0
    shared_strings: int | None = None


@dataclass
class _Part:
    """State of one streamed XML part."""

    where: str
    sheet: str | None = None
    comments: int = 0
    row: int = 0
    column: int = 0
    max_row: int = 0
    max_column: int = 0
    cell: str = ""
    cell_type: str = "n"
    value: list[str] | None = None
    strings: int = 0
    names: dict[str, str] = field(default_factory=dict)


def sniff(path: Path) -> bytes:
    """The first 8 bytes of a file (``InputError`` if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise InputError(f"expected a readable file, found {exc.strerror or exc}", file=path) from None


def check_archive(path: Path, source: str) -> None:
    """Refuse an .xlsx past the limits above, encrypted, malformed, or with cells openpyxl cannot read."""
    head = sniff(path)
    if head.startswith(OLE_MAGIC):
        raise InputError("expected an .xlsx workbook, found an encrypted or legacy Office file (OLE); "
                         "save it unencrypted as .xlsx", file=source)
    if not head.startswith(ZIP_MAGIC):
        raise InputError(f"expected an .xlsx workbook, found something else (starts with {head[:4]!r})",
                         file=source)
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_directory(archive, source)
            sheets = _sheet_names(archive, source)
            budget = _Budget()
            ordered = sorted(members, key=lambda i: not i.filename.endswith("sharedStrings.xml"))
            for info in ordered:
                if _is_xml(info.filename):
                    _scan_part(archive, info, source, sheets.get(info.filename), budget)
    except zipfile.BadZipFile as exc:
        raise InputError(f"expected an .xlsx workbook, found a damaged zip ({_one_line(exc)})", file=source) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"expected a readable .xlsx workbook, found {_one_line(exc)}", file=source) from None


def _check_directory(archive: zipfile.ZipFile, source: str) -> list[zipfile.ZipInfo]:
    """Sizes, ratios, methods and encryption flags from the zip's central directory (nothing decompressed)."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise InputError(f"expected at most {MAX_MEMBERS} members in the archive, found {len(members)}",
                         file=source)
    total = 0
    for info in members:
        where = f"{source}:{info.filename}"
        if info.flag_bits & 0x1:
            raise InputError("expected an unencrypted workbook, found an encrypted member; save it without a "
                             "password", file=where)
        if info.compress_type not in ALLOWED_METHODS:
            raise InputError(f"expected a stored or deflated member, found compression method {info.compress_type}",
                             file=where)
        if _is_xml(info.filename) and info.file_size > MAX_PART_BYTES:
            raise InputError(f"expected an XML part of at most {MAX_PART_BYTES:,} bytes, found {info.file_size:,}",
                             file=where)
        if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise InputError(f"expected compression of at most {MAX_RATIO:g}x, found {ratio:,.0f}x (a zip bomb?)",
                             file=where)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"expected at most {MAX_TOTAL_BYTES:,} bytes uncompressed in all, found more by "
                             "this member", file=where)
    return members


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels"))


def _sheet_names(archive: zipfile.ZipFile, source: str) -> dict[str, str]:
    """Member name -> sheet name, from ``xl/workbook.xml`` and its relationships (empty if absent)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    sheets: dict[str, str] = {}
    targets: dict[str, str] = {}

    def on_workbook(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] == "sheet":
            rid = attrs.get(f"{REL_NS} id")
            if rid and "name" in attrs:
                sheets[rid] = attrs["name"]

    def on_rels(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] == "Relationship" and "Id" in attrs and "Target" in attrs:
            targets[attrs["Id"]] = attrs["Target"]

    for member, handler in (("xl/workbook.xml", on_workbook), ("xl/_rels/workbook.xml.rels", on_rels)):
        info = archive.getinfo(member)
        _stream(archive, info, _Part(where=f"{source}:{member}"), handler, None, None)
    out = {}
    for rid, sheet in sheets.items():
        target = targets.get(rid)
        if target:
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[member] = sheet
    return out


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, sheet: str | None,
               budget: _Budget) -> None:
    """Stream one XML part, counting cells and shared strings and checking every number cell."""
    part = _Part(where=f"{source}:{info.filename}", sheet=f"{source}:{sheet}" if sheet else None)
    if info.filename.endswith("sharedStrings.xml"):
        _stream(archive, info, part, lambda n, a: _on_shared_string(part, n), None, None)
        budget.shared_strings = part.strings
        return
    if sheet is None and not info.filename.startswith("xl/worksheets/"):
        _stream(archive, info, part, None, None, None)
        return
    part.sheet = part.sheet or part.where

    def on_text(text: str) -> None:
        if part.value is not None:
            part.value.append(text)

    _stream(archive, info, part, lambda n, a: _on_sheet_start(part, budget, n, a),
            lambda n: _on_sheet_end(part, budget, n), on_text)


def _on_shared_string(part: _Part, name: str) -> None:
    if name.rsplit(" ", 1)[-1] == "si":
        part.strings += 1
        if part.strings > MAX_SHARED_STRINGS:
            raise InputError(f"expected at most {MAX_SHARED_STRINGS:,} shared strings, found more", file=part.where)


def _on_sheet_start(part: _Part, budget: _Budget, name: str, attrs: dict[str, str]) -> None:
    local = name.rsplit(" ", 1)[-1]
    if local == "row":
        number = attrs.get("r")
        part.row = _bounded(number, EXCEL_ROWS, part, "row number") if number else part.row + 1
        part.column = 0
    elif local == "c":
        ref = attrs.get("r")
        if ref:
            match = REF.fullmatch(ref)
            if not match:
                raise InputError(f"expected a cell reference like B7, found {ref!r}", file=part.where)
            part.column = _bounded(column_index_from_string(match[1].upper()), EXCEL_COLUMNS, part, "column")
            part.row = _bounded(match[2], EXCEL_ROWS, part, "row number")
            part.cell = ref.upper()
        else:
            part.column += 1
            part.row = max(part.row, 1)
            part.cell = f"{_letters(part.column)}{part.row}"
        part.cell_type = attrs.get("t", "n")
        if part.cell_type not in CELL_TYPES:
            raise InputError(f"expected a cell type among {sorted(CELL_TYPES)}, found {part.cell_type!r}",
                             file=f"{part.sheet}!{part.cell}")
        before = part.max_row * part.max_column
        part.max_row, part.max_column = max(part.max_row, part.row), max(part.max_column, part.column)
        budget.cells += part.max_row * part.max_column - before
        if budget.cells > MAX_CELLS:
            raise InputError(f"expected at most {MAX_CELLS:,} cells in all sheets, found more by cell {part.cell}",
                             file=part.where)
    elif local == "v":
        part.value = []


def _on_sheet_end(part: _Part, budget: _Budget, name: str) -> None:
    if name.rsplit(" ", 1)[-1] != "v" or part.value is None:
        return
    text, part.value = "".join(part.value).strip(), None
    where = f"{part.sheet}!{part.cell}"
    if part.cell_type == "n" and text:
        if not NUMBER.fullmatch(text) or not math.isfinite(float(text)):
            raise InputError(f"expected a finite number, found {text[:40]!r}", file=where)
    elif part.cell_type == "s":
        limit = budget.shared_strings or 0
        if not text.isdigit() or int(text) >= limit:
            raise InputError(f"expected a shared-string index below {limit}, found {text[:40]!r}", file=where)
    elif part.cell_type == "b" and text not in ("0", "1"):
        raise InputError(f"expected a boolean 0 or 1, found {text[:40]!r}", file=where)


def _bounded(value: str | int, limit: int, part: _Part, what: str) -> int:
    number = int(value)
    if not 1 <= number <= limit:
        raise InputError(f"expected a {what} from 1 to {limit:,}, found {number:,}", file=part.where)
    return number


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, part: _Part, start, end, text) -> None:
    """Feed a member to expat chunk by chunk: no DTD, no entities, bounded comments."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse_doctype(*_: object) -> None:
        raise InputError("expected XML without a document type declaration, found one", file=part.where)

    def count_comment(data: str) -> None:
        part.comments += len(data)
        if part.comments > MAX_COMMENT_BYTES:
            raise InputError(f"expected at most {MAX_COMMENT_BYTES:,} characters of XML comments, found more "
                             "(padded XML)", file=part.where)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.CommentHandler = count_comment
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise InputError(f"expected well-formed XML, found {expat.ErrorString(exc.code)} at line {exc.lineno}, "
                         f"column {exc.offset}", file=part.where) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise InputError(f"expected a readable member, found {_one_line(exc)}", file=part.where) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
