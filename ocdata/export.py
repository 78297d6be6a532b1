"""``ocdata export``: the tidy tables as CSV or Parquet files, for tools other than pandas.

The scores table goes to a file; every table goes to a folder. Each file is written atomically, and a file
that is there already is replaced only by the same bytes (a re-export): any other existing file is refused
before anything is written. ``ocdata.load(workbook="scores.csv")`` reads the scores back (the ``tidy`` layout
of ``workbook_layouts.csv``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ocdata.atomic import write_bytes_atomic
from ocdata.errors import InputError, ParameterError

FORMATS = {".csv": "csv", ".parquet": "parquet"}


def table_bytes(table: pd.DataFrame, format: str) -> bytes:
    """A table as the bytes of a CSV (UTF-8, ``\\n`` line ends) or Parquet file."""
    if format == "csv":
        return table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def export_plan(tables: dict[str, pd.DataFrame], out: Path, format: str | None = None) -> dict[Path, bytes]:
    """Each file to write and its bytes: ``scores`` alone when ``out`` is a file, every table when it is a
    folder (an existing folder, or a name without a .csv or .parquet suffix). ``format`` defaults to the
    file's suffix, else CSV; a file's suffix must agree with it."""
    out = Path(out)
    is_file = out.suffix.lower() in FORMATS and not out.is_dir()
    if is_file:
        implied = FORMATS[out.suffix.lower()]
        if format is not None and format != implied:
            raise ParameterError(f"--format {format} and the file name {out.name} disagree")
        return {out: table_bytes(tables["scores"], implied)}
    format = format or "csv"
    return {out / f"{name}.{format}": table_bytes(table, format) for name, table in tables.items()}


def write_export(plan: dict[Path, bytes]) -> list[Path]:
    """Write every file of ``plan`` atomically, after refusing (``InputError``) any existing file whose bytes
    differ or any path that is not a file; the files written (those already identical are left alone)."""
    for path, data in plan.items():
        if path.is_symlink():
            raise InputError("expected a new file or an identical earlier export, found a link (ocdata writes "
                             "through no link: move it or choose another --out)", file=path)
        if (path.parent.exists() or path.parent.is_symlink()) and not path.parent.is_dir():
            raise InputError("expected a folder for the tables, found a file or a link to nothing", file=path.parent)
        if path.is_dir() or (path.exists() and not path.is_file()):
            raise InputError("expected a file to write the table to, found a folder or something else", file=path)
        if path.is_file() and path.read_bytes() != data:
            raise InputError("expected a new file or an identical earlier export, found a different file (ocdata "
                             "replaces no file it did not write: move it or choose another --out)", file=path)
    written = []
    for path, data in plan.items():
        if path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_bytes_atomic(path, data))
    return written


def run_export(out: Path | None = None, format: str | None = None, raw=None, workbook=None,
               edition: int | None = None) -> int:
    """``ocdata export``: load the tables (checks must pass) and write them; prints each file; the exit code."""
    from ocdata.build import load

    data = load(raw, workbook, edition=edition)
    out = Path(out) if out is not None else Path(f"scores.{format or 'csv'}")
    plan = export_plan(data.tables(), out, format)
    written = set(write_export(plan))
    for path in plan:
        print(f"{'wrote' if path in written else 'unchanged'} {path}")
    return 0
