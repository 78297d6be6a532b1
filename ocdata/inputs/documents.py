"""Documents a user adds (``ocdata add``): a folder of their own beside the bundled documents.

The folder (``paths.user_documents_dir()``) lists the documents ``ocdata add`` copied in its own manifest,
``sources.ocdata.yaml`` (the format of the bundled ``sources.yaml``). A ``sources.yaml`` there is the user's:
read beside it, never written. Adding a document reads and parses it at once, then builds the bundled documents
with every added one in a staging copy of the folder: only when every check passes is the document copied in
and ocdata's manifest replaced (the document first, then the manifest, each atomically). A refused document
leaves the folder as it was. ``remove`` removes only what ``add`` added, and deletes a document only while it
holds the bytes ``add`` copied. Both hold the folder's lock, so two at once run one after the other.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from ocdata.errors import InputError, ParameterError, ParseError, ValidationError
from ocdata.inputs.files import DOCUMENT_MAX_BYTES, check_input_file, read_input_bytes
from ocdata.inputs.manifest import (
    ADDED_NAME,
    DOCUMENT_MAX_LINES,
    FIELDS,
    KINDS,
    MANIFEST_NAME,
    MANIFEST_NAMES,
    file_key,
    read_document,
    read_manifest,
    read_manifest_entries,
    split_lines,
)
from ocdata.outputs.atomic import write_bytes_atomic, write_text_atomic
from ocdata.outputs.ledger import file_sha256
from ocdata.outputs.locks import folder_lock
from ocdata.outputs.notebooks import make_folders
from ocdata.paths import has_manifest, raw_dir, user_documents_dir

HEADER = ("# Documents added with 'ocdata add' (remove them with 'ocdata remove ID').\n"
          "# Each file was checked when added; ocdata refuses one whose sha256 has changed since.\n")
PUBLISHER = "not recorded (added with ocdata add)"
STALE_SECONDS = 3600
"""A staging copy untouched this long belongs to no running ``add``."""
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]*")
STAGING_MARKER = ".ocdata-staging"
"""The file that marks a staging copy ``add`` made (only such folders are ever removed)."""


def list_documents(folder: Path | None = None) -> pd.DataFrame:
    """The added documents (the user folder's manifest as a table); empty when there are none."""
    folder = Path(folder) if folder is not None else user_documents_dir()
    if not has_manifest(folder):
        return pd.DataFrame(columns=list(FIELDS))
    return read_manifest(folder)


def describe_document(entry: pd.Series | dict) -> str:
    """One line: id, file, kind, edition, countries, sha256 (12 hex)."""
    countries = entry["countries"]
    countries = " ".join(countries) if isinstance(countries, list | tuple) else countries
    edition = "-" if entry["edition"] is None or pd.isna(entry["edition"]) else int(entry["edition"])
    return f"{entry['id']}  {entry['file']}  {entry['kind']}  {edition}  {countries}  {entry['sha256'][:12]}"


def add_document(file: Path | str, *, kind: str | None = None, ident: str | None = None, edition: int | None = None,
                 countries: list[str] | None = None, folder: Path | None = None) -> dict:
    """Register ``file`` in the user documents folder and return its manifest entry.

    Kind, edition and countries are detected where they are not given. Refuses (``ParseError`` naming the
    file and line) what the parser of its kind cannot read, and (``ValidationError``, the failed check's one
    line) a document that fails a check beside the bundled and already added documents.
    """
    from ocdata.inputs import detect

    source = Path(file)
    folder = Path(folder) if folder is not None else user_documents_dir()
    if not source.exists():
        raise InputError("expected a document to add, found no such file", file=source)
    data = read_input_bytes(source, DOCUMENT_MAX_BYTES, "a document")
    sha = hashlib.sha256(data).hexdigest()
    lines = split_lines(data.decode("utf-8", errors="replace"))
    if len(lines) > DOCUMENT_MAX_LINES:
        raise ParseError(f"expected a document of at most {DOCUMENT_MAX_LINES:,} lines, found {len(lines):,}",
                         file=source)
    kind = kind or detect.detect_kind(lines)
    if kind is None:
        first = next((n for n, text in enumerate(lines, 1) if text.strip()), None)
        found = "an empty file" if first is None else f"neither (it starts {_excerpt(lines[first - 1])})"
        raise ParameterError("expected a PDF profile ('HUMAN TRAFFICKING<TAB>6.50' lines) or a web profile (a name, "
                             f"then '4.330.18'), found {found}; name the kind with --kind", file=source, line=first)
    if kind not in KINDS:
        raise ParameterError(f"expected a kind among {', '.join(KINDS)}, found {kind!r}", file=source)
    if edition is None:
        edition = detect.detect_edition(kind, lines)
    if edition is None and kind != "article":
        raise ParameterError("expected to tell the edition from the indicators printed, found no way; name it "
                             "with --edition", file=source)
    countries = list(countries or detect.detect_countries(lines))
    if not countries:
        raise ParameterError("expected a country named on a line of its own, found none; name it with --country "
                             "ISO3 (repeat it, in order, for a file of several countries)", file=source)
    _check_countries(countries, source)
    ident = ident or _id_from(source.stem)
    if not ID_PATTERN.fullmatch(ident):
        raise ParameterError(f"expected an id of lower-case letters, digits and '_', found {ident!r}")
    entry = {"id": ident, "file": f"{ident}{source.suffix or '.txt'}",
             "title": f"{source.name} (added with ocdata add)", "publisher": PUBLISHER, "kind": kind,
             "edition": edition, "countries": countries, "sha256": sha}
    if file_key(entry["file"]).lower() in MANIFEST_NAMES:
        raise ParameterError(f"expected a document file name other than {entry['file']!r}: a document may not be "
                             "named as a manifest; rename it (or choose another --id)", file=source)
    _parse_at_once(source, entry)
    with folder_lock(folder, "the documents folder"):
        existing = list_documents(folder)
        same = existing[existing["sha256"].str.lower() == sha]
        if not same.empty:
            raise ParameterError(f"expected a document not added yet, found the same bytes added as "
                                 f"{same['id'].iloc[0]!r}", file=source)
        taken = set(existing["id"]) | set(read_manifest(raw_dir())["id"])
        if ident in taken:
            raise ParameterError(f"expected a new document id, found {ident!r} in use; choose one with --id")
        own = own_entries(folder)
        _validate(folder, [*_user_entries(folder), *own, entry], entry, data, source)
        _install(folder, [*own, entry], entry, data)
    return entry


def remove_document(ident: str, folder: Path | None = None) -> dict:
    """Remove a document ``ocdata add`` added: its entry in ``sources.ocdata.yaml``, then its file, only while the
    file holds the bytes ``add`` copied (``file_kept`` in the entry returned says when it did not: then the file
    is left where it is). A document listed in the user's own ``sources.yaml`` is refused: ocdata never writes
    that file."""
    folder = Path(folder) if folder is not None else user_documents_dir()
    with folder_lock(folder, "the documents folder"):
        existing = list_documents(folder)
        own = own_entries(folder)
        if ident not in {e["id"] for e in own}:
            if ident in set(existing["id"]):
                raise ParameterError(f"expected a document added with 'ocdata add', found {ident!r} listed in "
                                     f"{folder / MANIFEST_NAME}, a manifest of yours that ocdata never changes "
                                     "(edit it yourself)")
            known = ", ".join(e["id"] for e in own) or "none"
            raise ParameterError(f"expected the id of an added document ({known}), found {ident!r}")
        gone = next(e for e in own if e["id"] == ident)
        rest = [e for e in own if e["id"] != ident]
        try:
            if rest:
                write_text_atomic(folder / ADDED_NAME, _manifest_text(rest))
            else:  # nothing added: no manifest of ocdata's (the user's sources.yaml, if any, stays)
                (folder / ADDED_NAME).unlink()
            target = folder / gone["file"]
            keep = file_sha256(target) != gone["sha256"].lower()
            if not keep:
                target.unlink()
        except OSError as exc:
            raise InputError(f"expected to remove {ident!r}, found {exc.strerror or exc}",
                             file=exc.filename or folder) from None
    return {**gone, "file_kept": keep and (target.exists() or target.is_symlink())}


def own_entries(folder: Path) -> list[dict]:
    """The entries of ocdata's manifest in ``folder`` (``sources.ocdata.yaml``), as written; ``[]`` without one.

    Refuses (``InputError``) a manifest of ocdata's that was edited since ocdata wrote it (its bytes are not
    what ocdata writes for its entries): ocdata never rewrites it then. A ``sources.yaml`` written by an earlier
    ocdata (its bytes exactly what ocdata wrote) is first renamed ``sources.ocdata.yaml``."""
    _adopt_earlier_manifest(folder)
    path = folder / ADDED_NAME
    if not (path.exists() or path.is_symlink()):
        return []
    entries = read_manifest_entries(folder, path)
    if not _as_written(path, entries):
        raise InputError("expected ocdata's manifest as ocdata wrote it, found it edited since; ocdata add and "
                         f"remove never rewrite it then (undo the edit, or move your entries into {MANIFEST_NAME})",
                         file=path)
    return entries


def _user_entries(folder: Path) -> list[dict]:
    """The entries of the user's own ``sources.yaml`` in ``folder`` (``[]`` without one)."""
    path = folder / MANIFEST_NAME
    return read_manifest_entries(folder, path) if path.exists() or path.is_symlink() else []


def _as_written(path: Path, entries: list[dict]) -> bool:
    """Whether ``path`` holds exactly the bytes ocdata writes for ``entries``."""
    return file_sha256(path) == hashlib.sha256(_manifest_text(entries).encode("utf-8")).hexdigest()


def _adopt_earlier_manifest(folder: Path) -> None:
    """Rename a ``sources.yaml`` that an earlier ocdata wrote (byte for byte) to ``sources.ocdata.yaml``."""
    legacy, path = folder / MANIFEST_NAME, folder / ADDED_NAME
    if path.exists() or path.is_symlink() or not legacy.is_file() or legacy.is_symlink():
        return
    try:
        if not legacy.read_bytes().startswith(HEADER.encode("utf-8")):
            return
        entries = read_manifest_entries(folder, legacy)
    except (OSError, InputError, ParseError):
        return
    if _as_written(legacy, entries):
        os.replace(legacy, path)


def _id_from(stem: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    return ident if ident and ident[0].isalnum() else f"doc_{ident}".rstrip("_")


def _check_countries(countries: list[str], source: Path) -> None:
    from ocdata.countries import load_countries

    known = set(load_countries()["iso3"])
    bad = [c for c in countries if c not in known]
    if bad:
        raise ParameterError(f"expected ISO3 codes of the index's countries, found {', '.join(bad)}", file=source)


def _parse_at_once(source: Path, entry: dict) -> None:
    """Read and parse the document where it is, so a refusal names the user's own file and line."""
    from ocdata.build import PARSERS

    row = pd.Series({**entry, "file": source.name, "countries": " ".join(entry["countries"])})
    doc = replace(read_document(source.parent, row), file=str(source))
    PARSERS[doc.kind](doc)


def _manifest_text(entries: list[dict]) -> str:
    return HEADER + yaml.safe_dump({"documents": entries}, sort_keys=False, allow_unicode=True, width=120)


def _validate(folder: Path, entries: list[dict], entry: dict, data: bytes, source: Path) -> None:
    """Build the bundled and added documents with the new one (``entries`` ends with it) in a staging copy;
    refuse on any failed check."""
    from ocdata.build import build, describe_check, first_failure

    parent = folder.parent
    make_folders(parent)
    remove_stale_staging(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.staging-", dir=parent))
    try:
        (staging / STAGING_MARKER).write_text("ocdata add\n", encoding="utf-8")
        for old in entries[:-1]:
            copy = read_input_bytes(folder / old["file"], DOCUMENT_MAX_BYTES, "a document")
            (staging / old["file"]).write_bytes(copy)
        (staging / entry["file"]).write_bytes(data)
        (staging / MANIFEST_NAME).write_text(_manifest_text(entries), encoding="utf-8")
        dataset = build([raw_dir(), staging], workbook=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not dataset.failed.empty:
        sources = dataset.sources.copy()
        sources.loc[sources["id"] == entry["id"], "file"] = str(source)  # name the user's own file
        raise ValidationError(f"{describe_check(first_failure(dataset), sources)} ({len(dataset.failed)} check(s) "
                              f"failed; nothing was added to {folder})")


def remove_stale_staging(folder: Path) -> None:
    """Remove staging copies a killed ``add`` left beside ``folder``: named as ``add`` names them, holding its
    marker, untouched for ``STALE_SECONDS`` (a folder of the user's that only looks like one stays)."""
    cutoff = time.time() - STALE_SECONDS
    name = re.compile(re.escape(f".{folder.name}.staging-") + r"[A-Za-z0-9_]{8}")
    for path in folder.parent.glob(f".{folder.name}.staging-*"):
        with contextlib.suppress(OSError):
            if (name.fullmatch(path.name) and path.is_dir() and not path.is_symlink()
                    and (path / STAGING_MARKER).is_file() and path.stat().st_mtime < cutoff):
                shutil.rmtree(path)


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) with exactly ``data`` (compared only at the same size)."""
    try:
        if path.is_symlink() or check_input_file(path) != len(data):
            return False
        return read_input_bytes(path, len(data)) == data
    except InputError:
        return False


def _install(folder: Path, entries: list[dict], entry: dict, data: bytes) -> None:
    """Copy the document in, then replace ocdata's manifest with ``entries`` (each atomically)."""
    target = folder / entry["file"]
    try:
        make_folders(folder)
        existed = target.exists() or target.is_symlink()
        if existed and not _holds(target, data):
            raise InputError("expected no file of this name in the documents folder (no manifest lists it), found "
                             "one; move it away or choose another --id", file=target)
        write_bytes_atomic(target, data)
        try:
            write_text_atomic(folder / ADDED_NAME, _manifest_text(entries))
        except BaseException:
            if not existed:
                with contextlib.suppress(OSError):
                    target.unlink()
            raise
    except OSError as exc:  # a full or read-only disk: name the file, not "a file"
        reason = "the disk full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
        raise InputError(f"expected to write the document and {ADDED_NAME}, found {reason}; nothing was added",
                         file=exc.filename or target) from None


def _excerpt(text: str, limit: int = 40) -> str:
    """A line as an error quotes it: stripped, at most ``limit`` characters."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")
