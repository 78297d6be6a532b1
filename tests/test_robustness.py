"""How sure is a rank: leave-one-out ranges, Monte Carlo rank intervals and Sobol indices.

Each analysis is held against an independent recomputation written here with plain pandas and Python loops
(the publisher's rule: pillar = mean of its indicators, criminality = mean of the unrounded pillar means,
rounded half-up to 2 decimals; standard competition ranks), and by properties that must hold for any data.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache

import numpy as np
import pandas as pd
import pytest
from report_fixtures import bundled, require_workbook

import ocdata
from ocdata import robustness
from ocdata.codebook import children_of, indicators_of
from ocdata.errors import ParameterError

EDITION = 2023


@cache
def official() -> ocdata.Dataset:
    return ocdata.load(workbook=require_workbook())


def half_up(value: Fraction) -> Fraction:
    """``value`` rounded half-up to 2 decimals, exactly."""
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def metric_of(row: dict[str, float], edition: int, metric: str, dropped: str | None = None) -> Fraction:
    """The publisher's rule, with exact fractions, for one country's indicator scores ``row``."""
    children = children_of(metric, edition)
    pillars = [metric] if set(children) <= set(indicators_of(edition)) else list(children)
    means = []
    for pillar in pillars:
        kept = [Fraction(row[i]).limit_denominator(2) for i in indicators_of(edition, pillar)
                if i != dropped and not math.isnan(row.get(i, math.nan))]
        means.append(sum(kept) / len(kept))
    return half_up(sum(means) / len(means))


def competition(values: dict[str, Fraction]) -> dict[str, int]:
    """Standard competition ranks, 1 = highest."""
    return {c: 1 + sum(other > v for other in values.values()) for c, v in values.items()}


def wide(data: ocdata.Dataset, edition: int) -> dict[str, dict[str, float]]:
    rows = data.scores[data.scores["edition"] == edition]
    table = rows.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    return {iso3: dict(values) for iso3, values in table.iterrows()}


# --- leave one out ----------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["criminality", "resilience"])
def test_leave_one_out_equals_an_independent_recomputation(metric: str) -> None:
    data = official()
    table = robustness.leave_one_out(data, EDITION, metric).set_index("iso3")
    rows = wide(data, EDITION)
    countries = sorted(c for c in rows if not math.isnan(rows[c].get(metric, math.nan)))
    assert list(table.index) == countries and len(countries) == 193
    published = competition({c: Fraction(rows[c][metric]).limit_denominator(100) for c in countries})
    leaves = [i for p in ([metric] if metric == "resilience" else children_of(metric, EDITION))
              for i in indicators_of(EDITION, p)]
    by_drop = {}
    for dropped in leaves:
        by_drop[dropped] = competition({c: metric_of(rows[c], EDITION, metric, dropped) for c in countries})
    for country in countries:
        ranks = [by_drop[d][country] for d in leaves]
        expected = (published[country], min(ranks), max(ranks), leaves[ranks.index(min(ranks))],
                    leaves[ranks.index(max(ranks))])
        assert tuple(table.loc[country, ["rank", "min_rank", "max_rank", "dropped_min", "dropped_max"]]) \
            == expected, country


def test_the_nominal_rank_is_the_published_rank_at_every_scope() -> None:
    data = official()
    for scope in robustness.SCOPES:
        table = robustness.leave_one_out(data, EDITION, "resilience", scope=scope).set_index("iso3")["rank"]
        ranks = data.ranks.query("edition == @EDITION and metric == 'resilience' and scope == @scope")
        assert table.to_dict() == ranks.set_index("iso3")["rank"].to_dict()


def test_leave_one_out_works_on_the_bundled_documents() -> None:
    table = robustness.leave_one_out(bundled(), EDITION)
    assert set(table["iso3"]) == {"KAZ", "KGZ"}
    assert (table["min_rank"] <= table["max_rank"]).all() and set(table["min_rank"]) | set(table["max_rank"]) <= {1, 2}
    assert sorted(table["rank"]) == [1, 2]  # their published 2023 criminality scores differ


# --- rank intervals ------------------------------------------------------------------------------------


def test_rank_intervals_agree_with_an_independent_monte_carlo() -> None:
    data = official()
    table = robustness.rank_intervals(data, EDITION, n=2000, seed=1).set_index("iso3")
    rows = wide(data, EDITION)
    countries = list(table.index)
    leaves = [i for p in children_of("criminality", EDITION) for i in indicators_of(EDITION, p)]
    scores = pd.DataFrame(rows).T.loc[countries, leaves].to_numpy()
    markets = np.array([i in indicators_of(EDITION, "criminal_markets") for i in leaves])
    rng = np.random.default_rng(12345)  # another stream: agreement is statistical, not draw for draw
    replicas = []
    for _ in range(2000):
        moved = np.clip(scores + rng.choice([-0.5, 0.0, 0.5], p=[0.25, 0.5, 0.25], size=scores.shape), 1, 10)
        value = (moved[:, markets].mean(axis=1) + moved[:, ~markets].mean(axis=1)) / 2
        value = np.floor(value * 100 + 0.5 + 1e-9)
        replicas.append(pd.Series(value).rank(method="min", ascending=False).to_numpy())
    ranks = np.array(replicas)
    p05, median, p95 = (np.percentile(ranks, q, axis=0, method="inverted_cdf") for q in (5, 50, 95))
    close = ((np.abs(table["p05"].to_numpy() - p05) <= 3) & (np.abs(table["p95"].to_numpy() - p95) <= 3)
             & (np.abs(table["median_rank"].to_numpy() - median) <= 3))
    assert close.mean() >= 0.95, close.mean()


def test_rank_intervals_are_ordered_reproducible_and_collapse_without_noise() -> None:
    data = official()
    first = robustness.rank_intervals(data, EDITION, n=300, seed=7)
    assert first.equals(robustness.rank_intervals(data, EDITION, n=300, seed=7))
    assert not first.equals(robustness.rank_intervals(data, EDITION, n=300, seed=8))
    assert ((first["p05"] <= first["median_rank"]) & (first["median_rank"] <= first["p95"])).all()
    assert list(first.columns) == ["iso3", "rank", "median_rank", "p05", "p95"]
    still = robustness.rank_intervals(data, EDITION, n=50, noise=0)
    assert (still["p05"] == still["rank"]).all() and (still["p95"] == still["rank"]).all()
    assert (still["median_rank"] == still["rank"]).all()


def test_wider_noise_never_narrows_the_intervals_on_average() -> None:
    data = official()
    widths = [robustness.rank_intervals(data, EDITION, n=400, noise=noise).eval("p95 - p05").mean()
              for noise in (0.0, 0.5, 1.0, 2.0)]
    assert widths == sorted(widths) and widths[0] == 0 < widths[1]


def test_a_country_with_every_score_at_ten_stays_first() -> None:
    data = official()
    scores = data.scores.copy()
    feeding = set(indicators_of(EDITION)) | {"criminality", "criminal_markets", "criminal_actors"}
    mask = (scores["iso3"] == "ISL") & (scores["edition"] == EDITION) & scores["indicator"].isin(feeding)
    scores.loc[mask, "score"] = 10.0
    top = ocdata.Dataset(**{**data.tables(), "scores": scores})
    for options in ({}, {"weights": "dirichlet"}, {"aggregation": "geometric"}, {"noise": 2.0}):
        table = robustness.rank_intervals(top, EDITION, n=200, **options).set_index("iso3")
        assert tuple(table.loc["ISL"]) == (1, 1, 1, 1), options


def test_weights_and_aggregation_choices_change_the_intervals() -> None:
    data = official()
    plain = robustness.rank_intervals(data, EDITION, n=300, noise=0)
    mixed = robustness.rank_intervals(data, EDITION, n=300, noise=0, weights=("equal", "dirichlet"),
                                      aggregation=("arithmetic", "geometric"))
    assert (mixed.eval("p95 - p05") >= 0).all() and mixed.eval("p95 - p05").mean() > 0
    assert (plain["rank"] == mixed["rank"]).all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: robustness.rank_intervals(d, 2019), r"expected an edition of the data \(2021, 2023, 2025\), found 2019"),
    (lambda d: robustness.rank_intervals(d, EDITION, "criminalty"), r"expected a metric among criminality"),
    (lambda d: robustness.rank_intervals(d, EDITION, scope="planet"), r"expected a scope among world"),
    (lambda d: robustness.rank_intervals(d, EDITION, n=0), r"expected a number of replicas"),
    (lambda d: robustness.rank_intervals(d, EDITION, noise=-1), r"expected a noise of 0 or more"),
    (lambda d: robustness.rank_intervals(d, EDITION, weights="random"), r"expected weights among equal"),
    (lambda d: robustness.rank_intervals(d, EDITION, aggregation=()), r"expected aggregation among"),
])
def test_bad_parameters_are_one_line_errors(call, message: str) -> None:
    with pytest.raises(ParameterError, match=message) as err:
        call(official())
    assert "\n" not in str(err.value)


def test_competition_ranks_share_the_best_rank_within_each_group() -> None:
    values = np.array([[5, 7, 7, 3, 9, 9], [1, 1, 1, 1, 1, 1]])
    groups = np.array([0, 0, 0, 0, 1, 1])
    assert robustness.competition_ranks(values, groups).tolist() == [[3, 1, 1, 4, 1, 1], [1, 1, 1, 1, 1, 1]]


# --- sensitivity -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("metric", "outside"), [("criminality", ["resilience"]),
                                                ("resilience", ["criminal_markets", "criminal_actors"])])
def test_sensitivity_gives_no_weight_to_a_pillar_outside_the_metric(metric: str, outside: list[str]) -> None:
    table = robustness.sensitivity(official(), EDITION, metric, n=64).set_index("assumption")
    assert list(table.index) == ["criminal_markets", "criminal_actors", "resilience", "weights", "aggregation"]
    assert (table.loc[outside, "ST"] <= 0.05).all() and (table.loc[outside, "S1"].abs() <= 0.05).all()
    assert (table["ST"] >= table["S1"] - table["S1_conf"] - table["ST_conf"]).all()
    inside = [a for a in table.index if a not in outside]
    assert table.loc[inside, "ST"].max() > 0.1  # something moves the ranks
    again = robustness.sensitivity(official(), EDITION, metric, n=64).set_index("assumption")
    pd.testing.assert_frame_equal(table, again)  # same seed, same indices


# --- in the reports ---------------------------------------------------------------------------------------


def test_the_reports_numbers_are_exactly_the_analyses_defaults() -> None:
    from ocdata.views import robustness as views_robustness

    data = official()
    table = views_robustness.rank_uncertainty(data, EDITION, "criminality").set_index("iso3")
    intervals = robustness.rank_intervals(data, EDITION, "criminality").set_index("iso3")
    dropped = robustness.leave_one_out(data, EDITION, "criminality").set_index("iso3")
    pd.testing.assert_frame_equal(table[["rank", "median_rank", "p05", "p95"]], intervals)
    assert (table[["min_rank", "max_rank"]] == dropped[["min_rank", "max_rank"]]).all().all()
    row = table.loc["KGZ"]
    sentence = views_robustness.how_sure(data, "KGZ", EDITION)[0]
    assert sentence.startswith(f"Criminality: ranked {row['rank']} of 193, between {row['p05']} and {row['p95']} "
                               f"in 90 % of plausible scorings (median {row['median_rank']})")
    assert f"between {row['min_rank']} (without {row['dropped_min'].lower()})" in sentence


def test_an_edition_is_analysed_once_per_process_for_the_same_scores() -> None:
    from ocdata.views import robustness as views_robustness

    first = views_robustness.rank_uncertainty(official(), EDITION)
    hits = views_robustness._analysed.cache_info().hits
    again = views_robustness.rank_uncertainty(ocdata.load(workbook=require_workbook()), EDITION)  # another object
    assert views_robustness._analysed.cache_info().hits == hits + 1
    pd.testing.assert_frame_equal(first, again)
    again.loc[0, "rank"] = -1  # a caller's change never reaches the cache
    assert views_robustness.rank_uncertainty(official(), EDITION).loc[0, "rank"] != -1


def test_the_overview_chart_has_one_hover_title_per_country() -> None:
    import re

    from ocdata.charts import uncertainty
    from ocdata.views import robustness as views_robustness

    table = views_robustness.rank_uncertainty(official(), EDITION, "resilience")
    chart = uncertainty.rank_intervals(table, "Resilience", title="2023", highlight=("KGZ",))
    titles = set(re.findall(r"<title>([^<]*)</title>", chart.body))
    assert len(titles) == 193
    kgz = table.set_index("iso3").loc["KGZ"]
    assert (f"Kyrgyzstan: resilience rank {kgz['rank']}, between {kgz['p05']} and {kgz['p95']} in 90 % of "
            f"plausible scorings (median {kgz['median_rank']})") in titles
    assert chart == uncertainty.rank_intervals(table, "Resilience", title="2023", highlight=("KGZ",))
    bars = uncertainty.sobol_bars(views_robustness.sensitivity_table(official(), EDITION))
    assert repr(bars).startswith("<Chart ") and "10 bars" in repr(bars)


def test_a_chart_of_few_countries_keeps_thin_bars_and_small_dots() -> None:
    import re

    from ocdata.charts import uncertainty

    table = pd.DataFrame({"iso3": ["KAZ", "KGZ"], "country": ["Kazakhstan", "Kyrgyzstan"], "rank": [2, 1],
                          "median_rank": [2, 1], "p05": [1, 1], "p95": [2, 2]})
    chart = uncertainty.rank_intervals(table, "Criminality")
    widths = [float(w) for w in re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)"[^>]*><title>', chart.body)]
    radii = [float(r) for r in re.findall(r'<circle [^>]*r="([^"]*)"[^>]*><title>', chart.body)]
    assert len(widths) == len(radii) == 2 and max(widths) <= 10 and max(radii) <= 3.2
    labels = re.findall(r'text-anchor="(?:end|middle)"[^>]*>(\d+)</text>', chart.body)
    assert sorted(labels) == ["1", "1", "2", "2"]  # whole ranks, each once per axis
