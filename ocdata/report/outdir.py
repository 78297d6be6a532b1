"""Where ``ocdata report`` may write: never a system folder, never over a file it did not write.

A folder of reports holds ``index.json``, which lists every file each report wrote with its sha256; a file
there is ours when that index lists it, and a report file is replaced only while it still has the bytes ocdata
wrote (a report you edited is yours). ``index.json`` and ``index.html`` themselves are recorded in the folder's
``.ocdata-files.json`` (:mod:`ocdata.outputs.ledger`) and replaced only while they are as recorded; in a folder
of an earlier ocdata, without that record, ``index.html`` must be beside ``index.json`` and be the page it gives.
Before a batch writes anything, the index claims the files it is about to write (``writing``), and each worker
records the digests of a report's files before it replaces them (:data:`ocdata.render.pool.PENDING`); a claimed
file is ocdata's while it is missing or holds bytes its entry or a pending record names, so the next batch may
replace what a killed one wrote, never what you wrote or edited since. Everything is checked before any kernel
starts, and nothing is touched when a check fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

from ocdata.errors import InputError, ParameterError
from ocdata.inputs.files import MB, read_input_bytes
from ocdata.outputs.ledger import LEDGER_NAME, Ledger
from ocdata.render.pool import PENDING, read_pending, write_pending

INDEX_JSON = "index.json"
WRITING = "writing"
"""The key of ``index.json`` listing the files a batch was writing when it stopped (killed, interrupted)."""
INDEX_HTML = "index.html"
INDEX_MAX_BYTES = 32 * MB
"""The largest ``index.json`` read (an index of every report of every edition is far under 1 MB)."""
GENERATOR = "ocdata report"
REPORT_SUFFIXES = (".html", ".csv")
"""What a report may write beside its page: a table of what it shows."""
PDF_SUFFIX = ".pdf"
"""The page printed (``ocdata report --pdf``)."""
FOLDER_MODE = 0o755
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys",
                "/usr")
"""Folders that, and whose insides, never hold reports."""
SYSTEM_FOLDERS = ("/", "/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/var")
"""Folders that never hold reports themselves (their subfolders may)."""


def check_out_dir(out: Path | str) -> Path:
    """``out`` as an absolute path, if reports may go there: not a file, not a system folder, not the home
    folder itself; ParameterError otherwise."""
    given = Path(out).expanduser()
    path = given.resolve()
    if path.exists() and not path.is_dir():
        raise ParameterError(f"--out {given}: expected a folder for the reports, found a file")
    text = str(path)
    if text in SYSTEM_FOLDERS or any(text == t or text.startswith(t + "/") for t in SYSTEM_TREES):
        raise ParameterError(f"--out {given}: expected a folder of your own for the reports, found the system folder "
                             f"{text}")
    if path == Path.home().resolve():
        raise ParameterError(f"--out {given}: expected a folder of your own for the reports, found your home folder "
                             "itself (name a subfolder, such as ~/reports)")
    return path


def read_index(out: Path) -> dict | None:
    """Our ``index.json`` in ``out`` as ``{"partial": bool, "reports": {name: entry}, "writing": [file]}``; None
    when there is none.

    An index that ocdata did not write (not JSON, or not shaped like ours) raises InputError: the folder is
    someone else's. An index of earlier versions (a plain mapping of report entries) counts as ours.
    """
    path = out / INDEX_JSON
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        content = json.loads(read_input_bytes(path, INDEX_MAX_BYTES, "an index").decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"expected the index.json of ocdata's reports, found {type(exc).__name__}", file=path) from exc
    except RecursionError:
        raise InputError("expected the index.json of ocdata's reports, found JSON nested too deeply",
                         file=path) from None
    if isinstance(content, dict) and content.get("generator") == GENERATOR and isinstance(content.get("reports"), dict):
        reports = content["reports"]
    elif isinstance(content, dict) and content and all(isinstance(e, dict) and "kind" in e for e in content.values()):
        reports = {name: {**entry, "files": [f"{name}.html"]} for name, entry in content.items()}
    else:
        raise InputError("expected the index.json of ocdata's reports, found another file of that name", file=path)
    entries = {str(name): _entry(entry) for name, entry in reports.items() if isinstance(entry, dict)}
    writing = content.get(WRITING)
    writing = sorted({f for f in writing if isinstance(f, str) and _plain(f)}) if isinstance(writing, list) else []
    return {"partial": content.get("partial") is True, "reports": entries, "writing": writing}


def _entry(entry: dict) -> dict:
    """An index entry with only fields of the types ocdata writes (a field of another type is left out, a score
    that is not a finite number is none): the index page never meets anything else."""
    kept: dict = {key: entry[key] for key in ("kind", "title", "region") if isinstance(entry.get(key), str)}
    edition = entry.get("edition")
    if isinstance(edition, int) and not isinstance(edition, bool) and 0 < edition < 10_000:
        kept["edition"] = edition
    if isinstance(entry.get("countries"), list):
        kept["countries"] = [c for c in entry["countries"] if isinstance(c, str)]
    if isinstance(entry.get("scores"), list):
        kept["scores"] = [{**({"country": s["country"]} if isinstance(s.get("country"), str) else {}),
                           **_scores(s)} for s in entry["scores"] if isinstance(s, dict)]
    if isinstance(entry.get("map"), dict):
        kept["map"] = {c: _scores(s) for c, s in entry["map"].items() if isinstance(c, str) and isinstance(s, dict)}
    files = entry.get("files")
    kept["files"] = [f for f in files if isinstance(f, str) and _plain(f)] if isinstance(files, list) else []
    digests = entry.get("sha256")
    kept["sha256"] = {f: d for f, d in digests.items() if f in kept["files"] and isinstance(d, str)} \
        if isinstance(digests, dict) else {}
    return kept


def _scores(scores: dict) -> dict:
    return {key: _number(scores.get(key)) for key in ("criminality", "resilience")}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def recorded_digests(index: dict | None) -> dict[str, str]:
    """The sha256 the index records for each report file ocdata wrote (files of older indexes have none; the
    index page itself is regenerated on every batch)."""
    if index is None:
        return {}
    return {f: d for entry in index["reports"].values() for f, d in entry.get("sha256", {}).items()}


def pending_digests(out: Path) -> dict[str, set[str]]:
    """The digests the folder's pending records name for each file: bytes a worker was about to write."""
    found: dict[str, set[str]] = {}
    folder = out / PENDING
    if folder.is_symlink() or not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        for file, digests in (read_pending(path) or {}).items():
            found.setdefault(file, set()).update(digests)
    return found


def settle_pending(out: Path, entries: dict[str, dict]) -> None:
    """After a batch, with no worker writing: each pending record keeps only the files that hold bytes it names
    and that no entry records; a record left empty is removed (and the folder of records, once empty)."""
    folder = out / PENDING
    if folder.is_symlink() or not folder.is_dir():
        return
    recorded = recorded_digests({"reports": entries})
    for path in sorted(folder.glob("*.json")):
        record = read_pending(path)
        if record is None:
            continue  # not a record of ocdata's: left alone
        kept = {}
        for file, digests in record.items():
            current = file_sha256(out / file) if (out / file).is_file() and not (out / file).is_symlink() else None
            if current in digests and current != recorded.get(file):
                kept[file] = {current}
        if not kept:
            path.unlink(missing_ok=True)
        elif kept != record:
            write_pending(out, path.stem, kept)
    with contextlib.suppress(OSError):
        folder.rmdir()


def report_files(name: str, pdf: bool = False) -> list[str]:
    """The files a report named ``name`` may write: its page and its table (``NAME.csv``), with ``pdf`` its
    printed page (``NAME.pdf``); a file of any of these names that ocdata did not write is refused like any
    other."""
    return [f"{name}{suffix}" for suffix in REPORT_SUFFIXES + ((PDF_SUFFIX,) if pdf else ())]


def _plain(name: str) -> bool:
    return "/" not in name and "\\" not in name and name not in ("", ".", "..") and not name.startswith(".")


def owned_files(index: dict | None) -> set[str]:
    """The files of a folder of reports that ocdata wrote: those its index lists, those a stopped batch was
    writing, the index itself."""
    if index is None:
        return set()
    listed = {f for entry in index["reports"].values() for f in entry["files"]}
    return listed | set(index.get("writing", ())) | {INDEX_JSON, INDEX_HTML}


def check_writable(out: Path, files: Iterable[str]) -> dict | None:
    """Refuse, naming it, any of ``files`` that exists in ``out`` and that ocdata did not write, and an index
    (``index.json``, ``index.html``) that is not ocdata's as it wrote it; our index of ``out`` (None when there is
    none)."""
    if not out.exists():
        return None
    index = read_index(out)
    _check_index_files(out, index)
    ours = owned_files(index)
    digests = recorded_digests(index)
    pending = pending_digests(out)
    claimed = set(index["writing"]) if index else set()
    legacy = {f for entry in (index or {"reports": {}})["reports"].values() for f in entry["files"]
              if f not in entry["sha256"]}
    for name in files:
        target = out / name
        if (target.exists() or target.is_symlink()) and name not in ours:
            raise ParameterError(f"{target}: expected a file ocdata wrote (listed in {out / INDEX_JSON}), found a "
                                 "file of yours; ocdata report never overwrites it (choose another --out)")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise ParameterError(f"{target}: expected a report file, found a link or folder")
        if not target.is_file() or (name in legacy and name not in digests):
            continue  # missing, or a page of an earlier ocdata's index (which recorded no digest)
        if (name in digests or name in claimed) and file_sha256(target) not in {digests.get(name),
                                                                                 *pending.get(name, ())}:
            raise ParameterError(f"{target}: expected the file as ocdata wrote it (sha256 in {out / INDEX_JSON}), "
                                 "found it changed since; ocdata report never overwrites your edits (move it away "
                                 "or choose another --out)")
    return index


def _check_index_files(out: Path, index: dict | None) -> None:
    """Refuse an ``index.json`` or ``index.html`` in ``out`` that ocdata may not replace: one changed since ocdata
    recorded writing it, or, where nothing is recorded, an ``index.json`` without the ``index.html`` it gives
    beside it, or an ``index.html`` other than that page (a page of yours beside an index of an earlier ocdata, or
    a folder of your own)."""
    ledger = Ledger.read(out)
    for name in (INDEX_HTML, INDEX_JSON):  # a page of yours is named first
        target = out / name
        if not (target.exists() or target.is_symlink()):
            continue
        if target.is_symlink() or not target.is_file():
            raise ParameterError(f"{target}: expected a report file, found a link or folder")
        if ledger.recorded(target) is not None:
            if not ledger.owns(target):
                raise ParameterError(f"{target}: expected the file as ocdata wrote it (sha256 in "
                                     f"{out / LEDGER_NAME}), found it changed since; ocdata report never overwrites "
                                     "your edits (move it away or choose another --out)")
        elif name == INDEX_JSON and not ((out / INDEX_HTML).is_file() and not (out / INDEX_HTML).is_symlink()
                                         and _earlier_index_page(out, out / INDEX_HTML, index)):
            raise ParameterError(f"{target}: expected the index ocdata wrote (recorded in {out / LEDGER_NAME}, or "
                                 "beside the index.html it gives), found a file of yours; ocdata report never "
                                 "overwrites it (move it away or choose another --out)")
        elif name == INDEX_HTML and not _earlier_index_page(out, target, index):
            raise ParameterError(f"{target}: expected the index page ocdata wrote (recorded in {out / LEDGER_NAME}, "
                                 "or the page its index.json gives), found a file of yours; ocdata report never "
                                 "overwrites it (move it away or choose another --out)")


def _earlier_index_page(out: Path, page: Path, index: dict | None) -> bool:
    """Whether ``page``, in a folder without a record of ocdata's, is exactly the page ``index`` gives."""
    if index is None:
        return False
    from ocdata.report.index import existing, index_html

    expected = index_html(existing(out, index["reports"]), partial=index["partial"], out=out)
    return file_sha256(page) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def make_out_dir(out: Path) -> Path:
    """Create ``out`` (and missing parents) readable by others (0755)."""
    missing = [p for p in [out, *out.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    return out
