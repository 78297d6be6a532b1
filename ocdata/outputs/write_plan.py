"""Write several files as one step: every target checked first, and on any failure what this run wrote removed.

Commands that write a set of files (``ocdata notebooks``, ``ocdata teach``) plan every target before writing:
:func:`check_folders` refuses a target whose folder, or any folder above it, is a file (naming that file), and
:func:`write_files` writes each file atomically, creating the missing folders; when a write fails (a full disk,
Ctrl-C) it removes the files and folders this run created, and only those, before the error goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from ocdata.errors import InputError
from ocdata.outputs.atomic import write_bytes_atomic

FOLDER_MODE = 0o755


def check_folders(root: Path, targets: Iterable[Path]) -> None:
    """Refuse (``InputError`` naming it) ``root`` or any folder between it and a target that exists and is not a
    folder (a file, a link to a file, a FIFO), and any folder below ``root`` that is a link (writing through it
    would put files wherever it points)."""
    root = Path(root)
    seen: set[Path] = set()
    for target in targets:
        folders = [root, *(parent for parent in Path(target).parents if root in parent.parents)]
        for folder in folders:
            if folder in seen:
                continue
            seen.add(folder)
            if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
                raise InputError("expected a folder (or nothing) here, found a file; move it away or choose another "
                                 "folder; nothing was written", file=folder)
            if folder != root and folder.is_symlink():
                raise InputError("expected a folder (or nothing) here, found a link to another place; ocdata writes "
                                 "through no link: remove it or choose another folder; nothing was written",
                                 file=folder)


def make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents with mode 0755 (whatever the umask); the folders created, outermost
    first."""
    missing = []
    folder = Path(folder)
    while not folder.exists() and not folder.is_symlink():
        missing.append(folder)
        folder = folder.parent
    created = []
    for path in reversed(missing):
        path.mkdir()
        path.chmod(FOLDER_MODE)
        created.append(path)
    return created


def write_files(plan: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """Write each ``(path, data)`` atomically, in order; the paths written. On any failure or interruption the
    files this run created (not those it replaced) and the folders it made are removed, then the error goes on."""
    created_files: list[Path] = []
    created_folders: list[Path] = []
    written: list[Path] = []
    try:
        for path, data in plan:
            created_folders += make_folders(path.parent)
            new = not (path.exists() or path.is_symlink())
            write_bytes_atomic(path, data)
            if new:
                created_files.append(path)
            written.append(path)
    except BaseException:
        for path in reversed(created_files):
            with contextlib.suppress(OSError):
                path.unlink()
        for folder in reversed(created_folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return written
