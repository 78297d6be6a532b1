"""Views of one country: a dataset in, a small DataFrame out (pure: no file access, no plotting)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ocdata.codebook import (
    children_of,
    combines_unrounded,
    composites,
    composites_bottom_up,
    metrics,
    pillars,
    previous_edition,
)
from ocdata.numbers import round_half_up
from ocdata.views.memo import per_dataset
from ocdata.views.params import SCOPES, country_info, parameters

MIN_PEERS = 3
"""Fewer countries than this in an edition and a comparison with peers says nothing."""

ORIGINS = {
    "reported": "printed in the source document or workbook",
    "computed": "computed from its indicators by the publisher's rule (mean, rounded half-up)",
    "inferred": "not printed; solved from a printed pillar mean and the other indicators",
    "backcast": "not printed for this edition; earlier value recovered from a later printed change",
}
"""What each origin of a value means, as the provenance tables say it (``scores.origin``)."""


def scores_of(data, countries: Iterable[str], editions: Iterable[int] | None = None) -> pd.DataFrame:
    """The scores of ``countries`` (in ``editions``), in the table's order."""
    scores = data.scores
    rows = per_dataset(data, "rows by country", lambda: scores.groupby("iso3", sort=False).indices)
    positions = [rows[c] for c in dict.fromkeys(countries) if c in rows]
    table = scores.iloc[np.sort(np.concatenate(positions))] if positions else scores.iloc[:0]
    if editions is not None:
        table = table[table["edition"].isin([int(e) for e in editions])]
    return table


def labels_of(data) -> pd.Series:
    """Each indicator's and composite's label, by id."""
    return data.codebook.set_index("indicator")["label"]


@parameters
def headline(data, country: str, edition: int) -> pd.DataFrame:
    """The four composites of a country in an edition, with the previous edition's score and change.

    ``change`` is the printed change where the document prints one, else the difference of the
    two published scores (``change_basis`` says which).
    """
    return per_dataset(data, ("headline", country, int(edition)), lambda: _headline(data, country, edition)).copy(
        deep=False)


def _headline(data, country: str, edition: int) -> pd.DataFrame:
    prev = previous_edition(edition)
    eds = [edition] if prev is None else [edition, prev]
    table = scores_of(data, [country], eds)
    table = table[table["indicator"].isin(composites())]
    now = table[table["edition"] == edition].set_index("indicator")
    before = table[table["edition"] == prev].set_index("indicator")["score"]
    out = pd.DataFrame({"indicator": list(composites())})
    out["label"] = out["indicator"].map(labels_of(data))
    out["score"] = out["indicator"].map(now["score"]).astype("float64")
    out["previous_edition"] = pd.array([prev] * len(out), dtype="Int64")
    out["previous_score"] = out["indicator"].map(before).astype("float64")
    printed = out["indicator"].map(now["change"]).astype("float64")
    difference = round_half_up(out["score"] - out["previous_score"])
    out["change"] = printed.where(printed.notna(), difference)
    out["change_basis"] = np.where(printed.notna(), "printed", np.where(difference.notna(), "difference", ""))
    out["origin"] = out["indicator"].map(now["origin"]).astype("str")
    return out


@parameters
def ranks_of(data, country: str, edition: int) -> pd.DataFrame:
    """Ranks of a country in an edition: ``metric, scope, scope_name, rank, total, tied, text, origin, source``;
    ``text`` is ``85th of 193 (World)``, or ``joint 85th of 193 (World)`` where ``tied`` countries share the score."""
    ranks = data.ranks
    table = ranks[(ranks["iso3"] == country) & (ranks["edition"] == edition)].copy()
    table["_m"] = table["metric"].map({m: i for i, m in enumerate(metrics())})
    table["_s"] = table["scope"].map({s: i for i, s in enumerate(SCOPES)})
    table = table.sort_values(["_m", "_s"]).drop(columns=["_m", "_s"])
    table["text"] = [f"{joint_rank(r, k)} of {int(t)} ({n})" for r, k, t, n in
                     zip(table["rank"], table["tied"], table["total"], table["scope_name"], strict=True)]
    return table[["metric", "scope", "scope_name", "rank", "total", "tied", "text", "origin", "source"]].reset_index(
        drop=True)


def joint_rank(rank: int, tied: object) -> str:
    """``85th``, or ``joint 85th`` where ``tied`` (the ``ranks`` table's column) is more than 1."""
    return f"joint {ordinal(int(rank))}" if not pd.isna(tied) and int(tied) > 1 else ordinal(int(rank))


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``23rd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@parameters
def indicator_scores(data, country: str, edition: int) -> pd.DataFrame:
    """Every indicator of a country in an edition, sorted by pillar then score (highest first),
    with the previous edition's score where it exists and the change: the printed one, else the
    difference of the published scores (``change_basis`` says which)."""
    prev = previous_edition(edition)
    codebook = data.codebook.set_index("indicator")
    indicators = codebook.index[codebook["level"] == "indicator"]
    table = scores_of(data, [country], [edition] if prev is None else [edition, prev])
    table = table[table["indicator"].isin(indicators)]
    now = table[table["edition"] == edition]
    before = table[table["edition"] == prev].set_index("indicator")["score"]
    out = now[["indicator", "pillar", "score", "change", "origin", "source", "line"]].copy()
    out.insert(1, "label", out["indicator"].map(codebook["label"]))
    out["previous_score"] = out["indicator"].map(before).astype("float64")
    printed = out["change"].astype("float64")
    difference = round_half_up(out["score"].astype("float64") - out["previous_score"])
    out["change"] = printed.where(printed.notna(), difference)
    out["change_basis"] = np.where(printed.notna(), "printed", np.where(difference.notna(), "difference", ""))
    out["_p"] = out["pillar"].map({p: i for i, p in enumerate(pillars())})
    out = out.sort_values(["_p", "score", "label"], ascending=[True, False, True]).drop(columns="_p")
    return out.reset_index(drop=True)


@parameters
def composite_history(data, countries: Sequence[str]) -> pd.DataFrame:
    """The composites of the countries in every edition: ``iso3, country, edition, indicator, label,
    score, origin``."""
    table = scores_of(data, countries)
    table = table[table["indicator"].isin(composites())]
    out = table[["iso3", "country", "edition", "indicator", "score", "origin"]].copy()
    out.insert(4, "label", out["indicator"].map(labels_of(data)))
    order = {c: i for i, c in enumerate(countries)}
    out["_c"] = out["iso3"].map(order)
    out["_i"] = out["indicator"].map({c: i for i, c in enumerate(composites())})
    return out.sort_values(["_c", "_i", "edition"]).drop(columns=["_c", "_i"]).reset_index(drop=True)


@parameters
def profile_facts(data, country: str, edition: int) -> dict[str, Any]:
    """Capital, population, GDP and area as the profile of that edition prints them (may be empty)."""
    profiles = data.profiles
    if profiles.empty:
        return {}
    rows = profiles[(profiles["iso3"] == country) & (profiles["edition"] == edition)]
    if rows.empty:
        return {}
    row = rows.iloc[0]
    return {k: row[k] for k in ("capital", "population", "gdp_usd_million", "area_km2", "source")
            if k in row and not pd.isna(row[k])}


def composite_table(history: pd.DataFrame) -> pd.DataFrame:
    """A :func:`composite_history` of one country as a table: a row per composite, a column per edition."""
    wide = history.pivot_table(index="label", columns="edition", values="score", aggfunc="first", sort=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.rename_axis("composite").reset_index()


# --- peers ----------------------------------------------------------------------------------------


@parameters
def peer_scores(data, edition: int) -> pd.DataFrame:
    """Criminality and resilience of every country in an edition, one row per country."""
    return per_dataset(data, ("peers", int(edition)), lambda: _peer_scores(data, edition)).copy(deep=False)


def _peer_scores(data, edition: int) -> pd.DataFrame:
    table = data.scores[(data.scores["edition"] == edition) & data.scores["indicator"].isin(metrics())]
    wide = table.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    wide = wide.reindex(columns=list(metrics()))
    info = data.countries.set_index("iso3")[["country", "continent", "region"]]
    out = info.join(wide, how="inner").reset_index()
    grouped = [country_info(data, iso3, edition) for iso3 in out["iso3"]]  # the edition's regions
    out["continent"] = pd.array([g["continent"] for g in grouped], dtype=out["continent"].dtype)
    out["region"] = pd.array([g["region"] for g in grouped], dtype=out["region"].dtype)
    return out.dropna(subset=list(metrics())).sort_values("iso3", ignore_index=True)


@parameters
def has_peers(data, edition: int) -> bool:
    """Whether enough countries are loaded for that edition to compare a country with its peers."""
    return len(peer_scores(data, edition)) >= MIN_PEERS


@parameters
def region_ranking(data, region: str, edition: int) -> pd.DataFrame:
    """The countries of a region with criminality, resilience and their ranks among them
    (standard competition ranks: 1 = highest score, ties share the best rank)."""
    peers = peer_scores(data, edition)
    table = peers[peers["region"] == region].copy()
    for metric in metrics():
        table[f"{metric}_rank"] = table[metric].rank(method="min", ascending=False).astype("Int64")
    table = table.sort_values(["criminality", "country"], ascending=[False, True], ignore_index=True)
    return table[["iso3", "country", "criminality", "criminality_rank", "resilience", "resilience_rank"]]


@parameters
def region_means(data, country: str, edition: int) -> pd.DataFrame:
    """The country's composites beside its region's and the world's means (from the workbook's
    countries; empty without a workbook)."""
    aggregates = data.aggregates
    if aggregates.empty:
        return pd.DataFrame(columns=["indicator", "label", "score", "region_mean", "world_mean", "n_region"])
    region = country_info(data, country, edition)["region"]
    agg = aggregates[(aggregates["edition"] == edition) & aggregates["indicator"].isin(composites())]
    in_region = agg[(agg["scope"] == "region") & (agg["scope_name"] == region)].set_index("indicator")
    world = agg[agg["scope"] == "world"].set_index("indicator")["mean"]
    out = headline(data, country, edition)[["indicator", "label", "score"]].copy()
    out["region_mean"] = round_half_up(out["indicator"].map(in_region["mean"]).astype("float64"))
    out["world_mean"] = round_half_up(out["indicator"].map(world).astype("float64"))
    out["n_region"] = out["indicator"].map(in_region["n"]).astype("Int64")
    return out




# --- history, narrative, provenance ---------------------------------------------------------------


@parameters
def country_series(data, country: str, min_years: int = 3) -> pd.DataFrame:
    """The country's yearly series with at least ``min_years`` values (for plotting)."""
    series = data.series[data.series["iso3"] == country]
    counts = series.groupby("series")["year"].transform("size")
    return series[counts >= min_years].sort_values(["series", "year"], ignore_index=True)


@parameters
def single_figures(data, country: str, min_years: int = 3) -> pd.DataFrame:
    """The country's figures that are not long series: one row per figure, newest first."""
    series = data.series[data.series["iso3"] == country]
    counts = series.groupby("series")["year"].transform("size")
    out = series[counts < min_years][["series", "year", "value", "unit", "source", "line"]]
    return out.sort_values(["series", "year"], ignore_index=True)


@parameters
def country_claims(data, country: str) -> pd.DataFrame:
    """The growth-rate claims made about a country, checked against the series."""
    claims = data.claims[data.claims["iso3"] == country]
    columns = ["claim", "text", "series", "start", "end", "claimed", "computed", "unit", "status", "source", "line"]
    return claims[columns].reset_index(drop=True)


@parameters
def narrative(data, country: str, edition: int) -> pd.DataFrame:
    """The narrative of one profile in document order: ``section, pillar, indicator, text, source, line``.

    Where two documents print the same profile (a web page and a PDF), the one with printed
    headings is used; ``section`` is never missing (paragraphs before a heading go under "Overview").
    """
    table = data.narratives[(data.narratives["iso3"] == country) & (data.narratives["edition"] == edition)]
    if table.empty:
        return pd.DataFrame(columns=["section", "pillar", "indicator", "text", "source", "line"])
    by_source = table.groupby("source").agg(
        headings=("mapped_by", lambda s: int((s == "heading").sum())), rows=("text", "size")
    ).sort_values(["headings", "rows"], ascending=False, kind="stable")
    chosen = table[table["source"] == by_source.index[0]].sort_values("line")
    out = chosen[["section", "pillar", "indicator", "text", "source", "line"]].copy()
    out["section"] = out["section"].where(out["section"].notna(), None).ffill().fillna("Overview")
    return out.reset_index(drop=True)


@parameters
def provenance(data, country: str, edition: int) -> pd.DataFrame:
    """Every score of a country in an edition with where it comes from and how it was obtained."""
    table = scores_of(data, [country], [edition])
    codebook = data.codebook.set_index("indicator")
    out = table[["indicator", "score", "origin", "source", "line", "sheet"]].copy()
    out.insert(1, "label", out["indicator"].map(codebook["label"]))
    out.insert(2, "level", out["indicator"].map(codebook["level"]))
    out["how"] = out["origin"].map(ORIGINS)
    out["_o"] = out["indicator"].map(codebook["order"])
    return out.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def provenance_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many values of a :func:`provenance` table have each origin (every origin listed)."""
    counts = table["origin"].value_counts()
    return pd.DataFrame({"origin": list(ORIGINS), "values": [int(counts.get(o, 0)) for o in ORIGINS],
                         "meaning": list(ORIGINS.values())})


@parameters
def cited_sources(data, countries: Sequence[str], editions: Iterable[int] | None = None, *,
                  with_workbook: bool = False) -> pd.DataFrame:
    """The source documents behind every value a report shows about ``countries``.

    Sources of computed values (``a;b``) are split; ``with_workbook`` adds the workbook when the
    report also shows other countries from it.
    """
    ids: set[str] = set()
    editions = None if editions is None else [int(e) for e in editions]
    ids.update(_split_sources(scores_of(data, countries)["source"]))  # every edition's: changes cite them
    for name in ("ranks", "narratives", "profiles"):
        table = getattr(data, name)
        if table.empty:
            continue
        mask = table["iso3"].isin(list(countries))
        if editions is not None:
            mask &= table["edition"].isin(editions)
        ids.update(_split_sources(table.loc[mask, "source"]))
    for name in ("series", "claims"):
        table = getattr(data, name)
        ids.update(_split_sources(table.loc[table["iso3"].isin(list(countries)), "source"]))
    sources = data.sources
    if with_workbook:
        ids.update(sources.loc[sources["kind"] == "workbook", "id"])
    out = sources[sources["id"].isin(ids)].copy()
    out["_k"] = out["kind"].map({"workbook": 1}).fillna(0)
    out = out.sort_values(["_k", "edition", "id"], na_position="last").drop(columns="_k")
    return out[["id", "title", "publisher", "kind", "edition", "file", "sha256"]].reset_index(drop=True)


def _split_sources(column: pd.Series) -> set[str]:
    return {part for value in column.dropna() for part in str(value).split(";") if part}


@parameters
def check_summary(data, countries: Sequence[str]) -> pd.DataFrame:
    """The validation checks about ``countries``: how many passed and failed, per kind of check."""
    checks = data.checks[data.checks["iso3"].isin(list(countries))]
    if checks.empty:
        return pd.DataFrame(columns=["check", "pass", "fail"])
    table = checks.pivot_table(index="check", columns="status", values="subject", aggfunc="size", fill_value=0)
    table = table.reindex(columns=["pass", "fail"], fill_value=0).astype("int64")
    return table.reset_index().rename_axis(columns=None)




# --- teaching -------------------------------------------------------------------------------------


@parameters
def recompute_composites(data, country: str, edition: int) -> pd.DataFrame:
    """The composites recomputed by hand from the indicators, beside the published ones.

    ``recomputed`` follows the publisher's rule (means rounded half-up; a composite the codebook
    says combines unrounded means, criminality, from its parts' unrounded means); ``naive``
    averages the rounded parts and uses Python's ``round`` (half to even), the two usual mistakes.
    """
    table = scores_of(data, [country], [edition]).set_index("indicator")["score"]
    unrounded: dict[str, float] = {}
    recomputed: dict[str, float] = {}
    naive: dict[str, float] = {}
    for composite in composites_bottom_up():
        parts = children_of(composite, edition)
        exact = [unrounded[p] if combines_unrounded(composite) else recomputed[p] if p in unrounded
                 else float(table[p]) for p in parts]
        unrounded[composite] = float(np.mean(exact))
        recomputed[composite] = round_half_up(unrounded[composite])
        naive[composite] = round(float(np.mean([naive.get(p, table.get(p)) for p in parts])), 2)
    out = pd.DataFrame({"indicator": list(composites())})
    out["label"] = out["indicator"].map(labels_of(data))
    out["published"] = out["indicator"].map(table).astype("float64")
    out["unrounded"] = out["indicator"].map(unrounded)
    out["recomputed"] = out["indicator"].map(recomputed)
    out["naive"] = out["indicator"].map(naive)
    out["matches"] = (out["recomputed"] - out["published"]).abs() < 0.005
    return out

