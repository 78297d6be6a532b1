"""``help()`` of every public module: what a user calls comes first, nothing internal is listed, and every
function that returns a table says its columns."""

from __future__ import annotations

import importlib
import inspect
import pydoc
import re

import pytest

MODULES = ["ocdata", "ocdata.views", "ocdata.charts", "ocdata.plots", "ocdata.maps", "ocdata.codebook",
           "ocdata.teach", "ocdata.explore", "ocdata.robustness", "ocdata.export", "ocdata.download",
           "ocdata.countries", "ocdata.ranks"]
FIRST_FUNCTION_WITHIN = 80
COLUMNS = re.compile(r"\bcolumns?\b|``\w+(?:<\w+>)?(?:,\s+\w+(?:<\w+>)?)+", re.IGNORECASE)
"""A docstring says its columns: the word, or a list of names in double backquotes (``iso3, score``)."""


def rendered(module) -> list[str]:
    return pydoc.render_doc(module, renderer=pydoc.plaintext).splitlines()


def listed(lines: list[str]) -> list[str]:
    """The names of the functions and classes help() documents (an entry is indented four spaces)."""
    names = []
    for line in lines:
        match = re.match(r"^    (?:class )?([A-Za-z_]\w*)(?:\(| = )", line)
        if match:
            names.append(match.group(1))
    return names


@pytest.mark.parametrize("name", MODULES)
def test_a_module_lists_what_its_all_names(name):
    module = importlib.import_module(name)
    assert "__all__" in vars(module), f"{name} has no __all__"
    for item in module.__all__:
        assert not item.startswith("_"), f"{name}.__all__ lists the private {item}"
        value = getattr(module, item)
        if callable(value):
            assert inspect.getdoc(value), f"{name}.{item} has no docstring"
    private = [n for n in listed(rendered(module)) if n.startswith("_") and not n.startswith("__")]
    assert not private, f"help({name}) lists {private}"


@pytest.mark.parametrize("name", MODULES)
def test_the_first_function_comes_early_after_a_docstring_that_starts_with_a_call(name):
    module = importlib.import_module(name)
    lines = rendered(module)
    functions = lines.index("FUNCTIONS")
    assert functions + 2 <= FIRST_FUNCTION_WITHIN, f"help({name}): the first function is at line {functions + 2}"
    usage = inspect.getdoc(module).split("\n\n")[1]
    assert ">>>" in usage or "::" in inspect.getdoc(module).split("\n\n")[0] + usage, \
        f"{name}: the docstring's second paragraph is not a call"


def test_the_checks_of_every_exercise_are_listed():
    from ocdata import teach

    checks = [n for n, f in vars(teach).items() if re.fullmatch(r"check_\d+_\d+", n) and inspect.isfunction(f)]
    assert checks and set(checks) <= set(teach.__all__)
    assert set(checks) <= set(listed(rendered(teach)))


def test_views_help_lists_no_str_methods():
    from ocdata import views

    lines = rendered(views)
    assert not any("Methods inherited from builtins.str" in line for line in lines)
    assert len(lines) < 400


def test_plots_show_says_what_it_displays():
    from ocdata import plots

    assert "as SVG" in inspect.getdoc(plots) and "as PNG" not in inspect.getdoc(plots).split("\n\n")[1]
    assert "image/svg+xml" in inspect.getsource(plots.show) and "SVG" in inspect.getdoc(plots.show)


def tables_of(name: str):
    module = importlib.import_module(name)
    for item in module.__all__:
        func = getattr(module, item)
        func = getattr(func, "__wrapped__", func)
        returns = str(inspect.signature(func).return_annotation) if inspect.isfunction(func) else ""
        if "DataFrame" in returns and func.__module__ == name:
            yield f"{name}.{item}", func


TABLES = [t for name in MODULES for t in tables_of(name)]


def test_the_walk_finds_functions_returning_tables():
    names = {n for n, _ in TABLES}
    assert {"ocdata.maps.map_values", "ocdata.countries.load_countries", "ocdata.explore.country_in_scope",
            "ocdata.ranks.compute_ranks", "ocdata.codebook.load_indicators"} <= names


@pytest.mark.parametrize(("name", "func"), TABLES, ids=[n for n, _ in TABLES])
def test_a_function_returning_a_table_says_its_columns(name, func):
    assert COLUMNS.search(inspect.getdoc(func)), f"{name}: its docstring names no columns"
