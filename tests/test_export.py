"""``ocdata export``: the tidy tables as CSV or Parquet, read back by ``ocdata.load(workbook=...)``; written
atomically, refusing any existing file that is not the same export."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from workbook_factory import write_workbook

import ocdata
from ocdata.errors import InputError, ParameterError
from ocdata.export import export_plan, write_export

KEY = ["iso3", "edition", "indicator"]
VALUES = ["iso3", "country", "continent", "region", "edition", "indicator", "pillar", "score"]


@pytest.fixture(scope="module")
def workbook_data(tmp_path_factory: pytest.TempPathFactory) -> ocdata.Dataset:
    book = write_workbook(tmp_path_factory.mktemp("book") / "global_oc_index.xlsx")
    return ocdata.load(raw=[], workbook=book)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_then_load_gives_identical_scores(tmp_path, workbook_data, suffix):
    [path] = write_export(export_plan(workbook_data.tables(), tmp_path / f"scores{suffix}"))
    back = ocdata.load(raw=[], workbook=path)
    pd.testing.assert_frame_equal(back.scores[VALUES], workbook_data.scores[VALUES])
    assert set(back.scores["source"]) == {path.name}
    assert back.sources.set_index("id").loc[path.name, "kind"] == "workbook"


def test_the_documents_round_trip_too(tmp_path):
    data = ocdata.load(workbook=False)
    [path] = write_export(export_plan(data.tables(), tmp_path / "scores.csv"))
    back = ocdata.load(raw=[], workbook=path)
    pd.testing.assert_frame_equal(back.scores[VALUES], data.scores[VALUES])
    assert back.failed.empty


def test_a_folder_gets_every_table(tmp_path, workbook_data):
    written = write_export(export_plan(workbook_data.tables(), tmp_path / "tables", "parquet"))
    assert sorted(p.name for p in written) == sorted(f"{name}.parquet" for name in workbook_data.tables())
    checks = pd.read_parquet(tmp_path / "tables" / "checks.parquet")
    assert len(checks) == len(workbook_data.checks)


def test_an_identical_export_is_fine_and_a_different_file_is_refused(tmp_path, workbook_data):
    target = tmp_path / "scores.csv"
    plan = export_plan(workbook_data.tables(), target)
    assert write_export(plan) == [target]
    assert write_export(export_plan(workbook_data.tables(), target)) == []  # the same bytes: nothing to do
    target.write_text("iso3,edition\nKGZ,2023\n", encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(InputError, match=r"scores\.csv: expected the file as ocdata wrote it .* found it changed"):
        write_export(plan)
    assert target.read_bytes() == before


def test_an_export_replaces_its_own_unchanged_file_and_refuses_one_it_did_not_write(tmp_path, workbook_data):
    target = tmp_path / "scores.csv"
    write_export({target: b"iso3\nKGZ\n"})  # an earlier export, with other data
    assert write_export(export_plan(workbook_data.tables(), target)) == [target]  # ours, unchanged: replaced
    mine = tmp_path / "mine.csv"
    mine.write_bytes(b"my own\n")
    with pytest.raises(InputError, match=r"mine\.csv: expected no file or one ocdata wrote .* a file of yours"):
        write_export(export_plan(workbook_data.tables(), mine))
    assert mine.read_bytes() == b"my own\n"


def test_a_folder_with_one_foreign_file_gets_nothing(tmp_path, workbook_data):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "ranks.csv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ranks\.csv"):
        write_export(export_plan(workbook_data.tables(), folder))
    assert [p.name for p in folder.iterdir()] == ["ranks.csv"]


def test_a_format_that_contradicts_the_file_name_is_refused(tmp_path, workbook_data):
    with pytest.raises(ParameterError, match=r"--format parquet and the file name scores\.csv disagree"):
        export_plan(workbook_data.tables(), tmp_path / "scores.csv", "parquet")


def test_export_through_the_command_line(tmp_path):
    env = {**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")}

    def run(*args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ocdata", "export", *map(str, args)], capture_output=True,
                              text=True, timeout=300, env=env, cwd=tmp_path)

    done = run("--no-workbook", "--format", "parquet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote scores.parquet"
    again = run("--no-workbook", "--out", "scores.parquet")
    assert (again.returncode, again.stdout.strip()) == (0, "unchanged scores.parquet")
    (tmp_path / "mine.csv").write_text("a,b\n", encoding="utf-8")
    refused = run("--no-workbook", "--out", "mine.csv")
    assert refused.returncode == 2
    assert refused.stderr.startswith("ocdata: error: mine.csv: expected no file or one ocdata wrote")
    assert "Traceback" not in refused.stderr
    back = ocdata.load(workbook=tmp_path / "scores.parquet")
    assert back.failed.empty
    assert len(back.scores) == len(pd.read_parquet(tmp_path / "scores.parquet"))
