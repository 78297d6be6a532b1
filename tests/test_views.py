"""ocdata.views: parameter checks, the derived tables the notebooks show, and escaped HTML."""

import dataclasses
import math
import re

import pandas as pd
import pytest
from report_fixtures import HOSTILE, PEERS, REGION, bundled, with_peers

from ocdata import views
from ocdata.errors import ParameterError

# --- parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["KGZ", "KAZ"])
def test_validate_country_accepts_codes_in_the_data(code):
    assert views.validate_country(bundled(), code) == code


@pytest.mark.parametrize(
    "code",
    [
        "KG",
        "KGZZ",
        "K'Z",
        'KGZ"; import os; "',  # quotes and code: never reach a notebook
        "__import__('os').system('true')",
        "KGZ\n",
        "",
        None,
        123,
        ["KGZ"],
        "USA",  # a real code, but not in the bundled data
        "XXX",
    ],
)
def test_validate_country_refuses_anything_else(code):
    with pytest.raises(ParameterError):
        views.validate_country(bundled(), code)


def test_validate_countries_accepts_a_comma_list_and_drops_repeats():
    assert views.validate_countries(bundled(), "KAZ, KGZ,KAZ") == ["KAZ", "KGZ"]
    assert views.validate_countries(bundled(), ["KGZ", "KAZ"]) == ["KGZ", "KAZ"]
    with pytest.raises(ParameterError, match="at least 2"):
        views.validate_countries(bundled(), ["KGZ", "KGZ"], minimum=2)
    with pytest.raises(ParameterError):
        views.validate_countries(bundled(), {"KGZ": 1})


@pytest.mark.parametrize(
    ("edition", "countries", "expected"),
    [
        (0, ["KGZ"], 2025),  # the latest the data has for the country
        (None, ["KAZ"], 2023),
        ("", ["KAZ", "KGZ"], 2023),  # the latest both have
        (2021, ["KAZ", "KGZ"], 2021),  # Kazakhstan's 2021 is back-cast
        ("2023", ["KGZ"], 2023),  # papermill -r passes raw strings
    ],
)
def test_validate_edition(edition, countries, expected):
    assert views.validate_edition(bundled(), edition, countries) == expected


@pytest.mark.parametrize(("edition", "message"), [
    (2025, "no 2025 edition for KAZ"),
    (2022, "not an edition"),
    (True, "must be a year"),
    ("2023; import os", "must be a year"),
    (2023.5, "must be a year"),
])
def test_validate_edition_refuses(edition, message):
    with pytest.raises(ParameterError, match=message):
        views.validate_edition(bundled(), edition, ["KAZ", "KGZ"])


def test_load_dataset_refuses_a_missing_workbook(tmp_path):
    with pytest.raises(ParameterError, match="not a file"):
        views.load_dataset(tmp_path / "missing.xlsx")


def test_region_members():
    assert views.region_members(with_peers(), REGION, 2023) == ["AAA", "BBB", "KAZ", "KGZ"]
    with pytest.raises(ParameterError, match="not in the data"):
        views.region_members(bundled(), "Atlantis")


# --- one country ----------------------------------------------------------------------------------


def test_headline_of_kyrgyzstan_2025_uses_the_printed_changes():
    table = views.headline(bundled(), "KGZ", 2025).set_index("indicator")
    assert table.loc["criminality", "score"] == 5.25
    assert table.loc["criminality", "change"] == -0.07
    assert table.loc["criminality", "previous_score"] == 5.32
    assert table.loc["resilience", "score"] == 3.79
    assert (table["change_basis"] == "printed").all()
    assert (table["previous_edition"] == 2023).all()


def test_headline_without_printed_change_uses_the_difference_of_scores():
    # the 2021 PDF of Kyrgyzstan prints no change and has no previous edition
    table = views.headline(bundled(), "KGZ", 2021).set_index("indicator")
    assert table["previous_score"].isna().all()
    assert table["change"].isna().all()


def test_ranks_of_kyrgyzstan_2025():
    ranks = views.ranks_of(bundled(), "KGZ", 2025)
    assert list(ranks["metric"]) == ["criminality"] * 3 + ["resilience"] * 3
    assert list(ranks["scope"]) == ["world", "continent", "region"] * 2
    assert ranks["text"].iloc[0] == "85th of 193 (World)"
    assert ranks["text"].iloc[2] == f"2nd of 8 ({REGION})"


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                         (12, "12th"), (13, "13th"), (21, "21st"), (23, "23rd"), (111, "111th")])
def test_ordinal(n, text):
    assert views.ordinal(n) == text


def test_indicator_scores_are_grouped_by_pillar_and_sorted_by_score():
    table = views.indicator_scores(bundled(), "KGZ", 2025)
    assert len(table) == 15 + 5 + 12
    assert list(dict.fromkeys(table["pillar"])) == ["criminal_markets", "criminal_actors", "resilience"]
    for _, part in table.groupby("pillar", sort=False):
        assert part["score"].is_monotonic_decreasing
    assert table["previous_score"].notna().all()  # every 2025 indicator existed in 2023
    inferred = set(table.loc[table["origin"] == "inferred", "indicator"])
    assert inferred == {"mafia_style_groups", "political_leadership_and_governance"}


def test_indicator_scores_new_indicators_have_no_previous_score():
    table = views.indicator_scores(bundled(), "KGZ", 2023).set_index("indicator")
    assert math.isnan(table.loc["cyber_dependent_crimes", "previous_score"])
    assert table.loc["heroin_trade", "previous_score"] == 7.0  # printed in the 2021 PDF


def test_composite_history_and_table():
    history = views.composite_history(bundled(), ["KGZ"])
    assert sorted(history["edition"].unique()) == [2021, 2023, 2025]
    table = views.composite_table(history).set_index("composite")
    assert list(table.columns) == ["2021", "2023", "2025"]
    assert table.loc["Criminality", "2025"] == 5.25


def test_narrative_prefers_the_document_with_headings():
    table = views.narrative(bundled(), "KAZ", 2023)
    assert set(table["source"]) == {"kaz_2023_pdf"}
    assert table["section"].notna().all()
    assert table["line"].is_monotonic_increasing
    assert views.narrative(bundled(), "KAZ", 2021).empty


def test_provenance_names_every_origin():
    table = views.provenance(bundled(), "KGZ", 2025)
    assert len(table) == 36
    summary = views.provenance_summary(table).set_index("origin")["values"]
    assert summary.to_dict() == {"reported": 34, "computed": 0, "inferred": 2, "backcast": 0}
    backcast = views.provenance_summary(views.provenance(bundled(), "KAZ", 2021)).set_index("origin")["values"]
    assert backcast["backcast"] == 26 and backcast["computed"] == 4


def test_cited_sources():
    kgz = set(views.cited_sources(bundled(), ["KGZ"])["id"])
    assert kgz == {"kgz_2021_pdf", "kaz_kgz_2023_web", "kgz_2025_web"}
    kaz = set(views.cited_sources(bundled(), ["KAZ"])["id"])
    assert "kaz_article" in kaz and "kgz_2025_web" not in kaz


def test_series_and_claims_of_kazakhstan():
    series = views.country_series(bundled(), "KAZ")
    assert {"drug_related_crimes", "drug_related_crime_offenders"} <= set(series["series"])
    assert views.country_series(bundled(), "KGZ").empty
    claims = views.country_claims(bundled(), "KAZ")
    assert len(claims) == 4 and (claims["status"] == "pass").all()


def test_check_summary_counts_passes_and_failures():
    table = views.check_summary(bundled(), ["KGZ"])
    assert list(table.columns) == ["check", "pass", "fail"]
    assert table["fail"].sum() == 0 and table["pass"].sum() > 0


# --- peers and comparisons ------------------------------------------------------------------------


def test_peers_need_more_than_a_couple_of_countries():
    assert not views.has_peers(bundled(), 2023)
    assert views.has_peers(with_peers(), 2023)
    assert len(views.peer_scores(with_peers(), 2023)) == 2 + len(PEERS)


def test_region_ranking_uses_competition_ranks():
    table = views.region_ranking(with_peers(), REGION, 2023).set_index("iso3")
    assert table.loc["AAA", "criminality_rank"] == 1  # 6.00 is the highest
    assert table.loc["AAA", "resilience_rank"] == 4  # 3.00 is the lowest of 3.00, 5.00, 4.51, 3.83
    assert list(table.index) == list(table.sort_values("criminality", ascending=False).index)


def test_region_means_from_the_aggregates():
    assert views.region_means(bundled(), "KGZ", 2023).empty
    table = views.region_means(with_peers(), "KGZ", 2023).set_index("indicator")
    assert table.loc["criminality", "region_mean"] == 5.0
    assert table.loc["resilience", "world_mean"] == 4.9
    both = views.compare_region_means(with_peers(), ["KAZ", "KGZ"], 2023)
    assert list(both["country"]) == ["Kazakhstan", "Kazakhstan", "Kyrgyzstan", "Kyrgyzstan"]


def test_describe_group():
    assert views.describe_group(bundled(), ["KAZ", "KGZ"], 2023) == "Kazakhstan and Kyrgyzstan"
    assert views.describe_group(with_peers(), ["AAA", "BBB", "KAZ", "KGZ"], 2023) == REGION


def test_compare_headline():
    table = views.compare_headline(bundled(), ["KAZ", "KGZ"], 2023).set_index("iso3")
    assert table.loc["KAZ", "criminality_world_rank"] == 127
    assert pd.isna(table.loc["KGZ", "criminality_world_rank"])  # the 2023 web page prints no rank


def test_indicator_differences_of_two_countries_are_first_minus_second():
    table = views.indicator_differences(bundled(), ["KAZ", "KGZ"], 2023).set_index("indicator")
    row = table.loc["Heroin trade"]
    assert row["difference"] == row["Kazakhstan"] - row["Kyrgyzstan"]
    assert table["difference"].abs().is_monotonic_decreasing
    assert len(table) == 32


def test_indicator_matrix_in_codebook_order():
    matrix = views.indicator_matrix(bundled(), ["KAZ", "KGZ"], 2021)
    assert list(matrix.columns) == ["Kazakhstan", "Kyrgyzstan"]
    assert matrix.index[0] == "Human trafficking"
    assert len(matrix) == 26  # the 2021 indicator set


def test_largest_changes():
    table = views.largest_changes(bundled(), ["KAZ", "KGZ"], 2023, n=5)
    assert len(table) == 5
    assert table["change"].abs().is_monotonic_decreasing
    assert views.largest_changes(bundled(), ["KGZ"], 2021).empty


def test_recompute_composites_matches_the_published_scores():
    for country, edition in [("KGZ", 2025), ("KGZ", 2023), ("KAZ", 2023)]:
        table = views.recompute_composites(bundled(), country, edition)
        assert table["matches"].all(), (country, edition)


# --- HTML -----------------------------------------------------------------------------------------


def test_narrative_html_escapes_document_text():
    table = pd.DataFrame([{"section": "People <i>", "pillar": "x", "indicator": "y",
                           "text": f"Before {HOSTILE} after", "source": "doc\"id", "line": 3}])
    body = views.narrative_html(table)
    assert "<script" not in body and "<img" not in body and "<i>" not in body
    assert "&lt;script&gt;" in body and "onerror=&quot;" in body and "doc&quot;id" in body


def test_title_and_tables_escape_country_names():
    data = with_peers()
    countries = data.countries.copy()
    countries.loc[countries["iso3"] == "KGZ", "country"] = f"Kyrgyzstan {HOSTILE}"
    hostile = dataclasses.replace(data, countries=countries)
    for body in (views.title_html(hostile, "KGZ", 2025), views.compare_title_html(hostile, ["KAZ", "KGZ"], 2023),
                 views.table_html(views.region_ranking(data, REGION, 2023))):
        assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;script&gt;" in views.title_html(hostile, "KGZ", 2025)
    assert "Bland &lt;b&gt;bold&lt;/b&gt;" in views.table_html(views.region_ranking(data, REGION, 2023))


def test_sources_html_escapes_titles():
    sources = views.cited_sources(bundled(), ["KGZ"]).assign(title=HOSTILE)
    body = views.sources_html(sources)
    assert "<script" not in body and "<img" not in body and body.count("<li>") == 3


def test_headline_html_shows_scores_changes_and_ranks():
    body = views.headline_html(bundled(), "KGZ", 2025)
    assert "5.25" in body and "−0.07 since 2023 (better)" in body and "85th of 193 (World), moved 4 places" in body
    assert 'class="oc-better"' in body  # criminality fell
    assert "Rank 1 is the most criminal" in body


def test_html_fragments_display_as_html():
    shown = views.note_html("a < b")._repr_html_()
    assert shown.endswith('</style>\n<p class="oc-note">a &lt; b</p>')  # after the note's own minimal style
    assert shown.startswith("<style>:where(.oc-note){") and shown.count("{") == 1  # one rule: the class it uses
    assert "1 country is loaded" in views.no_peers_html(bundled(), 2025)


def test_table_html_formats_and_drops_empty_columns():
    table = pd.DataFrame({"value": [9191.0, None], "score": [4.5, 5.0], "sheet": [None, None]})
    body = views.table_html(table, formats={"value": "{:,.0f}"}, drop_empty=True)
    assert "9,191" in body and "4.50" in body and "Sheet" not in body and "—" in body
    assert body.count('class="oc-table"') == 1
    assert '<th style="text-align:right">Value</th>' in body


def test_long_text_keeps_a_column_wide_enough_to_read():
    lowest = "Dominica, Grenada, St. Kitts and Nevis, St. Lucia and St. Vincent and the Grenadines"
    table = pd.DataFrame({"label": ["Extortion and protection racketeering", "Cocaine trade"],
                          "lowest": [lowest, "Cuba"], "difference": [8.0, 1.0]})
    cells = re.findall(r"<td[^>]*>", views.table_html(table))
    assert "min-width:12rem" in cells[0] and "min-width:20rem" in cells[1]
    assert not any("min-width" in c for c in cells[2:]), "short text and numbers keep their natural width"


def test_table_html_uses_plain_names_signed_changes_and_notes():
    data = bundled()
    table = views.indicator_scores(data, "KGZ", 2025)
    body = views.table_html(table[["label", "pillar", "score", "previous_score", "change", "change_basis", "origin",
                                   "indicator"]], edition=2025, definitions=views.definitions(data))
    assert "2023 score" in body and "Criminal markets" in body and "criminal_markets" not in body
    assert "−0.50" in body and "-0.50" not in body  # a real minus sign
    assert "* inferred" in body  # mafia-style groups and political leadership are not printed in 2025
    assert "<details><summary>Human trafficking</summary>" in body
    assert views.find_identifiers(re.sub(r"<[^>]+>", " ", body)) == []


def test_indicator_scores_fill_missing_changes_from_the_published_scores():
    table = views.indicator_scores(bundled(), "KAZ", 2023).set_index("indicator")
    assert table["change"].notna().sum() == table["previous_score"].notna().sum()
    assert set(table["change_basis"]) <= {"printed", "difference", ""}


def test_rank_changes_from_two_editions_and_the_rule_said_once():
    ranks = views.rank_changes(bundled(), "KGZ", 2025)
    assert ranks["previous_rank"].isna().all()  # the bundled data has no 2023 ranks of Kyrgyzstan
    assert list(ranks["printed_change"].astype("int64"))[:3] == [4, 1, 0]


@pytest.mark.parametrize(("value", "text"), [(0.5, "+0.50"), (-0.5, "−0.50"), (0.0, "0.00"), (-0.001, "0.00")])
def test_signed_uses_a_real_minus(value, text):
    assert views.signed(value) == text


def test_ties_name_every_country():
    values = pd.Series({"A": 5.0, "B": 7.0, "C": 7.0})
    assert views.names_at(values, 7.0) == "B and C"
    assert views.joint(2, 2) == "joint 2nd" and views.joint(2, 1) == "2nd"


def test_indicator_set_note_for_2023_criminality():
    assert "14 indicators in 2021 and 20 in 2023" in views.indicator_set_note("criminality", 2023)
    assert views.indicator_set_note("resilience", 2023) == ""


def test_display_names_cover_every_column_the_reports_show():
    shown = {"label", "pillar", "score", "previous_score", "change", "origin", "level", "source", "line", "sheet",
             "iso3", "country", "criminality_world_rank", "resilience_world_rank", "region_mean", "world_mean",
             "n_region", "criminality_rank", "resilience_rank", "difference", "highest", "lowest", "claim", "text",
             "series", "start", "end", "claimed", "computed", "unit", "status", "year", "value", "values",
             "meaning", "check", "pass", "fail", "composite"}
    assert shown <= set(views.display.display_names().index)
    assert views.display_name("previous_score", 2023) == "2021 score"
