"""ocdata.load(workbook=...): documents and an official workbook merged into the same tables."""

import pandas as pd
import pytest
from corpus import document_sources, invariant_failures, of_documents
from workbook_factory import expected_scores, shared_workbook, write_workbook

import ocdata

KEY = ["iso3", "edition", "indicator"]


@pytest.fixture(scope="module")
def official():
    return ocdata.load(workbook=shared_workbook())


def test_official_release_merges_without_a_failing_check(official):
    assert official.failed.empty, official.failed.head().to_string()
    assert invariant_failures(official) == []  # computed ranks are competition ranks, among others
    per_edition = official.scores.groupby("edition")["iso3"].nunique().to_dict()
    documents = document_sources(official)
    of_2025 = {c for cs in documents.loc[documents["edition"] == 2025, "countries"] for c in cs}
    assert per_edition == {2021: 193, 2023: 193, 2025: len(of_2025)}  # 2025: the documents' countries only
    assert "KGZ" in of_2025
    assert len(official.countries) == 193


def test_documents_keep_their_rows_and_the_workbook_confirms_them(official):
    scores = official.scores.set_index(KEY)
    row = scores.loc[("KGZ", 2021, "heroin_trade")]
    assert (row["source"], row["line"], row["origin"]) == ("kgz_2021_pdf", 25, "reported")
    agree = official.checks[(official.checks["check"] == "sources_agree") & (official.checks["subject"] ==
                                                                              "KGZ 2021 heroin_trade")]
    assert agree[["source", "line", "status"]].values.tolist() == [["global_oc_index_2023.xlsx", 76, "pass"]]
    # a back-cast value is replaced by the workbook's reported one, and checked against it
    kaz = scores.loc[("KAZ", 2021, "human_trafficking")]
    assert (kaz["origin"], kaz["sheet"], kaz["score"]) == ("reported", "2021_dataset", 5.5)
    assert (official.checks["check"] == "backcast_agrees").sum() >= 26


def test_workbook_rows_carry_sheet_and_row(official):
    afg = official.scores.set_index(KEY).loc[("AFG", 2023, "criminality")]
    assert (afg["score"], afg["source"], afg["sheet"], afg["line"]) == (7.1, "global_oc_index_2023.xlsx",
                                                                         "2023_dataset", 2)
    assert (afg["continent"], afg["region"]) == ("Asia", "Southern Asia")


def test_printed_ranks_agree_with_computed_ranks(official):
    checks = of_documents(official.checks)
    ranked = checks[checks["check"].isin(["rank_matches_computed", "rank_change_matches"])]
    assert ranked.groupby(["check", "source"]).size().to_dict() == {
        ("rank_matches_computed", "kgz_2021_pdf"): 6, ("rank_matches_computed", "kaz_2023_pdf"): 6,  # 2 metrics x 3
        ("rank_change_matches", "kgz_2025_web"): 6}  # the 2025 page's rank changes against 2023
    ranks = official.ranks.set_index(["iso3", "edition", "metric", "scope"])
    assert ranks.loc[("KGZ", 2023, "criminality", "world"), ["rank", "origin"]].tolist() == [81, "computed"]
    assert len(official.ranks.query("edition != 2025")) == 193 * 2 * 2 * 3
    assert len(of_documents(official.ranks).query("edition == 2025")) == 6
    # every rank a document prints for an edition of the workbook is checked against the computed one
    printed = official.ranks[(official.ranks["origin"] == "reported") & (official.ranks["edition"] != 2025)]
    matched = official.checks[official.checks["check"] == "rank_matches_computed"]
    assert (set(zip(printed["iso3"], printed["edition"], printed["source"], strict=True))
            <= set(zip(matched["iso3"], matched["edition"], matched["source"], strict=True)))


def test_aggregates(official):
    agg = official.aggregates.set_index(["edition", "indicator", "scope", "scope_name"])
    region = agg.loc[(2023, "criminality", "region", "Central Asia and the Caucasus")]
    assert region["n"] == 8
    members = official.scores[(official.scores["region"] == "Central Asia and the Caucasus")
                              & (official.scores["edition"] == 2023) & (official.scores["indicator"] == "criminality")]
    assert region["mean"] == pytest.approx(members["score"].mean())


def test_disagreement_with_a_document_is_a_failing_check_never_an_overwrite(tmp_path):
    # The factory prints the published values for KGZ 2021 and KAZ 2023, and made-up ones elsewhere.
    data = ocdata.load(workbook=write_workbook(tmp_path / "global_oc_index.xlsx"), strict=False)
    failed = data.failed[data.failed["check"] == "sources_agree"]
    assert set(zip(failed["iso3"], failed["edition"], strict=True)) <= {("KGZ", 2023), ("KGZ", 2025), ("KAZ", 2021)}
    assert not failed.empty
    documents = data.scores.set_index(KEY)
    assert documents.loc[("KGZ", 2023, "heroin_trade"), "source"] == "kaz_kgz_2023_web"
    assert documents.loc[("KGZ", 2023, "heroin_trade"), "score"] == 7.5  # as printed, not the workbook's
    with pytest.raises(ocdata.ValidationError, match=r"global_oc_index.xlsx:\d+: sources_agree"):
        ocdata.load(workbook=tmp_path / "global_oc_index.xlsx")


def test_every_factory_cell_lands(tmp_path):
    data = ocdata.load(workbook=write_workbook(tmp_path / "book.xlsx"), strict=False)
    merged = expected_scores().merge(data.scores, on=KEY, how="left", suffixes=("", "_loaded"))
    from_book = merged[~merged["iso3"].isin(["KAZ", "KGZ"])]
    assert from_book["score_loaded"].notna().all()
    assert (from_book["score"] == from_book["score_loaded"]).all()
    assert {"COD", "SWZ", "LCA", "STP", "TUV"} <= set(data.scores["iso3"])
    assert pd.Series(data.scores["edition"].unique()).isin([2021, 2023, 2025]).all()


def test_documents_and_two_releases(tmp_path):
    from workbook_factory import release_2021_sheets

    book = write_workbook(tmp_path / "global_oc_index.xlsx")
    first = write_workbook(tmp_path / "oc_index_2021.xlsx", release_2021_sheets(), intro=False)
    data = ocdata.load(workbook=[first, book], strict=False)
    scores = data.scores.set_index(KEY)
    assert scores.loc[("KGZ", 2021, "heroin_trade"), "source"] == "kgz_2021_pdf"  # documents first
    assert scores.loc[("TUV", 2021, "heroin_trade"), "source"] == "global_oc_index.xlsx"  # then the later release
    between = data.checks[data.checks["check"] == "sources_agree"]
    between = between[between["source"] == "oc_index_2021.xlsx"]
    assert len(between) == 7 * 26 and (between["status"] == "pass").all()
    assert data.sources["kind"].tolist()[-2:] == ["workbook", "workbook"]
