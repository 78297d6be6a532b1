"""A folder of reports: a batch stopped mid-way never hands a later edit to ocdata, an index.json of yours is never
taken for ocdata's, and an index.json of any shape or size is read with bounded work or refused by name."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from processes import wait_until

from ocdata import report
from ocdata.errors import InputError, ParameterError
from ocdata.outputs.ledger import LEDGER_NAME, Ledger
from ocdata.render.pool import PENDING, record_pending
from ocdata.report.index import claim_files, write_index
from ocdata.report.outdir import check_writable, file_sha256, read_index, settle_pending

PATIENCE = 300
ENTRY = {"kind": "profile", "title": "Kazakhstan", "edition": 2023, "countries": ["KAZ"], "scores": []}


def _ocdata(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=PATIENCE)


def _folder_with_a_claim(out: Path) -> bytes:
    """A folder whose finished batch wrote KAZ_2023.html, then a batch claimed it and stopped."""
    page = b"<html>KAZ</html>\n"
    (out / "KAZ_2023.html").write_bytes(page)
    write_index(out, {"KAZ_2023": {**ENTRY, "files": ["KAZ_2023.html"],
                                   "sha256": {"KAZ_2023.html": file_sha256(out / "KAZ_2023.html")}}})
    claim_files(out, read_index(out)["reports"], ["KAZ_2023.html", "KAZ_2023.csv"])
    return page


def test_an_edit_after_a_stopped_batch_is_refused(tmp_path):
    page = _folder_with_a_claim(tmp_path)
    assert check_writable(tmp_path, ["KAZ_2023.html"])["writing"] == ["KAZ_2023.csv", "KAZ_2023.html"]
    (tmp_path / "KAZ_2023.html").write_bytes(page + b"<!-- my annotation -->\n")
    with pytest.raises(ParameterError, match=r"KAZ_2023\.html: expected the file as ocdata wrote it"):
        check_writable(tmp_path, ["KAZ_2023.html"])
    (tmp_path / "KAZ_2023.csv").write_text("my,table\n")  # claimed, never written by ocdata: yours
    with pytest.raises(ParameterError, match=r"KAZ_2023\.csv: expected the file as ocdata wrote it"):
        check_writable(tmp_path, ["KAZ_2023.csv"])


def test_bytes_a_worker_recorded_before_writing_are_ocdatas_until_the_index_records_them(tmp_path):
    from ocdata.report.command import _still_claimed

    _folder_with_a_claim(tmp_path)
    new = b"<html>KAZ, rendered again</html>\n"
    record_pending(tmp_path, "KAZ_2023", {"KAZ_2023.html": new})
    assert check_writable(tmp_path, ["KAZ_2023.html"]) is not None  # killed before the write: the old bytes
    (tmp_path / "KAZ_2023.html").write_bytes(new)
    assert check_writable(tmp_path, ["KAZ_2023.html"]) is not None  # killed after it: the new ones
    entries = read_index(tmp_path)["reports"]
    assert _still_claimed(tmp_path, entries, ["KAZ_2023.html", "KAZ_2023.csv"]) == ["KAZ_2023.html"]
    (tmp_path / "KAZ_2023.html").write_bytes(new + b"<!-- mine -->")
    assert _still_claimed(tmp_path, entries, ["KAZ_2023.html"]) == []  # holds neither: yours, no longer claimed
    settle_pending(tmp_path, entries)
    assert not (tmp_path / PENDING).exists()  # its only file holds bytes it does not name


def test_a_finished_batch_keeps_only_the_pending_records_no_entry_covers(tmp_path):
    (tmp_path / "KAZ_2023.html").write_bytes(b"page")
    (tmp_path / "KGZ_2023.html").write_bytes(b"other")
    record_pending(tmp_path, "KAZ_2023", {"KAZ_2023.html": b"page"})
    record_pending(tmp_path, "KGZ_2023", {"KGZ_2023.html": b"other"})
    entries = {"KAZ_2023": {**ENTRY, "files": ["KAZ_2023.html"],
                            "sha256": {"KAZ_2023.html": file_sha256(tmp_path / "KAZ_2023.html")}}}
    settle_pending(tmp_path, entries)
    assert sorted(p.name for p in (tmp_path / PENDING).iterdir()) == ["KGZ_2023.json"]


@pytest.mark.slow
def test_an_annotation_after_an_interrupted_batch_survives_the_next_batch(tmp_path):
    out = tmp_path / "R"
    command = [sys.executable, "-m", "ocdata", "report", "KAZ", "KGZ", "--no-workbook", "--jobs", "1", "--out",
               str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=PATIENCE)
    assert first.returncode == 0, first.stderr
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_until(lambda: process.poll() is not None or '"writing"' in (out / "index.json").read_text(),
                    "the batch to claim its files")
        assert process.poll() is None, "the batch ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130
    assert "KAZ_2023.html" in json.loads((out / "index.json").read_text())["writing"]
    page = out / "KAZ_2023.html"
    annotated = page.read_bytes() + b"<!-- my annotation -->\n"
    page.write_bytes(annotated)
    again = _ocdata("report", "KAZ", "--no-workbook", "--jobs", "1", "--out", str(out))
    assert again.returncode == 2, again.stderr
    assert f"{page}: expected the file as ocdata wrote it" in again.stderr
    assert page.read_bytes() == annotated


# --- 2. an index.json of yours ---------------------------------------------------------------------------------


def test_a_users_index_json_with_kind_entries_is_refused_by_name(tmp_path):
    out = tmp_path / "u1"
    out.mkdir()
    mine = json.dumps({"site": {"kind": "blog", "title": "my config"}})
    (out / "index.json").write_text(mine)
    (out / "notes.txt").write_text("notes\n")
    done = _ocdata("report", "KAZ", "--no-workbook", "--jobs", "1", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith(f"ocdata: error: {out / 'index.json'}: expected the index ocdata wrote")
    assert (out / "index.json").read_text() == mine
    assert sorted(p.name for p in out.iterdir()) == ["index.json", "notes.txt"]


def test_a_users_page_named_in_a_users_index_json_is_never_claimed(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps({"KAZ_2023": {"kind": "draft"}}))
    (tmp_path / "KAZ_2023.html").write_text("my own draft")
    with pytest.raises(ParameterError, match=r"index\.json: expected the index ocdata wrote"):
        check_writable(tmp_path, ["KAZ_2023.html"])
    (tmp_path / "index.html").write_text("my own start page")  # a page of yours beside it: named first
    with pytest.raises(ParameterError, match=r"index\.html: expected the index page ocdata wrote"):
        check_writable(tmp_path, ["KAZ_2023.html"])
    assert (tmp_path / "KAZ_2023.html").read_text() == "my own draft"


# --- 3. bounded reading ------------------------------------------------------------------------------------------


def test_an_index_json_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "index.json")
    with pytest.raises(InputError, match="found a FIFO") as caught:
        read_index(tmp_path)
    assert "index.json" in str(caught.value)


def test_an_index_json_linked_to_a_device_is_refused_unread(tmp_path):
    (tmp_path / "index.json").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="found a device"):
        read_index(tmp_path)


def test_an_index_json_too_large_is_refused(tmp_path):
    with open(tmp_path / "index.json", "wb") as handle:
        handle.truncate(33 * 1024 * 1024)
    with pytest.raises(InputError, match="at most"):
        read_index(tmp_path)


def test_deeply_nested_json_is_an_input_error_naming_the_file(tmp_path):
    (tmp_path / "index.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(InputError, match=r"index\.json.*nested too deeply"):
        read_index(tmp_path)
    (tmp_path / LEDGER_NAME).write_text('{"writer": "ocdata", "files": ' + "[" * 500_000 + "]" * 500_000 + "}")
    with pytest.raises(InputError, match=r"\.ocdata-files\.json.*nested too deeply"):
        Ledger.read(tmp_path)


# --- 4. well-formed JSON of the wrong shape -----------------------------------------------------------------------


@pytest.mark.parametrize("field", [
    {"edition": "abc"}, {"edition": True}, {"edition": 10**400}, {"countries": 5}, {"countries": [5]},
    {"scores": "x"}, {"scores": [5]}, {"scores": [{"criminality": "x", "country": 5}]},
    {"scores": [{"criminality": 1e999, "resilience": 10**400}]}, {"map": {"KAZ": 5}}, {"map": 5},
    {"map": {"KAZ": {"criminality": "x"}}}, {"kind": 5}, {"title": ["x"]}, {"region": 5},
    {"files": "KAZ_2023.html"}, {"sha256": "x"},
])
def test_an_entry_with_fields_of_the_wrong_type_never_reaches_the_index_page(tmp_path, field):
    entry = {**ENTRY, "edition": 2023, "files": ["KAZ_2023.html"], "sha256": {}, **field}
    (tmp_path / "KAZ_2023.html").write_text("page")
    (tmp_path / "index.json").write_text(json.dumps({"generator": "ocdata report", "reports": {"KAZ_2023": entry},
                                                     "partial": "yes"}))
    index = read_index(tmp_path)
    kept = index["reports"]["KAZ_2023"]
    assert index["partial"] is False
    for key, value in field.items():
        assert kept.get(key) != value or key in ("files",)
    assert isinstance(kept["files"], list) and isinstance(kept["sha256"], dict)
    assert report.index_html(index["reports"]).startswith("<!DOCTYPE html>")
    write_index(tmp_path, index["reports"])  # the page a folder of this index is given
    assert check_writable(tmp_path, []) is not None
