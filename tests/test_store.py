"""``ocdata build --out DIR``: a user's files are never lost, and a killed build leaves the old or the new tables."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from docs import RAW, copy_raw, rewrite

import ocdata
from ocdata import capabilities
from ocdata.cli import main
from ocdata.errors import InputError
from ocdata.store import STEPS, WRITE_LOCK, check_out, clean_leftovers, publish_tables, shown_version, versions_dir
from ocdata.tables import BUILD_MARKER, DESCRIPTOR, read_tables, shown_folder


def ocdata_build(*args: str) -> subprocess.CompletedProcess:
    """``ocdata build ARGS`` in a real process."""
    return subprocess.run([sys.executable, "-m", "ocdata", "build", *map(str, args)], capture_output=True,
                          text=True, check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` byte for byte, and every name beside it (hidden leftovers show)."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {**files, "..": "\n".join(sorted(p.name for p in folder.parent.iterdir())).encode()}


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ocdata: error: "), lines
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def leftovers(out: Path) -> list[str]:
    """Names beside ``out`` and in its versions folder other than ``out``, the version it shows, the marker and
    the lock; in a pointer folder ``out``, names other than the pointer, the marker and the table files the pointer
    lists, and those files where they differ from the version's."""
    versions = versions_dir(out)
    shown = shown_version(out)
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.ocdata-")]
    ours = {shown.name if shown else None, ".lock", WRITE_LOCK}
    inside = [p.name for p in versions.iterdir() if p.name not in ours] if versions.is_dir() else []
    pointer = []
    if not out.is_symlink() and out.is_dir():
        listed = set(json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))["ocdata"]["files"])
        pointer = [p.name for p in out.iterdir() if p.name not in {DESCRIPTOR, BUILD_MARKER} | listed
                   or (p.name in listed and p.read_bytes() != (shown / p.name).read_bytes())]
    return beside + inside + pointer


def shows_a_version(out: Path) -> bool:
    """Whether ``out`` shows a version folder as this system does: a link, or (links forced away) a pointer."""
    return shown_version(out) is not None and out.is_symlink() != capabilities.forced()


# Refusals: nothing touched.
def test_a_users_folder_is_refused_and_kept(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_bytes(b"my thesis\n")
    before = snapshot(mine)
    assert_refused(ocdata_build("--out", mine), str(mine), "thesis.txt")
    assert snapshot(mine) == before


def test_out_equal_to_the_documents_is_refused(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    before = snapshot(raw)
    assert_refused(ocdata_build("--raw", raw, "--out", raw), "document folder")
    assert_refused(ocdata_build("--raw", raw, "--out", raw / "tables"), "document folder")
    assert_refused(ocdata_build("--raw", raw, "--out", tmp_path), "document folder")
    assert snapshot(raw) == before


def test_out_naming_a_file_is_refused_without_leftovers(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"notes\n")
    before = snapshot(notes.parent)
    assert_refused(ocdata_build("--out", notes), "notes.txt", "found a file")
    assert snapshot(notes.parent) == before


def test_system_folders_and_foreign_links_are_refused(tmp_path):
    assert_refused(ocdata_build("--out", "/"), "system")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(InputError, match="found a link ocdata did not make"):
        check_out(tmp_path / "link")
    with pytest.raises(InputError, match="system or home folder"):
        check_out(Path.home())


# Publishing: a link flipped to a version folder.
@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """A build published once, and its tables."""
    out = tmp_path_factory.mktemp("first") / "processed"
    assert main(["build", "--out", str(out)]) == 0
    return out


def test_out_is_a_link_to_a_readable_version(first):
    assert shows_a_version(first)
    if first.is_symlink():
        assert not Path(os.readlink(first)).is_absolute()
    version = shown_folder(first).resolve()
    assert version.parent == versions_dir(first).resolve()
    assert stat.S_IMODE(version.stat().st_mode) == 0o755
    assert stat.S_IMODE(versions_dir(first).stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in version.iterdir()} == {0o644}
    info = json.loads((first / DESCRIPTOR).read_text(encoding="utf-8"))["ocdata"]
    assert len(info["fingerprint"]) == 64 and info["left_out"] == 0
    assert [i["kind"] for i in info["inputs"]] == ["documents", "code"]
    assert (first / BUILD_MARKER).is_file()


def test_a_second_build_flips_the_link_and_removes_the_old_version(first, tmp_path):
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0
    old = shown_version(out)
    assert main(["build", "--out", str(out)]) == 0
    assert shown_version(out) != old and not old.exists()
    assert leftovers(out) == []


def test_a_users_file_inside_a_build_is_kept(first, tmp_path):
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0
    (out / "my notes.txt").write_bytes(b"mine\n")
    before = snapshot(shown_folder(out))
    assert_refused(ocdata_build("--out", out), "my notes.txt")
    assert snapshot(shown_folder(out)) == before


def legacy_build(source: Path, target: Path) -> Path:
    """A build as earlier versions wrote it: a real folder, no marker file, no ``"ocdata"`` record."""
    target.mkdir()
    for path in shown_folder(source).iterdir():
        if path.suffix in {".csv", ".parquet"}:
            shutil.copy(path, target / path.name)
    descriptor = json.loads((source / DESCRIPTOR).read_text(encoding="utf-8"))
    del descriptor["ocdata"]
    (target / DESCRIPTOR).write_text(json.dumps(descriptor), encoding="utf-8")
    return target


def test_an_earlier_real_folder_build_becomes_a_link(first, tmp_path):
    out = legacy_build(first, tmp_path / "processed")
    assert main(["build", "--out", str(out)]) == 0
    assert shows_a_version(out) and leftovers(out) == []
    (tmp_path / "empty").mkdir()
    assert main(["build", "--out", str(tmp_path / "empty")]) == 0
    assert shows_a_version(tmp_path / "empty") and leftovers(tmp_path / "empty") == []


def test_an_earlier_build_with_a_users_file_is_refused(first, tmp_path):
    out = legacy_build(first, tmp_path / "processed")
    (out / "thesis.txt").write_bytes(b"my thesis\n")
    before = snapshot(out)
    assert_refused(ocdata_build("--out", out), "thesis.txt")
    assert snapshot(out) == before


# The environment: a full disk, a read-only or forbidden folder end as exit 2 with the path.
@pytest.mark.parametrize(("code", "words"), [(errno.ENOSPC, "disk full"), (errno.EROFS, "writable"),
                                             (errno.EACCES, "writable")])
def test_environment_errors_exit_2_and_keep_the_previous_build(first, tmp_path, monkeypatch, capsys, code, words):
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0
    before = snapshot(shown_folder(out))

    def fail(self, path, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail)
    capsys.readouterr()
    assert main(["build", "--out", str(out)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and words in lines[0] and str(out.parent) in lines[0], lines
    assert snapshot(shown_folder(out)) == before
    assert leftovers(out) == []


def test_a_folder_that_cannot_be_made_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    assert main(["build", "--out", str(blocker / "processed")]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("ocdata: error: ") and str(blocker) in line and "\n" not in line


# Fault injection: the build killed at every step of its swap.
KILLER = """
import os, signal, sys
import ocdata.store as store
step, occurrence = sys.argv[1], int(sys.argv[2])
seen = []
def kill_at(name):
    seen.append(name)
    if seen.count(step) == occurrence:
        os.kill(os.getpid(), signal.SIGKILL)
store.STEP_HOOK = kill_at
from ocdata.cli import main
sys.exit(main(sys.argv[3:]))
"""


@pytest.fixture(scope="module")
def changed_raw(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame], bytes]:
    """Documents that build other tables (a capital renamed), with their tables and ``scores.csv``."""
    raw = copy_raw(tmp_path_factory.mktemp("changed") / "raw")
    text = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8").replace("    Bishkek", "    Bishkek City")
    rewrite(raw, "kgz_2025_profile_web.txt", text)
    out = raw.parent / "reference"
    assert main(["build", "--raw", str(raw), "--out", str(out)]) == 0
    return raw, read_tables(out), (shown_folder(out) / "scores.csv").read_bytes()


def assert_tables_equal(found: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert found.keys() == expected.keys()
    for name, table in expected.items():
        pd.testing.assert_frame_equal(found[name], table, obj=name)


# Every step of a publication over a link; over an earlier real folder, the steps where it differs.
KILL_POINTS = ([("link", step, 1) for step in STEPS if step not in ("place", "retire")] + [("link", "table", 6)]
               + [("real folder", step, 1) for step in ("staging", "link", "swap", "retire", "cleaned")])


@pytest.mark.parametrize(("earlier", "step", "occurrence"), KILL_POINTS)
def test_a_build_killed_at_any_step_leaves_old_or_new_tables(first, changed_raw, tmp_path, earlier, step,
                                                             occurrence):
    raw, new_tables, new_scores = changed_raw
    if earlier == "link":
        out = tmp_path / "processed"
        assert main(["build", "--out", str(out)]) == 0
    else:
        out = legacy_build(first, tmp_path / "processed")
    old_tables, old_scores = read_tables(out), (shown_folder(out) / "scores.csv").read_bytes()
    killed = subprocess.run([sys.executable, "-c", KILLER, step, str(occurrence), "build", "--raw", str(raw),
                             "--out", str(out)], capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    tables = read_tables(out)
    is_new = tables["profiles"]["capital"].tolist() == new_tables["profiles"]["capital"].tolist()
    assert_tables_equal(tables, new_tables if is_new else old_tables)
    assert (shown_folder(out) / "scores.csv").read_bytes() == (new_scores if is_new else old_scores)
    assert is_new == (STEPS.index(step) >= STEPS.index("swap"))
    loaded = ocdata.load(tables=out)
    pd.testing.assert_frame_equal(loaded.scores, tables["scores"])
    # The next build removes what the killed one left.
    assert main(["build", "--out", str(out)]) == 0
    assert shows_a_version(out) and leftovers(out) == []


def test_clean_leftovers_removes_only_marked_folders_named_by_a_build_id(first, tmp_path):
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0
    versions = versions_dir(out)
    half, empty, swap = "20260101T000000-1-abcdef", "20260101T000001-1-abcdef", "20260101T000002-1-abcdef"
    for name in (half, "half"):  # a build's files, named by a build id or not
        (versions / name).mkdir()
        (versions / name / BUILD_MARKER).write_text("{}", encoding="utf-8")
        (versions / name / "scores.csv").write_text("iso3\n", encoding="utf-8")
    (versions / empty).mkdir()
    (versions / "users").mkdir()
    (versions / "users" / "keep.txt").write_bytes(b"keep")
    for name in (swap, "x"):  # a swap link as a build makes it: relative, into the versions folder
        (tmp_path / f".processed.ocdata-swap-{name}").symlink_to(Path(versions.name) / shown_version(out).name)
    removed = {p.name for p in clean_leftovers(out)}
    assert removed == {half, empty, f".processed.ocdata-swap-{swap}"}
    assert (versions / "users" / "keep.txt").read_bytes() == b"keep" and shown_version(out).is_dir()
    assert (versions / "half" / "scores.csv").is_file() and (tmp_path / ".processed.ocdata-swap-x").is_symlink()


def test_publish_tables_returns_the_version_it_shows(first, tmp_path):
    data = ocdata.load(tables=first)
    version = publish_tables(data.tables(), data.sources, tmp_path / "out", {"fingerprint": "x"},
                             document_folders=[RAW])
    assert shown_version(tmp_path / "out") == version
    assert_tables_equal(read_tables(tmp_path / "out"), data.tables())
