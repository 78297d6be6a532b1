"""A batch holds its build: while held, no build, clean-up or cache pruning removes the version it reads; a hold
whose holder died is removed, and the next build cleans what it kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ocdata
import ocdata.build as build_module
from ocdata.build import held_build, run_build
from ocdata.cli import main
from ocdata.errors import InputError
from ocdata.store import HOLDS_NAME, hold, publish_tables, save_tables, shown_version, versions_dir
from ocdata.tables import read_tables


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tables of one build of the bundled documents."""
    out = tmp_path_factory.mktemp("built") / "processed"
    assert main(["build", "--out", str(out)]) == 0
    return read_tables(out)


def publish(tables: dict[str, pd.DataFrame], out: Path) -> Path:
    return publish_tables(tables, tables["sources"], out, {"fingerprint": "x"})


def save(tables: dict[str, pd.DataFrame], folder: Path, keep: int | None = None) -> Path:
    return save_tables(tables, tables["sources"], folder, {"fingerprint": folder.name}, keep=keep)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_same(found: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert found.keys() == expected.keys()
    for name, table in expected.items():
        pd.testing.assert_frame_equal(found[name], table, obj=name)


def test_a_held_version_outlives_later_builds_and_goes_with_the_next_after(tables, tmp_path):
    out = tmp_path / "processed"
    first = publish(tables, out)
    before = files_of(first)
    with hold(out) as version:
        assert version == first and version != out
        assert (versions_dir(out) / HOLDS_NAME).is_dir()
        second = publish(tables, out)
        third = publish(tables, out)
        assert shown_version(out) == third
        assert files_of(version) == before  # every file of the held version, byte for byte
        assert_same(read_tables(version), tables)
        assert not second.exists()  # not held: cleaned as before
    assert first.is_dir()  # released: the next build cleans it
    publish(tables, out)
    assert not first.exists() and not (versions_dir(out) / HOLDS_NAME).exists()


def test_a_held_cache_build_outlives_pruning(tables, tmp_path):
    cache = tmp_path / "tables"
    first = save(tables, cache / "a")
    before = files_of(first)
    with hold(first) as version:
        assert version == first
        save(tables, cache / "b", keep=1)
        save(tables, cache / "c", keep=1)
        assert files_of(first) == before and not (cache / "b").exists()
        assert_same(read_tables(first), tables)
    save(tables, cache / "d", keep=1)
    assert not first.exists() and not (cache / "c").exists() and (cache / "d").is_dir()


HOLDER = """
import os, signal, sys
from ocdata.store import hold
with hold(sys.argv[1]) as version:
    print(version, flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.readline()
"""


def test_a_hold_in_another_process_keeps_the_build_until_it_ends(tables, tmp_path):
    out = tmp_path / "processed"
    first = publish(tables, out)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), "wait"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert Path(holder.stdout.readline().strip()) == first  # held from here on
        publish(tables, out)
        publish(tables, out)
        assert first.is_dir()
        assert_same(read_tables(first), tables)
    finally:
        holder.communicate("done\n", timeout=60)
    assert holder.returncode == 0
    publish(tables, out)
    assert not first.exists()


def test_the_hold_of_a_killed_holder_is_removed(tables, tmp_path):
    out = tmp_path / "processed"
    first = publish(tables, out)
    killed = subprocess.run([sys.executable, "-c", HOLDER, str(out), "die"], capture_output=True, text=True,
                            check=False)
    assert killed.returncode == -9 and Path(killed.stdout.strip()) == first
    assert list((versions_dir(out) / HOLDS_NAME).iterdir())  # the hold file it left
    publish(tables, out)
    assert not first.exists() and not (versions_dir(out) / HOLDS_NAME).exists()


def test_a_folder_without_a_build_cannot_be_held(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="saved build"), hold(tmp_path / "empty"):
        pass


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("OCDATA_PROCESSED", str(tmp_path / "processed"))
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(build_module, "_MEMO", {})
    return tmp_path


def test_held_build_gives_the_version_folder_and_keeps_it_through_builds(isolated, capsys):
    assert run_build(workbook=False) == 0
    processed = isolated / "processed"
    with held_build(workbook=False) as folder:
        assert folder == shown_version(processed)
        before = files_of(folder)
        assert run_build(workbook=False) == 0
        assert run_build(workbook=False) == 0
        assert shown_version(processed) != folder and files_of(folder) == before
        pd.testing.assert_frame_equal(ocdata.load(tables=folder).scores, ocdata.load(tables=processed).scores)
    assert run_build(workbook=False) == 0
    assert not folder.exists()


def test_a_batch_survives_a_build_while_it_renders(isolated, monkeypatch, capsys):
    """``ocdata report`` while ``ocdata build`` replaces data/processed twice between the check and the
    rendering: every report reads the build the batch checked, and none fails."""
    from ocdata.report import command

    assert run_build(workbook=False) == 0
    checked = shown_version(isolated / "processed")
    real_render = command._render
    seen = []

    def render_after_builds(pool, planned, out, entries, writing, *rest):
        for _ in range(2):
            assert main(["build"]) == 0
        seen.append([p.job.parameters.get("tables") for p in planned])
        assert checked.is_dir() and shown_version(isolated / "processed") != checked
        return real_render(pool, planned, out, entries, writing, *rest)

    monkeypatch.setattr(command, "_render", render_after_builds)
    assert command.run_reports(countries=["KGZ"], edition=2023, workbook=False, jobs=1, out=isolated / "reports",
                               progress=False) == 0
    assert seen == [[str(checked)]]
    assert (isolated / "reports" / "KGZ_2023.html").is_file()
    assert run_build(workbook=False) == 0
    assert not checked.exists()  # the batch ended: its build goes with the next
