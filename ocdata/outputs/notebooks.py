"""``ocdata notebooks``: copy the report and teaching notebooks out of the package for a user to run."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from ocdata.errors import InputError, ParameterError
from ocdata.outputs.atomic import remove_temporaries
from ocdata.outputs.ledger import Ledger
from ocdata.outputs.locks import folder_lock
from ocdata.outputs.write_plan import check_folders, make_folders, write_files
from ocdata.paths import notebooks_dir

__all__ = ["Copied", "copy_notebooks", "make_folders", "notebook_files"]

SUFFIXES = frozenset({".ipynb", ".py", ".md", ".csv", ".yaml", ".yml", ".json", ".txt"})
"""What a notebook folder holds that a user needs: notebooks, their jupytext pairs, README, small data."""


@dataclass(frozen=True)
class Copied:
    """What ``copy_notebooks`` did: the files it wrote and the ones already there with the same bytes."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]


def notebook_files(source: Path | None = None) -> list[Path]:
    """The files to copy, relative to ``source`` (default: the package's notebooks), sorted."""
    source = Path(source) if source is not None else notebooks_dir()
    if not source.is_dir():
        raise InputError("expected the package's notebooks, found no such folder (is the install complete?)",
                         file=source)
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part.startswith((".", "__")) for part in rel.parts):
            continue  # checkpoints, caches, hidden files
        if path.is_file() and path.suffix in SUFFIXES:
            files.append(rel)
    return files


def copy_notebooks(target: Path | str = Path("notebooks"), source: Path | None = None) -> Copied:
    """Copy the notebooks into ``target``, never replacing a file ocdata did not write (nothing is written then).

    A file there is replaced only while it holds the bytes an earlier copy recorded in ``.ocdata-files.json``
    (a notebook you edited is yours). Every target and its folders are checked first (a file where a folder must
    go is refused, by its name), holding the folder's lock (a second copy into it waits). Files are written
    atomically with mode 0644; folders this creates get 0755. A write that fails (a full disk, Ctrl-C) removes
    the files and folders this run created.
    """
    target = Path(target)
    source = Path(source) if source is not None else notebooks_dir()
    if (target.exists() or target.is_symlink()) and not target.is_dir():
        raise ParameterError("expected a folder for the notebooks, found a file", file=target)
    files = notebook_files(source)
    with folder_lock(target, "the notebooks folder"):
        check_folders(target, [target / rel for rel in files])
        for folder in {(target / rel).parent for rel in files}:
            remove_temporaries(folder)  # what a copy killed mid-write left
        ledger = Ledger.read(target) if target.is_dir() else Ledger(target)
        plan, unchanged = [], []
        for rel in files:
            data = (source / rel).read_bytes()
            dest = target / rel
            if _same(dest, data):
                unchanged.append(dest)
                continue
            plan.append((dest, data))
        ledger.refuse_foreign(plan, hint="move it away or choose another folder; nothing was written")
        written = []
        if plan:
            with ledger.writing(dict(plan)):
                written = write_files(plan)
    return Copied(tuple(written), tuple(unchanged))


def _same(dest: Path, data: bytes) -> bool:
    """Whether ``dest`` is a regular file (not a link) holding exactly ``data`` (read only at the same size)."""
    try:
        info = dest.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == len(data) and dest.read_bytes() == data
