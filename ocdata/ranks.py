"""Ranks and group means computed from scores: pure functions, DataFrame in, DataFrame out.

Scopes come from the country table passed in (``load_countries()``): the world, the country's continent
and its region, as the 2023 edition groups them, for every edition. (The 2021 sheet splits the 2023
region ``Caribbean & Central`` into ``Caribbean`` and ``Central America``, so 2021 region ranks of those
21 countries are ranks within the merged region, not the ones printed in 2021.)

A scope is ranked in an edition only when every one of its countries has a score for that metric: a
rank among the countries that happen to be known would not be the published rank, so none is given.
"""

from __future__ import annotations

import pandas as pd

from ocdata.codebook import METRICS

SCOPES = ("world", "continent", "region")
WORLD = "World"

RANK_COLUMNS = {
    "iso3": "str",
    "edition": "int64",
    "metric": "str",
    "scope": "str",
    "scope_name": "str",
    "rank": "int64",
    "total": "int64",
    "origin": "str",
    "source": "string",
    "line": "Int64",
}
"""The columns of ``compute_ranks``'s table; ``source`` and ``line`` are always missing (pd.NA)."""

AGGREGATE_COLUMNS = {
    "edition": "int64",
    "indicator": "str",
    "scope": "str",
    "scope_name": "str",
    "mean": "float64",
    "n": "int64",
}
"""The columns of ``compute_aggregates``'s table."""


def compute_ranks(scores: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Criminality and resilience ranks at world, continent and region scope (columns: ``RANK_COLUMNS``).

    ``rank`` is the standard competition rank of the score as given (1 = highest; ties share the best
    rank); ``total`` is the number of countries in the scope, all of which have a score.
    """
    known = _known_scores(scores, countries)
    known = known[known["indicator"].isin(METRICS)].rename(columns={"indicator": "metric"})
    keys = ["edition", "metric", "scope_name"]
    frames = []
    for scope in SCOPES:
        members = _members(countries, scope)
        table = known.merge(members, on="iso3", validate="many_to_one")
        table["total"] = table.groupby(keys)["score"].transform("size")
        table = table[table["total"] == table["scope_name"].map(members["scope_name"].value_counts())].copy()
        # rounding to 9 places makes equal scores tie even when they went through float arithmetic
        table["rank"] = table.assign(score=table["score"].round(9)).groupby(keys)["score"].rank(
            method="min", ascending=False
        )
        frames.append(table.assign(scope=scope))
    ranks = pd.concat(frames, ignore_index=True).assign(origin="computed", source=pd.NA, line=pd.NA)
    ranks = ranks[list(RANK_COLUMNS)].astype(RANK_COLUMNS)
    ranks = ranks.sort_values(
        ["edition", "metric", "scope", "scope_name", "rank", "iso3"], key=_scope_order, ignore_index=True
    )
    twice = ranks[ranks.duplicated(["iso3", "edition", "metric", "scope"], keep=False)]
    if not twice.empty:  # cannot happen with one group per country (checked above): a bug, not an input
        raise RuntimeError(f"compute_ranks: two ranks for one key, e.g. {twice.iloc[0].to_dict()}")
    return ranks


def compute_aggregates(scores: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Mean score per edition, indicator and scope (columns: ``AGGREGATE_COLUMNS``).

    Means are of the scores as given, not rounded (for composites: the mean of the published composite
    scores); ``n`` is the number of countries with a score. Every scope with at least one score appears.
    """
    known = _known_scores(scores, countries)
    keys = ["edition", "indicator", "scope_name"]
    frames = []
    for scope in SCOPES:
        table = known.merge(_members(countries, scope), on="iso3", validate="many_to_one")
        means = table.groupby(keys, as_index=False)["score"].agg(mean="mean", n="size")
        frames.append(means.assign(scope=scope))
    table = pd.concat(frames, ignore_index=True)[list(AGGREGATE_COLUMNS)].astype(AGGREGATE_COLUMNS)
    keys = ["edition", "indicator", "scope", "scope_name"]
    return table.sort_values(keys, key=_scope_order, ignore_index=True)


def _known_scores(scores: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """``iso3, edition, indicator, score`` for the non-missing scores, after checking the inputs."""
    _require(scores, ("iso3", "edition", "indicator", "score"), "scores")
    _require(countries, ("iso3", "continent", "region"), "countries")
    twice = countries.loc[countries["iso3"].duplicated(), "iso3"].tolist()
    if twice:
        raise ValueError(f"countries: duplicate iso3 {twice}")
    known = scores.loc[scores["score"].notna(), ["iso3", "edition", "indicator", "score"]]
    dup = known[known.duplicated(["iso3", "edition", "indicator"], keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        raise ValueError(
            f"scores: {len(dup)} rows share a key, e.g. {first['iso3']} {first['edition']} "
            f"{first['indicator']}: keep one score per country, edition and indicator"
        )
    unknown = sorted(set(known["iso3"]) - set(countries["iso3"]))
    if unknown:
        raise ValueError(f"scores: codes not in the country table: {unknown}")
    return known.astype({"edition": "int64", "score": "float64"})


def _members(countries: pd.DataFrame, scope: str) -> pd.DataFrame:
    """``iso3, scope_name``: which scope of this kind each country belongs to."""
    name = WORLD if scope == "world" else countries[scope]
    return pd.DataFrame({"iso3": countries["iso3"], "scope_name": name})


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: expected columns {', '.join(missing)}, found {list(table.columns)}")


def _scope_order(column: pd.Series) -> pd.Series:
    """Sort key: scopes from the widest to the narrowest, other columns as they are."""
    return column.map(SCOPES.index) if column.name == "scope" else column
