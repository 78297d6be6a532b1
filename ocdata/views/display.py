"""What a reader sees of a table: plain column names, plain values, fixed decimals, notes for gaps.

Column names and their kinds come from ``ocdata/data/display_names.csv`` (one table for every report);
indicator and pillar ids from the codebook's labels. No identifier from the code reaches a page: a column
the table does not know is named from the codebook or, failing that, written out in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ocdata.codebook import higher_is_worse, labels, previous_edition
from ocdata.views.params import parameters

DATA = Path(__file__).resolve().parents[1] / "data" / "display_names.csv"
DASH = "—"
MINUS = "−"
KINDS = ("text", "score", "change", "count", "rank", "year", "value", "precise")
ORIGIN_WORDS = {"reported": "printed", "computed": "computed", "inferred": "inferred", "backcast": "back-cast"}
"""How each origin is named on a page."""
ORIGIN_MARKS = {"inferred": "*", "backcast": "†"}
"""The mark beside a score that was not printed, and its meaning (explained once per table)."""
ORIGIN_NOTES = {"inferred": "inferred: not printed, solved from a printed pillar mean",
                "backcast": "back-cast: recovered from the next edition's printed change"}
BASIS_MARK = "°"
WORSE = "#B2182B"
"""The colour of a change for the worse (criminality up, resilience down), in every table, card and chart."""
BETTER = "#2166AC"
"""The colour of a change for the better."""
FLAT = "#57606A"
COLOUR_NOTE = "Changes in red are for the worse (criminality up, resilience down), in blue for the better."
VALUE_WORDS = {
    "change_basis": {"printed": "printed beside the score", "difference": "difference of published scores"},
    "status": {"pass": "agrees", "fail": "disagrees"},
    "level": {"dimension": "dimension", "pillar": "pillar", "indicator": "indicator"},
    "matches": {"True": "yes", "False": "no"},
}
CODE_COLUMNS = ("sheet", "file")
"""Columns holding names of files and sheets, shown as code (a reader types them as they are)."""
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


@cache
def display_names() -> pd.DataFrame:
    """The display-name table: ``column, label, kind, missing`` (one row per column id)."""
    table = pd.read_csv(DATA, dtype="string", keep_default_na=False)
    bad = sorted(set(table["kind"]) - set(KINDS))
    if bad or table["column"].duplicated().any():
        from ocdata.errors import ParseError

        found = f"kinds {bad}" if bad else f"repeated column {table['column'][table['column'].duplicated()].iloc[0]}"
        raise ParseError(f"{DATA.name}: expected one row per column and a kind in {KINDS}, found {found}")
    return table.set_index("column")


def words(ident: str) -> str:
    """An identifier written out: the codebook's label, else its words (``drug_related_crimes`` ->
    ``Drug related crimes``)."""
    known = labels()
    if ident in known:
        return known[ident]
    return ident.replace("_", " ").strip().capitalize()


@parameters
def display_name(column: Any, edition: int | None = None) -> str:
    """The words a page shows for ``column`` (``previous_score`` -> ``2021 score`` for 2023)."""
    column = str(column)
    names = display_names()
    if column in names.index:
        prev = previous_edition(edition) if edition else None
        return names.at[column, "label"].replace("{previous}", str(prev) if prev else "Previous")
    return words(column) if SNAKE.fullmatch(column) else column


def kind_of(column: Any, values: pd.Series) -> str:
    """The kind of a column: from the display-name table, else from its values (a float column named
    ``*_change`` is a change: signed, with a real minus)."""
    names = display_names()
    if str(column) in names.index:
        return names.at[str(column), "kind"]
    if pd.api.types.is_bool_dtype(values):
        return "text"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    if pd.api.types.is_float_dtype(values):
        return "change" if str(column).endswith("_change") else "score"
    return "text"


def signed(x: float, digits: int = 2) -> str:
    """A signed number with a real minus sign: ``+0.50``, ``−0.50``, ``0.00``."""
    if round(x, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}".replace("-", MINUS)


def format_value(kind: str, value: Any, column: str = "") -> str:
    """One cell as text (missing values are handled by the caller)."""
    if kind == "score":
        return f"{float(value):.2f}"
    if kind == "change":
        return signed(float(value))
    if kind == "value" and not float(value).is_integer():
        return f"{float(value):,.2f}"
    if kind in ("count", "value"):
        return f"{float(value):,.0f}"
    if kind in ("rank", "year"):
        return f"{int(value)}"
    if kind == "precise":
        return f"{float(value):.4f}"
    text = str(value)
    if column == "origin":
        return ORIGIN_WORDS.get(text, text)
    if column in VALUE_WORDS:
        return VALUE_WORDS[column].get(text, text)
    if column in ("pillar", "indicator", "metric") and text in labels():
        return labels()[text]
    if column in ("pillar", "indicator", "series", "check", "metric", "scope", "claim") and SNAKE.fullmatch(text):
        return words(text)
    return text


def direction(ident: str, change: float) -> str:
    """``worse``, ``better`` or ``""`` (no change) for a change of an indicator, pillar or dimension."""
    if pd.isna(change) or change == 0:
        return ""
    return "worse" if (change > 0) == higher_is_worse(ident) else "better"


def color_of(way: str) -> str:
    """The colour of ``worse``, ``better`` or no change."""
    return {"worse": WORSE, "better": BETTER}.get(way, FLAT)


def is_missing(value: Any) -> bool:
    """Whether a cell is missing (None, NaN, NA, an empty string)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


LONG_TEXT = ((60, "20rem"), (24, "12rem"))
"""(characters, width): a text cell longer than that keeps its column at least that wide."""


@dataclass
class Cell:
    """One cell of a displayed table."""

    text: str
    numeric: bool = False
    details: str = ""
    color: str = ""
    code: bool = False

    @property
    def min_width(self) -> str:
        """The width a column keeps for long text (a long name, a list of countries), ``""`` for none: in a
        table wider than the screen the browser would otherwise squeeze it into a column a word wide."""
        if self.numeric or len(self.text) <= LONG_TEXT[-1][0]:
            return ""
        return next(width for length, width in LONG_TEXT if len(self.text) > length)


@dataclass
class Shown:
    """A table ready for the page: header, rows of cells, the numeric columns and notes under it."""

    header: list[tuple[str, bool]]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def prepare(table: pd.DataFrame, *, edition: int | None = None, formats: dict[str, str] | None = None,
            drop_empty: bool = False, definitions: dict[str, str] | None = None,
            missing: dict[str, str] | None = None) -> Shown:
    """Arrange ``table`` for display.

    ``change_basis`` and ``origin`` beside a score become marks with a note; missing values an em dash with
    the reason (``missing`` overrides the display-name table's); ``definitions`` (label -> text) puts each
    label's definition in a ``<details>``; ``formats`` gives a column its own format string.
    """
    names = display_names()
    if drop_empty:
        table = table.loc[:, table.notna().any() & (table.astype("string").fillna("") != "").any()]
    basis = table["change_basis"] if "change_basis" in table and "change" in table else None
    origin = table["origin"] if "origin" in table and "score" in table else None
    shown = table.drop(columns=[c for c in ("change_basis",) if basis is not None])
    if origin is not None and not origin.isin(list(ORIGIN_MARKS)).any():
        origin = None
    ident = next((table[c] for c in ("indicator", "pillar") if c in table
                  and table[c].isin(list(labels())).all()), None)
    if "label" in shown and "indicator" in shown:
        shown = shown.drop(columns="indicator")
    columns = list(shown.columns)
    kinds = {c: kind_of(c, shown[c]) for c in columns}
    header = [(display_name(c, edition), kinds[c] != "text") for c in columns]
    reasons = {**{c: names.at[c, "missing"] for c in columns if c in names.index}, **(missing or {})}
    gaps: dict[str, str] = {}
    marks: set[str] = set()
    basis_kinds: set[str] = set()
    coloured = False
    rows = []
    values = {c: shown.iloc[:, k].tolist() for k, c in enumerate(columns)}
    origin = None if origin is None else origin.tolist()
    basis = None if basis is None else basis.tolist()
    ident = None if ident is None else ident.tolist()
    for i in range(len(shown)):
        cells = []
        for c in columns:
            value = values[c][i]
            kind = kinds[c]
            if is_missing(value):
                cells.append(Cell(DASH, kind != "text"))
                gaps[display_name(c, edition)] = reasons.get(c) or "not given"
                continue
            text = formats[c].format(value) if formats and c in formats else format_value(kind, value, str(c))
            if c == "score" and origin is not None and origin[i] in ORIGIN_MARKS:
                text = f"{text}{ORIGIN_MARKS[origin[i]]}"
                marks.add(origin[i])
            color = ""
            if kind == "change" and c == "change" and ident is not None and not pd.isna(ident[i]):
                way = direction(str(ident[i]), float(value))
                color = color_of(way)
                coloured |= bool(way)
            if c == "change" and basis is not None:
                basis_kinds.add(str(basis[i]))
                if basis[i] == "difference":
                    text = f"{text}{BASIS_MARK}"
            details = definitions.get(text, "") if definitions and c in ("label", "indicator") else ""
            cells.append(Cell(text, kind != "text", details, color, c in CODE_COLUMNS))
        rows.append(cells)
    notes = []
    if "difference" in basis_kinds:
        notes.append(f"{BASIS_MARK} change computed as the difference of the published scores (the source prints "
                     "none); other changes are printed beside the score." if "printed" in basis_kinds else
                     f"{BASIS_MARK} change computed as the difference of the published scores (the source prints "
                     "none).")
    if coloured:
        notes.append(COLOUR_NOTE)
    notes.extend(f"{ORIGIN_MARKS[o]} {ORIGIN_NOTES[o]}." for o in ORIGIN_MARKS if o in marks)
    notes.extend(f"{DASH} {label}: {reason}." for label, reason in gaps.items())
    return Shown(header, rows, notes)


def find_identifiers(text: str) -> list[str]:
    """The snake_case tokens in a page's visible text (what a reader should never see)."""
    return SNAKE.findall(text)
