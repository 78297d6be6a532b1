"""The 193 countries of the index, every spelling of their names and their groups in each edition.

>>> from ocdata import countries
>>> countries.to_iso3("Kyrgyz Republic")              # 'KGZ' (any spelling of the alias table)
>>> countries.load_countries()                        # iso3, country, continent, region: 193 rows
>>> countries.groups_in(countries.load_groups(), 2021)  # each country's continent and region in 2021

The tables are kept in ``ocdata/data``. ``countries.csv`` holds one row per country: ISO 3166-1 alpha-3 code,
the index's own English name, continent
and region as the latest edition groups them, and the ISO 3166-1 numeric code (``iso_numeric``, three digits,
which keys the map's shapes). ``country_aliases.csv`` maps every known spelling to a code. Matching normalises
case and whitespace only: any other variant (punctuation, accents, word order) must be a row of its own.

``country_groups.csv`` holds the continent and region of every country in every edition the package knows, as
that edition's sheet of the official workbook spells them (the index regroups its regions between editions: the
2021 sheet has ``Caribbean`` and ``Central America``, the 2023 sheet merges them into ``Caribbean & Central``),
each row with its ``source``; ``country_groups.meta.yaml`` records the workbook it was derived from. When a
workbook is loaded, its own sheets' columns win (``groups_from_workbook``, ``merge_groups``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ocdata.errors import ParseError
from ocdata.paths import PACKAGE_DATA

__all__ = [
    "groups_from_workbook",
    "groups_in",
    "load_aliases",
    "load_countries",
    "load_groups",
    "load_numeric_codes",
    "merge_groups",
    "normalize_name",
    "scope_editions",
    "to_iso3",
]

COUNTRIES_CSV = PACKAGE_DATA / "countries.csv"
ALIASES_CSV = PACKAGE_DATA / "country_aliases.csv"
GROUPS_CSV = PACKAGE_DATA / "country_groups.csv"
ALIASES_HINT = "ocdata/data/country_aliases.csv"
COUNTRIES_HINT = "ocdata/data/countries.csv"
GROUPS_HINT = "ocdata/data/country_groups.csv"

COUNTRY_COLUMNS = ("iso3", "country", "continent", "region")
"""The columns ``load_countries`` returns (the ``countries`` output table)."""
GROUP_COLUMNS = {"iso3": "str", "edition": "int64", "continent": "str", "region": "str", "source": "str"}
"""The columns and dtypes of a groups table (``load_groups``, ``groups_from_workbook``, ``merge_groups``)."""


def normalize_name(name: str) -> str:
    """The matching key of a name: whitespace runs collapsed, ends stripped, case folded."""
    return " ".join(name.split()).casefold()


def load_countries() -> pd.DataFrame:
    """The country table: ``iso3, country, continent, region``, one row per country, sorted by iso3
    (continent and region as the latest edition groups them; ``load_groups`` has every edition's)."""
    return _read_countries()[list(COUNTRY_COLUMNS)].copy()


def load_numeric_codes() -> pd.DataFrame:
    """``iso3, iso_numeric``: the ISO 3166-1 numeric code (three digits, zero-padded) of every country."""
    return _read_countries()[["iso3", "iso_numeric"]].copy()


def load_aliases() -> pd.DataFrame:
    """The alias table: ``alias, iso3``, every known spelling of every country's name."""
    return _read_aliases().copy()


def load_groups() -> pd.DataFrame:
    """The bundled groups: ``iso3, edition, continent, region, source``, one row per country and edition the
    package knows, sorted by edition and iso3."""
    return _read_groups().copy()


def groups_from_workbook(book: pd.DataFrame) -> pd.DataFrame:
    """The groups a workbook's own sheets give (columns ``GROUP_COLUMNS``), from ``read_workbook``'s table.

    One row per country and edition in the file; ``source`` names the file and sheet. A country given two
    continents or regions in one edition is refused (``ParseError`` naming the file, sheet and row).
    """
    _require(book, ("iso3", "edition", "continent", "region", "source"), "workbook table")
    sheet = book["sheet"] if "sheet" in book.columns else pd.Series(pd.NA, index=book.index)
    line = book["line"] if "line" in book.columns else pd.Series(pd.NA, index=book.index)
    table = pd.DataFrame({
        "iso3": book["iso3"], "edition": book["edition"], "continent": book["continent"], "region": book["region"],
        "source": [f"{src}, sheet {sh}" if isinstance(sh, str) and sh else str(src)
                   for src, sh in zip(book["source"], sheet, strict=True)],
        "_line": line,
    })
    table = table.drop_duplicates(["iso3", "edition", "continent", "region"])
    twice = table[table.duplicated(["iso3", "edition"], keep=False)]
    if not twice.empty:
        first, second = twice.iloc[0], twice.iloc[1]
        raise ParseError(
            f"expected one continent and region for {first['iso3']} in {first['edition']}, found "
            f"{first['continent']}/{first['region']} and {second['continent']}/{second['region']}",
            file=second["source"], line=None if pd.isna(second["_line"]) else int(second["_line"]))
    blank = table[table["continent"].isna() | table["region"].isna()]
    if not blank.empty:
        first = blank.iloc[0]
        raise ParseError(f"expected a continent and region for {first['iso3']} in {first['edition']}, found none",
                         file=first["source"], line=None if pd.isna(first["_line"]) else int(first["_line"]))
    table = table.drop(columns="_line").assign(
        continent=lambda t: t["continent"].map(_clean), region=lambda t: t["region"].map(_clean))
    return _ordered(table)


def merge_groups(bundled: pd.DataFrame, from_workbook: pd.DataFrame | None) -> pd.DataFrame:
    """The bundled groups with every (country, edition) a workbook gives replaced by the workbook's own: the
    columns of :func:`load_groups`, ``iso3, edition, continent, region, source``."""
    _require(bundled, tuple(GROUP_COLUMNS), "bundled groups")
    if from_workbook is None or from_workbook.empty:
        return _ordered(bundled)
    _require(from_workbook, tuple(GROUP_COLUMNS), "workbook groups")
    given = pd.MultiIndex.from_frame(from_workbook[["iso3", "edition"]].astype({"edition": "int64"}))
    keys = pd.MultiIndex.from_frame(bundled[["iso3", "edition"]].astype({"edition": "int64"}))
    kept = bundled[~keys.isin(given)]
    return _ordered(pd.concat([kept, from_workbook], ignore_index=True))


def groups_in(groups: pd.DataFrame, edition: int) -> pd.DataFrame:
    """``iso3, continent, region`` of one edition's groups, one row per country."""
    table = groups.loc[groups["edition"] == int(edition), ["iso3", "continent", "region"]]
    return table.reset_index(drop=True)


def scope_editions(groups: pd.DataFrame, scope: str, name: str) -> list[int]:
    """The editions in which ``name`` is a ``scope`` (``continent`` or ``region``) of ``groups``, oldest first."""
    if scope not in ("continent", "region"):
        raise ValueError(f"scope: expected continent or region, found {scope!r}")
    return sorted(int(e) for e in groups.loc[groups[scope] == name, "edition"].unique())


def _clean(name: object) -> object:
    """A group name without stray whitespace (``Caribbean `` -> ``Caribbean``)."""
    return " ".join(name.split()) if isinstance(name, str) else name


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    table = table[list(GROUP_COLUMNS)].astype(GROUP_COLUMNS)
    return table.sort_values(["edition", "iso3"], ignore_index=True)


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: expected columns {', '.join(missing)}, found {list(table.columns)}")


def _refuse(file: str, line: int | None, expected: str, found: object) -> ParseError:
    """The error for reference data that breaks an invariant (raised, never asserted: ``python -O`` keeps it)."""
    return ParseError(f"expected {expected}, found {found}", file=file, line=line)


def _read_csv(path: Path, hint: str, columns: list[str]) -> pd.DataFrame:
    table = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    if list(table.columns) != columns:
        raise _refuse(hint, 1, f"columns {','.join(columns)}", ",".join(table.columns))
    for column in table.columns:
        blank = table.index[table[column].str.strip() == ""]
        if len(blank):
            raise _refuse(hint, int(blank[0]) + 2, f"a {column}", "a blank cell")
        stray = table.index[table[column] != table[column].str.strip()]
        if len(stray):
            raise _refuse(hint, int(stray[0]) + 2, f"{column} without surrounding space",
                          repr(table.loc[stray[0], column]))
    return table


def _first_duplicate(table: pd.DataFrame, columns: list[str]) -> int | None:
    """The 1-based file line (header = 1) of the first row repeating an earlier row's ``columns``."""
    dup = table.index[table.duplicated(columns)]
    return int(dup[0]) + 2 if len(dup) else None


@lru_cache(maxsize=1)
def _read_countries() -> pd.DataFrame:
    table = _read_csv(COUNTRIES_CSV, COUNTRIES_HINT, [*COUNTRY_COLUMNS, "iso_numeric"])
    for column, pattern, what in (("iso3", r"[A-Z]{3}", "an ISO3 code"),
                                  ("iso_numeric", r"\d{3}", "a 3-digit ISO numeric code")):
        bad = table.index[~table[column].str.fullmatch(pattern)]
        if len(bad):
            raise _refuse(COUNTRIES_HINT, int(bad[0]) + 2, what, repr(table.loc[bad[0], column]))
    for column in ("iso3", "country", "iso_numeric"):
        line = _first_duplicate(table, [column])
        if line is not None:
            raise _refuse(COUNTRIES_HINT, line, f"one row per {column}", repr(table.loc[line - 2, column]) + " again")
    return table.sort_values("iso3", ignore_index=True)


@lru_cache(maxsize=1)
def _read_groups() -> pd.DataFrame:
    from ocdata.codebook import load_editions

    table = _read_csv(GROUPS_CSV, GROUPS_HINT, list(GROUP_COLUMNS))
    bad = table.index[~table["edition"].str.fullmatch(r"\d{4}")]
    if len(bad):
        raise _refuse(GROUPS_HINT, int(bad[0]) + 2, "an edition (a year)", repr(table.loc[bad[0], "edition"]))
    table = table.astype({"edition": "int64"})
    line = _first_duplicate(table, ["iso3", "edition"])
    if line is not None:
        row = table.loc[line - 2]
        raise _refuse(GROUPS_HINT, line, "one row per country and edition", f"{row['iso3']} {row['edition']} again")
    codes = set(_read_countries()["iso3"])
    unknown = table.index[~table["iso3"].isin(codes)]
    if len(unknown):
        raise _refuse(GROUPS_HINT, int(unknown[0]) + 2, f"a code of {COUNTRIES_HINT}",
                      repr(table.loc[unknown[0], "iso3"]))
    editions = sorted(int(e) for e in load_editions()["edition"])
    if sorted(table["edition"].unique()) != editions:
        raise _refuse(GROUPS_HINT, None, f"the editions of ocdata/data/editions.csv {editions}",
                      sorted(int(e) for e in table["edition"].unique()))
    for edition, rows in table.groupby("edition"):
        missing = sorted(codes - set(rows["iso3"]))
        if missing:
            raise _refuse(GROUPS_HINT, None, f"every country in {edition}", f"none for {missing}")
        continents = rows.groupby("region")["continent"].unique()
        split = continents[continents.map(len) > 1]
        if not split.empty:
            raise _refuse(GROUPS_HINT, None, f"each {edition} region within one continent",
                          f"{split.index[0]!r} in {sorted(split.iloc[0])}")
    return _ordered(table)


@lru_cache(maxsize=1)
def _read_aliases() -> pd.DataFrame:
    table = pd.read_csv(ALIASES_CSV, dtype="str", keep_default_na=False, encoding="utf-8")
    if list(table.columns) != ["alias", "iso3"]:
        raise _refuse(ALIASES_HINT, 1, "columns alias,iso3", ",".join(table.columns))
    line = _first_duplicate(table, ["alias"])
    if line is not None:
        raise _refuse(ALIASES_HINT, line, "one row per alias", repr(table.loc[line - 2, "alias"]) + " again")
    unknown = table.index[~table["iso3"].isin(set(_read_countries()["iso3"]))]
    if len(unknown):
        raise _refuse(ALIASES_HINT, int(unknown[0]) + 2, f"a code of {COUNTRIES_HINT}",
                      repr(table.loc[unknown[0], "iso3"]))
    keys = table.assign(key=table["alias"].map(normalize_name))
    clash = keys.groupby("key")["iso3"].nunique()
    clash = clash[clash > 1].index.tolist()
    if clash:
        raise _refuse(ALIASES_HINT, None, "spellings equal up to case and spacing to name one code",
                      f"two codes for {clash}")
    missing = sorted(set(_read_countries()["country"]) - set(table["alias"]))
    if missing:
        raise _refuse(ALIASES_HINT, None, f"a row for every name of {COUNTRIES_HINT}", f"none for {missing}")
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

