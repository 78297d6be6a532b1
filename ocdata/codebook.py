"""The codebook and the layout tables: reference data kept in ``ocdata/data``, loaded once."""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import yaml

from ocdata.paths import PACKAGE_DATA

COMPOSITES = ("criminality", "criminal_markets", "criminal_actors", "resilience")
METRICS = ("criminality", "resilience")

COMPOSITE_METHOD = "mean of its indicators, rounded half-up to 2 decimals"
CRIMINALITY_METHOD = "mean of the unrounded criminal markets and criminal actors means, rounded half-up"
INDICATOR_METHOD = "expert score from 1 to 10 in steps of 0.5"


def to_id(label: str) -> str:
    """The id of a printed name: ``NON-RENEWABLE RESOURCE CRIMES`` -> ``non_renewable_resource_crimes``."""
    text = label.strip().lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@cache
def load_indicators() -> pd.DataFrame:
    """The indicator table (``indicators.csv``): every indicator and composite with its pillar and editions."""
    table = pd.read_csv(
        PACKAGE_DATA / "indicators.csv",
        dtype={"indicator": "str", "label": "str", "level": "str", "pillar": "str", "dimension": "str",
               "parent": "str", "editions": "str", "order": "int64", "keywords": "str"},
        keep_default_na=False,
        na_values=[""],
    )
    assert table["indicator"].is_unique, "indicators.csv: duplicate indicator id"
    bad = table.loc[table["indicator"] != table["label"].map(to_id), "indicator"].tolist()
    assert not bad, f"indicators.csv: ids that are not the snake_case of their label: {bad}"
    return table


@cache
def load_editions() -> pd.DataFrame:
    """The editions (``editions.csv``) with the previous edition of each and the ranking rule."""
    table = pd.read_csv(PACKAGE_DATA / "editions.csv", dtype={"previous": "Int64"})
    assert table["edition"].is_unique, "editions.csv: duplicate edition"
    return table


@cache
def load_layout() -> dict:
    """The document layout rules (``layout.yaml``)."""
    return yaml.safe_load((PACKAGE_DATA / "layout.yaml").read_text(encoding="utf-8"))


@cache
def load_sections() -> pd.DataFrame:
    """The narrative sections (``sections.csv``): headings, their pillar and the indicators they cover."""
    return pd.read_csv(PACKAGE_DATA / "sections.csv", dtype="str", keep_default_na=False, na_values=[""])


def exists_in(editions: str, edition: int) -> bool:
    """Whether an ``editions`` cell (``"2023 2025"``) includes ``edition``."""
    return str(edition) in editions.split()


@cache
def indicators_of(edition: int, parent: str | None = None) -> tuple[str, ...]:
    """The ids of the scored indicators of an edition (optionally only the children of ``parent``)."""
    table = load_indicators()
    mask = (table["level"] == "indicator") & table["editions"].map(lambda e: exists_in(e, edition))
    if parent is not None:
        mask &= table["parent"] == parent
    return tuple(table.loc[mask, "indicator"])


@cache
def children_of(composite: str, edition: int) -> tuple[str, ...]:
    """What a composite is the mean of in an edition (indicators, or for criminality its two pillars)."""
    table = load_indicators()
    mask = (table["parent"] == composite) & table["editions"].map(lambda e: exists_in(e, edition))
    return tuple(table.loc[mask, "indicator"])


@cache
def previous_edition(edition: int) -> int | None:
    """The edition before ``edition``, or None for the first."""
    row = load_editions().set_index("edition")["previous"].get(edition)
    return None if row is None or pd.isna(row) else int(row)


def build_codebook(definitions: pd.DataFrame) -> pd.DataFrame:
    """The codebook table: the indicator table plus definitions taken from the documents.

    ``definitions`` has columns ``indicator, definition, source, line``; the first one found per
    indicator is used (later documents that print the same text are not repeated).
    """
    table = load_indicators().drop(columns=["keywords"])
    first = definitions.drop_duplicates("indicator").set_index("indicator")
    table["definition"] = table["indicator"].map(first["definition"]).astype("str")
    where = first["source"] + ":" + first["line"].astype("str")
    table["definition_source"] = table["indicator"].map(where).astype("str")
    table["method"] = table["level"].map({"indicator": INDICATOR_METHOD, "pillar": COMPOSITE_METHOD})
    table.loc[table["indicator"] == "resilience", "method"] = COMPOSITE_METHOD
    table.loc[table["indicator"] == "criminality", "method"] = CRIMINALITY_METHOD
    rule = load_editions()["rank_rule"].iloc[-1]
    ranked = table["indicator"].isin(METRICS)
    table.loc[ranked, "method"] = table.loc[ranked, "method"] + f"; ranks: {rule}, world, continent and region"
    return table.sort_values("order", ignore_index=True)
