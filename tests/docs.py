"""Small documents for tests: cut from the real ones, or written to a throwaway raw folder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

from ocdata.inputs.manifest import Document
from ocdata.paths import PROJECT_DIR

RAW = PROJECT_DIR / "data" / "raw"


def document(text: str, *, kind: str, edition: int | None, countries: tuple[str, ...], file: str = "doc.txt",
             ident: str = "doc") -> Document:
    """A Document from text, as the manifest reader would make it."""
    return Document(ident, file, kind, edition, countries, tuple(text.split("\n")))


def real_lines(file: str) -> list[str]:
    """The lines of a bundled document."""
    return (RAW / file).read_text(encoding="utf-8").split("\n")


def copy_raw(target: Path) -> Path:
    """A copy of the bundled raw folder to break things in."""
    shutil.copytree(RAW, target)
    return target


def rewrite(raw: Path, file: str, text: str | bytes) -> None:
    """Replace a document in a raw folder and record its new checksum in the manifest."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    (raw / file).write_bytes(data)
    manifest = yaml.safe_load((raw / "sources.yaml").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        if entry["file"] == file:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    (raw / "sources.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
