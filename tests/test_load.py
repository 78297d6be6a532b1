"""``ocdata.load()``: saved builds by fingerprint, results the caller owns, and where things live by default."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from corpus import BUNDLED, of_documents
from docs import RAW, copy_raw, rewrite
from workbook_factory import write_workbook

import ocdata
import ocdata.build as build_module
from ocdata import paths
from ocdata.build import CACHE_KEEP, ensure_built, run_build
from ocdata.errors import InputError, ParseError
from ocdata.tables import read_tables, shown_folder


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """Empty data/processed and cache folders of this test's own, and no tables read before."""
    monkeypatch.setenv("OCDATA_PROCESSED", str(tmp_path / "processed"))
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(build_module, "_MEMO", {})
    return tmp_path


def no_parsing(monkeypatch) -> None:
    """Make any parse of the documents fail the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the documents were parsed again")

    monkeypatch.setattr(build_module, "build", refuse)
    monkeypatch.setattr(build_module, "_MEMO", {})


def cached_builds(root: Path) -> list[str]:
    folder = root / "cache" / "tables"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


# Saved builds.
def test_load_after_build_reads_the_saved_tables(isolated, monkeypatch, capsys):
    assert run_build() == 0
    saved = read_tables(isolated / "processed")
    no_parsing(monkeypatch)
    data = ocdata.load()
    for name, table in saved.items():
        pd.testing.assert_frame_equal(getattr(data, name), table)
    assert cached_builds(isolated) == []  # data/processed matched: nothing built, nothing cached
    assert ensure_built() == isolated / "processed"


def test_load_builds_once_into_the_cache_then_reads_it(isolated, monkeypatch):
    first = ocdata.load()
    assert len(cached_builds(isolated)) == 1
    folder = ensure_built()
    assert folder.parent == isolated / "cache" / "tables" and folder.name == cached_builds(isolated)[0]
    no_parsing(monkeypatch)
    again = ocdata.load()
    pd.testing.assert_frame_equal(again.scores, first.scores)
    pd.testing.assert_frame_equal(ocdata.load(tables=folder).checks, first.checks)


def test_a_fresh_process_reads_the_saved_build_without_parsing(isolated):
    saving = subprocess.run([sys.executable, "-c", "import ocdata; ocdata.load()"], capture_output=True, text=True,
                            check=False)
    assert saving.returncode == 0, saving.stderr
    script = ("import sys, ocdata, ocdata.build as b\n"
              "b.build = None  # any parse would fail\n"
              f"print(ocdata.load().scores['source'].isin({sorted(BUNDLED)}).sum())\n"
              "print(sorted(m for m in sys.modules if m.startswith(('openpyxl', 'papermill', 'matplotlib'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["168", "[]"]


def test_changing_a_document_rebuilds(isolated):
    raw = copy_raw(isolated / "raw")
    first = ocdata.load(raw)
    text = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8").replace("    Bishkek", "    Bishkek City")
    rewrite(raw, "kgz_2025_profile_web.txt", text)
    second = ocdata.load(raw)
    assert first.profiles["capital"].tolist() == ["Bishkek"]
    assert second.profiles["capital"].tolist() == ["Bishkek City"]
    assert len(cached_builds(isolated)) == 2


def test_a_document_changed_without_its_checksum_is_refused_not_read_from_a_saved_build(isolated):
    raw = copy_raw(isolated / "raw")
    ocdata.load(raw)
    (raw / "kgz_2021_profile_pdf.txt").write_text("KYRGYZSTAN\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"kgz_2021_profile_pdf.txt: expected sha256 e50175d6ef18"):
        ocdata.load(raw)


def test_the_cache_keeps_only_the_newest_builds(isolated):
    raw = copy_raw(isolated / "raw")
    original = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8")
    for n in range(CACHE_KEEP + 2):
        rewrite(raw, "kgz_2025_profile_web.txt", original.replace("    Bishkek", f"    Bishkek{n}"))
        assert ocdata.load(raw).profiles["capital"].tolist() == [f"Bishkek{n}"]
    assert len(cached_builds(isolated)) == CACHE_KEEP
    assert not [p for p in (isolated / "cache" / "tables").iterdir() if p.name.startswith(".tmp-")]


def test_keep_going_build_with_a_document_left_out_serves_only_keep_going(isolated):
    raw = copy_raw(isolated / "raw")
    text = (raw / "kgz_2021_profile_pdf.txt").read_text(encoding="utf-8").replace("HEROIN TRADE", "HERON TRADE")
    rewrite(raw, "kgz_2021_profile_pdf.txt", text)
    data = ocdata.load(raw, strict=False, keep_going=True)
    assert data.failed["check"].tolist() == ["document_parses"]
    with pytest.raises(ParseError, match="HERON TRADE"):
        ocdata.load(raw)


# Bad saved builds.
def test_tables_with_a_wrong_dtype_are_refused_naming_the_file(isolated):
    out = isolated / "processed"
    assert run_build(out=out) == 0
    scores = pd.read_parquet(shown_folder(out) / "scores.parquet")
    scores["edition"] = scores["edition"].astype("float64")
    scores.to_parquet(shown_folder(out) / "scores.parquet", index=False)
    with pytest.raises(InputError, match=r"scores.parquet: expected column edition of dtype Int64 \(schema.yaml\), "
                                         r"found float64"):
        ocdata.load(tables=out)
    with pytest.raises(InputError, match=r"nowhere: expected a folder of tables written by 'ocdata build'"):
        ocdata.load(tables=isolated / "nowhere")


def test_a_bad_default_build_is_rebuilt_with_a_warning(isolated, capsys):
    assert run_build() == 0
    version = shown_folder(isolated / "processed")
    (version / "ranks.parquet").write_bytes(b"not parquet")
    capsys.readouterr()
    data = ocdata.load()
    assert len(of_documents(data.ranks)) == 18
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ocdata: warning: ") and "ranks.parquet" in err[0], err
    assert len(cached_builds(isolated)) == 1


# Results the caller owns.
def test_changing_a_result_never_changes_a_later_load(isolated):
    saved = read_tables(ensure_built())
    data = ocdata.load()
    data.scores.loc[0, "score"] = 99.0
    data.scores["line"].array[0] = 12345  # an extension array written in place
    data.ranks.loc[:, "rank"] = 0
    data.checks["status"] = "fail"
    with pytest.raises(ValueError, match="read-only"):
        data.scores["score"].to_numpy()[1] = 99.0
    again = ocdata.load()
    for name, table in saved.items():
        pd.testing.assert_frame_equal(getattr(again, name), table)
    assert ocdata.load().failed.empty


# Documents in several folders.
def split_raw(root: Path) -> tuple[Path, Path]:
    """The bundled documents in two folders: the first four, and the article."""
    a, b = copy_raw(root / "a"), root / "b"
    manifest = yaml.safe_load((a / "sources.yaml").read_text(encoding="utf-8"))
    b.mkdir()
    article = manifest["documents"][4]
    shutil.move(a / article["file"], b / article["file"])
    (b / "sources.yaml").write_text(yaml.safe_dump({"documents": [article]}), encoding="utf-8")
    (a / "sources.yaml").write_text(yaml.safe_dump({"documents": manifest["documents"][:4]}), encoding="utf-8")
    return a, b


def test_documents_from_several_folders(isolated):
    a, b = split_raw(isolated)
    together = ocdata.load([a, b])
    pd.testing.assert_frame_equal(together.series, ocdata.load(RAW).series)
    assert together.sources["id"].tolist()[-1] == "kaz_article"
    with pytest.raises(ParseError, match=r"b/sources.yaml: expected document ids unique across the document "
                                         r"folders, found 'kaz_article' again"):
        ocdata.load([RAW, b])


def test_the_users_documents_folder_is_read_by_default(isolated, monkeypatch):
    a, b = split_raw(isolated)
    monkeypatch.setenv("OCDATA_RAW", str(a))
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(b))
    assert paths.document_dirs() == [a, b]
    assert "kaz_article" in ocdata.load().sources["id"].tolist()
    (b / "sources.yaml").unlink()
    assert paths.document_dirs() == [a]


# The workbook by default.
def test_the_newest_downloaded_workbook_is_the_default(isolated, monkeypatch, capsys):
    from ocdata import download

    book = write_workbook(isolated / "global_oc_index.xlsx")
    monkeypatch.setattr(download, "latest_workbook", lambda: book)
    data = ocdata.load(strict=False)
    assert "global_oc_index.xlsx" in data.sources["file"].tolist()
    assert "global_oc_index.xlsx" not in ocdata.load(workbook=False).sources["file"].tolist()
    capsys.readouterr()
    run_build(out=isolated / "out", keep_going=True)
    out = capsys.readouterr().out
    assert out.startswith(f"using the downloaded workbook {book} (sha256 ")
    info = json.loads((isolated / "out" / "datapackage.json").read_text(encoding="utf-8"))["ocdata"]
    assert [i["kind"] for i in info["inputs"]] == ["documents", "workbook", "code"]


# Where things live.
def test_defaults_outside_a_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "in_checkout", lambda: False)
    for name in ("OCDATA_RAW", "OCDATA_PROCESSED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.processed_dir() == tmp_path / "data" / "processed"
    assert paths.reports_dir() == tmp_path / "reports"
    assert paths.raw_dir() == paths.PACKAGE_DIR / "_bundled" / "raw"
    assert paths.notebooks_dir() == paths.PACKAGE_DIR / "_bundled" / "notebooks"


def test_defaults_in_a_checkout(monkeypatch):
    for name in ("OCDATA_RAW", "OCDATA_PROCESSED"):
        monkeypatch.delenv(name, raising=False)
    assert paths.in_checkout()
    assert paths.raw_dir() == paths.PROJECT_DIR / "data" / "raw"
    assert paths.processed_dir() == paths.PROJECT_DIR / "data" / "processed"
    assert paths.reports_dir() == paths.PROJECT_DIR / "reports"


def test_user_folders_follow_the_platform(tmp_path, monkeypatch):
    for name in ("OCDATA_CACHE", "OCDATA_DOCUMENTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    assert paths.cache_dir() == tmp_path / "c" / "ocdata"
    assert paths.user_documents_dir() == tmp_path / "d" / "ocdata" / "documents"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, as the spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.cache_dir() == tmp_path / "home" / ".cache" / "ocdata"


def test_a_cache_that_cannot_be_written_costs_a_warning_not_the_tables(isolated, monkeypatch, capsys):
    blocker = isolated / "not a folder"
    blocker.write_bytes(b"x")
    monkeypatch.setenv("OCDATA_CACHE", str(blocker))
    data = ocdata.load()
    assert len(of_documents(data.scores)) == 168
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ocdata: warning: ") and "not saved" in err[0], err
    assert blocker.read_bytes() == b"x"
    with pytest.raises(InputError, match="not a folder"):
        ensure_built()
