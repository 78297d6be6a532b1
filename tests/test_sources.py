"""Every release and form the index travels in, wired end to end: several workbook sources in one build (the
2021 release beside a later release), unrounded composites checked both ways, one-edition files that need
``--edition``, and the real 2023 release against the same release saved as CSV."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from corpus import document_count
from workbook_factory import (
    COUNTRIES,
    country_name,
    official_sheets,
    release_2021_sheets,
    shared_workbook,
    unrounded_composites,
    write_csv,
    write_parquet,
    write_workbook,
)

import ocdata
from ocdata.errors import ParameterError, ParseError
from ocdata.inputs.workbook import load_headers, normalize_header
from ocdata.numbers import round_half_up

KEY = ["iso3", "edition", "indicator"]
VALUES = ["iso3", "country", "continent", "region", "edition", "indicator", "pillar", "score"]


def ocdata_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A release laid out like the 2023 and 2025 ones (an intro sheet, one sheet per edition)."""
    return write_workbook(tmp_path / "global_oc_index.xlsx")


@pytest.fixture
def release_2021(tmp_path: Path) -> Path:
    """The 2021 release: cover sheet, ``Full_dataset``, ``Country Code``, capital headers, unrounded composites."""
    return write_workbook(tmp_path / "oc_index_2021.xlsx", release_2021_sheets(), intro=False)


def _cell(rows: list[list], iso3: str, header: str) -> tuple[int, int]:
    """0-based (row, column) of a country's cell, the country found by its code in ``Country Code``."""
    column = rows[0].index(header)
    code = rows[0].index("Country Code")
    return next(i for i, r in enumerate(rows) if i > 0 and r[code] == iso3), column


def _one_edition_csv(path: Path, edition: int = 2021) -> Path:
    """One edition's sheet saved as CSV, its rows in another order, its name saying no edition."""
    return write_csv(path, official_sheets()[f"{edition}_dataset"], reverse=True)


def _agreeing_2021_csv(path: Path) -> Path:
    """The 2021 sheet as CSV with Kazakhstan's row as the bundled documents give it (back-cast from 2023), so
    that the documents and the file agree on every value they share."""
    rows = [list(r) for r in official_sheets()["2021_dataset"]]
    fields = load_headers().assign(key=lambda t: t["header"].map(normalize_header)).set_index("key")["field"]
    documents = ocdata.load(workbook=False).scores.set_index(KEY)["score"]
    r = next(i for i, row in enumerate(rows) if row[rows[0].index("Country")] == "Kazakhstan")
    for c, header in enumerate(rows[0]):
        field = fields[normalize_header(header)]
        if ("KAZ", 2021, field) in documents.index:
            rows[r][c] = float(documents[("KAZ", 2021, field)])
    return write_csv(path, rows, reverse=True)


# --- the 2021 release and a later release together ------------------------------------------------------------


def test_two_releases_that_agree_give_one_row_per_key_and_passing_checks(release, release_2021):
    data = ocdata.load(raw=[], workbook=[release_2021, release])
    assert data.failed.empty
    assert not data.scores.duplicated(KEY).any()
    # the later release wins every row of 2021; the 2021 release's values are checks
    rows_2021 = data.scores[data.scores["edition"] == 2021]
    assert set(rows_2021["source"]) == {"global_oc_index.xlsx"} and set(rows_2021["sheet"]) == {"2021_dataset"}
    agree = data.checks[data.checks["check"] == "sources_agree"]
    assert len(agree) == 7 * 26 and set(agree["source"]) == {"oc_index_2021.xlsx"}
    assert (agree["status"] == "pass").all()
    # every unrounded composite is checked against its indicators and against the later release's rounding
    for check in ("unrounded_matches_indicators", "unrounded_rounds_to_printed"):
        rows = data.checks[data.checks["check"] == check]
        assert len(rows) == 7 * 4 and (rows["status"] == "pass").all(), check
    assert data.sources.set_index("id").loc["oc_index_2021.xlsx", ["kind", "edition"]].tolist() == ["workbook", 2021]


def test_the_order_given_does_not_decide_between_releases(release, release_2021):
    one = ocdata.load(raw=[], workbook=[release_2021, release])
    other = ocdata.load(raw=[], workbook=[release, release_2021])
    pd.testing.assert_frame_equal(one.scores, other.scores)
    assert one.sources["id"].tolist() == ["oc_index_2021.xlsx", "global_oc_index.xlsx"]  # as given


def test_the_2021_release_alone_stores_rounded_scores_and_keeps_the_published_value_in_its_check(release_2021):
    data = ocdata.load(raw=[], workbook=release_2021)
    unrounded = unrounded_composites("SWZ", 2021)["resilience"]
    assert round(unrounded, 2) != unrounded  # the factory's value has more than 2 decimals
    row = data.scores.set_index(KEY).loc[("SWZ", 2021, "resilience")]
    assert row["score"] == round_half_up(unrounded) and row["sheet"] == "Full_dataset"
    check = data.checks[(data.checks["check"] == "unrounded_matches_indicators")
                        & (data.checks["subject"] == "SWZ 2021 resilience unrounded")].iloc[0]
    assert check["found"].startswith(f"{unrounded:.10g} (oc_index_2021.xlsx:Full_dataset row ")
    assert check["status"] == "pass"
    assert (data.checks["check"] == "unrounded_rounds_to_printed").sum() == 0  # no other file to compare with


def test_a_changed_cell_is_a_failing_check_naming_both_files_and_rows(tmp_path, release):
    sheets = release_2021_sheets()
    rows = sheets["Full_dataset"]
    r, c = _cell(rows, "TUV", "Heroin trade")
    rows[r][c] = 10.0 if rows[r][c] != 10.0 else 9.0
    changed = write_workbook(tmp_path / "oc_index_2021.xlsx", sheets, intro=False)
    data = ocdata.load(raw=[], workbook=[changed, release], strict=False)
    failed = data.failed[data.failed["check"] == "sources_agree"]
    assert len(failed) == 1
    check = failed.iloc[0]
    assert check["subject"] == "TUV 2021 heroin_trade"
    assert check["expected"].endswith(f"(global_oc_index.xlsx:2021_dataset row {_row_of('TUV', 2021)})")
    assert check["found"] == f"{rows[r][c]:.2f} (oc_index_2021.xlsx:Full_dataset row {r + 1})"
    assert (check["source"], check["line"]) == ("oc_index_2021.xlsx", r + 1)
    # the later release's value is the row
    assert data.scores.set_index(KEY).loc[("TUV", 2021, "heroin_trade"), "source"] == "global_oc_index.xlsx"
    with pytest.raises(ocdata.ValidationError, match=rf"^oc_index_2021.xlsx:{r + 1}: sources_agree on TUV 2021 "
                                                     r"heroin_trade: expected .*global_oc_index.xlsx:2021_dataset"):
        ocdata.load(raw=[], workbook=[changed, release])


def _row_of(iso3: str, edition: int) -> int:
    """The 1-based Excel row of a country in the factory's sheet of an edition."""
    rows = official_sheets()[f"{edition}_dataset"]
    column = rows[0].index("Country")
    return next(i for i, r in enumerate(rows) if i > 0 and r[column] == country_name(iso3, edition)) + 1


def test_an_unrounded_composite_off_its_indicators_and_the_later_rounding_fails_both_checks(tmp_path, release):
    sheets = release_2021_sheets()
    rows = sheets["Full_dataset"]
    r, c = _cell(rows, "KAZ", "CRIMINALITY")
    rows[r][c] = rows[r][c] + 0.02
    changed = write_workbook(tmp_path / "oc_index_2021.xlsx", sheets, intro=False)
    data = ocdata.load(raw=[], workbook=[changed, release], strict=False)
    assert set(data.failed["check"]) == {"unrounded_matches_indicators", "unrounded_rounds_to_printed"}
    assert set(data.failed["subject"]) == {"KAZ 2021 criminality unrounded", "KAZ 2021 criminality rounded"}


def test_the_2021_release_beside_the_documents_checks_the_2021_profile(release_2021):
    data = ocdata.load(workbook=release_2021, strict=False)
    kgz = data.checks[(data.checks["check"] == "sources_agree") & (data.checks["subject"] == "KGZ 2021 heroin_trade")]
    assert kgz[["source", "status"]].values.tolist() == [["oc_index_2021.xlsx", "pass"]]
    assert data.scores.set_index(KEY).loc[("KGZ", 2021, "heroin_trade"), "source"] == "kgz_2021_pdf"


# --- one-edition files -------------------------------------------------------------------------------------------


def test_a_one_edition_csv_without_an_edition_needs_edition(tmp_path):
    table = _one_edition_csv(tmp_path / "sheet.csv")
    with pytest.raises(ParseError, match=r"^sheet.csv: expected the edition .* pass it \(edition=2021"):
        ocdata.load(raw=[], workbook=table)
    data = ocdata.load(raw=[], workbook=table, edition=2021)
    assert data.failed.empty
    assert set(data.scores["edition"]) == {2021} and data.scores["iso3"].nunique() == 7
    assert data.sources.set_index("id").loc["sheet.csv", "title"] == "Global Organized Crime Index, table (CSV)"


def test_the_edition_given_is_not_forced_on_files_that_say_theirs(tmp_path, release):
    table = _one_edition_csv(tmp_path / "sheet.csv")
    data = ocdata.load(raw=[], workbook=[table, release], edition=2021)
    assert data.failed.empty
    assert sorted(set(data.scores["edition"])) == [2021, 2023, 2025]
    agree = data.checks[data.checks["check"] == "sources_agree"]
    assert len(agree) == 7 * 30 and set(agree["source"]) == {"sheet.csv"}  # indicators and composites


def test_one_edition_files_of_the_same_edition_keep_the_order_given(tmp_path):
    sheet = official_sheets()["2023_dataset"]
    first = write_parquet(tmp_path / "first_2023.parquet", sheet)
    second = write_csv(tmp_path / "second_2023.csv", sheet)
    data = ocdata.load(raw=[], workbook=[first, second])
    assert set(data.scores["source"]) == {"first_2023.parquet"}
    assert data.sources.set_index("id")["title"].str.endswith("(Parquet)").tolist() == [True, False]


def test_two_files_of_the_same_name_are_refused(tmp_path, release):
    (tmp_path / "copy").mkdir()
    again = write_workbook(tmp_path / "copy" / release.name)
    with pytest.raises(ParameterError, match=r"global_oc_index\.xlsx' twice"):
        ocdata.load(raw=[], workbook=[release, again])


def test_edition_through_the_command_line(tmp_path):
    table = _agreeing_2021_csv(tmp_path / "sheet.csv")
    env = {**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")}
    refused = ocdata_cli("build", "--workbook", table, "--out", tmp_path / "out", env=env)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().count("\n") == 0 and "--edition 2021" in refused.stderr
    assert refused.stderr.startswith("ocdata: error: sheet.csv: expected the edition")
    assert not (tmp_path / "out").exists()
    done = ocdata_cli("build", "--workbook", table, "--edition", "2021", "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, done.stderr
    assert f"{document_count()} documents, 1 workbook" in done.stdout and "0 failed" in done.stdout
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    in_the_file = {iso3 for iso3, *_ in COUNTRIES}
    documents = set(ocdata.load(workbook=False).scores.query("edition == 2021")["iso3"])
    assert len(in_the_file) == 7 and {"KAZ", "KGZ"} <= documents
    assert set(scores.loc[scores["edition"] == 2021, "iso3"]) == in_the_file | documents


# --- the real 2023 release, and the same release as CSV ------------------------------------------------------------


def _release_as_csv(book: Path, folder: Path) -> list[Path]:
    """Each edition sheet of a release saved as a CSV named after the sheet (cell values as they are)."""
    workbook = openpyxl.load_workbook(book, read_only=True, data_only=True)
    paths = []
    try:
        for name in workbook.sheetnames:
            if not name.endswith("_dataset"):
                continue
            rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
            rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
            paths.append(write_csv(folder / f"{name}.csv", rows))
    finally:
        workbook.close()
    return paths


def test_the_real_release_and_its_sheets_as_csv_give_identical_scores(tmp_path):
    if os.environ.get("OCDATA_REQUIRE_WORKBOOK") == "1":
        path = Path(os.environ.get("OCDATA_WORKBOOK")
                    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "global_oc_index_2023.xlsx")
        assert path.is_file(), f"OCDATA_REQUIRE_WORKBOOK=1 but the official workbook is not at {path}"
    book = shared_workbook()
    tables = _release_as_csv(book, tmp_path)
    assert [p.name for p in tables] == ["2023_dataset.csv", "2021_dataset.csv"]
    from_book = ocdata.load(raw=[], workbook=book)
    from_csv = ocdata.load(raw=[], workbook=tables)
    assert from_csv.failed.empty
    assert len(from_book.scores) == 193 * (30 + 36)
    pd.testing.assert_frame_equal(from_book.scores[VALUES], from_csv.scores[VALUES])
    # computed ranks cite, for each edition, the file its scores came from
    cited = from_csv.ranks.groupby("edition")["source"].agg(set).to_dict()
    assert cited == {2021: {"2021_dataset.csv"}, 2023: {"2023_dataset.csv"}}
