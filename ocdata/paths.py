"""Where the project's folders are, whatever the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
PROJECT_DIR = PACKAGE_DIR.parent


def raw_dir() -> Path:
    """The raw documents: ``$OCDATA_RAW`` or the project's ``data/raw``."""
    return Path(os.environ.get("OCDATA_RAW", PROJECT_DIR / "data" / "raw"))


def processed_dir() -> Path:
    """Built tables: ``$OCDATA_PROCESSED`` or the project's ``data/processed``."""
    return Path(os.environ.get("OCDATA_PROCESSED", PROJECT_DIR / "data" / "processed"))


def reports_dir() -> Path:
    """Rendered reports: the project's ``reports``."""
    return PROJECT_DIR / "reports"
