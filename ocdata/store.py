"""Save built tables (CSV, Parquet, a Frictionless ``datapackage.json``) without ever losing a file.

``publish_tables(..., out)``: ``out`` is a link, flipped in one step (``os.replace``), to a version folder beside
it, ``.<out name>.ocdata/<build id>/``. At every instant ``out`` shows one complete build, the old or the new.
``out`` may be missing, an empty folder, or an earlier ocdata build (a real folder: swapped for the link in
one step too, where the file system can exchange two names; else moved aside into the versions folder as
``<build id>-previous`` first. A build killed between those two renames leaves ``out`` missing: readers then
read the build set aside, and the next build puts it back before anything else).

Where links cannot be made (Windows without developer mode), ``out`` is a real folder holding the version's
table files (hard links where the file system allows, else copies), each put in place in one step from a
temporary name ``.<file>.<build id>.tmp``, and last its ``datapackage.json``: the version's descriptor, a plain
Frictionless package of the files beside it, whose ``"ocdata"`` record names the version folder it shows
(``"shows"``). During a switch its files may be of two builds for an instant; ``ocdata.load(tables=out)`` and
holds read the version folder the descriptor names, always whole. Before a switch places a file, the marker
``.ocdata-build`` records the sha256 of the files there and of those to come, and the descriptor records those it
lists: a table file whose bytes neither records is a user's, refused and never replaced or removed. (Turning a
link into such a folder takes two steps; a build killed between them leaves ``out`` missing until the next build
puts the new folder, kept beside it, in place.)

Anything else is refused before anything is touched. The versions folder carries its own marker (``.lock``
holds ``{"writer": "ocdata"}``, written before the folder takes its name; one build at a time writes there,
holding a lock on ``.writing.lock``): a ``.<out name>.ocdata`` without it is a user's folder, refused and never
touched. Versions and leftovers of killed builds are removed by the next build, and only entries whose
names are exactly the ones ocdata generates (a build id, a swap link) and that carry ocdata's marker: never a
user's link, file or folder.

``hold(folder)``: while a batch reads a build, no build, clean-up or pruning removes it (a locked file in
``.holds/`` beside the version; a hold whose holder died is removed by the next cleaner).

``save_tables(..., folder)``: a plain folder (the user cache of ``ocdata.load()``), written beside its place
and renamed into it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from ocdata import __version__, capabilities
from ocdata.errors import InputError
from ocdata.inputs.files import check_input_file, read_input_bytes
from ocdata.schema import load_schemas
from ocdata.tables import (
    BUILD_ID,
    BUILD_MARKER,
    DESCRIPTOR,
    FILES_KEY,
    MARKER_KEY,
    PACKAGE_NAME,
    SHOWS_KEY,
    VERSION_NAME,
    VERSIONS_SUFFIX,
    build_info,
    foreign_files,
    is_saved_build,
    own_files,
    pointer_target,
    read_descriptor,
    read_record,
    set_aside,
    shown_folder,
)

DIR_MODE = 0o755
FILE_MODE = 0o644
LOCK_NAME = ".lock"
"""A versions folder's marker (``{"writer": "ocdata"}``); earlier versions of ocdata also locked it."""
WRITE_LOCK = ".writing.lock"
"""The lock file of a folder ocdata writes into (one build at a time)."""
HOLDS_NAME = ".holds"
"""Beside held builds: a folder of hold files, ``<build name>.<token>.lock``, each locked by its holder."""
HOLD_FILE = re.compile(r"(?P<build>[^/\\]+)\.(?P<token>[0-9a-f]{16})\.lock")
POINTER_SUFFIX = ".pointer"
"""A pointer ``datapackage.json`` being written (in the versions folder, named by its build id)."""
RECORD_SUFFIX = ".marker"
"""A pointer folder's marker being written, with its record of files (in the versions folder, by build id)."""
PLACING = re.compile(rf"\.(?P<file>[^/\\]+)\.{BUILD_ID}\.tmp")
"""A table file being put in place in a pointer folder (``.<file>.<build id>.tmp``, renamed onto ``<file>``)."""
MARKER_WRITER = "ocdata"
CACHE_LEFTOVER = re.compile(rf"\.(?:tmp|old)-{BUILD_ID}")
SYSTEM_TREES = frozenset({"bin", "boot", "dev", "etc", "proc", "sbin", "sys", "usr"})
"""Top-level folders that, with everything inside them, never hold built tables (and every ``/lib*``)."""
SYSTEM_FOLDERS = frozenset(Path(p) for p in ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32",
                                             "/lib64", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin",
                                             "/srv", "/sys", "/tmp", "/usr", "/var", "/Users", "/System",
                                             "/Library", "/Applications", "/private"))

STEP_HOOK: Callable[[str], None] | None = None
"""Called with the name of each step of a publication (tests kill the process there); ``None`` in use."""
STEPS = ("staging", "marker", "table", "descriptor", "place", "link", "swap", "retire", "cleaned")
"""In order; ``place`` (a file about to be renamed into a pointer folder) happens only where links cannot be made."""


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


def versions_dir(out: Path) -> Path:
    """The folder beside ``out`` that holds its versions: ``.<name>.ocdata``."""
    return out.parent / f".{out.name}{VERSIONS_SUFFIX}"


def _swap_prefix(out: Path) -> str:
    return f".{out.name}{VERSIONS_SUFFIX}-swap-"


def _new_prefix(out: Path) -> str:
    return f".{out.name}{VERSIONS_SUFFIX}-new-"


def _system_folder(out: Path) -> Path | None:
    """The system folder ``out`` is or lies in (as given, and with its parent's links resolved), or ``None``."""
    absolute = Path(os.path.abspath(out))
    home = Path(os.path.expanduser("~")).absolute()
    for path in (absolute, absolute.parent.resolve() / absolute.name):
        if path in SYSTEM_FOLDERS or path in (home, home.resolve()):
            return path
        top = path.parts[1] if len(path.parts) > 1 else ""
        if top in SYSTEM_TREES or top.startswith("lib"):
            return Path(path.anchor) / top
    return None


def _versions_ours(versions: Path, out: Path) -> bool:
    """Whether the existing folder ``versions`` is ocdata's: it carries our marker, or (made by an earlier version
    of ocdata) ``out`` is our link into it and it holds only the lock and version folders."""
    if _marked(versions):
        return True
    if not out.is_symlink() or _link_version(out) is None:
        return False
    names = [p.name for p in versions.iterdir()]
    return any(VERSION_NAME.fullmatch(n) for n in names) and all(
        n in (LOCK_NAME, WRITE_LOCK, HOLDS_NAME) or VERSION_NAME.fullmatch(n) for n in names)


def _check_versions(out: Path) -> None:
    """Refuse (``InputError`` naming it) a ``.<out>.ocdata`` that ocdata did not make."""
    versions = versions_dir(out)
    if versions.is_symlink() or (versions.exists() and not versions.is_dir()):
        raise InputError("expected a folder of ocdata versions, found a file or link ocdata did not make (move it "
                         "away or choose another --out)", file=versions)
    if not versions.exists():
        return
    try:
        ours = _versions_ours(versions, out)
    except OSError as exc:
        raise InputError(f"expected a readable folder of ocdata versions, found {exc.strerror}",
                         file=versions) from None
    if not ours:
        raise InputError(f"expected a folder of ocdata versions (marked by its {LOCK_NAME}), found a folder ocdata "
                         "did not make; nothing was touched (move it away or choose another --out)", file=versions)


def _marked(versions: Path) -> bool:
    """Whether ``versions`` carries ocdata's marker: a regular ``.lock`` holding ``{"writer": "ocdata", ...}``."""
    lock = versions / LOCK_NAME
    try:
        if lock.is_symlink() or check_input_file(lock, 4096) == 0:
            return False
        content = json.loads(read_input_bytes(lock, 4096))
    except (InputError, OSError, ValueError):
        return False
    return isinstance(content, dict) and content.get("writer") == MARKER_WRITER


def _only_marker(folder: Path) -> bool:
    """Whether ``folder`` is a real folder holding nothing but ocdata's marker."""
    return (not folder.is_symlink() and folder.is_dir() and [p.name for p in folder.iterdir()] == [LOCK_NAME]
            and _marked(folder))


def _mark(folder: Path) -> None:
    """Write ocdata's marker into ``folder/.lock`` in place (a lock an earlier ocdata holds on it stays held)."""
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps({"writer": MARKER_WRITER, "version": __version__}) + "\n").encode())
    finally:
        os.close(fd)
    os.chmod(path, FILE_MODE)


# Where the tables may go.
def check_out(out: Path, document_folders: Iterable[Path] = ()) -> None:
    """Refuse (``InputError`` naming ``out``) an output that is not missing, empty, or an earlier ocdata build:
    a file, a user's folder or link, a system folder, a document folder or a folder around one."""
    out = Path(out)
    absolute = Path(os.path.abspath(out))
    system = _system_folder(out)
    if system is not None:
        raise InputError(f"expected a folder of your own for the built tables, found the system or home folder "
                         f"{system}", file=out)
    if out.name in ("", ".") or absolute == Path(os.path.abspath(os.curdir)):
        raise InputError("expected a folder name for the built tables, found the working folder itself (name a "
                         "subfolder such as tables)", file=out)
    if out.name == "..":
        raise InputError("expected a folder name for the built tables, found '..' (name a subfolder such as tables)",
                         file=out)
    _check_versions(out)
    real = absolute.parent.resolve() / absolute.name
    for folder in document_folders:
        docs = Path(folder).resolve()
        if real == docs or docs in real.parents or out.resolve() == docs:
            raise InputError(f"expected an output folder outside the documents, found the document folder {folder}",
                             file=out)
        if real in docs.parents:
            raise InputError(f"expected an output folder that holds no documents, found the document folder "
                             f"{folder} inside it", file=out)
    if out.is_symlink() and _link_version(out) is None:
        raise InputError("expected a folder for the built tables, found a link ocdata did not make", file=out)
    current = shown_version(out)
    if current is not None and current.is_dir():
        if foreign_files(current):
            raise InputError(f"expected only the files of an ocdata build, found {foreign_files(current)[0]!r} "
                             "(move it out first)", file=out)
        _check_unchanged(current, out)
    if out.is_symlink():
        return
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("expected a folder for the built tables, found a file", file=out)
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise InputError(f"expected a readable folder, found {exc.strerror}", file=out) from None
    if not entries:
        return
    if not is_saved_build(out):
        what = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        raise InputError(f"expected a missing or empty folder, or an earlier ocdata build, found {what} ocdata did "
                         f"not write (e.g. {entries[0]!r})", file=out)
    _check_files(out)


def _check_files(out: Path) -> None:
    """Refuse (``InputError``) a real folder build ``out`` holding a file ocdata did not write: a name a build does
    not write, or a table file (or one being placed) whose bytes ocdata did not record."""
    records = _records(out)
    for name in foreign_files(out):
        placing = PLACING.fullmatch(name)
        if placing is None or records is None or not _recorded(out / name, placing["file"], records):
            raise InputError(f"expected only the files of an ocdata build, found {name!r} (move it out first)",
                             file=out)
    _check_unchanged(out, out)
    if records is None:
        return
    for name in sorted(_table_files()):
        if (out / name).exists() and not _recorded(out / name, name, records):
            raise InputError(f"expected the files of an ocdata build as it wrote them, found {name!r} changed "
                             "since (move it out first)", file=out)


def _check_unchanged(folder: Path, out: Path) -> None:
    """Refuse (``InputError`` naming ``out``) the build ``folder`` when one of its table files has bytes other than
    those its descriptor or marker records (a file without a record is not refused here)."""
    known = _known(folder)
    for name in sorted(_table_files()):
        path = folder / name
        if known.get(name) and path.is_file() and not path.is_symlink() and _sha256(path) not in known[name]:
            raise InputError(f"expected the files of an ocdata build as it wrote them, found {name!r} changed "
                             "since (move it out first)", file=out)


def _known(folder: Path) -> dict[str, set[str]]:
    """Every sha256 ocdata recorded for each table file of ``folder``: its ``"files"`` records, and each CSV's
    ``hash`` in the descriptor's resources (builds made before the ``"files"`` record)."""
    known = {name: set(hashes) for name, hashes in (_records(folder) or {}).items()}
    resources = (read_descriptor(folder) or {}).get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("path"), str) and isinstance(
                resource.get("hash"), str):
            known.setdefault(resource["path"], set()).add(resource["hash"])
    return known


def _unchanged(folder: Path) -> bool:
    """Whether every table file in ``folder`` still has bytes ocdata recorded for it. A folder with no descriptor
    and no record in its marker is a build killed while it was written (never shown): its files count as ours."""
    if not (folder / DESCRIPTOR).exists() and not isinstance(_marker_info(folder).get(FILES_KEY), dict):
        return True
    known = _known(folder)
    return all(_recorded(folder / name, name, known) or _same_as_csv(folder / name, known)
               for name in _table_files() if (folder / name).exists())


def _same_as_csv(path: Path, known: Mapping[str, set[str]]) -> bool:
    """Whether ``path``, a Parquet file of a build made before Parquet hashes were recorded, holds the table of its
    CSV as ocdata recorded it (written as CSV, it has the recorded sha256)."""
    csv = path.with_suffix(".csv").name
    if path.suffix != ".parquet" or known.get(path.name) or not known.get(csv) or path.is_symlink():
        return False
    try:
        text = pd.read_parquet(path).to_csv(index=False, lineterminator="\n")
    except Exception:  # any file pyarrow cannot read as the table is not proven ours
        return False
    return f"sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()}" in known[csv]


def _table_files() -> frozenset[str]:
    return own_files() - {DESCRIPTOR, BUILD_MARKER}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def _marker_info(folder: Path) -> dict:
    marker = folder / BUILD_MARKER
    info = None if marker.is_symlink() else read_record(marker)
    return info if isinstance(info, dict) else {}


def _records(folder: Path) -> dict[str, set[str]] | None:
    """The sha256 that ocdata recorded for each table file of the real folder ``folder`` (by its descriptor, and by
    its marker before a switch places files); ``None`` for a plain build made before these records, whose files
    are known by their names alone."""
    records: dict[str, set[str]] = {}
    found = False
    for info in (build_info(folder) or {}, _marker_info(folder)):
        files = info.get(FILES_KEY)
        if not isinstance(files, dict):
            continue
        found = True
        for name, hashes in files.items():
            hashes = [hashes] if isinstance(hashes, str) else hashes if isinstance(hashes, list) else []
            records.setdefault(name, set()).update(h for h in hashes if isinstance(h, str))
    return records if found or pointer_target(folder) is not None else None


def _recorded(path: Path, name: str, records: Mapping[str, set[str]]) -> bool:
    """Whether ``path`` is a regular file whose bytes are recorded for the table file ``name``."""
    return (not path.is_symlink() and path.is_file() and bool(records.get(name))
            and _sha256(path) in records[name])


def shown_version(out: Path) -> Path | None:
    """The version folder ``out`` shows (as a link, or as a pointer folder), or ``None``."""
    out = Path(out)
    return _link_version(out) if out.is_symlink() else pointer_target(out)


def _link_version(out: Path, versions: Path | None = None) -> Path | None:
    """The version folder the link ``out`` points to, when it is one of ours (a version folder inside our versions
    folder: ``versions``, by default ``out``'s own)."""
    versions = versions if versions is not None else versions_dir(out)
    target = Path(os.readlink(out))
    if (target.is_absolute() or len(target.parts) != 2 or target.parts[0] != versions.name
            or not VERSION_NAME.fullmatch(target.parts[1])):
        return None
    return out.parent / target


# Writing one build into a folder.
def _make_dir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE)
    os.chmod(path, DIR_MODE)


def _write_build(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, folder: Path, info: dict | None) -> None:
    """Fill ``folder`` (already made): marker, CSV and Parquet of every table, then ``datapackage.json``."""
    _write_marker(folder)
    _step("marker")
    resources = []
    files: dict[str, str] = {}
    for name, table in tables.items():
        csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
        table.to_csv(csv_path, index=False, lineterminator="\n")
        table.to_parquet(parquet_path, index=False)
        os.chmod(csv_path, FILE_MODE)
        os.chmod(parquet_path, FILE_MODE)
        resources.append(_resource(name, csv_path))
        files.update({csv_path.name: resources[-1]["hash"], parquet_path.name: _sha256(parquet_path)})
        _step("table")
    descriptor = {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Global Organized Crime Index: tidy tables (ocdata)",
        "version": __version__,
        "sources": [{"title": row["title"], "path": row["file"], "publisher": row["publisher"]}
                    for row in sources.to_dict("records")],
        "resources": resources,
        MARKER_KEY: {"version": __version__, **(info or {}), FILES_KEY: files},
    }
    path = folder / DESCRIPTOR
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.chmod(path, FILE_MODE)
    _step("descriptor")


def _write_marker(folder: Path) -> None:
    marker = folder / BUILD_MARKER
    marker.write_text(json.dumps({"writer": "ocdata", "version": __version__}) + "\n", encoding="utf-8")
    os.chmod(marker, FILE_MODE)


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
        "hash": _sha256(csv_path),
        "bytes": csv_path.stat().st_size,
        "schema": table_schema,
    }


def _new_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (one build at a time writes there; released if the process dies)."""
    with FileLock(folder / WRITE_LOCK, mode=FILE_MODE):
        yield


def _remove_build(folder: Path, *, empty: bool = False) -> bool:
    """Remove a folder that holds an ocdata build (or the start of one) and nothing else, each table file with the
    bytes ocdata recorded for it (see :func:`_unchanged`: else it is kept); an empty folder only with ``empty`` (a
    folder ocdata made and was killed before marking)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        if not empty:
            return False
        folder.rmdir()
        return True
    if not is_saved_build(folder) or foreign_files(folder) or not _unchanged(folder):
        return False
    last = (DESCRIPTOR, BUILD_MARKER)  # the markers go last: a removal cut short is still known as ours
    for path in sorted(folder.iterdir(), key=lambda p: last.index(p.name) if p.name in last else -1):
        path.unlink()
    folder.rmdir()
    return True


def _environment_error(exc: OSError, fallback: Path) -> InputError:
    where = exc.filename or fallback
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InputError("expected free space to write the tables, found the disk full", file=where)
    return InputError(f"expected a writable folder for the tables, found {exc.strerror or exc}", file=where)


# Publishing into a folder the user names (``ocdata build --out``).
def publish_tables(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, out: Path, info: dict | None = None,
                   *, document_folders: Iterable[Path] = ()) -> Path:
    """Write a build and make ``out`` show it, in one step; return the version folder it shows.

    Refuses (``InputError``) what :func:`check_out` refuses, and a read-only, full or forbidden folder; a failed
    or interrupted publication leaves ``out`` as it was.
    """
    out = Path(out)
    folders = list(document_folders)
    check_out(out, folders)
    versions = versions_dir(out)
    version: Path | None = None
    try:
        out.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        _make_versions(out)
        with _locked(versions):
            _restore(out)
            check_out(out, folders)
            clean_leftovers(out)
            build_id = _new_id()
            version = versions / build_id
            _make_dir(version)
            _step("staging")
            _write_build(tables, sources, version, info)
            _flip(out, versions, build_id)
            version = None  # published: no longer ours to remove on failure
            clean_leftovers(out)
            _step("cleaned")
            return versions / build_id
    except OSError as exc:
        raise _environment_error(exc, out) from None
    finally:
        if version is not None:
            shutil.rmtree(version, ignore_errors=True)


def _make_versions(out: Path) -> None:
    """Make the versions folder of ``out`` with its marker in one step (filled under another name, then renamed),
    or mark an earlier ocdata's versions folder; refuse a folder ocdata did not make."""
    versions = versions_dir(out)
    _check_versions(out)
    if versions.exists():
        if not _marked(versions):
            _mark(versions)  # made by an earlier ocdata (``_check_versions`` made sure)
        return
    fresh = out.parent / f"{_new_prefix(out)}{_new_id()}"
    _make_dir(fresh)
    try:
        _mark(fresh)
        os.rename(fresh, versions)
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
        _check_versions(out)  # another build made it first
    finally:
        if fresh.is_dir():
            (fresh / LOCK_NAME).unlink(missing_ok=True)
            fresh.rmdir()


def _flip(out: Path, versions: Path, build_id: str) -> None:
    """Make ``out`` show ``versions/build_id`` in one step: a link, or where links cannot be made a pointer folder."""
    if not capabilities.symlinks(versions):
        _flip_pointer(out, versions, build_id)
        return
    target = Path(versions.name) / build_id
    if not out.is_symlink() and not out.exists():
        os.symlink(target, out)
        _step("swap")
        return
    link = out.parent / f"{_swap_prefix(out)}{build_id}"
    os.symlink(target, link)
    _step("link")
    if out.is_symlink():
        os.replace(link, out)
        _step("swap")
        return
    # ``out`` is a real folder (empty, an earlier build or a pointer folder): exchange it with the link in one
    # step, then retire it.
    if _exchange(link, out):
        _step("swap")
        _remove_build(link, empty=True)  # the folder ``out`` was: empty, or an earlier build
        _step("retire")
    else:  # a file system that cannot exchange names: the folder moves into the versions folder first
        os.rename(out, versions / f"{build_id}-previous")
        _step("retire")
        os.replace(link, out)
        _step("swap")


def _restore(out: Path) -> Path | None:
    """Put back the folder ``out`` where a killed build left it missing (see the module's docstring): the build it
    set aside, or the pointer folder it made to replace a link; what was put back, or ``None``."""
    if out.is_symlink() or out.exists():
        return None
    swap = re.compile(re.escape(_swap_prefix(out)) + BUILD_ID)
    made = [p for p in out.parent.iterdir() if swap.fullmatch(p.name) and not p.is_symlink() and p.is_dir()
            and _pointer_of(p, out) is not None and _complete(_pointer_of(p, out))]
    aside = set_aside(out)
    if aside is not None and aside.name in _live_holds(aside.parent):
        aside = None  # a batch reads it there
    found = [p for p in (*made, aside) if p is not None]
    if not found:
        return None
    back = max(found, key=lambda p: p.name.removeprefix(_swap_prefix(out)))
    os.rename(back, out)
    return back


def _pointer_of(folder: Path, out: Path) -> Path | None:
    """The version folder that ``folder``, a pointer folder made for ``out`` under another name, shows."""
    shows = (build_info(folder) or {}).get(SHOWS_KEY)
    parts = shows.split("/") if isinstance(shows, str) else []
    if len(parts) != 3 or parts[:2] != ["..", versions_dir(out).name] or not VERSION_NAME.fullmatch(parts[2]):
        return None
    return versions_dir(out) / parts[2]


def _flip_pointer(out: Path, versions: Path, build_id: str) -> None:
    """Make the real folder ``out`` show ``versions/build_id``: its marker records the files to come, each table file
    is put in place in one step, and its descriptor is replaced last (a folder that is not yet a pointer folder, and
    so is read directly, gets its descriptor first). A missing ``out``, or a link, is replaced by a whole folder made
    beside it."""
    version = versions / build_id
    descriptor = read_descriptor(version) or {}
    descriptor[MARKER_KEY] = {**descriptor.get(MARKER_KEY, {}), SHOWS_KEY: f"../{versions.name}/{build_id}"}
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    new = dict(descriptor[MARKER_KEY].get(FILES_KEY) or {})
    if out.is_symlink() or not out.exists():
        _new_pointer_folder(out, version, new, text)
        return
    files = {name: [digest] for name, digest in new.items()}
    for name in sorted(_table_files()):  # the files there now: ours (``check_out`` made sure)
        path = out / name
        digest = _sha256(path) if path.is_file() and not path.is_symlink() else None
        if digest is not None and digest not in files.get(name, []):
            files.setdefault(name, []).append(digest)
    marker = {"writer": MARKER_WRITER, "version": __version__, FILES_KEY: files}
    _replace_from(versions, f"{build_id}{RECORD_SUFFIX}", json.dumps(marker) + "\n", out / BUILD_MARKER)
    pointer = pointer_target(out) is not None
    if pointer:
        _place(out, version, new, build_id)
    _step("link")
    _replace_from(versions, f"{build_id}{POINTER_SUFFIX}", text, out / DESCRIPTOR)
    _step("swap")
    if not pointer:
        _place(out, version, new, build_id)
    _retire(out)
    _step("retire")


def _new_pointer_folder(out: Path, version: Path, files: Mapping[str, str], text: str) -> None:
    """Make the pointer folder under a swap name beside ``out``, then rename it onto ``out`` (a link goes first)."""
    folder = out.parent / f"{_swap_prefix(out)}{version.name}"
    _make_dir(folder)
    try:
        marker = {"writer": MARKER_WRITER, "version": __version__, FILES_KEY: {n: [d] for n, d in files.items()}}
        (folder / BUILD_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        os.chmod(folder / BUILD_MARKER, FILE_MODE)
        for name in files:
            _link_or_copy(version / name, folder / name)
        (folder / DESCRIPTOR).write_text(text, encoding="utf-8")
        os.chmod(folder / DESCRIPTOR, FILE_MODE)
        _step("link")
        if out.is_symlink():  # made where links could be made: the folder takes its place
            out.unlink()
        os.rename(folder, out)
        _step("swap")
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_build(folder, empty=True)
        raise


def _replace_from(versions: Path, name: str, text: str, target: Path) -> None:
    """Write ``text`` into ``versions/name``, then rename it onto ``target`` in one step."""
    staged = versions / name
    staged.write_text(text, encoding="utf-8")
    os.chmod(staged, FILE_MODE)
    os.replace(staged, target)


def _place(out: Path, version: Path, files: Iterable[str], build_id: str) -> None:
    """Put each of ``files`` of ``version`` into ``out``, each in one step from a temporary name."""
    for name in files:
        temporary = out / f".{name}.{build_id}.tmp"
        _link_or_copy(version / name, temporary)
        _step("place")
        os.replace(temporary, out / name)
        temporary.unlink(missing_ok=True)  # where both names were already one file, the rename did nothing


def _link_or_copy(source: Path, target: Path) -> None:
    """Make ``target`` a hard link to ``source`` where the file system allows, else a copy."""
    if capabilities.hardlinks():
        try:
            os.link(source, target)
            return
        except OSError:
            target.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, FILE_MODE)


def _retire(out: Path) -> list[Path]:
    """In a real folder build ``out``: remove the table files its descriptor no longer lists and the temporaries of
    placing, each only when ocdata recorded its bytes; the files removed."""
    records = _records(out)
    if records is None:
        return []
    listed = (build_info(out) or {}).get(FILES_KEY)
    removed = []
    for path in sorted(out.iterdir()):
        placing = PLACING.fullmatch(path.name)
        name = placing["file"] if placing else path.name
        stale = placing is not None or (isinstance(listed, dict) and name not in listed)
        if stale and name in _table_files() and _recorded(path, name, records):
            path.unlink()
            removed.append(path)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names in one step (Linux ``renameat2(RENAME_EXCHANGE)``); ``False`` where not supported."""
    if not capabilities.exchange():
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what killed or earlier builds left, and only that: in our (marked) versions folder, the version
    folders ``out`` no longer shows and no live hold keeps (named by a build id, holding only a build's files, or
    empty: made and not yet marked), pointers and markers not yet in place and stale holds; in a real folder
    ``out``, the table files of tables its build no longer has and temporaries of placing, when ocdata recorded
    their bytes; beside ``out``, swap links named by a build id and pointing into our versions folder, and swap
    folders so named that hold an ocdata build. Nothing is touched when the versions folder is not ours."""
    removed: list[Path] = []
    versions = versions_dir(out)
    if versions.is_symlink() or not versions.is_dir() or not _versions_ours(versions, out):
        return removed
    current = shown_version(out)
    held = _live_holds(versions)
    pointer = re.compile(BUILD_ID + rf"(?:{re.escape(POINTER_SUFFIX)}|{re.escape(RECORD_SUFFIX)})")
    for entry in sorted(versions.iterdir()):
        if (current is not None and entry.name == current.name) or entry.name in held:
            continue
        if VERSION_NAME.fullmatch(entry.name) and _remove_build(entry, empty=True):
            removed.append(entry)
        elif pointer.fullmatch(entry.name) and entry.is_file() and not entry.is_symlink():
            entry.unlink()
            removed.append(entry)
    if not out.is_symlink() and out.is_dir() and is_saved_build(out):
        removed += _retire(out)
    swap = re.compile(re.escape(_swap_prefix(out)) + BUILD_ID)
    fresh = re.compile(re.escape(_new_prefix(out)) + BUILD_ID)
    for entry in sorted(out.parent.iterdir()):
        if fresh.fullmatch(entry.name) and _only_marker(entry):  # a versions folder made, not yet named
            (entry / LOCK_NAME).unlink()
            entry.rmdir()
            removed.append(entry)
        if not swap.fullmatch(entry.name):
            continue
        if entry.is_symlink():
            if _link_version(entry, versions) is not None:
                entry.unlink()
                removed.append(entry)
        elif _remove_build(entry):
            removed.append(entry)
    return removed


# Saving into a plain folder (the user cache).
def save_tables(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, folder: Path,
                info: dict | None = None, *, keep: int | None = None) -> Path:
    """Write a build into ``folder`` (made beside it, then renamed into place; an existing ocdata build there is
    replaced). With ``keep``, only the ``keep`` newest builds beside it are kept."""
    folder = Path(folder)
    parent = folder.parent
    staging: Path | None = None
    try:
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        with _locked(parent):
            staging = parent / f".tmp-{_new_id()}"
            _make_dir(staging)
            _write_build(tables, sources, staging, info)
            if folder.exists() or folder.is_symlink():
                old = parent / f".old-{_new_id()}"
                os.rename(folder, old)
                os.rename(staging, folder)
                _remove_build(old)
            else:
                os.rename(staging, folder)
            staging = None
            if keep is not None:
                _prune(parent, keep, folder)
            else:
                _live_holds(parent)  # stale holds go
    except OSError as exc:
        raise _environment_error(exc, folder) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _prune(parent: Path, keep: int, newest: Path) -> None:
    """Keep the ``keep`` most recently written builds in ``parent`` and those a live hold keeps; remove staging
    leftovers and stale holds."""
    held = _live_holds(parent)
    builds = []
    for entry in parent.iterdir():
        if CACHE_LEFTOVER.fullmatch(entry.name):
            _remove_build(entry, empty=True)
        elif entry.is_dir() and not entry.is_symlink() and entry != newest and is_saved_build(entry):
            builds.append(entry)
    builds.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for entry in builds[max(keep - 1, 0):]:
        if entry.name not in held:
            _remove_build(entry)


# Holding a build while a batch reads it.
def _complete(folder: Path) -> bool:
    """Whether ``folder`` holds a whole saved build (its descriptor and every table's Parquet file)."""
    return (not folder.is_symlink() and folder.is_dir() and is_saved_build(folder)
            and all((folder / f"{name}.parquet").is_file() for name in load_schemas()))


@contextlib.contextmanager
def hold(folder: Path) -> Iterator[Path]:
    """Keep the saved build ``folder`` shows readable until the block ends; yields the folder holding its tables
    (a link's or pointer's version folder, else ``folder`` itself: give readers that one, not the link).

    While held, :func:`publish_tables`, :func:`clean_leftovers` and the cache's pruning leave it in place; it goes
    with the first of them after the block. The hold is a file ``.holds/<name>.<token>.lock`` beside the build,
    locked while held (so a hold whose holder died is stale, and removed). Raises ``InputError`` when ``folder``
    shows no whole saved build.
    """
    folder = Path(folder)
    lock = path = None
    for _ in range(3):  # a build that replaces the version between looking and holding: hold the new one
        version = shown_folder(folder)
        place = version.parent
        try:
            with _locked(place):
                if _complete(version):
                    holds = place / HOLDS_NAME
                    if holds.is_symlink() or (holds.exists() and not holds.is_dir()):
                        raise InputError("expected ocdata's folder of holds, found a file or link", file=holds)
                    holds.mkdir(mode=DIR_MODE, exist_ok=True)
                    path = holds / f"{version.name}.{secrets.token_hex(8)}.lock"
                    lock = FileLock(path, mode=FILE_MODE)
                    lock.acquire()
                    break
        except OSError as exc:
            raise _environment_error(exc, folder) from None
    if lock is None or path is None:
        raise InputError("expected a saved build that stays in place while a batch holds it, found none",
                         file=folder)
    try:
        yield version
    finally:
        lock.release()
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _live_holds(place: Path) -> set[str]:
    """The names of the builds in ``place`` that a live hold keeps. Holds whose holder died (their lock can be
    taken) are removed, and the holds folder with the last of them."""
    holds = place / HOLDS_NAME
    if holds.is_symlink() or not holds.is_dir():
        return set()
    held = set()
    for path in sorted(holds.iterdir()):
        match = HOLD_FILE.fullmatch(path.name)
        if match is None or path.is_symlink() or not path.is_file():
            continue
        if _stale(path):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        else:
            held.add(match["build"])
    with contextlib.suppress(OSError):
        if not any(holds.iterdir()):
            holds.rmdir()
    return held


def _stale(path: Path) -> bool:
    """Whether nobody holds the lock of the hold file ``path`` (its holder died or let go)."""
    lock = FileLock(path, mode=FILE_MODE)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return False
    except OSError:
        return False
    lock.release()
    return True


def write_tables(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, out: Path) -> list[Path]:
    """Publish the tables into ``out`` (see :func:`publish_tables`); the files it then shows."""
    publish_tables(tables, sources, out)
    return sorted(Path(out).iterdir())
