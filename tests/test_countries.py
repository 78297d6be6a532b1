"""The country table and the alias table: real spellings in, ISO3 codes out."""

from __future__ import annotations

import pytest

from ocdata.countries import load_aliases, load_countries, normalize_name, to_iso3
from ocdata.errors import ParseError

# (spelling, iso3, where it was seen)
SPELLINGS = [
    ("Congo, Dem, Rep,", "COD", "workbook 2023_dataset"),
    ("Congo, Dem. Rep.", "COD", "workbook 2021_dataset"),
    ("Congo, Rep,", "COG", "workbook 2023_dataset"),
    ("Congo, Rep.", "COG", "workbook 2021_dataset"),
    ("Korea, Rep,", "KOR", "workbook 2023_dataset"),
    ("Korea, Rep.", "KOR", "workbook 2021_dataset"),
    ("Korea, DPR", "PRK", "workbook, both sheets"),
    ("St, Lucia", "LCA", "workbook 2023_dataset"),
    ("St. Lucia", "LCA", "workbook 2021_dataset"),
    ("St, Kitts and Nevis", "KNA", "workbook 2023_dataset"),
    ("St, Vincent and the Grenadines", "VCT", "workbook 2023_dataset"),
    ("eSwatini", "SWZ", "workbook 2023_dataset"),
    ("Eswatini", "SWZ", "workbook 2021_dataset"),
    ("Sao Tome and Principe", "STP", "workbook, both sheets"),
    ("São Tomé and Príncipe", "STP", "index web pages"),
    ("Côte d'Ivoire", "CIV", "workbook, both sheets"),
    ("Micronesia (Federated States of)", "FSM", "workbook, both sheets"),
    ("Timor-Leste", "TLS", "workbook, both sheets"),
    ("Turkey", "TUR", "workbook, both sheets"),
    ("Czech Republic", "CZE", "workbook, both sheets"),
    ("KYRGYZSTAN", "KGZ", "2021 PDF profile"),
    ("KAZAKHSTAN", "KAZ", "2023 PDF profile"),
    ("Democratic Republic of the Congo", "COD", "common English"),
    ("Republic of the Congo", "COG", "common English"),
    ("South Korea", "KOR", "common English"),
    ("North Korea", "PRK", "common English"),
    ("Saint Lucia", "LCA", "common English"),
    ("Swaziland", "SWZ", "former name"),
    ("Ivory Coast", "CIV", "common English"),
    ("Cape Verde", "CPV", "former English name"),
    ("Türkiye", "TUR", "current English name"),
    ("Czechia", "CZE", "current English name"),
    ("Côte d’Ivoire", "CIV", "typographic apostrophe"),
    # names one letter or word apart: each must land on its own code
    ("Niger", "NER", "workbook"),
    ("Nigeria", "NGA", "workbook"),
    ("Guinea", "GIN", "workbook"),
    ("Guinea-Bissau", "GNB", "workbook"),
    ("Equatorial Guinea", "GNQ", "workbook"),
    ("Papua New Guinea", "PNG", "workbook"),
    ("Sudan", "SDN", "workbook"),
    ("South Sudan", "SSD", "workbook"),
    ("Dominica", "DMA", "workbook"),
    ("Dominican Republic", "DOM", "workbook"),
    ("Austria", "AUT", "workbook"),
    ("Australia", "AUS", "workbook"),
    ("Samoa", "WSM", "workbook"),
    ("Iran", "IRN", "workbook"),
    ("Iraq", "IRQ", "workbook"),
]

# (text, why it must not match)
NOT_COUNTRIES = [
    ("Kosovo", "not a UN member, not in the index"),
    ("Palestine", "not in the index"),
    ("Taiwan", "not in the index"),
    ("Congo", "ambiguous between COD and COG"),
    ("Korea", "ambiguous between KOR and PRK"),
    ("Congo Dem Rep", "punctuation differs: only case and spacing are normalised"),
    ("Kyrgyz-stan", "hyphen differs"),
    ("Caribbean & Central", "a region, not a country"),
    ("", "blank"),
    ("Narnia", "not a country"),
]


def test_193_countries_with_unique_codes_and_names() -> None:
    table = load_countries()
    assert list(table.columns) == ["iso3", "country", "continent", "region"]
    assert all(str(t) == "str" for t in table.dtypes)
    assert len(table) == 193
    assert table["iso3"].is_unique and table["country"].is_unique
    assert table["iso3"].str.fullmatch(r"[A-Z]{3}").all()


def test_continents_and_regions_as_the_2023_sheet_spells_them() -> None:
    table = load_countries()
    assert table.groupby("continent").size().to_dict() == {
        "Africa": 54, "Americas": 35, "Asia": 46, "Europe": 44, "Oceania": 14,
    }
    regions = table.groupby("region").size()
    assert regions["Central Asia and the Caucasus"] == 8
    assert regions["Caribbean & Central"] == 21  # the 2023 sheets merge the Caribbean and Central America
    assert "Caribbean" not in regions.index and "Central America" not in regions.index
    for column in table.columns:
        assert (table[column] == table[column].str.strip()).all(), column


def test_kosovo_is_not_in_the_index() -> None:
    assert "XKX" not in set(load_countries()["iso3"])
    assert "XKX" not in set(load_aliases()["iso3"])


@pytest.mark.parametrize(("name", "iso3", "seen"), SPELLINGS)
def test_real_spellings(name: str, iso3: str, seen: str) -> None:
    assert to_iso3(name) == iso3, seen


@pytest.mark.parametrize(("text", "why"), NOT_COUNTRIES)
def test_not_countries(text: str, why: str) -> None:
    with pytest.raises(ParseError, match="unknown country name"):
        to_iso3(text)


@pytest.mark.parametrize("name", ["  Kyrgyzstan ", "kyrgyzstan", "KyRgYzStAn", "Kyrgyzstan\n", "congo,  dem,\trep,"])
def test_case_and_whitespace_are_normalised(name: str) -> None:
    assert to_iso3(name) in {"KGZ", "COD"}


def test_every_canonical_name_maps_to_its_own_code() -> None:
    table = load_countries()
    assert [to_iso3(name) for name in table["country"]] == table["iso3"].tolist()


def test_alias_table_is_consistent() -> None:
    aliases = load_aliases()
    assert list(aliases.columns) == ["alias", "iso3"]
    assert aliases["alias"].is_unique
    assert set(aliases["iso3"]) == set(load_countries()["iso3"])
    per_key = aliases.assign(key=aliases["alias"].map(normalize_name)).groupby("key")["iso3"].nunique()
    assert (per_key == 1).all()


def test_pdf_upper_case_forms_are_rows() -> None:
    assert {"KYRGYZSTAN", "KAZAKHSTAN"} <= set(load_aliases()["alias"])


def test_unknown_name_message_names_the_place_and_the_fix() -> None:
    with pytest.raises(ParseError) as err:
        to_iso3("Narnia", file="profile.txt", line=4)
    assert str(err.value) == (
        "profile.txt:4: unknown country name 'Narnia' (add it to ocdata/data/country_aliases.csv)"
    )
    assert err.value.file == "profile.txt" and err.value.line == 4


def test_tables_are_cached_but_callers_get_their_own_copy() -> None:
    first = load_countries()
    first.loc[0, "country"] = "changed"
    assert load_countries().loc[0, "country"] != "changed"
