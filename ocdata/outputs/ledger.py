"""The one rule for every file ocdata writes: record it, and replace or delete only what is still as recorded.

A folder that ocdata writes a set of files into (a teaching kit, a notebooks folder, an export, a reports folder's
index) holds ``.ocdata-files.json``: each file ocdata wrote there, by its path relative to the folder, with the
sha256 of the bytes it wrote. A file may be replaced when it is missing, already holds exactly the new bytes, or
still holds the bytes the record names; any other file (one you wrote, one you edited since) is refused by name,
before anything is written.

Writing is two steps, so that a run killed at any moment leaves a folder the next run can use: :meth:`Ledger.begin`
records the new digests (keeping each file's earlier digest as ``previous``) before any file is written, and
:meth:`Ledger.commit` drops the earlier digests after. In between, either version of a file counts as ocdata's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ocdata.errors import InputError
from ocdata.outputs.atomic import remove_temporaries, write_text_atomic
from ocdata.outputs.write_plan import make_folders

LEDGER_NAME = ".ocdata-files.json"
WRITER = "ocdata"
MAX_BYTES = 4 * 1024 * 1024
"""The largest record read (a record of many thousand files is far smaller)."""
SHA256_HEX = frozenset("0123456789abcdef")


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The hex sha256 of a regular file (not a link); ``None`` for anything else or a file that cannot be read."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return None
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _key(folder: Path, path: Path) -> str:
    """``path`` relative to ``folder``, with ``/`` between parts."""
    return PurePosixPath(*Path(path).relative_to(folder).parts).as_posix()


def _plain_key(key: object) -> bool:
    if not isinstance(key, str) or not key or "\\" in key:
        return False
    parts = PurePosixPath(key).parts
    return not PurePosixPath(key).is_absolute() and all(p not in ("", ".", "..") for p in parts)


@dataclass
class Ledger:
    """What ocdata wrote into ``folder``: path (relative, ``/``-separated) → sha256 of the bytes written."""

    folder: Path
    files: dict[str, str] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)
    """Digests of files being replaced (between :meth:`begin` and :meth:`commit`): the old bytes count too."""

    @classmethod
    def read(cls, folder: Path | str) -> Ledger:
        """The record of ``folder`` (empty when there is none). A file of that name that is not ocdata's record
        is refused (``InputError`` naming it): ocdata never takes a folder for its own on a guess."""
        folder = Path(folder)
        path = folder / LEDGER_NAME
        try:
            info = path.lstat()
        except FileNotFoundError:
            return cls(folder)
        except OSError as exc:
            raise InputError(f"expected ocdata's record of the files it wrote, found {exc.strerror}",
                             file=path) from None
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise InputError("expected ocdata's record of the files it wrote, found a link, a FIFO, a folder or a "
                             "file too large; move it away", file=path)
        try:
            content = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"expected ocdata's record of the files it wrote, found {type(exc).__name__} "
                             "(move it away)", file=path) from None
        except RecursionError:
            raise InputError("expected ocdata's record of the files it wrote, found JSON nested too deeply "
                             "(move it away)", file=path) from None
        files = content.get("files") if isinstance(content, dict) else None
        if not isinstance(content, dict) or content.get("writer") != WRITER or not isinstance(files, dict):
            raise InputError("expected ocdata's record of the files it wrote, found another file of that name "
                             "(move it away)", file=path)
        previous = content.get("previous")
        return cls(folder, _digests(files), _digests(previous if isinstance(previous, dict) else {}))

    def recorded(self, path: Path) -> str | None:
        """The sha256 recorded for ``path`` (inside the folder), or ``None``."""
        return self.files.get(_key(self.folder, path))

    def owns(self, path: Path) -> bool:
        """Whether ``path`` is a regular file still holding the bytes ocdata recorded writing (or, while a write
        is under way, the bytes it is replacing)."""
        key = _key(self.folder, path)
        if key not in self.files and key not in self.previous:
            return False
        digest = file_sha256(path)
        return digest is not None and digest in (self.files.get(key), self.previous.get(key))

    def may_write(self, path: Path, data: bytes | None = None) -> bool:
        """Whether ``path`` may be (re)written: missing, holding exactly ``data``, or ocdata's as recorded."""
        if not (path.exists() or path.is_symlink()):
            return True
        if data is not None and file_sha256(path) == sha256_bytes(data):
            return True
        return self.owns(path)

    def refuse_foreign(self, paths: Iterable[tuple[Path, bytes | None]], *, hint: str) -> None:
        """Raise ``InputError`` naming the first of ``paths`` that exists and may not be written (``hint`` says
        what the user can do)."""
        for path, data in paths:
            if path.is_dir() and not path.is_symlink():
                raise InputError(f"expected a file ocdata may write, found a folder; {hint}", file=path)
            if self.may_write(path, data):
                continue
            if self.recorded(path) is not None:
                raise InputError(f"expected the file as ocdata wrote it (sha256 in {LEDGER_NAME}), found it changed "
                                 f"since: it is yours now, and ocdata never replaces it; {hint}", file=path)
            raise InputError(f"expected no file or one ocdata wrote (listed in {LEDGER_NAME}), found a file of "
                             f"yours; ocdata never replaces it; {hint}", file=path)

    def begin(self, planned: Mapping[Path, bytes]) -> None:
        """Before writing ``planned`` (path → bytes): record the new digests, keep the digest of each file of
        ocdata's being replaced as ``previous``, and save the record."""
        for path, data in planned.items():
            key = _key(self.folder, path)
            current = file_sha256(path)
            if current is not None and self.owns(path):
                self.previous[key] = current
            self.files[key] = sha256_bytes(data)
        self._write()

    @contextlib.contextmanager
    def writing(self, planned: Mapping[Path, bytes]) -> Iterator[None]:
        """:meth:`begin` before the ``with`` block (which writes ``planned``) and :meth:`commit` after it; first,
        the temporary files killed writes left beside the planned files are removed (the caller holds the
        folder's lock). When
        the block fails, a record this call made is removed with the folders it made (emptied by the writer's
        own clean-up), so a refused or failed first run leaves nothing behind."""
        created = make_folders(self.folder)
        for parent in {path.parent for path in planned} | {self.folder}:
            remove_temporaries(parent)  # what a write killed in an earlier run left (the caller holds the lock)
        new = not (self.folder / LEDGER_NAME).exists()
        try:
            self.begin(planned)
            yield
        except BaseException:
            if new:
                with contextlib.suppress(OSError):
                    (self.folder / LEDGER_NAME).unlink()
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        self.commit()

    def commit(self) -> Path:
        """After writing: forget the replaced digests and the files no longer present, and save the record."""
        self.previous.clear()
        self.files = {k: v for k, v in self.files.items() if (self.folder / k).is_file()}
        return self._write()

    def record(self, written: Mapping[Path, bytes | str]) -> None:
        """Note each ``path → bytes`` (or ``path → sha256``) as written by ocdata (saved by :meth:`commit`)."""
        for path, data in written.items():
            digest = data if isinstance(data, str) else sha256_bytes(data)
            self.files[_key(self.folder, path)] = digest

    def _write(self) -> Path:
        content: dict = {"writer": WRITER, "files": dict(sorted(self.files.items()))}
        if self.previous:
            content["previous"] = dict(sorted(self.previous.items()))
        make_folders(self.folder)
        return write_text_atomic(self.folder / LEDGER_NAME, json.dumps(content, indent=1) + "\n")


def _digests(mapping: dict) -> dict[str, str]:
    """The entries of a record's mapping that are a plain relative path and a sha256."""
    return {k: v for k, v in mapping.items()
            if _plain_key(k) and isinstance(v, str) and len(v) == 64 and set(v) <= SHA256_HEX}
