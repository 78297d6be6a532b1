"""ocdata report's outputs and limits: the folder it may write to, the files it never overwrites, how many
kernels it starts, the registry of report kinds, interruptions (real subprocesses and signals), and reports
in one kept kernel that cannot change each other's data."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from processes import descendants, mentioning, running, wait_until

from ocdata import render, report
from ocdata.errors import InputError, ParameterError
from ocdata.report import capacity, registry
from ocdata.report.outdir import check_out_dir, check_writable, make_out_dir

# --- where reports may go -------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["/", "/usr", "/usr/share/doc", "/etc", "/bin", "/var", "/proc", "/sys", "/dev",
                                    "/boot", "/lib", "/sbin", "/home"])
def test_system_folders_are_refused(folder):
    with pytest.raises(ParameterError, match="system folder"):
        check_out_dir(folder)


def test_the_home_folder_itself_is_refused_but_a_subfolder_is_not(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ParameterError, match="home folder"):
        check_out_dir("~")
    assert check_out_dir("~/reports") == tmp_path / "reports"


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match="found a file"):
        check_out_dir(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("name", ["index.html", "KGZ_2025.html"])
def test_files_ocdata_did_not_write_are_never_overwritten(tmp_path, name):
    (tmp_path / name).write_text("my own page")
    with pytest.raises(ParameterError, match=name.replace(".", r"\.")):
        check_writable(tmp_path, ["KGZ_2025.html"])


def test_files_listed_in_our_index_may_be_replaced(tmp_path):
    (tmp_path / "KGZ_2025.html").write_text("an old report")
    report.write_index(tmp_path, {"KGZ_2025": {"kind": "profile", "title": "Kyrgyzstan", "edition": 2025,
                                               "scores": [], "files": ["KGZ_2025.html"]}})
    index = check_writable(tmp_path, ["KGZ_2025.html", "KAZ_2023.html"])
    assert set(index["reports"]) == {"KGZ_2025"}
    (tmp_path / "KAZ_2023.html").write_text("not ours")
    with pytest.raises(ParameterError, match=r"KAZ_2023\.html"):
        check_writable(tmp_path, ["KAZ_2023.html"])


def test_files_a_stopped_batch_was_writing_may_be_replaced_only_with_bytes_ocdata_recorded(tmp_path):
    from ocdata.render.pool import record_pending
    from ocdata.report.index import claim_files

    entry = {"kind": "profile", "title": "Kyrgyzstan", "edition": 2025, "scores": [], "files": ["KGZ_2025.html"]}
    (tmp_path / "KGZ_2025.html").write_text("a report")
    report.write_index(tmp_path, {"KGZ_2025": {**entry, "sha256": {"KGZ_2025.html": "0" * 64}}})
    with pytest.raises(ParameterError, match="changed since"):  # as ocdata wrote it? no: someone edited it
        check_writable(tmp_path, ["KGZ_2025.html"])
    claim_files(tmp_path, read_index_reports(tmp_path), ["KGZ_2025.html", "KAZ_2023.html", "KAZ_2023.csv"])
    page = b"a page the batch wrote before it was killed"
    record_pending(tmp_path, "KAZ_2023", {"KAZ_2023.html": page})  # what a worker does before writing
    (tmp_path / "KAZ_2023.html").write_bytes(page)
    index = check_writable(tmp_path, ["KAZ_2023.html", "KAZ_2023.csv"])
    assert index["partial"] is True and index["writing"] == ["KAZ_2023.csv", "KAZ_2023.html", "KGZ_2025.html"]
    assert set(index["reports"]) == {"KGZ_2025"}
    with pytest.raises(ParameterError, match=r"KGZ_2025\.html: expected the file as ocdata wrote it"):
        check_writable(tmp_path, ["KGZ_2025.html"])  # claimed, but edited: neither recorded nor pending
    (tmp_path / "KAZ_2023.html").write_bytes(page + b"<!-- my note -->")
    with pytest.raises(ParameterError, match=r"KAZ_2023\.html: expected the file as ocdata wrote it"):
        check_writable(tmp_path, ["KAZ_2023.html"])
    (tmp_path / "TJK_2023.html").write_text("not ours")
    with pytest.raises(ParameterError, match=r"TJK_2023\.html"):
        check_writable(tmp_path, ["TJK_2023.html"])
    report.write_index(tmp_path, read_index_reports(tmp_path))  # a batch that finished claims nothing
    assert "writing" not in json.loads((tmp_path / "index.json").read_text())


def read_index_reports(out: Path) -> dict:
    return report.read_index(out)["reports"]


def test_an_index_json_of_someone_else_is_refused(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps({"title": "my project"}))
    with pytest.raises(InputError, match=r"index\.json"):
        check_writable(tmp_path, [])
    (tmp_path / "index.json").write_text("not json")
    with pytest.raises(InputError, match=r"index\.json"):
        check_writable(tmp_path, [])


def test_an_index_of_an_earlier_version_counts_as_ours_beside_the_page_it_gives(tmp_path):
    (tmp_path / "KGZ_2025.html").write_text("old")
    (tmp_path / "index.json").write_text(json.dumps({"KGZ_2025": {"kind": "profile", "title": "Kyrgyzstan"}}))
    # with no record of what ocdata wrote, the index is ours only beside the index page it gives
    with pytest.raises(ParameterError, match=r"index\.json: expected the index ocdata wrote"):
        check_writable(tmp_path, ["KGZ_2025.html"])
    index = report.read_index(tmp_path)
    assert index["reports"]["KGZ_2025"]["files"] == ["KGZ_2025.html"]
    page = report.index_html(index["reports"], partial=index["partial"])
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    assert check_writable(tmp_path, ["KGZ_2025.html"]) == index
    (tmp_path / "index.html").write_text("my own index", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"index\.html: expected the index page ocdata wrote"):
        check_writable(tmp_path, ["KGZ_2025.html"])
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "my own index"


def test_index_entries_cannot_claim_files_outside_the_folder(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps({"generator": "ocdata report", "reports": {
        "x": {"kind": "profile", "files": ["../outside.html", "/etc/passwd", ".hidden", "ok.html"]}}}))
    assert report.read_index(tmp_path)["reports"]["x"]["files"] == ["ok.html"]


def test_folders_are_created_readable_by_others(tmp_path):
    old = os.umask(0o077)
    try:
        make_out_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert oct((tmp_path / "a").stat().st_mode & 0o777) == "0o755"
    assert oct((tmp_path / "a" / "b").stat().st_mode & 0o777) == "0o755"


# --- how many kernels -----------------------------------------------------------------------------

GB = 1024**3


@pytest.mark.parametrize(("requested", "reports", "cores", "memory", "expected"), [
    (30, 4, 2, 16 * GB, 2),  # the cores
    (500, 4, 64, 16 * GB, 4),  # the reports
    (None, 100, 8, 16 * GB, 8),  # default: the cores
    (8, 100, 8, 450 * 1024**2, 3),  # 150 MB per kernel
    (8, 100, 8, 10 * 1024**2, 1),  # at least one
    (8, 100, 8, None, 8),  # memory unknown: the cores
    (1, None, 8, 16 * GB, 1),
])
def test_jobs_are_capped_by_reports_cores_and_memory(requested, reports, cores, memory, expected):
    assert capacity.cap_jobs(requested, reports, cores=cores, memory=memory) == expected


def test_available_memory_reads_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  100 kB\nMemAvailable:   2048 kB\n")
    assert capacity.available_memory(meminfo) == 2048 * 1024
    assert capacity.available_memory(tmp_path / "absent") is None


# --- the registry ---------------------------------------------------------------------------------


def test_every_kind_has_its_notebook():
    kinds = report.report_kinds()
    assert {"profile", "compare", "tutorial"} <= set(kinds)
    for kind in kinds.values():
        assert kind.notebook_path().is_file()
    assert kinds["tutorial"].show_code and not kinds["profile"].show_code


@pytest.mark.parametrize("text", [
    "profile: {notebook: x}",  # keys missing
    "[1, 2]",
    "profile: {notebook: x, subject: planet, file: a, title: t, index: {section: s, layout: list, label: l},"
    " show_code: false, in_all: true}",
    "profile: {notebook: x, subject: country, file: '{secret}', title: t,"
    " index: {section: s, layout: list, label: l}, show_code: false, in_all: true}",
])
def test_a_bad_registry_is_an_input_error(tmp_path, monkeypatch, text):
    path = tmp_path / "reports.yaml"
    path.write_text(text)
    monkeypatch.setattr(registry, "REGISTRY", path)
    registry.report_kinds.cache_clear()
    try:
        with pytest.raises(InputError, match=r"reports\.yaml"):
            registry.report_kinds()
    finally:
        registry.report_kinds.cache_clear()


# --- the command in a real process ----------------------------------------------------------------


def _ocdata(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=300,
                          **kwargs)


def test_command_refuses_to_overwrite_a_users_page(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_bytes(b"<p>my site</p>")
    run = _ocdata("report", "KGZ", "--no-workbook", "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "index.html" in run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert (out / "index.html").read_bytes() == b"<p>my site</p>"


@pytest.mark.parametrize("out", ["/", "/etc", "FILE"])
def test_command_refuses_system_folders_and_files(tmp_path, out):
    if out == "FILE":
        out = str(tmp_path / "notes.txt")
        Path(out).write_text("notes")
    run = _ocdata("report", "KGZ", "--no-workbook", "--out", out)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    if out.endswith("notes.txt"):
        assert Path(out).read_text() == "notes"


PATIENCE = 300
"""Seconds a test waits for an event (a page written, a process gone) before it fails: generous, for a busy
machine; a test that passes never waits that long."""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see child processes")
@pytest.mark.parametrize("when", ["start-up", "mid-batch"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_batch_stops_cleanly(tmp_path, when, signum):
    private = Path(tempfile.mkdtemp(prefix="ock", dir="/tmp"))  # short: kernel sockets go there
    try:
        _interrupt(private, tmp_path / "out", when, signum)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _interrupt(private: Path, out: Path, when: str, signum: int) -> None:
    env = {**os.environ, "TMPDIR": str(private)}
    process = subprocess.Popen([sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1",
                                "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    seen: set[int] = set()

    def ready() -> bool:  # the moment to interrupt: a kernel started, or a first page written
        nonlocal seen
        seen |= descendants(process.pid)
        if process.poll() is not None:
            return True
        if when == "start-up":
            return bool([p for p in mentioning(str(private)) if p != process.pid])
        return bool([p for p in out.glob("*.html") if p.name != "index.html"])

    try:
        wait_until(ready, "a kernel to start" if when == "start-up" else "a first page")
        assert process.poll() is None, "the batch ended before it could be interrupted"
        seen |= descendants(process.pid)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert seen
    wait_until(lambda: not [pid for pid in seen if running(pid)], "the processes of the batch to end")
    wait_until(lambda: not mentioning(str(private)), "the kernels to end")
    assert not list(private.glob("ocdata-kernel-*")), "kernel folders left behind"
    if when == "mid-batch":
        finished = {p.stem for p in out.glob("*.html") if p.name != "index.html"}
        assert finished
        index = json.loads((out / "index.json").read_text())
        assert index["partial"] is True and set(index["reports"]) <= finished
        # a page its worker finished as the batch stopped is not listed (the batch never heard of it): it stays
        # claimed, so that a later batch may replace it
        assert {f"{name}.html" for name in finished - set(index["reports"])} <= set(index.get("writing", []))
        page = (out / "index.html").read_text()
        assert "Partial batch" in page and all(f'href="{name}.html"' in page for name in index["reports"])
        assert not list(out.glob(".*.tmp"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see child processes")
def test_a_batch_killed_outright_is_rerun_into_the_same_folder(tmp_path):
    private = Path(tempfile.mkdtemp(prefix="ock", dir="/tmp"))  # short: kernel sockets go there
    try:
        _kill_and_rerun(private, tmp_path / "out")
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _kill_and_rerun(private: Path, out: Path) -> None:
    env = {**os.environ, "TMPDIR": str(private)}
    command = [sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        wait_until(lambda: process.poll() is not None or [p for p in out.glob("*.html") if p.name != "index.html"],
                    "a first page")
        assert process.poll() is None, "the batch ended before it could be killed"
        process.kill()
    finally:
        process.communicate()
    killed = json.loads((out / "index.json").read_text())
    assert killed["partial"] is True and killed["writing"], "the killed batch claimed nothing"
    written = {p.name for p in out.glob("*.html")}
    assert written and written <= set(killed["writing"])

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=PATIENCE)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    index = json.loads((out / "index.json").read_text())
    pages = sorted(p.stem for p in out.glob("*.html") if p.name != "index.html")
    assert index["partial"] is False and "writing" not in index and sorted(index["reports"]) == pages
    assert not list(out.glob(".*.tmp"))
    wait_until(lambda: not mentioning(str(private)), "the kernel of the killed batch to end")
    assert not list(private.glob("ocdata-*")), "kernel folders left behind"

    digests = {p.name: p.read_bytes() for p in out.glob("*") if p.suffix in (".html", ".csv")}
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=PATIENCE)
    assert again.returncode == 0, again.stderr
    rewritten = {p.name: p.read_bytes() for p in out.glob("*") if p.suffix in (".html", ".csv")}
    changed = sorted(name for name in rewritten.keys() | digests.keys() if rewritten.get(name) != digests.get(name))
    if changed:  # the first differing line of each, to say what changed
        lines = {name: next(((a, b) for a, b in zip(digests.get(name, b"").splitlines(),
                                                    rewritten.get(name, b"").splitlines(), strict=False) if a != b),
                            None)
                 for name in changed}
        pytest.fail(f"a third run rewrote {changed}: {lines}"[:4000])


class _FinishingPool:
    """Stands in for the worker pool: every job's page is written and reported finished."""

    def run(self, jobs, out, on_result):
        results = []
        for job in jobs:
            (out / f"{job.name}.html").write_text(f"<html>{job.name}</html>\n")
            results.append(render.RenderResult(job.name, out / f"{job.name}.html", True))
            on_result(results[-1])
        return results


def test_an_interruption_while_the_index_is_written_at_the_end_still_lists_every_report(tmp_path, monkeypatch):
    from ocdata.report import command
    from ocdata.report.plan import Planned

    real = command.write_index

    def interrupted(out, entries, *, partial=False, writing=()):
        if not partial:  # Ctrl-C as the batch's last index is being written
            raise KeyboardInterrupt
        return real(out, entries, partial=partial, writing=writing)

    monkeypatch.setattr(command, "write_index", interrupted)
    planned = [Planned(render.ReportJob(name, tmp_path / "nb.ipynb"), {"kind": "profile", "title": name,
                                                                        "edition": 2023, "scores": []})
               for name in ("KAZ_2023", "KGZ_2023")]
    with pytest.raises(KeyboardInterrupt):
        command._render(_FinishingPool(), planned, tmp_path, {}, [])
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["partial"] is True and sorted(index["reports"]) == ["KAZ_2023", "KGZ_2023"]
    assert "Partial batch" in (tmp_path / "index.html").read_text()


class _FailingPool:
    """Stands in for the worker pool: every job fails."""

    def run(self, jobs, out, on_result):
        results = [render.RenderResult(job.name, out / f"{job.name}.html", False, "ValueError: no") for job in jobs]
        for result in results:
            on_result(result)
        return results


def test_a_batch_keeps_claiming_only_the_files_it_left_unrecorded(tmp_path):
    from ocdata.render.pool import record_pending
    from ocdata.report import command
    from ocdata.report.outdir import file_sha256
    from ocdata.report.plan import Planned

    (tmp_path / "KGZ_2023.html").write_text("as ocdata wrote it")
    (tmp_path / "KAZ_2023.html").write_text("written by a batch that was killed")
    record_pending(tmp_path, "KAZ_2023", {"KAZ_2023.html": b"written by a batch that was killed"})
    entry = {"kind": "profile", "title": "Kyrgyzstan", "edition": 2023, "scores": []}
    entries = {"KGZ_2023": {**entry, "files": ["KGZ_2023.html"],
                            "sha256": {"KGZ_2023.html": file_sha256(tmp_path / "KGZ_2023.html")}}}
    planned = [Planned(render.ReportJob(name, tmp_path / "nb.ipynb"), entry) for name in ("KAZ_2023", "KGZ_2023")]
    command._render(_FailingPool(), planned, tmp_path, entries, ["KAZ_2023.html", "KAZ_2023.csv", "TJK_2023.html"])
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["partial"] is False and sorted(index["reports"]) == ["KGZ_2023"]
    assert index["writing"] == ["KAZ_2023.html"]  # no entry lists it; KGZ's page is protected by its sha256
    check_writable(tmp_path, ["KAZ_2023.html", "KGZ_2023.html"])


class _PageWriter:
    def page(self, nb, **_):
        return render.export.Page(html="<html></html>\n", csv="a,b\n1,2\n")


def test_a_full_disk_stops_the_batch_in_one_line_a_bad_notebook_does_not(tmp_path, monkeypatch):
    import errno

    from ocdata.render import pool

    job = render.ReportJob("KGZ_2025", tmp_path / "profile.ipynb")
    failing = {"error": OSError(errno.ENOSPC, "No space left on device")}

    def write(path, text):  # as ocdata.outputs.atomic fails: the errno, naming the target
        raise OSError(failing["error"].errno, failing["error"].strerror, str(path))

    monkeypatch.setattr(pool, "write_bytes_atomic", write)
    full = pool.write_report(job, tmp_path / "KGZ_2025.html", nbformat.v4.new_notebook(), _PageWriter(), 0.0)
    assert not full.ok and full.stops_batch
    assert full.error == f"{tmp_path / 'KGZ_2025.csv'}: expected a folder the reports can be written to, found no " \
                         "space left on device"
    failing["error"] = OSError(errno.ENAMETOOLONG, "File name too long")
    odd = pool.write_report(job, tmp_path / "KGZ_2025.html", nbformat.v4.new_notebook(), _PageWriter(), 0.0)
    assert not odd.ok and not odd.stops_batch


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs a file size limit (POSIX)")
def test_a_batch_that_cannot_write_its_pages_stops_in_one_line(tmp_path):
    import resource

    out = tmp_path / "out"
    warm = _ocdata("report", "KGZ", "--no-workbook", "--out", str(tmp_path / "warm"))  # the tables get built
    assert warm.returncode == 0, warm.stderr

    def small_files() -> None:  # a disk with room for the index, not for a page: writes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    run = subprocess.run([sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1",
                          "--out", str(out)], capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "expected a folder the reports can be written to, found file too large" in run.stderr
    assert not list(out.glob(".*.tmp"))
    index = json.loads((out / "index.json").read_text())
    assert index["partial"] is True and index["writing"]


_SIGTERM_STORM = """
import os, signal, sys, time
from pathlib import Path
from ocdata.render.pool import WorkerPool

PATIENCE = float(sys.argv[1])

def catches_sigterm(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False

def reads_its_connection(pid):
    # blocked reading (the warm-up code from the pool); where the kernel hides wchan, sleeping is enough
    wchan = Path(f"/proc/{pid}/wchan").read_text().strip()
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state == "S" and ("read" in wchan or wchan in ("", "0"))

with WorkerPool(1, progress=False) as pool:
    worker = pool.workers[0].process
    deadline = time.monotonic() + PATIENCE
    while not (catches_sigterm(worker.pid) and reads_its_connection(worker.pid)):
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for the worker to wait for its warm-up code"
        time.sleep(0.01)
    # a terminal's signal, then the pool's terminate(), and more, until the worker has exited
    while worker.is_alive():
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for the worker to end"
        try:
            os.kill(worker.pid, signal.SIGTERM)
        except ProcessLookupError:
            break
        time.sleep(0.002)
    worker.join()
    print(worker.exitcode)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see a worker's signal handling")
def test_a_worker_sent_sigterm_again_while_it_stops_prints_nothing():
    run = subprocess.run([sys.executable, "-c", _SIGTERM_STORM, str(PATIENCE)], capture_output=True, text=True,
                         timeout=2 * PATIENCE)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "0", run.stdout  # its clean-up ran to the end (143: a later SIGTERM cut it short)
    assert run.stderr == "", run.stderr


def test_a_worker_interrupted_mid_import_stops_without_a_traceback(monkeypatch):
    from ocdata.render import pool

    monkeypatch.setitem(sys.modules, "jupyter_core.utils", None)  # as an import a SIGTERM cut short
    pool._quiet_abandoned_tasks()


def test_the_worker_sigterm_handler_ignores_the_next_one():
    from ocdata.render import pool

    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as stopped:
            pool._stop_worker(signal.SIGTERM, None)
        assert stopped.value.code == 143
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- reports cannot change each other's data -----------------------------------------------------


@pytest.mark.slow
def test_a_report_that_changes_the_data_does_not_change_the_next(tmp_path):
    from ocdata.paths import notebooks_dir

    vandal = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
    vandal.cells = [nbformat.v4.new_code_cell(
        "import ocdata\nfrom ocdata import views\n"
        "for data in (ocdata.load(workbook=False), views.load_dataset('')):\n"
        "    data.scores['score'] = 99.0\n"
        "    data.scores.loc[data.scores['indicator'] == 'criminality', 'score'] = 99.0\n"
        "    data.countries.loc[:, 'country'] = 'Vandalia'\n", id="vandal")]
    profile = render.load_notebook(notebooks_dir() / "country_profile.ipynb")
    parameters = {"country": "KGZ", "edition": 2025, "workbook": ""}

    def shown(nb) -> list:
        render.normalize_notebook(nb)
        return [c.get("outputs") for c in nb.cells]

    with render.KernelSession() as session:
        before = shown(session.execute(profile, parameters))
        session.execute(vandal, {})
        after = shown(session.execute(profile, parameters))
    assert after == before
    assert "5.25" in json.dumps(after) and "Vandalia" not in json.dumps(after) and "99.00" not in json.dumps(after)


# --- the index page: PDFs and the map -------------------------------------------------------------


def _index_map_fills(page: str) -> dict[str, str]:
    """Each country's fill on the index page's map (``data-iso3`` → the fill of its shape or dot)."""
    import xml.etree.ElementTree as ET

    start = page.index("<svg")
    svg = ET.fromstring(page[start: page.index("</svg>", start) + 6])
    fills = {}
    for element in svg.iter():
        iso3 = element.get("data-iso3")
        if iso3:
            shape = next(s for s in element.iter() if s.get("fill"))
            fills[iso3] = shape.get("fill")
    return fills


def test_the_index_map_greys_every_country_without_a_report_as_its_legend_says():
    from report_fixtures import bundled

    from ocdata.maps import OUTSIDE, load_shapes
    from ocdata.report.index import index_html
    from ocdata.report.plan import plan_reports

    entries = {p.job.name: p.entry for p in plan_reports(bundled(), countries=["KAZ", "KGZ"], overview=True)}
    known = sorted(load_shapes()["countries"])
    overview = next(e for e in entries.values() if e["kind"] == "overview")
    overview["map"] = {iso3: {"criminality": 1.0 + i % 9, "resilience": 5.0} for i, iso3 in enumerate(known)}
    page = index_html(entries)  # three reports: two profiles and an overview of all 193 countries
    fills = _index_map_fills(page)
    assert len(fills) == len(known) == 193
    coloured = {iso3 for iso3, fill in fills.items() if fill != OUTSIDE}
    assert coloured == {"KAZ", "KGZ"}  # KGZ's report is of 2025: coloured by the overview's 2023 score
    assert "(2023; opens the 2025 report)" in re.search(r'data-iso3="KGZ"><title>([^<]*)<', page).group(1)
    assert "no report here" in page[page.index('class="oc-map-legend"'):]
    title = re.search(r'data-iso3="FRA"><title>([^<]*)</title>', page).group(1)
    assert title.endswith("(no report here)") and "criminality" in title  # the overview's scores, on hover


def test_the_index_links_each_pdf_in_the_folder(tmp_path):
    entries = {
        "KAZ_2023": {"kind": "profile", "title": "Kazakhstan (KAZ)", "edition": 2023, "countries": ["KAZ"],
                     "scores": [], "files": ["KAZ_2023.html", "KAZ_2023.pdf"]},
        "KGZ_2025": {"kind": "profile", "title": "Kyrgyzstan (KGZ)", "edition": 2025, "countries": ["KGZ"],
                     "scores": [], "files": ["KGZ_2025.html", "KGZ_2025.pdf"]},  # its PDF is gone since
        "compare_2023_KAZ-KGZ": {"kind": "compare", "title": "Kazakhstan and Kyrgyzstan", "edition": 2023,
                                 "countries": ["KAZ", "KGZ"], "scores": [],
                                 "files": ["compare_2023_KAZ-KGZ.html", "compare_2023_KAZ-KGZ.pdf"]},
        "overview_2023": {"kind": "overview", "title": "The whole index", "edition": 2023, "countries": [],
                          "scores": [], "files": ["overview_2023.html"]},  # printed without --pdf
    }
    for name in entries:
        (tmp_path / f"{name}.html").write_text("<html></html>\n", encoding="utf-8")
    for name in ("KAZ_2023", "compare_2023_KAZ-KGZ", "overview_2023"):  # the overview's PDF is not ocdata's
        (tmp_path / f"{name}.pdf").write_bytes(b"%PDF-1.4\n")
    report.write_index(tmp_path, entries)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="([^"]+\.pdf)"', page))
    assert linked == {"KAZ_2023.pdf", "compare_2023_KAZ-KGZ.pdf"}
    assert 'aria-label="Kazakhstan (KAZ) (PDF)"' in page
    # the page in the folder is the one an earlier index would give: it counts as ocdata's
    assert check_writable(tmp_path, ["KAZ_2023.pdf"]) is not None
