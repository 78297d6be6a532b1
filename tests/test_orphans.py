"""A batch killed outright (``kill -9``): its workers stop at once and write nothing more into the folder.

Before, a worker of a killed batch finished the report it was rendering and wrote it, while the user's rerun
was writing the same folder; its pending record then made the page count as ocdata's.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest
from processes import wait_until

PATIENCE = 240.0


def _pages(out: Path) -> dict[str, int]:
    """The report pages of ``out`` with the time each was last written."""
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.html") if p.name != "index.html"}


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
def test_the_workers_of_a_batch_killed_outright_stop_and_write_nothing(tmp_path: Path) -> None:
    private = Path(tempfile.mkdtemp(prefix="ock", dir="/tmp" if os.name != "nt" else None))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1", "--out", str(out)]
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "TMPDIR": str(private)})
    try:
        wait_until(lambda: batch.poll() is not None or _pages(out), "a first page")
        assert batch.poll() is None, "the batch ended before it could be killed"
        below = psutil.Process(batch.pid).children(recursive=True)
        assert below, "the batch has no worker"
        batch.kill()
        batch.wait()
        at_kill = _pages(out)
        wait_until(lambda: not _alive(below), "the workers and kernels of the killed batch to stop")
        assert _pages(out) == at_kill  # nothing written after the kill
    finally:
        if batch.poll() is None:
            batch.kill()
        for process in _alive(below if "below" in locals() else []):
            process.kill()
        shutil.rmtree(private, ignore_errors=True)


@pytest.mark.slow
def test_a_file_the_user_makes_while_the_batch_runs_is_never_overwritten(tmp_path: Path) -> None:
    private = Path(tempfile.mkdtemp(prefix="ock", dir="/tmp" if os.name != "nt" else None))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1", "--out", str(out)]
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(private)})
    mine: dict[Path, bytes] = {}
    try:
        wait_until(lambda: batch.poll() is not None or _pages(out), "a first page")
        assert batch.poll() is None, "the batch ended before a file could be made"
        planned = json.loads((out / "index.json").read_text(encoding="utf-8"))["writing"]
        for name in planned:
            if name.endswith(".html"):
                with contextlib.suppress(FileExistsError), open(out / name, "x", encoding="utf-8") as handle:
                    handle.write(f"<p>my notes for {name}</p>\n")
                    mine[out / name] = f"<p>my notes for {name}</p>\n".encode()
        assert mine, "every page was written before a file could be made"
        _, stderr = batch.communicate(timeout=PATIENCE)
    finally:
        if batch.poll() is None:
            batch.kill()
        shutil.rmtree(private, ignore_errors=True)
    assert batch.returncode == 1, stderr
    assert {path: path.read_bytes() for path in mine} == mine  # each kept, byte for byte
    assert all(str(path) in stderr for path in mine), stderr
    assert "Traceback" not in stderr
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert not {path.name for path in mine} & {f for entry in index["reports"].values() for f in entry["files"]}


def test_an_index_page_left_unwritten_by_a_full_disk_stays_ocdatas_for_the_next_batch(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    """A full disk as the stopped batch wrote its index: index.json written, index.html not (its old bytes left).
    The next batch claims its files (index.json alone) and must still replace that index.html at its end."""
    import errno

    from ocdata.report import index as report_index
    from ocdata.report.outdir import check_writable

    entry = {"kind": "profile", "title": "Kazakhstan", "edition": 2023, "files": ["KAZ_2023.html"]}
    (tmp_path / "KAZ_2023.html").write_text("<p>KAZ</p>\n", encoding="utf-8")
    report_index.write_index(tmp_path, {})  # an earlier batch's index, of no report
    written = report_index.write_bytes_atomic

    def full(path, data):
        if Path(path).name == "index.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return written(path, data)

    with monkeypatch.context() as patched:
        patched.setattr(report_index, "write_bytes_atomic", full)
        with pytest.raises(OSError):
            report_index.write_index(tmp_path, {"KAZ_2023": entry}, partial=True, writing=["KGZ_2025.html"])
    check_writable(tmp_path, ["KAZ_2023.html"])  # the rerun's checks
    report_index.claim_files(tmp_path, {"KAZ_2023": entry}, ["KAZ_2023.html"])
    report_index.write_index(tmp_path, {"KAZ_2023": entry})  # was: index.html refused as changed since
    check_writable(tmp_path, ["KAZ_2023.html"])
