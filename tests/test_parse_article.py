"""The background article: yearly counts in prose, single figures, growth claims."""

import pandas as pd
from docs import document, real_lines

from ocdata.parse.article import parse_article

ARTICLE = "kaz_crime_background_article.txt"


def parsed():
    body = "\n".join(real_lines(ARTICLE))
    return parse_article(document(body, kind="article", edition=None, countries=("KAZ",), file=ARTICLE))


def test_yearly_series_1990_to_2006():
    series = pd.DataFrame(parsed().series)
    crimes = series[series["series"] == "drug_related_crimes"].set_index("year")["value"]
    assert list(crimes.index) == list(range(1990, 2007))
    assert (crimes[1990], crimes[2000], crimes[2006]) == (4165, 23340, 10423)
    offenders = series[series["series"] == "drug_related_crime_offenders"].set_index("year")["value"]
    assert len(offenders) == 17
    assert offenders[1997] == 10914  # printed "10, 914" with a stray space


def test_counts_by_offence_type():
    series = pd.DataFrame(parsed().series)
    kinds = series[series["series"].str.startswith("registered_drug_crimes_")]
    table = kinds.set_index(["series", "year"])["value"]
    assert table[("registered_drug_crimes_smuggling", 2006)] == 437
    assert table[("registered_drug_crimes_storage", 2005)] == 1642
    assert ("registered_drug_crimes_storage", 2006) not in table.index  # not printed
    assert table[("registered_drug_crimes_brothel_maintenance", 2006)] == 72
    assert set(kinds["line"]) == {39}


def test_single_figures_inline():
    series = pd.DataFrame(parsed().series).set_index(["series", "year"])
    assert series.loc[("drug_related_crime_rate", 2006), "unit"] == "per 100,000 population"
    assert series.loc[("drug_related_crime_rate", 2006), "value"] == 68
    assert series.loc[("prison_population", 2014), "value"] == 42114
    assert series.loc[("police_strength", 2005), "value"] == 20000


def test_growth_claims_found_with_their_periods():
    claims = pd.DataFrame(parsed().claims).set_index("claim")
    assert claims.loc["drug_crimes_growth_to_peak", ["start", "end", "claimed"]].tolist() == [1991, 2000, 20.0]
    assert claims.loc["drug_crimes_decline_after_peak", ["start", "end", "claimed"]].tolist() == [2001, 2005, -16.0]
    assert claims.loc["drug_crimes_increase_2006", "claimed"] == 7.0
    assert claims.loc["rate_above_regional_average", "line"] == 31
