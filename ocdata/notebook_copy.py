"""``ocdata notebooks``: copy the report and teaching notebooks out of the package for a user to run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocdata.atomic import write_bytes_atomic
from ocdata.errors import InputError, ParameterError
from ocdata.paths import notebooks_dir

SUFFIXES = frozenset({".ipynb", ".py", ".md", ".csv", ".yaml", ".yml", ".json", ".txt"})
"""What a notebook folder holds that a user needs: notebooks, their jupytext pairs, README, small data."""
FOLDER_MODE = 0o755


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
    """Copy the notebooks into ``target``, never replacing a file that differs (nothing is written then).

    Files are written atomically with mode 0644; folders this creates get 0755.
    """
    target = Path(target)
    source = Path(source) if source is not None else notebooks_dir()
    if target.exists() and not target.is_dir():
        raise ParameterError("expected a folder for the notebooks, found a file", file=target)
    plan, unchanged = [], []
    for rel in notebook_files(source):
        data = (source / rel).read_bytes()
        dest = target / rel
        if dest.is_symlink() or dest.exists():
            if dest.is_file() and not dest.is_symlink() and dest.read_bytes() == data:
                unchanged.append(dest)
                continue
            raise InputError("expected no file or the same notebook file, found a different one (move it away or "
                             "choose another folder); nothing was written", file=dest)
        plan.append((dest, data))
    for dest, data in plan:
        make_folders(dest.parent)
        write_bytes_atomic(dest, data)
    return Copied(tuple(dest for dest, _ in plan), tuple(unchanged))


def make_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents with mode 0755 (whatever the umask); leave existing ones."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        path.chmod(FOLDER_MODE)
