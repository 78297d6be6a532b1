"""The validate stage: the checks table (``checks.csv``), check rows, and the checks made on the
normalized tables.

Every check ocdata records has a row in ``ocdata/data/checks.csv``: its id, its priority (which failed
check to name first: the one nearest the cause), its tolerance and what it asserts in plain words.
:func:`check_row` refuses an id that is not in the table and takes the tolerance from it.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from ocdata.codebook import indicators_of, level_of, levels, previous_edition
from ocdata.errors import ParseError
from ocdata.paths import PACKAGE_DATA

CHECKS_HINT = "ocdata/data/checks.csv"
CHECK_COLUMNS = ["check", "priority", "tolerance", "indicator_tolerance", "asserts"]
EPS = 1e-9  # float noise allowed on top of a check's tolerance
KEY = ["iso3", "edition", "indicator"]


def __getattr__(name: str) -> pd.DataFrame:
    """``CHECKS``: the checks table, read when first asked for."""
    if name == "CHECKS":
        return load_checks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def load_checks() -> pd.DataFrame:
    """The checks table: ``check, priority, tolerance, indicator_tolerance, asserts``, by priority.

    ``indicator_tolerance``, where given, replaces ``tolerance`` for a check on an indicator (not a
    composite). A problem in the table is a :class:`ParseError` naming ``checks.csv``.
    """
    try:
        table = pd.read_csv(PACKAGE_DATA / "checks.csv", dtype="str", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ParseError(f"expected a CSV table, found {str(exc).strip().splitlines()[-1]}", file=CHECKS_HINT) from None
    if list(table.columns) != CHECK_COLUMNS:
        raise ParseError(f"expected columns {','.join(CHECK_COLUMNS)}, found {','.join(table.columns)}",
                         file=CHECKS_HINT)
    for number, row in enumerate(table.to_dict("records"), start=2):
        if not row["check"].isidentifier() or not row["check"].islower():
            raise ParseError(f"expected a snake_case check id, found {row['check']!r}", file=CHECKS_HINT, line=number)
        if not row["priority"].isdigit():
            raise ParseError(f"expected a whole number priority, found {row['priority']!r}", file=CHECKS_HINT,
                             line=number)
        for column in ("tolerance", "indicator_tolerance"):
            if row[column] and not row[column].replace(".", "", 1).isdigit():
                raise ParseError(f"expected a {column} of 0 or more, or none, found {row[column]!r}",
                                 file=CHECKS_HINT, line=number)
        if not row["asserts"].strip():
            raise ParseError(f"expected what {row['check']} asserts, found nothing", file=CHECKS_HINT, line=number)
    for column in ("check", "priority"):
        dup = table.loc[table[column].duplicated(), column].tolist()
        if dup:
            raise ParseError(f"expected one row per {column}, found repeated {dup}", file=CHECKS_HINT)
    table = table.astype({"priority": "int64"})
    for column in ("tolerance", "indicator_tolerance"):
        table[column] = pd.to_numeric(table[column].replace("", None)).astype("float64")
    return table.sort_values("priority", ignore_index=True)


@cache
def _checks_by_id() -> dict[str, dict]:
    return load_checks().set_index("check").to_dict("index")


def check_ids() -> tuple[str, ...]:
    """Every check id, by priority."""
    return tuple(load_checks()["check"])


def _entry(check: str) -> dict:
    entry = _checks_by_id().get(check)
    if entry is None:
        raise ParseError(f"expected a row for check {check!r}, found none", file=CHECKS_HINT)
    return entry


def tolerance_of(check: str, indicator: str | None = None) -> float | None:
    """The tolerance of a check (on ``indicator``, where the check has its own for indicators), or None."""
    entry = _entry(check)
    tolerance = entry["tolerance"]
    if pd.notna(entry["indicator_tolerance"]) and indicator is not None and level_of(indicator) == "indicator":
        tolerance = entry["indicator_tolerance"]
    return None if pd.isna(tolerance) else float(tolerance)


def describe(check: str) -> str:
    """What a check asserts, in plain words (for a glossary)."""
    return str(_entry(check)["asserts"])


def check_row(check: str, subject: str, *, iso3=None, edition=None, indicator=None, expected=None, found=None,
              ok: bool | None = None, difference: float | None = None, tolerance: float | None = None,
              source=None, line=None) -> dict:
    """One row of the ``checks`` table, with the tolerance of ``checks.csv``.

    Give ``ok``, or ``difference`` (passes within the check's tolerance). A ``tolerance`` given by the
    caller must be the table's.
    """
    allowed = tolerance_of(check, indicator)
    if tolerance is not None and (allowed is None or abs(tolerance - allowed) > EPS):
        raise ParseError(f"expected the tolerance of {check} to be {tolerance}, found {allowed}", file=CHECKS_HINT)
    if (ok is None) == (difference is None):
        raise TypeError("check_row: give exactly one of ok and difference")
    if difference is not None:
        ok = bool(pd.notna(difference) and abs(difference) <= (allowed or 0.0) + EPS)
    return {"check": check, "subject": subject, "iso3": iso3, "edition": edition, "indicator": indicator,
            "expected": None if expected is None else str(expected),
            "found": None if found is None else str(found),
            "tolerance": allowed, "status": "pass" if ok else "fail", "source": source,
            "line": None if line is None or pd.isna(line) else int(line)}


def first_failure(data) -> pd.Series:
    """The failed check nearest the cause: the lowest priority in ``checks.csv`` (unknown ids last)."""
    priority = load_checks().set_index("check")["priority"]
    rank = data.failed["check"].map(priority).fillna(len(priority) + 1)
    return data.failed.loc[rank.sort_values(kind="stable").index[0]]


def describe_check(check: pd.Series, sources: pd.DataFrame) -> str:
    """A failed check as one line: ``file:line: check on subject: expected ..., found ...``."""
    files = sources.set_index("id")["file"]
    where = ""
    if pd.notna(check["source"]):
        first = str(check["source"]).split(";")[0]
        where = str(files.get(first, first)) + (f":{check['line']}" if pd.notna(check["line"]) else "") + ": "
    return f"{where}{check['check']} on {check['subject']}: expected {check['expected']}, found {check['found']}"


def validate_scores(scores: pd.DataFrame, unrounded: dict) -> list[dict]:
    """Range and grid, one row per key, completeness per edition, and printed changes."""
    checks = []
    dupes = scores.duplicated(KEY)
    checks.append(check_row("one_row_per_key", "scores", expected="unique (iso3, edition, indicator)",
                            found=f"{int(dupes.sum())} duplicates", ok=not dupes.any()))
    level = levels()
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
                                expected=f"{diff:+.3f}", found=f"{row.change:+.2f}", difference=diff - row.change,
                                source=row.source, line=row.line))
    return checks


def _documents_of(items: pd.DataFrame) -> dict[tuple, str]:
    """(iso3, edition) -> the sources its values came from (``a;b``), those that print them first."""
    from ocdata.normalize import ORIGINS  # the order of preference of origins is normalize's

    order = ["_origin", "rank_source"] if "rank_source" in items else ["_origin"]
    ordered = items.assign(_origin=items["origin"].map(ORIGINS.index)).sort_values(order, kind="stable")
    return ordered.groupby(["iso3", "edition"], sort=False)["source"].agg(
        lambda s: ";".join(dict.fromkeys(s.dropna()))).to_dict()


def check_rank_changes(ranks: pd.DataFrame) -> list[dict]:
    """A printed rank change against the ranks of the two editions (its size only: the sign's
    convention differs between site versions)."""
    checks = []
    key = ["iso3", "metric", "scope"]
    table = ranks.set_index([*key, "edition"])["rank"]
    for row in ranks[ranks["printed_change"].notna()].itertuples():
        prev = previous_edition(int(row.edition))
        before = table.get((row.iso3, row.metric, row.scope, prev))
        if before is None:
            continue
        moved = abs(int(row.rank) - int(before))
        checks.append(check_row("rank_change_matches", f"{row.iso3} {row.edition} {row.metric} rank change "
                                f"({row.scope_name})", iso3=row.iso3, edition=row.edition, indicator=row.metric,
                                expected=f"|{row.rank} - {before}| = {moved}", found=str(row.printed_change),
                                ok=moved == row.printed_change, source=row.source, line=row.line))
    return checks
