"""Table schemas (``schema.yaml``): coerce every output to its declared types and check its key."""

from __future__ import annotations

from functools import cache

import pandas as pd
import yaml

from ocdata.errors import ValidationError
from ocdata.paths import PACKAGE_DATA

DTYPES = {"string": "str", "integer": "Int64", "number": "float64", "boolean": "boolean"}


@cache
def load_schemas() -> dict:
    """Every table's schema: ``{table: {"primary_key": [...], "fields": [{name, type, description}]}}``."""
    text = (PACKAGE_DATA / "schema.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml where it is built


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """The table with exactly its schema's columns, in order, with the declared dtypes.

    Missing columns are added empty; a duplicate primary key is a loud error.
    """
    schema = load_schemas()[name]
    out = pd.DataFrame(index=table.index)
    for field in schema["fields"]:
        column = table[field["name"]] if field["name"] in table else pd.Series(pd.NA, index=table.index)
        dtype = DTYPES[field["type"]]
        if dtype == "str":
            column = column.astype("object").where(column.notna(), None).astype("str")
        out[field["name"]] = column.astype(dtype)
    key = schema["primary_key"]
    if key and out.duplicated(key).any():
        dupes = out[out.duplicated(key, keep=False)][key].head(3).to_dict("records")
        raise ValidationError(f"table {name}: expected one row per {tuple(key)}, found duplicates {dupes}")
    return out.reset_index(drop=True)
