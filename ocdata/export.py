"""``ocdata export``: the tidy tables as CSV or Parquet files, for tools other than pandas.

>>> from ocdata import export
>>> plan = export.export_plan(data.tables(), Path("scores.csv"))   # scores alone; a folder takes every table
>>> export.write_export(plan)                                       # the paths written
>>> export.run_export(Path("tables"), "parquet")    # what ``ocdata export --out tables --format parquet`` does

The scores table goes to a file; every table goes to a folder. Each file is written atomically, and a file
that is there already is replaced only when ocdata wrote it and it is unchanged since (recorded in the folder's
``.ocdata-files.json``): any other existing file is refused before anything is written.
``ocdata.load(workbook="scores.csv")`` reads the scores back (the ``tidy`` layout of ``workbook_layouts.csv``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ocdata.errors import InputError, ParameterError
from ocdata.outputs.atomic import remove_temporaries
from ocdata.outputs.ledger import Ledger, file_sha256, sha256_bytes
from ocdata.outputs.locks import folder_lock
from ocdata.outputs.write_plan import write_files

__all__ = [
    "export_plan",
    "run_export",
    "table_bytes",
    "write_export",
]

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
    """Write every file of ``plan`` atomically, holding the folder's lock, after refusing (``InputError``) any path
    that is not a file and any existing file that ocdata did not write (by :mod:`ocdata.outputs.ledger`: a file is
    replaced only while it holds the bytes an earlier export recorded, or already the same bytes); the files
    written (those already identical are left alone). The folder's ``.ocdata-files.json`` records them."""
    if not plan:
        return []
    folder = next(iter(plan)).parent
    for path in plan:
        if path.is_symlink():
            raise InputError("expected a new file or an earlier export, found a link (ocdata writes through no "
                             "link: move it or choose another --out)", file=path)
        if (path.parent.exists() or path.parent.is_symlink()) and not path.parent.is_dir():
            raise InputError("expected a folder for the tables, found a file or a link to nothing", file=path.parent)
        if path.is_dir() or (path.exists() and not path.is_file()):
            raise InputError("expected a file to write the table to, found a folder or something else", file=path)
    with folder_lock(folder, "the export folder"):
        ledger = Ledger.read(folder) if folder.is_dir() else Ledger(folder)
        remove_temporaries(folder)  # what an export killed mid-write left
        ledger.refuse_foreign(plan.items(), hint="move it or choose another --out")
        changed = [(path, data) for path, data in plan.items() if file_sha256(path) != sha256_bytes(data)]
        if not changed:
            return []
        with ledger.writing(dict(changed)):
            written = write_files(changed)
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
