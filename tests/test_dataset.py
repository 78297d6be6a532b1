"""The Dataset in a notebook (its summary, a chart's one-line repr) and the tables analysts build by hand: wide
tables, changes between editions, levels in scores, ties and percentiles in ranks, "joint" rank text."""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter
from report_fixtures import bundled
from workbook_factory import expected_scores, shared_workbook, write_workbook

import ocdata
from ocdata import charts, views
from ocdata.build import score_changes
from ocdata.codebook import exists_in, indicator_for, load_indicators
from ocdata.countries import to_iso3
from ocdata.errors import ParameterError
from ocdata.numbers import round_half_up
from ocdata.schema import load_schemas
from ocdata.views.notes import rank_changes, rank_text

SHEETS = {2021: "2021_dataset", 2023: "2023_dataset"}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> ocdata.Dataset:
    """The factory workbook (seven countries, three editions) and no document."""
    return ocdata.load(raw=[], workbook=write_workbook(tmp_path_factory.mktemp("book") / "global_oc_index.xlsx"))


@cache
def official() -> ocdata.Dataset:
    """The bundled documents with the official 2023 workbook (skips where the workbook is absent)."""
    return ocdata.load(workbook=shared_workbook())


@cache
def sheet(edition: int) -> pd.DataFrame:
    """One edition's sheet of the official workbook read with plain pandas, as iso3 × id (headers and names mapped
    with the project's tables of printed names and aliases)."""
    table = pd.read_excel(shared_workbook(), sheet_name=SHEETS[edition])
    table.index = pd.Index([to_iso3(name) for name in table["Country"]], name="iso3")
    ids = {header: indicator_for(header, edition) for header in table.columns}
    return table.rename(columns=ids)[[i for i in ids.values() if i is not None]].astype("float64").sort_index()


def codebook_ids(edition: int) -> list[str]:
    book = load_indicators().sort_values("order")
    return [i for i, e in zip(book["indicator"], book["editions"], strict=True) if exists_in(e, edition)]


# --- the summary -------------------------------------------------------------------------------------------


def test_repr_summarises_editions_tables_sources_workbook_and_checks(small):
    text = repr(small)
    lines = text.splitlines()
    assert len(lines) <= 30
    assert lines[0] == "ocdata.Dataset: 7 countries, 3 editions"
    assert any(line.split() == ["2025", "7", "countries"] for line in lines)
    assert any(line.split() == ["scores", f"{len(small.scores):,}", "rows"] for line in lines)
    assert any(line.split() == ["global_oc_index.xlsx", "workbook"] for line in lines)  # the source and its kind
    assert any(line.split() == ["global_oc_index.xlsx", "2021_dataset,", "2023_dataset,", "2025_dataset"]
               for line in lines)  # the workbook in use, with the sheets it gave
    assert any(line.split() == ["passed", f"{len(small.checks):,}"] for line in lines)
    assert any(line.split() == ["failed", "0"] for line in lines)


def test_repr_of_documents_only_names_each_document_with_its_kind():
    lines = repr(bundled()).splitlines()
    assert any(line.split() == ["kgz_2021_pdf", "pdf_profile"] for line in lines)
    assert any(line.split() == ["kaz_article", "article"] for line in lines)
    assert any(line.split() == ["none", "documents", "only"] for line in lines)
    assert any(line.split() == ["2025", "1", "country"] for line in lines)


def test_many_sources_are_counted_not_listed_and_the_summary_stays_within_30_lines(small):
    sources = pd.DataFrame({"id": [f"doc_{k}" for k in range(200)], "kind": "web_profile"})
    lines = repr(dataclasses.replace(small, sources=sources)).splitlines()
    assert len(lines) == 30
    listed = [line for line in lines if line.strip().startswith("doc_")]
    assert 1 <= len(listed) < 200
    assert lines[lines.index("workbooks:") - 1].split() == ["…", f"{200 - len(listed)}", "more"]


def test_html_summary_is_small_escaped_and_what_a_notebook_shows(small):
    hostile = "<script>alert(1)</script>"
    data = dataclasses.replace(small, sources=pd.DataFrame({"id": [hostile] * 40, "kind": "article"}))
    shown, _ = DisplayFormatter().format(data)
    page = shown["text/html"]
    assert page == data._repr_html_() and shown["text/plain"] == repr(data)
    assert len(page.encode("utf-8")) < 30_000
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<table") and page.count("<tr>") <= 30


# --- wide tables -------------------------------------------------------------------------------------------


def test_wide_is_one_row_per_country_and_one_column_per_id_in_codebook_order(small):
    wide = small.wide(2023)
    expected = expected_scores().query("edition == 2023").pivot(index="iso3", columns="indicator", values="score")
    assert wide.index.name == "iso3" and list(wide.columns) == codebook_ids(2023)
    pd.testing.assert_frame_equal(wide, expected[codebook_ids(2023)], check_names=False, check_exact=False,
                                  atol=1e-9)
    assert list(small.wide(2021).columns) == codebook_ids(2021)  # the 2021 indicator set: no extortion column
    assert "extortion_and_protection_racketeering" not in small.wide(2021)


@pytest.mark.parametrize(("level", "expected"), [
    ("pillar", ["criminal_markets", "criminal_actors", "resilience"]),
    ("dimension", ["criminality", "resilience"]),
    ("composite", ["criminality", "criminal_markets", "criminal_actors", "resilience"]),
])
def test_wide_keeps_one_level(small, level, expected):
    assert list(small.wide(2023, level=level).columns) == expected


def test_wide_indicator_level_is_every_scored_indicator(small):
    book = load_indicators()
    assert set(small.wide(2021, level="indicator").columns) == set(
        book.loc[(book["level"] == "indicator") & book["editions"].str.contains("2021"), "indicator"])


def test_an_edition_or_level_the_data_lacks_is_a_one_line_parameter_error(small):
    with pytest.raises(ParameterError, match=r"^edition 2019 is not in the data \(its editions: 2021, 2023, 2025\)$"):
        small.wide(2019)
    with pytest.raises(ParameterError, match=r"^level 'pillars' is not a level .*'indicator', 'pillar'"):
        small.wide(2023, level="pillars")
    with pytest.raises(ParameterError, match=r"^end 2025 is not in the data \(its editions: 2021, 2023\)$"):
        dataclasses.replace(small, scores=small.scores.query("edition < 2025")).changes(2021, 2025)
    with pytest.raises(ParameterError, match=r"^expected a start edition before the end edition, found start 2023"):
        small.changes(2023, 2021)


def test_wide_2023_of_the_official_workbook_is_its_sheet():
    data = official()
    wide = data.wide(2023)
    assert wide.shape == (193, len(codebook_ids(2023)))
    by_hand = data.scores.query("edition == 2023").pivot(index="iso3", columns="indicator", values="score")
    pd.testing.assert_frame_equal(wide, by_hand[list(wide.columns)], check_names=False)
    pd.testing.assert_frame_equal(wide, sheet(2023)[list(wide.columns)], check_names=False)
    afghanistan = pd.read_excel(shared_workbook(), sheet_name="2023_dataset").set_index("Country").loc["Afghanistan"]
    assert wide.loc["AFG", "criminality"] == afghanistan["Criminality avg,"] == 7.1
    assert wide.loc["AFG", "human_trafficking"] == afghanistan["Human trafficking"]
    assert wide.loc["AFG", "non_state_actors"] == afghanistan["Non-state actors"]


# --- changes -----------------------------------------------------------------------------------------------


CHANGE_COLUMNS = ["iso3", "country", "indicator", "label", "level", "score_start", "score_end", "change", "published",
                  "printed_change"]


def test_changes_are_the_rounded_differences_of_the_published_scores(small):
    changes = small.changes(2021, 2023)
    assert list(changes.columns) == CHANGE_COLUMNS
    scores = expected_scores()
    both = scores.query("edition == 2021").merge(scores.query("edition == 2023"), on=["iso3", "indicator"])
    assert len(changes) == len(both) == 7 * len(set(codebook_ids(2021)))  # ids in both editions, every country
    merged = changes.merge(both, on=["iso3", "indicator"], validate="one_to_one")
    assert np.allclose(merged["score_start"], merged["score_x"]) and np.allclose(merged["score_end"], merged["score_y"])
    assert (merged["change"] == round_half_up(merged["score_y"] - merged["score_x"])).all()
    assert not changes["published"].any() and changes["printed_change"].isna().all()  # a workbook prints none
    assert set(changes["level"]) == {"indicator", "pillar", "dimension"}


def test_score_changes_is_a_pure_function_rounding_half_up():
    scores = pd.DataFrame({"iso3": "AAA", "country": "Aland", "edition": [2021, 2023, 2021, 2023],
                           "indicator": ["criminality", "criminality", "resilience", "resilience"],
                           "score": [4.0, 4.625, 5.0, np.nan], "change": [np.nan, 0.6, np.nan, np.nan]})
    changes = score_changes(scores, bundled().codebook, 2021, 2023)
    assert changes.to_dict("records") == [{
        "iso3": "AAA", "country": "Aland", "indicator": "criminality", "label": "Criminality", "level": "dimension",
        "score_start": 4.0, "score_end": 4.625, "change": 0.63, "published": True, "printed_change": 0.6}]


def test_a_printed_change_is_kept_beside_the_difference_only_from_the_previous_edition():
    data = bundled()
    changes = data.changes(2021, 2023)
    printed = changes[changes["published"]]
    assert set(printed["iso3"]) == {"KAZ", "KGZ"}
    assert printed["printed_change"].notna().all() and changes.loc[~changes["published"], "printed_change"].isna().all()
    indicators = printed[printed["level"] == "indicator"]
    assert len(indicators) > 40 and (indicators["printed_change"] == indicators["change"]).all()
    composites = printed[printed["level"] != "indicator"]
    assert ((composites["printed_change"] - composites["change"]).abs() <= 0.01 + 1e-9).all()  # unrounded means
    later = data.changes(2021, 2025)  # 2025 prints its change from 2023, not from 2021
    assert not later.empty and not later["published"].any()


def test_changes_2021_to_2023_of_the_official_workbook_are_the_differences_of_its_sheets():
    changes = official().changes(2021, 2023)
    before, after = sheet(2021), sheet(2023)
    common = [c for c in before.columns if c in after.columns]
    by_hand = round_half_up((after[common] - before[common]).stack().rename("change"))
    by_hand.index.names = ["iso3", "indicator"]
    got = changes.set_index(["iso3", "indicator"])
    assert len(got) == len(by_hand) == 193 * len(common)
    pd.testing.assert_series_equal(got["change"].sort_index(), by_hand.sort_index(), check_names=False)
    assert (got["score_start"] == before[common].stack().reindex(got.index)).all()


# --- levels in scores, ties and percentiles in ranks ------------------------------------------------------


def test_scores_carry_the_codebook_level_after_pillar(small):
    columns = list(small.scores.columns)
    assert columns.index("level") == columns.index("pillar") + 1
    assert [f["name"] for f in load_schemas()["scores"]["fields"]] == columns
    levels = load_indicators().set_index("indicator")["level"]
    assert (small.scores["level"] == small.scores["indicator"].map(levels)).all()


def _shared_scores(data: ocdata.Dataset) -> pd.DataFrame:
    """For each rank, how many countries of its scope have the same score, counted from ``scores`` alone."""
    scores = data.scores[data.scores["indicator"].isin(["criminality", "resilience"])]
    frames = []
    for scope, column in (("world", None), ("continent", "continent"), ("region", "region")):
        table = scores.assign(scope=scope, scope_name="World" if column is None else scores[column])
        group = table.groupby(["edition", "indicator", "scope_name"])["score"]
        table["same"] = table.groupby(["edition", "indicator", "scope_name", "score"])["score"].transform("size")
        table["at_most"] = group.rank(method="max")  # how many have a score at most this one
        table["members"] = group.transform("size")
        frames.append(table)
    out = pd.concat(frames).rename(columns={"indicator": "metric"})
    return out[["iso3", "edition", "metric", "scope", "same", "at_most", "members"]]


def test_tied_counts_the_countries_sharing_the_score_and_percentile_the_share_at_or_below():
    data = official()
    ranks = data.ranks.merge(_shared_scores(data), on=["iso3", "edition", "metric", "scope"], validate="one_to_one")
    ranks = ranks[ranks["members"] == ranks["total"]]  # scopes whose scores are all known (not 2025's one country)
    assert len(ranks) == 2 * 3 * 2 * 193
    assert (ranks["tied"] == ranks["same"]).all() and (ranks["tied"] > 1).sum() > 100
    assert np.allclose(ranks["percentile"], 100 * ranks["at_most"] / ranks["total"])
    assert ranks["percentile"].between(0, 100, inclusive="right").all()
    assert (ranks.loc[ranks["rank"] == 1, "percentile"] == 100).all()
    for _, scope in ranks.groupby(["edition", "metric", "scope", "scope_name"]):
        ordered = scope.sort_values("rank")
        assert ordered["percentile"].is_monotonic_decreasing  # a lower rank (higher score) is never a lower share
        assert (ordered.groupby("rank")["percentile"].nunique() == 1).all()  # ties share one percentile


def test_ranks_of_scopes_without_all_scores_have_no_tie_count_but_a_percentile():
    ranks = bundled().ranks  # printed ranks only: the scopes' other countries are unknown
    assert ranks["tied"].isna().all()
    assert np.allclose(ranks["percentile"], 100 * (ranks["total"] - ranks["rank"] + 1) / ranks["total"])


def _a_tie(data: ocdata.Dataset, edition: int) -> tuple[str, str]:
    """A country whose world criminality score another country shares, and one whose score is its own."""
    scores = data.scores.query("edition == @edition and indicator == 'criminality'")
    counts = scores["score"].map(scores["score"].value_counts())
    return scores.loc[counts > 1, "iso3"].iloc[0], scores.loc[counts == 1, "iso3"].iloc[0]


def test_a_shared_rank_reads_joint_in_the_reports():
    data = official()
    tied, alone = _a_tie(data, 2023)
    ranks = views.ranks_of(data, tied, 2023)
    world = ranks[(ranks["metric"] == "criminality") & (ranks["scope"] == "world")].iloc[0]
    assert world["tied"] > 1 and world["text"].startswith(f"joint {views.ordinal(int(world['rank']))} of 193")
    assert rank_text(next(rank_changes(data, tied, 2023).itertuples())).startswith("joint ")
    lone = views.ranks_of(data, alone, 2023).iloc[0]
    assert lone["tied"] == 1 and not lone["text"].startswith("joint")
    assert views.ranks_of(bundled(), "KGZ", 2025)["text"].iloc[0] == "85th of 193 (World)"  # tie unknown


# --- a scientific environment ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["spearman", "kendall"])
def test_rank_correlations_of_the_wide_table(small, method):
    from scipy import stats

    wide = small.scores.query("edition == 2023").pivot(index="iso3", columns="indicator", values="score")
    corr = wide[["criminality", "resilience", "criminal_markets"]].corr(method=method)
    assert np.allclose(np.diag(corr), 1.0) and np.allclose(corr, corr.T)
    test = stats.spearmanr if method == "spearman" else stats.kendalltau
    expected = test(wide["criminality"], wide["resilience"]).statistic
    assert math.isclose(corr.loc["criminality", "resilience"], expected)


# --- charts in a notebook ----------------------------------------------------------------------------------


def test_a_chart_is_one_line_of_text_and_still_svg():
    data = bundled()
    chart = charts.pillar_bars(views.headline(data, "KGZ", 2025), "Kyrgyzstan: pillars, 2025", 2023)
    shown, _ = DisplayFormatter().format(chart)
    assert shown["image/svg+xml"].startswith("<svg") and shown["image/svg+xml"] == chart.svg()
    assert shown["text/plain"] == repr(chart) == (
        f"<Chart 624×{chart.height:g} px SVG, 4 bars: 'Kyrgyzstan: pillars, 2025'>")
    heat = charts.heatmap(views.indicator_matrix(data, ["KAZ", "KGZ"], 2023), "t")
    assert "\n" not in repr(heat) and " cells" in repr(heat) and " bars" not in repr(heat)
    lines = repr(charts.series_lines(views.country_series(data, "KAZ"), "KAZ"))
    assert " points" in lines and " lines" in lines
