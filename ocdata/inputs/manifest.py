"""The raw documents' manifest (``sources.yaml``): what each document is, and its checksum."""

from __future__ import annotations

import codecs
import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd
import yaml

from ocdata.errors import InputError, ParseError
from ocdata.inputs.files import DOCUMENT_MAX_BYTES, MANIFEST_MAX_BYTES, read_input_bytes, sha256_file

MANIFEST_NAME = "sources.yaml"
ADDED_NAME = "sources.ocdata.yaml"
"""The manifest ``ocdata add`` keeps for the documents it added, beside a ``sources.yaml`` of the user's own
(which ocdata reads and never writes)."""
MANIFEST_NAMES = (MANIFEST_NAME, ADDED_NAME)
DOCUMENT_MAX_LINES = 200_000
"""The most lines a document may have (the bundled ones have under 1,000; more is refused before parsing, so
a file of millions of blank lines costs no parse)."""
KINDS = ("pdf_profile", "web_profile", "article")
FIELDS = ("id", "file", "title", "publisher", "kind", "edition", "countries", "sha256")
FIELD_TYPES = {  # field -> (what it must be, test)
    "id": ("a name", lambda v: isinstance(v, str) and v.strip() != ""),
    "file": ("a file name", lambda v: isinstance(v, str) and v.strip() != ""),
    "title": ("text", lambda v: isinstance(v, str)),
    "publisher": ("text", lambda v: isinstance(v, str)),
    "kind": ("text", lambda v: isinstance(v, str)),
    "edition": ("a year or null", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool))),
    "countries": ("a list of ISO3 codes", lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)),
    "sha256": ("64 hex digits", lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-fA-F]{64}", v) is not None),
}


@dataclass(frozen=True)
class Document:
    """One raw document: its manifest entry and its text, split into lines (line 1 is ``lines[0]``)."""

    id: str
    file: str
    kind: str
    edition: int | None
    countries: tuple[str, ...]
    lines: tuple[str, ...]


def manifest_paths(raw: Path) -> list[Path]:
    """The manifests of a folder of documents that exist (a link or a FIFO too, to be refused by name):
    ``sources.yaml``, then ``sources.ocdata.yaml`` (the documents ``ocdata add`` added)."""
    return [raw / name for name in MANIFEST_NAMES if (raw / name).exists() or (raw / name).is_symlink()]


def read_manifest(raw: Path) -> pd.DataFrame:
    """Read the folder's manifests (``sources.yaml``, then ``sources.ocdata.yaml``) into one table, one row per
    document, in manifest order.

    Every refusal names the manifest and its line; a ``file`` must be a relative path that stays inside
    ``raw`` (no ``..``, not absolute, not a link pointing out); ids and files are unique across both.
    """
    paths = manifest_paths(raw)
    if not paths:
        raise InputError(f"expected the manifest {MANIFEST_NAME} beside the raw documents, found no such file",
                         file=raw / MANIFEST_NAME)
    rows: list[dict] = []
    for path in paths:
        rows += _read_entries(raw, path, rows)
    table = pd.DataFrame(rows)
    table["countries"] = table["countries"].map(lambda c: " ".join(c))
    table["edition"] = table["edition"].astype("Int64")
    return table


MAX_NESTING = 50
"""How deep a manifest's YAML may nest (flow brackets, or indentation in steps of two): a real manifest nests
three levels; a deeper one would cost the YAML parser's recursion (or crash its C loader)."""


def nesting_problem(text: str) -> str | None:
    """Why ``text`` nests deeper than a manifest may (``MAX_NESTING``), or ``None``: a linear scan of its
    brackets (outside quotes) and its indentation, made before any YAML parser sees it."""
    depth = deepest = 0
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n":
            quote = ""
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.split("\n")), default=0)
    if deepest > MAX_NESTING or indent > 2 * MAX_NESTING:
        return f"expected YAML nested at most {MAX_NESTING} levels, found deeper"
    return None


def read_manifest_entries(raw: Path, path: Path) -> list[dict]:
    """The entries of one manifest file ``path`` of the folder ``raw``, checked (as plain dicts, as written)."""
    return _read_entries(raw, path, [])


def _read_entries(raw: Path, path: Path, before: list[dict]) -> list[dict]:
    """The checked entries of the manifest ``path``; ``before`` are the entries of the folder's other manifests
    read already (an id or a file listed there too is refused)."""
    data = read_input_bytes(path, MANIFEST_MAX_BYTES, "a manifest")
    try:
        text = data.decode("utf-8")
        problem = nesting_problem(text)
        if problem is not None:
            raise ParseError(problem, file=path)
        doc = yaml.safe_load(text)
        lines = _entry_lines(text)
    except RecursionError:
        raise ParseError(f"expected YAML nested at most {MAX_NESTING} levels, found deeper", file=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"expected UTF-8 text, found byte 0x{exc.object[exc.start]:02x}", file=path,
                         line=exc.object[: exc.start].count(b"\n") + 1) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParseError(f"expected YAML, found a syntax error ({str(exc).splitlines()[0]})", file=path,
                         line=None if mark is None else mark.line + 1) from None
    entries = doc.get("documents") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ParseError("expected a 'documents' list, found none", file=path)
    rows = []
    for i, entry in enumerate(entries, start=1):
        where = lines[i - 1] if i - 1 < len(lines) else {}
        line = where.get("", None)
        missing = [f for f in FIELDS if not isinstance(entry, dict) or f not in entry]
        if missing:
            raise ParseError(f"expected the fields {', '.join(missing)} in document {i}, found none", file=path,
                             line=line)
        for name, (wanted, ok) in FIELD_TYPES.items():
            if not ok(entry[name]):
                raise ParseError(f"expected {name} of document {i} to be {wanted}, found {entry[name]!r}",
                                 file=path, line=where.get(name, line))
        if entry["kind"] not in KINDS:
            raise ParseError(f"expected the kind of document {entry['id']!r} to be one of {', '.join(KINDS)}, "
                             f"found {entry['kind']!r}", file=path, line=where.get("kind", line))
        problem = outside_problem(raw, entry["file"])
        if problem:
            raise InputError(f"expected the file of document {entry['id']!r} to be a relative path inside "
                             f"{raw}, found {problem}", file=path, line=where.get("file", line))
        name = file_key(entry["file"])
        if name in MANIFEST_NAMES:
            raise InputError(f"expected the file of document {entry['id']!r} to be a document, found the manifest "
                             f"{name} itself", file=path, line=where.get("file", line))
        other = next((row["id"] for row in [*before, *rows] if file_key(row["file"]) == name), None)
        if other is not None:
            raise InputError(f"expected a file of its own for document {entry['id']!r}, found {entry['file']!r} "
                             f"listed for {other!r} too", file=path, line=where.get("file", line))
        if any(row["id"] == entry["id"] for row in [*before, *rows]):
            raise ParseError(f"expected unique document ids, found {entry['id']!r} twice", file=path,
                             line=where.get("id", line))
        rows.append({f: entry[f] for f in FIELDS})
    return rows


def _entry_lines(text: str) -> list[dict[str, int]]:
    """For each entry of ``documents``: the 1-based line of the entry (key ``""``) and of each field."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    seq = next((value for key, value in root.value if getattr(key, "value", None) == "documents"), None)
    if not isinstance(seq, yaml.SequenceNode):
        return []
    out = []
    for item in seq.value:
        where = {"": item.start_mark.line + 1}
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if isinstance(key, yaml.ScalarNode):
                    where[str(key.value)] = value.start_mark.line + 1
        out.append(where)
    return out


def file_key(file: str) -> str:
    """A manifest entry's path as one spelling (``./a.txt`` and ``a.txt`` are the same file)."""
    return posixpath.normpath(file.replace("\\", "/"))


def outside_problem(raw: Path, file: str) -> str | None:
    """Why ``file`` (a manifest entry's path) does not stay inside ``raw``, or None when it does."""
    pure = PurePosixPath(file.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(file).drive:
        return f"an absolute path {file!r}"
    if ".." in pure.parts:
        return f"a path that leaves the folder {file!r}"
    target = raw / file
    if target.is_symlink() or target.exists():
        try:
            target.resolve().relative_to(raw.resolve())
        except ValueError:
            return f"{file!r}, a link pointing outside the folder"
    return None


def sha256_of(path: Path, limit: int | None = None) -> str:
    """The hex sha256 of a regular file's bytes (streamed; ``InputError`` for a FIFO, a device, a folder, or a
    file larger than ``limit``)."""
    return sha256_file(path, limit)


def split_lines(text: str) -> list[str]:
    r"""The lines of a document's text: ``\n``, ``\r\n`` and a lone ``\r`` each end a line.

    Any ``\r`` just before ``\n`` belongs to that line end; a lone ``\r`` inside a line ends it (old Mac files);
    one stray ``\r`` at the start of a line (the text's first, or one after ``\n``) is dropped and adds no line.
    Nothing else ends a line (``str.splitlines`` would also split on ``\x0b``, ``\x0c``, ``\x85``, ``\u2028``
    and shift the line numbers). A text already split this way, joined again with ``\n``, gives the same lines.
    """
    lines: list[str] = []
    for piece in text.split("\n"):
        piece = piece.rstrip("\r")
        lines.extend(piece.removeprefix("\r").split("\r"))
    return lines


def _line_at(data: bytes, offset: int) -> int:
    """The line (as :func:`split_lines` counts them) of the byte at ``offset`` of a document's bytes."""
    return len(split_lines(data[:offset].decode("utf-8", errors="replace")))


def read_document(raw: Path, entry: pd.Series) -> Document:
    """Read one document, refusing a missing file, a checksum mismatch, an empty file or non-UTF-8 text."""
    path = raw / entry["file"]
    problem = outside_problem(raw, entry["file"])
    if problem:
        raise InputError(f"expected the file of document {entry['id']!r} to be a relative path inside the folder, "
                         f"found {problem}", file=raw / MANIFEST_NAME)
    if not path.exists():
        raise InputError(f"expected the file of document {entry['id']!r} (listed in {MANIFEST_NAME}), found no such "
                         "file", file=path)
    data = read_input_bytes(path, DOCUMENT_MAX_BYTES, "a document")
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"].lower():
        raise InputError(
            f"expected sha256 {entry['sha256'][:12]}… (from {MANIFEST_NAME}), found {digest[:12]}…: "
            "the document changed; restore it or record the new checksum",
            file=path,
        )
    data = data.removeprefix(codecs.BOM_UTF8)  # a byte-order mark is legal UTF-8, and not text
    if not data.strip():
        raise ParseError("expected text, found an empty file", file=path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("expected UTF-8 text, found UTF-16 (its byte-order mark)", file=path, line=1)
    if b"\x00" in data:
        raise InputError("expected UTF-8 text, found a NUL byte (is the file UTF-16?)", file=path,
                         line=_line_at(data, data.index(b"\x00")))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"expected UTF-8 text, found byte 0x{data[exc.start]:02x}", file=path,
                         line=_line_at(data, exc.start)) from None
    lines = tuple(split_lines(text))
    if len(lines) > DOCUMENT_MAX_LINES:
        raise ParseError(f"expected a document of at most {DOCUMENT_MAX_LINES:,} lines, found {len(lines):,}",
                         file=path)
    edition = None if pd.isna(entry["edition"]) else int(entry["edition"])
    return Document(entry["id"], entry["file"], entry["kind"], edition, tuple(entry["countries"].split()), lines)
