"""The PDF profile parser, on excerpts of the 2021 Kyrgyzstan and 2023 Kazakhstan profiles."""

import pandas as pd
import pytest
from docs import document, real_lines

from ocdata.errors import ParseError
from ocdata.parse.pdf_profile import parse_pdf_profile

KGZ_2021 = "kgz_2021_profile_pdf.txt"
KAZ_2023 = "kaz_2023_profile_pdf.txt"


def parse(file: str, iso3: str, edition: int, text: str | None = None):
    body = text if text is not None else "\n".join(real_lines(file))
    return parse_pdf_profile(document(body, kind="pdf_profile", edition=edition, countries=(iso3,), file=file))


def test_rank_blocks_belong_to_the_right_metric():
    # DOMAIN: the 2021 PDF prints each rank block twice, in a different order on each page.
    # Page 1: criminality (after the headline, line 16), then resilience (line 40).
    # Page 2: resilience (before its indicators, lines 61-63), then criminality (lines 80-82).
    ranks = pd.DataFrame(parse(KGZ_2021, "KGZ", 2021).ranks)
    world = ranks[ranks["scope"] == "world"].set_index("line")
    assert world.loc[16, "metric"] == "criminality" and world.loc[16, "rank"] == 72
    assert world.loc[40, "metric"] == "resilience" and world.loc[40, "rank"] == 125
    assert world.loc[61, "metric"] == "resilience" and world.loc[61, "rank"] == 125
    assert world.loc[80, "metric"] == "criminality" and world.loc[80, "rank"] == 72
    region = ranks[(ranks["scope"] == "region") & (ranks["metric"] == "resilience")]
    assert set(region["rank"]) == {4} and set(region["scope_name"]) == {"Central Asia and the Caucasus"}
    assert set(ranks.loc[ranks["scope"] == "continent", "total"]) == {46}


def test_scores_and_headline_of_2021_pdf():
    values = pd.DataFrame(parse(KGZ_2021, "KGZ", 2021).values).set_index("indicator")
    assert values.loc["criminality", "score"] == 5.33  # "5.33 **CRIMINALITY SCORE**", line 10
    assert values.loc["criminality", "line"] == 10
    assert values.loc["non_renewable_resource_crimes", "score"] == 5.5
    assert values.loc["state_embedded_actors", "score"] == 8.5
    assert "resilience" not in values.index  # DOMAIN: the 2021 PDF does not print the resilience score
    assert len(values) == 29  # 26 indicators, criminality and two pillars


def test_pdf_artefacts_are_skipped():
    # "\longleftrightarrow" and a lone "2" between the headline and the ranks
    assert real_lines(KGZ_2021)[11].strip() == "\\longleftrightarrow"
    assert real_lines(KGZ_2021)[13].strip() == "2"
    assert len(parse(KGZ_2021, "KGZ", 2021).ranks) == 12


def test_markup_and_ampersand_of_2023_pdf():
    parsed = parse(KAZ_2023, "KAZ", 2023)
    values = pd.DataFrame(parsed.values)
    first = values.drop_duplicates("indicator").set_index("indicator")
    assert first.loc["criminality", "score"] == 4.47  # " **4.47**" then "CRIMINALITY SCORE"
    assert first.loc["criminal_markets", "score"] == 4.33  # " **CRIMINAL MARKETS** **4.33**"
    assert first.loc["extortion_and_protection_racketeering", "score"] == 3.5  # "EXTORTION & PROTECTION ..."
    assert first.loc["political_leadership_and_governance", "score"] == 5.0  # "<u>...</u>\t5.00"
    assert first.loc["resilience", "score"] == 4.54
    ranks = pd.DataFrame(parsed.ranks).set_index(["metric", "scope"])
    assert ranks.loc[("criminality", "world"), "rank"] == 127
    assert ranks.loc[("resilience", "region"), "rank"] == 3


def test_narrative_headings_and_page_breaks():
    rows = pd.DataFrame(parse(KGZ_2021, "KGZ", 2021).narratives)
    assert rows["section"].iloc[0] == "People"
    assert rows.iloc[0]["indicator"] == "human_trafficking"
    # the heroin paragraph breaks across a page at line 116 and goes on at line 120
    drugs = rows[rows["line"] == 116].iloc[0]
    assert drugs["text"].endswith("North America.") and "border guards on the southern" in drugs["text"]
    assert not rows["text"].str.startswith(("Funding provided", "ENACT is funded", "This summary")).any()
    assert set(rows["pillar"].dropna()) == {"criminal_markets", "criminal_actors", "resilience"}


def test_unknown_indicator_name_is_an_error():
    lines = real_lines(KGZ_2021)
    lines[18] = "HUMAN TRAFICKING\t6.50"  # misspelt
    with pytest.raises(ParseError, match=r"kgz_2021_profile_pdf.txt:19: expected an indicator name of the 2021 "
                       r"edition, found 'HUMAN TRAFICKING'$"):
        parse(KGZ_2021, "KGZ", 2021, "\n".join(lines))


def test_a_spelling_of_the_printed_names_table_is_understood():
    # the workbook spelling "Economic regulatory environment" (printed_names.csv), printed in a PDF profile
    lines = real_lines(KGZ_2021)
    assert lines[72] == "ECONOMIC REGULATORY CAPACITY\t5.00"
    lines[72] = "ECONOMIC REGULATORY ENVIRONMENT\t5.00"
    values = pd.DataFrame(parse(KGZ_2021, "KGZ", 2021, "\n".join(lines)).values).set_index("line")
    assert (values.loc[73, "indicator"], values.loc[73, "score"]) == ("economic_regulatory_capacity", 5.0)


def test_an_indicator_of_a_later_edition_is_unknown_in_2021():
    lines = real_lines(KGZ_2021)
    lines[18] = "FINANCIAL CRIMES\t6.50"  # a 2023 indicator in a 2021 profile
    with pytest.raises(ParseError, match=r"kgz_2021_profile_pdf.txt:19: expected an indicator name of the 2021 "
                       r"edition, found 'FINANCIAL CRIMES'$"):
        parse(KGZ_2021, "KGZ", 2021, "\n".join(lines))


def test_the_2023_pdf_spells_extortion_with_an_ampersand():
    values = pd.DataFrame(parse(KAZ_2023, "KAZ", 2023).values)
    assert "extortion_and_protection_racketeering" in set(values["indicator"])


def test_profile_of_another_country_is_an_error():
    with pytest.raises(ParseError, match="expected a profile of KAZ"):
        parse(KGZ_2021, "KAZ", 2021)


def test_file_cut_short_is_an_error():
    with pytest.raises(ParseError, match="expected a country heading"):
        parse(KGZ_2021, "KGZ", 2021, "\n".join(real_lines(KGZ_2021)[:4]))
