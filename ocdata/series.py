"""The article's historical series, the checks between its figures, and its growth claims."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ocdata.validate import check_row

SERIES_KEY = ["iso3", "series", "year"]
CLAIM_TOLERANCE = 0.5  # claims are printed in whole percent


def normalize_series(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One value per (iso3, series, year); a figure that restates another series is checked against it."""
    checks = []
    values = rows.drop_duplicates(SERIES_KEY).set_index(SERIES_KEY)["value"]  # repeats are checked below
    for row in rows[rows["same_as"].notna()].to_dict("records"):
        other = values.get((row["iso3"], row["same_as"], row["year"]))
        checks.append(check_row("article_figures_agree", f"{row['series']} {row['year']} = {row['same_as']}",
                                iso3=row["iso3"], expected="missing" if other is None else f"{other:g}",
                                found=f"{row['value']:g}", ok=other is not None and other == row["value"],
                                source=row["source"], line=row["line"]))
    dupes = rows[rows.duplicated(SERIES_KEY, keep=False)]
    for key, group in dupes.groupby(SERIES_KEY):
        checks.append(check_row("repeated_value_agrees", " ".join(map(str, key)), iso3=key[0],
                                expected=f"{group['value'].iloc[0]:g}",
                                found=", ".join(f"{v:g}" for v in group["value"]),
                                ok=group["value"].nunique() == 1, source=group["source"].iloc[0],
                                line=group["line"].iloc[-1]))
    series = rows.drop_duplicates(SERIES_KEY).drop(columns="same_as")
    return series.sort_values(SERIES_KEY, ignore_index=True), checks


def mean_annual_growth(values: pd.Series, start: int, end: int) -> float:
    """Mean of the year-on-year changes (percent) for the years ``start`` to ``end``; NaN for no years.

    A missing year raises ``KeyError``, a zero to grow from ``ZeroDivisionError``.
    """
    rates = [float(values[y]) / float(values[y - 1]) - 1 for y in range(start, end + 1)]
    return 100 * sum(rates) / len(rates) if rates else np.nan


def compute_claims(claims: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Each claim with the figure computed from the series and whether it holds."""
    rows = []
    for claim in claims.to_dict("records"):
        values = series[(series["iso3"] == claim["iso3"]) & (series["series"] == claim["series"])].set_index("year")[
            "value"]
        try:
            if claim["method"] == "ratio":
                versus = series[(series["iso3"] == claim["iso3"]) & (series["series"] == claim["versus"])].set_index(
                    "year")["value"]
                computed = 100 * (float(values[claim["end"]]) / float(versus[claim["end"]]) - 1)
            else:
                computed = mean_annual_growth(values, claim["start"], claim["end"])
        except (KeyError, ZeroDivisionError):  # the series cannot give the claimed figure
            computed = np.nan
        ok = bool(pd.notna(computed) and abs(computed - claim["claimed"]) <= CLAIM_TOLERANCE)
        rows.append({**claim, "computed": round(computed, 2), "unit": "percent", "tolerance": CLAIM_TOLERANCE,
                     "status": "pass" if ok else "fail"})
    return pd.DataFrame(rows)
