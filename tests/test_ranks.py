"""Ranks and group means: small hand-made tables, a property, then the published ranks of the real release."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_groups import official_workbook

from ocdata.countries import groups_from_workbook, load_countries, load_groups, merge_groups
from ocdata.inputs.workbook import read_workbook
from ocdata.ranks import AGGREGATE_COLUMNS, RANK_COLUMNS, compute_aggregates, compute_ranks

COUNTRIES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "DDD", "EEE"],
        "country": ["A", "B", "C", "D", "E"],
        "continent": ["North", "North", "North", "South", "South"],
        "region": ["Up", "Up", "Mid", "Down", "Down"],
    }
)
GROUPS = pd.concat([COUNTRIES.drop(columns="country").assign(edition=e) for e in (2021, 2023)], ignore_index=True)
"""The same continent and region in both editions."""


def _scores(values: dict[str, float], edition: int = 2023, indicator: str = "criminality") -> pd.DataFrame:
    return pd.DataFrame(
        {"iso3": list(values), "edition": edition, "indicator": indicator, "score": list(values.values())}
    )


def _rank(ranks: pd.DataFrame, iso3: str, scope: str, metric: str = "criminality") -> tuple[int, int]:
    row = ranks[(ranks["iso3"] == iso3) & (ranks["scope"] == scope) & (ranks["metric"] == metric)]
    assert len(row) == 1, row
    return int(row["rank"].iloc[0]), int(row["total"].iloc[0])


def test_columns_dtypes_and_provenance() -> None:
    ranks = compute_ranks(_scores({"AAA": 5, "BBB": 7, "CCC": 7, "DDD": 3, "EEE": 9}), groups=GROUPS)
    assert list(ranks.columns) == list(RANK_COLUMNS)
    assert {c: str(t) for c, t in ranks.dtypes.items()} == RANK_COLUMNS
    assert set(ranks["origin"]) == {"computed"}
    assert ranks["source"].isna().all() and ranks["line"].isna().all()
    assert ranks["source"].iloc[0] is pd.NA and ranks["line"].iloc[0] is pd.NA
    assert len(ranks) == 5 * 3


def test_standard_competition_ranks_with_ties() -> None:
    ranks = compute_ranks(_scores({"AAA": 5, "BBB": 7, "CCC": 7, "DDD": 3, "EEE": 9}), groups=GROUPS)
    assert [_rank(ranks, c, "world") for c in ["EEE", "BBB", "CCC", "AAA", "DDD"]] == [
        (1, 5), (2, 5), (2, 5), (4, 5), (5, 5),
    ]
    assert _rank(ranks, "AAA", "continent") == (3, 3)
    assert _rank(ranks, "DDD", "continent") == (2, 2)
    assert _rank(ranks, "CCC", "region") == (1, 1)
    assert _rank(ranks, "BBB", "region") == (1, 2)
    names = ranks.drop_duplicates(["scope", "scope_name"]).set_index("scope_name")["scope"].to_dict()
    assert names == {"World": "world", "North": "continent", "South": "continent", "Up": "region",
                     "Mid": "region", "Down": "region"}


def test_scores_equal_up_to_float_noise_tie() -> None:
    ranks = compute_ranks(_scores({"AAA": 4.625, "BBB": 4.6250000000001, "CCC": 1, "DDD": 1, "EEE": 1}), groups=GROUPS)
    assert _rank(ranks, "AAA", "world") == _rank(ranks, "BBB", "world") == (1, 5)


def test_no_ranks_for_a_scope_with_an_unknown_score() -> None:
    scores = _scores({"AAA": 5, "BBB": 7, "CCC": 6, "DDD": 3, "EEE": float("nan")})
    ranks = compute_ranks(scores, groups=GROUPS)
    assert set(ranks["scope_name"]) == {"North", "Up", "Mid"}  # no World, no South, no Down
    assert _rank(ranks, "AAA", "continent") == (3, 3)
    missing_row = compute_ranks(scores.dropna(), groups=GROUPS)
    pd.testing.assert_frame_equal(ranks, missing_row)


def test_only_criminality_and_resilience_are_ranked_per_edition() -> None:
    scores = pd.concat(
        [
            _scores({c: 5.0 for c in COUNTRIES["iso3"]}, edition=2021),
            _scores({c: float(i) for i, c in enumerate(COUNTRIES["iso3"], 1)}, edition=2023, indicator="resilience"),
            _scores({c: 2.0 for c in COUNTRIES["iso3"]}, indicator="criminal_markets"),
        ]
    )
    ranks = compute_ranks(scores, groups=GROUPS)
    assert set(zip(ranks["edition"], ranks["metric"], strict=True)) == {(2021, "criminality"), (2023, "resilience")}
    assert (ranks.loc[ranks["edition"] == 2021, "rank"] == 1).all()
    assert _rank(ranks, "EEE", "world", "resilience") == (1, 5)


def test_inputs_are_not_changed() -> None:
    scores = _scores({"AAA": 5, "BBB": 7, "CCC": 6, "DDD": 3, "EEE": 4})
    before, groups_before = scores.copy(), GROUPS.copy()
    compute_ranks(scores, groups=GROUPS)
    compute_aggregates(scores, groups=GROUPS)
    pd.testing.assert_frame_equal(scores, before)
    pd.testing.assert_frame_equal(GROUPS, groups_before)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        (_scores({"AAA": 5, "BBB": 7}).pipe(lambda t: pd.concat([t, t])), "rows share a key, e.g. AAA 2023"),
        (_scores({"AAA": 5, "ZZZ": 7}), r"codes not in the groups table: \['ZZZ'\]"),
        (_scores({"AAA": 5}, edition=2025), "no continent and region in the groups table for 1 country-editions, "
         "e.g. AAA 2025"),
        (_scores({"AAA": 5}).drop(columns="score"), "scores: expected columns score"),
    ],
)
def test_bad_inputs_are_refused_loudly(scores: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_ranks(scores, groups=GROUPS)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([x / 100 for x in range(100, 1001, 25)]), min_size=5, max_size=5))
def test_rank_is_one_plus_the_number_of_better_scores(values: list[float]) -> None:
    score = dict(zip(COUNTRIES["iso3"], values, strict=True))
    group = {"world": dict.fromkeys(score, "World"), **{s: dict(zip(COUNTRIES["iso3"], COUNTRIES[s], strict=True))
                                                         for s in ("continent", "region")}}
    ranks = compute_ranks(_scores(score), groups=GROUPS)
    for iso3, scope, name, rank, total in ranks[["iso3", "scope", "scope_name", "rank", "total"]].itertuples(
        index=False
    ):
        peers = [score[c] for c in score if group[scope][c] == name]
        assert group[scope][iso3] == name
        assert rank == 1 + sum(p > score[iso3] for p in peers)
        assert total == len(peers)


def test_aggregates_are_unrounded_means_per_scope() -> None:
    scores = pd.concat(
        [
            _scores({"AAA": 4.33, "BBB": 4.34, "CCC": 6.0, "DDD": 2.0, "EEE": float("nan")}),
            _scores({"AAA": 1.0, "DDD": 3.0}, indicator="heroin_trade"),
        ]
    )
    table = compute_aggregates(scores, groups=GROUPS)
    assert list(table.columns) == list(AGGREGATE_COLUMNS)
    assert {c: str(t) for c, t in table.dtypes.items()} == AGGREGATE_COLUMNS
    got = table.set_index(["indicator", "scope", "scope_name"])[["mean", "n"]]
    assert got.loc[("criminality", "world", "World")].tolist() == pytest.approx([(4.33 + 4.34 + 6 + 2) / 4, 4])
    assert got.loc[("criminality", "region", "Up")].tolist() == pytest.approx([4.335, 2])
    assert got.loc[("criminality", "continent", "South")].tolist() == [2.0, 1]
    assert got.loc[("heroin_trade", "world", "World")].tolist() == [2.0, 2]
    assert ("heroin_trade", "region", "Mid") not in got.index
    assert table["scope"].tolist()[:3] == ["world", "continent", "continent"]


REGROUPED = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "DDD", "EEE"] * 2,
        "edition": [2021] * 5 + [2023] * 5,
        "continent": ["North", "North", "North", "South", "South"] * 2,
        "region": ["Up", "Up", "Mid", "Down", "Down", "Upper", "Upper", "Upper", "Down", "Down"],
    }
)
"""2021 has regions Up (AAA, BBB) and Mid (CCC); 2023 merges them into Upper."""


def test_each_edition_is_ranked_within_its_own_groups() -> None:
    values = {"AAA": 5, "BBB": 7, "CCC": 9, "DDD": 3, "EEE": 4}
    scores = pd.concat([_scores(values, edition=2021), _scores(values, edition=2023)])
    ranks = compute_ranks(scores, groups=REGROUPED)
    region = ranks[ranks["scope"] == "region"].set_index(["edition", "iso3"])
    assert region.loc[(2021, "AAA"), ["scope_name", "rank", "total"]].tolist() == ["Up", 2, 2]
    assert region.loc[(2021, "CCC"), ["scope_name", "rank", "total"]].tolist() == ["Mid", 1, 1]
    assert region.loc[(2023, "AAA"), ["scope_name", "rank", "total"]].tolist() == ["Upper", 3, 3]
    assert region.loc[(2023, "CCC"), ["scope_name", "rank", "total"]].tolist() == ["Upper", 1, 3]
    means = compute_aggregates(scores, groups=REGROUPED).set_index(["edition", "scope", "scope_name"])
    assert means.loc[(2021, "region", "Up"), ["mean", "n"]].tolist() == [6.0, 2]
    assert means.loc[(2023, "region", "Upper"), ["mean", "n"]].tolist() == [7.0, 3]
    assert (2021, "region", "Upper") not in means.index and (2023, "region", "Up") not in means.index


def test_a_region_is_ranked_when_all_of_its_members_in_that_edition_are_scored() -> None:
    # CCC has no 2021 score: Mid (CCC alone) is not ranked in 2021, but Up is; in 2023 Upper needs CCC
    scores = pd.concat([_scores({"AAA": 5, "BBB": 7, "DDD": 3, "EEE": 4}, edition=2021),
                        _scores({"AAA": 5, "BBB": 7, "DDD": 3, "EEE": 4}, edition=2023)])
    ranks = compute_ranks(scores, groups=REGROUPED)
    named = set(zip(ranks["edition"], ranks["scope_name"], strict=True))
    assert (2021, "Up") in named and (2021, "Down") in named
    assert (2023, "Upper") not in named and (2023, "Down") in named


def test_default_groups_are_the_bundled_editions_and_old_calls_still_work() -> None:
    groups = load_groups()
    codes = sorted(groups["iso3"].unique())
    values = {c: 1 + (i * 7 % 19) / 2 for i, c in enumerate(codes)}
    scores = pd.concat([_scores(values, edition=e) for e in (2021, 2023, 2025)])
    ranks = compute_ranks(scores)
    pd.testing.assert_frame_equal(ranks, compute_ranks(scores, load_countries()))
    lucia = ranks[(ranks["iso3"] == "LCA") & (ranks["scope"] == "region")].set_index("edition")
    assert lucia.loc[2021, ["scope_name", "total"]].tolist() == ["Caribbean", 13]
    assert lucia.loc[2023, ["scope_name", "total"]].tolist() == ["Caribbean & Central", 21]
    assert lucia.loc[2025, ["scope_name", "total"]].tolist() == ["Caribbean & Central", 21]
    means = compute_aggregates(scores).query("scope == 'region'")
    assert set(means.loc[means["edition"] == 2021, "scope_name"]) >= {"Caribbean", "Central America"}
    assert "Caribbean & Central" not in set(means.loc[means["edition"] == 2021, "scope_name"])


def test_a_country_twice_in_one_edition_of_the_groups_is_refused() -> None:
    groups = pd.concat([REGROUPED, REGROUPED.iloc[[0]].assign(region="Mid")], ignore_index=True)
    with pytest.raises(ValueError, match=r"groups: 1 rows repeat a country and edition, e\.g\. AAA 2021"):
        compute_ranks(_scores({"AAA": 5}, edition=2021), groups=groups)


# --- the published ranks, from the real 2023 release --------------------------------------------------


@pytest.fixture(scope="module")
def real_ranks() -> pd.DataFrame:
    book = read_workbook(official_workbook())
    return compute_ranks(book, groups=merge_groups(load_groups(), groups_from_workbook(book)))


PUBLISHED_RANKS = [  # iso3, edition, metric, (world, continent, region) rank, printed in the profiles
    ("KGZ", 2021, "criminality", (72, 23, 2)),
    ("KGZ", 2021, "resilience", (125, 24, 4)),
    ("KAZ", 2023, "criminality", (127, 34, 5)),
    ("KAZ", 2023, "resilience", (110, 21, 3)),
]


@pytest.mark.parametrize(("iso3", "edition", "metric", "expected"), PUBLISHED_RANKS)
def test_real_published_ranks(real_ranks: pd.DataFrame, iso3: str, edition: int, metric: str, expected: tuple) -> None:
    keys = real_ranks[["iso3", "edition", "metric"]].apply(tuple, axis=1)
    got = real_ranks[keys == (iso3, edition, metric)].set_index("scope")[["rank", "total", "scope_name"]]
    assert tuple(got.loc[["world", "continent", "region"], "rank"]) == expected
    assert tuple(got.loc[["world", "continent", "region"], "total"]) == (193, 46, 8)
    assert tuple(got.loc[["world", "continent", "region"], "scope_name"]) == (
        "World", "Asia", "Central Asia and the Caucasus",
    )


def test_real_every_country_ranked_in_every_scope(real_ranks: pd.DataFrame) -> None:
    assert len(real_ranks) == 193 * 2 * 2 * 3
    world = real_ranks[real_ranks["scope"] == "world"]
    assert world.groupby(["edition", "metric"])["rank"].min().eq(1).all()
    assert (world["total"] == 193).all()
