"""Downloading the workbook, from a local HTTP server in a thread: nothing reaches the internet."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from workbook_factory import official_sheets, write_csv, write_parquet, write_workbook

from ocdata import download
from ocdata.download import WORKBOOK_URL, download_workbook, latest_workbook, list_downloads
from ocdata.errors import InputError, ParameterError
from ocdata.inputs.workbook import read_workbook
from ocdata.paths import PROJECT_DIR

NAME = "global_oc_index.xlsx"
OFFICIAL_2023 = Path(os.environ.get("OCDATA_WORKBOOK")
                     or PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx")
"""The official 2023 release: ``$OCDATA_WORKBOOK``, as the other tests find it, else ``../shared/data``."""
SHA_2023 = "a8c8966ba5ffebdfb8dfc6fb182931b69df5dfd7de2618bb347bd3936557f9ef"


REDIRECTS = {"port": "http://127.0.0.1:abc/x.xlsx", "host": "http://[zz]/x.xlsx", "ipv6": "http://[::1/x.xlsx",
             "nohost": "http:///x.xlsx", "file": "file:///etc/passwd"}
"""``/redirect/<key>`` answers 302 to these addresses."""


class Handler(SimpleHTTPRequestHandler):
    """Files from a folder, plus ``/drip``: a body without a length, one byte every 50 ms for a minute;
    ``/redirect/<key>``: a redirect to a malformed address (``REDIRECTS``); ``/chunked``: a chunked body that
    breaks off inside its first chunk."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path.rsplit("/", 1)[-1]])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"400\r\n" + b"x" * 100)  # promises 1024 bytes, sends 100, hangs up
            self.wfile.flush()
            self.close_connection = True
            return None
        if not self.path.startswith("/drip"):
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            for _ in range(1200):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client went away
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early is what some tests do


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server on 127.0.0.1 serving ``good/`` and ``other/`` (two factory workbooks), ``junk/``, ``cover/``."""
    root = tmp_path / "site"
    for folder in ("good", "other", "junk", "cover", "big"):
        (root / folder).mkdir(parents=True)
    write_workbook(root / "good" / NAME)
    write_workbook(root / "other" / NAME, intro=False)
    (root / "junk" / NAME).write_bytes(b"<html>Sorry, the page moved</html>")
    write_workbook(root / "cover" / NAME, {})  # a valid xlsx with only the intro sheet
    (root / "big" / NAME).write_bytes(b"\0" * 200_000)
    handler = functools.partial(Handler, directory=str(root))
    server = Server(("127.0.0.1", 0), handler)
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


def _name_of(path: Path) -> str:
    return f"global_oc_index-{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}.xlsx"


def test_download_into_a_folder_with_a_record(site: tuple[str, Path], tmp_path: Path) -> None:
    base, root = site
    out = tmp_path / "out" / "nested"
    path = download_workbook(to=out, url=f"{base}/good/{NAME}")
    assert path == out / _name_of(root / "good" / NAME)
    assert path.read_bytes() == (root / "good" / NAME).read_bytes()
    assert path.stat().st_mode & 0o777 == 0o644
    record = json.loads((out / f"{path.name}.json").read_text(encoding="utf-8"))
    assert record["url"] == f"{base}/good/{NAME}"
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["bytes"] == path.stat().st_size
    assert record["editions"] == [2021, 2023, 2025]
    assert record["release"] is None  # a factory workbook is no known release
    when = download.parse_time(record["downloaded_utc"])
    assert abs((datetime.now(UTC) - when).total_seconds()) < 120
    assert _leftovers(out) == []


def test_default_folder_is_the_user_cache_and_latest_finds_it(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = site
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    assert latest_workbook() is None
    path = download_workbook(url=f"{base}/good/{NAME}")
    assert path == tmp_path / "cache" / _name_of(root / "good" / NAME)
    assert latest_workbook() == path


def test_two_different_files_of_one_name_are_both_kept(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = site
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    first = download_workbook(url=f"{base}/good/{NAME}")
    second = download_workbook(url=f"{base}/other/{NAME}")
    assert first != second and first.name.startswith("global_oc_index-")
    assert first.read_bytes() == (root / "good" / NAME).read_bytes()
    assert second.read_bytes() == (root / "other" / NAME).read_bytes()
    assert [r["path"] for r in list_downloads()] == [second, first]  # newest first
    assert latest_workbook() == second
    again = download_workbook(url=f"{base}/good/{NAME}")  # the same bytes again: the same file, a newer record
    assert again == first
    assert latest_workbook() == first


def test_latest_skips_a_missing_or_changed_file(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = site
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    first = download_workbook(url=f"{base}/good/{NAME}")
    second = download_workbook(url=f"{base}/other/{NAME}")
    data = bytearray(second.read_bytes())
    data[-1] ^= 0xFF
    second.write_bytes(bytes(data))  # same size, other bytes
    assert latest_workbook() == first
    assert [r["status"] for r in list_downloads()] == ["changed", "ok"]
    first.unlink()
    assert latest_workbook() is None
    assert [r["status"] for r in list_downloads()] == ["changed", "missing"]


@pytest.mark.parametrize(("folder", "reason"), [("junk", "expected an .xlsx workbook"), ("cover", "expected a sheet")])
def test_a_file_that_is_not_the_workbook_is_refused(
    site: tuple[str, Path], tmp_path: Path, folder: str, reason: str
) -> None:
    base, _ = site
    out = tmp_path / "out"
    good = download_workbook(to=out, url=f"{base}/good/{NAME}")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    url = f"{base}/{folder}/{NAME}"
    with pytest.raises(InputError) as err:
        download_workbook(to=out, url=url)
    message = str(err.value)
    assert message.startswith(f"{url}: refused the download")
    assert reason in message and "\n" not in message
    assert not re.search(r"-[0-9a-f]{12}\.xlsx", message)  # named by the address, never by a name of ours
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # kept as it was
    assert good.is_file()
    assert _leftovers(out) == []


def test_http_error(site: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = site
    url = f"{base}/missing/{NAME}"
    with pytest.raises(InputError, match=rf"^{url}: download failed: HTTP 404"):
        download_workbook(to=tmp_path / "out", url=url)
    assert list((tmp_path / "out").iterdir()) == []


def test_connection_refused(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    server.server_close()  # nothing listens on the port any more
    url = f"http://127.0.0.1:{port}/{NAME}"
    with pytest.raises(InputError, match=rf"^{url}: download failed: ") as err:
        download_workbook(to=tmp_path, url=url)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["not a url/global_oc_index.xlsx", "ftp://127.0.0.1/global_oc_index.xlsx",
                                 "file:///etc/passwd"])
def test_only_http_and_https(tmp_path: Path, url: str) -> None:
    with pytest.raises(ParameterError, match="expected an http or https address"):
        download_workbook(to=tmp_path, url=url)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc/x.xlsx", "http://a b/x.xlsx", "http://[zz]/x.xlsx",
                                 "http://[::1/x.xlsx", "http://127.0.0.1:99999/x.xlsx", "http:///x.xlsx",
                                 "http://127.0.0.1/x\n.xlsx"])
def test_a_malformed_address_is_one_line(tmp_path: Path, url: str) -> None:
    with pytest.raises(ParameterError) as err:
        download_workbook(to=tmp_path, url=url)
    message = str(err.value)
    assert message.startswith(f"{url.replace(chr(10), chr(92) + 'n')}: expected "), message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", sorted(REDIRECTS))
def test_a_redirect_to_a_malformed_address_is_one_line(site: tuple[str, Path], tmp_path: Path, key: str) -> None:
    base, _ = site
    url = f"{base}/redirect/{key}"
    with pytest.raises(InputError) as err:
        download_workbook(to=tmp_path / "out", url=url)
    message = str(err.value)
    assert message.startswith(f"{url}: expected "), message
    assert message.endswith(f" in a redirect to {REDIRECTS[key]}"), message
    assert "\n" not in message
    assert list((tmp_path / "out").iterdir()) == []


def test_a_chunked_body_cut_short_is_one_line(site: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = site
    url = f"{base}/chunked/{NAME}"
    with pytest.raises(InputError) as err:
        download_workbook(to=tmp_path / "out", url=url)
    assert str(err.value).startswith(f"{url}: download failed: IncompleteRead("), str(err.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_size_cap_by_header(site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = site
    monkeypatch.setattr(download, "MAX_BYTES", 100_000)
    with pytest.raises(InputError, match=r"expected at most 100000 bytes, found a file of 200000"):
        download_workbook(to=tmp_path / "out", url=f"{base}/big/{NAME}")
    assert list((tmp_path / "out").iterdir()) == []


def test_size_cap_without_a_length(site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = site
    monkeypatch.setattr(download, "MAX_BYTES", 5)
    with pytest.raises(InputError, match=r"expected at most 5 bytes, found more"):
        download_workbook(to=tmp_path / "out", url=f"{base}/drip/{NAME}")
    assert list((tmp_path / "out").iterdir()) == []


def test_overall_deadline(site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that never stops sending a trickle (each read well within the socket timeout) is cut off."""
    base, _ = site
    monkeypatch.setattr(download, "DEADLINE_SECONDS", 1)
    with pytest.raises(InputError, match=r"expected the download to finish within 1 s, found \d+ bytes"):
        download_workbook(to=tmp_path / "out", url=f"{base}/drip/{NAME}")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_pinned_release_must_match(site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = site
    with pytest.raises(InputError, match=r"expected the 2023 release \(sha256 a8c8966ba5ff…\), found sha256 "):
        download_workbook(to=tmp_path / "out", url=f"{base}/good/{NAME}", release="2023")
    with pytest.raises(ParameterError, match=r"expected a known release \(2023\), found '1999'"):
        download_workbook(to=tmp_path / "out", url=f"{base}/good/{NAME}", release="1999")
    pinned = ({"release": "test", "url": f"{base}/good/{NAME}", "sha256": "0" * 64, "note": ""},)
    monkeypatch.setattr(download, "load_releases", lambda: pinned)
    with pytest.raises(InputError, match=r"expected the test release"):
        download_workbook(to=tmp_path / "out", url=f"{base}/good/{NAME}")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.skipif(not OFFICIAL_2023.is_file(), reason="the official 2023 workbook is not on this machine (set "
                    "OCDATA_WORKBOOK to run this test)")
def test_the_2023_release_is_recognised(site: tuple[str, Path], tmp_path: Path) -> None:
    base, root = site
    (root / "official").mkdir()
    (root / "official" / NAME).write_bytes(OFFICIAL_2023.read_bytes())
    path = download_workbook(to=tmp_path, url=f"{base}/official/{NAME}", release="2023")
    record = json.loads((tmp_path / f"{path.name}.json").read_text(encoding="utf-8"))
    assert record["sha256"] == SHA_2023 and record["release"] == "2023"
    assert record["editions"] == [2021, 2023]
    assert path.name == f"global_oc_index-{SHA_2023[:12]}.xlsx"


def test_releases_file_pins_2023() -> None:
    assert download.release_of(SHA_2023) == "2023"


def test_default_url_is_the_official_one() -> None:
    assert WORKBOOK_URL == "https://ocindex.net/assets/downloads/global_oc_index.xlsx"


# Through the command line, in a real process.
def ocdata(*args: str, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=120,
                          **kwargs)


def test_cli_download_then_list(site: tuple[str, Path], tmp_path: Path) -> None:
    base, root = site
    env = {**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")}
    done = ocdata("download", "--url", f"{base}/good/{NAME}", env=env)
    assert done.returncode == 0, done.stderr
    sha = hashlib.sha256((root / "good" / NAME).read_bytes()).hexdigest()
    assert done.stdout.splitlines() == [str(tmp_path / "cache" / _name_of(root / "good" / NAME)), f"sha256 {sha}"]
    listed = ocdata("download", "--list", env=env)
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    assert line.startswith(f"{_name_of(root / 'good' / NAME)}  {sha[:12]}  editions 2021/2023/2025  ")
    assert line.endswith(f" UTC  {base}/good/{NAME}")


def test_cli_download_to_a_file_is_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    done = ocdata("download", "--to", str(target), "--url", "http://127.0.0.1:9/x.xlsx")
    assert done.returncode == 2
    assert done.stderr == f"ocdata: error: {target}: expected a folder to download into, found a file\n"
    assert target.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("url", ["http://host:abc/x", "http://a b/x", "http://[zz]/"])
def test_cli_malformed_address_is_exit_2(tmp_path: Path, url: str) -> None:
    done = ocdata("download", "--to", str(tmp_path), "--url", url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ocdata: error: {url}: expected ") and done.stderr.count("\n") == 1, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["redirect/port", "redirect/host", f"chunked/{NAME}"])
def test_cli_broken_redirect_or_body_is_exit_2(site: tuple[str, Path], tmp_path: Path, path: str) -> None:
    base, _ = site
    done = ocdata("download", "--to", str(tmp_path / "out"), "--url", f"{base}/{path}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ocdata: error: {base}/{path}: ") and done.stderr.count("\n") == 1, done.stderr
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_a_table_is_refused_and_never_becomes_the_default(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """A CSV or Parquet table the reader would accept is still refused: every download is an .xlsx workbook."""
    base, root = site
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    (root / "table").mkdir()
    table = root / "table" / f"scores.{form}"
    write = write_csv if form == "csv" else write_parquet
    write(table, official_sheets()["2025_dataset"])
    assert len(read_workbook(table, edition=2025)) > 0  # a table the reader takes from a file named by the user
    url = f"{base}/table/{table.name}"
    with pytest.raises(InputError) as err:
        download_workbook(url=url)
    message = str(err.value)
    assert message.startswith(f"{url}: refused the download: expected an .xlsx workbook, found "), message
    assert message.endswith("a CSV or Parquet table is read with --workbook FILE instead")
    assert list((tmp_path / "cache").iterdir()) == []
    assert list_downloads() == [] and latest_workbook() is None
    done = ocdata("download", "--url", url, env={**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.parametrize("cache", ["a_file", "n" * 300, "loop"])
def test_list_of_an_unreadable_cache_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str) -> None:
    (tmp_path / "a_file").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "loop").symlink_to("loop")
    folder = tmp_path / cache
    done = ocdata("download", "--list", env={**os.environ, "OCDATA_CACHE": str(folder)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"ocdata: error: {folder}: expected a folder of downloaded workbooks that can be "
                                  "read, found ") and done.stderr.count("\n") == 1, done.stderr
    monkeypatch.setenv("OCDATA_CACHE", str(folder))
    if cache == "a_file":  # no download can be in a file: load() goes on without one, and warns it cannot save
        assert latest_workbook() is None
        return
    with pytest.raises(InputError, match="expected a folder of downloaded workbooks"):
        latest_workbook()  # the default workbook is not silently none


def test_list_of_a_missing_cache_is_empty(tmp_path: Path) -> None:
    done = ocdata("download", "--list", env={**os.environ, "OCDATA_CACHE": str(tmp_path / "none")})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"no downloaded workbook in {tmp_path / 'none'}\n"


def test_cli_non_http_scheme_is_exit_2(tmp_path: Path) -> None:
    done = ocdata("download", "--to", str(tmp_path), "--url", "file:///etc/hostname")
    assert done.returncode == 2
    assert "expected an http or https address, found file scheme" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_interrupted_download_leaves_nothing(site: tuple[str, Path], tmp_path: Path, sig: int) -> None:
    base, _ = site
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "ocdata", "download", "--to", str(out), "--url",
                                f"{base}/drip/{NAME}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # wait until the partial file exists
            if out.is_dir() and any(out.iterdir()):
                break
            time.sleep(0.05)
        assert any(out.iterdir()), "the download never started"
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130
    assert stderr == "ocdata: interrupted\n"
    assert list(out.iterdir()) == []


def test_latest_workbook_does_not_import_a_spreadsheet_reader() -> None:
    code = "import sys, ocdata.download as d; d.latest_workbook(); print('openpyxl' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_partial_files_of_a_killed_download_are_removed_later(site: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = site
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".global_oc_index.ocdata-partial-abcd1234.tmp.xlsx"
    fresh = out / ".global_oc_index.ocdata-partial-efgh5678.tmp.xlsx"
    mine = out / ".budget.tmp.xlsx"  # a file of the user's that merely looks like a partial download
    for path in (stale, fresh, mine):
        path.write_bytes(b"partial")
    old = time.time() - 2 * download.DEADLINE_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    download_workbook(to=out, url=f"{base}/good/{NAME}")
    assert not stale.exists() and fresh.exists()  # fresh may belong to a download running right now
    assert mine.read_bytes() == b"partial"


def test_a_downloaded_workbook_edited_since_is_never_replaced(site: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = site
    out = tmp_path / "out"
    target = download_workbook(to=out, url=f"{base}/good/{NAME}")
    assert download_workbook(to=out, url=f"{base}/good/{NAME}") == target  # the same bytes again: fine
    target.write_bytes(target.read_bytes() + b"my notes")
    edited = target.read_bytes()
    with pytest.raises(InputError, match=r"expected no file of this name or the same download, found other bytes"):
        download_workbook(to=out, url=f"{base}/good/{NAME}")
    assert target.read_bytes() == edited
    assert not list(out.glob(".*.tmp.xlsx"))


@pytest.mark.parametrize("kind", ["fifo", "nested", "huge"])
def test_a_record_that_is_not_a_record_is_passed_over(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    record = folder / "evil.xlsx.json"
    if kind == "fifo":
        os.mkfifo(record)  # reading it would wait for ever
    elif kind == "nested":
        record.write_text("[" * 100_000, encoding="utf-8")
    else:
        record.write_bytes(b" " * (download.RECORD_MAX_BYTES + 1))
    assert download.list_downloads(folder) == []
