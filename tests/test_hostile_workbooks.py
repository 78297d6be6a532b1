"""Hostile workbooks are refused before openpyxl parses them: exit 2, one line naming the member or cell."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from workbook_factory import hostile_cases, official_sheets, rewrite_xlsx, shared_workbook, sheet_member, write_workbook

from ocdata import xlsx_guard
from ocdata.errors import InputError, OcdataError
from ocdata.workbook import read_workbook

CASES = hostile_cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_workbook_is_refused_in_process(tmp_path: Path, case: str) -> None:
    path, expected = CASES[case](tmp_path)
    with pytest.raises(OcdataError) as err:
        read_workbook(path)
    message = str(err.value)
    assert err.value.exit_code == 2
    assert "\n" not in message
    assert re.match(rf"^{re.escape(path.name)}:\s?{expected}", message), message


@pytest.mark.parametrize("case", ["zip_bomb", "comment_padding", "zipcrypto", "corrupt_xml", "nan_score",
                                  "million_rows"])
def test_hostile_workbook_is_refused_by_the_command(tmp_path: Path, case: str) -> None:
    path, expected = CASES[case](tmp_path)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "ocdata", "build", "--workbook", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.search(rf"{re.escape(path.name)}:\s?{expected}", lines[0]), lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_the_real_release_passes_the_archive_checks_with_a_wide_margin() -> None:
    path = shared_workbook()
    xlsx_guard.check_archive(path, path.name)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert len(infos) * 10 <= xlsx_guard.MAX_MEMBERS
    assert sum(i.file_size for i in infos) * 100 <= xlsx_guard.MAX_TOTAL_BYTES
    assert max(i.file_size for i in infos if i.filename.endswith(".xml")) * 50 <= xlsx_guard.MAX_PART_BYTES
    assert max(i.file_size / i.compress_size for i in infos) * 10 <= xlsx_guard.MAX_RATIO


def test_a_factory_workbook_passes_the_archive_checks(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "fine.xlsx")
    xlsx_guard.check_archive(path, path.name)  # raises if refused
    assert len(read_workbook(path)) > 0


def test_a_large_but_honest_member_below_the_limits_is_accepted(tmp_path: Path) -> None:
    sheets = official_sheets()
    padded = rewrite_xlsx(write_workbook(tmp_path / "base.xlsx", sheets), tmp_path / "padded.xlsx",
                          add={"xl/media/photo.bin": random.Random(1).randbytes(2_000_000)})  # incompressible
    assert len(read_workbook(padded)) == len(read_workbook(tmp_path / "base.xlsx"))
    assert sheet_member(sheets, "2021_dataset") == "xl/worksheets/sheet2.xml"


def test_a_damaged_zip_member_is_an_input_error(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "damaged.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start:start + 40] = bytes(40)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"^damaged\.xlsx:xl/worksheets/sheet2\.xml: expected"):
        read_workbook(path)
