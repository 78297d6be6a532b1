"""Views of a whole edition: a dataset in, a DataFrame out (pure: no file access, no plotting).

The full ranking, the scores by continent, the regions' means, the countries that moved most since the
previous edition, and the indicators with the highest and lowest means worldwide.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ocdata.codebook import indicators_of, metrics, pillars, previous_edition
from ocdata.errors import ParameterError
from ocdata.numbers import round_half_up
from ocdata.views.country import SCOPES, labels_of, peer_scores
from ocdata.views.params import editions_known, parameters

__all__ = ["continent_scores", "country_counts", "indicator_extremes", "movers", "overview_edition", "ranking",
           "region_averages"]


def country_counts(data) -> dict[int, int]:
    """How many countries have both criminality and resilience in each edition of the data."""
    heads = data.scores[data.scores["indicator"].isin(metrics())].dropna(subset=["score"])
    both = heads.groupby(["edition", "iso3"])["indicator"].nunique()
    both = both[both == len(metrics())].reset_index()
    return {int(e): int(n) for e, n in both.groupby("edition")["iso3"].nunique().items()}


@parameters
def overview_edition(data, edition: Any = 0) -> int:
    """The edition to show: ``edition`` if the data has it; ``0``/``None``/``""`` gives the latest edition
    with the most countries (all of them, with a workbook)."""
    counts = country_counts(data)
    if not counts:
        raise ParameterError("the data has no country with both criminality and resilience scores")
    if edition in (None, 0, ""):
        best = max(counts.values())
        return max(e for e, n in counts.items() if n == best)
    if isinstance(edition, bool) or not (isinstance(edition, (int, np.integer))
                                         or (isinstance(edition, str) and edition.isdigit())):
        raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
    year = int(edition)
    if year not in editions_known():
        raise ParameterError(f"edition {year} is not an edition of the index ({editions_known()})")
    if year not in counts:
        raise ParameterError(f"the data has no country with scores in {year} (it has {sorted(counts)})")
    return year


def _changes(data, edition: int) -> pd.DataFrame:
    """Per country and dimension: the previous edition's score and the change (printed where a document
    prints one, else the difference of the published scores)."""
    prev = previous_edition(edition)
    scores = data.scores[data.scores["indicator"].isin(metrics())]
    now = scores[scores["edition"] == edition].drop_duplicates(["iso3", "indicator"])
    out = now[["iso3", "indicator", "score", "change"]].copy()
    if prev is None:
        out["previous_score"] = np.nan
    else:
        before = scores[scores["edition"] == prev].drop_duplicates(["iso3", "indicator"])
        out = out.merge(before[["iso3", "indicator", "score"]].rename(columns={"score": "previous_score"}),
                        on=["iso3", "indicator"], how="left")
    printed = out["change"].astype("float64")
    difference = round_half_up(out["score"].astype("float64") - out["previous_score"].astype("float64"))
    out["change"] = printed.where(printed.notna(), difference)
    return out.reset_index(drop=True)


@parameters
def ranking(data, edition: int) -> pd.DataFrame:
    """Every country of an edition, most criminal first: continent, region, criminality and resilience with
    their change since the previous edition and their world, continent and region ranks (the dataset's ranks:
    printed where a document prints them, computed among all countries with a workbook; missing otherwise)."""
    peers = peer_scores(data, edition)
    groups = data.scores.loc[data.scores["edition"] == edition, ["iso3", "continent", "region"]]
    groups = groups.dropna().drop_duplicates("iso3").set_index("iso3")
    out = peers[["iso3", "country"]].copy()
    out["continent"] = out["iso3"].map(groups["continent"]).fillna(peers["continent"]).astype("str")
    out["region"] = out["iso3"].map(groups["region"]).fillna(peers["region"]).astype("str")
    changes = _changes(data, edition)
    ranks = data.ranks[data.ranks["edition"] == edition].drop_duplicates(["iso3", "metric", "scope"])
    for metric in metrics():
        out[metric] = peers[metric].astype("float64")
        mine = changes[changes["indicator"] == metric].set_index("iso3")["change"]
        out[f"{metric}_change"] = out["iso3"].map(mine).astype("float64")
        for scope in SCOPES:
            given = ranks[(ranks["metric"] == metric) & (ranks["scope"] == scope)].set_index("iso3")["rank"]
            out[f"{metric}_rank_{scope}"] = out["iso3"].map(given).astype("Int64")
    out = out.sort_values(["criminality", "resilience", "country"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


@parameters
def continent_scores(data, edition: int) -> pd.DataFrame:
    """Long table for distributions: ``iso3, country, continent, dimension, score`` (one row per country
    and dimension), continents in alphabetical order."""
    table = ranking(data, edition)
    long = table.melt(id_vars=["iso3", "country", "continent"], value_vars=list(metrics()),
                      var_name="dimension", value_name="score")
    return long.sort_values(["dimension", "continent", "iso3"], ignore_index=True)


@parameters
def region_averages(data, edition: int) -> pd.DataFrame:
    """Each region's mean criminality and resilience (rounded half-up) over the countries the data has,
    with its continent and number of countries; most criminal first."""
    table = ranking(data, edition)
    grouped = table.groupby(["continent", "region"], as_index=False).agg(
        countries=("iso3", "size"), **{m: (m, "mean") for m in metrics()})
    for metric in metrics():
        grouped[metric] = round_half_up(grouped[metric].astype("float64"))
    grouped["countries"] = grouped["countries"].astype("int64")
    grouped = grouped[["region", "continent", "countries", *metrics()]]
    return grouped.sort_values(["criminality", "region"], ascending=[False, True], ignore_index=True)


@parameters
def movers(data, edition: int, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest changes since the previous edition per dimension (by size, worse or better):
    ``dimension, iso3, country, previous_score, score, change, direction``. Empty without an earlier edition."""
    columns = ["dimension", "iso3", "country", "previous_score", "score", "change", "direction"]
    changes = _changes(data, edition).dropna(subset=["change"])
    if changes.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in columns[3:6] else "str") for c in columns})
    names = data.countries.set_index("iso3")["country"]
    changes = changes.rename(columns={"indicator": "dimension"})
    changes["country"] = changes["iso3"].map(names).astype("str")
    changes["size"] = changes["change"].abs()
    worse = np.where(changes["dimension"] == "resilience", changes["change"] < 0, changes["change"] > 0)
    changes["direction"] = np.where(changes["change"] == 0, "no change", np.where(worse, "worse", "better"))
    parts = [changes[changes["dimension"] == m].sort_values(["size", "country"], ascending=[False, True]).head(n)
             for m in metrics()]
    out = pd.concat(parts, ignore_index=True)
    return out[columns].reset_index(drop=True)


@parameters
def indicator_extremes(data, edition: int, n: int = 3) -> pd.DataFrame:
    """Per pillar, the ``n`` indicators with the highest and the ``n`` with the lowest mean over the
    edition's countries (at most half the pillar's indicators each): ``pillar, position, indicator, label, mean,
    countries``. For criminal markets and actors a high mean is a widespread threat; for resilience a high mean
    is a strength."""
    scores = data.scores[(data.scores["edition"] == edition) & data.scores["indicator"].isin(indicators_of(edition))]
    scores = scores.dropna(subset=["score"]).drop_duplicates(["iso3", "indicator"])
    means = scores.groupby(["pillar", "indicator"], as_index=False).agg(mean=("score", "mean"),
                                                                      countries=("iso3", "size"))
    means["mean"] = round_half_up(means["mean"].astype("float64"))
    labels = labels_of(data)
    rows = []
    for pillar in [p for p in pillars() if p in set(means["pillar"])]:
        mine = means[means["pillar"] == pillar]
        k = min(n, len(mine) // 2)  # a pillar of five indicators shows two and two, never one twice
        top = mine.sort_values(["mean", "indicator"], ascending=[False, True]).head(k).assign(position="highest")
        bottom = mine.sort_values(["mean", "indicator"], ascending=[True, True]).head(k).assign(position="lowest")
        rows += [top, bottom]
    out = pd.concat(rows, ignore_index=True) if rows else means.assign(position="")
    out["label"] = out["indicator"].map(labels).astype("str")
    out["countries"] = out["countries"].astype("int64")
    return out[["pillar", "position", "indicator", "label", "mean", "countries"]].reset_index(drop=True)
