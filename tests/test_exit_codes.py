"""The exit codes the command line promises, for paths and environments a user can hand it: a name over 255
bytes, a loop of symbolic links, a deleted working folder, control characters in a path, an output encoding
that cannot print the help, a HOME nobody can write in. Each is exit 2 (or 0) with at most one line on
stderr, never the exit 3 of a bug."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocdata import cli

LONG = "n" * 300
"""A path component over the 255 bytes file systems allow."""

SCRIPT = Path(sys.executable).with_name("ocdata")


def ocdata(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=env)


def assert_one_error_line(done: subprocess.CompletedProcess, name: str) -> str:
    """Exit 2, one ``ocdata: error:`` line naming ``name``, nothing else on stderr; the line."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ocdata: error: "), lines[0]
    assert name in lines[0], lines[0]
    return lines[0]


PATH_COMMANDS = {
    "export --out": ["export", "--no-workbook", "--out", "{path}/scores.csv"],
    "build --out": ["build", "--no-workbook", "--out", "{path}"],
    "report --out": ["report", "KGZ", "--no-workbook", "--out", "{path}"],
    "teach --out": ["teach", "--no-html", "--out", "{path}"],
    "notebooks DIR": ["notebooks", "{path}"],
    "add FILE": ["add", "{path}"],
    "export --workbook": ["export", "--workbook", "{path}", "--out", "{tmp}/scores.csv"],
    "build --workbook": ["build", "--workbook", "{path}", "--out", "{tmp}/built"],
    "download --to": ["download", "--to", "{path}", "--url", "http://127.0.0.1:9/global_oc_index.xlsx"],
}


@pytest.mark.parametrize("command", sorted(PATH_COMMANDS))
def test_a_name_over_255_bytes_is_exit_2(tmp_path: Path, command: str) -> None:
    path = tmp_path / LONG
    args = [a.format(path=path, tmp=tmp_path) for a in PATH_COMMANDS[command]]
    assert_one_error_line(ocdata(*args, cwd=tmp_path), LONG)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("command", sorted(PATH_COMMANDS))
def test_a_loop_of_symbolic_links_is_exit_2(tmp_path: Path, command: str) -> None:
    (tmp_path / "loop_a").symlink_to("loop_b")
    (tmp_path / "loop_b").symlink_to("loop_a")
    args = [a.format(path=tmp_path / "loop_a" / "inside", tmp=tmp_path) for a in PATH_COMMANDS[command]]
    assert_one_error_line(ocdata(*args, cwd=tmp_path), "loop_a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop_a", "loop_b"]


@pytest.mark.parametrize("args", [["export", "--no-workbook"], ["notebooks"], ["report", "KGZ", "--no-workbook"],
                                  ["teach", "--no-html", "--out", "kit"],
                                  ["download", "--to", "here", "--url", "http://127.0.0.1:9/x.xlsx"]])
def test_a_deleted_working_folder_is_exit_2(tmp_path: Path, args: list[str]) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    command = " ".join(f"'{a}'" for a in [sys.executable, "-m", "ocdata", *args])
    done = subprocess.run(["sh", "-c", f"cd '{gone}' && rmdir '{gone}' && exec {command}"], capture_output=True,
                          text=True, timeout=300)
    line = assert_one_error_line(done, "")
    assert "expected a working folder that exists, found it deleted" in line, line
    assert not gone.exists()


def test_a_newline_in_a_path_stays_on_one_line(tmp_path: Path) -> None:
    name = "two\nlines.xlsx"
    line = assert_one_error_line(ocdata("export", "--workbook", str(tmp_path / name), "--out",
                                        str(tmp_path / "scores.csv")), "two\\nlines.xlsx")
    assert "\n" not in line
    notes = tmp_path / "notes\x1b[31m.txt"
    notes.write_text("mine\n", encoding="utf-8")
    line = assert_one_error_line(ocdata("notebooks", str(notes)), "notes\\x1b[31m.txt")
    assert "\x1b" not in line
    assert notes.read_text(encoding="utf-8") == "mine\n"


def test_help_and_errors_print_in_any_output_encoding(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = ocdata("report", "--help", env=env)
    assert done.returncode == 0, done.stderr
    assert "must be \\u2265 1" in " ".join(done.stdout.split())
    accented = tmp_path / "Côte d'Ivoire.xlsx"
    line = assert_one_error_line(ocdata("export", "--workbook", str(accented), env=env), "C\\xf4te d'Ivoire.xlsx")
    assert "workbook not found" in line


def test_a_home_nobody_can_write_in_prints_no_warnings(tmp_path: Path) -> None:
    """HOME is a file (a read-only folder would not do: the tests run as root, who may write anywhere)."""
    home = tmp_path / "home_is_a_file"
    home.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "IPYTHONDIR", "XDG_CONFIG_HOME",
                                                              "XDG_CACHE_HOME")}
    env.update(HOME=str(home), OCDATA_CACHE=str(tmp_path / "cache"))
    out = tmp_path / "reports"
    done = ocdata("report", "KGZ", "--no-workbook", "--out", str(out), env=env, cwd=tmp_path)
    assert not [line for line in done.stderr.splitlines() if "warn" in line.lower() or "matplotlib" in line.lower()
                or "ipython" in line.lower() or "writable" in line], done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "cache" / "settings").iterdir()) == ["ipython", "matplotlib"]


def test_settings_folders_are_set_only_where_home_is_not_writable(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("MPLCONFIGDIR", "IPYTHONDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, "")  # recorded, so that what the code sets is undone after the test
        monkeypatch.delenv(variable)
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    cli._settings_folders()
    assert "MPLCONFIGDIR" not in os.environ and "IPYTHONDIR" not in os.environ
    assert list(home.iterdir()) == []  # nothing is created in a HOME that works
    home.rmdir()
    home.write_text("", encoding="utf-8")
    cli._settings_folders()
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "cache" / "settings" / "matplotlib")
    assert os.environ["IPYTHONDIR"] == str(tmp_path / "cache" / "settings" / "ipython")


def test_settings_folders_fall_back_to_a_private_temporary_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("MPLCONFIGDIR", "IPYTHONDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, "")  # recorded, so that what the code sets is undone after the test
        monkeypatch.delenv(variable)
    home = tmp_path / "home_is_a_file"
    home.write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OCDATA_CACHE", str(home / "cache"))  # the cache cannot be made either
    cli._settings_folders()
    base = Path(os.environ["MPLCONFIGDIR"]).parent
    assert base.is_dir() and base.name.startswith("ocdata-settings-")
    assert Path(os.environ["IPYTHONDIR"]).parent == base
    assert base.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(("number", "reason"), [
    (errno.ENAMETOOLONG, "file name too long"),
    (errno.ELOOP, "too many levels of symbolic links"),
    (errno.ENOENT, "no such file or directory"),
    (errno.ENOTEMPTY, "directory not empty"),
    (errno.EBUSY, "device or resource busy"),
    (errno.EXDEV, "invalid cross-device link"),
    (errno.EMFILE, "too many open files"),
])
def test_more_environment_errors_are_exit_2(number: int, reason: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: object) -> int:
        raise OSError(number, os.strerror(number), "/data/out")

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert cli.main(["notebooks"]) == 2
    assert capsys.readouterr().err == f"ocdata: error: /data/out: expected a path ocdata can read and write, " \
                                      f"found {reason}\n"


def test_an_error_naming_two_paths_names_both(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: object) -> int:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), "/tmp/x", None, "/mnt/usb/x")

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert cli.main(["notebooks"]) == 2
    assert capsys.readouterr().err.startswith("ocdata: error: /tmp/x -> /mnt/usb/x: expected a path ")


def test_a_file_that_exists_unexpectedly_is_still_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: object) -> int:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), "/data/out")

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert cli.main(["notebooks"]) == 3
    assert capsys.readouterr().err.startswith("ocdata: internal error: FileExistsError: ")


def test_pathlibs_symlink_loop_is_exit_2_and_other_runtime_errors_are_bugs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def loop(args: object) -> int:
        raise RuntimeError("Symlink loop from '/data/a\\nb'")

    monkeypatch.setattr(cli, "_notebooks", loop)
    assert cli.main(["notebooks"]) == 2
    assert capsys.readouterr().err == ("ocdata: error: /data/a\\nb: expected a path ocdata can read and write, "
                                       "found a loop of symbolic links\n")

    def other(args: object) -> int:
        raise RuntimeError("something\nelse")

    monkeypatch.setattr(cli, "_notebooks", other)
    assert cli.main(["notebooks"]) == 3
    assert capsys.readouterr().err == ("ocdata: internal error: RuntimeError: something\\nelse (rerun with --debug "
                                       "for a traceback)\n")


def test_an_output_pipe_closed_by_its_reader_is_exit_2(tmp_path: Path) -> None:
    """``ocdata notebooks | head -1``: the reader goes away before the list is printed."""
    process = subprocess.Popen([sys.executable, "-m", "ocdata", "notebooks", str(tmp_path / "nb")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # before the command writes anything
    try:
        stderr = process.stderr.read()
        code = process.wait(timeout=300)
    finally:
        process.kill()
        process.wait()
    assert code == 2, stderr
    assert stderr == "ocdata: error: standard output: expected a reader until the end, found the pipe closed\n"
    assert (tmp_path / "nb" / "README.md").is_file()  # the work itself was done


def test_a_broken_pipe_that_is_not_stdout_is_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: object) -> int:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert cli.main(["notebooks"]) == 3
    assert capsys.readouterr().err.startswith("ocdata: internal error: BrokenPipeError: ")


@pytest.mark.parametrize(("args", "hint"), [
    (["report", "KGZ", "--jobs", "0"], "ocdata report --help"),
    (["export", "--format", "xlsx"], "ocdata export --help"),
    (["report", "--bogus"], "ocdata report --help"),  # found by the top parser, named for the command
    (["report", "--workbook", "a", "b"], "ocdata report --help"),  # found after parsing
    (["add", "--list", "x.txt"], "ocdata add --help"),
    (["add", "--list", "--country", "KAZ"], "ocdata add --help"),
    (["report", "--workbook", "", "KAZ"], "ocdata report --help"),
    (["export", "--workbook", " "], "ocdata export --help"),
    (["build", "--workbook", "a.xlsx", "--workbook", ""], "ocdata build --help"),
    (["nosuch"], "ocdata --help"),
])
def test_a_usage_error_is_one_line_naming_the_help(args: list[str], hint: str) -> None:
    done = ocdata(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("ocdata: error: ")
    assert done.stderr.rstrip().endswith(f"(see {hint})") and "usage:" not in done.stderr


def test_debug_may_follow_the_command(tmp_path: Path) -> None:
    done = ocdata("export", "--workbook", str(tmp_path / "missing.xlsx"), "--debug", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" in done.stderr and done.stderr.rstrip().endswith("workbook not found")


@pytest.mark.parametrize(("args", "says"), [
    (["export", "--no-workbook", "--edition", "2040"], "expected an edition of the index (2021, 2023, 2025)"),
    (["build", "--no-workbook", "--edition", "2023"], "with --no-workbook there is none"),
])
def test_an_edition_for_no_workbook_is_refused(tmp_path: Path, args: list[str], says: str) -> None:
    done = ocdata(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
