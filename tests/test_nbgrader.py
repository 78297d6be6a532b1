"""Real nbgrader grades the lessons: the steps of ``docs/teaching.md`` run as written, in an empty folder (the kit,
a course folder, every lesson released, a trial submission validated, autograded, its feedback and the grades
exported); every released lesson is a student version whose graded tests are locked and worth the points the
lesson states; submissions with right, wrong and missing answers score what those points say; and
``nbgrader validate`` fails an unanswered notebook and passes an answered one."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

from ocdata import teach
from ocdata.paths import PROJECT_DIR
from ocdata.teach.grading import stated_points
from ocdata.teach.kit import KIT_KEY, exercises_of, find_lessons
from ocdata.teach.solutions import BEGIN, END, TEST_CALL, solution_blocks, solution_lines

PAGE = PROJECT_DIR / "docs" / "teaching.md"
LESSONS = find_lessons()
FIRST = LESSONS[0].name
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
"""What ``nbgrader generate_assignment`` leaves of a solution (its default ``ClearSolutions.code_stub``)."""
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<text>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def page_blocks(*langs: str) -> list[str]:
    """The fenced blocks of the teaching page in these languages, in order."""
    return [m["text"] for m in FENCE.finditer(PAGE.read_text(encoding="utf-8")) if m["lang"] in langs]


def _env(home: Path) -> dict[str, str]:
    """This environment's tools first on ``PATH`` (``ocdata``, ``nbgrader``), a home of its own (no teacher's
    ``~/.jupyter/nbgrader_config.py``), and the user folders the suite isolates (see conftest)."""
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_CONFIG_DIR", "PYTHONPATH")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", HOME=str(home),
               MPLBACKEND="Agg")
    return env


def _nbgrader(course: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}: exit {done.returncode}\n{done.stderr[-4000:]}"
    return done


def _grades(text: str, assignment: str = FIRST) -> dict[str, dict[str, str]]:
    """The rows of an exported grades file for one assignment, by student."""
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["assignment"] == assignment]
    assert len({row["student_id"] for row in rows}) == len(rows)
    return {row["student_id"]: row for row in rows}


@dataclass(frozen=True)
class Course:
    """The folder the page's steps ran in, what they printed, and the grades they exported."""

    folder: Path
    env: dict[str, str]
    stdout: str
    grades: str


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The page's shell blocks, run as one script in an empty folder, stopping at the first failing command."""
    root = tmp_path_factory.mktemp("teacher")
    env = _env(tmp_path_factory.mktemp("home"))
    script = "set -euo pipefail\n" + "\n".join(page_blocks("sh", "bash"))
    done = subprocess.run(["bash", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"the steps of {PAGE.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-4000:]}"
    folder = root / "course"
    return Course(folder, env, done.stdout, (folder / "grades.csv").read_text(encoding="utf-8"))


# --- the page and the lock, without running anything ----------------------------------------------


def test_nbgrader_is_pinned_in_the_lock_as_installed() -> None:
    lock = (PROJECT_DIR / "requirements.lock").read_text(encoding="utf-8")
    assert re.findall(r"^nbgrader==([\w.]+)", lock, re.MULTILINE) == [version("nbgrader")]


def test_the_page_states_the_points_the_lessons_state() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for lesson in LESSONS:
        points = stated_points(nbformat.read(lesson.path, as_version=4))
        row = re.search(rf"^\| `{lesson.name}`.*\| (\d+) \|$", text, re.MULTILINE)
        assert row and int(row[1]) == sum(points.values()), lesson.name
    first = stated_points(nbformat.read(LESSONS[0].path, as_version=4))
    assert f"Lesson 1 is worth {sum(first.values())} points: {first['1.1']} for exercise 1.1, " \
           f"{first['1.2']} each for 1.2 and 1.3" in text and first["1.2"] == first["1.3"]
    assert f"scores {first['1.1'] + first['1.2']}.0 of {sum(first.values())}.0" in text
    steps = "\n".join(page_blocks("sh"))
    for command in ("ocdata teach --out kit", "nbgrader generate_assignment", "nbgrader validate",
                    "nbgrader autograde", "nbgrader generate_feedback", "nbgrader export"):
        assert command in steps, command


# --- the page's steps, run ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_pages_steps_release_validate_grade_and_export(course: Course) -> None:
    lessons = [lesson.name for lesson in LESSONS]
    assert sorted(p.name for p in (course.folder / "release").iterdir()) == lessons
    assert "VALIDATION FAILED ON 3 CELL(S)!" in course.stdout  # the unanswered trial, as the page says
    assert course.stdout.count("The following cell failed:") == 3
    shown = page_blocks("text")
    assert len(shown) == 1 and course.grades.splitlines() == shown[0].splitlines()
    for lesson in LESSONS:
        trial = _grades(course.grades, lesson.name)["trial"]
        assert float(trial["score"]) == 0.0
        assert float(trial["max_score"]) == sum(stated_points(nbformat.read(lesson.path, as_version=4)).values())
    feedback = course.folder / "feedback" / "trial" / FIRST / f"{FIRST}.html"
    assert "AssertionError" not in feedback.read_text(encoding="utf-8")  # unanswered: NameError, no hint
    assert "NameError" in feedback.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_every_lesson_is_released_as_a_student_version(course: Course, lesson) -> None:
    from nbgrader.api import Gradebook

    source = nbformat.read(course.folder / "source" / lesson.name / f"{lesson.name}.ipynb", as_version=4)
    released = nbformat.read(course.folder / "release" / lesson.name / f"{lesson.name}.ipynb", as_version=4)
    assert released.metadata[KIT_KEY] == {"lesson": lesson.name, "version": "student"}
    assert source.metadata[KIT_KEY]["version"] == "teacher"
    text = "\n".join(cell.source for cell in released.cells)
    assert BEGIN not in text and END not in text and text.count(STUB) == len(exercises_of(source))
    for line in solution_lines(source):
        if len(line.strip()) > 12:
            assert line not in text, line
    assert all(cell.source.strip() for cell in released.cells)
    points = stated_points(source)
    tests = [cell for cell in released.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert sorted(cell.metadata["nbgrader"]["grade_id"] for cell in tests) == sorted(
        f"check_{e.replace('.', '_')}" for e in points)
    for cell in tests:
        grader = cell.metadata["nbgrader"]
        assert grader["locked"] is True and grader["points"] == points[TEST_CALL.search(cell.source)["exercise"]]
        # a test names the exercise and the variable, nothing else: there is no answer to hide
        assert [line for line in cell.source.splitlines() if not line.startswith("#")] == [
            TEST_CALL.search(cell.source)[0]]
    with Gradebook(f"sqlite:///{course.folder / 'gradebook.db'}", "organized-crime-index") as book:
        assert book.find_assignment(lesson.name).max_score == sum(points.values())


def _answer(release: Path, target: Path, answers: dict[str, str], tests: str = "kept") -> None:
    """A submission: the released notebook with the named exercises' stubs replaced by the given code, and its
    graded test cells ``kept``, ``edited`` (to ``pass``) or ``deleted``."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        exercise = cell.metadata.get("nbgrader", {}).get("grade_id", "").removeprefix("answer_").replace("_", ".")
        if exercise in answers:
            assert STUB in cell.source, cell.source
            cell.source = cell.source.replace(STUB, answers[exercise])
        if tests == "edited" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    if tests == "deleted":
        nb.cells = [cell for cell in nb.cells if not cell.metadata.get("nbgrader", {}).get("grade")]
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)


@pytest.mark.slow
def test_right_wrong_and_missing_answers_score_their_points(course: Course) -> None:
    source = nbformat.read(course.folder / "source" / FIRST / f"{FIRST}.ipynb", as_version=4)
    solutions = {exercise: "\n".join(block) for cell in source.cells for block in solution_blocks(cell.source)
                 for exercise in exercises_of(nbformat.v4.new_notebook(cells=[cell]))}
    assert sorted(solutions) == ["1.1", "1.2", "1.3"]
    reference = teach.reference_answers()
    wrong = f"answer_1_2 = {reference['1.2'] + 0.01!r}  # off by a cent"
    release = course.folder / "release" / FIRST / f"{FIRST}.ipynb"
    anything = "class Anything(float):\n    def __eq__(self, other):\n        return True\n\n    __hash__ = " \
        "float.__hash__\n\n    def __sub__(self, other):\n        return 0.0\n\n"
    submissions = {
        "alice": ({"1.1": solutions["1.1"], "1.2": wrong}, "kept"),  # right, wrong, missing
        "bob": ({"1.1": solutions["1.1"], "1.2": solutions["1.2"]}, "kept"),  # two right, one missing
        "dave": (dict(solutions), "kept"),  # all right
        "erin": (dict(solutions), "deleted"),  # all right, the graded tests deleted: they are put back
        "frank": ({}, "edited"),  # nothing answered, the graded tests edited to pass: they are restored
        "gina": ({"1.1": f"{anything}answer_1_1 = Anything(0)", "1.2": "answer_1_2 = 10**400",  # no cheat passes
                  "1.3": f"import pandas as pd\nanswer_1_3 = pd.DataFrame({{'a': [{reference['1.3']!r}] * 2}})"},
                 "kept"),
        "hugo": ({"1.1": solutions["1.1"], "1.2": f"answer_1_2 = {reference['1.3']!r}",  # another's right value
                  "1.3": f"answer_1_3 = {reference['1.2']!r}"}, "kept"),
    }
    for student, (answers, tests) in submissions.items():
        _answer(release, course.folder / "submitted" / student / FIRST / f"{FIRST}.ipynb", answers, tests)

    _nbgrader(course.folder, course.env, "autograde", FIRST, "--create")
    _nbgrader(course.folder, course.env, "export", "--to", "scores.csv")
    grades = _grades((course.folder / "scores.csv").read_text(encoding="utf-8"))
    points = stated_points(source)
    most = sum(points.values())
    assert {s: float(row["max_score"]) for s, row in grades.items()} == dict.fromkeys([*submissions, "trial"], most)
    scores = {s: float(row["score"]) for s, row in grades.items()}
    assert scores == {"alice": points["1.1"], "bob": points["1.1"] + points["1.2"], "dave": most, "erin": most,
                      "frank": 0.0, "gina": 0.0, "hugo": points["1.1"], "trial": 0.0}
    assert 0 < scores["bob"] < most

    submitted = course.folder / "submitted"
    checked = _nbgrader(course.folder, course.env, "validate", str(submitted / "bob" / FIRST / f"{FIRST}.ipynb"),
                        str(submitted / "dave" / FIRST / f"{FIRST}.ipynb")).stdout
    failed = checked.index("VALIDATION FAILED ON 1 CELL(S)!")
    assert 'teach.assert_correct("1.3", answer_1_3)' in checked[failed:]
    assert checked.index("Success! Your notebook passes all the tests.") > failed  # dave's, after bob's
