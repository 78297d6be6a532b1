"""The teaching kit: every self-check accepts the reference answer and rejects typical mistakes, each graded test
decides as its self-check does and is worth the points its lesson states, the solution stripper leaves no
solution or test behind, the kit refuses to replace files it did not write, and every lesson runs: the teacher
version prints Correct for each exercise, the student version runs unanswered."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import ocdata
from ocdata import teach
from ocdata.errors import InputError, ParseError
from ocdata.numbers import round_half_up
from ocdata.outputs.ledger import Ledger
from ocdata.teach import answers
from ocdata.teach.checks import EXERCISES, PERCENT_TOLERANCE, assess
from ocdata.teach.grading import MarkStudentVersion, graded_exercises, mark_for_nbgrader, stated_points
from ocdata.teach.kit import (
    GENERATOR,
    KIT_KEY,
    _refuse_foreign,
    check_outputs,
    execute_lesson,
    exercises_of,
    find_lessons,
    lessons_dir,
)
from ocdata.teach.solutions import BEGIN, END, is_test_cell, solution_lines, strip_solutions, strip_source

LESSONS = find_lessons()


@pytest.fixture(scope="module")
def data():
    return ocdata.load()


def _score(data, iso3: str, edition: int, indicator: str):
    s = data.scores
    return s[(s["iso3"] == iso3) & (s["edition"] == edition) & (s["indicator"] == indicator)].iloc[0]


# --- the checks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_check_accepts_the_reference_answer(exercise: str, data, capsys: pytest.CaptureFixture[str]) -> None:
    expected = teach.reference_answers(data)[exercise]
    getattr(teach, f"check_{exercise.replace('.', '_')}")(expected)
    line = capsys.readouterr().out
    assert line.startswith("Correct") and line.count("\n") == 1


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_check_rejects_each_typical_mistake_with_its_hint(exercise: str, data) -> None:
    expected = teach.reference_answers(data)[exercise]
    mistakes = EXERCISES[exercise].mistakes
    assert mistakes, f"exercise {exercise} names no typical mistake"
    for mistake in mistakes:
        wrong = float(mistake.value(data))
        if abs(wrong - expected) < 1e-6:  # e.g. Python's round where no half is involved
            continue
        ok, line = assess(exercise, wrong, data)
        assert ok is False and line == f"Not yet: {mistake.hint}"


@pytest.mark.parametrize(("exercise", "mistake"), [
    ("1.2", lambda d: float(__import__("numpy").round(answers.unrounded_means(d, "KGZ", 2021)["criminality"], 2))),
    ("1.3", lambda d: answers.naive_criminality(d, "KAZ", 2021)),
    ("2.1", lambda d: answers.indicator_ranks(d, "KGZ", 2025, "criminal_markets", "dense")[
        "extortion_and_protection_racketeering"]),
    ("5.2", lambda d: answers.mean_growth(d, "KAZ", "drug_related_crimes", 1991, 2000)),
    ("5.2", lambda d: answers.compound_growth(d, "KAZ", "drug_related_crimes", 1991, 2000)),
    ("5.1", lambda d: answers.growth_rates(d, "KAZ", "drug_related_crimes")[1997] / 100),
    ("5.4", lambda d: answers.compound_growth(d, "KAZ", "drug_related_crime_offenders", 2000, 2005)),
])
def test_the_mistakes_the_lessons_are_about_give_a_different_answer(exercise: str, mistake, data) -> None:
    """Rounding half to even, averaging rounded pillars, a dense rank, a simple mean of yearly rates for a
    compound rate (and the reverse), the wrong base year, a fraction for a percent: each is wrong here."""
    wrong = float(mistake(data))
    assert abs(wrong - teach.reference_answers(data)[exercise]) > 0.009
    assert assess(exercise, wrong, data)[0] is False


def test_unanswered_and_wrongly_typed_answers(capsys: pytest.CaptureFixture[str]) -> None:
    teach.check_1_2(None)
    teach.check_1_2("5.3")
    teach.check_2_1(8.5)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Not yet answered")
    assert lines[1].startswith("Not yet: expected a number, found str")
    assert lines[2].startswith("Not yet") and not lines[2].startswith("Not yet answered")


def test_a_one_element_series_counts_as_its_value(data) -> None:
    row = data.scores.query("iso3 == 'KAZ' and edition == 2023 and indicator == 'human_trafficking'")
    assert assess("3.2", row["score"] - row["change"], data)[0] is True


class _EqualToAnything:
    """A student's attempt at cheating: equal to every value, a float that subtracts to zero."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class _FloatEqualToAnything(float):
    def __eq__(self, other: object) -> bool:
        return True

    def __sub__(self, other: object) -> float:
        return 0.0

    def __rsub__(self, other: object) -> float:
        return 0.0

    __hash__ = float.__hash__


class _BrokenNumber:
    """Claims to be a number (registered as ``numbers.Real``) but cannot be converted or shown."""

    def __float__(self) -> float:
        raise ValueError("no value")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize("exercise", ["1.1", "1.2", "5.1"])
def test_an_answer_of_any_type_gets_a_line_and_no_cheat_passes(exercise: str, data) -> None:
    """Whatever a student assigns, the check prints one line (never a traceback) and the graded test raises
    AssertionError with it; an object that compares equal to anything is wrong, and a number too large for a
    float is wrong, not an error."""
    import decimal
    import numbers

    numbers.Real.register(_BrokenNumber)
    expected = teach.reference_answers(data)[exercise]
    answers = [10**400, -(10**400), float("nan"), float("inf"), _EqualToAnything(), _FloatEqualToAnything(0.0),
               _BrokenNumber(), decimal.Decimal("sNaN"), pd.DataFrame({"a": ["x"]}), pd.DataFrame({"a": [1, 2]}),
               "anything", [expected], {exercise: expected}, np.array([]), pd.NA, complex(expected, 0)]
    for answer in answers:
        ok, line = assess(exercise, answer, data)
        assert ok is False and line.startswith("Not yet: ") and "\n" not in line, (answer, line)
        with pytest.raises(AssertionError):
            teach.assert_correct(exercise, answer)
    assert assess(exercise, decimal.Decimal(repr(expected)), data)[0] is True

def test_numbers_within_the_tolerance_are_accepted_and_off_by_a_cent_are_not(data) -> None:
    expected = teach.reference_answers(data)["1.2"]
    assert assess("1.2", expected + 0.0004, data)[0] is True
    assert assess("1.2", expected + 0.01, data)[0] is False


@pytest.mark.parametrize("exercise", ["5.1", "5.2", "5.3", "5.4"])
def test_percent_answers_count_unrounded_or_to_two_decimals(exercise: str, data) -> None:
    expected = teach.reference_answers(data)[exercise]
    assert EXERCISES[exercise].tolerance == PERCENT_TOLERANCE
    for given in (expected, round_half_up(expected), float(f"{expected:.2f}")):
        assert assess(exercise, given, data)[0] is True
    for given in (expected + 0.01, expected - 0.01, round_half_up(expected) + 0.01):
        assert assess(exercise, given, data)[0] is False
    ok, line = assess(exercise, expected / 100, data)
    assert ok is False and "fraction" in line


def test_a_typical_mistake_rounded_to_two_decimals_still_gets_its_hint(data) -> None:
    simple = answers.mean_growth(data, "KAZ", "drug_related_crimes", 1991, 2000)
    ok, line = assess("5.2", round_half_up(simple), data)
    assert ok is False and "simple average of the yearly rates" in line
    late = answers.compound_growth(data, "KAZ", "drug_related_crimes", 1991, 2000)
    assert assess("5.2", round_half_up(late), data)[1].startswith("Not yet: that starts a year late")


def test_hints_do_not_state_the_answer(data) -> None:
    for key, exercise in EXERCISES.items():
        value = teach.reference_answers(data)[key]
        shown = {f"{value:g}", f"{value:.2f}"}
        texts = [exercise.hint, *(m.hint for m in exercise.mistakes)]
        for text in texts:
            for form in shown:
                assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", text), (key, text)


def test_expected_answers_agree_with_the_documents(data) -> None:
    """The answers are computed, and they agree with what the documents print or the build derived."""
    ref = teach.reference_answers(data)
    assert ref["1.2"] == _score(data, "KGZ", 2021, "criminality")["score"]
    assert ref["1.3"] == _score(data, "KAZ", 2021, "criminality")["score"]
    assert _score(data, "KAZ", 2021, "criminality")["origin"] == "computed"
    backcast = _score(data, "KAZ", 2021, "human_trafficking")
    assert backcast["origin"] == "backcast" and ref["3.2"] == pytest.approx(backcast["score"])
    inferred = _score(data, "KGZ", 2025, "mafia_style_groups")
    assert inferred["origin"] == "inferred" and ref["3.3"] == inferred["score"]
    assert round_half_up(answers.unrounded_means(data, "KGZ", 2025)["criminal_markets"]) == _score(
        data, "KGZ", 2025, "criminal_markets")["score"]


def test_growth_helpers_agree_with_the_article_claims(data) -> None:
    """Lesson 5's helpers give the figures ``claims`` computed, and the compound rate lands on the end value."""
    claims = data.claims.set_index("claim")
    for claim in ["drug_crimes_growth_to_peak", "drug_crimes_decline_after_peak", "drug_crimes_increase_2006"]:
        row = claims.loc[claim]
        assert row["method"] == "mean_annual_growth"
        mean = answers.mean_growth(data, "KAZ", row["series"], int(row["start"]), int(row["end"]))
        assert mean == pytest.approx(row["computed"], abs=0.005)
        rates = answers.growth_rates(data, "KAZ", row["series"]).loc[int(row["start"]):int(row["end"])]
        assert mean == pytest.approx(rates.mean())
    ratio = claims.loc["rate_above_regional_average"]
    above = answers.percent_above(data, "KAZ", ratio["series"], "central_asia_average_drug_related_crime_rate", 2006)
    assert ratio["method"] == "ratio" and above == pytest.approx(ratio["computed"], abs=0.005)
    crimes = answers.series_values(data, "KAZ", "drug_related_crimes")
    rate = answers.compound_growth(data, "KAZ", "drug_related_crimes", 1990, 2000)
    assert crimes[1990] * (1 + rate / 100) ** 10 == pytest.approx(crimes[2000])
    ref = teach.reference_answers(data)
    assert ref["5.2"] < answers.mean_growth(data, "KAZ", "drug_related_crimes", 1991, 2000)  # compounding
    assert ref["5.1"] < 0 and ref["5.4"] < 0
    # the claimed percent lies inside what the rounded rates allow, and the largest is above the exact ratio
    assert ratio["computed"] < ratio["claimed"] < ref["5.3"]


def test_cited_line_shows_the_figure_as_printed(data) -> None:
    row = data.series.query("series == 'drug_related_crime_offenders' and year == 1997").iloc[0]
    assert row["value"] == 10914 and "10, 914 in 1997" in answers.cited_line(data, row["source"], row["line"])


def test_every_exercise_has_a_check_and_a_lesson() -> None:
    used = [e for lesson in LESSONS for e in exercises_of(nbformat.read(lesson.path, as_version=4))]
    assert sorted(used) == sorted(EXERCISES)
    assert all(callable(getattr(teach, f"check_{e.replace('.', '_')}")) for e in EXERCISES)
    assert len(LESSONS) >= 5
    for lesson in LESSONS:
        assert len(exercises_of(nbformat.read(lesson.path, as_version=4))) >= 3, lesson.name


def test_the_lessons_are_every_numbered_notebook_of_the_folder_each_paired_with_its_text() -> None:
    """The executed-lesson tests below run every lesson the folder holds, the optional lesson 5 included."""
    import jupytext

    listed = sorted(p.stem for p in lessons_dir().glob("*.ipynb") if re.fullmatch(r"\d\d_[a-z0-9_]+", p.stem))
    assert [lesson.name for lesson in LESSONS] == listed
    assert "05_growth_claims" in listed
    for lesson in LESSONS:
        text = jupytext.read(lesson.path.with_suffix(".py"))
        nb = nbformat.read(lesson.path, as_version=4)
        assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in text.cells], (
            f"{lesson.name}.ipynb is out of date: run jupytext --to ipynb on its .py file")
        assert not any(c.get("outputs") or c.get("execution_count") for c in nb.cells)


# --- the graded tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_the_graded_test_decides_as_the_self_check_does(exercise: str, data) -> None:
    """``assert_correct`` passes the reference answer silently and fails every typical mistake, a wrong type
    and no answer with the self-check's own line."""
    teach.load()  # the checks read what ocdata.load() reads, as the fixture does
    assert teach.assert_correct(exercise, teach.reference_answers(data)[exercise]) is None
    wrong = [float(m.value(data)) for m in EXERCISES[exercise].mistakes]
    for answer in [*wrong, None, "12", teach.reference_answers(data)[exercise] + 0.5]:
        ok, line = assess(exercise, answer)
        if ok:
            continue  # a mistake that gives the right answer on this data (no half to round)
        with pytest.raises(AssertionError) as failed:
            teach.assert_correct(exercise, answer)
        assert str(failed.value) == line and line.startswith("Not yet")


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_every_exercise_has_a_graded_test_worth_the_points_its_lesson_states(lesson) -> None:
    nb = nbformat.read(lesson.path, as_version=4)
    graded = graded_exercises(nb, lesson.path.name)
    assert [g.exercise for g in graded] == exercises_of(nb)
    for g in graded:
        assert g.test_cell == g.solution_cell + 1 and g.points >= 1
        assert nb.cells[g.test_cell].source.splitlines()[-1] == (
            f'teach.assert_correct("{g.exercise}", answer_{g.exercise.replace(".", "_")})')
    total = sum(g.points for g in graded)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.findall(r"The exercises are worth (\d+) points", text) == [str(total)]


def test_no_lesson_has_an_empty_cell() -> None:
    for lesson in LESSONS:
        nb = nbformat.read(lesson.path, as_version=4)
        assert [i for i, cell in enumerate(nb.cells) if not cell.source.strip()] == [], lesson.name


def _lesson(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


_MD = nbformat.v4.new_markdown_cell
_CODE = nbformat.v4.new_code_cell
_SOLUTION = f"{BEGIN}\nanswer_1_1 = 3\n{END}\nteach.check_1_1(answer_1_1)"
_TEST = 'teach.assert_correct("1.1", answer_1_1)'


def test_mark_for_nbgrader_gives_solutions_and_tests_their_metadata() -> None:
    nb = _lesson(_MD("**Exercise 1.1** (3 points). Count."), _CODE(_SOLUTION), _CODE(f"# graded\n{_TEST}"))
    marked = mark_for_nbgrader(nb)
    assert marked.cells[1].metadata["nbgrader"] == {"grade": False, "grade_id": "answer_1_1", "locked": False,
                                                    "schema_version": 3, "solution": True, "task": False}
    assert marked.cells[2].metadata["nbgrader"] == {"grade": True, "grade_id": "check_1_1", "locked": True,
                                                    "points": 3, "schema_version": 3, "solution": False,
                                                    "task": False}
    assert "nbgrader" not in nb.cells[2].metadata  # the lesson is left as it was
    assert stated_points(nb) == {"1.1": 3}


@pytest.mark.parametrize(("cells", "found"), [
    ([_MD("**Exercise 1.1** (1 point)."), _CODE(_SOLUTION)], "found the end of the lesson"),
    ([_MD("**Exercise 1.1** (1 point)."), _CODE(_SOLUTION), _MD("text")], "found markdown cell 3"),
    ([_MD("**Exercise 1.1** (1 point)."), _CODE(_SOLUTION), _CODE('teach.assert_correct("1.2", answer_1_1)')],
     "found code cell 3"),
    ([_MD("**Exercise 1.1.**"), _CODE(_SOLUTION), _CODE(_TEST)], "points in its text"),
    ([_MD("**Exercise 1.1** (0 points)."), _CODE(_SOLUTION), _CODE(_TEST)], "at least 1 point"),
    ([_MD("**Exercise 1.1** (1 point). **Exercise 1.1** (2 points)."), _CODE(_SOLUTION), _CODE(_TEST)],
     "stated once"),
    ([_MD("**Exercise 1.1** (1 point). **Exercise 1.2** (1 point)."), _CODE(_SOLUTION), _CODE(_TEST)],
     "exercise 1.2 with no solution cell"),
    ([_MD("**Exercise 1.1** (1 point)."), _CODE(_SOLUTION), _CODE(_TEST), _CODE(_TEST)], "found one elsewhere"),
    ([_MD("**Exercise 1.1** (1 point)."), _CODE(f"{BEGIN}\nanswer_1_1 = 3\n{END}"), _CODE(_TEST)],
     "found 0"),
])
def test_a_lesson_without_its_graded_tests_is_refused(cells: list, found: str) -> None:
    with pytest.raises(ParseError, match=re.escape(found)):
        mark_for_nbgrader(_lesson(*cells), "lesson.ipynb")


def test_released_lessons_are_marked_as_student_versions() -> None:
    nb = _lesson(_CODE("x = 1"))
    nb.metadata[KIT_KEY] = {"lesson": "01_x", "version": "teacher"}
    released, _ = MarkStudentVersion().preprocess(nb, {})
    assert released.metadata[KIT_KEY] == {"lesson": "01_x", "version": "student"}
    other = _lesson(_CODE("x = 1"))
    assert MarkStudentVersion().preprocess(other, {})[0].metadata == {}


# --- the solution stripper ------------------------------------------------------------------------


def test_strip_source_leaves_the_answer_variable_as_none() -> None:
    source = f"x = 1\n{BEGIN}\nhelper = 2\nanswer_1_2 = helper * 3\n{END}\nteach.check_1_2(answer_1_2)"
    assert strip_source(source) == "x = 1\nanswer_1_2 = None  # your answer here\nteach.check_1_2(answer_1_2)"


def test_strip_source_keeps_the_indentation() -> None:
    source = f"if True:\n    {BEGIN}\n    answer_2_1: int = 5\n    {END}"
    assert strip_source(source) == "if True:\n    answer_2_1 = None  # your answer here"


@pytest.mark.parametrize(("source", "found"), [
    (f"{BEGIN}\nanswer_1_1 = 1\n", "found the end of the cell"),
    (f"{BEGIN}\nx = 1\n{END}", "found none"),
    (f"{END}\n", f"expected {BEGIN} before"),
    (f"{BEGIN}\n{BEGIN}\nanswer_1_1 = 1\n{END}", "found a second"),
])
def test_strip_source_refuses_malformed_blocks(source: str, found: str) -> None:
    with pytest.raises(ParseError, match=re.escape(found)):
        strip_source(source, "lesson.ipynb cell 3")


def test_strip_solutions_leaves_out_the_graded_tests() -> None:
    autograder = _CODE("assert total == 3", metadata={"nbgrader": {"grade": True, "solution": False}})
    nb = _lesson(_MD("**Exercise 1.1** (1 point)."), _CODE(_SOLUTION), _CODE(f"# graded\n{_TEST}"), autograder,
                 _CODE("print(1)"))
    student = strip_solutions(nb)
    assert [c.source for c in student.cells] == [
        "**Exercise 1.1** (1 point).", "answer_1_1 = None  # your answer here\nteach.check_1_1(answer_1_1)",
        "print(1)"]
    assert [is_test_cell(c) for c in nb.cells] == [False, False, True, True, False]


def test_a_solution_in_a_markdown_cell_is_refused() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"{BEGIN}\nanswer\n{END}")])
    with pytest.raises(ParseError, match="markdown cell"):
        strip_solutions(nb, "x.ipynb")


# --- the kit --------------------------------------------------------------------------------------


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells)


def test_write_kit_writes_student_and_teacher_lessons(tmp_path: Path) -> None:
    written = teach.write_kit(tmp_path, html=False)
    names = [lesson.name for lesson in LESSONS]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(
        [f"student/{n}.ipynb" for n in names] + [f"teacher/{n}.ipynb" for n in names])
    for lesson in LESSONS:
        teacher = nbformat.read(tmp_path / "teacher" / f"{lesson.name}.ipynb", as_version=4)
        student = nbformat.read(tmp_path / "student" / f"{lesson.name}.ipynb", as_version=4)
        assert teacher.metadata[KIT_KEY]["version"] == "teacher" and BEGIN in _text(teacher)
        graded = [cell for cell in teacher.cells if BEGIN in cell.source]
        assert graded and all(cell.metadata["nbgrader"]["solution"] is True for cell in graded)
        tests = [cell for cell in teacher.cells if "teach.assert_correct(" in cell.source]
        assert len(tests) == len(graded) == len(exercises_of(teacher))
        points = stated_points(teacher)
        for cell in tests:
            grader = cell.metadata["nbgrader"]
            exercise = grader["grade_id"].removeprefix("check_").replace("_", ".")
            assert grader["grade"] is True and grader["locked"] is True and grader["solution"] is False
            assert grader["points"] == points[exercise] and f'"{exercise}"' in cell.source
        ids = [cell.metadata["nbgrader"]["grade_id"] for cell in [*graded, *tests]]
        assert len(set(ids)) == len(ids)
        assert student.metadata[KIT_KEY] == {"lesson": lesson.name, "version": "student"}
        text = _text(student)
        assert BEGIN not in text and END not in text and "assert_correct" not in text
        assert all(cell.source.strip() for cell in [*student.cells, *teacher.cells])
        for line in solution_lines(teacher):
            if len(line.strip()) > 12:
                assert line not in text, (lesson.name, line)
        for exercise in exercises_of(teacher):
            assert f"answer_{exercise.replace('.', '_')} = None  # your answer here" in text
        assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


def test_write_kit_refuses_a_file_it_did_not_write_and_writes_nothing(tmp_path: Path) -> None:
    foreign = tmp_path / "teacher" / f"{LESSONS[-1].name}.ipynb"
    foreign.parent.mkdir()
    foreign.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(foreign))):
        teach.write_kit(tmp_path, html=False)
    assert foreign.read_text(encoding="utf-8") == "my own notes\n"
    assert not (tmp_path / "student").exists()


def test_write_kit_refuses_a_lesson_without_its_graded_tests_and_writes_nothing(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    nb = nbformat.read(LESSONS[0].path, as_version=4)
    nb.cells = [cell for cell in nb.cells if 'teach.assert_correct("1.2"' not in cell.source]
    nbformat.write(nb, lessons / LESSONS[0].path.name)
    with pytest.raises(ParseError, match=re.escape('expected the test cell teach.assert_correct("1.2", answer_1_2)')):
        teach.write_kit(tmp_path / "kit", lessons_folder=lessons, html=False)
    assert not (tmp_path / "kit").exists()


def test_write_kit_rewrites_its_own_files(tmp_path: Path) -> None:
    first = teach.write_kit(tmp_path, html=False)
    before = {p: p.read_bytes() for p in first}
    student = tmp_path / "student" / f"{LESSONS[0].name}.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells[0].source += "\nan older version"
    older = (nbformat.writes(nb) + "\n").encode("utf-8")
    ledger = Ledger.read(tmp_path)
    ledger.record({student: older})  # a kit written from an older version of the lesson, as recorded then
    ledger.commit()
    student.write_bytes(older)
    second = teach.write_kit(tmp_path, html=False)
    assert first == second and {p: p.read_bytes() for p in second} == before


def test_write_kit_never_replaces_a_notebook_the_user_edited(tmp_path: Path) -> None:
    """An edited student notebook keeps the kit's metadata: it is the user's all the same."""
    teach.write_kit(tmp_path, html=False)
    student = tmp_path / "student" / f"{LESSONS[0].name}.ipynb"
    nb = nbformat.read(student, as_version=4)
    assert KIT_KEY in nb.metadata
    nb.cells.append(nbformat.v4.new_code_cell("my_own_work = 42"))
    nbformat.write(nb, student)
    edited = student.read_bytes()
    with pytest.raises(InputError, match=re.escape(str(student)) + ".*found it changed since"):
        teach.write_kit(tmp_path, html=False)
    assert student.read_bytes() == edited


# --- the lessons, executed ------------------------------------------------------------------------


def _stderr(nb: nbformat.NotebookNode) -> list[str]:
    return [out.get("text", "") for cell in nb.cells for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" and out.get("name") == "stderr"]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_teacher_lesson_prints_correct_for_every_exercise(lesson) -> None:
    nb = nbformat.read(lesson.path, as_version=4)
    executed = execute_lesson(nb, lesson.name)
    printed = check_outputs(executed)
    assert sorted(printed) == sorted(exercises_of(nb))
    for exercise, lines in printed.items():
        assert len(lines) == 1 and lines[0].startswith("Correct"), (exercise, lines)
    assert _stderr(executed) == []  # no warnings in the output


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_student_lesson_runs_to_the_end_unanswered(lesson) -> None:
    student = strip_solutions(nbformat.read(lesson.path, as_version=4))
    executed = execute_lesson(student, lesson.name)
    printed = check_outputs(executed)
    assert sorted(printed) == sorted(exercises_of(student))
    for exercise, lines in printed.items():
        assert lines == [lines[0]] and lines[0].startswith("Not yet answered"), (exercise, lines)
    everything = "\n".join(out.get("text", "") for cell in executed.cells for out in cell.get("outputs", []))
    assert "Correct" not in everything
    assert all(out.get("output_type") != "error" for cell in executed.cells for out in cell.get("outputs", []))


@pytest.mark.slow
def test_teacher_html_is_offline_and_shows_the_answers(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(LESSONS[0].path, lessons / LESSONS[0].path.name)
    teach.write_kit(tmp_path / "kit", lessons_folder=lessons)
    html = (tmp_path / "kit" / "teacher" / f"{LESSONS[0].name}.html").read_text(encoding="utf-8")
    assert GENERATOR in html and "<script" not in html and "Content-Security-Policy" in html
    assert BEGIN in html
    for exercise in exercises_of(nbformat.read(LESSONS[0].path, as_version=4)):
        assert f"Correct: exercise {exercise}." in html
    assert 'src="http' not in html and "data:image/png;base64," in html
    # the kit replaces its own HTML while it is as the kit wrote it (its record), and refuses an edited one
    page = tmp_path / "kit" / "teacher" / f"{LESSONS[0].name}.html"
    ledger = Ledger.read(tmp_path / "kit")
    _refuse_foreign(page, html.replace("Lesson 1", "Lesson one"), ledger)
    page.write_text(html.replace("Lesson 1", "Lesson one"), encoding="utf-8")  # kept the generator tag
    with pytest.raises(InputError, match=re.escape(str(page)) + ".*found it changed since"):
        _refuse_foreign(page, html, ledger)
