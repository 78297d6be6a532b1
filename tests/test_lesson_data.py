"""Every page of a batch reads the build its command checked, the lessons too: a batch gives each lesson its
``workbook`` and ``tables``, and a lesson's self-checks compute their answers from the data the lesson read. A
student's plain run (no parameters) still reads what ``ocdata.load()`` reads. A lesson page is its student version:
no solution, no graded test."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from corpus import raw_with_extra
from report_fixtures import bundled, workbook_path
from workbook_factory import write_workbook

import ocdata
from ocdata import teach
from ocdata.report import report_kinds
from ocdata.report.command import student_copies
from ocdata.report.plan import plan_reports
from ocdata.teach import checks
from ocdata.teach.kit import find_lessons

LESSON_PARAMETERS = {"workbook": '""', "tables": '""'}
"""The parameters of every lesson and their defaults (empty: a student's plain run)."""


def _ocdata(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, env=env,
                          timeout=1200)


def test_a_batch_gives_every_page_the_tables_it_checked_lessons_included() -> None:
    kinds = report_kinds()
    planned = plan_reports(bundled(), all_=True, workbook="", tables="/the/checked/build")
    lessons = [p for p in planned if kinds[p.entry["kind"]].student]
    assert len(lessons) == sum(k.student for k in kinds.values()) >= 5
    for plan in planned:
        assert plan.job.parameters["tables"] == "/the/checked/build", plan.job.name
        assert plan.job.parameters["workbook"] == "", plan.job.name
    for plan in lessons:
        assert plan.job.parameters == {"workbook": "", "tables": "/the/checked/build"}


def test_the_published_lessons_keep_no_graded_test_and_no_solution(tmp_path: Path) -> None:
    """A lesson page is its student version: the graded tests (nbgrader's, which would stop the unanswered run
    and add nothing to the self-check) are left out with the solutions."""
    kinds = report_kinds()
    copies = [p for p in student_copies(plan_reports(bundled(), all_=True), tmp_path)
              if kinds[p.entry["kind"]].student]
    assert len(copies) == len(find_lessons())
    for plan in copies:
        text = plan.job.notebook.read_text(encoding="utf-8")
        original = next(lesson for lesson in find_lessons() if lesson.name in plan.job.name).path
        assert "teach.assert_correct(" in original.read_text(encoding="utf-8")
        assert "assert_correct" not in text and "BEGIN SOLUTION" not in text
        assert "answer_" in text and "= None  # your answer here" in text


@pytest.mark.parametrize("lesson", find_lessons(), ids=lambda lesson: lesson.name)
def test_each_lesson_takes_the_data_to_read_as_parameters(lesson) -> None:
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(lesson.path))
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for line in tagged[0].source.splitlines():
        assert re.fullmatch(r'\w+: [\w\[\]]+ = .+  # .+', line), line
    assert {p.name: p.default for p in _infer_parameters(nb)} == LESSON_PARAMETERS
    later = "".join(c.source for c in nb.cells[nb.cells.index(tagged[0]) + 1:] if c.cell_type == "code")
    assert "teach.load(workbook, tables)" in later and "ocdata.load(" not in later


@pytest.fixture
def reset_lesson_data() -> Iterator[None]:
    """Whatever a test loads as a lesson's data, later tests' checks read ``ocdata.load()`` again."""
    yield
    teach.load()


def test_the_checks_read_the_data_the_lesson_read(tmp_path: Path, reset_lesson_data: None) -> None:
    raw, _, extra = raw_with_extra(tmp_path / "raw")
    tables = tmp_path / "tables"
    built = _ocdata("build", "--raw", str(raw), "--out", str(tables), "--no-workbook", env=dict(os.environ))
    assert built.returncode == 0, built.stderr

    data = teach.load("", str(tables))
    assert extra in set(data.countries["iso3"])
    assert extra in set(checks._load().countries["iso3"])  # the checks read the same build
    expected = teach.reference_answers()
    assert expected == teach.reference_answers(ocdata.load(tables=tables))
    data.scores["score"] = 0.0  # the lesson's tables are the lesson's to change
    assert teach.reference_answers() == expected

    plain = teach.load()  # a student's plain run
    assert extra not in set(plain.countries["iso3"]) and extra not in set(checks._load().countries["iso3"])
    assert teach.reference_answers() == teach.reference_answers(ocdata.load())


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def downloaded(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose user cache holds a workbook fetched by ``ocdata download`` (from a loopback
    server): the official release where the tests have it, else a factory one."""
    site = tmp_path / "site"
    site.mkdir()
    real = workbook_path()
    book = site / "global_oc_index.xlsx"
    if real is not None:
        book.write_bytes(real.read_bytes())
    else:
        write_workbook(book)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    env = {**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")}
    try:
        fetched = _ocdata("download", "--url", f"http://127.0.0.1:{server.server_port}/{book.name}", env=env)
        assert fetched.returncode == 0, fetched.stderr
    finally:
        server.shutdown()
        server.server_close()
    yield env


@pytest.mark.slow
def test_a_batch_without_the_workbook_renders_lessons_without_it(tmp_path: Path, downloaded: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCDATA_CACHE", downloaded["OCDATA_CACHE"])
    documents = set(ocdata.load(workbook=False).countries["iso3"])
    everyone = set(ocdata.load().countries["iso3"])  # what a lesson's own ocdata.load() reads now
    assert everyone - documents, "the download adds countries"
    out = tmp_path / "out"
    run = _ocdata("report", "--all", "--no-workbook", "--jobs", "2", "--out", str(out), env=downloaded)
    assert run.returncode == 0, run.stderr
    lessons = [kind.file for kind in report_kinds().values() if kind.student]
    shown = {}  # the ISO3 cells of the tables each lesson shows
    for name in lessons:
        shown[name] = set(re.findall(r"<td>([A-Z]{3})</td>", (out / f"{name}.html").read_text(encoding="utf-8")))
    assert set().union(*shown.values()), "the lessons show countries by their codes"
    assert {name: sorted(codes - documents) for name, codes in shown.items() if codes - documents} == {}
