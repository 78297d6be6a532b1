"""Fetch the official workbook into a folder, keeping it only if it reads as a workbook of the index.

>>> from ocdata import download
>>> path = download.download_workbook()           # into the user cache; ocdata.load() then reads it
>>> download.latest_workbook()                    # the newest intact download, or None
>>> download.list_downloads()                     # one dict per download: url, sha256, bytes, release, ...

Each download is kept under its own name, ``<stem>-<first 12 hex of its sha256>.xlsx``, with a record beside it
(``<file>.json``: url, sha256, bytes, release, editions, download time), so two different files fetched from the
same address never replace each other. Only an .xlsx workbook is kept: a CSV or Parquet table (which
``--workbook FILE`` reads) is refused, so every download and the default workbook are .xlsx files.
``latest_workbook`` finds the newest intact one in the user cache. Every failure (a malformed address, a
redirect to one, a connection that breaks, a body cut short) is one ``OcdataError`` line naming the address.
This module imports no spreadsheet reader until a download needs one: ``latest_workbook`` stays light.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ocdata.errors import InputError, OcdataError, ParameterError
from ocdata.inputs.files import read_input_bytes
from ocdata.outputs.atomic import write_text_atomic
from ocdata.paths import PACKAGE_DATA, cache_dir

__all__ = [
    "describe_download",
    "download_workbook",
    "latest_workbook",
    "list_downloads",
    "load_releases",
    "release_of",
]

WORKBOOK_URL = "https://ocindex.net/assets/downloads/global_oc_index.xlsx"
DEADLINE_SECONDS = 300
"""The whole download (connecting, every byte) must finish within this many seconds."""
SOCKET_TIMEOUT_SECONDS = 30
"""No single connect or read may wait longer than this."""
MAX_BYTES = 64 * 1024 * 1024
"""The largest file accepted (the official workbook is well under 1 MB)."""
CHUNK_BYTES = 64 * 1024
RELEASES_CSV = PACKAGE_DATA / "releases.csv"
RECORD_SUFFIX = ".json"
RECORD_MAX_BYTES = 64 * 1024
"""The largest download record read (a record is a few hundred bytes)."""
PARTIAL = re.compile(r"\..+\.ocdata-partial-[A-Za-z0-9_]{8}\.tmp\.xlsx")
"""The name of a partial download (``tempfile.mkstemp``'s, with ocdata's mark): nothing else is ever removed."""


@cache
def load_releases() -> tuple[dict[str, str], ...]:
    """The known releases (``releases.csv``): ``release``, ``url`` (may be blank), pinned ``sha256``."""
    with RELEASES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = tuple(dict(row) for row in csv.DictReader(handle))
    for row in rows:
        assert len(row["sha256"]) == 64, f"{RELEASES_CSV.name}: release {row['release']}: expected a sha256"
    return rows


def release_of(sha256: str) -> str | None:
    """The name of the known release with this sha256, if any."""
    return next((r["release"] for r in load_releases() if r["sha256"] == sha256), None)


def _pinned(url: str, release: str | None) -> tuple[str, str] | None:
    """``(release, sha256)`` a download must match: the named release, else the release pinned to ``url``."""
    releases = load_releases()
    if release is not None:
        match = [r for r in releases if r["release"] == release]
        if not match:
            known = ", ".join(r["release"] for r in releases)
            raise ParameterError(f"expected a known release ({known}), found {release!r}")
        return match[0]["release"], match[0]["sha256"]
    match = [r for r in releases if r["url"] and r["url"] == url]
    return (match[0]["release"], match[0]["sha256"]) if match else None


def download_workbook(to: Path | str | None = None, url: str | None = None, release: str | None = None) -> Path:
    """Download the workbook into the folder ``to`` (default: ``cache_dir()``) and return its path.

    ``url`` is any http or https address (default: the official one). With ``release`` (or a ``url`` pinned in
    ``releases.csv``) the file must have that release's sha256. The file is written through a temporary file,
    removed on any failure or interruption, and kept only if ``read_workbook`` accepts it.
    """
    url = url or WORKBOOK_URL
    problem = url_problem(url)
    if problem is not None:
        raise ParameterError(problem, file=url)
    folder = Path(to) if to is not None else cache_dir()
    if folder.exists() and not folder.is_dir():
        raise ParameterError("expected a folder to download into, found a file", file=folder)
    pinned = _pinned(url, release)
    stem = Path(urlsplit(url).path).stem or "global_oc_index"
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(folder)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.ocdata-partial-", suffix=".tmp.xlsx")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = fetch(url, out)
        if pinned is not None and digest != pinned[1]:
            raise InputError(f"expected the {pinned[0]} release (sha256 {pinned[1][:12]}…), found sha256 "
                             f"{digest[:12]}…", file=url)
        _refuse_a_table(tmp, url)
        from ocdata.inputs.workbook import read_workbook

        target = folder / f"{stem}-{digest[:12]}.xlsx"
        try:
            table = read_workbook(tmp, name=target.name)
        except OcdataError as exc:  # named by the address the user gave, with the place in the file (not our name)
            where = f" (line {exc.line})" if exc.line is not None and exc.file == target.name else ""
            raise InputError(f"refused the download{where}: {exc.detail}", file=url) from None
        _refuse_a_changed_file(target, digest)
        tmp.chmod(0o644)  # mkstemp makes files private; a downloaded workbook is not
        os.replace(tmp, target)  # a file of this name is missing or has these very bytes: nothing is lost
    finally:
        tmp.unlink(missing_ok=True)
    record = {
        "file": target.name,
        "url": url,
        "sha256": digest,
        "bytes": size,
        "release": release_of(digest),
        "editions": sorted(int(e) for e in table["edition"].unique()),
        "downloaded_utc": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
    }
    write_text_atomic(record_path(target), json.dumps(record, indent=2) + "\n")
    return target


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be downloaded from (``expected ..., found ...``), or None: it must be an http or https
    address with a host, a numeric port if any, and no space or control character."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number from 0 to 65535
    except ValueError as exc:
        reason = " ".join(str(exc).split())
        return f"expected a well-formed http or https address, found one that does not parse ({reason})"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return f"expected an http or https address, found {scheme or 'no'} scheme"
    bad = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        return f"expected an address without spaces or control characters, found {bad!r}"
    if not parts.hostname:
        return "expected an http or https address with a host name, found none"
    return None


def _refuse_a_table(path: Path, url: str) -> None:
    """Refuse a download that is not an .xlsx file (by its first bytes): a CSV or Parquet table is read from a
    file the user names (``--workbook FILE``), never kept as the default workbook."""
    from ocdata.inputs.workbook import PARQUET_MAGIC
    from ocdata.inputs.xlsx_guard import OLE_MAGIC, ZIP_MAGIC

    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        return
    found = ("an empty file" if not head else "a Parquet table" if head.startswith(PARQUET_MAGIC)
             else f"a file starting with {head[:4]!r} (a CSV table, a web page?)")
    raise InputError(f"refused the download: expected an .xlsx workbook, found {found}; a CSV or Parquet table "
                     "is read with --workbook FILE instead", file=url)


def _refuse_a_changed_file(target: Path, digest: str) -> None:
    """Refuse (``InputError``) to replace ``target`` unless it is missing or already has the bytes downloaded
    (its name carries their sha256: other bytes there are a file edited since, or one of the user's)."""
    if not (target.exists() or target.is_symlink()):
        return
    if target.is_file() and not target.is_symlink() and _sha256_of(target) == digest:
        return
    raise InputError("expected no file of this name or the same download, found other bytes (a workbook edited "
                     "since it was downloaded, or a file of yours): ocdata never replaces it; move it away",
                     file=target)


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove partial files a killed download left in ``folder`` (named by ``PARTIAL`` and older than twice the
    deadline: no live download can still own them); the paths removed."""
    cutoff = time.time() - 2 * DEADLINE_SECONDS
    removed = []
    for path in folder.glob(".*.tmp.xlsx"):
        if not PARTIAL.fullmatch(path.name):
            continue
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
    return removed


def record_path(workbook: Path) -> Path:
    """The record kept beside a downloaded workbook."""
    return workbook.with_name(workbook.name + RECORD_SUFFIX)


def fetch(url: str, out) -> tuple[str, int]:
    """Copy the body at ``url`` into the open binary file ``out``; its sha256 and size.

    Bounded: at most ``MAX_BYTES`` and ``DEADLINE_SECONDS`` in all. Failures are one-line InputErrors.
    """
    import http.client  # here, not at the top: this module is imported by every load()
    import urllib.error
    import urllib.request

    class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        """Follow a redirect only to another well-formed http or https address: its ``Location`` is checked
        before urllib parses it, and the address urllib makes of it again before it is opened."""

        def http_error_302(self, req, fp, code, msg, headers):
            location = headers.get("location") or headers.get("uri")
            if location is not None:
                try:
                    target = location if urlsplit(location).scheme else urljoin(req.full_url, location)
                except ValueError:
                    target = location
                problem = url_problem(target)
                if problem is not None:
                    fp.close()
                    raise InputError(f"{problem} in a redirect to {location}", file=url)
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            problem = url_problem(newurl)
            if problem is not None:
                raise InputError(f"{problem} in a redirect to {newurl}", file=url)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    deadline = time.monotonic() + DEADLINE_SECONDS
    digest, size = hashlib.sha256(), 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "ocdata"})
        timeout = min(SOCKET_TIMEOUT_SECONDS, DEADLINE_SECONDS)
        opener = urllib.request.build_opener(HttpOnlyRedirects)
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length is not None and length.strip().isdigit() else None
            if expected is not None and expected > MAX_BYTES:
                raise InputError(f"expected at most {MAX_BYTES} bytes, found a file of {expected}", file=url)
            while chunk := response.read1(CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise InputError(f"expected at most {MAX_BYTES} bytes, found more", file=url)
                if time.monotonic() > deadline:
                    raise InputError(f"expected the download to finish within {DEADLINE_SECONDS} s, found "
                                     f"{size} bytes by then", file=url)
                digest.update(chunk)
                out.write(chunk)
            if expected is not None and size != expected:
                raise InputError(f"expected {expected} bytes (its Content-Length), found {size}: the download was cut "
                                 "short", file=url)
    except urllib.error.HTTPError as exc:
        reason = " ".join(str(exc.reason).split())  # one line, whatever urllib's text (a redirect loop has three)
        raise InputError(f"download failed: HTTP {exc.code} {reason}", file=url) from None
    except urllib.error.URLError as exc:
        raise InputError(f"download failed: {' '.join(str(exc.reason).split())}", file=url) from None
    except InputError:
        raise
    except http.client.HTTPException as exc:  # a body cut short (IncompleteRead), a bad status line, a bad url
        raise InputError(f"download failed: {_reason(exc)}", file=url) from None
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed urls
        raise InputError(f"download failed: {_reason(exc)}", file=url) from None
    return digest.hexdigest(), size


def _reason(exc: BaseException) -> str:
    """An exception of the network or of url parsing as one line: its text, with its type where that helps."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    if not text:
        return name
    return text if text.startswith(name) or isinstance(exc, OSError | ValueError) else f"{name}: {text}"


def _record_names(folder: Path) -> list[str]:
    """The names of the records in ``folder``, sorted; none if the folder does not exist. A folder that cannot
    be listed (a file, a link loop, no permission, a name too long) is an ``InputError`` naming it."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(f"expected a folder of downloaded workbooks that can be read, found {reason}",
                         file=folder) from None
    return sorted(n for n in names if n.endswith(".xlsx" + RECORD_SUFFIX) and not n.startswith("."))


def list_downloads(folder: Path | str | None = None) -> list[dict]:
    """The downloads recorded in ``folder`` (default: ``cache_dir()``), newest first; none if the folder does
    not exist, an ``InputError`` if it cannot be read.

    Each is its record plus ``path`` and ``status``: ``ok``, ``missing`` (the file is gone) or ``changed``
    (its bytes no longer have the recorded sha256).
    """
    folder = Path(folder) if folder is not None else cache_dir()
    found = []
    for path in (folder / name for name in _record_names(folder)):
        try:
            record = json.loads(read_input_bytes(path, RECORD_MAX_BYTES, "a download record").decode("utf-8"))
            workbook = folder / Path(record["file"]).name
            when = parse_time(record["downloaded_utc"])
            sha = str(record["sha256"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError, InputError):
            continue  # not a record of ours (or not a regular file of a record's size)
        if not workbook.is_file():
            status = "missing"
        elif workbook.stat().st_size != record.get("bytes") or _sha256_of(workbook) != sha:
            status = "changed"
        else:
            status = "ok"
        found.append({**record, "path": workbook, "status": status, "_when": when})
    found.sort(key=lambda r: (r["_when"], r["file"]), reverse=True)
    return [{k: v for k, v in r.items() if k != "_when"} for r in found]


def parse_time(text: str) -> datetime:
    """A record's UTC download time (ISO 8601 ending in ``Z``)."""
    when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def latest_workbook() -> Path | None:
    """The newest downloaded workbook in the user cache that is still intact (by its record's download time);
    ``None`` when there is none, or the cache is a file (no download can be in it: ``load()`` goes on, and
    warns that it cannot save there); ``InputError`` if the cache is a folder that cannot be read, as for
    ``ocdata download --list``."""
    folder = cache_dir()
    with contextlib.suppress(OSError):
        if stat.S_ISREG(folder.stat().st_mode):
            return None
    return next((r["path"] for r in list_downloads(folder) if r["status"] == "ok"), None)


def describe_download(record: dict) -> str:
    """One line: file, sha256 (12 hex), release or editions, download time, url (and a problem, if any)."""
    editions = "/".join(str(e) for e in record.get("editions") or [])
    release = f"release {record['release']}" if record.get("release") else "editions " + (editions or "?")
    if record.get("release") and editions:
        release += f" ({editions})"
    when = parse_time(record["downloaded_utc"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    line = f"{record['file']}  {record['sha256'][:12]}  {release}  {when}  {record['url']}"
    if record["status"] == "missing":
        line += "  [file missing]"
    elif record["status"] == "changed":
        line += "  [file changed since download]"
    return line


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
