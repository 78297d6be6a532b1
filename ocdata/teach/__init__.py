"""Teaching: lessons whose exercises check themselves, and the kit of student and teacher versions.

In a lesson::

    from ocdata import teach
    data = teach.load(workbook, tables)  # the lesson's data; the checks compute their answers from the same
    answer_1_2 = ...                 # the student's answer
    teach.check_1_2(answer_1_2)      # prints "Correct: ..." or "Not yet: <a hint>"

and in the exercise's graded test cell (an nbgrader autograder test, locked, worth the points the lesson states)::

    teach.assert_correct("1.2", answer_1_2)  # raises AssertionError with the same line unless it is correct

Each exercise has its check, ``check_<lesson>_<exercise>`` (``check_1_1`` ... below); ``teach.check("1.2",
answer)`` does the same by number. ``teach.write_kit(out_dir)`` writes ``student/`` and ``teacher/`` copies of
every lesson in ``notebooks/lessons`` (see :mod:`ocdata.teach.kit`); the teacher copies are nbgrader source
versions (see :mod:`ocdata.teach.grading`).
"""

from __future__ import annotations

import warnings
from typing import Any

from ocdata.teach.checks import EXERCISES, assert_correct, assess, check, lesson_data, reference_answers

# every check_<lesson>_<exercise> below is listed: help(ocdata.teach) shows only what __all__ names
__all__ = [
    "EXERCISES",
    "assert_correct",
    "assess",
    "check",
    "check_1_1",
    "check_1_2",
    "check_1_3",
    "check_2_1",
    "check_2_2",
    "check_2_3",
    "check_3_1",
    "check_3_2",
    "check_3_3",
    "check_3_4",
    "check_4_1",
    "check_4_2",
    "check_4_3",
    "check_5_1",
    "check_5_2",
    "check_5_3",
    "check_5_4",
    "check_6_1",
    "check_6_2",
    "check_6_3",
    "find_lessons",
    "load",
    "reference_answers",
    "setup",
    "write_kit",
]

load = lesson_data


def __getattr__(name: str) -> Any:
    """The kit's functions, imported on first use: a lesson's ``from ocdata import teach`` needs only the
    checks, and the kit's nbformat (with jsonschema's format checkers) takes longer to import than a lesson
    takes to run."""
    if name in ("find_lessons", "write_kit"):
        from ocdata.teach import kit

        return getattr(kit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def setup() -> None:
    """Prepare a lesson's kernel: seaborn's look, and pandas' deprecation warnings from seaborn kept out."""
    import seaborn as sns
    from pandas.errors import Pandas4Warning

    warnings.simplefilter("ignore", Pandas4Warning)
    warnings.simplefilter("ignore", FutureWarning)
    sns.set_theme(style="whitegrid", context="notebook")


def check_1_1(answer: Any) -> None:
    """Exercise 1.1: how many indicators the criminal markets pillar has in 2023."""
    check("1.1", answer)


def check_1_2(answer: Any) -> None:
    """Exercise 1.2: Kyrgyzstan's 2021 criminality, recomputed the publisher's way."""
    check("1.2", answer)


def check_1_3(answer: Any) -> None:
    """Exercise 1.3: Kazakhstan's 2021 criminality from its (back-cast) indicators."""
    check("1.3", answer)


def check_2_1(answer: Any) -> None:
    """Exercise 2.1: the competition rank of one indicator among Kyrgyzstan's 2025 markets."""
    check("2.1", answer)


def check_2_2(answer: Any) -> None:
    """Exercise 2.2: how many Asian countries scored higher criminality than Kyrgyzstan in 2025."""
    check("2.2", answer)


def check_2_3(answer: Any) -> None:
    """Exercise 2.3: the change of Kyrgyzstan's criminality score from 2021 to 2025."""
    check("2.3", answer)


def check_3_1(answer: Any) -> None:
    """Exercise 3.1: how many of Kazakhstan's 2021 scores are back-cast."""
    check("3.1", answer)


def check_3_2(answer: Any) -> None:
    """Exercise 3.2: a 2021 score back-cast by hand from the 2023 score and change."""
    check("3.2", answer)


def check_3_3(answer: Any) -> None:
    """Exercise 3.3: the indicator the 2025 Kyrgyzstan page leaves out, inferred from its pillar."""
    check("3.3", answer)


def check_3_4(answer: Any) -> None:
    """Exercise 3.4: how many checks compare one document with another."""
    check("3.4", answer)


def check_4_1(answer: Any) -> None:
    """Exercise 4.1: Kazakhstan's 2023 criminal markets over the indicators that existed in 2021."""
    check("4.1", answer)


def check_4_2(answer: Any) -> None:
    """Exercise 4.2: the mean of the markets indicators added in 2023, for Kazakhstan."""
    check("4.2", answer)


def check_4_3(answer: Any) -> None:
    """Exercise 4.3: on how many 2023 indicators Kyrgyzstan scores above Kazakhstan."""
    check("4.3", answer)


def check_5_1(answer: Any) -> None:
    """Exercise 5.1: the year-on-year growth of registered drug-related crimes in 1997, in percent."""
    check("5.1", answer)


def check_5_2(answer: Any) -> None:
    """Exercise 5.2: the compound annual growth of registered drug-related crimes from 1990 to 2000."""
    check("5.2", answer)


def check_5_3(answer: Any) -> None:
    """Exercise 5.3: the most Kazakhstan's 2006 drug-crime rate can be above the regional average (rounding)."""
    check("5.3", answer)


def check_5_4(answer: Any) -> None:
    """Exercise 5.4: the decline of the persons convicted after the peak, averaged the article's way."""
    check("5.4", answer)


def check_6_1(answer: Any) -> None:
    """Exercise 6.1: Kazakhstan's 2023 criminality with one indicator left out, the publisher's way."""
    check("6.1", answer)


def check_6_2(answer: Any) -> None:
    """Exercise 6.2: the upper end (p95) of Kyrgyzstan's 2023 criminality rank interval."""
    check("6.2", answer)


def check_6_3(answer: Any) -> None:
    """Exercise 6.3: how many countries' 90 % intervals hold Kyrgyzstan's nominal 2023 criminality rank."""
    check("6.3", answer)
