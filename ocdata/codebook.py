"""The codebook and the layout tables: reference data kept in ``ocdata/data``, loaded once.

>>> from ocdata import codebook
>>> codebook.indicators_of(2023, "criminal_actors")   # the ids of a composite's indicators in an edition
>>> codebook.label_of("mafia_style_groups")           # 'Mafia-style groups'
>>> codebook.load_indicators()                        # one row per id: label, level, pillar, parent, editions, ...
>>> data.codebook                                     # the same with the documents' definitions (build_codebook)

The composite tree (which indicators make which composite, and how) is read from ``indicators.csv``
(``level``, ``parent``, ``method``) and nowhere else; printed names map to ids through
``printed_names.csv``. A problem in these tables is a :class:`~ocdata.errors.ParseError` naming the file.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import yaml

from ocdata.errors import ParseError
from ocdata.paths import PACKAGE_DATA

__all__ = [
    "added_in",
    "ancestors_of",
    "build_codebook",
    "children_of",
    "colors",
    "combines_unrounded",
    "composites",
    "composites_bottom_up",
    "composites_of",
    "dimension_of",
    "exists_in",
    "higher_is_worse",
    "indicator_for",
    "indicators_of",
    "label_of",
    "labels",
    "level_of",
    "levels",
    "load_editions",
    "load_indicators",
    "load_printed_names",
    "load_sections",
    "metrics",
    "pillar_of",
    "pillars",
    "previous_edition",
    "printed_names",
    "to_id",
]

INDICATORS_HINT = "ocdata/data/indicators.csv"
PRINTED_NAMES_HINT = "ocdata/data/printed_names.csv"
LEVELS = ("dimension", "pillar", "indicator")
WORKBOOK_PREFIX = "workbook_"
OTHER_SPELLINGS = "other_spellings"


def __getattr__(name: str) -> tuple[str, ...]:
    """``COMPOSITES`` and ``METRICS``, read from the codebook when first asked for."""
    if name == "COMPOSITES":
        return composites()
    if name == "METRICS":
        return metrics()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_id(label: str) -> str:
    """The id of a printed name: ``NON-RENEWABLE RESOURCE CRIMES`` -> ``non_renewable_resource_crimes``."""
    text = label.strip().lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _refuse(file: str, expected: str, found: object) -> None:
    raise ParseError(f"expected {expected}, found {found}", file=file)


@cache
def load_indicators() -> pd.DataFrame:
    """The indicator table (``indicators.csv``): every indicator and composite with its pillar and editions.
    Columns ``indicator, label, level, pillar, dimension, parent, editions, order, keywords, method, color,
    higher_is``."""
    table = pd.read_csv(
        PACKAGE_DATA / "indicators.csv",
        dtype={"indicator": "str", "label": "str", "level": "str", "pillar": "str", "dimension": "str",
               "parent": "str", "editions": "str", "order": "int64", "keywords": "str", "method": "str",
               "color": "str", "higher_is": "str"},
        keep_default_na=False,
        na_values=[""],
    )
    if not table["indicator"].is_unique:
        _refuse(INDICATORS_HINT, "one row per indicator id",
                f"duplicates {table.loc[table['indicator'].duplicated(), 'indicator'].tolist()}")
    bad = table.loc[table["indicator"] != table["label"].map(to_id), "indicator"].tolist()
    if bad:
        _refuse(INDICATORS_HINT, "ids that are the snake_case of their label", bad)
    levels = sorted(set(table["level"]) - set(LEVELS))
    if levels:
        _refuse(INDICATORS_HINT, f"levels among {', '.join(LEVELS)}", levels)
    ids = set(table["indicator"])
    orphans = table.loc[table["parent"].notna() & ~table["parent"].isin(ids), "parent"].tolist()
    if orphans:
        _refuse(INDICATORS_HINT, "parents that are ids of the table", orphans)
    roots = table.loc[table["parent"].isna() & table["level"].ne("dimension"), "indicator"].tolist()
    if roots:
        _refuse(INDICATORS_HINT, "a parent for every indicator and pillar", f"none for {roots}")
    parents = set(table["parent"].dropna())
    childless = table.loc[table["level"].ne("indicator") & ~table["indicator"].isin(parents), "indicator"].tolist()
    if childless:
        _refuse(INDICATORS_HINT, "indicators under every composite", f"none under {childless}")
    directions = table.loc[table["level"].eq("dimension") & ~table["higher_is"].isin(["worse", "better"]),
                           "indicator"].tolist()
    if directions:
        _refuse(INDICATORS_HINT, "higher_is worse or better for every dimension", f"none for {directions}")
    methods = table.loc[table["level"].ne("indicator") & ~table["method"].fillna("").str.startswith("mean of"),
                        "indicator"].tolist()
    if methods:
        _refuse(INDICATORS_HINT, "a composite method starting 'mean of'", f"others for {methods}")
    return table


@cache
def load_editions() -> pd.DataFrame:
    """The editions (``editions.csv``) with the previous edition of each and the ranking rule: columns
    ``edition, previous, countries, rank_rule``."""
    table = pd.read_csv(PACKAGE_DATA / "editions.csv", dtype={"previous": "Int64"})
    if not table["edition"].is_unique:
        _refuse("ocdata/data/editions.csv", "one row per edition",
                f"duplicates {table.loc[table['edition'].duplicated(), 'edition'].tolist()}")
    return table


@cache
def load_layout() -> dict:
    """The document layout rules (``layout.yaml``)."""
    return yaml.safe_load((PACKAGE_DATA / "layout.yaml").read_text(encoding="utf-8"))


@cache
def load_sections() -> pd.DataFrame:
    """The narrative sections (``sections.csv``): headings, their pillar and the indicators they cover
    (columns ``section, heading_aliases, dimension, pillar, indicators``)."""
    return pd.read_csv(PACKAGE_DATA / "sections.csv", dtype="str", keep_default_na=False, na_values=[""])


def exists_in(editions: str, edition: int) -> bool:
    """Whether an ``editions`` cell (``"2023 2025"``) includes ``edition``."""
    return str(edition) in editions.split()


# The composite tree


@cache
def composites() -> tuple[str, ...]:
    """Every composite (dimensions and pillars), in codebook order."""
    table = load_indicators().sort_values("order", kind="stable")
    return tuple(table.loc[table["level"] != "indicator", "indicator"])


@cache
def metrics() -> tuple[str, ...]:
    """The dimensions (the ranked composites: criminality, resilience), in codebook order."""
    table = load_indicators().sort_values("order", kind="stable")
    return tuple(table.loc[table["level"] == "dimension", "indicator"])


@cache
def pillars() -> tuple[str, ...]:
    """The composites whose parts are indicators (the ``pillar`` of the indicators), in codebook order."""
    table = load_indicators().sort_values("order", kind="stable")
    return tuple(dict.fromkeys(table.loc[table["level"] == "indicator", "parent"]))


@cache
def composites_bottom_up() -> tuple[str, ...]:
    """Every composite after the composites it is made of (depth first, in codebook order):
    criminal markets, criminal actors, criminality, resilience."""
    table = load_indicators().sort_values("order", kind="stable")
    below = {c: [i for i in table.loc[table["parent"] == c, "indicator"] if i in composites()] for c in composites()}
    out: list[str] = []

    def visit(node: str) -> None:
        for child in below[node]:
            visit(child)
        out.append(node)

    for root in metrics():
        visit(root)
    return tuple(out)


@cache
def children_of(composite: str, edition: int) -> tuple[str, ...]:
    """What a composite is the mean of in an edition (indicators, or for criminality its two pillars)."""
    table = load_indicators()
    mask = (table["parent"] == composite) & table["editions"].map(lambda e: exists_in(e, edition))
    return tuple(table.loc[mask, "indicator"])


@cache
def ancestors_of(ident: str) -> tuple[str, ...]:
    """The composites an indicator or composite is part of, nearest first (``heroin_trade`` ->
    ``criminal_markets``, ``criminality``)."""
    parent = _column("parent")
    out: list[str] = []
    node = parent[ident]
    while pd.notna(node):
        out.append(str(node))
        node = parent[node]
    return tuple(out)


@cache
def indicators_of(edition: int, parent: str | None = None) -> tuple[str, ...]:
    """The ids of the scored indicators of an edition (optionally only the children of ``parent``)."""
    table = load_indicators()
    mask = (table["level"] == "indicator") & table["editions"].map(lambda e: exists_in(e, edition))
    if parent is not None:
        mask &= table["parent"] == parent
    return tuple(table.loc[mask, "indicator"])


@cache
def composites_of(edition: int) -> tuple[str, ...]:
    """The composites of an edition, in codebook order."""
    table = load_indicators().set_index("indicator")["editions"]
    return tuple(c for c in composites() if exists_in(table[c], edition))


@cache
def higher_is_worse(ident: str) -> bool:
    """Whether a higher score of an indicator or composite is worse: its dimension's ``higher_is`` in the
    codebook (criminality: worse; resilience: better)."""
    return _lookup("higher_is")[dimension_of(ident)] == "worse"


def _column(name: str) -> pd.Series:
    """One column of the indicator table, indexed by id."""
    return load_indicators().set_index("indicator")[name]


@cache
def _lookup(name: str) -> dict[str, str]:
    """One column of the indicator table as a dict id -> text (the per-id lookups ask it thousands of times)."""
    table = load_indicators()
    return {i: str(v) for i, v in zip(table["indicator"].tolist(), table[name].tolist(), strict=True)}


def levels() -> pd.Series:
    """Id -> level (``dimension``, ``pillar``, ``indicator``), to map a column with."""
    return _column("level").copy()


def level_of(ident: str) -> str:
    """``dimension``, ``pillar`` or ``indicator``."""
    return _get(_lookup("level"), ident)


def pillar_of(ident: str) -> str:
    """The pillar an indicator belongs to (a composite's pillar is itself or, for a dimension, its name)."""
    return _get(_lookup("pillar"), ident)


def dimension_of(ident: str) -> str:
    """The dimension (criminality or resilience) an indicator or composite belongs to."""
    return _get(_lookup("dimension"), ident)


@cache
def labels() -> dict[str, str]:
    """Id -> label of every indicator and composite, in codebook order."""
    table = load_indicators().sort_values("order", kind="stable")
    return dict(zip(table["indicator"], table["label"], strict=True))


def label_of(ident: str) -> str:
    """The label of an indicator or composite: ``label_of("criminal_markets") == "Criminal markets"``; an id in
    any case or a label is read as the id, anything else is a ParameterError naming the nearest ids."""
    return _get(labels(), ident)


def _get(table: dict[str, str], ident: str) -> str:
    """``table[ident]``, reading any other spelling of an id as the parameter reader does (ParameterError
    naming the nearest ids if it is none)."""
    try:
        return table[ident]
    except (KeyError, TypeError):
        from ocdata.views.params import validate_indicator

        return table[validate_indicator(ident)]


@cache
def colors() -> dict[str, str]:
    """Composite id -> its colour (``color`` column), pillars first, then the other composites."""
    color = _column("color")
    order = [*pillars(), *(c for c in composites() if c not in pillars())]
    return {c: str(color[c]) for c in order if pd.notna(color[c])}


def combines_unrounded(composite: str) -> bool:
    """Whether a composite averages its parts' unrounded means (its ``method`` says so: criminality)."""
    return "unrounded" in str(_get(_lookup("method"), composite))


@cache
def added_in(edition: int) -> tuple[str, ...]:
    """The indicators an edition has that its previous edition did not (none for the first edition)."""
    before = previous_edition(edition)
    if before is None:
        return ()
    earlier = set(indicators_of(before))
    return tuple(i for i in indicators_of(edition) if i not in earlier)


def previous_edition(edition: int) -> int | None:
    """The edition before ``edition``, or None for the first."""
    return _previous_editions().get(edition)


@cache
def _previous_editions() -> dict[int, int | None]:
    table = load_editions()
    return {int(e): None if pd.isna(p) else int(p) for e, p in zip(table["edition"], table["previous"], strict=True)}


# Printed names


def spelling_key(printed: str) -> str:
    """The matching key of a printed name: case folded, spaces collapsed, surrounding space removed."""
    return " ".join(printed.split()).casefold()


@cache
def load_printed_names() -> pd.DataFrame:
    """The printed names (``printed_names.csv``): one row per id (column ``indicator``); per edition the names
    documents print (``2021``, ...), the workbook's headers (``workbook_2021``, ...) and ``other_spellings`` accepted in
    every edition the id exists in. Several names in a cell are separated by ``|``."""
    table = pd.read_csv(PACKAGE_DATA / "printed_names.csv", dtype="str", keep_default_na=False)
    ids = list(load_indicators()["indicator"])
    if sorted(table["indicator"]) != sorted(ids):
        _refuse(PRINTED_NAMES_HINT, "one row per id of indicators.csv",
                f"missing {sorted(set(ids) - set(table['indicator']))}, extra "
                f"{sorted(set(table['indicator']) - set(ids))}, repeated "
                f"{table.loc[table['indicator'].duplicated(), 'indicator'].tolist()}")
    editions = load_indicators().set_index("indicator")["editions"]
    for column in table.columns[1:]:
        year = _edition_of_column(column)
        if year is None:
            continue
        for ident, cell in zip(table["indicator"], table[column], strict=True):
            if bool(cell) != exists_in(editions[ident], year) and (cell or column.isdigit()):
                _refuse(PRINTED_NAMES_HINT, f"a name in column {column} exactly for the ids of {year}",
                        f"{cell!r} for {ident}")
    seen: dict[str, str] = {}
    for ident, cells in zip(table["indicator"], table.iloc[:, 1:].itertuples(index=False), strict=True):
        for name in (n for cell in cells for n in cell.split("|") if n):
            if seen.setdefault(spelling_key(name), ident) != ident:
                _refuse(PRINTED_NAMES_HINT, "each spelling naming one id",
                        f"{name!r} for {seen[spelling_key(name)]} and {ident}")
    return table


def _edition_of_column(column: str) -> int | None:
    """The edition a column of ``printed_names.csv`` is about (``2023``, ``workbook_2023``), or None."""
    text = column.removeprefix(WORKBOOK_PREFIX)
    if text.isdigit():
        return int(text)
    if column != OTHER_SPELLINGS:
        _refuse(PRINTED_NAMES_HINT, f"columns <edition>, {WORKBOOK_PREFIX}<edition> or {OTHER_SPELLINGS}",
                repr(column))
    return None


@cache
def _spellings(edition: int | None) -> dict[str, str]:
    """Spelling key -> id, for the names an edition prints (every edition's with None)."""
    table = load_printed_names()
    editions = load_indicators().set_index("indicator")["editions"]
    out: dict[str, str] = {}
    for column in table.columns[1:]:
        year = _edition_of_column(column)
        if edition is not None and year is not None and year != edition:
            continue
        for ident, cell in zip(table["indicator"], table[column], strict=True):
            if edition is not None and not exists_in(editions[ident], edition):
                continue
            out.update({spelling_key(name): ident for name in cell.split("|") if name})
    return out


def indicator_for(printed: str, edition: int | None = None) -> str | None:
    """The id a printed indicator or composite name stands for in ``edition`` (in any edition with
    None), or None: ``"ECONOMIC REGULATORY CAPACITY"`` and ``"Economic regulatory environment"`` ->
    ``economic_regulatory_capacity``. Case and spacing do not matter; the spellings are
    ``printed_names.csv``'s."""
    return _spellings(edition).get(spelling_key(printed))


def printed_names(edition: int | None = None) -> dict[str, str]:
    """Every known spelling (as matched: case folded) -> id, for one edition or all."""
    return dict(_spellings(edition))


def build_codebook(definitions: pd.DataFrame) -> pd.DataFrame:
    """The codebook table: the indicator table plus definitions taken from the documents.

    ``definitions`` has columns ``indicator, definition, source, line``; the first one found per
    indicator is used (later documents that print the same text are not repeated). ``method`` is the
    table's; the ranked dimensions add the ranking rule of ``editions.csv``.
    """
    table = load_indicators().drop(columns=["keywords", "color"])
    first = definitions.drop_duplicates("indicator").set_index("indicator")
    table["definition"] = table["indicator"].map(first["definition"]).astype("str")
    where = first["source"] + ":" + first["line"].astype("str")
    table["definition_source"] = table["indicator"].map(where).astype("str")
    rule = load_editions()["rank_rule"].iloc[-1]
    ranked = table["indicator"].isin(metrics())
    table.loc[ranked, "method"] = table.loc[ranked, "method"] + f"; ranks: {rule}, world, continent and region"
    return table.sort_values("order", ignore_index=True)
