"""One ocdata command at a time in a folder: a cross-platform lock (``filelock``) per folder it changes.

Every command that reads, changes and writes back a folder the user may share between runs (a reports folder,
the documents folder, a teaching kit, a notebooks folder, an export) holds :func:`folder_lock` while it does.
The lock files live in the user cache (``locks/``, one per folder, named by a hash of the folder's path), so
nothing is added to the user's own folder and a folder that does not exist yet can be locked. A second command
on the same folder prints one line saying it waits, then goes on when the first is done; the operating system
releases a lock whose holder died, so a killed run never leaves a folder locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from ocdata.errors import InputError

LOCKS_FOLDER = "locks"
WAIT_VARIABLE = "OCDATA_LOCK_WAIT"
"""Seconds a command waits for another one on the same folder (unset: as long as it takes; ``0``: exit 2 at
once; anything but a finite number of 0 or more is refused)."""


def lock_path(folder: Path | str) -> Path:
    """The lock file of ``folder``: ``<user cache>/locks/<hash of its absolute, link-resolved path>.lock``."""
    from ocdata.paths import cache_dir

    real = os.path.normcase(os.path.realpath(os.path.abspath(folder)))
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:24]
    return Path(os.path.abspath(cache_dir())) / LOCKS_FOLDER / f"{digest}.lock"


def _wait_seconds() -> float:
    value = os.environ.get(WAIT_VARIABLE, "").strip()
    if not value:
        return -1
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(f"expected a number of seconds (0 or more) in ${WAIT_VARIABLE}, found {value!r}")
    return seconds


@contextlib.contextmanager
def folder_lock(folder: Path | str, what: str) -> Iterator[None]:
    """Hold the lock of ``folder`` for the ``with`` block; ``what`` names the folder in the waiting line
    (``"the reports folder"``). Exits 2 (``InputError``) when the lock cannot be made or, with
    ``$OCDATA_LOCK_WAIT`` set, not had in time."""
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"expected a writable folder for ocdata's locks, found {exc.strerror or exc}",
                         file=path.parent) from None
    lock = FileLock(path, timeout=-1)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            wait = _wait_seconds()
            if wait == 0:
                raise InputError(f"expected {what} free, found another ocdata command writing there (try again "
                                 "when it is done)", file=folder) from None
            print(f"ocdata: waiting for another ocdata command writing {what} {folder} to finish", file=sys.stderr,
                  flush=True)
            try:
                lock.acquire(timeout=wait)
            except Timeout:
                raise InputError(f"expected {what} free within {wait:g} s, found another ocdata command still "
                                 "writing there", file=folder) from None
    except OSError as exc:
        raise InputError(f"expected a lock file ocdata can write, found {exc.strerror or exc}", file=path) from None
    try:
        yield
    finally:
        lock.release()
