"""Where ``ocdata report`` may write: never a system folder, never over a file it did not write.

A folder of reports holds ``index.json``, which lists every file each report wrote with its sha256; a file
there is ours when that index lists it, and a report file is replaced only while it still has the bytes ocdata
wrote (a report you edited is yours). ``index.json`` and ``index.html`` themselves are recorded in the folder's
``.ocdata-files.json`` (:mod:`ocdata.outputs.ledger`) and replaced only while they are as recorded; in a folder
of an earlier ocdata, without that record, ``index.html`` must be the page its ``index.json`` gives. Before a batch
writes anything, the index claims the files it is about to write (``writing``); a batch killed outright leaves that
claim, so the next batch may replace what it had written. Everything is checked before
any kernel starts, and nothing is touched when a check fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from ocdata.errors import InputError, ParameterError
from ocdata.outputs.ledger import LEDGER_NAME, Ledger

INDEX_JSON = "index.json"
WRITING = "writing"
"""The key of ``index.json`` listing the files a batch was writing when it stopped (killed, interrupted)."""
INDEX_HTML = "index.html"
GENERATOR = "ocdata report"
REPORT_SUFFIXES = (".html", ".csv")
"""What a report may write beside its page: a table of what it shows."""
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
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"expected the index.json of ocdata's reports, found {type(exc).__name__}", file=path) from exc
    if isinstance(content, dict) and content.get("generator") == GENERATOR and isinstance(content.get("reports"), dict):
        reports = content["reports"]
    elif isinstance(content, dict) and content and all(isinstance(e, dict) and "kind" in e for e in content.values()):
        reports = {name: {**entry, "files": [f"{name}.html"]} for name, entry in content.items()}
    else:
        raise InputError("expected the index.json of ocdata's reports, found another file of that name", file=path)
    entries = {str(name): entry for name, entry in reports.items() if isinstance(entry, dict)}
    for entry in entries.values():
        entry["files"] = [f for f in entry.get("files", []) if isinstance(f, str) and _plain(f)]
        digests = entry.get("sha256")
        entry["sha256"] = {f: d for f, d in digests.items() if f in entry["files"] and isinstance(d, str)} \
            if isinstance(digests, dict) else {}
    writing = content.get(WRITING)
    writing = sorted({f for f in writing if isinstance(f, str) and _plain(f)}) if isinstance(writing, list) else []
    return {"partial": bool(content.get("partial", False)), "reports": entries, "writing": writing}


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def recorded_digests(index: dict | None) -> dict[str, str]:
    """The sha256 the index records for each report file ocdata wrote (files of older indexes have none; the
    index page itself is regenerated on every batch); none for a file a stopped batch was writing."""
    if index is None:
        return {}
    writing = set(index.get("writing", ()))
    return {f: d for entry in index["reports"].values() for f, d in entry.get("sha256", {}).items()
            if f not in writing}


def report_files(name: str) -> list[str]:
    """The files a report named ``name`` may write: its page and its table (``NAME.csv``); a file of either
    name that ocdata did not write is refused like any other."""
    return [f"{name}{suffix}" for suffix in REPORT_SUFFIXES]


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
    for name in files:
        target = out / name
        if (target.exists() or target.is_symlink()) and name not in ours:
            raise ParameterError(f"{target}: expected a file ocdata wrote (listed in {out / INDEX_JSON}), found a "
                                 "file of yours; ocdata report never overwrites it (choose another --out)")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise ParameterError(f"{target}: expected a report file, found a link or folder")
        if target.is_file() and name in digests and file_sha256(target) != digests[name]:
            raise ParameterError(f"{target}: expected the file as ocdata wrote it (sha256 in {out / INDEX_JSON}), "
                                 "found it changed since; ocdata report never overwrites your edits (move it away "
                                 "or choose another --out)")
    return index


def _check_index_files(out: Path, index: dict | None) -> None:
    """Refuse an ``index.json`` or ``index.html`` in ``out`` that ocdata may not replace: one changed since ocdata
    recorded writing it, or, where nothing is recorded, an ``index.html`` other than the page ``index.json``
    gives (a page of yours beside an index of an earlier ocdata, or a folder of your own)."""
    ledger = Ledger.read(out)
    for name in (INDEX_JSON, INDEX_HTML):
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
        elif name == INDEX_HTML and not _earlier_index_page(out, target, index):
            raise ParameterError(f"{target}: expected the index page ocdata wrote (recorded in {out / LEDGER_NAME}, "
                                 "or the page its index.json gives), found a file of yours; ocdata report never "
                                 "overwrites it (move it away or choose another --out)")


def _earlier_index_page(out: Path, page: Path, index: dict | None) -> bool:
    """Whether ``page``, in a folder without a record of ocdata's, is exactly the page ``index`` gives."""
    if index is None:
        return False
    from ocdata.report.index import existing, index_html

    expected = index_html(existing(out, index["reports"]), partial=index["partial"])
    return file_sha256(page) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def make_out_dir(out: Path) -> Path:
    """Create ``out`` (and missing parents) readable by others (0755)."""
    missing = [p for p in [out, *out.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    return out
