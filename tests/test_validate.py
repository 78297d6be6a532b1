"""The validate stage: every check the code can emit has a row in checks.csv, and every row is emitted;
check rows take their tolerance from the table; the failure named first follows its priorities."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workbook_factory import shared_workbook, write_workbook

from ocdata import validate
from ocdata.build import Dataset, build
from ocdata.errors import OcdataError, ParseError
from ocdata.normalize import CANDIDATE_COLUMNS, resolve
from ocdata.paths import PACKAGE_DIR
from ocdata.validate import check_row, describe_check, first_failure, load_checks, tolerance_of

# The order build.py names failures in, before the table held every check: it must not change.
FORMER_PRIORITY = ("document_parses", "indicator_range_grid", "edition_complete", "one_row_per_key",
                   "repeated_value_agrees", "sources_agree", "inferred_value_unique", "article_figures_agree",
                   "composite_matches_indicators", "change_matches_previous", "backcast_agrees")


def _emitted_in(tree: ast.Module) -> tuple[set[str], list[str]]:
    """Check ids a module passes to ``check_row``: literals, or a name whose values are literals or the
    literals returned by a function of the module. Also the calls whose id could not be read."""
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}

    def literals(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return literals(node.body) | literals(node.orelse)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
            returns = [r.value for r in ast.walk(functions[node.func.id]) if isinstance(r, ast.Return) and r.value]
            return set().union(*(literals(r) for r in returns))
        return set()

    found: set[str] = set()
    unread: list[str] = []
    for function in functions.values():
        for call in ast.walk(function):
            name = getattr(call, "func", None)
            if not (isinstance(call, ast.Call) and getattr(name, "id", getattr(name, "attr", None)) == "check_row"):
                continue
            first = call.args[0]
            ids = literals(first)
            if not ids and isinstance(first, ast.Name):
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign):
                        for target in node.targets:
                            names = target.elts if isinstance(target, ast.Tuple) else [target]
                            if any(isinstance(t, ast.Name) and t.id == first.id for t in names):
                                ids |= literals(node.value)
            if not ids:
                unread.append(f"{function.name}:{call.lineno}")
            found |= ids
    return found, unread


def emitted_by_the_code() -> dict[str, set[str]]:
    """Check id -> the modules of the package that emit it."""
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        found, unread = _emitted_in(ast.parse(path.read_text(encoding="utf-8")))
        assert not unread, f"{path.name}: check_row calls whose check id cannot be read: {unread}"
        for check in found:
            out.setdefault(check, set()).add(path.name)
    return out


def test_every_check_the_code_emits_is_in_the_table_and_every_row_is_emitted():
    emitted = emitted_by_the_code()
    table = set(load_checks()["check"])
    assert sorted(set(emitted) - table) == [], "checks emitted by the code but missing from checks.csv"
    assert sorted(table - set(emitted)) == [], "rows of checks.csv that no code emits"
    assert len(table) == 17


def test_the_table_keeps_the_former_priorities_and_says_what_each_check_asserts():
    table = load_checks()
    assert tuple(table["check"].iloc[:len(FORMER_PRIORITY)]) == FORMER_PRIORITY
    assert table["priority"].is_unique and table["priority"].is_monotonic_increasing
    assert (table["asserts"].str.len() > 20).all()
    tolerances = table.set_index("check")["tolerance"]
    assert tolerances["composite_matches_indicators"] == 0.005
    assert tolerances["change_matches_previous"] == 0.01
    assert pd.isna(tolerances["edition_complete"])


def test_check_row_refuses_a_check_that_is_not_in_the_table():
    with pytest.raises(OcdataError, match=r"checks.csv: expected a row for check 'made_up_check', found none"):
        check_row("made_up_check", "x", ok=True)
    with pytest.raises(OcdataError, match=r"expected the tolerance of sources_agree to be 0\.5"):
        check_row("sources_agree", "x", ok=True, tolerance=0.5)


def test_check_row_takes_the_tolerance_from_the_table():
    assert tolerance_of("backcast_agrees", "criminal_markets") == 0.015  # rounding of two printed numbers
    assert tolerance_of("backcast_agrees", "heroin_trade") == 0.0  # indicators are on the 0.5 grid
    assert tolerance_of("inferred_value_unique") is None
    row = check_row("composite_matches_indicators", "s", indicator="resilience", difference=0.005)
    assert (row["tolerance"], row["status"]) == (0.005, "pass")
    assert check_row("composite_matches_indicators", "s", difference=0.0051)["status"] == "fail"
    assert check_row("change_matches_previous", "s", difference=np.nan)["status"] == "fail"


@pytest.mark.parametrize(("origins", "check"), [(("computed", "computed"), "values_agree"),
                                                 (("reported", "inferred"), "inferred_agrees")])
def test_every_other_pair_of_ways_to_one_value_is_checked_too(origins, check):
    # the build never makes these pairs today (an inferred value only fills a gap); resolve still checks them
    pool = pd.DataFrame([{"iso3": "KGZ", "edition": 2023, "indicator": "heroin_trade", "score": 4.5,
                          "change": np.nan, "origin": o, "source": "a", "line": pd.NA, "sheet": pd.NA,
                          "rank_source": 0} for o in origins])[CANDIDATE_COLUMNS]
    _, checks = resolve(pool)
    assert [(c["check"], c["status"], c["tolerance"]) for c in checks] == [(check, "pass", 0.0)]


def _dataset(failed: list[str]) -> Dataset:
    checks = pd.DataFrame([check_row(c, f"subject {i}", ok=False, source="kgz_2021_pdf", line=i + 1)
                           for i, c in enumerate(failed)])
    sources = pd.DataFrame({"id": ["kgz_2021_pdf"], "file": ["kgz_2021_profile_pdf.txt"]})
    empty = pd.DataFrame()
    return Dataset(empty, empty, empty, empty, empty, empty, empty, checks, empty, sources, empty)


def test_the_failure_named_first_is_the_one_nearest_the_cause():
    data = _dataset(["rank_change_matches", "backcast_agrees", "inferred_agrees", "edition_complete",
                     "sources_agree"])
    first = first_failure(data)
    assert first["check"] == "edition_complete"
    assert describe_check(first, data.sources) == ("kgz_2021_profile_pdf.txt:4: edition_complete on subject 3: "
                                                   "expected None, found None")
    assert first_failure(_dataset(["rank_change_matches", "inferred_agrees"]))["check"] == "inferred_agrees"


def test_build_emits_only_checks_of_the_table(tmp_path):
    workbook = write_workbook(tmp_path / "factory.xlsx")
    data = build(workbook=workbook)
    emitted = set(data.checks["check"])
    assert emitted <= set(load_checks()["check"])
    assert {"composite_matches_indicators", "backcast_agrees", "sources_agree", "edition_complete"} <= emitted
    by_id = load_checks().set_index("check")
    for check, group in data.checks.groupby("check"):
        expected = {by_id.loc[check, "tolerance"], by_id.loc[check, "indicator_tolerance"]}
        assert set(group["tolerance"].dropna()) <= {t for t in expected if pd.notna(t)}, check


def test_the_real_workbook_emits_rank_checks_of_the_table():
    data = build(workbook=shared_workbook())
    emitted = set(data.checks["check"])
    assert {"rank_matches_computed", "rank_change_matches"} <= emitted <= set(load_checks()["check"])
    assert data.failed.empty


BROKEN_TABLE = """\
import pathlib, sys
import ocdata.validate as v
v.PACKAGE_DATA = pathlib.Path(sys.argv[1])
try:
    v.load_checks()
except Exception as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.parametrize(("text", "message"), [
    ("check,priority,tolerance,indicator_tolerance,asserts\na,1,,,x y z\na,2,,,x y z\n",
     "ocdata/data/checks.csv: expected one row per check, found repeated ['a']"),
    ("check,priority,tolerance,indicator_tolerance,asserts\na,first,,,x\n",
     "ocdata/data/checks.csv:2: expected a whole number priority, found 'first'"),
    ("check,priority,tolerance\na,1,\n",
     "ocdata/data/checks.csv: expected columns check,priority,tolerance,indicator_tolerance,asserts, found "
     "check,priority,tolerance"),
])
def test_a_broken_checks_table_is_an_ocdata_error_even_under_python_O(tmp_path, text, message):
    (tmp_path / "checks.csv").write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-O", "-c", BROKEN_TABLE, str(tmp_path)], capture_output=True, text=True,
                         check=False)
    assert run.stdout.strip() == f"ParseError {message}"
    assert issubclass(ParseError, OcdataError)


def test_validate_has_no_assert_statements():
    for name in ("validate.py", "codebook.py", "normalize.py", "series.py", "schema.py", "ranks.py"):
        tree = ast.parse(Path(PACKAGE_DIR / name).read_text(encoding="utf-8"))
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)], name


def test_checks_is_the_table():
    assert validate.CHECKS.equals(load_checks())
