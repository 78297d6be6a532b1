"""Read an input file with bounded work: a regular file of at most a known size, checked before any byte is read.

A path a user gives may name a FIFO (reading it waits forever), a device (``/dev/zero`` never ends), a folder,
or a file far larger than any document of the index. Every reader of ocdata's inputs (documents, manifests,
workbooks) asks :func:`check_input_file` first: it looks at the file with ``stat`` (following links), then opens
it without blocking and looks again at what was opened, and refuses anything but a regular file within the
limit (``InputError``: ``file: expected a regular file, found a FIFO``). Hashing is streamed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from ocdata.errors import InputError

MB = 1024 * 1024
DOCUMENT_MAX_BYTES = 20 * MB
"""A document's text (the bundled ones are under 100 kB)."""
MANIFEST_MAX_BYTES = 1 * MB
"""A ``sources.yaml`` (the bundled one is under 2 kB)."""
WORKBOOK_MAX_BYTES = 100 * MB
"""A workbook file (the 2023 release is under 1 MB; as much as the guard allows uncompressed in all)."""
CHUNK = 1 * MB

KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
         (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """What a ``st_mode`` that is not a regular file's names (``a FIFO``, ``a folder``, ...)."""
    return next((name for test, name in KINDS if test(mode)), "something other than a file")


def _refusal(path: Path, info: os.stat_result, limit: int | None, what: str) -> InputError | None:
    if not stat.S_ISREG(info.st_mode):
        return InputError(f"expected a regular file, found {kind_of(info.st_mode)}", file=path)
    if limit is not None and info.st_size > limit:
        return InputError(f"expected {what} of at most {limit:,} bytes, found {info.st_size:,} bytes", file=path)
    return None


def check_input_file(path: Path | str, limit: int | None = None, what: str = "a file") -> int:
    """Refuse (``InputError`` naming ``path``) anything but a regular file of at most ``limit`` bytes; its size.

    Only ``stat`` is used (links followed): nothing is opened, so a FIFO or a device costs no wait.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("expected a regular file, found no such file", file=path) from None
    except OSError as exc:
        raise InputError(f"expected a readable file, found {(exc.strerror or str(exc)).lower()}", file=path) from None
    problem = _refusal(path, info, limit, what)
    if problem is not None:
        raise problem
    return info.st_size


def open_input_file(path: Path | str, limit: int | None = None, what: str = "a file") -> int:
    """A file descriptor of ``path`` opened for reading, once it is known to be a regular file within ``limit``.

    Checked before opening, and again on what was opened (opened without blocking, so a file swapped for a FIFO
    in between costs no wait either). The caller closes it.
    """
    path = Path(path)
    check_input_file(path, limit, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"expected a readable file, found {(exc.strerror or str(exc)).lower()}", file=path) from None
    problem = _refusal(path, os.fstat(fd), limit, what)
    if problem is not None:
        os.close(fd)
        raise problem
    os.set_blocking(fd, True)
    return fd


def read_input_bytes(path: Path | str, limit: int | None = None, what: str = "a file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (never more than ``limit`` read)."""
    fd = open_input_file(path, limit, what)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise InputError(f"expected {what} of at most {limit:,} bytes, found more (it grew while read)", file=path)
    return data


def sha256_file(path: Path | str, limit: int | None = None, what: str = "a file") -> str:
    """The hex sha256 of a regular file of at most ``limit`` bytes, read in chunks."""
    fd = open_input_file(path, limit, what)
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "rb") as handle:
        while block := handle.read(CHUNK):
            size += len(block)
            if limit is not None and size > limit:
                raise InputError(f"expected {what} of at most {limit:,} bytes, found more (it grew while read)",
                                 file=path)
            digest.update(block)
    return digest.hexdigest()
