"""Saved builds: recognise one (its ``datapackage.json`` carries an ``"ocdata"`` key) and read its tables back,
checked against ``schema.yaml``.

A saved build folder holds, for every table of the schema, ``<table>.csv`` and ``<table>.parquet``, plus
``datapackage.json`` (the Frictionless descriptor, with ``"ocdata": {"version", "fingerprint", "inputs",
"left_out", "files"}``, ``"files"`` the sha256 of each table file) and ``.ocdata-build`` (written first, so that
even a half-written folder is known as ours).

The folder ``ocdata build --out`` names shows such a folder in one of two ways: it is a link to a version
folder ``.<name>.ocdata/<build id>/`` beside it, or (where links cannot be made) a real folder holding the same
files (hard links or copies) and the version's descriptor, whose ``"ocdata"`` record names the version folder it
shows (``"shows": "../.<name>.ocdata/<build id>"``). Its files are replaced one by one, so readers of its tables
(:func:`read_tables`) read the version folder the descriptor names: always one whole build.
"""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pandas as pd

from ocdata.errors import InputError
from ocdata.inputs.files import MB, read_input_bytes
from ocdata.schema import DTYPES, load_schemas

DESCRIPTOR = "datapackage.json"
BUILD_MARKER = ".ocdata-build"
MARKER_KEY = "ocdata"
PACKAGE_NAME = "global-organized-crime-index-tidy"
"""The descriptor's ``name``: builds made before the ``"ocdata"`` key existed are recognised by it."""
VERSIONS_SUFFIX = ".ocdata"
BUILD_ID = r"\d{8}T\d{6}-\d+-[0-9a-f]{6}"
"""The names ``store._new_id`` generates."""
VERSION_NAME = re.compile(rf"{BUILD_ID}(?:-previous)?")
"""A version folder (or an earlier build moved aside) inside the versions folder."""
SHOWS_KEY = "shows"
"""In a pointer ``datapackage.json``'s ``"ocdata"`` record: the version folder it shows, relative to its folder."""
FILES_KEY = "files"
"""In the ``"ocdata"`` record (and a pointer folder's marker): the sha256 of each table file, by name."""
RECORD_MAX_BYTES = 16 * MB
"""A descriptor or marker (a build's is under 100 kB)."""


def own_files() -> frozenset[str]:
    """Every file name a build writes into its folder."""
    names = {f"{table}.{ext}" for table in load_schemas() for ext in ("csv", "parquet")}
    return frozenset({DESCRIPTOR, BUILD_MARKER, *names})


def read_record(path: Path) -> object:
    """The JSON in the descriptor or marker ``path``, read with bounded work; ``None`` when there is no such file or
    it is not JSON. Refuses (``InputError`` naming it) anything but a regular file of at most 16 MB, and JSON
    nested too deeply to read."""
    path = Path(path)
    if not os.path.exists(path):  # missing, or a link to nothing
        return None
    data = read_input_bytes(path, RECORD_MAX_BYTES, "a build's descriptor")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise InputError("expected a build's descriptor, found JSON nested too deeply to read", file=path) from None
    except ValueError:  # not UTF-8, or not JSON
        return None


def read_descriptor(folder: Path) -> dict | None:
    """The folder's ``datapackage.json`` as a dict, or ``None`` when it has none that reads as JSON (see
    :func:`read_record` for what is refused)."""
    descriptor = read_record(Path(folder) / DESCRIPTOR)
    return descriptor if isinstance(descriptor, dict) else None


def build_info(folder: Path) -> dict | None:
    """The ``"ocdata"`` record of a saved build (version, fingerprint, inputs), or ``None``."""
    info = (read_descriptor(folder) or {}).get(MARKER_KEY)
    return info if isinstance(info, dict) else None


def is_saved_build(folder: Path) -> bool:
    """Whether ``folder`` is (or is the unfinished start of) a build ocdata wrote: its marker file, an ``"ocdata"``
    record in ``datapackage.json``, or the descriptor of an earlier ocdata build."""
    folder = Path(folder)
    if (folder / BUILD_MARKER).is_file() or build_info(folder) is not None:
        return True
    descriptor = read_descriptor(folder) or {}
    return descriptor.get("name") == PACKAGE_NAME and descriptor.get("profile") == "data-package"


def pointer_target(folder: Path) -> Path | None:
    """The version folder that the pointer ``folder/datapackage.json`` shows (``../.<name>.ocdata/<build id>``),
    or ``None`` when ``folder`` is no pointer folder (a link, a plain build, anything else)."""
    folder = Path(folder)
    if folder.is_symlink():
        return None
    shows = (build_info(folder) or {}).get(SHOWS_KEY)
    if not isinstance(shows, str):
        return None
    parts = shows.split("/")
    if (len(parts) != 3 or parts[0] != ".." or parts[1] != f".{folder.name}{VERSIONS_SUFFIX}"
            or not VERSION_NAME.fullmatch(parts[2])):
        return None
    return folder.parent / parts[1] / parts[2]


def shown_folder(folder: Path) -> Path:
    """The folder that holds the table files ``folder`` shows: a link's target, a pointer's version folder, or
    ``folder`` itself."""
    folder = Path(folder)
    if folder.is_symlink():
        return Path(os.path.realpath(folder))
    if not folder.exists():
        return set_aside(folder) or folder
    return pointer_target(folder) or folder


def set_aside(folder: Path) -> Path | None:
    """Where ``folder`` is missing because a build was killed between moving it aside and putting the new build in
    its place: the whole build it was, ``.<name>.ocdata/<build id>-previous`` (the newest), else ``None``."""
    versions = Path(folder).parent / f".{Path(folder).name}{VERSIONS_SUFFIX}"
    try:
        found = [p for p in versions.iterdir() if p.name.endswith("-previous") and VERSION_NAME.fullmatch(p.name)
                 and not p.is_symlink() and p.is_dir() and build_info(p) is not None]
    except OSError:
        return None
    return max(found, key=lambda p: p.name) if found else None


def foreign_files(folder: Path) -> list[str]:
    """The names in ``folder`` that a build does not write (a user's files), sorted."""
    own = own_files()
    return sorted(p.name for p in Path(folder).iterdir() if p.name not in own or not p.is_file() or p.is_symlink())


def check_table(name: str, table: pd.DataFrame, path: Path) -> None:
    """Refuse a table whose columns or dtypes are not its schema's (``InputError`` naming ``path``)."""
    fields = load_schemas()[name]["fields"]
    columns = [f["name"] for f in fields]
    if list(table.columns) != columns:
        raise InputError(f"expected the columns {', '.join(columns)} (schema.yaml), found "
                         f"{', '.join(map(str, table.columns)) or 'none'}", file=path)
    for field in fields:
        wanted, found = DTYPES[field["type"]], str(table[field["name"]].dtype)
        if found != wanted:
            raise InputError(f"expected column {field['name']} of dtype {wanted} (schema.yaml), found {found}",
                             file=path)


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a saved build, read from its Parquet files and checked against the schema.

    ``folder`` may be a link to a version folder, or a pointer folder: it is followed once, so all tables come
    from the same build. A ``folder`` that a killed build left missing is read from where it was set aside.
    """
    folder = Path(folder)
    if not shown_folder(folder).is_dir():
        raise InputError("expected a folder of tables written by 'ocdata build', found "
                         + ("a file" if folder.exists() else "no such folder"), file=folder)
    if not is_saved_build(folder if folder.exists() else shown_folder(folder)):
        raise InputError(f"expected a folder of tables written by 'ocdata build' (with its {DESCRIPTOR}), found "
                         "none", file=folder)
    for _ in range(3):  # a build that replaces the version being read: read the new one
        resolved = shown_folder(folder)
        try:
            return _read_version(resolved, folder)
        except FileNotFoundError as exc:
            if shown_folder(folder) == resolved:
                name = Path(exc.filename).name if exc.filename else "a table"
                raise InputError("expected every table of the saved build, found no such file",
                                 file=folder / name) from None
    raise InputError("expected a saved build that stays in place while read, found it replaced again and again",
                     file=folder)


def _read_version(resolved: Path, shown: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in load_schemas():
        path = resolved / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
        try:
            table = pd.read_parquet(path)
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise InputError(f"expected a Parquet table, found {_first_line(exc)}", file=shown / path.name) from None
        check_table(name, table, shown / path.name)
        tables[name] = table
    return tables


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
