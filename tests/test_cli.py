"""The command line itself: arguments, exit codes, signals, environment errors, and ``ocdata notebooks``."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocdata import cli
from ocdata.cli import main, make_parser
from ocdata.outputs.ledger import LEDGER_NAME
from ocdata.paths import notebooks_dir


def ocdata(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What ``run_reports`` and ``run_build`` were called with (they do nothing here)."""
    seen: list[dict] = []

    def record(name: str):
        def run(**kwargs: object) -> int:
            seen.append({"to": name, **kwargs})
            return 0
        return run

    monkeypatch.setattr("ocdata.report.run_reports", record("report"))
    monkeypatch.setattr("ocdata.build.run_build", record("build"))
    return seen


def test_iso3_codes_are_upper_cased(calls: list[dict]) -> None:
    assert main(["report", "kgz", " Kaz", "--compare", "kaz, kgz"]) == 0
    [call] = calls
    assert call["countries"] == ["KGZ", "KAZ"]
    assert call["compare"] == "KAZ,KGZ"
    assert call["workbook"] is None


def test_no_workbook_passes_false(calls: list[dict]) -> None:
    assert main(["report", "KGZ", "--no-workbook"]) == 0
    assert main(["build", "--no-workbook", "--out", "somewhere"]) == 0
    assert [(c["to"], c["workbook"]) for c in calls] == [("report", False), ("build", False)]
    assert main(["report", "KGZ", "--workbook", "book.xlsx"]) == 0
    assert calls[-1]["workbook"] == Path("book.xlsx")


@pytest.mark.parametrize("jobs", ["0", "-3", "two"])
def test_jobs_below_one_is_refused_at_parse_time(jobs: str, calls: list[dict]) -> None:
    with pytest.raises(SystemExit) as exit_:
        make_parser().parse_args(["report", "KGZ", "--jobs", jobs])
    assert exit_.value.code == 2
    assert calls == []


def test_jobs_zero_through_the_command_line() -> None:
    done = ocdata("report", "KGZ", "--jobs", "0")
    assert done.returncode == 2
    assert "argument --jobs: expected a whole number ≥ 1, found 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_workbook_and_no_workbook_together_are_refused() -> None:
    with pytest.raises(SystemExit) as exit_:
        make_parser().parse_args(["build", "--workbook", "x.xlsx", "--no-workbook"])
    assert exit_.value.code == 2


def test_help_states_the_caps() -> None:
    report = " ".join(ocdata("report", "--help").stdout.split())
    assert "at most the number of reports, the cores, and available memory / 150 MB per kernel; must be ≥ 1" in report
    assert "--no-workbook" in report
    download = " ".join(ocdata("download", "--help").stdout.split())
    assert "at most 64 MB within 300 s in all" in download
    assert "--url URL" in download and "--list" in download and "--to DIR" in download
    top = ocdata("--help").stdout
    for command in ("build", "report", "download", "notebooks", "add", "remove"):
        assert command in top


@pytest.mark.parametrize(("number", "name", "reason"), [
    (errno.EACCES, "/data/locked", "permission denied"),
    (errno.EROFS, "/mnt/ro/out", "read-only file system"),
    (errno.ENOSPC, "/full/disk/scores.csv", "no space left on device"),
    (errno.ENOTDIR, "notes.txt/out", "not a directory"),
    (errno.EISDIR, "reports", "is a directory"),
])
def test_environment_errors_are_exit_2_naming_the_path(
    number: int, name: str, reason: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(args: object) -> int:
        raise OSError(number, os.strerror(number), name)

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert main(["notebooks"]) == 2
    assert capsys.readouterr().err == (f"ocdata: error: {name}: expected a path ocdata can read and write, "
                                       f"found {reason}\n")


def test_other_os_errors_are_bugs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: object) -> int:
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(cli, "_notebooks", fail)
    assert main(["notebooks"]) == 3
    assert capsys.readouterr().err.startswith("ocdata: internal error: OSError: ")


def test_a_real_environment_error_in_a_process(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    done = ocdata("notebooks", str(notes / "nb"))
    assert done.returncode == 2
    assert done.stderr == f"ocdata: error: {notes / 'nb'}: expected a path ocdata can read and write, found not a " \
                          "directory\n"
    assert notes.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_is_one_line_and_exit_130(sig: int) -> None:
    code = ("import sys, time\n"
            "from ocdata import cli\n"
            "def wait(args):\n"
            "    print('ready', flush=True)\n"
            "    time.sleep(3600)\n"  # never ends by itself: only the signal stops it
            "cli._notebooks = wait\n"
            "sys.exit(cli.main(['notebooks']))\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=300)  # a deadline for a busy machine, never reached when it works
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130
    assert stderr == "ocdata: interrupted\n"


def test_build_out_naming_a_file_is_exit_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    done = ocdata("build", "--out", str(notes), "--no-workbook")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ocdata: error: {notes}") and done.stderr.count("\n") == 1
    assert notes.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ocdata notebooks
def test_notebooks_are_copied_with_their_pairs(tmp_path: Path) -> None:
    done = ocdata("notebooks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "notebooks"
    source = notebooks_dir()
    names = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file() and p.name != LEDGER_NAME)
    assert "README.md" in names and "country_profile.ipynb" in names and "country_profile.py" in names
    for name in names:
        assert (target / name).read_bytes() == (source / name).read_bytes()
        assert (target / name).stat().st_mode & 0o777 == 0o644
        assert f"wrote notebooks/{name}" in done.stdout
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        assert folder.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in target.rglob(".*")] == [LEDGER_NAME]  # the record of what ocdata wrote, nothing else
    assert sorted(json.loads((target / LEDGER_NAME).read_text())["files"]) == sorted(n.replace(os.sep, "/")
                                                                                     for n in names)
    again = ocdata("notebooks", cwd=tmp_path)
    assert again.returncode == 0
    assert again.stdout == f"{len(names)} file(s) already there, unchanged\n"


def test_notebooks_never_overwrite_a_different_file(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "compare.py").write_text("# my own edits\n", encoding="utf-8")
    done = ocdata("notebooks", str(target))
    assert done.returncode == 2
    assert done.stderr == (f"ocdata: error: {target / 'compare.py'}: expected no file or one ocdata wrote (listed in "
                           f"{LEDGER_NAME}), found a file of yours; ocdata never replaces it; move it away or choose "
                           "another folder; nothing was written\n")
    assert [p.name for p in target.iterdir()] == ["compare.py"]
    assert (target / "compare.py").read_text(encoding="utf-8") == "# my own edits\n"


def test_notebooks_into_a_file_is_exit_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    done = ocdata("notebooks", str(notes))
    assert done.returncode == 2
    assert done.stderr == f"ocdata: error: {notes}: expected a folder for the notebooks, found a file\n"
    assert notes.read_text(encoding="utf-8") == "mine\n"


def test_teach_writes_the_kit_without_html(tmp_path: Path) -> None:
    result = ocdata("teach", "--out", str(tmp_path / "kit"), "--no-html")
    assert result.returncode == 0, result.stderr
    students = sorted(p.name for p in (tmp_path / "kit" / "student").glob("*.ipynb"))
    teachers = sorted(p.name for p in (tmp_path / "kit" / "teacher").glob("*.ipynb"))
    assert len(students) >= 4 and students == teachers
    assert "### BEGIN SOLUTION" not in "".join(p.read_text(encoding="utf-8")
                                               for p in (tmp_path / "kit" / "student").iterdir())


def test_teach_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    (kit / "student").mkdir(parents=True)
    mine = kit / "student" / "01_composite_index.ipynb"
    mine.write_text("my own notes", encoding="utf-8")
    result = ocdata("teach", "--out", str(kit), "--no-html")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "01_composite_index.ipynb" in result.stderr
    assert mine.read_text(encoding="utf-8") == "my own notes"


def test_help_lists_every_command_in_its_list_and_its_description() -> None:
    top = ocdata("--help").stdout
    listed = re.search(r"\{([a-z,]+)\}", top).group(1).split(",")
    assert tuple(listed) == cli.COMMANDS and len(listed) == 8
    description = " ".join(top.split()).split("positional arguments")[0]
    assert all(f"``{command}``" in description for command in cli.COMMANDS)


def test_workbook_takes_several_files_after_one_flag_and_countries_after_them(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    args = cli.make_parser().parse_args(["report", "--workbook", str(first), str(second), "kgz"])
    cli._countries_after_workbooks(args)
    assert args.workbook == [first, second] and args.countries == ["KGZ"]
    repeated = cli.make_parser().parse_args(["report", "KAZ", "--workbook", str(first), "--workbook", str(second)])
    cli._countries_after_workbooks(repeated)
    assert repeated.workbook == [first, second] and repeated.countries == ["KAZ"]
    assert cli._workbooks(repeated) == [first, second]


def test_country_takes_several_codes_after_one_flag_and_a_file_after_them(tmp_path: Path) -> None:
    args = cli.make_parser().parse_args(["add", "--country", "kaz", "Kyrgyzstan", "profile.txt"])
    cli._file_after_countries(args)
    assert args.country == ["KAZ", "KGZ"] and args.file == Path("profile.txt")
    first = cli.make_parser().parse_args(["add", "profile.txt", "--country", "KAZ", "--country", "KGZ"])
    cli._file_after_countries(first)
    assert first.country == ["KAZ", "KGZ"] and first.file == Path("profile.txt")


def test_a_folder_named_like_a_country_is_no_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``report --workbook book.xlsx KAZ`` in a folder holding a folder ``KAZ`` (an earlier ``--out KAZ``): KAZ is
    still a country (a workbook is a file); ``./KAZ`` names a path, so it is a workbook even where there is none."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "KAZ").mkdir()
    args = cli.make_parser().parse_args(["report", "--workbook", "book.xlsx", "KAZ"])
    cli._countries_after_workbooks(args)
    assert args.workbook == [Path("book.xlsx")] and args.countries == ["KAZ"]
    explicit = cli.make_parser().parse_args(["report", "--workbook", "book.xlsx", "./KGZ"])
    cli._countries_after_workbooks(explicit)
    assert explicit.workbook == [Path("book.xlsx"), Path("KGZ")] and explicit.countries == []
    (tmp_path / "KGZ").write_bytes(b"")  # a file named KGZ is a workbook
    named = cli.make_parser().parse_args(["report", "--workbook", "book.xlsx", "KGZ"])
    cli._countries_after_workbooks(named)
    assert named.workbook == [Path("book.xlsx"), Path("KGZ")] and named.countries == []


@pytest.mark.parametrize("name", ["St. Lucia", "Congo, Dem. Rep.", "é" * 300])
def test_a_country_name_with_a_dot_or_too_long_for_a_file_is_a_country(name: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The dot of ``St. Lucia`` makes no suffix, and a name too long for the file system (ENAMETOOLONG when
    asked whether it exists) is tried as a country, after ``--workbook`` and after ``--country`` alike."""
    monkeypatch.chdir(tmp_path)
    args = cli.make_parser().parse_args(["report", "--workbook", "book.xlsx", name])
    cli._countries_after_workbooks(args)
    assert args.workbook == [Path("book.xlsx")] and args.countries == [cli._iso3(name)]
    add = cli.make_parser().parse_args(["add", "--country", "KAZ", name])
    cli._file_after_countries(add)
    assert add.file is None and add.country == ["KAZ", cli._iso3(name)]


def test_a_long_country_after_workbook_is_refused_as_a_country_not_a_path(tmp_path: Path) -> None:
    done = ocdata("report", "--workbook", str(tmp_path / "book.xlsx"), "é" * 300, "--out", str(tmp_path / "out"),
                  cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "file name too long" not in done.stderr and "countries must be" in done.stderr


@pytest.mark.parametrize("extra", [["--country", "KAZ"], ["--kind", "article"], ["--id", "mine"],
                                   ["--edition", "2023"], ["--country", "KAZ", "x.txt"]])
def test_add_list_refuses_the_options_of_adding(extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "--list", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ocdata: error: add --list lists every added document")
    assert err.rstrip().endswith("(see ocdata add --help)")
