"""The lessons as nbgrader assignments: each exercise's graded test cell, its points, and the released version.

A lesson states each exercise's points in its text, ``**Exercise 1.2** (2 points).``, and follows the
exercise's solution cell with its test cell, ``teach.assert_correct("1.2", answer_1_2)``: the same check as
the self-check, raising unless the answer is right. :func:`mark_for_nbgrader` makes the teacher copy an
nbgrader source version: solution cells get nbgrader's solution metadata (``grade_id`` ``answer_1_2``), test
cells an autograder test's (``check_1_2``: graded, locked, worth the points the text states).

No test cell needs nbgrader's hidden tests: a test names the exercise and the answer variable, and the
expected answer is computed inside ``ocdata.teach`` from the data, so a released notebook gives none away.

:class:`MarkStudentVersion` is a preprocessor for ``nbgrader generate_assignment``: nbgrader copies a source
version's notebook metadata as it is, so without it a released lesson would say ``version: teacher``. A
course's ``nbgrader_config.py`` adds it::

    from ocdata.teach.grading import MarkStudentVersion
    c.GenerateAssignment.preprocessors.append(MarkStudentVersion)
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from ocdata.errors import ParseError
from ocdata.teach.solutions import TEST_CALL, has_solution, is_test_cell

__all__ = ["Graded", "MarkStudentVersion", "graded_exercises", "mark_for_nbgrader", "stated_points"]

CHECK_CALL = re.compile(r"\bcheck_(\d+)_(\d+)\(")
"""A self-check call, ``teach.check_1_2(`` (the exercise of a solution cell)."""
POINTS = re.compile(r"\*\*Exercise (\d+)\.(\d+)\*\* \((\d+) points?\)")
"""An exercise's points as its text states them: ``**Exercise 1.2** (2 points)``."""
SCHEMA_VERSION = 3
"""The version of nbgrader's cell metadata written here (nbgrader 0.9)."""


@dataclass(frozen=True)
class Graded:
    """One exercise of a lesson as nbgrader grades it: the cells of its solution and its test, its points."""

    exercise: str
    points: int
    solution_cell: int
    test_cell: int


def stated_points(nb: nbformat.NotebookNode, where: str = "notebook") -> dict[str, int]:
    """Each exercise's points as the lesson's text states them (``{"1.2": 2}``)."""
    points: dict[str, int] = {}
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        for match in POINTS.finditer(cell.source):
            exercise, value = f"{match[1]}.{match[2]}", int(match[3])
            if value < 1:
                raise ParseError(f"expected exercise {exercise} to be worth at least 1 point, found {value}",
                                 file=f"{where} cell {index}")
            if points.setdefault(exercise, value) != value:
                raise ParseError(f"expected exercise {exercise}'s points stated once, found {points[exercise]} "
                                 f"and {value}", file=f"{where} cell {index}")
    return points


def graded_exercises(nb: nbformat.NotebookNode, where: str = "notebook") -> list[Graded]:
    """Every exercise of a lesson with its solution cell, test cell (the cell right after) and stated points.

    Raises :class:`~ocdata.errors.ParseError` where an exercise lacks one of them, a test cell tests another
    exercise or stands elsewhere, or the text states points of an exercise the lesson does not have.
    """
    points = stated_points(nb, where)
    graded: list[Graded] = []
    tested: set[int] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not has_solution(cell.source):
            continue
        place = f"{where} cell {index + 1}"
        checks = list(dict.fromkeys(f"{m[1]}.{m[2]}" for m in CHECK_CALL.finditer(cell.source)))
        if len(checks) != 1:
            raise ParseError(f"expected one self-check (teach.check_N_M) in a solution cell, found {len(checks)}",
                             file=place)
        exercise = checks[0]
        variable = f"answer_{exercise.replace('.', '_')}"
        expected = f'teach.assert_correct("{exercise}", {variable})'
        after = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
        found = _test_of(after) if after is not None else None
        if found != (exercise, variable):
            what = "the end of the lesson" if after is None else f"{after.cell_type} cell {index + 2}: " \
                f"{after.source.strip().splitlines()[-1] if after.source.strip() else 'an empty cell'}"
            raise ParseError(f"expected the test cell {expected} right after exercise {exercise}'s solution, "
                             f"found {what}"[:300], file=place)
        if exercise not in points:
            raise ParseError(f"expected exercise {exercise}'s points in its text, as '**Exercise {exercise}** "
                             f"(N points)', found none", file=where)
        tested.add(index + 1)
        graded.append(Graded(exercise, points[exercise], index, index + 1))
    for index, cell in enumerate(nb.cells):
        if index not in tested and is_test_cell(cell):
            raise ParseError("expected a test cell right after its exercise's solution cell, found one elsewhere",
                             file=f"{where} cell {index + 1}")
    extra = sorted(set(points) - {g.exercise for g in graded})
    if extra:
        raise ParseError(f"expected points only for the lesson's exercises, found exercise {extra[0]} with no "
                         f"solution cell", file=where)
    return graded


def _test_of(cell: nbformat.NotebookNode) -> tuple[str, str] | None:
    """The exercise and answer variable a test cell tests, or ``None`` for any other cell."""
    if cell.cell_type != "code":
        return None
    calls = list(TEST_CALL.finditer(cell.source))
    if len(calls) != 1:
        return None
    return calls[0]["exercise"], calls[0]["variable"]


def mark_for_nbgrader(nb: nbformat.NotebookNode, where: str = "notebook") -> nbformat.NotebookNode:
    """A lesson as nbgrader's source version: each solution cell and each test cell with nbgrader's metadata
    (the test graded, locked and worth the points the lesson states). The lesson is left as it was."""
    nb = copy.deepcopy(nb)
    for graded in graded_exercises(nb, where):
        name = graded.exercise.replace(".", "_")
        nb.cells[graded.solution_cell].metadata["nbgrader"] = {
            "grade": False, "grade_id": f"answer_{name}", "locked": False, "schema_version": SCHEMA_VERSION,
            "solution": True, "task": False}
        nb.cells[graded.test_cell].metadata["nbgrader"] = {
            "grade": True, "grade_id": f"check_{name}", "locked": True, "points": graded.points,
            "schema_version": SCHEMA_VERSION, "solution": False, "task": False}
    return nb


class MarkStudentVersion(Preprocessor):
    """For ``nbgrader generate_assignment``: a released lesson's kit metadata says ``version: student``."""

    enabled = Bool(True, help="Whether to mark the notebook (nbconvert runs a preprocessor only when enabled).")

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]) -> tuple[
            nbformat.NotebookNode, dict[str, Any]]:
        """Mark the notebook; its cells are left as they are."""
        from ocdata.teach.kit import KIT_KEY

        mark = nb.metadata.get(KIT_KEY)
        if isinstance(mark, dict) and mark.get("version") == "teacher":
            mark["version"] = "student"
        return nb, resources
