"""What a reader sees in the rendered reports: plain words, every change shown, headings in order, figures
described, a way to cite and to take the numbers away.

Renders once per module: a workbook country's profile (Colombia 2023, with the official workbook), a
document country's profile (Kyrgyzstan 2025, bundled documents only), a comparison of 12 countries and a
region's comparison.
"""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report_fixtures import REGION, require_workbook

TWELVE = "COL,USA,KGZ,KAZ,MEX,BRA,RUS,CHN,IND,NGA,ZAF,DEU"
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
MISSING_WORDS = re.compile(r"\b(NaN|nan|None|<NA>)(?![\w-])")


class Visible(HTMLParser):
    """The text a reader sees (and the alt texts a screen reader reads: an image's ``alt``, an inline figure's
    ``aria-label``); code, styles and SVG left out."""

    HIDDEN = ("style", "script", "svg", "code", "title")

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.alts: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")
        if tag == "svg" and dict(attrs).get("role") == "img" and "aria-label" in dict(attrs):
            self.alts.append(dict(attrs).get("aria-label") or "")  # a figure inline: its accessible name
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)


def visible(page: Path) -> Visible:
    parser = Visible()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    from ocdata.report import run_reports

    book = require_workbook()
    out = tmp_path_factory.mktemp("content")
    assert run_reports(countries=["COL"], compare=TWELVE, region=REGION, edition=2023, workbook=book,
                       out=out / "book", jobs=2, progress=False) == 0
    assert run_reports(countries=["KGZ"], workbook=False, out=out / "docs", jobs=1, progress=False) == 0
    found = {"workbook": out / "book" / "COL_2023.html", "document": out / "docs" / "KGZ_2025.html"}
    for page in (out / "book").glob("compare_*.html"):
        found["region" if "ARM-AZE" in page.name else "twelve"] = page
    assert set(found) == {"workbook", "document", "region", "twelve"}, sorted(found)
    return found


KINDS = ("workbook", "document", "twelve", "region")


@pytest.mark.parametrize("kind", KINDS)
def test_no_identifier_nor_missing_marker_reaches_a_reader(pages, kind):
    text = "\n".join(visible(pages[kind]).text)
    assert SNAKE.findall(text) == []
    assert MISSING_WORDS.findall(text) == []


@pytest.mark.parametrize("kind", KINDS)
def test_headings_one_h1_and_no_level_skipped(pages, kind):
    levels = visible(pages[kind]).headings
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


@pytest.mark.parametrize("kind", KINDS)
def test_how_to_cite_and_csv_export(pages, kind):
    html = pages[kind].read_text(encoding="utf-8")
    assert "How to cite" in html or "how to cite" in html
    assert "https://ocindex.net" in html and "ocdata " in html
    csv = pages[kind].with_suffix(".csv")
    assert csv.is_file() and csv.read_text(encoding="utf-8").count("\n") >= 2
    assert f'href="{csv.name}"' in html


@pytest.mark.parametrize(("kind", "words"), [("workbook", "Colombia's 32 indicator scores in 2023, by pillar"),
                                              ("document", "Kyrgyzstan's 32 indicator scores in 2025, by pillar"),
                                              ("twelve", "12 countries"), ("region", "8 countries")])
def test_alt_texts_say_what_figures_show(pages, kind, words):
    alts = visible(pages[kind]).alts
    assert alts and all(len(alt) > 25 for alt in alts), alts
    assert any(words in alt for alt in alts), alts


def _cell_text(cell: str) -> str:
    """A cell's text; for an indicator with its definition folded in a ``<details>``, the name only."""
    summary = re.search(r"<summary>(.*?)</summary>", cell, re.S)
    return re.sub(r"<[^>]+>", "", summary.group(1) if summary else cell).strip()


def _indicator_rows(page: Path) -> list[list[str]]:
    """The rows of the table with a "Change" column and a "… score" column (the indicators)."""
    html = page.read_text(encoding="utf-8")
    for table in re.findall(r"<table.*?</table>", html, re.S):
        header = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        if "Pillar" in header and "Change" in header and len(re.findall(r"<tr>", table)) > 30:
            rows = [[_cell_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
            return [dict(zip(header, row, strict=True)) for row in rows]
    raise AssertionError(f"{page.name}: no indicator table")


@pytest.mark.parametrize(("kind", "previous"), [("workbook", "2021 score"), ("document", "2023 score")])
def test_every_indicator_with_a_previous_score_has_a_signed_change(pages, kind, previous):
    rows = _indicator_rows(pages[kind])
    with_previous = [r for r in rows if r[previous] != "—"]
    assert len(with_previous) >= 20
    for row in with_previous:
        assert re.fullmatch(r"[+−]?\d+\.\d\d°?", row["Change"]), row
        assert "-" not in row["Change"]
    colombia = {r["Indicator"]: r for r in rows}
    if kind == "workbook":
        assert colombia["Human trafficking"]["Change"] == "+0.50°"
        assert colombia["Cannabis trade"]["Change"] == "−1.00°"


def test_a_document_profile_says_what_it_lacks_and_marks_inferred_values(pages):
    text = " ".join(visible(pages["document"]).text)
    assert "inferred" in text and "*" in text
    assert "Rank 1 is the most criminal" in text


def test_a_workbook_profile_leaves_out_empty_sections(pages):
    parsed = visible(pages["workbook"])
    text = " ".join(parsed.text)
    assert "This report has no narrative, no profile facts" in text
    assert "What the profile says" not in text and "Historical series" not in text
    assert "are left out" in text
