"""Commands that write files or read input never lose a user's files and do bounded work.

Each test is a finding of an attack on the command line: a user's folder beside a build, a FIFO or a device
given as input, a huge file, a signal while ocdata starts, a file where a folder must go, a full disk, a
redirect out of http, a body cut short, a reserved name, a hand-edited manifest.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from docs import RAW, copy_raw

from ocdata.cli import main
from ocdata.inputs.files import DOCUMENT_MAX_BYTES, MANIFEST_MAX_BYTES, WORKBOOK_MAX_BYTES
from ocdata.outputs.atomic import write_atomic_with
from ocdata.store import VERSION_NAME, shown_version, versions_dir

GB = 1024 ** 3
TIMEOUT = 120
"""No command here may run longer: a hang on a FIFO fails the test instead of blocking the suite."""


def ocdata(*args: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess:
    """``python -m ocdata ARGS`` in ``cwd``, output captured."""
    return subprocess.run([sys.executable, "-m", "ocdata", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False, **kwargs)


def one_error(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """The single stderr line of a refused command, checked for its exit code and words."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("ocdata: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder`` (links not followed): a file's bytes, a link's target, ``"dir"``."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = "link -> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


def copy_build(source: Path, target: Path) -> None:
    """A plain copy of a build's files (what ``cp -rL`` makes)."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())


# 1. A build touches only what it made.
@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished build (``ref``, a link to its version folder)."""
    folder = tmp_path_factory.mktemp("reference")
    result = ocdata("build", "--out", "ref", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "ref"


def test_a_users_folder_named_like_the_versions_folder_is_refused_and_kept(reference: Path, tmp_path: Path) -> None:
    (tmp_path / "somefile").write_bytes(b"somefile\n")
    user = tmp_path / "A"
    user.mkdir()
    versions = user / ".mine.ocdata"
    versions.mkdir()
    (versions / "notes.txt").write_bytes(b"keep\n")
    (versions / "emptydir").mkdir()
    copy_build(reference, versions / "backup-of-build")
    (user / ".mine.ocdata-swap-mylink").symlink_to(tmp_path / "somefile")
    copy_build(reference, user / ".mine.ocdata-swap-x")
    before = tree(user)
    result = ocdata("build", "--out", "mine", cwd=user)
    one_error(result, 2, ".mine.ocdata", "ocdata did not make", "nothing was touched")
    assert tree(user) == before
    assert (tmp_path / "somefile").read_bytes() == b"somefile\n"


def test_a_build_removes_only_its_own_leftovers(reference: Path, tmp_path: Path) -> None:
    user = tmp_path / "A"
    user.mkdir()
    (tmp_path / "somefile").write_bytes(b"somefile\n")
    (user / ".mine.ocdata-swap-mylink").symlink_to(tmp_path / "somefile")
    copy_build(reference, user / ".mine.ocdata-swap-x")
    assert ocdata("build", "--out", "mine", cwd=user).returncode == 0
    versions = versions_dir(user / "mine")
    assert yaml.safe_load((versions / ".lock").read_text(encoding="utf-8"))["writer"] == "ocdata"
    # A user's things inside our versions folder and beside it, under names ocdata does not generate.
    (versions / "emptydir").mkdir()
    copy_build(reference, versions / "backup-of-build")
    (versions / "notes.txt").write_bytes(b"keep\n")
    (user / ".mine.ocdata-swap-20240101T000000-1-abcdef").symlink_to(tmp_path / "somefile")
    before = {name: value for name, value in tree(user).items() if not name.startswith(("mine", ".mine.ocdata/2"))}
    first = shown_version(user / "mine")
    assert ocdata("build", "--out", "mine", cwd=user).returncode == 0
    after = tree(user)
    assert {name: after.get(name) for name in before} == before
    assert shown_version(user / "mine") not in (None, first)
    versions_left = [p.name for p in versions.iterdir() if VERSION_NAME.fullmatch(p.name)]
    assert versions_left == [shown_version(user / "mine").name]  # the earlier version is gone


@pytest.mark.parametrize("out", ["/etc/x", "/usr/local/share/x", "/lib/x", "/proc/x", "/sys/x", "/dev/x", "/boot/x",
                                 "/bin/x", "/sbin/x", "/", "/home", "/root"])
def test_build_refuses_a_system_tree(out: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--out", out]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"ocdata: error: {out}: ") and "system or home folder" in line
    assert "\n" not in line


def test_build_refuses_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["build", "--out", str(tmp_path)]) == 2
    assert "system or home folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# 2. A FIFO or a device is refused at once, before any read.
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.xlsx"
    os.mkfifo(path)
    return path


def test_a_fifo_or_a_device_as_workbook_is_refused(fifo: Path, tmp_path: Path) -> None:
    one_error(ocdata("build", "--out", "out", "--workbook", str(fifo), cwd=tmp_path), 2, str(fifo),
              "expected a regular file, found a FIFO")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    one_error(ocdata("build", "--out", "out", "--workbook", "zero.xlsx", cwd=tmp_path), 2, "zero.xlsx",
              "expected a regular file, found a device")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["kgz_2021_profile_pdf.txt", "sources.yaml"])
def test_a_fifo_as_document_or_manifest_is_refused(tmp_path: Path, name: str) -> None:
    raw = copy_raw(tmp_path / "raw")
    (raw / name).unlink()
    os.mkfifo(raw / name)
    result = ocdata("build", "--raw", "raw", "--out", "out", "--no-workbook", cwd=tmp_path)
    one_error(result, 2, f"raw/{name}", "expected a regular file, found a FIFO")


def test_a_document_linked_to_a_device_is_refused(tmp_path: Path) -> None:
    raw = copy_raw(tmp_path / "raw")
    (raw / "kgz_2021_profile_pdf.txt").unlink()
    (raw / "kgz_2021_profile_pdf.txt").symlink_to("/dev/zero")
    result = ocdata("build", "--raw", "raw", "--out", "out", "--no-workbook", cwd=tmp_path)
    one_error(result, 2, "kgz_2021_profile_pdf.txt")


# 3. Huge inputs are refused by their size, with little memory.
PEAK = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True, text=True)
sys.stderr.write(result.stderr)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak(cwd: Path, *args: str) -> tuple[int, int, str]:
    """Exit code, peak memory (kB) and stderr of ``python -m ocdata ARGS`` (measured by a parent of its own)."""
    result = subprocess.run([sys.executable, "-c", PEAK, str(cwd), sys.executable, "-m", "ocdata", *args],
                            capture_output=True, text=True, timeout=TIMEOUT, check=True)
    code, rss = map(int, result.stdout.split())
    return code, rss, result.stderr


def sparse(path: Path, size: int = GB) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(("what", "limit"), [("document", DOCUMENT_MAX_BYTES), ("manifest", MANIFEST_MAX_BYTES),
                                             ("workbook", WORKBOOK_MAX_BYTES), ("add", DOCUMENT_MAX_BYTES)])
def test_a_huge_input_is_refused_by_its_size(tmp_path: Path, what: str, limit: int) -> None:
    args = ["build", "--out", "out", "--no-workbook"]
    if what == "document":
        raw = copy_raw(tmp_path / "raw")
        big = sparse(raw / "kgz_2021_profile_pdf.txt")
        args += ["--raw", "raw"]
    elif what == "manifest":
        raw = copy_raw(tmp_path / "raw")
        big = sparse(raw / "sources.yaml")
        args += ["--raw", "raw"]
    elif what == "workbook":
        big = sparse(tmp_path / "big.xlsx")
        args = ["build", "--out", "out", "--workbook", "big.xlsx"]
    else:
        big = sparse(tmp_path / "big.txt")
        args = ["add", "big.txt"]
    code, rss, stderr = peak(tmp_path, *args)
    assert code == 2, stderr
    assert big.name in stderr and f"at most {limit:,} bytes, found {GB:,} bytes" in stderr, stderr
    assert rss < 500 * 1024, f"peak memory {rss} kB"


# 4. Ctrl-C or SIGTERM at any moment: one line, exit 130.
class Silent(BaseHTTPRequestHandler):
    """Accepts a request and never answers (a download that waits)."""

    def do_GET(self) -> None:
        time.sleep(TIMEOUT)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def silent_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/global_oc_index.xlsx"
    server.shutdown()
    server.server_close()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until_ocdata_runs(pid: int) -> None:
    """Return once the process catches SIGTERM (the first thing ``python -m ocdata`` does): before that the
    interpreter itself is starting, and no program can handle a signal. Moments are counted from here."""
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        if int(fields["SigCgt"], 16) >> (signal.SIGTERM - 1) & 1:
            return
        time.sleep(0.001)
    raise AssertionError("ocdata never started")


def interrupt(args: list[str], cwd: Path, signum: int, delay: float) -> subprocess.CompletedProcess:
    process = subprocess.Popen([sys.executable, "-m", "ocdata", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    wait_until_ocdata_runs(process.pid)
    time.sleep(delay)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_at_any_moment_is_one_line_and_exit_130(tmp_path: Path, silent_server: str, signum: int) -> None:
    # a build from the saved tables may finish within half a second: its signals come while Python and pandas
    # load; the download waits on a server that never answers, so any moment is a moment of its work
    cases = ([(["build", "--out", "out"], delay) for delay in (0, 0.05, 0.15)]
             + [(["download", "--url", silent_server, "--to", "dl"], delay) for delay in (0, 0.05, 0.3, 0.8, 1.5)])
    for args, delay in cases:
        result = interrupt(args, tmp_path, signum, delay)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 130 and lines == ["ocdata: interrupted"], (args[0], delay, result.stderr)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "dl").exists() or list((tmp_path / "dl").iterdir()) == []


def test_a_signal_as_the_ocdata_script_exits_changes_nothing(tmp_path: Path) -> None:
    # as the installed `ocdata` script runs: sys.exit(main()); a Ctrl-C or SIGTERM once the command is done
    code = ("import os, signal, sys, time\n"
            "from ocdata.cli import main\n"
            "sys.argv = ['ocdata', 'report']\n"
            "code = main()\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(0.2)\n"
            "print(code)\n"
            "sys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                            cwd=tmp_path, check=False)
    assert result.returncode == 2 and result.stdout.strip() == "2", result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ocdata: error: nothing to render"), result.stderr


def test_import_ocdata_is_light_and_load_still_works() -> None:
    code = ("import sys, ocdata; assert 'pandas' not in sys.modules, 'pandas imported';"
            "from ocdata import load, Dataset, OcdataError;"
            "assert ocdata.load is load and isinstance(load(workbook=False), Dataset); print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert result.stdout.strip() == "ok", result.stderr


# 6, 7. A file where a folder must go: named, nothing written.
def test_teach_refuses_a_file_where_a_folder_goes(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "teacher").write_bytes(b"mine\n")
    one_error(ocdata("teach", "--out", "kit", "--no-html", cwd=tmp_path), 2, "kit/teacher", "found a file",
              "nothing was written")
    assert tree(kit) == {"teacher": b"mine\n"}
    (tmp_path / "tf").write_bytes(b"mine\n")
    one_error(ocdata("teach", "--out", "tf", "--no-html", cwd=tmp_path), 2, "tf: ", "found a file")
    assert (tmp_path / "tf").read_bytes() == b"mine\n"


def test_notebooks_refuses_a_file_where_a_folder_goes(tmp_path: Path) -> None:
    target = tmp_path / "nb"
    target.mkdir()
    (target / "lessons").write_bytes(b"mine\n")
    result = ocdata("notebooks", "nb", cwd=tmp_path)
    one_error(result, 2, "nb/lessons:", "found a file", "nothing was written")
    assert result.stdout == "" and tree(target) == {"lessons": b"mine\n"}


def _file_size_limit(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_notebooks_on_a_full_disk_leave_nothing_and_name_the_file(tmp_path: Path) -> None:
    from ocdata.outputs.notebooks import notebook_files
    from ocdata.paths import notebooks_dir

    files = notebook_files()
    sizes = {rel: (notebooks_dir() / rel).stat().st_size for rel in files}
    limit = max(sizes.values()) - 1
    failing = next(rel for rel in files if sizes[rel] > limit)
    assert files.index(failing) > 0  # other files are written before the write that fails
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "mine.txt").write_bytes(b"mine\n")
    result = subprocess.run([sys.executable, "-m", "ocdata", "notebooks", "nb"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=TIMEOUT, check=False,
                            preexec_fn=lambda: _file_size_limit(limit))
    line = one_error(result, 2, "expected a path ocdata can read and write")
    assert f"nb/{failing}:" in line and ".tmp" not in line
    assert tree(tmp_path / "nb") == {"mine.txt": b"mine\n"}


# 8. A full disk names the file.
def test_an_atomic_write_that_fails_names_its_target(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"before\n")

    def full(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        write_atomic_with(target, full)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert target.read_bytes() == b"before\n" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_folder_that_cannot_hold_a_new_file_is_named_by_its_target_not_the_temporary_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".index.json.uo0yp6jf.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OSError) as caught:
        write_atomic_with(tmp_path / "index.json", lambda tmp: tmp.write_text("{}"))
    assert caught.value.errno == errno.EROFS and caught.value.filename == str(tmp_path / "index.json")


def test_a_full_disk_message_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["notebooks", str(tmp_path / "nb")]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"ocdata: error: {tmp_path / 'nb'}/") and "no space left on device" in line, line
    assert "a file:" not in line and not (tmp_path / "nb").exists()


# 9. Downloads: only http(s), and the whole body.
class Tricky(BaseHTTPRequestHandler):
    """``/ftp`` redirects to an ftp address; ``/short`` promises 1000 bytes and sends 10."""

    def do_GET(self) -> None:
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return
        if self.path.startswith("/ftp"):
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/global_oc_index.xlsx")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"PK\x03\x04short")
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def tricky_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tricky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_out_of_http_is_refused(tricky_server: str, tmp_path: Path) -> None:
    result = ocdata("download", "--url", f"{tricky_server}/ftp/global_oc_index.xlsx", "--to", "dl", cwd=tmp_path)
    one_error(result, 2, "expected an http or https address", "ftp")
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_redirect_loop_is_one_line(tricky_server: str, tmp_path: Path) -> None:
    result = ocdata("download", "--url", f"{tricky_server}/loop/global_oc_index.xlsx", "--to", "dl", cwd=tmp_path)
    one_error(result, 2, "download failed: HTTP 302", "infinite loop")
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_body_shorter_than_its_length_is_refused(tricky_server: str, tmp_path: Path) -> None:
    result = ocdata("download", "--url", f"{tricky_server}/short/global_oc_index.xlsx", "--to", "dl", cwd=tmp_path)
    one_error(result, 2, "expected 1000 bytes", "found 9")
    assert list((tmp_path / "dl").iterdir()) == []


# 10, 13. add: a reserved name, a FIFO, a folder.
def test_add_refuses_the_name_sources_yaml(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (tmp_path / "sources.yaml").write_bytes((RAW / "kgz_2021_profile_pdf.txt").read_bytes())
    result = ocdata("add", "sources.yaml", cwd=tmp_path, env={**os.environ, "OCDATA_DOCUMENTS": str(docs)})
    one_error(result, 2, "sources.yaml", "a document may not be named as a manifest; rename it")
    assert not docs.exists()


@pytest.mark.parametrize("kind", ["FIFO", "folder"])
def test_add_names_a_fifo_or_a_folder(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "profile.txt"
    os.mkfifo(path) if kind == "FIFO" else path.mkdir()
    result = ocdata("add", "profile.txt", cwd=tmp_path, env={**os.environ, "OCDATA_DOCUMENTS": str(tmp_path / "d")})
    one_error(result, 2, "profile.txt", f"expected a regular file, found a {kind}")


# 11. remove never trusts a hand-edited manifest.
def hand_edited(docs: Path, second_file: str) -> dict[str, bytes]:
    """A user documents folder whose manifest lists ``doc.txt`` for ``first`` and ``second_file`` for ``second``."""
    docs.mkdir()
    data = (RAW / "kgz_2021_profile_pdf.txt").read_bytes()
    (docs / "doc.txt").write_bytes(data)
    entry = {"title": "t", "publisher": "p", "kind": "pdf_profile", "edition": 2021, "countries": ["KGZ"],
             "sha256": hashlib.sha256(data).hexdigest()}
    manifest = {"documents": [{"id": "first", "file": "doc.txt", **entry},
                              {"id": "second", "file": second_file, **entry}]}
    (docs / "sources.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return tree(docs)


@pytest.mark.parametrize(("second_file", "words"), [("doc.txt", "listed for 'first' too"),
                                                    ("./doc.txt", "listed for 'first' too"),
                                                    ("sources.yaml", "the manifest sources.yaml itself")])
def test_remove_refuses_a_manifest_that_lists_a_file_twice_or_itself(tmp_path: Path, second_file: str,
                                                                      words: str) -> None:
    docs = tmp_path / "docs"
    before = hand_edited(docs, second_file)
    result = ocdata("remove", "second", cwd=tmp_path, env={**os.environ, "OCDATA_DOCUMENTS": str(docs)})
    line = one_error(result, 2, words)
    assert f"{docs / 'sources.yaml'}:" in line  # its line
    assert tree(docs) == before


def test_input_checks_open_nothing_that_is_not_a_regular_file(tmp_path: Path) -> None:
    from ocdata.errors import InputError
    from ocdata.inputs.files import check_input_file, sha256_file

    os.mkfifo(tmp_path / "fifo")
    for path, kind in ((tmp_path / "fifo", "a FIFO"), (tmp_path, "a folder"), (Path("/dev/null"), "a device")):
        with pytest.raises(InputError, match=f"expected a regular file, found {kind}"):
            sha256_file(path)
    assert check_input_file(sparse(tmp_path / "f", 10), 10) == 10
    assert stat.S_ISFIFO((tmp_path / "fifo").stat().st_mode)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("command", "link"), [(("teach", "--out", "kit", "--no-html"), "kit/teacher"),
                                               (("notebooks", "kit"), "kit/lessons")])
def test_a_linked_subfolder_is_never_written_through(tmp_path: Path, command: tuple[str, ...], link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "kit").mkdir()
    (tmp_path / link).symlink_to(elsewhere)
    result = _cli(*command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and link.split("/")[-1] in result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["mine.txt"]
    assert [p.name for p in (tmp_path / "kit").iterdir()] == [link.split("/")[-1]]


@pytest.mark.parametrize("out", ["dangling", "dangling.csv"])
def test_export_never_writes_through_or_over_a_link(tmp_path: Path, out: str) -> None:
    (tmp_path / out).symlink_to(tmp_path / "nowhere")
    result = _cli("export", "--out", out, "--no-workbook", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert (tmp_path / out).is_symlink() and not (tmp_path / "nowhere").exists()


def test_a_user_manifest_that_is_a_fifo_is_refused_not_passed_over(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    os.mkfifo(docs / "sources.yaml")
    env = {**os.environ, "OCDATA_DOCUMENTS": str(docs)}
    for command in (("build", "--out", "out", "--no-workbook"), ("add", "--list")):
        result = subprocess.run([sys.executable, "-m", "ocdata", *command], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        one_error(result, 2, "sources.yaml", "FIFO")
    assert stat.S_ISFIFO((docs / "sources.yaml").lstat().st_mode) and not (tmp_path / "out").exists()
