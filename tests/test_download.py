"""Downloading the workbook, from a local HTTP server in a thread: nothing reaches the internet."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from workbook_factory import write_workbook

from ocdata.download import WORKBOOK_URL, download_workbook
from ocdata.errors import InputError

NAME = "global_oc_index.xlsx"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server on 127.0.0.1 serving ``good/`` (a factory workbook), ``junk/`` and ``cover/`` files."""
    root = tmp_path / "site"
    for folder in ("good", "junk", "cover"):
        (root / folder).mkdir(parents=True)
    write_workbook(root / "good" / NAME)
    (root / "junk" / NAME).write_bytes(b"<html>Sorry, the page moved</html>")
    write_workbook(root / "cover" / NAME, {})  # a valid xlsx with only the intro sheet
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_into_a_folder_with_a_sidecar(site: tuple[str, Path], tmp_path: Path) -> None:
    base, root = site
    out = tmp_path / "out" / "nested"
    path = download_workbook(to=out, url=f"{base}/good/{NAME}")
    assert path == out / NAME
    assert path.read_bytes() == (root / "good" / NAME).read_bytes()
    record = json.loads((out / f"{NAME}.json").read_text(encoding="utf-8"))
    assert record["url"] == f"{base}/good/{NAME}"
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["editions"] == [2021, 2023, 2025]
    when = datetime.strptime(record["downloaded_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - when).total_seconds()) < 120
    assert _leftovers(out) == []


def test_default_folder_is_the_user_cache(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = site
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    assert download_workbook(url=f"{base}/good/{NAME}") == tmp_path / "cache" / NAME
    assert (tmp_path / "cache" / f"{NAME}.json").is_file()


@pytest.mark.parametrize(("folder", "reason"), [("junk", "expected an .xlsx workbook"), ("cover", "expected a sheet")])
def test_a_file_that_is_not_the_workbook_is_refused(
    site: tuple[str, Path], tmp_path: Path, folder: str, reason: str
) -> None:
    base, _ = site
    out = tmp_path / "out"
    good = download_workbook(to=out, url=f"{base}/good/{NAME}")
    before = good.read_bytes(), (out / f"{NAME}.json").read_text(encoding="utf-8")
    url = f"{base}/{folder}/{NAME}"
    with pytest.raises(InputError) as err:
        download_workbook(to=out, url=url)
    message = str(err.value)
    assert message.startswith(f"{url}: refused the download: ")
    assert reason in message and "\n" not in message
    assert (good.read_bytes(), (out / f"{NAME}.json").read_text(encoding="utf-8")) == before  # kept as it was
    assert _leftovers(out) == []


def test_http_error(site: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = site
    url = f"{base}/missing/{NAME}"
    with pytest.raises(InputError, match=rf"^{url}: download failed: HTTP 404"):
        download_workbook(to=tmp_path / "out", url=url)
    assert list((tmp_path / "out").iterdir()) == []


def test_connection_refused(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens on the port any more
    url = f"http://127.0.0.1:{port}/{NAME}"
    with pytest.raises(InputError, match=rf"^{url}: download failed: ") as err:
        download_workbook(to=tmp_path, url=url)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_malformed_url(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="download failed"):
        download_workbook(to=tmp_path, url="not a url/global_oc_index.xlsx")


def test_default_url_is_the_official_one() -> None:
    assert WORKBOOK_URL == "https://ocindex.net/assets/downloads/global_oc_index.xlsx"
