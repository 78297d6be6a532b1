"""Every way a saved document can be wrong, through the command line: what stderr says, the exit code,
and that the last good build in ``--out`` is left exactly as it was.

Unreadable or unparsable input exits 2 with one line, ``ocdata: error: file[:line]: expected ..., found
...``. Input that parses but fails validation exits 1 with one ``ocdata: check failed: file:line: ...``
line per failed check and a summary line; ``--keep-going`` writes the tables anyway and lists every
failed check in ``checks``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from docs import RAW, copy_raw, rewrite
from workbook_factory import locate, official_sheets, write_workbook

import ocdata
from ocdata.cli import main
from ocdata.tables import shown_folder

PDF_2021 = "kgz_2021_profile_pdf.txt"
WEB_2023 = "kaz_kgz_2023_profiles_web.txt"
WEB_2025 = "kgz_2025_profile_web.txt"
PDF_2023 = "kaz_2023_profile_pdf.txt"
ARTICLE = "kaz_crime_background_article.txt"
DOCUMENTS = [PDF_2021, WEB_2023, WEB_2025, PDF_2023, ARTICLE]

Mutation = Callable[[Path], None]


# Mutations of a raw folder: each rewrites one document and records its new checksum.
def text_of(raw: Path, file: str) -> str:
    return (raw / file).read_text(encoding="utf-8")


def replace_once(file: str, old: str, new: str) -> Mutation:
    def mutate(raw: Path) -> None:
        text = text_of(raw, file)
        assert text.count(old) >= 1, f"{old!r} is not in {file}"
        rewrite(raw, file, text.replace(old, new, 1))
    return mutate


def keep_lines(file: str, n: int) -> Mutation:
    """The file cut short after its line ``n``."""
    def mutate(raw: Path) -> None:
        rewrite(raw, file, "\n".join(text_of(raw, file).split("\n")[:n]))
    return mutate


def cut_inside_line(file: str, n: int) -> Mutation:
    """The file cut short half-way through its line ``n`` (a download that stopped mid-sentence)."""
    def mutate(raw: Path) -> None:
        lines = text_of(raw, file).split("\n")
        rewrite(raw, file, "\n".join([*lines[: n - 1], lines[n - 1][: len(lines[n - 1]) // 2]]))
    return mutate


def write_bytes(file: str, encode: Callable[[str], bytes]) -> Mutation:
    def mutate(raw: Path) -> None:
        rewrite(raw, file, encode(text_of(raw, file)))
    return mutate


def edit_manifest(edit: Callable[[dict], None]) -> Mutation:
    def mutate(raw: Path) -> None:
        manifest = yaml.safe_load((raw / "sources.yaml").read_text(encoding="utf-8"))
        edit(manifest)
        (raw / "sources.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return mutate


def entry(manifest: dict, file: str) -> dict:
    return next(e for e in manifest["documents"] if e["file"] == file)


def first_non_ascii_line(file: str, codec: str) -> int:
    data = (RAW / file).read_text(encoding="utf-8").encode(codec, errors="replace")
    return data[: next(i for i, b in enumerate(data) if b >= 0x80)].count(b"\n") + 1


# The command line, and what a build leaves behind.
def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of a build, byte for byte, and the names beside it (a staging folder left behind shows)."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return {**files, "..": "\n".join(sorted(p.name for p in out.parent.iterdir())).encode()}


def run_build(capsys, raw: Path, out: Path, *flags: str) -> tuple[int, list[str], str]:
    """``ocdata build --raw RAW --out OUT [flags]``: the exit code, the lines on stderr, stdout."""
    code = main(["build", "--raw", str(raw), "--out", str(out), *flags])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "processed"
    assert main(["build", "--out", str(out)]) == 0
    return out


@pytest.fixture
def out(good_build: Path, tmp_path: Path) -> Path:
    """A copy of the last good build: a failed build must leave it as it is."""
    return Path(shutil.copytree(good_build, tmp_path / "processed"))


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return copy_raw(tmp_path / "raw")


def assert_one_error(lines: list[str], file: str, line: int | None, detail: str) -> None:
    """Exactly one line: ``ocdata: error: [folder/]file[:line]: expected ..., found ...`` (``detail`` a regex)."""
    assert len(lines) == 1, lines
    where = re.escape(file) + ("" if line is None else f":{line}")
    assert re.fullmatch(rf"ocdata: error: (?:.*/)?{where}: expected .+, found .+", lines[0]), lines[0]
    assert re.search(detail, lines[0]), lines[0]
    assert "Traceback" not in lines[0]


# Unreadable or unparsable input: exit 2, one line.
UNPARSABLE = [
    # id, mutation, file, line (None: the file as a whole), what the message says
    *[pytest.param(replace, file, None, r": expected text, found an empty file$", id=f"empty-{file}")
      for file in DOCUMENTS for replace in [lambda raw, file=file: rewrite(raw, file, b"")]],
    pytest.param(lambda raw: rewrite(raw, PDF_2021, b"\n \n\t\r\n"), PDF_2021, None,
                 "expected text, found an empty file", id="blank-lines-only"),
    *[pytest.param(write_bytes(file, lambda t: t.encode("cp1252", errors="replace")), file,
                   first_non_ascii_line(file, "cp1252"), r"expected UTF-8 text, found byte 0x[89a-f][0-9a-f]$",
                   id=f"cp1252-{file}") for file in DOCUMENTS],
    pytest.param(write_bytes(WEB_2025, lambda t: t.encode("utf-16")), WEB_2025, 1,
                 r"expected UTF-8 text, found UTF-16 \(its byte-order mark\)", id="utf16-with-bom"),
    pytest.param(write_bytes(WEB_2025, lambda t: t.encode("utf-16-le")), WEB_2025, 1,
                 r"expected UTF-8 text, found a NUL byte \(is the file UTF-16\?\)", id="utf16-without-bom"),
    # cut short: in the scores, between countries, in the narrative, in a list of figures
    pytest.param(keep_lines(PDF_2021, 40), PDF_2021, 40,
                 r"expected the narrative \(a CRIMINALITY heading\) after the scores, found the end of the file "
                 r"\(is the file cut short\?\)", id="cut-pdf-2021-in-scores"),
    pytest.param(cut_inside_line(PDF_2021, 152), PDF_2021, 152,
                 r"expected the paragraph to end a sentence, found '….*' \(is the file cut short\?\)",
                 id="cut-pdf-2021-mid-sentence"),
    pytest.param(cut_inside_line(PDF_2023, 169), PDF_2023, 169, "expected the paragraph to end a sentence",
                 id="cut-pdf-2023-mid-sentence"),
    pytest.param(keep_lines(WEB_2023, 120), WEB_2023, None,
                 r"expected 2 country profiles \(manifest\), found 1 \(is the file cut short\?\)",
                 id="cut-web-2023-after-first-country"),
    pytest.param(cut_inside_line(WEB_2023, 245), WEB_2023, 245, "expected the paragraph to end a sentence",
                 id="cut-web-2023-mid-sentence"),
    pytest.param(keep_lines(WEB_2025, 100), WEB_2025, 100,
                 r"expected narrative paragraphs after the scores, found the end of the file",
                 id="cut-web-2025-in-scores"),
    pytest.param(cut_inside_line(WEB_2025, 388), WEB_2025, 388, "expected the paragraph to end a sentence",
                 id="cut-web-2025-mid-sentence"),
    pytest.param(cut_inside_line(ARTICLE, 33), ARTICLE, 33,
                 r"expected a list of yearly figures ending with '\.', found '….*' \(is the file cut short\?\)",
                 id="cut-article-mid-list"),
    pytest.param(keep_lines(ARTICLE, 100), ARTICLE, None,
                 r"expected the figure \w+ \(article\.yaml\), found none \(is the file cut short\?\)",
                 id="cut-article-before-figures"),
    # a page whose layout changed, or a name mistyped
    pytest.param(replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HERON TRADE\t7.00"), PDF_2021, 25,
                 "expected an indicator name of the 2021 edition, found 'HERON TRADE'", id="unknown-indicator-pdf"),
    pytest.param(replace_once(WEB_2025, "    Human trafficking\n", "    Humane trafficking\n"), WEB_2025, 42,
                 "expected an indicator name of the 2025 edition, found 'Humane trafficking'",
                 id="unknown-indicator-web-2025"),
    pytest.param(replace_once(WEB_2023, "Human smuggling\n", "Human smugglng\n"), WEB_2023, 9,
                 "expected an indicator name of the 2023 edition, found 'Human smugglng'",
                 id="unknown-indicator-web-2023"),
    pytest.param(replace_once(PDF_2021, "KYRGYZSTAN", "KAZAKHSTAN"), PDF_2021, 6,
                 "expected a profile of KGZ \\(manifest\\), found 'KAZAKHSTAN'", id="other-country-pdf"),
    # numbers mistyped by hand, where the layout tells
    pytest.param(replace_once(WEB_2025, "7.000.00", "7.0O0.00"), WEB_2025, 44,
                 r"expected a score after 'Human trafficking' \(like 4.330.18\), found '7.0O0.00'",
                 id="garbled-score-web"),
    pytest.param(replace_once(PDF_2021, "72nd of 193", "720th of 193"), PDF_2021, 16,
                 "expected a rank from 1 to 193, found 720", id="rank-beyond-total-pdf"),
    pytest.param(replace_once(WEB_2025, "85th of 193 countries", "0th of 193 countries"), WEB_2025, 30,
                 "expected a rank from 1 to 193, found 0", id="rank-zero-web"),
    pytest.param(replace_once(ARTICLE, "4,984 in 1991", "4,98x in 1991"), ARTICLE, 33,
                 "expected '<count> in <year>', found '4,98x in 1991'", id="garbled-count-article"),
    pytest.param(replace_once(ARTICLE, "average of 20 percent per annum", "average of 2O percent per annum"),
                 ARTICLE, None, r"expected the claim drug_crimes_growth_to_peak \(article\.yaml\), found none",
                 id="garbled-claim-article"),
    # the manifest
    pytest.param(lambda raw: (raw / PDF_2021).unlink(), PDF_2021, None,
                 r"expected the file of document 'kgz_2021_pdf' \(listed in sources\.yaml\), found no such file",
                 id="manifest-file-missing"),
    pytest.param(lambda raw: (raw / PDF_2021).write_text("KYRGYZSTAN\n", encoding="utf-8"), PDF_2021, None,
                 r"expected sha256 e50175d6ef18… \(from sources\.yaml\), found [0-9a-f]{12}…: the document changed",
                 id="manifest-checksum-differs"),
    pytest.param(lambda raw: (raw / "sources.yaml").unlink(), "sources.yaml", None,
                 r"expected the manifest sources\.yaml beside the raw documents, found no such file",
                 id="manifest-missing"),
    pytest.param(lambda raw: (raw / "sources.yaml").write_text("documents:\n  - id: [unclosed\n", encoding="utf-8"),
                 "sources.yaml", 3, "expected YAML, found a syntax error", id="manifest-not-yaml"),
    pytest.param(edit_manifest(lambda m: entry(m, WEB_2025).update(sha256="e50175d6")), "sources.yaml", 30,
                 "expected sha256 of document 3 to be 64 hex digits, found 'e50175d6'", id="manifest-short-checksum"),
    pytest.param(edit_manifest(lambda m: entry(m, WEB_2025).update(edition="2025")), "sources.yaml", 27,
                 "expected edition of document 3 to be a year or null, found '2025'", id="manifest-edition-text"),
    pytest.param(edit_manifest(lambda m: entry(m, WEB_2025).update(countries="KGZ")), "sources.yaml", 28,
                 "expected countries of document 3 to be a list of ISO3 codes, found 'KGZ'",
                 id="manifest-countries-not-a-list"),
    pytest.param(edit_manifest(lambda m: entry(m, WEB_2025).pop("sha256")), "sources.yaml", 21,
                 "expected the fields sha256 in document 3, found none", id="manifest-field-missing"),
    pytest.param(edit_manifest(lambda m: entry(m, WEB_2025).update(kind="html")), "sources.yaml", 26,
                 "expected the kind of document 'kgz_2025_web' to be one of pdf_profile, web_profile, article, "
                 "found 'html'", id="manifest-unknown-kind"),
]


@pytest.mark.parametrize(("mutate", "file", "line", "detail"), UNPARSABLE)
def test_unparsable_input_exits_2_with_one_line(capsys, raw, out, mutate, file, line, detail):
    mutate(raw)
    before = snapshot(out)
    code, lines, _ = run_build(capsys, raw, out)
    assert code == 2
    assert_one_error(lines, file, line, detail)
    assert snapshot(out) == before


# Input that parses but fails validation: exit 1, one line naming the failed check nearest the cause.
INVALID = [
    # mutation, the failed check the line must name
    pytest.param(replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HEROIN TRADE\t11.00"),
                 f"{PDF_2021}:25: indicator_range_grid on KGZ 2021: expected 1 to 10 in steps of 0.5, "
                 "found heroin_trade=11.0", id="score-out-of-range-pdf"),
    pytest.param(replace_once(WEB_2025, "7.000.00", "0.500.00"),
                 f"{WEB_2025}:44: indicator_range_grid on KGZ 2025: expected 1 to 10 in steps of 0.5, "
                 "found human_trafficking=0.5", id="score-out-of-range-web"),
    pytest.param(replace_once(WEB_2025, "7.000.00", "7.300.00"),
                 f"{WEB_2025}:44: indicator_range_grid on KGZ 2025: expected 1 to 10 in steps of 0.5, "
                 "found human_trafficking=7.3", id="score-off-grid-web"),
    pytest.param(replace_once(PDF_2023, "HEROIN TRADE\t6.50", "HEROIN TRADE\t6.75"),
                 f"{PDF_2023}:26: sources_agree on KAZ 2023 heroin_trade: expected 6.50, found 6.75",
                 id="score-off-grid-pdf-against-web"),
    pytest.param(replace_once(PDF_2021, "HEROIN TRADE\t7.00\n", "HEROIN TRADE\t7.00\nHEROIN TRADE\t7.50\n"),
                 f"{PDF_2021}:26: repeated_value_agrees on KGZ 2021 heroin_trade: expected 7.00, found 7.50",
                 id="indicator-twice-pdf"),
    pytest.param(replace_once(WEB_2025, "    Human trafficking\n\n    7.000.00\n",
                              "    Human trafficking\n\n    7.000.00\n\n    Human trafficking\n\n    6.500.00\n"),
                 f"{WEB_2025}:48: repeated_value_agrees on KGZ 2025 human_trafficking: expected 7.00, found 6.50",
                 id="indicator-twice-web"),
    pytest.param(replace_once(PDF_2021, "CRIMINAL MARKETS\t4.40", "CRIMINAL MARKETS\t4.90"),
                 f"{PDF_2021}:18: composite_matches_indicators on KGZ 2021 criminal_markets: expected 4.90, "
                 "found 4.40", id="composite-contradicts-indicators"),
    pytest.param(replace_once(WEB_2025, "4.900.27", "4.900.37"),
                 f"{WEB_2025}:38: change_matches_previous on KGZ 2025 criminal_markets change: expected +0.267, "
                 "found +0.37", id="change-contradicts-previous-edition"),
    pytest.param(replace_once(ARTICLE, "Of 10,423 criminal cases", "Of 10,432 criminal cases"),
                 f"{ARTICLE}:37: article_figures_agree on drug_criminal_cases_initiated 2006 = drug_related_crimes: "
                 "expected 10423, found 10432", id="article-figures-disagree"),
]
CHECK_LINE = re.compile(r"ocdata: check failed: [\w.-]+\.txt(?::\d+)?: \w+ on .+: expected .+, found .+")


@pytest.mark.parametrize(("mutate", "message"), INVALID)
def test_invalid_input_exits_1_and_keeps_the_last_build(capsys, raw, out, mutate, message):
    mutate(raw)
    before = snapshot(out)
    code, lines, _ = run_build(capsys, raw, out)
    assert code == 1
    assert len(lines) == 1, "\n".join(lines)  # the failed check nearest the cause, and how many failed
    assert lines[0].startswith(f"ocdata: check failed: {message} ("), lines[0]
    assert CHECK_LINE.match(lines[0])
    assert re.search(rf"\(\d+ check\(s\) failed in all; nothing written, the previous build in "
                     rf".*{re.escape(out.name)} is kept; --keep-going writes .*\)$", lines[0]), lines[0]
    assert snapshot(out) == before


def test_keep_going_writes_and_lists_every_failed_check(capsys, raw, out):
    replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HEROIN TRADE\t11.00")(raw)
    before = snapshot(out)
    code, lines, stdout = run_build(capsys, raw, out, "--keep-going")
    assert code == 1
    assert not any("Traceback" in line for line in lines)
    after = snapshot(out)
    assert after != before and set(after) == set(before)  # every table rewritten, nothing left beside them
    expected = ocdata.load(raw, strict=False).failed
    checks = pd.read_csv(out / "checks.csv")
    failed = checks[checks["status"] == "fail"]
    key = ["check", "subject", "source", "line"]
    assert len(failed) == len(expected) >= 5
    as_rows = lambda t: sorted(t[key].astype({"line": "Int64"}).astype(str).itertuples(index=False))  # noqa: E731
    assert as_rows(failed) == as_rows(expected)
    assert {"indicator_range_grid", "composite_matches_indicators", "backcast_agrees"} <= set(failed["check"])
    assert failed["source"].notna().all() and failed["expected"].notna().all() and failed["found"].notna().all()
    scores = pd.read_csv(out / "scores.csv").set_index(["iso3", "edition", "indicator"])
    assert scores.loc[("KGZ", 2021, "heroin_trade"), "score"] == 11.0  # what the document says, flagged
    assert f"{len(expected)} failed" in stdout


def test_a_good_build_after_a_failed_one_replaces_it(capsys, raw, out, good_build):
    broken = copy_raw(raw.parent / "broken")
    replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HERON TRADE\t7.00")(broken)
    assert run_build(capsys, broken, out)[0] == 2
    assert run_build(capsys, raw, out)[0] == 0
    shown = shown_folder(out)  # the tables it shows: a pointer folder's descriptor also names its version
    assert snapshot(shown) == {**snapshot(shown_folder(good_build)), "..": snapshot(shown)[".."]}


def test_a_byte_order_mark_is_not_an_error(capsys, raw, out):
    write_bytes(WEB_2025, lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"))(raw)
    code, lines, _ = run_build(capsys, raw, out)
    assert (code, lines) == (0, [])


def test_a_claim_the_figures_cannot_check_fails_quietly(capsys, raw, out):
    """A zero to grow from: the claim fails in ``claims``; no RuntimeWarning leaks onto stderr."""
    replace_once(ARTICLE, "4,165 in 1990", "0 in 1990")(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, lines, _ = run_build(capsys, raw, out)
    assert (code, lines) == (0, [])
    claims = pd.read_csv(out / "claims.csv").set_index("claim")
    assert claims.loc["drug_crimes_growth_to_peak", "status"] == "fail"
    assert pd.isna(claims.loc["drug_crimes_growth_to_peak", "computed"])


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, check=False)


def test_the_installed_command_prints_one_line_and_debug_a_traceback(raw, out):
    replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HERON TRADE\t7.00")(raw)
    before = snapshot(out)
    plain = cli("build", "--raw", str(raw), "--out", str(out))
    assert plain.returncode == 2
    assert plain.stderr.splitlines() == [f"ocdata: error: {PDF_2021}:25: expected an indicator name "
                                         "of the 2021 edition, found 'HERON TRADE'"]
    debug = cli("--debug", "build", "--raw", str(raw), "--out", str(out))
    assert debug.returncode == 2
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert "ParseError" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()
    assert snapshot(out) == before


def test_keep_going_leaves_out_a_document_it_cannot_parse(capsys, raw, out):
    replace_once(PDF_2021, "HEROIN TRADE\t7.00", "HERON TRADE\t7.00")(raw)
    code, lines, stdout = run_build(capsys, raw, out, "--keep-going")
    assert code == 1 and lines == []
    assert "1 failed" in stdout
    checks = pd.read_csv(out / "checks.csv")
    failed = checks[checks["status"] == "fail"]
    assert failed[["check", "source", "line"]].values.tolist() == [["document_parses", "kgz_2021_pdf", 25]]
    assert failed["found"].iloc[0] == "expected an indicator name of the 2021 edition, found 'HERON TRADE'"
    scores = pd.read_csv(out / "scores.csv")
    assert (scores["source"] != "kgz_2021_pdf").all()
    kgz_2021 = scores[(scores["iso3"] == "KGZ") & (scores["edition"] == 2021)]
    assert set(kgz_2021["origin"]) <= {"backcast", "computed"}  # recovered from the 2023 changes instead


def test_an_internal_error_is_one_line_with_its_own_exit_code(capsys, monkeypatch, out):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("ocdata.build.run_build", broken)
    assert main(["build", "--out", str(out)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ocdata: internal error: KeyError: 'boom' (rerun with --debug for a traceback)"]


def _break_header(sheets):
    _, column = locate(sheets, "2023_dataset", "Kazakhstan", "Human trafficking")
    sheets["2023_dataset"][0][column] = "Human traffic"


def _drop_column(sheets):
    _, column = locate(sheets, "2023_dataset", "Kazakhstan", "Financial crimes")
    for row in sheets["2023_dataset"]:
        del row[column]


def _set_cell(country: str, header: str, value):
    def mutate(sheets):
        row, column = locate(sheets, "2023_dataset", country, header)
        sheets["2023_dataset"][row][column] = value
    return mutate


# Workbooks that cannot be read: exit 2, one line naming the workbook, the sheet and the cell or row.
BAD_WORKBOOKS = [
    pytest.param(_break_header, r"book\.xlsx:2023_dataset!\w+1: unknown header 'Human traffic'", id="unknown-column"),
    pytest.param(_drop_column, r"book\.xlsx:2023_dataset: row 1: missing required column\(s\) financial_crimes",
                 id="missing-column"),
    pytest.param(_set_cell("Kazakhstan", "Country", "Narnia"), r"book\.xlsx:2023_dataset!\w+: unknown country "
                 r"name 'Narnia'", id="unknown-country"),
    pytest.param(_set_cell("Kazakhstan", "Heroin trade", None), r"book\.xlsx:2023_dataset!\w+: expected a score, "
                 "found a blank cell", id="blank-cell"),
    pytest.param(_set_cell("Kazakhstan", "Heroin trade", "six"), r"book\.xlsx:2023_dataset!\w+: expected a score, "
                 "found 'six'", id="non-numeric-cell"),
]


@pytest.mark.parametrize(("mutate", "message"), BAD_WORKBOOKS)
def test_bad_workbook_exits_2_with_one_line(capsys, monkeypatch, tmp_path, out, mutate, message):
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    sheets = official_sheets()
    mutate(sheets)
    book = write_workbook(tmp_path / "book.xlsx", sheets)
    before = snapshot(out)
    code = main(["build", "--workbook", str(book), "--out", str(out)])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2
    assert len(lines) == 1 and re.fullmatch(rf"ocdata: error: {message}.*", lines[0]), lines
    assert snapshot(out) == before
