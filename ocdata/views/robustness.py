"""How sure a rank is, as the reports show it: the tables and sentences built from :mod:`ocdata.robustness`.

Every number here is exactly what ``robustness.rank_intervals(data, edition, metric)`` and
``robustness.leave_one_out(data, edition, metric)`` give with their defaults (world scope, 1,000 replicas,
seed 0), so a reader can reproduce a report's intervals in a notebook. Each analysis is computed once per
process for the same scores (a batch's kernels compute an edition's intervals once, not once per report).
"""

from __future__ import annotations

import hashlib
import warnings
from functools import lru_cache

import pandas as pd

from ocdata import robustness
from ocdata.codebook import label_of, metrics
from ocdata.views.params import parameters

__all__ = [
    "EXPLANATION",
    "how_sure",
    "interval_sentence",
    "rank_uncertainty",
    "sensitivity_table",
    "uncertainty_of",
    "uncertainty_table",
]

EXPLANATION = (
    "A rank is not as sharp as its number looks. The index averages expert scores given in steps of 0.5, and "
    "many countries sit within a few hundredths of each other. To see how much a rank depends on that, every "
    "indicator score is moved half a step up or down at random (or left), 1,000 times, and the country is "
    "ranked again each time: the interval holds 90 % of the ranks it takes (the 5th to the 95th percentile), "
    "and the median is the middle one. Leaving out one indicator at a time gives another view: the best and "
    "the worst rank the country takes, and the indicator whose absence gives each. A rank whose interval is "
    "wide is best cited with it: \u201cbetween 79th and 95th\u201d says more honestly than \u201c85th\u201d "
    "what the scores allow."
)
"""The paragraph every report gives under "How sure is this rank"."""


def interval_sentence(low: int, high: int, median: int | None = None) -> str:
    """``between 79 and 95 in 90 % of plausible scorings`` (with ``(median 85)`` when given)."""
    core = f"rank {low} in 90 % of plausible scorings" if low == high else \
        f"between {low} and {high} in 90 % of plausible scorings"
    return core + (f" (median {median})" if median is not None else "")


def _key(data, edition: int) -> str:
    """A digest of one edition's scores: the same scores give the same analyses, whatever object holds them
    (computed once per dataset object and edition)."""
    from ocdata.views.memo import per_dataset

    return per_dataset(data, ("robustness-digest", int(edition)), lambda: _digest(data, int(edition)))


def _digest(data, edition: int) -> str:
    rows = data.scores[data.scores["edition"] == int(edition)][["iso3", "indicator", "score", "continent",
                                                                  "region"]]
    rows = rows.sort_values(["iso3", "indicator"], kind="stable")
    return hashlib.sha256(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes()).hexdigest()


@lru_cache(maxsize=16)
def _analysed(key: str, edition: int, metric: str, data_ref: tuple) -> pd.DataFrame:
    data = data_ref[0]
    intervals = robustness.rank_intervals(data, edition, metric)
    dropped = robustness.leave_one_out(data, edition, metric).drop(columns="rank")
    table = intervals.merge(dropped, on="iso3", validate="one_to_one")
    names = data.countries.set_index("iso3")["country"]
    table.insert(1, "country", table["iso3"].map(names).fillna(table["iso3"]))
    table.insert(2, "metric", metric)
    for column in ("dropped_min", "dropped_max"):
        table[column] = table[column].map(label_of)
    return table


class _Ref(tuple):
    """Holds the dataset for the cached call without making it part of the cache key."""

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ref)


@parameters
def rank_uncertainty(data, edition: int, metric: str = "criminality") -> pd.DataFrame:
    """Every country's world rank of ``metric`` in ``edition`` with how sure it is.

    Columns: ``iso3, country, metric, rank, median_rank, p05, p95`` (``robustness.rank_intervals``) and
    ``min_rank, max_rank, dropped_min, dropped_max`` (``robustness.leave_one_out``; the indicators by label).

    >>> views.rank_uncertainty(data, 2023).query("iso3 == 'KGZ'")
    """
    return _analysed(_key(data, edition), int(edition), metric, _Ref((data,))).copy()


@parameters
def uncertainty_of(data, country: str, edition: int) -> pd.DataFrame:
    """One country's rows of :func:`rank_uncertainty`, one per metric (criminality, resilience)."""
    frames = [rank_uncertainty(data, edition, m) for m in metrics()]
    table = pd.concat(frames, ignore_index=True)
    return table[table["iso3"] == country].reset_index(drop=True)


@parameters
def how_sure(data, country: str, edition: int) -> list[str]:
    """One sentence per metric: the nominal rank, its 90 % interval and its leave-one-out range with the
    indicators that give its ends."""
    sentences = []
    total = len(rank_uncertainty(data, edition))
    for row in uncertainty_of(data, country, edition).itertuples():
        loo = (f"leaving out one indicator at a time keeps it at {row.min_rank}" if row.min_rank == row.max_rank
               else f"leaving out one indicator at a time moves it between {row.min_rank} (without "
                    f"{row.dropped_min.lower()}) and {row.max_rank} (without {row.dropped_max.lower()})")
        sentences.append(f"{label_of(row.metric)}: ranked {row.rank} of {total}, "
                         f"{interval_sentence(row.p05, row.p95, row.median_rank)}; {loo}.")
    return sentences


@parameters
def uncertainty_table(data, countries: list[str], edition: int) -> pd.DataFrame:
    """The countries' ranks side by side with their intervals, one row per country and metric: ``country,
    metric, rank, p05, median_rank, p95, min_rank, max_rank`` (the metric by label)."""
    frames = [rank_uncertainty(data, edition, m) for m in metrics()]
    table = pd.concat(frames, ignore_index=True)
    table = table[table["iso3"].isin(countries)].copy()
    table["order"] = table["iso3"].map({c: k for k, c in enumerate(countries)})
    table = table.sort_values(["metric", "order"], kind="stable")
    table["metric"] = table["metric"].map(label_of)
    return table[["country", "metric", "rank", "p05", "median_rank", "p95", "min_rank", "max_rank"]].reset_index(
        drop=True)


@lru_cache(maxsize=8)
def _sensitivity(key: str, edition: int, metric: str, data_ref: tuple) -> pd.DataFrame:
    with warnings.catch_warnings():
        # where no assumption moves any rank (two countries far apart), SALib divides by a zero spread
        warnings.simplefilter("ignore", RuntimeWarning)
        return robustness.sensitivity(data_ref[0], edition, metric)


@parameters
def sensitivity_table(data, edition: int, metric: str = "criminality") -> pd.DataFrame:
    """``robustness.sensitivity(data, edition, metric)`` (its defaults), computed once per process and scores."""
    return _sensitivity(_key(data, edition), int(edition), metric, _Ref((data,))).copy()
