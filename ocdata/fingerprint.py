"""What a build depends on, as one sha256 (its fingerprint): the documents, the workbook and the code.

A saved build records its fingerprint and inputs in ``datapackage.json``; ``ocdata.load()`` reads a saved
build only when its fingerprint is the one its own inputs give now, so changing a document, the workbook or
the package makes the next ``load()`` build again.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import yaml

from ocdata import __version__
from ocdata.errors import InputError
from ocdata.inputs.files import (
    DOCUMENT_MAX_BYTES,
    MANIFEST_MAX_BYTES,
    WORKBOOK_MAX_BYTES,
    read_input_bytes,
    sha256_file,
)
from ocdata.inputs.manifest import MANIFEST_NAME, MANIFEST_NAMES, nesting_problem, outside_problem
from ocdata.paths import BUNDLED, PACKAGE_DIR

CODE_SUFFIXES = frozenset({".py", ".csv", ".yaml"})
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sha256_file(path: Path, limit: int | None = None) -> str | None:
    """The hex sha256 of a regular file of at most ``limit`` bytes, streamed; ``None`` when it is missing,
    unreadable, not a regular file (a FIFO, a device: never opened) or too large (the build then says why)."""
    try:
        return sha256_file(path, limit)
    except (InputError, OSError):
        return None


@cache
def code_version() -> str:
    """A sha256 over the package's ``.py``, ``.csv`` and ``.yaml`` files (computed once per process)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if path.suffix not in CODE_SUFFIXES or {"__pycache__", BUNDLED} & set(relative.parts) or not path.is_file():
            continue
        digest.update(f"{relative.as_posix()}\0{_sha256_file(path)}\n".encode())
    return digest.hexdigest()


def describe_inputs(folders: list[Path], workbook: Path | None) -> list[dict]:
    """The inputs of a build, in order: each folder's manifests (``sources.yaml``, ``sources.ocdata.yaml``: each
    one's sha256, which covers the sha256 it records
    for each document) and the sha256 of each listed file as it is now, the workbook's sha256, and the code
    version. A saved build only ever has the fingerprint of inputs whose files matched their manifest.

    Folder paths are left out: the same documents copied elsewhere build the same tables.
    """
    inputs: list[dict] = []
    for folder in folders:
        manifests = [n for n in MANIFEST_NAMES if (folder / n).exists() or (folder / n).is_symlink()]
        for manifest in manifests or [MANIFEST_NAME]:
            inputs.append({"kind": "documents", "name": manifest,
                           "manifest": _sha256_file(folder / manifest, MANIFEST_MAX_BYTES),
                           "documents": [{"file": name, "sha256": _document_sha256(folder, name)}
                                         for name in _listed_files(folder / manifest)]})
    if workbook is not None:
        inputs.append({"kind": "workbook", "file": workbook.name,
                       "sha256": _sha256_file(workbook, WORKBOOK_MAX_BYTES)})
    inputs.append({"kind": "code", "version": __version__, "sha256": code_version()})
    return inputs


def _document_sha256(folder: Path, name: str) -> str | None:
    """The sha256 of a listed document, or ``None`` for one the build refuses: a path leaving the folder (never
    followed), not a regular file, or larger than a document may be."""
    try:
        if outside_problem(folder, name):
            return None
    except (OSError, ValueError):
        return None
    return _sha256_file(folder / name, DOCUMENT_MAX_BYTES)


def _listed_files(manifest: Path) -> list[str]:
    """The file names a manifest lists, read leniently: a manifest the build would refuse lists none here (its
    own sha256 is part of the fingerprint, and the build then says what is wrong with it)."""
    try:
        text = read_input_bytes(manifest, MANIFEST_MAX_BYTES).decode("utf-8")
        if nesting_problem(text) is not None:  # the C loader would crash on it: the build says what is wrong
            return []
        entries = yaml.load(text, Loader=_LOADER).get("documents")
        return [str(entry["file"]) for entry in entries if isinstance(entry.get("file"), str)]
    except (InputError, OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError, TypeError, KeyError,
            RecursionError):
        return []


def fingerprint_of(inputs: list[dict]) -> str:
    """The sha256 of the inputs' canonical JSON."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=True).encode()).hexdigest()
