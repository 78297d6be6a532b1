"""How sure is a rank: uncertainty and sensitivity analysis of the index's ranks.

>>> from ocdata import robustness
>>> robustness.leave_one_out(data, 2023)            # each country's rank with each indicator left out in turn
>>> robustness.rank_intervals(data, 2023)           # median rank and 5-95 % interval over plausible scorings
>>> robustness.sensitivity(data, 2023)              # which assumption moves the ranks most (Sobol indices)

The index is a composite of expert scores given in steps of 0.5, and its published ranks hide how fragile they
are. Following the JRC/OECD handbook on composite indicators (Saisana, Saltelli & Tarantola, JRSS A 2005), a
rank is restated as the ranks it takes when the assumptions behind it move: an indicator left out, every expert
score half a step higher or lower, other weights, another mean. Every composite is recomputed by the publisher's
rule, read from the codebook's composite tree (a pillar is the mean of its indicators, criminality the mean of
its two unrounded pillar means, each rounded half-up to 2 decimals as published), and ranked with standard
competition ranks (1 = highest) within a scope: the world, or each country's continent or region as the edition
groups them. Everything is vectorised with numpy and deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ocdata.codebook import children_of, indicators_of, level_of, metrics
from ocdata.errors import ParameterError

__all__ = ["leave_one_out", "rank_intervals", "sensitivity"]

SCOPES = ("world", "continent", "region")
WEIGHTS = ("equal", "dirichlet")
AGGREGATIONS = ("arithmetic", "geometric")
PERCENTILES = (5, 50, 95)
CHUNK = 250
"""Replicas computed at once (bounds memory: 250 × 193 countries × 27 indicators of float64 is 10 MB)."""
_NUDGE = 1e-9
"""Absorbs binary representation error in half-up rounding (see :mod:`ocdata.numbers`)."""


@dataclass(frozen=True)
class Inputs:
    """What every analysis of one edition and metric starts from."""

    iso3: np.ndarray
    """The countries with a published score of the metric, in ISO3 order."""
    indicators: tuple[str, ...]
    """The indicators that feed the metric, in codebook order."""
    pillars: np.ndarray
    """For each indicator, the index of its pillar (the composite whose mean it enters)."""
    pillar_names: tuple[str, ...]
    scores: np.ndarray
    """countries × indicators (NaN where a country has no score)."""
    published: np.ndarray
    """The published score of the metric, in hundredths (integers)."""
    groups: np.ndarray
    """For each country, the code of its scope group."""


def _inputs(data, edition: object, metric: str, scope: str) -> Inputs:
    """The scores of ``metric``'s indicators in ``edition``, its published scores and each country's scope."""
    if metric not in metrics():
        raise ParameterError(f"expected a metric among {', '.join(metrics())}, found {metric!r}")
    if scope not in SCOPES:
        raise ParameterError(f"expected a scope among {', '.join(SCOPES)}, found {scope!r}")
    scores = data.scores
    editions = sorted(int(e) for e in scores["edition"].dropna().unique())
    if isinstance(edition, bool) or not (isinstance(edition, int | np.integer)
                                         or (isinstance(edition, str) and edition.isdigit())):
        raise ParameterError(f"expected an edition such as {editions[-1] if editions else 2023}, found {edition!r}")
    year = int(edition)
    if year not in editions:
        raise ParameterError(f"expected an edition of the data ({', '.join(map(str, editions))}), found {year}")
    tree = {pillar: indicators_of(year, pillar) if pillar != metric else children_of(metric, year)
            for pillar in _pillars_of(metric, year)}
    indicators = tuple(i for kids in tree.values() for i in kids)
    pillar_of = np.array([k for k, kids in enumerate(tree.values()) for _ in kids])
    rows = scores[scores["edition"] == year]
    head = rows[rows["indicator"] == metric].dropna(subset=["score"]).drop_duplicates("iso3")
    head = head.sort_values("iso3", kind="stable")
    if head.empty:
        raise ParameterError(f"expected {metric} scores for {year} in the data, found none")
    iso3 = head["iso3"].to_numpy(dtype=str)
    leaves = rows[rows["indicator"].isin(indicators)].pivot_table(
        index="iso3", columns="indicator", values="score", aggfunc="first")
    matrix = leaves.reindex(index=iso3, columns=list(indicators)).to_numpy(dtype="float64")
    published = np.floor(head["score"].to_numpy(dtype="float64") * 100 + 0.5 + _NUDGE).astype(np.int64)
    if scope == "world":
        groups = np.zeros(len(iso3), dtype=np.int64)
    else:
        names = head[scope].fillna("").astype(str).to_numpy()
        _, groups = np.unique(names, return_inverse=True)
    return Inputs(iso3, indicators, pillar_of, tuple(tree), matrix, published, groups.astype(np.int64))


# --- recomputing the composite -----------------------------------------------------------------------


def _composite(scores: np.ndarray, weights: np.ndarray, pillars: np.ndarray, n_pillars: int,
               geometric: np.ndarray | bool = False) -> np.ndarray:
    """The metric in hundredths (integers, rounded half-up) of ``scores`` (replicas × countries × indicators).

    ``weights`` (replicas × indicators) weigh each indicator within its pillar (a country's missing scores are
    left out and the rest renormalised); a pillar is the weighted arithmetic mean of its indicators, or the
    geometric one where ``geometric`` (per replica) is true; the metric is the mean of its unrounded pillars."""
    present = ~np.isnan(scores)
    w = np.where(present, weights[:, None, :], 0.0)
    values = np.where(present, scores, 1.0)
    geometric = np.broadcast_to(np.asarray(geometric, dtype=bool), (scores.shape[0],))
    total = np.zeros(scores.shape[:2])
    for p in range(n_pillars):
        cols = pillars == p
        wp, xp = w[:, :, cols], values[:, :, cols]
        mass = wp.sum(axis=2)
        arithmetic = (wp * xp).sum(axis=2) / mass
        if geometric.any():
            logs = np.exp((wp * np.log(xp)).sum(axis=2) / mass)
            arithmetic = np.where(geometric[:, None], logs, arithmetic)
        total += arithmetic
    return np.floor(total / n_pillars * 100 + 0.5 + _NUDGE).astype(np.int64)


def _equal_weights(inputs: Inputs, replicas: int) -> np.ndarray:
    counts = np.bincount(inputs.pillars)
    return np.broadcast_to(1.0 / counts[inputs.pillars], (replicas, len(inputs.indicators))).copy()


def competition_ranks(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Standard competition ranks (1 = highest; ties share the best rank) of each row of ``values`` (replicas
    × countries, integers) among the countries of the same group."""
    values = np.atleast_2d(values)
    ranks = np.empty(values.shape, dtype=np.int64)
    for group in np.unique(groups):
        cols = np.flatnonzero(groups == group)
        sub = -values[:, cols]
        order = np.argsort(sub, axis=1, kind="stable")
        ordered = np.take_along_axis(sub, order, axis=1)
        starts = np.ones(ordered.shape, dtype=bool)
        starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(cols)), 0), axis=1)
        placed = np.empty_like(first)
        np.put_along_axis(placed, order, first + 1, axis=1)
        ranks[:, cols] = placed
    return ranks


# --- leave one out -------------------------------------------------------------------------------------


def leave_one_out(data, edition: int, metric: str = "criminality", *, scope: str = "world") -> pd.DataFrame:
    """Each country's rank with each indicator feeding ``metric`` left out in turn.

    Columns: ``iso3, rank, min_rank, max_rank, dropped_min, dropped_max`` — ``rank`` is the competition rank of
    the published score within ``scope`` (``"world"``, ``"continent"`` or ``"region"`` of the edition's
    groups); ``min_rank``/``max_rank`` the best and worst rank over the drops (the pillar is the mean of its
    remaining indicators, the metric recomputed by the publisher's rule, rounded half-up to 2 decimals);
    ``dropped_min``/``dropped_max`` the indicator whose drop gives each (the first in codebook order on ties).

    >>> robustness.leave_one_out(data, 2023).query("iso3 == 'KGZ'")
    """
    inputs = _inputs(data, edition, metric, scope)
    k = len(inputs.indicators)
    weights = _equal_weights(inputs, k)
    weights[np.arange(k), np.arange(k)] = 0.0  # replica j drops indicator j
    scores = np.broadcast_to(inputs.scores, (k, *inputs.scores.shape))
    values = _composite(scores, weights, inputs.pillars, len(inputs.pillar_names))
    ranks = competition_ranks(values, inputs.groups)
    names = np.array(inputs.indicators)
    return pd.DataFrame({
        "iso3": inputs.iso3,
        "rank": competition_ranks(inputs.published, inputs.groups)[0],
        "min_rank": ranks.min(axis=0),
        "max_rank": ranks.max(axis=0),
        "dropped_min": names[ranks.argmin(axis=0)],
        "dropped_max": names[ranks.argmax(axis=0)],
    })


# --- Monte Carlo over plausible scorings ----------------------------------------------------------------------


def _choices(value: str | Sequence[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    chosen = (value,) if isinstance(value, str) else tuple(value)
    bad = [c for c in chosen if c not in allowed]
    if not chosen or bad:
        raise ParameterError(f"expected {what} among {', '.join(allowed)} (or a tuple of them), found {value!r}")
    return chosen


def _replica_ranks(inputs: Inputs, n: int, rng: np.random.Generator, noise: float | np.ndarray,
                   weights: tuple[str, ...], aggregation: tuple[str, ...]) -> np.ndarray:
    """Ranks (replicas × countries) of ``n`` replicas: each score moved by −noise, 0 or +noise with
    probabilities ¼, ½, ¼ and clipped to 1–10, weights and aggregation drawn among the choices."""
    k = len(inputs.indicators)
    amplitude = np.broadcast_to(np.asarray(noise, dtype="float64"), (k,))
    out = np.empty((n, len(inputs.iso3)), dtype=np.int64)
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        steps = rng.integers(0, 4, size=(size, *inputs.scores.shape), dtype=np.int8)
        moves = np.select([steps == 0, steps == 3], [-1.0, 1.0], 0.0) * amplitude
        scores = np.clip(inputs.scores + moves, 1.0, 10.0)
        scheme = rng.integers(0, len(weights), size=size)
        w = _equal_weights(inputs, size)
        if "dirichlet" in weights:
            drawn = rng.gamma(1.0, size=(size, k))
            for p in range(len(inputs.pillar_names)):
                cols = inputs.pillars == p
                drawn[:, cols] /= drawn[:, cols].sum(axis=1, keepdims=True)
            dirichlet = np.array([weights[s] == "dirichlet" for s in scheme])
            w = np.where(dirichlet[:, None], drawn, w)
        geometric = np.array([aggregation[a] == "geometric" for a in rng.integers(0, len(aggregation), size=size)])
        values = _composite(scores, w, inputs.pillars, len(inputs.pillar_names), geometric)
        out[start:start + size] = competition_ranks(values, inputs.groups)
    return out


def rank_intervals(data, edition: int, metric: str = "criminality", *, scope: str = "world", n: int = 1000,
                   seed: int = 0, noise: float = 0.5, weights: str | Sequence[str] = "equal",
                   aggregation: str | Sequence[str] = "arithmetic") -> pd.DataFrame:
    """Each country's nominal rank and the ranks it takes over ``n`` plausible scorings.

    Each replica moves every indicator score independently by −``noise``, 0 or +``noise`` with probabilities
    ¼, ½, ¼, clips it to 1–10, recomputes the metric by the publisher's rule (rounded half-up to 2 decimals)
    and ranks it (competition ranks within ``scope``). ``weights="dirichlet"`` draws each pillar's indicator
    weights from a flat Dirichlet (equal weights on average); ``aggregation="geometric"`` uses geometric
    means; a tuple of choices draws among them per replica. Same ``seed``, same table.

    Columns: ``iso3, rank, median_rank, p05, p95`` — ``rank`` is the competition rank of the published score;
    ``p05``, ``median_rank``, ``p95`` the 5th, 50th and 95th percentiles of the replicas' ranks (numpy's
    ``method="inverted_cdf"``: ranks that occurred). With ``noise=0``, equal weights and arithmetic means every
    interval is the nominal rank.

    >>> robustness.rank_intervals(data, 2023).query("iso3 == 'KGZ'")   # rank 85: p05 79, p95 95, say
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"expected a number of replicas n ≥ 1, found {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ParameterError(f"expected a noise of 0 or more score points, found {noise!r}")
    inputs = _inputs(data, edition, metric, scope)
    chosen_weights = _choices(weights, WEIGHTS, "weights")
    chosen_aggregation = _choices(aggregation, AGGREGATIONS, "aggregation")
    ranks = _replica_ranks(inputs, int(n), np.random.default_rng(seed), noise, chosen_weights, chosen_aggregation)
    p05, median, p95 = np.percentile(ranks, PERCENTILES, axis=0, method="inverted_cdf").astype(np.int64)
    return pd.DataFrame({
        "iso3": inputs.iso3,
        "rank": competition_ranks(inputs.published, inputs.groups)[0],
        "median_rank": median,
        "p05": p05,
        "p95": p95,
    })


# --- which assumption matters -------------------------------------------------------------------------------


def sensitivity(data, edition: int, metric: str = "criminality", *, n: int = 256, seed: int = 0,
                replicas: int = 8, noise: float = 0.5) -> pd.DataFrame:
    """First-order and total Sobol indices of the mean absolute rank shift, one row per assumption.

    The assumptions (factors) are the expert-score noise of each pillar (``criminal_markets``,
    ``criminal_actors``, ``resilience``: off, or ±``noise`` as in :func:`rank_intervals`), ``weights`` (equal or
    Dirichlet) and ``aggregation`` (arithmetic or geometric). A sample of them is drawn with Saltelli's scheme
    (SALib, ``n`` base samples); each is scored by the mean, over ``replicas`` fixed random draws (the same for
    every sample, so the model is a function of the factors alone), of the mean absolute difference between the
    countries' world ranks and their nominal ranks. A pillar that does not feed ``metric`` has indices of zero.

    Columns: ``assumption, S1, S1_conf, ST, ST_conf`` (the confidence half-widths at 95 %, SALib's bootstrap).
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    inputs = _inputs(data, edition, metric, "world")
    all_pillars = tuple(p for m in metrics() for p in _pillars_of(m, int(edition)))
    names = [*all_pillars, "weights", "aggregation"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    salib_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1  # SALib takes a seed of 0 as none
    factors = sample.sample(problem, n, calc_second_order=False, seed=salib_seed)
    rng = np.random.default_rng(seed)
    k = len(inputs.indicators)
    steps = rng.integers(0, 4, size=(replicas, *inputs.scores.shape), dtype=np.int8)
    moves = np.select([steps == 0, steps == 3], [-1.0, 1.0], 0.0) * noise
    drawn = rng.gamma(1.0, size=(replicas, k))
    for p in range(len(inputs.pillar_names)):
        cols = inputs.pillars == p
        drawn[:, cols] /= drawn[:, cols].sum(axis=1, keepdims=True)
    equal = _equal_weights(inputs, replicas)
    nominal = competition_ranks(inputs.published, inputs.groups)[0]
    feeding = [all_pillars.index(p) if p in all_pillars else None for p in inputs.pillar_names]
    outputs = np.empty(len(factors))
    for row, values in enumerate(factors):
        on = np.array([values[feeding[p]] >= 0.5 for p in inputs.pillars])  # noise on, per indicator
        scores = np.clip(inputs.scores + moves * on, 1.0, 10.0)
        weights = drawn if values[-2] >= 0.5 else equal
        ranks = competition_ranks(
            _composite(scores, weights, inputs.pillars, len(inputs.pillar_names), values[-1] >= 0.5),
            inputs.groups)
        outputs[row] = np.abs(ranks - nominal).mean()
    result = analyze.analyze(problem, outputs, calc_second_order=False, seed=salib_seed)
    return pd.DataFrame({"assumption": names, "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def _pillars_of(metric: str, edition: int) -> tuple[str, ...]:
    """The composites whose indicators feed ``metric`` directly (``metric`` itself where its parts are
    indicators)."""
    children = children_of(metric, edition)
    return (metric,) if all(level_of(c) == "indicator" for c in children) else tuple(children)
