"""Ranks and group means computed from scores: pure functions, DataFrame in, DataFrame out.

>>> from ocdata import ranks
>>> ranks.compute_ranks(data.scores)        # iso3, edition, metric, scope, scope_name, rank, total, tied, ...
>>> ranks.compute_aggregates(data.scores)   # edition, indicator, scope, scope_name, mean, n
>>> data.ranks, data.aggregates             # the same, as a dataset holds them

Scopes come from the groups table passed in (``iso3, edition, continent, region``; by default the bundled
``ocdata.countries.load_groups()``, with a workbook ``merge_groups(load_groups(), groups_from_workbook(book))``):
the world, the country's continent and its region as the scored edition groups them. The index regroups its
regions between editions (the 2021 sheet's ``Caribbean`` and ``Central America`` are one ``Caribbean & Central``
in 2023), so a 2021 region rank is a rank among the 2021 region's countries.

A scope is ranked in an edition only when every one of its countries has a score for that metric: a
rank among the countries that happen to be known would not be the published rank, so none is given.
"""

from __future__ import annotations

import pandas as pd

from ocdata.codebook import METRICS
from ocdata.countries import load_groups

__all__ = [
    "compute_aggregates",
    "compute_ranks",
    "percentile_of",
    "tied_from",
]

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
    "tied": "int64",
    "percentile": "float64",
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


def compute_ranks(scores: pd.DataFrame, countries: pd.DataFrame | None = None, *,
                  groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Criminality and resilience ranks at world, continent and region scope (columns: ``RANK_COLUMNS``).

    ``rank`` is the standard competition rank of the score as given (1 = highest; ties share the best
    rank) among the countries of the scope in the scored edition's ``groups``; ``total`` is the number of
    countries in the scope, all of which have a score; ``tied`` how many of them have this score (1 when
    alone); ``percentile`` the share of them whose score is at most this one, in % (:func:`percentile_of`).
    ``countries`` is not read (the scopes come from ``groups``); it is kept so that calls made before groups
    had editions still work.
    """
    groups = _groups(groups)
    known = _known_scores(scores, groups)
    known = known[known["indicator"].isin(METRICS)].rename(columns={"indicator": "metric"})
    keys = ["edition", "metric", "scope_name"]
    frames = []
    for scope in SCOPES:
        members = _members(groups, scope)
        size = members.groupby(["edition", "scope_name"]).size().rename("members").reset_index()
        table = known.merge(members, on=["iso3", "edition"], validate="many_to_one")
        table["total"] = table.groupby(keys)["score"].transform("size")
        table = table.merge(size, on=["edition", "scope_name"], validate="many_to_one")
        table = table[table["total"] == table["members"]].copy()
        # rounding to 9 places makes equal scores tie even when they went through float arithmetic
        level = table.assign(score=table["score"].round(9))
        table["rank"] = level.groupby(keys)["score"].rank(method="min", ascending=False)
        table["tied"] = level.groupby([*keys, "score"])["score"].transform("size")
        frames.append(table.assign(scope=scope))
    ranks = pd.concat(frames, ignore_index=True).assign(origin="computed", source=pd.NA, line=pd.NA)
    ranks["percentile"] = percentile_of(ranks["rank"], ranks["total"])
    ranks = ranks[list(RANK_COLUMNS)].astype(RANK_COLUMNS)
    ranks = ranks.sort_values(
        ["edition", "metric", "scope", "scope_name", "rank", "iso3"], key=_scope_order, ignore_index=True
    )
    twice = ranks[ranks.duplicated(["iso3", "edition", "metric", "scope"], keep=False)]
    if not twice.empty:  # cannot happen with one group per country and edition (checked above): a bug
        raise RuntimeError(f"compute_ranks: two ranks for one key, e.g. {twice.iloc[0].to_dict()}")
    return ranks


def percentile_of(rank: pd.Series, total: pd.Series) -> pd.Series:
    """Percentile rank in % (float): the share of the scope's ``total`` countries whose score is at most this
    country's, ties counted as level: ``100 * (total - rank + 1) / total`` for a standard competition ``rank``
    (the ``rank - 1`` countries ranked above have a higher score, every other one a score at most this one).

    The top country of 193 is at 100, the last (alone) at 100/193 ≈ 0.52; two countries sharing 2nd of 4 are
    both at 75. Missing where ``rank`` or ``total`` is.
    """
    rank, total = rank.astype("Float64"), total.astype("Float64")
    return (100 * (total - rank + 1) / total).astype("float64")


def tied_from(ranks: pd.DataFrame, computed: pd.DataFrame) -> pd.Series:
    """For each row of ``ranks`` (``iso3, edition, metric, scope``), ``tied`` as ``computed`` (a
    :func:`compute_ranks` table) has it: missing (``Int64``) where no rank was computed, as for a printed rank
    in a scope whose scores are not all known."""
    key = ["iso3", "edition", "metric", "scope"]
    if "tied" not in computed or computed.empty:
        return pd.Series(pd.NA, index=ranks.index, dtype="Int64")
    lookup = computed[[*key, "tied"]].astype({"edition": "int64"})
    found = ranks[key].astype({"edition": "int64"}).merge(lookup, on=key, how="left", validate="many_to_one")
    return pd.Series(found["tied"].to_numpy(), index=ranks.index).astype("Int64")


def compute_aggregates(scores: pd.DataFrame, countries: pd.DataFrame | None = None, *,
                       groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean score per edition, indicator and scope (columns: ``AGGREGATE_COLUMNS``).

    Scopes are the scored edition's ``groups`` (as in ``compute_ranks``; ``countries`` is not read). Means
    are of the scores as given, not rounded (for composites: the mean of the published composite scores);
    ``n`` is the number of countries with a score. Every scope with at least one score appears.
    """
    groups = _groups(groups)
    known = _known_scores(scores, groups)
    keys = ["edition", "indicator", "scope_name"]
    frames = []
    for scope in SCOPES:
        table = known.merge(_members(groups, scope), on=["iso3", "edition"], validate="many_to_one")
        means = table.groupby(keys, as_index=False)["score"].agg(mean="mean", n="size")
        frames.append(means.assign(scope=scope))
    table = pd.concat(frames, ignore_index=True)[list(AGGREGATE_COLUMNS)].astype(AGGREGATE_COLUMNS)
    keys = ["edition", "indicator", "scope", "scope_name"]
    return table.sort_values(keys, key=_scope_order, ignore_index=True)


def _groups(groups: pd.DataFrame | None) -> pd.DataFrame:
    """``iso3, edition, continent, region`` after checking: one row per country and edition."""
    if groups is None:
        groups = load_groups()
    _require(groups, ("iso3", "edition", "continent", "region"), "groups")
    groups = groups[["iso3", "edition", "continent", "region"]].astype({"edition": "int64"})
    twice = groups[groups.duplicated(["iso3", "edition"])]
    if not twice.empty:
        first = twice.iloc[0]
        raise ValueError(f"groups: {len(twice)} rows repeat a country and edition, e.g. {first['iso3']} "
                         f"{first['edition']}: keep one continent and region per country and edition")
    return groups


def _known_scores(scores: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``iso3, edition, indicator, score`` for the non-missing scores, after checking the inputs."""
    _require(scores, ("iso3", "edition", "indicator", "score"), "scores")
    known = scores.loc[scores["score"].notna(), ["iso3", "edition", "indicator", "score"]]
    dup = known[known.duplicated(["iso3", "edition", "indicator"], keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        raise ValueError(
            f"scores: {len(dup)} rows share a key, e.g. {first['iso3']} {first['edition']} "
            f"{first['indicator']}: keep one score per country, edition and indicator"
        )
    known = known.astype({"edition": "int64", "score": "float64"})
    unknown = sorted(set(known["iso3"]) - set(groups["iso3"]))
    if unknown:
        raise ValueError(f"scores: codes not in the groups table: {unknown}")
    pairs = known[["iso3", "edition"]].drop_duplicates()
    missing = pairs.merge(groups[["iso3", "edition"]], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if not missing.empty:
        first = missing.iloc[0]
        raise ValueError(f"scores: no continent and region in the groups table for {len(missing)} country-editions,"
                         f" e.g. {first['iso3']} {first['edition']}")
    return known


def _members(groups: pd.DataFrame, scope: str) -> pd.DataFrame:
    """``iso3, edition, scope_name``: which scope of this kind each country belongs to in each edition."""
    name = WORLD if scope == "world" else groups[scope]
    return pd.DataFrame({"iso3": groups["iso3"], "edition": groups["edition"], "scope_name": name})


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: expected columns {', '.join(missing)}, found {list(table.columns)}")


def _scope_order(column: pd.Series) -> pd.Series:
    """Sort key: scopes from the widest to the narrowest, other columns as they are."""
    return column.map(SCOPES.index) if column.name == "scope" else column
