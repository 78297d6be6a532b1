"""Atomic file writes: a temporary file in the target's folder, then ``os.replace``.

The one place that writes a single file atomically. A reader sees the old file or the new one, never
half of either; a failed or interrupted write removes its temporary file and leaves the target as it
was. Files are created readable by others (0644), as any published output should be.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o644
TEMP_MARK = "ocdata-"
TEMPORARY = re.compile(r"\..+\.ocdata-[A-Za-z0-9_]{8}\.tmp")
"""The name of a temporary file this module makes (``.NAME.ocdata-XXXXXXXX.tmp``): what a killed write leaves."""


def write_atomic_with(path: Path | str, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file beside ``path``, then move it onto ``path``."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_MARK}", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # mkstemp names the temporary file it could not make: name the target instead
        raise _naming(exc, path, Path(exc.filename) if exc.filename is not None else None) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _naming(exc, path, tmp) from exc
        raise
    return path


def _naming(exc: OSError, path: Path, tmp: Path | None) -> OSError:
    """``exc`` naming the target ``path`` where it names no file or only the temporary one (a full disk says
    which file could not be written, never a name that no longer exists)."""
    if exc.filename is not None and (tmp is None or os.fspath(exc.filename) != os.fspath(tmp)):
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), str(path))  # the subclass of its errno (ENOSPC, ...)


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    return write_atomic_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return write_atomic_with(path, lambda tmp: tmp.write_bytes(data))


def remove_temporaries(folder: Path | str) -> list[Path]:
    """Remove the temporary files killed writes left in ``folder`` (named by ``TEMPORARY``, regular files; call
    it only while holding the folder's lock, so that no live write owns them); the paths removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
