"""A build folder goes only when its files are as ocdata wrote them; ``--out .`` is refused; descriptors and markers
are read with bounded work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ocdata
import ocdata.store as store
from ocdata import capabilities
from ocdata.cli import main
from ocdata.errors import InputError
from ocdata.store import check_out, clean_leftovers, publish_tables, save_tables, versions_dir
from ocdata.tables import DESCRIPTOR, read_tables

EDIT = b"# my correction\n"
CHANGED = "found 'scores.csv' changed since (move it out first)"


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("built") / "processed"
    assert main(["build", "--out", str(out)]) == 0
    return read_tables(out)


@pytest.fixture(params=["link", "fallback"])
def mode(request, monkeypatch) -> str:
    if request.param == "fallback":
        monkeypatch.setattr(capabilities, "symlinks", lambda folder: False)
    return request.param


def publish(tables: dict[str, pd.DataFrame], out: Path) -> Path:
    return publish_tables(tables, tables["sources"], out, {"fingerprint": "x"})


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and beside it, byte for byte."""
    return {str(p.relative_to(folder.parent)): p.read_bytes() for p in sorted(folder.parent.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != store.WRITE_LOCK}


def ocdata_build(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", "build", *map(str, args)], capture_output=True,
                          text=True, check=False, timeout=120, env={**os.environ, **(env or {})})


def test_publishing_over_an_edited_table_is_refused_and_nothing_is_touched(tables, tmp_path, mode):
    out = tmp_path / "b1"
    publish(tables, out)
    with open(out / "scores.csv", "ab") as handle:
        handle.write(EDIT)
    before = files(out)
    with pytest.raises(InputError, match="expected the files of an ocdata build as it wrote them") as caught:
        publish(tables, out)
    assert CHANGED in str(caught.value) and Path(caught.value.file) == out
    assert files(out) == before
    assert (out / "scores.csv").read_bytes().endswith(EDIT)


def test_the_command_refuses_an_edited_build_with_exit_2(tables, tmp_path):
    out = tmp_path / "b1"
    assert main(["build", "--out", str(out)]) == 0
    with open(out / "scores.csv", "ab") as handle:
        handle.write(EDIT)
    before = files(out)
    result = ocdata_build("--out", out, env={"OCDATA_FORCE_FALLBACKS": "0"})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and CHANGED in result.stderr, result.stderr
    assert files(out) == before


def test_an_edited_build_folder_is_kept_by_clean_up(tables, tmp_path, mode):
    out = tmp_path / "b1"
    version = publish(tables, out)
    copy = versions_dir(out) / "20200101T000000-1-abcdef"
    shutil.copytree(version, copy)
    untouched = versions_dir(out) / "20200101T000000-2-abcdef"
    shutil.copytree(version, untouched)
    with open(copy / "codebook.parquet", "ab") as handle:
        handle.write(EDIT)
    removed = clean_leftovers(out)
    assert untouched in removed and not untouched.exists()
    assert copy not in removed and (copy / "codebook.parquet").read_bytes().endswith(EDIT)
    assert not store._remove_build(copy) and copy.is_dir()


def test_a_copied_build_with_an_edit_is_refused_not_replaced(tables, tmp_path, mode):
    version = publish(tables, tmp_path / "b1")
    copy = tmp_path / "mine"
    shutil.copytree(version, copy)
    with open(copy / "scores.csv", "ab") as handle:
        handle.write(EDIT)
    with pytest.raises(InputError, match="changed since"):
        publish(tables, copy)
    assert (copy / "scores.csv").read_bytes().endswith(EDIT) and not copy.is_symlink()


def legacy(tables: dict[str, pd.DataFrame], tmp_path: Path) -> Path:
    """A build as earlier versions wrote it: a real folder, no ``"ocdata"`` record (no Parquet hashes)."""
    version = publish(tables, tmp_path / "source")
    target = tmp_path / "old"
    shutil.copytree(version, target, ignore=shutil.ignore_patterns(".ocdata-build"))
    descriptor = json.loads((target / DESCRIPTOR).read_text(encoding="utf-8"))
    del descriptor["ocdata"]
    (target / DESCRIPTOR).write_text(json.dumps(descriptor), encoding="utf-8")
    return target


def test_an_earlier_build_goes_only_when_its_parquet_holds_its_csv(tables, tmp_path):
    same = legacy(tables, tmp_path)
    assert store._remove_build(same) and not same.exists()
    edited = legacy(tables, tmp_path)
    codebook = pd.read_parquet(edited / "codebook.parquet")
    codebook.iloc[0, 0] = "my correction"
    codebook.to_parquet(edited / "codebook.parquet", index=False)
    assert not store._remove_build(edited)
    assert pd.read_parquet(edited / "codebook.parquet").iloc[0, 0] == "my correction"


def test_the_cache_keeps_an_edited_build_without_an_error(tables, tmp_path):
    folder = tmp_path / "cache" / "build-a"
    save_tables(tables, tables["sources"], folder, {"fingerprint": "a"})
    with open(folder / "scores.csv", "ab") as handle:
        handle.write(EDIT)
    save_tables(tables, tables["sources"], folder, {"fingerprint": "a"}, keep=1)
    kept = [p for p in folder.parent.iterdir() if (p / "scores.csv").is_file()
            and (p / "scores.csv").read_bytes().endswith(EDIT)]
    assert len(kept) == 1 and kept[0] != folder
    assert not (folder / "scores.csv").read_bytes().endswith(EDIT)
    other = tmp_path / "cache" / "build-b"
    save_tables(tables, tables["sources"], other, {"fingerprint": "b"}, keep=1)
    assert kept[0].is_dir() and not folder.exists()


@pytest.mark.parametrize("name", [".", "./", "", "..", "sub/.."])
def test_out_naming_the_working_folder_is_refused_and_nothing_is_made(tmp_path, monkeypatch, capsys, name):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    monkeypatch.chdir(work / "sub" if name == "sub/.." else work)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["build", "--out", name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected a folder name for the built tables" in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_the_working_folder_by_its_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="found the working folder itself"):
        check_out(tmp_path)
    assert list(tmp_path.iterdir()) == []


def unbounded(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "nested":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    else:
        path.write_bytes(b" " * (16 * 1024 * 1024 + 1))


KINDS = ["fifo", "device", "nested", "huge"]
WORDS = {"fifo": "a FIFO", "device": "a device", "nested": "nested too deeply", "huge": "at most"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fallbacks", ["0", "1"])
def test_an_unbounded_descriptor_is_refused_by_build(tmp_path, kind, fallbacks):
    out = tmp_path / "tables"
    out.mkdir()
    unbounded(kind, out / DESCRIPTOR)
    result = ocdata_build("--no-workbook", "--out", out, env={"OCDATA_FORCE_FALLBACKS": fallbacks})
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert DESCRIPTOR in result.stderr and WORDS[kind] in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unbounded_descriptor_is_refused_by_load(tmp_path, kind):
    folder = tmp_path / "tables"
    folder.mkdir()
    unbounded(kind, folder / DESCRIPTOR)
    with pytest.raises(InputError, match=WORDS[kind]) as caught:
        ocdata.load(tables=folder)
    assert Path(caught.value.file) == folder / DESCRIPTOR


@pytest.mark.parametrize("kind", ["fifo", "nested"])
def test_an_unbounded_marker_is_refused(tables, tmp_path, kind, monkeypatch):
    monkeypatch.setattr(capabilities, "symlinks", lambda folder: False)
    out = tmp_path / "b1"
    publish(tables, out)
    (out / ".ocdata-build").unlink()
    unbounded(kind, out / ".ocdata-build")
    with pytest.raises(InputError, match=WORDS[kind]):
        publish(tables, out)
