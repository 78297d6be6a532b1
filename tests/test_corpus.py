"""A new valid document breaks nothing about the others: the bundled documents plus one more profile (another
country's 2021 PDF profile, see ``corpus.py``) build with every check passing, the invariants hold, the new
country's rows cite the new document, and every row about the other countries is exactly as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from corpus import (
    BUNDLED,
    PDF_2021,
    PROFILES_2021,
    RAW,
    extra_document,
    invariant_failures,
    known_raw,
    of_documents,
    raw_with_extra,
)
from workbook_factory import shared_workbook

from ocdata.build import Dataset, build

PER_COUNTRY = ["scores", "ranks", "profiles", "series", "claims", "narratives", "countries"]


def _builds(folder: Path, workbook: Path | bool) -> tuple[Dataset, Dataset, str, str]:
    """The build of the bundled documents, the build with the extra document, its id and its country; the raw
    folders are removed once built."""
    bundled_raw = folder / "bundled"
    shutil.copytree(RAW, bundled_raw)
    extended_raw, ident, iso3 = raw_with_extra(folder / "extended")
    try:
        return build(bundled_raw, workbook), build(extended_raw, workbook), ident, iso3
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Dataset, str, str]:
    return _builds(tmp_path_factory.mktemp("corpus"), False)


def _others(table: pd.DataFrame, iso3: str, ident: str) -> pd.DataFrame:
    """The rows of ``table`` about other countries than ``iso3`` and citing another document than ``ident``."""
    if table.empty:
        return table
    keep = pd.Series(True, index=table.index)
    if "iso3" in table:
        keep &= table["iso3"].ne(iso3).fillna(True)
    if "source" in table:
        keep &= table["source"].ne(ident).fillna(True)
    return table[keep].reset_index(drop=True)


def test_the_extra_document_changes_only_heading_score_and_rank_lines() -> None:
    ident, file, text = extra_document()
    new, old = text.split("\n"), (RAW / PDF_2021).read_text(encoding="utf-8").split("\n")
    assert len(new) == len(old) and ident == file.replace("_profile_pdf.txt", "_pdf")
    changed = [n for n, (a, b) in enumerate(zip(old, new, strict=True), start=1) if a != b]
    name = PROFILES_2021[ident[:3].upper()][0]
    assert [new[n - 1] for n in (6, 55)] == [name.upper()] * 2
    assert set(changed) <= {6, 10, 16, 40, 55, 61, 62, 63, 80, 81, 82, *range(18, 37), *range(65, 77)}


def test_the_corpus_with_one_more_document_passes_every_check(corpora) -> None:
    bundled, extended, ident, iso3 = corpora
    assert bundled.failed.empty and extended.failed.empty, extended.failed.to_string()
    assert invariant_failures(bundled) == []
    assert invariant_failures(extended) == []
    assert iso3 not in set(bundled.scores["iso3"]) and ident in set(extended.sources["id"])


def test_the_new_country_s_rows_cite_the_new_document(corpora) -> None:
    _, extended, ident, iso3 = corpora
    name, criminality, printed, ranks = PROFILES_2021[iso3]
    scores = extended.scores[extended.scores["iso3"] == iso3].set_index("indicator")
    assert set(scores["edition"]) == {2021} and len(scores) == 30  # 26 indicators + 4 composites
    assert set(scores["source"]) == {ident} and set(scores["country"]) == {name}
    assert scores.loc["criminality", ["score", "origin", "line"]].tolist() == [float(criminality), "reported", 10]
    assert scores.loc["human_trafficking", "line"] == 19 and scores["line"].isna().sum() == 1  # resilience
    assert scores.loc["resilience", "origin"] == "computed"
    reported = scores[scores["origin"] == "reported"]
    assert sorted(reported["score"]) == sorted([float(criminality), *map(float, printed.split())])
    mine = extended.ranks[extended.ranks["iso3"] == iso3]
    assert set(mine["source"]) == {ident} and sorted(mine["rank"]) == sorted(ranks)
    assert set(extended.narratives.loc[extended.narratives["iso3"] == iso3, "source"]) == {ident}


def test_nothing_about_the_other_countries_changes(corpora) -> None:
    bundled, extended, ident, iso3 = corpora
    for name in [*PER_COUNTRY, "checks"]:
        pd.testing.assert_frame_equal(_others(getattr(extended, name), iso3, ident),
                                      _others(getattr(bundled, name), iso3, ident), obj=name)
    pd.testing.assert_frame_equal(extended.codebook, bundled.codebook)
    assert extended.sources["id"].tolist() == [*bundled.sources["id"], ident]


def test_with_the_official_workbook_the_new_document_agrees_and_changes_nothing_else(tmp_path: Path) -> None:
    workbook = shared_workbook()
    bundled, extended, ident, iso3 = _builds(tmp_path / "corpus", workbook)
    assert extended.failed.empty, extended.failed.head().to_string()
    assert invariant_failures(extended) == []
    checks = extended.checks[extended.checks["iso3"] == iso3]
    kinds = checks.groupby("check")["source"].agg(lambda s: set(s) & {ident, workbook.name})
    # the workbook's value checked against each printed score; each printed rank against the computed one
    assert kinds["sources_agree"] == {workbook.name} and kinds["rank_matches_computed"] == {ident}
    assert (checks["check"] == "rank_matches_computed").sum() == 6 and checks["status"].eq("pass").all()
    # the country's published values and ranks are the same, now cited to the document
    key = ["iso3", "edition", "indicator"]
    before = bundled.scores[bundled.scores["iso3"] == iso3].set_index(key)["score"]
    after = extended.scores[extended.scores["iso3"] == iso3].set_index(key)["score"]
    pd.testing.assert_series_equal(after, before)
    cited = extended.scores.query(f"iso3 == '{iso3}' and edition == 2021").set_index("indicator")["source"]
    assert set(cited.drop("resilience")) == {ident}
    assert cited["resilience"] == workbook.name  # printed in the workbook, only computed from the document
    rank_key = ["iso3", "edition", "metric", "scope"]
    pd.testing.assert_series_equal(extended.ranks[extended.ranks["iso3"] == iso3].set_index(rank_key)["rank"],
                                   bundled.ranks[bundled.ranks["iso3"] == iso3].set_index(rank_key)["rank"])
    for name in [*PER_COUNTRY, "aggregates"]:
        pd.testing.assert_frame_equal(_others(getattr(extended, name), iso3, ident),
                                      _others(getattr(bundled, name), iso3, ident), obj=name)


def test_a_folder_of_only_the_known_documents_builds_as_they_do_in_the_corpus(corpora, tmp_path: Path) -> None:
    _, extended, ident, _ = corpora
    more, _, _ = raw_with_extra(tmp_path / "more")
    known = build(known_raw(tmp_path / "known", more), False)
    assert known.sources["id"].tolist() == list(BUNDLED) and ident not in set(known.sources["id"])
    assert known.failed.empty
    for name in ("scores", "ranks", "narratives", "series"):
        pd.testing.assert_frame_equal(getattr(known, name), of_documents(getattr(extended, name)).reset_index(
            drop=True), obj=name)
