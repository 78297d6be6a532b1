"""Honest notes beside the numbers: changed indicator sets, rank movements, ties, mixed editions,
what a report lacks. A dataset in, plain sentences or a small DataFrame out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ocdata.codebook import children_of, indicators_of, label_of, level_of, metrics, previous_edition
from ocdata.views.country import joint_rank, ordinal
from ocdata.views.params import parameters

UP, DOWN = "▲", "▼"
RANK_RULE = ("Rank 1 is the most criminal country (criminality) and the most resilient (resilience); "
             f"{UP} means a move towards rank 1 since the previous edition, {DOWN} a move away from it.")


def indicator_count(composite: str, edition: int) -> int:
    """How many indicators a composite averages in an edition (criminality: those of its pillars)."""
    if level_of(composite) == "indicator":
        return 1
    return sum(len(indicators_of(edition, c)) if c not in indicators_of(edition) else 1
               for c in children_of(composite, edition))


@parameters
def indicator_set_note(composite: str, edition: int) -> str:
    """Why a composite's change mixes two indicator sets ("" where the sets are the same)."""
    prev = previous_edition(edition)
    if prev is None or level_of(composite) == "indicator":
        return ""
    before, now = indicator_count(composite, prev), indicator_count(composite, edition)
    if before == now:
        return ""
    return (f"{label_of(composite)} averages {before} indicators in {prev} and {now} in {edition}: "
            f"part of its change comes from the {now - before} indicator{'s' if now - before != 1 else ''} "
            f"added in {edition}.")


@parameters
def rank_changes(data, country: str, edition: int) -> pd.DataFrame:
    """The country's ranks with their movement: ``metric, scope, scope_name, rank, total, tied,
    previous_rank, moved, printed_change`` (``tied``: how many countries share the rank's score).

    ``moved`` is the previous rank minus this one (positive: towards rank 1), computed where both
    editions' ranks at the same scope are known; the printed change is kept only for its size, since its
    sign convention differs between versions of the site.
    """
    ranks = data.ranks
    prev = previous_edition(edition)
    now = ranks[(ranks["iso3"] == country) & (ranks["edition"] == edition)]
    before = ranks[(ranks["iso3"] == country) & (ranks["edition"] == prev)] if prev else now.iloc[0:0]
    key = ["metric", "scope", "scope_name"]
    out = now[[*key, "rank", "total", "tied", "printed_change"]].merge(
        before[[*key, "rank"]].rename(columns={"rank": "previous_rank"}), on=key, how="left")
    out["previous_rank"] = out["previous_rank"].astype("Int64")
    out["moved"] = (out["previous_rank"] - out["rank"]).astype("Int64")
    order = {m: i for i, m in enumerate(metrics())}
    scopes = {s: i for i, s in enumerate(("world", "continent", "region"))}
    out = out.assign(_m=out["metric"].map(order), _s=out["scope"].map(scopes)).sort_values(["_m", "_s"])
    return out.drop(columns=["_m", "_s"]).reset_index(drop=True)


def rank_text(row) -> str:
    """``85th of 193 (World) ▼ 4``, ``joint 85th of 193 (World)`` where countries share the score; a printed
    change without the previous rank shows its size only."""
    text = f"{joint_rank(row.rank, getattr(row, 'tied', pd.NA))} of {int(row.total)} ({row.scope_name})"
    if not pd.isna(row.moved):
        moved = int(row.moved)
        return f"{text} {UP} {moved}" if moved > 0 else f"{text} {DOWN} {-moved}" if moved < 0 else f"{text}, unchanged"
    if not pd.isna(row.printed_change) and int(row.printed_change) != 0:
        n = abs(int(row.printed_change))
        return f"{text}, moved {n} place{'s' if n != 1 else ''}"
    if not pd.isna(row.printed_change):
        return f"{text}, unchanged"
    return text


def joint(rank: int, tied: int) -> str:
    """``2nd`` or, when ``tied`` countries share the rank, ``joint 2nd``."""
    return f"joint {ordinal(rank)}" if tied > 1 else ordinal(rank)


def names_at(values: pd.Series, target: float) -> str:
    """Every name (the index) whose value equals ``target``, joined: "Colombia and Mexico"."""
    names = [str(n) for n, v in values.items() if not pd.isna(v) and abs(float(v) - target) < 1e-9]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@parameters
def editions_note(data, countries: Sequence[str], edition: int) -> str:
    """Which compared countries also have a later edition than the one shown ("" if none)."""
    later = []
    names = data.countries.set_index("iso3")["country"]
    for country in countries:
        have = sorted(int(e) for e in data.scores.loc[data.scores["iso3"] == country, "edition"].unique())
        newer = [e for e in have if e > edition]
        if newer:
            later.append(f"{names[country]} ({', '.join(map(str, newer))})")
    if not later:
        return ""
    return (f"Every country is shown in its {edition} edition, the latest they all have; "
            f"a later edition exists for {', '.join(later)}.")


@parameters
def lacks(data, country: str, edition: int) -> list[str]:
    """What this country's report leaves out, and why (one phrase per missing part)."""
    missing = []
    narr = data.narratives
    if narr.empty or narr[(narr["iso3"] == country) & (narr["edition"] == edition)].empty:
        missing.append("narrative")
    prof = data.profiles
    if prof.empty or prof[(prof["iso3"] == country) & (prof["edition"] == edition)].empty:
        missing.append("profile facts (capital, population, GDP, area)")
    if data.series[data.series["iso3"] == country].empty:
        missing.append("historical series")
    return missing
