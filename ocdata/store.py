"""Write the built tables: CSV, Parquet and a Frictionless ``datapackage.json``, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ocdata import __version__
from ocdata.schema import load_schemas

PACKAGE_NAME = "global-organized-crime-index-tidy"


def write_tables(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, out: Path) -> list[Path]:
    """Write every table to ``out`` in one step: a failed write leaves the previous build as it was.

    The tables are written to a fresh folder beside ``out``, which then takes ``out``'s place.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        resources = []
        for name, table in tables.items():
            csv_path, parquet_path = staging / f"{name}.csv", staging / f"{name}.parquet"
            table.to_csv(csv_path, index=False, lineterminator="\n")
            table.to_parquet(parquet_path, index=False)
            resources.append(_resource(name, csv_path))
        descriptor = {
            "profile": "data-package",
            "name": PACKAGE_NAME,
            "title": "Global Organized Crime Index: tidy tables (ocdata)",
            "version": __version__,
            "sources": [{"title": row["title"], "path": row["file"], "publisher": row["publisher"]}
                        for row in sources.to_dict("records")],
            "resources": resources,
        }
        (staging / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.iterdir())


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is; the old build is removed only once the new one is in place."""
    if not out.exists():
        os.replace(staging, out)
        return
    old = out.with_name(f".{out.name}-old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _resource(name: str, csv_path: Path) -> dict:
    schema = load_schemas()[name]
    fields = [{"name": f["name"], "type": f["type"], "description": f["description"]} for f in schema["fields"]]
    table_schema: dict = {"fields": fields, "missingValues": [""]}
    if schema["primary_key"]:
        table_schema["primaryKey"] = schema["primary_key"]
    return {
        "name": name,
        "path": csv_path.name,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "hash": "sha256:" + hashlib.sha256(csv_path.read_bytes()).hexdigest(),
        "bytes": csv_path.stat().st_size,
        "schema": table_schema,
    }
