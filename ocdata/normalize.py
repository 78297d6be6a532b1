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

from ocdata.codebook import children_of, indicators_of, load_indicators, previous_edition
from ocdata.numbers import round_half_up

ORIGINS = ("reported", "computed", "inferred", "backcast")
KEY = ["iso3", "edition", "indicator"]
EPS = 1e-9
COMPOSITE_TOLERANCE = 0.005  # a printed pillar mean against its indicators (publisher's rounding)
CHANGE_TOLERANCE = 0.01  # a printed change against the difference of unrounded values
BACKCAST_TOLERANCE = 0.015  # rounded score minus rounded change against a rounded earlier score
GRID = np.arange(1.0, 10.01, 0.5)
CANDIDATE_COLUMNS = ["iso3", "edition", "indicator", "score", "change", "origin", "source", "line", "sheet",
                     "rank_source"]


def check_row(check: str, subject: str, *, iso3=None, edition=None, indicator=None, expected=None, found=None,
              tolerance=None, ok: bool, source=None, line=None) -> dict:
    """One row of the ``checks`` table."""
    return {"check": check, "subject": subject, "iso3": iso3, "edition": edition, "indicator": indicator,
            "expected": None if expected is None else str(expected),
            "found": None if found is None else str(found),
            "tolerance": tolerance, "status": "pass" if ok else "fail", "source": source,
            "line": None if line is None or pd.isna(line) else int(line)}


def _level() -> pd.Series:
    return load_indicators().set_index("indicator")["level"]


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
        level = _level()
        best = chosen.set_index(KEY)
        for row in others.to_dict("records"):
            kept = best.loc[(row["iso3"], row["edition"], row["indicator"])]
            composite = level[row["indicator"]] != "indicator"
            name, tol = _agreement(kept["origin"], row["origin"], kept["source"], row["source"], composite)
            diff = abs(row["score"] - kept["score"])
            cited = row if pd.notna(row["line"]) else kept  # point at a printed line where there is one
            checks.append(check_row(name, _subject(row), iso3=row["iso3"], edition=row["edition"],
                                    indicator=row["indicator"], expected=_fmt(kept["score"]),
                                    found=_fmt(row["score"]), tolerance=tol, ok=diff <= tol + EPS,
                                    source=cited["source"], line=cited["line"]))
            if row["origin"] == "reported" and kept["origin"] == "reported" and pd.notna(row["change"]) and (
                    pd.notna(kept["change"])):
                checks.append(check_row(name, _subject(row) + " change", iso3=row["iso3"], edition=row["edition"],
                                        indicator=row["indicator"], expected=_fmt(kept["change"]),
                                        found=_fmt(row["change"]), tolerance=0.0,
                                        ok=abs(row["change"] - kept["change"]) <= EPS,
                                        source=row["source"], line=row["line"]))
        # a change printed only beside the duplicate is still the document's word: keep it
        printed = others[others["origin"].eq("reported") & others["change"].notna()].drop_duplicates(KEY)
        if not printed.empty:
            fill = printed.set_index(KEY)["change"]
            idx = pd.MultiIndex.from_frame(chosen[KEY])
            missing = chosen["change"].isna().to_numpy() & chosen["origin"].eq("reported").to_numpy()
            chosen.loc[missing, "change"] = fill.reindex(idx).to_numpy()[missing]
    return chosen.reset_index(drop=True), checks


def _agreement(kept: str, other: str, kept_source: str, other_source: str, composite: bool) -> tuple[str, float]:
    """The name and tolerance of the check between two ways of getting one value."""
    if kept == other == "reported":
        return ("repeated_value_agrees" if kept_source == other_source else "sources_agree"), 0.0
    pair = {kept, other}
    if pair == {"reported", "computed"}:
        return "composite_matches_indicators", COMPOSITE_TOLERANCE
    if "backcast" in pair:
        return "backcast_agrees", BACKCAST_TOLERANCE if composite else 0.0
    if "inferred" in pair:
        return "inferred_agrees", 0.0
    return "values_agree", 0.0


def infer_missing(known: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Solve an indicator a page omits from its printed pillar mean, where exactly one grid value fits."""
    rows, checks = [], []
    reported = known[known["origin"] == "reported"]
    counts = reported.groupby(["iso3", "edition"])["indicator"].transform("size")
    expected = reported["edition"].map(lambda e: len(indicators_of(int(e))) + 4)
    reported = reported[counts < expected]  # only pages that leave something out
    for (iso3, edition), group in reported.groupby(["iso3", "edition"], sort=False):
        scores = group.set_index("indicator")
        for composite in ("criminal_markets", "criminal_actors", "resilience"):
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
    """Composite candidates computed from complete indicator sets, and their unrounded means."""
    parent = load_indicators().set_index("indicator")["parent"]
    wide = indicators.pivot(index=["iso3", "edition"], columns="indicator", values="score")
    tagged = indicators.assign(parent=indicators["indicator"].map(parent))
    provenance = pd.concat([tagged, tagged.assign(parent="criminality")]).groupby(["iso3", "edition", "parent"]).agg(
        source=("source", lambda s: ";".join(dict.fromkeys(s))), rank_source=("rank_source", "min"))
    frames, unrounded = [], {}
    for edition, block in wide.groupby(level="edition"):
        means: dict[str, pd.Series] = {}
        for composite in ("criminal_markets", "criminal_actors", "resilience", "criminality"):
            children = children_of(composite, int(edition))
            if not children or any(c not in means and c not in block for c in children):
                continue
            values = pd.concat([means[c] if c in means else block[c] for c in children], axis=1)
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
    level = _level()
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


def validate_scores(scores: pd.DataFrame, unrounded: dict) -> list[dict]:
    """Range and grid, one row per key, completeness per edition, and printed changes."""
    checks = []
    level = _level()
    dupes = scores.duplicated(KEY)
    checks.append(check_row("one_row_per_key", "scores", expected="unique (iso3, edition, indicator)",
                            found=f"{int(dupes.sum())} duplicates", ok=not dupes.any()))
    items = scores[scores["indicator"].map(level).eq("indicator")]
    off = (items["score"] < 1) | (items["score"] > 10) | ((items["score"] * 2) % 1 != 0)
    bad = items[off].groupby(["iso3", "edition"]).apply(
        lambda g: ", ".join(f"{r.indicator}={r.score}" for r in g.itertuples())).to_dict()
    first_bad = items[off].drop_duplicates(["iso3", "edition"]).set_index(["iso3", "edition"])
    present = items.groupby(["iso3", "edition"])["indicator"].agg(set).to_dict()
    documents = _documents_of(items)
    for (iso3, edition), found in sorted(present.items()):
        subject = f"{iso3} {edition}"
        where = first_bad.loc[(iso3, edition)] if (iso3, edition) in bad else {"source": None, "line": None}
        checks.append(check_row("indicator_range_grid", subject, iso3=iso3, edition=edition,
                                expected="1 to 10 in steps of 0.5", found=bad.get((iso3, edition), "all"),
                                ok=(iso3, edition) not in bad, source=where["source"], line=where["line"]))
        wanted = set(indicators_of(int(edition)))
        missing, extra = sorted(wanted - found), sorted(found - wanted)
        checks.append(check_row("edition_complete", subject, iso3=iso3, edition=edition,
                                expected=f"{len(wanted)} indicators of {edition}",
                                found=f"missing {missing}" if missing else (f"not in {edition}: {extra}"
                                                                            if extra else "all"),
                                ok=not missing and not extra, source=documents.get((iso3, edition))))
    values = scores.set_index(KEY)["score"]
    origins = scores.set_index(KEY)["origin"]
    for row in scores[scores["change"].notna()].itertuples():
        prev = previous_edition(int(row.edition))
        if prev is None:
            continue
        before = unrounded.get((row.iso3, prev, row.indicator), values.get((row.iso3, prev, row.indicator)))
        now = unrounded.get((row.iso3, row.edition, row.indicator), row.score)
        if before is None or pd.isna(before):
            continue
        if origins.get((row.iso3, prev, row.indicator)) == "backcast" and level[row.indicator] == "indicator":
            continue  # the earlier value was recovered from this very change
        diff = now - before
        checks.append(check_row("change_matches_previous", f"{row.iso3} {row.edition} {row.indicator} change",
                                iso3=row.iso3, edition=row.edition, indicator=row.indicator,
                                expected=f"{diff:+.3f}", found=f"{row.change:+.2f}", tolerance=CHANGE_TOLERANCE,
                                ok=abs(diff - row.change) <= CHANGE_TOLERANCE + EPS, source=row.source,
                                line=row.line))
    return checks


def _documents_of(items: pd.DataFrame) -> dict[tuple, str]:
    """(iso3, edition) -> the sources its values came from (``a;b``), those that print them first."""
    order = ["_origin", "rank_source"] if "rank_source" in items else ["_origin"]
    ordered = items.assign(_origin=items["origin"].map(ORIGINS.index)).sort_values(order, kind="stable")
    return ordered.groupby(["iso3", "edition"], sort=False)["source"].agg(
        lambda s: ";".join(dict.fromkeys(s.dropna()))).to_dict()


RANK_KEY = ["iso3", "edition", "metric", "scope"]


def normalize_ranks(printed: pd.DataFrame, computed: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One rank per (iso3, edition, metric, scope): printed first, computed where none is printed.

    Every rank printed again, and every computed rank where one is printed, is checked against it.
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
                                tolerance=0.0, ok=(row["rank"], row["total"], row["scope_name"]) == (
                                    kept["rank"], kept["total"], kept["scope_name"]),
                                source=kept["source"] if row["origin"] == "computed" else row["source"],
                                line=kept["line"] if row["origin"] == "computed" else row["line"]))
    order = {"world": 0, "continent": 1, "region": 2}
    chosen = chosen.sort_values(["iso3", "edition", "metric", "scope"], key=lambda c: c.map(order)
                                if c.name == "scope" else c, ignore_index=True)
    return chosen.drop(columns="rank_source"), checks
