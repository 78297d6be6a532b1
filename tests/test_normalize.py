"""Resolving values: reported first, composites computed, inferred and back-cast values, and checks."""

import numpy as np
import pandas as pd

from ocdata.normalize import CANDIDATE_COLUMNS, backcast, infer_missing, normalize_scores, resolve

DEFAULTS = {"change": np.nan, "origin": "reported", "source": "doc", "line": 1, "sheet": pd.NA, "rank_source": 0}


def candidates(rows):
    return pd.DataFrame([{**DEFAULTS, **row} for row in rows])[CANDIDATE_COLUMNS]


def test_resolve_keeps_reported_and_checks_the_rest():
    pool = candidates([
        {"iso3": "KGZ", "edition": 2023, "indicator": "heroin_trade", "score": 6.5, "origin": "backcast",
         "source": "later", "rank_source": 0},
        {"iso3": "KGZ", "edition": 2023, "indicator": "heroin_trade", "score": 6.5, "source": "page", "rank_source": 1},
    ])
    chosen, checks = resolve(pool)
    assert chosen.iloc[0]["origin"] == "reported" and chosen.iloc[0]["source"] == "page"
    assert [c["check"] for c in checks] == ["backcast_agrees"] and checks[0]["status"] == "pass"


def test_disagreeing_sources_fail_a_check():
    pool = candidates([
        {"iso3": "KAZ", "edition": 2023, "indicator": "heroin_trade", "score": 6.5, "source": "web", "rank_source": 0},
        {"iso3": "KAZ", "edition": 2023, "indicator": "heroin_trade", "score": 7.0, "source": "pdf", "rank_source": 1},
    ])
    chosen, checks = resolve(pool)
    assert chosen.iloc[0]["score"] == 6.5
    assert checks[0]["check"] == "sources_agree" and checks[0]["status"] == "fail"
    assert (checks[0]["expected"], checks[0]["found"]) == ("6.50", "7.00")


def test_infer_the_omitted_indicator_from_the_pillar_mean():
    # KGZ 2025: criminal actors 5.60 printed; mafia-style groups missing; the others 5.5, 8.5, 4.5, 4.0
    rows = [{"iso3": "KGZ", "edition": 2025, "indicator": i, "score": s} for i, s in [
        ("criminal_actors", 5.6), ("criminal_networks", 5.5), ("state_embedded_actors", 8.5),
        ("foreign_actors", 4.5), ("private_sector_actors", 4.0)]]
    inferred, checks = infer_missing(candidates(rows))
    assert inferred[["indicator", "score", "origin"]].values.tolist() == [["mafia_style_groups", 5.5, "inferred"]]
    assert checks[0]["check"] == "inferred_value_unique" and checks[0]["found"] == "5.5"


def test_backcast_subtracts_the_printed_change():
    rows = candidates([{"iso3": "KAZ", "edition": 2023, "indicator": "arms_trafficking", "score": 3.0, "change": 1.0}])
    back = backcast(rows)
    assert back[["edition", "score", "origin"]].values.tolist() == [[2021, 2.0, "backcast"]]


def test_criminality_uses_unrounded_pillar_means():
    # markets mean 4.65, actors mean 4.375 (-> 4.38): the rounded pillars average to 4.515 -> 4.52,
    # the unrounded ones to 4.5125 -> 4.51, which is what the publisher prints.
    markets = [("human_trafficking", 5.5), ("human_smuggling", 5.0), ("arms_trafficking", 5.0),
               ("flora_crimes", 5.0), ("fauna_crimes", 5.0), ("non_renewable_resource_crimes", 5.0),
               ("heroin_trade", 4.5), ("cocaine_trade", 4.0), ("cannabis_trade", 4.0), ("synthetic_drug_trade", 3.5)]
    rows = [{"iso3": "XXX", "edition": 2021, "indicator": i, "score": s} for i, s in markets]
    rows += [{"iso3": "XXX", "edition": 2021, "indicator": i, "score": s} for i, s in [
        ("mafia_style_groups", 4.5), ("criminal_networks", 4.5), ("state_embedded_actors", 4.5),
        ("foreign_actors", 4.0)]]
    scores, unrounded, _ = normalize_scores(candidates(rows))
    table = scores.set_index("indicator")["score"]
    assert unrounded[("XXX", 2021, "criminal_actors")] == 4.375
    assert table["criminal_markets"] == 4.65 and table["criminal_actors"] == 4.38
    assert table["criminality"] == 4.51
    assert scores.set_index("indicator").loc["criminality", "origin"] == "computed"
