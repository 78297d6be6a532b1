"""The web profile parser: glued values, two countries on one page, the 2025 page's omissions."""

import pandas as pd
import pytest
from docs import document, real_lines

from ocdata.errors import ParseError
from ocdata.parse.web_profile import parse_web_profile

TWO = "kaz_kgz_2023_profiles_web.txt"
KGZ_2025 = "kgz_2025_profile_web.txt"


def parse(file, countries, edition, text=None):
    body = text if text is not None else "\n".join(real_lines(file))
    return parse_web_profile(document(body, kind="web_profile", edition=edition, countries=countries, file=file))


def test_two_countries_back_to_back():
    values = pd.DataFrame(parse(TWO, ("KAZ", "KGZ"), 2023).values)
    assert values.groupby("iso3").size().to_dict() == {"KAZ": 34, "KGZ": 34}  # 32 indicators, 2 pillars each
    kaz = values[values["iso3"] == "KAZ"].set_index("indicator")
    kgz = values[values["iso3"] == "KGZ"].set_index("indicator")
    assert (kaz.loc["criminal_markets", "score"], kaz.loc["criminal_markets", "change"]) == (4.33, 0.18)  # line 4
    assert (kgz.loc["criminal_markets", "score"], kgz.loc["criminal_markets", "change"]) == (4.63, 0.23)  # line 130
    assert kgz.loc["criminal_markets", "line"] == 130


def test_glued_values_and_new_indicators():
    values = pd.DataFrame(parse(TWO, ("KAZ", "KGZ"), 2023).values)
    kaz = values[values["iso3"] == "KAZ"].set_index("indicator")
    assert (kaz.loc["law_enforcement", "score"], kaz.loc["law_enforcement", "change"]) == (4.0, -0.5)  # "4.00-0.50"
    assert kaz.loc["extortion_and_protection_racketeering", "score"] == 3.5  # "3.50 n/a"
    assert pd.isna(kaz.loc["extortion_and_protection_racketeering", "change"])


def test_definitions_follow_their_indicator():
    defs = pd.DataFrame(parse(TWO, ("KAZ", "KGZ"), 2023).definitions)
    first = defs.drop_duplicates("indicator").set_index("indicator")
    assert first.loc["human_trafficking", "definition"].startswith("Illicit activity involving coercion")
    assert first.loc["human_trafficking", "line"] == 8
    assert len(first) == 34


def test_2025_page_omits_two_indicators_and_repeats_resilience():
    parsed = parse(KGZ_2025, ("KGZ",), 2025)
    values = pd.DataFrame(parsed.values)
    assert "mafia_style_groups" not in set(values["indicator"])
    assert "political_leadership_and_governance" not in set(values["indicator"])
    assert (values["indicator"] == "resilience").sum() == 2  # the resilience block is printed twice
    head = values[values["indicator"] == "criminality"].iloc[0]
    assert (head["score"], head["change"], head["line"]) == (5.25, -0.07, 26)  # value printed before its label


def test_2025_ranks_with_rank_change_and_profile_facts():
    parsed = parse(KGZ_2025, ("KGZ",), 2025)
    ranks = pd.DataFrame(parsed.ranks)
    crim = ranks[(ranks["metric"] == "criminality") & (ranks["scope"] == "world")].iloc[0]
    assert (crim["rank"], crim["total"], crim["printed_change"]) == (85, 193, 4)  # "85th of 193 countries 4"
    region = ranks[(ranks["metric"] == "resilience") & (ranks["scope"] == "region")].iloc[0]
    assert (region["rank"], region["scope_name"]) == (6, "Central Asia and the Caucasus")
    facts = {row["field"]: row["value"] for row in parsed.profiles}
    assert facts == {"capital": "Bishkek", "population": 7224614, "gdp_usd_million": 17491, "area_km2": 199950}


def test_2025_narrative_headings_in_sentence_case():
    rows = pd.DataFrame(parse(KGZ_2025, ("KGZ",), 2025).narratives)
    assert rows["section"].iloc[0] == "People"
    fin = rows[rows["section"] == "Financial crimes"]  # "Financial Crimes" is a heading here, not an indicator
    assert len(fin) == 1 and fin.iloc[0]["indicator"] == "financial_crimes"
    assert rows[rows["section"] == "Criminal actors"]["indicator"].tolist()[:2] == ["mafia_style_groups",
                                                                                     "criminal_networks"]


def test_2023_narrative_without_headings_is_mapped_by_keyword():
    rows = pd.DataFrame(parse(TWO, ("KAZ", "KGZ"), 2023).narratives)
    kaz = rows[rows["iso3"] == "KAZ"]
    assert len(kaz) == 24 and len(rows) == 49
    assert set(rows["mapped_by"]) == {"keyword"}
    counterfeit = kaz[kaz["line"] == 108].iloc[0]
    assert counterfeit["indicator"] == "trade_in_counterfeit_goods"  # not "border" of a later pillar


def test_missing_value_after_indicator_is_an_error():
    lines = real_lines(TWO)
    lines[6] = "six"  # "Human trafficking" is then followed by no score
    with pytest.raises(ParseError, match=r"kaz_kgz_2023_profiles_web.txt:7: expected a score after 'Human traff"):
        parse(TWO, ("KAZ", "KGZ"), 2023, "\n".join(lines))


def test_fewer_countries_than_the_manifest_says_is_an_error():
    with pytest.raises(ParseError, match="expected 3 country profiles"):
        parse(TWO, ("KAZ", "KGZ", "UZB"), 2023)


def test_more_countries_than_the_manifest_says_is_an_error():
    with pytest.raises(ParseError, match="expected 1 countries"):
        parse(TWO, ("KAZ",), 2023)


def test_a_workbook_spelling_printed_on_a_web_page_is_understood():
    lines = real_lines(KGZ_2025)
    assert lines[213].strip() == "Economic regulatory capacity"
    lines[213] = "    Economic regulatory environment"
    values = pd.DataFrame(parse(KGZ_2025, ("KGZ",), 2025, "\n".join(lines)).values)
    row = values[values["line"] == 216].iloc[0]  # "4.00-1.00"
    assert (row["indicator"], row["score"]) == ("economic_regulatory_capacity", 4.0)


def test_an_unknown_name_on_a_web_page_names_the_edition():
    lines = real_lines(KGZ_2025)
    lines[213] = "    Economic regulatory capacities"
    with pytest.raises(ParseError, match=r"kgz_2025_profile_web.txt:214: expected an indicator name of the 2025 "
                       r"edition, found 'Economic regulatory capacities'$"):
        parse(KGZ_2025, ("KGZ",), 2025, "\n".join(lines))
