"""Normalize parsed values into one row per (iso3, edition, indicator), with how each was obtained.

Every value has candidates: printed in a document or workbook (``reported``), a composite
computed from its indicators (``computed``), an indicator solved from its printed pillar mean
(``inferred``), or an earlier edition's value recovered from a later edition's printed change
(``backcast``). The row takes the first of reported, computed, inferred, backcast (documents
before workbooks, in manifest order); every other candidate becomes an agreement check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ocdata.codebook import (
    ancestors_of,
    children_of,
    combines_unrounded,
    composites_bottom_up,
    composites_of,
    indicators_of,
    levels,
    pillars,
    previous_edition,
)
from ocdata.numbers import round_half_up
from ocdata.ranks import percentile_of, tied_from
from ocdata.validate import EPS, check_row, validate_scores

__all__ = ["CANDIDATE_COLUMNS", "ORIGINS", "backcast", "check_row", "compute_composites", "infer_missing",
           "normalize_ranks", "normalize_scores", "resolve", "validate_scores"]

ORIGINS = ("reported", "computed", "inferred", "backcast")
"""How a value was obtained, in order of precedence: reported, computed, inferred, backcast."""
KEY = ["iso3", "edition", "indicator"]
GRID = np.arange(1.0, 10.01, 0.5)
CANDIDATE_COLUMNS = ["iso3", "edition", "indicator", "score", "change", "origin", "source", "line", "sheet",
                     "rank_source"]
"""The columns of a candidate value before one is chosen per key (rank_source: where its rank was printed)."""


def _fmt(x: float) -> str:
    return f"{x:.2f}" if pd.notna(x) else "missing"


def _subject(row) -> str:
    return f"{row['iso3']} {row['edition']} {row['indicator']}"


def resolve(candidates: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Pick one row per key by origin, then source order; check every other candidate against it."""
    if candidates.empty:
        return candidates, []
    ranked = candidates.assign(_origin=candidates["origin"].map(ORIGINS.index)).sort_values(
        [*KEY, "_origin", "rank_source", "line"], kind="stable")
    chosen = ranked.drop_duplicates(KEY).drop(columns="_origin")
    others = ranked[ranked.duplicated(KEY)]
    checks = []
    if not others.empty:
        best = chosen.set_index(KEY)
        for row in others.to_dict("records"):
            kept = best.loc[(row["iso3"], row["edition"], row["indicator"])]
            name = _agreement(kept["origin"], row["origin"], kept["source"], row["source"])
            cited = row if pd.notna(row["line"]) else kept  # point at a printed line where there is one
            checks.append(check_row(name, _subject(row), iso3=row["iso3"], edition=row["edition"],
                                    indicator=row["indicator"], expected=_fmt(kept["score"]),
                                    found=_fmt(row["score"]), difference=row["score"] - kept["score"],
                                    source=cited["source"], line=cited["line"]))
            if row["origin"] == "reported" and kept["origin"] == "reported" and pd.notna(row["change"]) and (
                    pd.notna(kept["change"])):
                checks.append(check_row(name, _subject(row) + " change", iso3=row["iso3"], edition=row["edition"],
                                        indicator=row["indicator"], expected=_fmt(kept["change"]),
                                        found=_fmt(row["change"]),
                                        difference=row["change"] - kept["change"],
                                        source=row["source"], line=row["line"]))
        # a change printed only beside the duplicate is still the document's word: keep it
        printed = others[others["origin"].eq("reported") & others["change"].notna()].drop_duplicates(KEY)
        if not printed.empty:
            fill = printed.set_index(KEY)["change"]
            idx = pd.MultiIndex.from_frame(chosen[KEY])
            missing = chosen["change"].isna().to_numpy() & chosen["origin"].eq("reported").to_numpy()
            chosen.loc[missing, "change"] = fill.reindex(idx).to_numpy()[missing]
    return chosen.reset_index(drop=True), checks


def _agreement(kept: str, other: str, kept_source: str, other_source: str) -> str:
    """The check (an id of ``checks.csv``, which holds its tolerance) between two ways of getting one value."""
    if kept == other == "reported":
        return "repeated_value_agrees" if kept_source == other_source else "sources_agree"
    pair = {kept, other}
    if pair == {"reported", "computed"}:
        return "composite_matches_indicators"
    if "backcast" in pair:
        return "backcast_agrees"
    if "inferred" in pair:
        return "inferred_agrees"
    return "values_agree"


def infer_missing(known: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Solve an indicator a page omits from its printed pillar mean, where exactly one grid value fits."""
    rows, checks = [], []
    reported = known[known["origin"] == "reported"]
    counts = reported.groupby(["iso3", "edition"])["indicator"].transform("size")
    expected = reported["edition"].map(lambda e: len(indicators_of(int(e))) + len(composites_of(int(e))))
    reported = reported[counts < expected]  # only pages that leave something out
    for (iso3, edition), group in reported.groupby(["iso3", "edition"], sort=False):
        scores = group.set_index("indicator")
        for composite in pillars():
            if composite not in scores.index:
                continue
            children = children_of(composite, edition)
            missing = [c for c in children if c not in scores.index]
            if len(missing) != 1:
                continue
            printed = scores.loc[composite]
            rest = scores.loc[[c for c in children if c != missing[0]], "score"].sum()
            fits = [g for g in GRID if abs(round_half_up((rest + g) / len(children)) - printed["score"]) < EPS]
            subject = f"{iso3} {edition} {missing[0]}"
            checks.append(check_row("inferred_value_unique", subject, iso3=iso3, edition=edition,
                                    indicator=missing[0], expected="one value on the 0.5 grid",
                                    found=", ".join(f"{g:.1f}" for g in fits) or "none", ok=len(fits) == 1,
                                    source=printed["source"], line=printed["line"]))
            if len(fits) == 1:
                rows.append({"iso3": iso3, "edition": edition, "indicator": missing[0], "score": fits[0],
                             "change": np.nan, "origin": "inferred", "source": printed["source"],
                             "line": printed["line"], "sheet": printed["sheet"],
                             "rank_source": printed["rank_source"]})
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS), checks


def backcast(known: pd.DataFrame) -> pd.DataFrame:
    """Earlier editions' values recovered from printed changes (score minus change)."""
    printed = known[(known["origin"] == "reported") & known["change"].notna()].copy()
    printed["edition"] = printed["edition"].map(previous_edition)
    printed = printed[printed["edition"].notna()]
    printed["edition"] = printed["edition"].astype("int64")
    printed["score"] = (printed["score"] - printed["change"]).round(2)
    printed["change"] = np.nan
    printed["origin"] = "backcast"
    return printed[CANDIDATE_COLUMNS]


def compute_composites(indicators: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Composite candidates computed from complete indicator sets, and their unrounded means.

    The tree comes from the codebook: each composite is the mean of its parts, a composite part taken
    unrounded where the composite's method says so (criminality), else as published (rounded).
    """
    wide = indicators.pivot(index=["iso3", "edition"], columns="indicator", values="score")
    tagged = indicators.assign(parent=indicators["indicator"].map(ancestors_of)).explode("parent")
    provenance = tagged.groupby(["iso3", "edition", "parent"]).agg(
        source=("source", lambda s: ";".join(dict.fromkeys(s))), rank_source=("rank_source", "min"))
    frames, unrounded = [], {}
    for edition, block in wide.groupby(level="edition"):
        means: dict[str, pd.Series] = {}
        for composite in composites_bottom_up():
            children = children_of(composite, int(edition))
            if not children or any(c not in means and c not in block for c in children):
                continue
            exact = combines_unrounded(composite)
            values = pd.concat([(means[c] if exact else round_half_up(means[c])) if c in means else block[c]
                                for c in children], axis=1)
            means[composite] = values.mean(axis=1, skipna=False)
            known = means[composite].dropna()
            frame = known.rename("score").reset_index().assign(indicator=composite)
            unrounded.update({(i, e, composite): v for (i, e), v in known.items()})
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS), unrounded
    out = pd.concat(frames, ignore_index=True)
    out["score"] = round_half_up(out["score"])
    out = out.join(provenance, on=["iso3", "edition", "indicator"])
    out = out.assign(change=np.nan, origin="computed", line=pd.NA, sheet=pd.NA)
    return out[CANDIDATE_COLUMNS], unrounded


def normalize_scores(reported: pd.DataFrame) -> tuple[pd.DataFrame, dict, list[dict]]:
    """From reported candidates to the resolved long table, the unrounded composites and the checks."""
    level = levels()
    known, checks = resolve(reported)
    inferred, infer_checks = infer_missing(known)
    checks += infer_checks
    back = backcast(known)
    is_indicator = lambda t: t["indicator"].map(level).eq("indicator")  # noqa: E731
    pool = pd.concat([known[is_indicator(known)], inferred, back[is_indicator(back)]], ignore_index=True)
    indicators, more = resolve(pool)
    checks += more
    computed, unrounded = compute_composites(indicators)
    pool = pd.concat([known[~is_indicator(known)], computed, back[~is_indicator(back)]], ignore_index=True)
    composites, more = resolve(pool)
    checks += more
    scores = pd.concat([indicators, composites], ignore_index=True)
    for row in scores[scores["origin"].ne("computed")].itertuples():
        if level[row.indicator] == "indicator":
            unrounded.setdefault((row.iso3, row.edition, row.indicator), row.score)
    return scores, unrounded, checks


RANK_KEY = ["iso3", "edition", "metric", "scope"]


def normalize_ranks(printed: pd.DataFrame, computed: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One rank per (iso3, edition, metric, scope): printed first, computed where none is printed.

    Every rank printed again, and every computed rank where one is printed, is checked against it. Every row
    gets ``tied`` from the computed ranks (missing where none was computed) and ``percentile`` from its rank
    and total (:func:`ocdata.ranks.percentile_of`).
    """
    printed = printed.assign(origin="reported")
    pool = pd.concat([printed, computed.assign(rank_source=np.inf)], ignore_index=True)
    pool["_o"] = pool["origin"].map({"reported": 0, "computed": 1})
    pool = pool.sort_values([*RANK_KEY, "_o", "rank_source", "line"], kind="stable").drop(columns="_o")
    chosen = pool.drop_duplicates(RANK_KEY)
    checks = []
    best = chosen.set_index(RANK_KEY)
    for row in pool[pool.duplicated(RANK_KEY)].to_dict("records"):
        kept = best.loc[tuple(row[k] for k in RANK_KEY)]
        if row["origin"] == "computed":
            name = "rank_matches_computed"
        else:
            name = "repeated_value_agrees" if row["source"] == kept["source"] else "sources_agree"
        subject = f"{row['iso3']} {row['edition']} {row['metric']} rank ({row['scope_name']})"
        checks.append(check_row(name, subject, iso3=row["iso3"], edition=row["edition"], indicator=row["metric"],
                                expected=f"{kept['rank']} of {kept['total']}", found=f"{row['rank']} of {row['total']}",
                                ok=(row["rank"], row["total"], row["scope_name"]) == (
                                    kept["rank"], kept["total"], kept["scope_name"]),
                                source=kept["source"] if row["origin"] == "computed" else row["source"],
                                line=kept["line"] if row["origin"] == "computed" else row["line"]))
    order = {"world": 0, "continent": 1, "region": 2}
    chosen = chosen.sort_values(["iso3", "edition", "metric", "scope"], key=lambda c: c.map(order)
                                if c.name == "scope" else c, ignore_index=True)
    chosen = chosen.assign(tied=tied_from(chosen, computed), percentile=percentile_of(chosen["rank"], chosen["total"]))
    return chosen.drop(columns="rank_source"), checks
