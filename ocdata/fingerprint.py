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

from ocdata import __version__
from ocdata.manifest import MANIFEST_NAME, read_manifest
from ocdata.paths import BUNDLED, PACKAGE_DIR

CODE_SUFFIXES = frozenset({".py", ".csv", ".yaml"})


def _sha256_file(path: Path) -> str | None:
    """The hex sha256 of a file, or ``None`` when it is missing or unreadable (the build then says why)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


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
    """The inputs of a build, in order: each folder's manifest and documents (the sha256 of each file as it is
    now, beside the one its manifest records), the workbook's sha256, and the code version.

    Folder paths are left out: the same documents copied elsewhere build the same tables.
    """
    inputs: list[dict] = []
    for folder in folders:
        manifest = read_manifest(folder)  # refuses a missing or malformed manifest as the build would
        documents = [{"id": row["id"], "file": row["file"], "sha256": _sha256_file(folder / row["file"]),
                      "recorded": row["sha256"].lower()} for row in manifest.to_dict("records")]
        inputs.append({"kind": "documents", "manifest": _sha256_file(folder / MANIFEST_NAME),
                       "documents": documents})
    if workbook is not None:
        inputs.append({"kind": "workbook", "file": workbook.name, "sha256": _sha256_file(workbook)})
    inputs.append({"kind": "code", "version": __version__, "sha256": code_version()})
    return inputs


def fingerprint_of(inputs: list[dict]) -> str:
    """The sha256 of the inputs' canonical JSON."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=True).encode()).hexdigest()
