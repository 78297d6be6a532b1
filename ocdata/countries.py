"""The 193 countries of the index and every spelling of their names, kept in ``ocdata/data``.

``countries.csv`` holds one row per country (ISO 3166-1 alpha-3 code, the index's own English name,
continent and region as the 2023 edition of the official workbook spells them).
``country_aliases.csv`` maps every known spelling to a code. Matching normalises case and whitespace
only: any other variant (punctuation, accents, word order) must be a row of its own.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ocdata.errors import ParseError
from ocdata.paths import PACKAGE_DATA

COUNTRIES_CSV = PACKAGE_DATA / "countries.csv"
ALIASES_CSV = PACKAGE_DATA / "country_aliases.csv"
ALIASES_HINT = "ocdata/data/country_aliases.csv"


def normalize_name(name: str) -> str:
    """The matching key of a name: whitespace runs collapsed, ends stripped, case folded."""
    return " ".join(name.split()).casefold()


def load_countries() -> pd.DataFrame:
    """The country table: ``iso3, country, continent, region``, one row per country, sorted by iso3."""
    return _read_countries().copy()


def load_aliases() -> pd.DataFrame:
    """The alias table: ``alias, iso3``, every known spelling of every country's name."""
    return _read_aliases().copy()


@lru_cache(maxsize=1)
def _read_countries() -> pd.DataFrame:
    table = pd.read_csv(COUNTRIES_CSV, dtype="str", keep_default_na=False, encoding="utf-8")
    assert list(table.columns) == ["iso3", "country", "continent", "region"], (
        f"{COUNTRIES_CSV.name}: expected columns iso3,country,continent,region, found {list(table.columns)}"
    )
    for column in table.columns:
        blank = table.loc[table[column].str.strip() == "", "iso3"].tolist()
        assert not blank, f"{COUNTRIES_CSV.name}: blank {column} for {blank}"
        stray = table.loc[table[column] != table[column].str.strip(), column].tolist()
        assert not stray, f"{COUNTRIES_CSV.name}: stray whitespace in {column}: {stray}"
    bad = table.loc[~table["iso3"].str.fullmatch(r"[A-Z]{3}"), "iso3"].tolist()
    assert not bad, f"{COUNTRIES_CSV.name}: not ISO3 codes: {bad}"
    for column in ("iso3", "country"):
        dup = table.loc[table[column].duplicated(), column].tolist()
        assert not dup, f"{COUNTRIES_CSV.name}: duplicate {column}: {dup}"
    return table.sort_values("iso3", ignore_index=True)


@lru_cache(maxsize=1)
def _read_aliases() -> pd.DataFrame:
    table = pd.read_csv(ALIASES_CSV, dtype="str", keep_default_na=False, encoding="utf-8")
    assert list(table.columns) == ["alias", "iso3"], (
        f"{ALIASES_CSV.name}: expected columns alias,iso3, found {list(table.columns)}"
    )
    dup = table.loc[table["alias"].duplicated(), "alias"].tolist()
    assert not dup, f"{ALIASES_CSV.name}: duplicate aliases: {dup}"
    unknown = sorted(set(table["iso3"]) - set(_read_countries()["iso3"]))
    assert not unknown, f"{ALIASES_CSV.name}: codes not in {COUNTRIES_CSV.name}: {unknown}"
    keys = table.assign(key=table["alias"].map(normalize_name))
    clash = keys.groupby("key")["iso3"].nunique()
    clash = clash[clash > 1].index.tolist()
    assert not clash, f"{ALIASES_CSV.name}: spellings equal up to case and spacing, two codes: {clash}"
    missing = sorted(set(_read_countries()["country"]) - set(table["alias"]))
    assert not missing, f"{ALIASES_CSV.name}: canonical names without an alias row: {missing}"
    return table


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    aliases = _read_aliases()
    return dict(zip(aliases["alias"].map(normalize_name), aliases["iso3"], strict=True))


def to_iso3(name: str, *, file: str | None = None, line: int | None = None) -> str:
    """The ISO3 code of a name in any known spelling; ``ParseError`` naming ``file:line`` if unknown."""
    code = _alias_index().get(normalize_name(name)) if isinstance(name, str) else None
    if code is None:
        raise ParseError(f"unknown country name {name!r} (add it to {ALIASES_HINT})", file=file, line=line)
    return code

