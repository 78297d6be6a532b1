"""A report a user edited after ocdata wrote it is theirs: the next batch refuses to overwrite it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _report(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", "report", "KGZ", "--no-workbook", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)


def test_an_edited_report_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = _report(out)
    assert first.returncode == 0, first.stderr
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert set(index["reports"]["KGZ_2025"]["sha256"]) == set(index["reports"]["KGZ_2025"]["files"])
    page = out / "KGZ_2025.html"
    page.write_bytes(page.read_bytes().replace(b"Kyrgyzstan", b"Kyrgyzstan (my notes)", 1))
    edited = page.read_bytes()
    again = _report(out)
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "KGZ_2025.html" in again.stderr
    assert "changed since" in again.stderr
    assert page.read_bytes() == edited
