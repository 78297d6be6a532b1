"""Self-checks for the lessons' exercises: each compares an answer with the one computed from the data.

``assess(exercise, answer)`` returns whether the answer is right and the one line of feedback;
``check(exercise, answer)`` prints that line, and ``assert_correct(exercise, answer)`` (a lesson's graded test cell)
raises ``AssertionError`` with it unless the answer is right. The line starts with ``Correct`` or ``Not yet``. A wrong
answer that matches a typical mistake gets a hint about that mistake; no hint states the answer.
"""

from __future__ import annotations

import decimal
import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ocdata.codebook import indicators_of
from ocdata.numbers import round_half_up
from ocdata.teach import answers as a

TOLERANCE = 0.001
"""How far a number may be from the expected one and still count: answers are rounded to 2 decimals, so
this accepts the float noise of a correct computation and rejects a value that is off by 0.01."""
PERCENT_TOLERANCE = 0.005 + 1e-9
"""For growth rates in percent: accepts the unrounded rate and the rate rounded to 2 decimals (either way)."""
SAME = 1e-6
"""How close a wrong answer must be to a typical mistake for that mistake's hint to be given (at least; an
exercise with a wider tolerance gives the hint to a wrong answer within that tolerance of the mistake)."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer (computed from the data) and the hint it earns."""

    value: Callable[[Any], Any]
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: how its answer is computed, what kind of value it is, and the hints."""

    id: str
    expected: Callable[[Any], Any]
    hint: str
    kind: str = "number"  # "number" (within ``tolerance``) or "integer" (exactly)
    mistakes: tuple[Mistake, ...] = field(default_factory=tuple)
    tolerance: float = TOLERANCE


_SOURCE = {"workbook": "", "tables": ""}
"""Where the lesson running in this kernel read its data (:func:`lesson_data`): the checks read the same."""


def lesson_data(workbook: str = "", tables: str = ""):
    """A lesson's dataset: the tables folder ``tables`` (what ``ocdata report`` passes, the build its command
    checked), else the workbook ``workbook``, else ``ocdata.load()`` (the bundled documents and the newest
    downloaded workbook: a student's plain run). From then on the checks compute their answers from the same."""
    data = _read(workbook or "", tables or "")
    _SOURCE.update(workbook=workbook or "", tables=tables or "")
    return data


def _read(workbook: str, tables: str):
    if workbook or tables:
        from ocdata.views.params import load_dataset

        return load_dataset(workbook, tables)
    import ocdata

    return ocdata.load()


def _load():
    """The data of the lesson (:func:`lesson_data`), read afresh: a lesson's changes to its tables never
    change an expected answer."""
    return _read(**_SOURCE)


def _ki(data):
    return a.unrounded_means(data, "KGZ", 2021)


def _kaz21(data):
    return a.unrounded_means(data, "KAZ", 2021)


def _rank_ep(method: str, ascending: bool = False) -> Callable[[Any], float]:
    return lambda data: float(a.indicator_ranks(data, "KGZ", 2025, "criminal_markets", method, ascending=ascending)[
        "extortion_and_protection_racketeering"])


def _ht(data, column: str) -> float:
    rows = data.scores
    row = rows[(rows["iso3"] == "KAZ") & (rows["edition"] == 2023) & (rows["indicator"] == "human_trafficking")]
    return float(row[column].item())


def _criminality_change(data) -> float:
    return a.score_of(data, "KGZ", 2025, "criminality") - a.score_of(data, "KGZ", 2021, "criminality")


def _rank_change(data) -> int:
    return a.printed_rank(data, "KGZ", 2025, "criminality", "world")[0] - a.printed_rank(
        data, "KGZ", 2021, "criminality", "world")[0]


def _mafia_others_mean(data) -> float:
    rows = a.indicator_rows(data, "KGZ", 2025, "criminal_actors")
    return float(rows.loc[rows["indicator"] != "mafia_style_groups", "score"].mean())


def _mafia_with_four(data) -> float:
    rows = a.indicator_rows(data, "KGZ", 2025, "criminal_actors")
    others = rows.loc[rows["indicator"] != "mafia_style_groups", "score"].sum()
    return 4 * a.score_of(data, "KGZ", 2025, "criminal_actors") - float(others)


def _count_checks(data, check: str | None = None) -> int:
    checks = data.checks
    return int(len(checks) if check is None else (checks["check"] == check).sum())


def _backcast(data, iso3: str, edition: int, origin: str | None = "backcast") -> int:
    s = data.scores
    rows = s[(s["iso3"] == iso3) & (s["edition"] == edition)]
    return int(len(rows) if origin is None else (rows["origin"] == origin).sum())


def _kaz_like(data) -> float:
    return a.like_for_like_mean(data, "KAZ", 2023, "criminal_markets", since=2021)


CRIMES = "drug_related_crimes"
OFFENDERS = "drug_related_crime_offenders"
RATE = "drug_related_crime_rate"
REGIONAL_RATE = "central_asia_average_drug_related_crime_rate"


def _count(data, year: int, series: str = CRIMES) -> float:
    return float(a.series_values(data, "KAZ", series)[year])


def _yoy(data, year: int, series: str = CRIMES) -> float:
    return float(a.growth_rates(data, "KAZ", series)[year])


def _cagr(start: int, end: int, steps: int | None = None, series: str = CRIMES) -> Callable[[Any], float]:
    return lambda data: a.compound_growth(data, "KAZ", series, start, end, steps=steps)


def _mean_growth(first: int, last: int, series: str = CRIMES) -> Callable[[Any], float]:
    return lambda data: a.mean_growth(data, "KAZ", series, first, last)


HALF_UNIT = 0.5
"""The article prints the two rates of exercise 5.3 as whole numbers: each may be off by half a unit."""


def _rate(data, series: str = RATE, shift: float = 0.0) -> float:
    return _count(data, 2006, series) + shift


def _above(data) -> float:
    return a.percent_above(data, "KAZ", RATE, REGIONAL_RATE, 2006)


def _above_bound(kaz_shift: float, regional_shift: float) -> Callable[[Any], float]:
    return lambda data: 100 * (_rate(data, RATE, kaz_shift) / _rate(data, REGIONAL_RATE, regional_shift) - 1)


_largest_above = _above_bound(HALF_UNIT, -HALF_UNIT)

LEFT_OUT = "non_renewable_resource_crimes"
"""The indicator exercise 6.1 leaves out of Kazakhstan's 2023 criminality: its unrounded value ends in a
half (x.xx5), so the rounding rule decides the answer."""


def _without(data) -> pd.Series:
    return a.means_without(data, "KAZ", 2023, LEFT_OUT)


def _interval(field: str) -> Callable[[Any], int]:
    return lambda data: int(a.rank_interval(data, "KGZ", 2023)[field])


EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in [
        # lesson 1: what a composite index is
        Exercise(
            "1.1", lambda d: len(indicators_of(2023, "criminal_markets")), kind="integer",
            hint="count the indicators whose pillar is criminal markets in the codebook, for the 2023 edition.",
            mistakes=(
                Mistake(lambda d: len(indicators_of(2021, "criminal_markets")),
                        "that is the size of the 2021 set; the criminal markets pillar grew in 2023."),
                Mistake(lambda d: len(indicators_of(2023, "criminal_markets"))
                        + len(indicators_of(2023, "criminal_actors")),
                        "that counts the criminal actors too; keep only the markets."),
            ),
        ),
        Exercise(
            "1.2", lambda d: round_half_up(_ki(d)["criminality"]),
            hint="average the markets and actors indicators pillar by pillar, then the two unrounded pillar means.",
            mistakes=(
                Mistake(lambda d: float(np.round(_ki(d)["criminality"], 2)),
                        "that is rounding half to even (numpy and pandas' round); the publisher rounds halves up."),
                Mistake(lambda d: round(float(_ki(d)["criminality"]), 2),
                        "that is Python's round, which does not round halves up; use ocdata.numbers.round_half_up."),
                Mistake(lambda d: float(_ki(d)["criminality"]),
                        "that is the exact mean; the index publishes it rounded to 2 decimals."),
            ),
        ),
        Exercise(
            "1.3", lambda d: round_half_up(_kaz21(d)["criminality"]),
            hint="criminality is the mean of the two criminality pillars, each an average of its indicators.",
            mistakes=(
                Mistake(lambda d: a.naive_criminality(d, "KAZ", 2021),
                        "that averages the rounded pillar scores; take the mean of the unrounded pillar means."),
                Mistake(lambda d: float(_kaz21(d)["criminality"]),
                        "that is the exact mean; round it to 2 decimals the publisher's way."),
                Mistake(lambda d: float(np.round(_kaz21(d)["criminality"], 2)),
                        "that is rounding half to even; use ocdata.numbers.round_half_up."),
            ),
        ),
        # lesson 2: ranks, ties and scopes
        Exercise(
            "2.1", _rank_ep("min"), kind="integer",
            hint="rank 1 is the highest score, and tied indicators share the best rank of their group.",
            mistakes=(
                Mistake(_rank_ep("dense"), "that is a dense rank: after a tie the index skips ranks, "
                        "so a rank counts every indicator scored strictly higher, plus one."),
                Mistake(_rank_ep("average"), "that is the average rank of the tie; the index gives ties the best "
                        "rank (method='min')."),
                Mistake(_rank_ep("min", ascending=True),
                        "that ranks from the lowest score; rank 1 is the highest (ascending=False)."),
            ),
        ),
        Exercise(
            "2.2", lambda d: a.printed_rank(d, "KGZ", 2025, "criminality", "continent")[0] - 1, kind="integer",
            hint="under competition ranking, rank r means a fixed number of countries scored strictly higher.",
            mistakes=(
                Mistake(lambda d: a.printed_rank(d, "KGZ", 2025, "criminality", "continent")[0],
                        "that is the rank itself, which counts the country too."),
                Mistake(lambda d: (lambda r, t: t - r)(*a.printed_rank(d, "KGZ", 2025, "criminality", "continent")),
                        "that counts the countries ranked below, not above."),
            ),
        ),
        Exercise(
            "2.3", _criminality_change,
            hint="take the two published criminality scores from the scores table; later minus earlier.",
            mistakes=(
                Mistake(_rank_change, "that is the change in rank; the question asks about the score."),
                Mistake(lambda d: -_rank_change(d), "that is a change in rank; the question asks about the score."),
                Mistake(lambda d: -_criminality_change(d), "check the direction: the later score minus the earlier."),
            ),
        ),
        # lesson 3: provenance
        Exercise(
            "3.1", lambda d: _backcast(d, "KAZ", 2021), kind="integer",
            hint="filter the scores to Kazakhstan 2021 and count the rows by origin.",
            mistakes=(
                Mistake(lambda d: _backcast(d, "KAZ", 2021, None),
                        "that counts every score of the edition; some of them were computed, not back-cast."),
            ),
        ),
        Exercise(
            "3.2", lambda d: _ht(d, "score") - _ht(d, "change"),
            hint="a printed change is the later score minus the earlier one: solve it for the earlier score.",
            mistakes=(
                Mistake(lambda d: _ht(d, "score") + _ht(d, "change"), "check the sign: earlier = later - change."),
                Mistake(lambda d: _ht(d, "score"), "that is the 2023 score itself; apply the printed change."),
            ),
        ),
        Exercise(
            "3.3", lambda d: a.infer_indicator(d, "KGZ", 2025, "mafia_style_groups"),
            hint="a pillar mean times its number of indicators is their sum; the missing one is what is left.",
            mistakes=(
                Mistake(_mafia_others_mean, "that is the mean of the other indicators; solve the pillar mean for "
                        "the missing one instead."),
                Mistake(_mafia_with_four, "the 2025 criminal actors pillar has one indicator more than in 2021."),
            ),
        ),
        Exercise(
            "3.4", lambda d: _count_checks(d, "sources_agree"), kind="integer",
            hint="the checks table names each kind of check in its column 'check'.",
            mistakes=(
                Mistake(lambda d: _count_checks(d), "that counts every check; keep the ones that compare documents."),
            ),
        ),
        # lesson 4: comparing editions and regions
        Exercise(
            "4.1", lambda d: round_half_up(_kaz_like(d)),
            hint="keep the markets indicators that existed in 2021 (the codebook's editions column) and average.",
            mistakes=(
                Mistake(lambda d: a.score_of(d, "KAZ", 2023, "criminal_markets"),
                        "that is the published pillar, which includes the indicators added in 2023."),
                Mistake(lambda d: a.score_of(d, "KAZ", 2021, "criminal_markets"),
                        "that is the 2021 score; the question asks about the 2023 indicators."),
            ),
        ),
        Exercise(
            "4.2", lambda d: round_half_up(a.mean_of_new(d, "KAZ", 2023, "criminal_markets", since=2021)),
            hint="keep the markets indicators that do not exist in 2021, average them and round half up.",
            mistakes=(
                Mistake(lambda d: a.score_of(d, "KAZ", 2023, "criminal_markets"),
                        "that is the whole pillar; keep only the new indicators."),
            ),
        ),
        Exercise(
            "4.3", lambda d: a.indicators_higher(d, "KGZ", "KAZ", 2023), kind="integer",
            hint="line the two countries' 2023 indicators up by name and count where the first is higher.",
            mistakes=(
                Mistake(lambda d: a.indicators_higher(d, "KGZ", "KAZ", 2023, or_equal=True),
                        "that counts ties as higher; equal scores are not higher."),
                Mistake(lambda d: a.indicators_higher(d, "KAZ", "KGZ", 2023),
                        "that counts where Kazakhstan is higher; the question asks about Kyrgyzstan."),
            ),
        ),
        # lesson 5: historical series and a text's growth claims
        Exercise(
            "5.1", lambda d: _yoy(d, 1997), tolerance=PERCENT_TOLERANCE,
            hint="divide the later year's count by the earlier year's, subtract one, and express it in percent.",
            mistakes=(
                Mistake(lambda d: _yoy(d, 1997, OFFENDERS),
                        "that is the series of persons convicted; the question asks about registered crimes."),
                Mistake(lambda d: -_yoy(d, 1997), "check the sign: a fall is a negative growth rate."),
                Mistake(lambda d: 100 * (1 - _count(d, 1996) / _count(d, 1997)),
                        "that measures the change against the later year; growth is measured from the earlier year."),
                Mistake(lambda d: 100 * _count(d, 1997) / _count(d, 1996),
                        "that is the ratio of the two years in percent; growth is the ratio minus one."),
                Mistake(lambda d: _count(d, 1997) - _count(d, 1996),
                        "that is the change in the number of crimes; express it relative to the earlier year."),
                Mistake(lambda d: _yoy(d, 1997) / 100, "that is a fraction; give the growth in percent."),
                Mistake(lambda d: 100 * (_count(d, 1997) / _count(d, 1995) - 1),
                        "that compares with the wrong year: year-on-year compares with the year just before."),
            ),
        ),
        Exercise(
            "5.2", _cagr(1990, 2000), tolerance=PERCENT_TOLERANCE,
            hint="find the one constant yearly rate that, applied once a year, turns the first count into the last.",
            mistakes=(
                Mistake(_mean_growth(1991, 2000), "that is the simple average of the yearly rates; a compound rate is "
                        "the constant rate that turns the first count into the last."),
                Mistake(_cagr(1991, 2000), "that starts a year late: the period begins with the 1990 count."),
                Mistake(_cagr(1990, 2000, steps=11), "count the yearly steps between the two counts: the root is one "
                        "over the number of steps, not the number of years listed."),
                Mistake(lambda d: 100 * (_count(d, 2000) / _count(d, 1990) - 1),
                        "that is the growth over the whole period; the question asks for a yearly rate."),
                Mistake(lambda d: 100 * (_count(d, 2000) / _count(d, 1990) - 1) / (2000 - 1990),
                        "that spreads the total growth evenly over the years; growth compounds, so take a root."),
                Mistake(lambda d: _cagr(1990, 2000)(d) / 100, "that is a fraction; give the rate in percent."),
            ),
        ),
        Exercise(
            "5.3", _largest_above, tolerance=PERCENT_TOLERANCE,
            hint="'more than the average' is relative to the average; push each printed rate to the end of its "
                 "rounding that widens the gap.",
            mistakes=(
                Mistake(_above, "that treats the printed rates as exact; each is rounded to a whole number."),
                Mistake(_above_bound(HALF_UNIT, HALF_UNIT), "to make the gap as large as possible, take the "
                        "average at the low end of its rounding."),
                Mistake(_above_bound(-HALF_UNIT, -HALF_UNIT), "to make the gap as large as possible, take "
                        "Kazakhstan's rate at the high end of its rounding."),
                Mistake(_above_bound(-HALF_UNIT, HALF_UNIT),
                        "that is the smallest gap the printed rates allow; the question asks for the largest."),
                Mistake(lambda d: _largest_above(d) + 100,
                        "that is the ratio in percent; 'more than' is the ratio minus one."),
                Mistake(lambda d: _largest_above(d) / 100, "that is a fraction; give the answer in percent."),
                Mistake(lambda d: 100 * (1 - _rate(d, REGIONAL_RATE, -HALF_UNIT) / _rate(d, RATE, HALF_UNIT)),
                        "that measures the gap against Kazakhstan's rate; 'more than the regional average' is "
                        "measured against the average."),
            ),
        ),
        Exercise(
            "5.4", _mean_growth(2001, 2005, OFFENDERS), tolerance=PERCENT_TOLERANCE,
            hint="average the year-on-year rates of the persons convicted over the years 2001 to 2005, the way "
                 "the claim's method does.",
            mistakes=(
                Mistake(_mean_growth(2001, 2005), "that is the series of registered crimes, which the claim is "
                        "about; the question asks about the persons convicted."),
                Mistake(_cagr(2000, 2005, series=OFFENDERS), "that is the compound rate; the article averages the "
                        "yearly rates (see the claim's method in data.claims)."),
                Mistake(lambda d: -_mean_growth(2001, 2005, OFFENDERS)(d), "a decline is a negative growth rate."),
                Mistake(_mean_growth(2002, 2005, OFFENDERS), "that leaves out the first fall: the rate of 2001 "
                        "compares it with the peak year before it."),
                Mistake(_mean_growth(2001, 2006, OFFENDERS), "that runs past 2005, where the claimed decline ends."),
                Mistake(lambda d: _mean_growth(2001, 2005, OFFENDERS)(d) / 100,
                        "that is a fraction; give the rate in percent."),
            ),
        ),
        # lesson 6: how sure is a rank
        Exercise(
            "6.1", lambda d: round_half_up(_without(d)["criminality"]),
            hint="drop the indicator from its pillar, average each pillar over what is left, take the mean of the "
                 "two unrounded pillar means and round it half up to 2 decimals.",
            mistakes=(
                Mistake(lambda d: round_half_up(a.unrounded_means(d, "KAZ", 2023)["criminality"]),
                        "that is the published criminality: leave the indicator out of its pillar first."),
                Mistake(lambda d: float(np.round(_without(d)["criminality"], 2)),
                        "that rounds the half to even (numpy, pandas and Python's round do); the publisher rounds "
                        "halves up (ocdata.numbers.round_half_up)."),
                Mistake(lambda d: round_half_up(sum(round_half_up(_without(d)[p]) for p in ("criminal_markets",
                                                                                          "criminal_actors")) / 2),
                        "that averages the rounded pillars; take the mean of the unrounded pillar means."),
                Mistake(lambda d: round_half_up(a.indicator_rows(d, "KAZ", 2023).query(
                    "pillar != 'resilience' and indicator != @LEFT_OUT")["score"].mean()),
                        "that averages all the indicators at once; criminality is the mean of its two pillars, "
                        "each the mean of its own indicators."),
                Mistake(lambda d: float(_without(d)["criminality"]),
                        "that is the exact mean; the index publishes it rounded to 2 decimals."),
            ),
        ),
        Exercise(
            "6.2", _interval("p95"), kind="integer",
            hint="find Kyrgyzstan's row of the table rank_intervals returns and read the upper end of its interval.",
            mistakes=(
                Mistake(_interval("p05"), "that is the lower end of the interval (the best ranks it takes); the "
                        "question asks for the upper end."),
                Mistake(_interval("rank"), "that is the nominal rank, from the published scores; the question asks "
                        "for the upper end of the interval around it."),
                Mistake(_interval("max_rank"), "that is the worst rank with one indicator left out "
                        "(leave_one_out); the question asks about rank_intervals."),
            ),
        ),
        Exercise(
            "6.3", lambda d: a.intervals_containing(d, "KGZ", 2023), kind="integer",
            hint="for every country, test whether Kyrgyzstan's nominal rank lies between the two ends of that "
                 "country's interval (both ends included), and count.",
            mistakes=(
                Mistake(lambda d: a.sharing_rank(d, "KGZ", 2023), "that counts the countries tied at the nominal "
                        "rank; the question asks whose intervals reach it."),
                Mistake(lambda d: a.intervals_containing(d, "KGZ", 2023) - 1,
                        "count Kyrgyzstan too (its own interval holds its rank), and include both ends of each "
                        "interval."),
                Mistake(lambda d: a.ranks_inside(d, "KGZ", 2023), "that counts the nominal ranks inside "
                        "Kyrgyzstan's interval; the question asks whose intervals hold Kyrgyzstan's rank."),
            ),
        ),
    ]
}
"""Every exercise of the lessons by id (``"1.2"``), with its check and hint."""


def _scalar(answer: Any) -> Any:
    """A one-element Series, array or DataFrame as its element; anything else as it is."""
    if isinstance(answer, pd.DataFrame | pd.Series | np.ndarray) and answer.size == 1:
        return answer.to_numpy().ravel()[0] if not isinstance(answer, np.ndarray) else answer.ravel()[0]
    return answer


def _number(answer: Any) -> float | None:
    """An answer as a float, or ``None`` for anything that is no number (NaN included).

    A whole number too large for a float is infinite (wrong, not an error); an object that claims to be a number
    but cannot be converted (its ``__float__`` raises) is no number: a check never raises on what a student
    assigned.
    """
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real | decimal.Decimal):
        return None
    try:
        value = float(answer)
    except OverflowError:
        return math.inf if answer > 0 else -math.inf
    except Exception:  # a student's object whose conversion fails is no number
        return None
    return None if math.isnan(value) else value


def _describe(answer: Any) -> str:
    """An answer's type and the start of its repr on one line, for the line of feedback (even when its repr
    raises)."""
    try:
        shown = " ".join(repr(answer).split())[:40]
    except Exception:  # a student's object whose repr fails
        shown = "(no repr)"
    return f"{type(answer).__name__} {shown}"


def _matches(exercise: Exercise, value: float, target: float, tolerance: float) -> bool:
    if exercise.kind == "integer":
        return float(value).is_integer() and abs(value - target) < SAME
    return abs(value - target) <= tolerance


def assess(exercise_id: str, answer: Any, data=None) -> tuple[bool | None, str]:
    """Whether ``answer`` is right (``None`` when unanswered) and the line of feedback to print."""
    exercise = EXERCISES[exercise_id]
    if answer is None:
        return None, f"Not yet answered: set the answer variable of exercise {exercise_id} and run the cell again."
    try:
        value = _number(_scalar(answer))
    except Exception:  # a student's object whose size or array fails is no number
        value = None
    if value is None:
        kind = "a whole number" if exercise.kind == "integer" else "a number"
        return False, f"Not yet: expected {kind}, found {_describe(answer)}."
    data = _load() if data is None else data
    expected = float(exercise.expected(data))
    if _matches(exercise, value, expected, exercise.tolerance):
        return True, f"Correct: exercise {exercise_id}."
    near = max(SAME, exercise.tolerance) if exercise.kind == "number" else SAME
    for mistake in exercise.mistakes:
        wrong = float(mistake.value(data))
        if not _matches(exercise, wrong, expected, exercise.tolerance) and abs(value - wrong) <= near:
            return False, f"Not yet: {mistake.hint}"
    return False, f"Not yet: {exercise.hint}"


def check(exercise_id: str, answer: Any) -> None:
    """Print one line of feedback on ``answer`` to exercise ``exercise_id``.

    One write of the line and its newline: a kernel may send ``print``'s two writes as two outputs.
    """
    sys.stdout.write(assess(exercise_id, answer)[1] + "\n")


def assert_correct(exercise_id: str, answer: Any) -> None:
    """Raise ``AssertionError`` with the check's line of feedback unless ``answer`` to ``exercise_id`` is right.

    A lesson's graded test cell (nbgrader's autograder test) calls this: it decides with :func:`assess`, as the
    self-check does, so a grade and the self-check never disagree. Nothing is printed when the answer is right.
    """
    __tracebackhide__ = True  # pytest and IPython's debugger show the caller's frame, not this one
    right, line = assess(exercise_id, answer)
    if right is not True:
        raise AssertionError(line)


def reference_answers(data=None) -> dict[str, float]:
    """Every exercise's expected answer, computed from the data (for teachers and tests)."""
    data = _load() if data is None else data
    return {key: float(exercise.expected(data)) for key, exercise in EXERCISES.items()}
