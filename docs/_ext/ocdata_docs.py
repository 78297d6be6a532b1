"""Pages generated from the code at build time, so they cannot drift from it.

- ``.. ocdata-cli::`` — every command of ``ocdata.cli.make_parser()``: its usage, description and options;
- ``.. ocdata-api:: MODULE`` — a module's docstring, a summary table and every name of its ``__all__``
  (``:names:`` adds names that are public without being in ``__all__``);
- ``.. ocdata-schema:: TABLE`` — the fields of one table of ``ocdata/data/schema.yaml``; a table of the schema
  that no page shows fails the build;
- ``.. ocdata-data-table:: FILE`` — chosen ``:columns:`` of a CSV file of ``ocdata/data`` as a table;
- ``.. ocdata-bench::`` — the batch benchmark's last result (``bench/results/render_batch.json``, written by
  ``make bench``), so the speed the docs state is what was measured.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import json
from pathlib import Path
from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

import ocdata

PACKAGE = Path(ocdata.__file__).resolve().parent
DATA = PACKAGE / "data"
BENCH = PACKAGE.parent / "bench" / "results" / "render_batch.json"
logger = logging.getLogger(__name__)


def escape(text: str) -> str:
    """Plain text as reStructuredText: every character that could start markup is escaped."""
    return "".join("\\" + c if c in "\\*`|_[]<>" else c for c in " ".join(str(text).split()))


def literal(text: str) -> str:
    """Text as an inline literal (``...``)."""
    return "``" + str(text).replace("`", "'") + "``" if text else ""


class GeneratedDirective(SphinxDirective):
    """A directive whose content is reStructuredText made from the code, parsed in place."""

    def lines(self) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        node = nodes.container()
        source = self.get_source_info()[0]
        content = StringList(self.lines(), source=source)
        nested_parse_with_titles(self.state, content, node)
        return node.children


def list_table(header: list[str], rows: list[list[str]], widths: list[int] | None = None) -> list[str]:
    """A ``list-table`` of cells already written as reStructuredText."""
    out = [".. list-table::", "   :header-rows: 1"]
    if widths:
        out.append("   :widths: " + " ".join(map(str, widths)))
    out.append("")
    for row in [header, *rows]:
        out.append("   * - " + (row[0] or "\\ "))
        out += ["     - " + (cell or "\\ ") for cell in row[1:]]
    return [*out, ""]


# -- the command line ---------------------------------------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, one-line help, parser)`` of every subcommand, in the order the parser lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def usage(parser: argparse.ArgumentParser) -> str:
    formatter = argparse.HelpFormatter(parser.prog, width=88)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def option_lines(program: str, parser: argparse.ArgumentParser) -> list[str]:
    """``.. option::`` entries for every argument a user can give."""
    formatter = argparse.HelpFormatter(parser.prog)
    out = [f".. program:: {program}", ""]
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            metavar = "" if action.nargs == 0 else " " + formatter._format_args(action, action.dest.upper())
            names = ", ".join(name + metavar for name in action.option_strings)
        else:
            names = formatter._format_args(action, action.metavar or action.dest)
        text = escape(formatter._expand_help(action)) if action.help else ""
        if action.choices and not isinstance(action.choices, dict):
            text += " Choices: " + ", ".join(literal(c) for c in action.choices) + "."
        out += [f".. option:: {names}", "", f"   {text}" if text else "   \\ ", ""]
    return out


class CliDirective(GeneratedDirective):
    """Every command of ``ocdata``, from the parser the command line itself uses."""

    def lines(self) -> list[str]:
        from ocdata.cli import make_parser

        parser = make_parser()
        out = [".. code-block:: text", ""]
        out += ["   " + line for line in usage(parser).splitlines()]
        out += [""]
        rows = [[f"`ocdata {name} <#ocdata-{name}>`__", escape(summary)] for name, summary, _ in subcommands(parser)]
        out += list_table(["command", "what it does"], rows, [25, 75])
        if parser.epilog:
            out += [escape(parser.epilog), ""]
        out += option_lines("ocdata", parser)
        for name, summary, sub in subcommands(parser):
            title = f"ocdata {name}"
            out += [title, "-" * len(title), ""]
            if summary:
                out += [escape(summary[0].upper() + summary[1:]) + ".", ""]
            out += [".. code-block:: text", ""]
            out += ["   " + line for line in usage(sub).splitlines()]
            out += [""]
            if sub.description:
                out += [escape(sub.description), ""]
            out += option_lines(title, sub)
            if sub.epilog:
                out += [escape(sub.epilog), ""]
        return out


# -- the API ------------------------------------------------------------------------------------------------


class ApiDirective(GeneratedDirective):
    """A module's docstring, then a summary and the documentation of each public name."""

    required_arguments = 1
    option_spec: ClassVar = {"names": directives.unchanged, "indexed-elsewhere": directives.unchanged}

    def lines(self) -> list[str]:
        name = self.arguments[0]
        module = importlib.import_module(name)
        public = list(getattr(module, "__all__", []))
        public += [n for n in self.options.get("names", "").split() if n not in public]
        if not public:
            raise self.error(f"{name} has no __all__ and no :names:")
        elsewhere = set(self.options.get("indexed-elsewhere", "").split())
        out = [f".. automodule:: {name}", "   :no-members:", "", f".. currentmodule:: {name}", ""]
        out += [".. autosummary::", "   :nosignatures:", ""] + [f"   {n}" for n in public] + [""]
        for attr in public:
            value = getattr(module, attr)
            if inspect.isclass(value):
                out += [f".. autoclass:: {attr}", "   :members:"]
                if issubclass(value, BaseException):
                    out += ["   :show-inheritance:"]
                # a class re-exported from a module with a page of its own is indexed there only
                defined_in = value.__module__
                if attr in elsewhere or not (defined_in == name or defined_in.startswith(name + ".")):
                    out += ["   :no-index:"]
                out += [""]
            elif callable(value):
                out += [f".. autofunction:: {attr}", ""]
            else:
                out += [f".. autodata:: {attr}"]
                if len(repr(value)) > 100:
                    out += ["   :no-value:"]
                out += [""]
        return out


# -- the data -----------------------------------------------------------------------------------------------


def load_schema() -> dict:
    return yaml.safe_load((DATA / "schema.yaml").read_text(encoding="utf-8"))


def description(field: dict) -> str:
    """A field's description as written. An unquoted description with a comma inside a YAML flow mapping
    (``{name: edition, description: edition of the index (2021, 2023, 2025)}``) is read as the text before the
    first comma plus one empty key per further part; those parts are joined back, in order."""
    extra = [str(key) for key, value in field.items() if key not in ("name", "type", "description") and value is None]
    return ", ".join([str(field.get("description", "")), *extra])


class SchemaDirective(GeneratedDirective):
    """The fields of one table: name, type, description; and its primary key."""

    required_arguments = 1

    def lines(self) -> list[str]:
        table = self.arguments[0]
        schema = load_schema()
        if table not in schema:
            raise self.error(f"{table!r} is not a table of schema.yaml (tables: {', '.join(schema)})")
        self.env.ocdata_schema_shown = {*getattr(self.env, "ocdata_schema_shown", set()), table}
        spec = schema[table]
        rows = [[literal(f["name"]), f.get("type", ""), escape(description(f))] for f in spec["fields"]]
        out = [f"Primary key: {', '.join(literal(k) for k in spec.get('primary_key', []))}.", ""]
        return out + list_table(["column", "type", "description"], rows, [18, 10, 72])


class DataTableDirective(GeneratedDirective):
    """Chosen columns of a CSV file of ``ocdata/data``, a row per line."""

    required_arguments = 1
    option_spec: ClassVar = {"columns": directives.unchanged_required, "literal": directives.unchanged}

    def lines(self) -> list[str]:
        path = DATA / self.arguments[0]
        self.env.note_dependency(str(path))
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        columns = [c.strip() for c in self.options["columns"].split(",")]
        as_literal = {c.strip() for c in self.options.get("literal", "").split(",") if c.strip()}
        missing = [c for c in columns if rows and c not in rows[0]]
        if missing:
            raise self.error(f"{path.name} has no column {', '.join(missing)}")
        body = [[literal(r[c]) if c in as_literal else escape(r[c]) for c in columns] for r in rows]
        return list_table([escape(c) for c in columns], body)


def check_schema_shown(app: Sphinx, env) -> None:
    """Every table of the schema is on a page."""
    shown = getattr(env, "ocdata_schema_shown", set())
    missing = [t for t in load_schema() if t not in shown]
    if missing:
        logger.warning("the data dictionary does not show the table(s) %s of schema.yaml", ", ".join(missing))


def merge_env(app: Sphinx, env, docnames, other) -> None:
    shown = getattr(other, "ocdata_schema_shown", set())
    env.ocdata_schema_shown = {*getattr(env, "ocdata_schema_shown", set()), *shown}


# -- the benchmark ------------------------------------------------------------------------------------------


class BenchDirective(GeneratedDirective):
    """The last ``make bench`` result, as measured, with its date and machine."""

    def lines(self) -> list[str]:
        self.env.note_dependency(str(BENCH))
        if not BENCH.is_file():
            raise self.error(f"{BENCH.name} is missing: run make bench")
        result = json.loads(BENCH.read_text(encoding="utf-8"))
        rows = [[escape(m["what"]), escape(m["text"])] for m in result["measures"]]
        out = [escape(result["summary"]), ""]
        return out + list_table(["measured", "value"], rows, [60, 40])


def attribute_doc(name: str, obj: object) -> list[str]:
    """The docstring written under a constant where it is defined (``NAME = ...`` then a string), found in the
    module of the package that binds the same object to the same name: ``ocdata.views.MIN_PEERS`` is
    documented in ``ocdata/views/country.py``, which autodoc does not read for the name ``ocdata.views``."""
    import sys

    from sphinx.pycode import ModuleAnalyzer

    attr = name.rsplit(".", 1)[-1]
    for modname, module in sorted(sys.modules.items()):
        if not modname.startswith("ocdata.") or getattr(module, attr, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # a module without source (a C extension)
            continue
        if ("", attr) in docs:
            return list(docs[("", attr)])
    return []


def constant_docstring(app: Sphinx, what: str, name: str, obj: object, options, lines: list[str]) -> None:
    """A constant is described by the docstring under its definition, never by its type's docstring (a tuple
    without a docstring of its own would show ``tuple``'s text, which is not reStructuredText)."""
    if what in ("data", "attribute") and not inspect.isclass(obj) and not callable(obj):
        own = inspect.cleandoc(type(obj).__doc__ or "")
        if own and "\n".join(lines).strip() == own.strip():
            lines.clear()
        if what == "data" and not "".join(lines).strip():
            lines[:] = attribute_doc(name, obj)


def setup(app: Sphinx) -> dict:
    app.connect("autodoc-process-docstring", constant_docstring)
    app.add_directive("ocdata-cli", CliDirective)
    app.add_directive("ocdata-api", ApiDirective)
    app.add_directive("ocdata-schema", SchemaDirective)
    app.add_directive("ocdata-data-table", DataTableDirective)
    app.add_directive("ocdata-bench", BenchDirective)
    app.connect("env-check-consistency", check_schema_shown)
    app.connect("env-merge-info", merge_env)
    return {"version": ocdata.__version__, "parallel_read_safe": True, "parallel_write_safe": True}
