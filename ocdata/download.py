"""Fetch the official workbook into a folder, keeping it only if it reads as a workbook of the index."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ocdata.errors import InputError, OcdataError
from ocdata.manifest import sha256_of
from ocdata.paths import cache_dir
from ocdata.workbook import read_workbook

WORKBOOK_URL = "https://ocindex.net/assets/downloads/global_oc_index.xlsx"
TIMEOUT_SECONDS = 60


def download_workbook(to: Path | None = None, url: str | None = None) -> Path:
    """Download the workbook into the folder ``to`` (default: ``cache_dir()``) and return its path.

    The file is written through a temporary file and kept only if ``read_workbook`` accepts it (at least
    one ``NNNN_dataset`` sheet, every header, country and score understood). Beside it, ``<name>.json``
    records the url, the sha256 and the UTC time of the download.
    """
    url = url or WORKBOOK_URL
    folder = Path(to) if to is not None else cache_dir()
    name = Path(urlsplit(url).path).name or "global_oc_index.xlsx"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp.xlsx")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _fetch(url, out)
        try:
            table = read_workbook(tmp, name=name)
        except OcdataError as exc:
            raise InputError(f"refused the download: {exc}", file=url) from None
        tmp.chmod(0o644)  # mkstemp makes files private; a downloaded workbook is not
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    record = {
        "file": name,
        "url": url,
        "sha256": sha256_of(target),
        "bytes": target.stat().st_size,
        "downloaded_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "editions": sorted(int(e) for e in table["edition"].unique()),
    }
    _write_text_atomic(target.with_name(name + ".json"), json.dumps(record, indent=2) + "\n")
    return target


def _fetch(url: str, out) -> None:
    """Copy the body at ``url`` into the open file ``out``; network failures become one-line InputErrors."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "ocdata"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            shutil.copyfileobj(response, out)
    except urllib.error.HTTPError as exc:
        raise InputError(f"download failed: HTTP {exc.code} {exc.reason}", file=url) from None
    except urllib.error.URLError as exc:
        raise InputError(f"download failed: {' '.join(str(exc.reason).split())}", file=url) from None
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed urls
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"download failed: {reason}", file=url) from None


def _write_text_atomic(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        Path(tmp).chmod(0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
