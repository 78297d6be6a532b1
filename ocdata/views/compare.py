"""Views of several countries side by side: a dataset in, a small DataFrame out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ocdata.codebook import composites, metrics, previous_edition
from ocdata.numbers import round_half_up
from ocdata.views.country import labels_of, region_means, scores_of
from ocdata.views.params import country_info, parameters


@parameters
def compare_headline(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """One row per country: the four composites and the world ranks (where known)."""
    table = scores_of(data, countries, [edition])
    table = table[table["indicator"].isin(composites())]
    wide = table.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    wide = wide.reindex(index=list(countries), columns=list(composites()))
    ranks = data.ranks[(data.ranks["edition"] == edition) & (data.ranks["scope"] == "world")]
    for metric in metrics():
        by_country = ranks[ranks["metric"] == metric].set_index("iso3")["rank"]
        wide[f"{metric}_world_rank"] = pd.array(wide.index.map(by_country), dtype="Int64")
    names = data.countries.set_index("iso3")["country"]
    wide.insert(0, "country", wide.index.map(names))
    return wide.rename_axis("iso3").reset_index().rename_axis(columns=None)


@parameters
def indicator_matrix(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Indicators (rows, codebook order, labelled) by country (columns, names): the scores."""
    codebook = data.codebook
    indicators = codebook.loc[codebook["level"] == "indicator"].sort_values("order")
    table = scores_of(data, countries, [edition])
    wide = table.pivot_table(index="indicator", columns="iso3", values="score", aggfunc="first")
    wide = wide.reindex(index=indicators["indicator"], columns=list(countries)).dropna(how="all")
    names = data.countries.set_index("iso3")["country"]
    wide.index = wide.index.map(indicators.set_index("indicator")["label"])
    wide.columns = [str(names[c]) for c in wide.columns]
    wide.index.name, wide.columns.name = "indicator", None
    return wide


@parameters
def indicator_differences(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Per indicator: each country's score, and how far apart they are.

    For two countries ``difference`` is first minus second; for more, it is the spread (highest
    minus lowest; ``highest`` and ``lowest`` name every country sharing that score). Rows are sorted by the
    size of the difference, largest first.
    """
    matrix = indicator_matrix(data, countries, edition)
    out = matrix.copy()
    if len(matrix.columns) == 2:
        out["difference"] = matrix.iloc[:, 0] - matrix.iloc[:, 1]
    else:
        out["difference"] = matrix.max(axis=1) - matrix.min(axis=1)
        out["highest"] = [_names_at(row, row.max()) for _, row in matrix.iterrows()]
        out["lowest"] = [_names_at(row, row.min()) for _, row in matrix.iterrows()]
    pillars = data.codebook.set_index("label")["pillar"]
    out.insert(0, "pillar", out.index.map(pillars))
    out["_abs"] = out["difference"].abs()
    out = out.reset_index().sort_values(["_abs", "indicator"], ascending=[False, True], kind="stable")
    return out.drop(columns="_abs").reset_index(drop=True)


def _names_at(values: pd.Series, target: float) -> str:
    from ocdata.views.notes import names_at

    return names_at(values, target)


@parameters
def largest_changes(data, countries: Sequence[str], edition: int, n: int = 12) -> pd.DataFrame:
    """The ``n`` largest changes since the previous edition among the countries' indicators and
    composites, largest first (only where both editions have a score)."""
    prev = previous_edition(edition)
    columns = ["iso3", "country", "indicator", "label", "pillar", "previous_score", "score", "change", "origin"]
    if prev is None:
        return pd.DataFrame(columns=columns)
    table = scores_of(data, countries, [edition, prev])
    now = table[table["edition"] == edition]
    before = table[table["edition"] == prev].set_index(["iso3", "indicator"])["score"]
    out = now[["iso3", "country", "indicator", "pillar", "score", "origin"]].copy()
    out["previous_score"] = [before.get((i, k), np.nan) for i, k in zip(out["iso3"], out["indicator"], strict=True)]
    out["change"] = round_half_up(out["score"] - out["previous_score"])
    out["label"] = out["indicator"].map(labels_of(data))
    out = out.dropna(subset=["change"])
    out = out[out["change"] != 0]
    out["_abs"] = out["change"].abs()
    out = out.sort_values(["_abs", "iso3", "label"], ascending=[False, True, True], kind="stable").head(n)
    return out[columns].reset_index(drop=True)


@parameters
def compare_region_means(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Criminality and resilience of each country beside its region's and the world's means
    (empty without a workbook)."""
    frames = []
    for country in countries:
        means = region_means(data, country, edition)
        if means.empty:
            return pd.DataFrame()
        means = means[means["indicator"].isin(metrics())]
        frames.append(means.assign(country=country_info(data, country)["country"],
                                   region=country_info(data, country, edition)["region"]))
    out = pd.concat(frames, ignore_index=True)
    return out[["country", "region", "label", "score", "region_mean", "world_mean", "n_region"]]

