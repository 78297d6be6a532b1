"""Take the solutions out of a lesson: nbgrader's markers, the answer variable left as ``None``, no test cells.

In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` are the solution. The
student version keeps none of them: each block becomes one line per answer variable assigned inside it,
``answer_1_2 = None  # your answer here``, at the block's indentation. It keeps no graded test cell either
(``teach.assert_correct("1.2", answer_1_2)``, nbgrader's autograder test): the self-check in the exercise's
cell says the same, and an unanswered test would stop a student's run at the first exercise.
"""

from __future__ import annotations

import copy
import re

import nbformat

from ocdata.errors import ParseError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
ANSWER = re.compile(r"^\s*(answer_\d+_\d+)\s*(?::[^=]+)?=(?!=)")
"""An assignment to an answer variable: ``answer_1_2 = ...`` (names are ``answer_<lesson>_<exercise>``)."""
PLACEHOLDER = "{indent}{name} = None  # your answer here"
TEST_CALL = re.compile(r'^[ \t]*teach\.assert_correct\(\s*"(?P<exercise>\d+\.\d+)"\s*,'
                       r"\s*(?P<variable>answer_\d+_\d+)\s*\)[ \t]*$", re.MULTILINE)
"""A graded test: ``teach.assert_correct("1.2", answer_1_2)`` on a line of its own."""


def solution_blocks(source: str, where: str = "cell") -> list[list[str]]:
    """The lines of each solution block in a cell's source, markers excluded."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if current is not None:
                raise ParseError(f"expected {END} before another {BEGIN}, found a second {BEGIN}",
                                 file=where, line=number)
            current = []
        elif marker == END:
            if current is None:
                raise ParseError(f"expected {BEGIN} before {END}, found none", file=where, line=number)
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        raise ParseError(f"expected {END} to close the solution, found the end of the cell", file=where)
    return blocks


def strip_source(source: str, where: str = "cell") -> str:
    """A cell's source with each solution block replaced by its answer variables set to ``None``."""
    blocks = iter(solution_blocks(source, where))
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            inside = True
            block = next(blocks)
            names = list(dict.fromkeys(m[1] for m in map(ANSWER.match, block) if m))
            if not names:
                raise ParseError(f"expected an assignment to answer_<lesson>_<exercise> inside {BEGIN}, found none",
                                 file=where)
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(PLACEHOLDER.format(indent=indent, name=name) for name in names)
        elif marker == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def has_solution(source: str) -> bool:
    """Whether a cell's source holds a solution block."""
    return any(line.strip() == BEGIN for line in source.splitlines())


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell is a graded test: a code cell calling ``teach.assert_correct``, or one nbgrader grades
    that holds no solution (an autograder test)."""
    if cell.cell_type != "code":
        return False
    grader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(TEST_CALL.search(cell.source)) or (grader.get("grade") is True and not grader.get("solution"))


def strip_solutions(nb: nbformat.NotebookNode, where: str = "notebook") -> nbformat.NotebookNode:
    """A student copy of a lesson: every solution and every graded test cell taken out, outputs cleared. The
    lesson is left as it was."""
    nb = copy.deepcopy(nb)
    kept = []
    for index, cell in enumerate(nb.cells, start=1):
        if is_test_cell(cell):
            continue
        kept.append(cell)
        if cell.cell_type != "code":
            if has_solution(cell.source):
                raise ParseError(f"expected solutions in code cells only, found one in a {cell.cell_type} cell",
                                 file=f"{where} cell {index}")
            continue
        cell.source = strip_source(cell.source, f"{where} cell {index}")
        cell.outputs = []
        cell.execution_count = None
    nb.cells = kept
    return nb


def solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Every line inside a solution block of a lesson (to check that a student copy has none)."""
    return [line for cell in nb.cells if cell.cell_type == "code" for block in solution_blocks(cell.source)
            for line in block]
