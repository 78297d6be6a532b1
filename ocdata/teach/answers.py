"""What each exercise's answer is, computed from the data, and the typical wrong answers beside it.

Every function takes a :class:`ocdata.Dataset` and returns a value; nothing here is typed in. The lessons
ask about the bundled documents (Kazakhstan and Kyrgyzstan), so the answers hold with or without a workbook.
"""

from __future__ import annotations

import pandas as pd

from ocdata.codebook import children_of, indicators_of, pillars
from ocdata.numbers import round_half_up
from ocdata.paths import raw_dir
from ocdata.series import mean_annual_growth

# --- helpers the lessons use too ------------------------------------------------------------------


def indicator_rows(data, country: str, edition: int, pillar: str | None = None) -> pd.DataFrame:
    """The indicator scores (no composites) of one country and edition, optionally of one pillar."""
    scores = data.scores
    rows = scores[(scores["iso3"] == country) & (scores["edition"] == edition)]
    rows = rows[rows["indicator"].isin(indicators_of(edition, pillar))]
    return rows.reset_index(drop=True)


def score_of(data, country: str, edition: int, indicator: str) -> float:
    """One score of the ``scores`` table (a composite or an indicator)."""
    scores = data.scores
    row = scores[(scores["iso3"] == country) & (scores["edition"] == edition) & (scores["indicator"] == indicator)]
    return float(row["score"].item())


def unrounded_means(data, country: str, edition: int) -> pd.Series:
    """The pillar means before rounding, and criminality as the mean of the unrounded criminality pillars."""
    scores = indicator_rows(data, country, edition).set_index("indicator")["score"]
    means = pd.Series({p: scores[list(children_of(p, edition))].mean() for p in pillars()}, dtype="float64")
    means["criminality"] = means[list(children_of("criminality", edition))].mean()
    return means


def naive_criminality(data, country: str, edition: int) -> float:
    """The usual mistake: criminality as the mean of the *rounded* pillar scores, rounded again."""
    means = unrounded_means(data, country, edition)
    parts = children_of("criminality", edition)
    return round_half_up(sum(round_half_up(means[p]) for p in parts) / len(parts))


def indicator_ranks(data, country: str, edition: int, pillar: str, method: str = "min", *,
                    ascending: bool = False) -> pd.Series:
    """Ranks of a country's indicators within a pillar (1 = highest; ``min`` = competition ranking)."""
    rows = indicator_rows(data, country, edition, pillar).set_index("indicator")["score"]
    return rows.rank(method=method, ascending=ascending)


def printed_rank(data, country: str, edition: int, metric: str, scope: str) -> tuple[int, int]:
    """A printed rank and the size of its scope: ``(rank, total)``."""
    ranks = data.ranks
    row = ranks[(ranks["iso3"] == country) & (ranks["edition"] == edition) & (ranks["metric"] == metric)
                & (ranks["scope"] == scope)]
    return int(row["rank"].item()), int(row["total"].item())


def like_for_like_mean(data, country: str, edition: int, pillar: str, since: int) -> float:
    """The unrounded mean of a pillar over the indicators that already existed in edition ``since``."""
    kept = set(indicators_of(since, pillar))
    rows = indicator_rows(data, country, edition, pillar)
    return float(rows.loc[rows["indicator"].isin(kept), "score"].mean())


def mean_of_new(data, country: str, edition: int, pillar: str, since: int) -> float:
    """The unrounded mean of a pillar's indicators that did not exist in edition ``since``."""
    kept = set(indicators_of(since, pillar))
    rows = indicator_rows(data, country, edition, pillar)
    return float(rows.loc[~rows["indicator"].isin(kept), "score"].mean())


def indicators_higher(data, first: str, second: str, edition: int, *, or_equal: bool = False) -> int:
    """On how many indicators of ``edition`` country ``first`` scores above (or at least as high as) ``second``."""
    a = indicator_rows(data, first, edition).set_index("indicator")["score"]
    b = indicator_rows(data, second, edition).set_index("indicator")["score"]
    a, b = a.align(b, join="inner")
    return int((a >= b).sum() if or_equal else (a > b).sum())


def infer_indicator(data, country: str, edition: int, indicator: str) -> float:
    """Solve one indicator from its printed pillar mean and the pillar's other indicators (0.5 grid)."""
    pillar = next(p for p in pillars() if indicator in children_of(p, edition))
    members = children_of(pillar, edition)
    others = indicator_rows(data, country, edition, pillar)
    others = others.loc[others["indicator"] != indicator, "score"]
    raw = len(members) * score_of(data, country, edition, pillar) - others.sum()
    return float(round(raw * 2) / 2)


def series_values(data, country: str, series: str) -> pd.Series:
    """One of the article's series as numbers indexed by year (plain ``int`` years)."""
    table = data.series
    rows = table[(table["iso3"] == country) & (table["series"] == series)]
    return pd.Series(rows["value"].to_numpy(dtype="float64"), index=rows["year"].astype(int).to_numpy(), name=series)


def growth_rates(data, country: str, series: str) -> pd.Series:
    """Year-on-year growth of one of the article's series, in percent, indexed by year."""
    values = series_values(data, country, series)
    values = values.reindex(range(int(values.index.min()), int(values.index.max()) + 1))
    return 100 * (values / values.shift(1) - 1)


def compound_growth(data, country: str, series: str, start: int, end: int, *, steps: int | None = None) -> float:
    """The constant yearly growth (percent) that turns the ``start`` value into the ``end`` value.

    ``steps`` overrides the number of yearly steps (``end - start``), to show the off-by-one mistake.
    """
    values = series_values(data, country, series)
    steps = end - start if steps is None else steps
    return float(100 * ((values[end] / values[start]) ** (1 / steps) - 1))


def mean_growth(data, country: str, series: str, first: int, last: int) -> float:
    """The simple mean of the year-on-year rates (percent) of the years ``first`` to ``last``.

    The article's way of averaging, and the one ``data.claims`` checks its growth claims with.
    """
    return float(mean_annual_growth(series_values(data, country, series), first, last))


def percent_above(data, country: str, series: str, versus: str, year: int) -> float:
    """How many percent one series' value is above another's in ``year`` (negative when below)."""
    value = series_values(data, country, series)[year]
    base = series_values(data, country, versus)[year]
    return float(100 * (value / base - 1))


def cited_line(data, source: str, line: int) -> str:
    """The text of a bundled document's line (1-based), as a ``source``/``line`` citation points to it."""
    sources = data.sources
    file = sources.loc[sources["id"] == source, "file"].item()
    return (raw_dir() / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def means_without(data, country: str, edition: int, dropped: str) -> pd.Series:
    """The unrounded pillar means with one indicator left out (its pillar is the mean of the others), and
    criminality as the mean of its two unrounded pillar means: one replica of ``robustness.leave_one_out``."""
    scores = indicator_rows(data, country, edition).set_index("indicator")["score"].drop(dropped)
    means = pd.Series({p: scores[[i for i in children_of(p, edition) if i in scores.index]].mean()
                       for p in pillars()}, dtype="float64")
    means["criminality"] = means[list(children_of("criminality", edition))].mean()
    return means


def rank_interval(data, country: str, edition: int, metric: str = "criminality") -> pd.Series:
    """One country's row of ``robustness.rank_intervals`` (its defaults) and ``leave_one_out``: ``rank,
    median_rank, p05, p95, min_rank, max_rank``."""
    from ocdata.views.robustness import rank_uncertainty

    table = rank_uncertainty(data, edition, metric).set_index("iso3")
    return table.loc[country, ["rank", "median_rank", "p05", "p95", "min_rank", "max_rank"]].astype(int)


def intervals_containing(data, country: str, edition: int, metric: str = "criminality") -> int:
    """How many countries' 90 % intervals (``p05`` to ``p95``, both included) hold ``country``'s nominal rank,
    the country's own included."""
    from ocdata.views.robustness import rank_uncertainty

    table = rank_uncertainty(data, edition, metric)
    rank = int(table.loc[table["iso3"] == country, "rank"].item())
    return int(((table["p05"] <= rank) & (rank <= table["p95"])).sum())


def ranks_inside(data, country: str, edition: int, metric: str = "criminality") -> int:
    """The reverse reading: how many countries' nominal ranks lie inside ``country``'s own 90 % interval."""
    from ocdata.views.robustness import rank_uncertainty

    table = rank_uncertainty(data, edition, metric)
    row = table[table["iso3"] == country].iloc[0]
    return int(((table["rank"] >= row["p05"]) & (table["rank"] <= row["p95"])).sum())


def sharing_rank(data, country: str, edition: int, metric: str = "criminality") -> int:
    """How many countries share ``country``'s nominal rank (the tie it belongs to, itself included)."""
    from ocdata.views.robustness import rank_uncertainty

    table = rank_uncertainty(data, edition, metric)
    rank = int(table.loc[table["iso3"] == country, "rank"].item())
    return int((table["rank"] == rank).sum())
