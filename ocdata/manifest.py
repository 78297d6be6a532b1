"""The raw documents' manifest (``sources.yaml``): what each document is, and its checksum."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ocdata.errors import InputError, ParseError

MANIFEST_NAME = "sources.yaml"
KINDS = ("pdf_profile", "web_profile", "article")
FIELDS = ("id", "file", "title", "publisher", "kind", "edition", "countries", "sha256")


@dataclass(frozen=True)
class Document:
    """One raw document: its manifest entry and its text, split into lines (line 1 is ``lines[0]``)."""

    id: str
    file: str
    kind: str
    edition: int | None
    countries: tuple[str, ...]
    lines: tuple[str, ...]


def read_manifest(raw: Path) -> pd.DataFrame:
    """Read ``sources.yaml`` into a table, one row per document, in manifest order."""
    path = raw / MANIFEST_NAME
    if not path.is_file():
        raise InputError("no manifest: expected sources.yaml beside the raw documents", file=path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParseError(f"expected YAML, found a syntax error ({str(exc).splitlines()[0]})", file=path) from None
    entries = doc.get("documents") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ParseError("expected a 'documents' list, found none", file=path)
    rows = []
    for i, entry in enumerate(entries, start=1):
        missing = [f for f in FIELDS if not isinstance(entry, dict) or f not in entry]
        if missing:
            raise ParseError(f"document {i}: expected fields {', '.join(missing)}, found none", file=path)
        if entry["kind"] not in KINDS:
            raise ParseError(f"document {entry['id']}: expected kind in {KINDS}, found {entry['kind']!r}", file=path)
        rows.append({f: entry[f] for f in FIELDS})
    table = pd.DataFrame(rows)
    table["countries"] = table["countries"].map(lambda c: " ".join(c))
    table["edition"] = table["edition"].astype("Int64")
    dupes = table["id"][table["id"].duplicated()].tolist()
    if dupes:
        raise ParseError(f"expected unique document ids, found {dupes[0]!r} twice", file=path)
    return table


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_document(raw: Path, entry: pd.Series) -> Document:
    """Read one document, refusing a missing file, a checksum mismatch, an empty file or non-UTF-8 text."""
    path = raw / entry["file"]
    if not path.is_file():
        raise InputError(f"document {entry['id']!r} listed in {MANIFEST_NAME}: file is missing", file=path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise InputError(
            f"expected sha256 {entry['sha256'][:12]}… (from {MANIFEST_NAME}), found {digest[:12]}…: "
            "the document changed; restore it or record the new checksum",
            file=path,
        )
    if not data.strip():
        raise ParseError("expected text, found an empty file", file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"expected UTF-8 text, found byte 0x{data[exc.start]:02x}", file=path, line=line) from None
    lines = tuple(line.rstrip("\r") for line in text.split("\n"))
    edition = None if pd.isna(entry["edition"]) else int(entry["edition"])
    return Document(entry["id"], entry["file"], entry["kind"], edition, tuple(entry["countries"].split()), lines)
