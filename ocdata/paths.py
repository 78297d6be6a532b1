"""Where ocdata's folders are, whatever the working directory and however it was installed.

Two situations, one set of answers:

- **In a checkout** (the package sits beside ``pyproject.toml`` and ``data/raw``): the bundled documents are
  ``data/raw``, the notebooks ``notebooks/``, built tables ``data/processed`` and reports ``reports/``.
- **Installed** (a wheel in any environment): the documents and notebooks are read from the package itself
  (``importlib.resources``); built tables and reports go under the working directory (``./data/processed``,
  ``./reports``) unless the command says otherwise.

Per-user state follows the platform's conventions: the cache (downloaded workbooks, tables built by
``ocdata.load()``) is ``$OCDATA_CACHE`` or ``$XDG_CACHE_HOME/ocdata`` (``~/.cache/ocdata``); documents a user
adds with ``ocdata add`` live in ``$OCDATA_DOCUMENTS`` or ``$XDG_DATA_HOME/ocdata/documents``
(``~/.local/share/ocdata/documents``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
PROJECT_DIR = PACKAGE_DIR.parent
BUNDLED = "_bundled"
"""The folder inside an installed package that holds the documents (``raw``) and the notebooks."""


def in_checkout() -> bool:
    """Whether this package runs from its source checkout (editable install or ``PYTHONPATH``)."""
    return (PROJECT_DIR / "pyproject.toml").is_file() and (PROJECT_DIR / "data" / "raw").is_dir()


def _bundled(name: str) -> Path:
    return Path(str(resources.files("ocdata").joinpath(BUNDLED, name)))


def raw_dir() -> Path:
    """The bundled documents: ``$OCDATA_RAW``, the checkout's ``data/raw``, or the installed package's copy."""
    if os.environ.get("OCDATA_RAW"):
        return Path(os.environ["OCDATA_RAW"])
    return PROJECT_DIR / "data" / "raw" if in_checkout() else _bundled("raw")


def notebooks_dir() -> Path:
    """The report and teaching notebooks: the checkout's ``notebooks/`` or the installed package's copy."""
    return PROJECT_DIR / "notebooks" if in_checkout() else _bundled("notebooks")


def processed_dir() -> Path:
    """Built tables: ``$OCDATA_PROCESSED``, the checkout's ``data/processed``, or ``./data/processed``."""
    if os.environ.get("OCDATA_PROCESSED"):
        return Path(os.environ["OCDATA_PROCESSED"])
    return PROJECT_DIR / "data" / "processed" if in_checkout() else Path.cwd() / "data" / "processed"


def reports_dir() -> Path:
    """Rendered reports: the checkout's ``reports/``, or ``./reports``."""
    return PROJECT_DIR / "reports" if in_checkout() else Path.cwd() / "reports"


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def cache_dir() -> Path:
    """The user cache: ``$OCDATA_CACHE``, else ``$XDG_CACHE_HOME/ocdata``, else ``~/.cache/ocdata``."""
    if os.environ.get("OCDATA_CACHE"):
        return Path(os.environ["OCDATA_CACHE"])
    return _xdg("XDG_CACHE_HOME", ".cache") / "ocdata"


def user_documents_dir() -> Path:
    """Documents added with ``ocdata add``: ``$OCDATA_DOCUMENTS``, else ``$XDG_DATA_HOME/ocdata/documents``."""
    if os.environ.get("OCDATA_DOCUMENTS"):
        return Path(os.environ["OCDATA_DOCUMENTS"])
    return _xdg("XDG_DATA_HOME", ".local/share") / "ocdata" / "documents"


def has_manifest(folder: Path) -> bool:
    """Whether ``folder`` holds a ``sources.yaml`` or a ``sources.ocdata.yaml`` of any kind (a link or a FIFO
    too: reading it then refuses it by name, rather than passing over it in silence)."""
    return any((Path(folder) / name).exists() or (Path(folder) / name).is_symlink()
               for name in ("sources.yaml", "sources.ocdata.yaml"))


def document_dirs() -> list[Path]:
    """Every folder of documents ``ocdata.load()`` reads by default: the bundled ones, then the user's
    (when it holds a manifest: ``ocdata add`` writes ``sources.ocdata.yaml``)."""
    dirs = [raw_dir()]
    user = user_documents_dir()
    if has_manifest(user):
        dirs.append(user)
    return dirs
