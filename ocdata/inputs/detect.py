"""Tell what a document a user adds is: its kind, edition and countries, from the cues the parsers read.

- **kind**: a PDF profile prints indicators as ``HUMAN TRAFFICKING<TAB>6.50`` (upper case, then a score); a web
  profile prints an indicator name on one line and its score and change glued on the next (``4.330.18``).
  Anything else (an article) must be named with ``--kind``.
- **edition**: a PDF profile with the indicators added in 2023 is of 2023 (PDF profiles exist for 2021 and 2023),
  without them of 2021. A web profile with ``n/a`` changes (indicators new that edition) is of 2023, else 2025.
- **countries**: the lines that are a country's name and nothing else, in order of first appearance.

Every answer may be ``None`` (or empty): the caller then asks for ``--kind``, ``--edition`` or ``--country``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from ocdata.codebook import indicators_of
from ocdata.countries import to_iso3
from ocdata.errors import ParseError
from ocdata.numbers import parse_glued
from ocdata.parse.common import MAX_LINE_CHARS, clean, label_id, split_lines
from ocdata.parse.pdf_profile import VALUE_LINE

MIN_SCORES = 5
"""A kind needs at least this many score lines of its layout."""
PDF_EDITIONS = (2021, 2023)
WEB_EDITIONS = (2023, 2025)


def _cleaned(lines: Sequence[str]) -> list[str]:
    """The non-empty cleaned lines (line ends as the parsers read them); a line longer than a parser reads is
    skipped, left for the parser to refuse by its file and line."""
    if any("\r" in line for line in lines):
        lines = split_lines("\n".join(lines))
    return [text for text in (clean(line) for line in lines if len(line) <= MAX_LINE_CHARS) if text]


def pdf_scores(lines: Sequence[str]) -> list[str]:
    """The indicators printed as PDF score lines (``LABEL<TAB>score``)."""
    found = []
    for text in _cleaned(lines):
        match = VALUE_LINE.match(text)
        if match and text == text.upper() and (ident := label_id(match["label"])):
            found.append(ident)
    return found


def web_scores(lines: Sequence[str]) -> list[tuple[str, float | None]]:
    """The indicators printed web-style: a name, then its glued score and change on the next line."""
    texts = _cleaned(lines)
    return [(ident, glued[1]) for name, value in pairwise(texts)
            if (ident := label_id(name)) and name != name.upper() and (glued := parse_glued(value)) is not None]


def detect_kind(lines: Sequence[str]) -> str | None:
    """``pdf_profile``, ``web_profile`` or ``None`` when neither layout is clear."""
    pdf, web = len(pdf_scores(lines)), len(web_scores(lines))
    if max(pdf, web) < MIN_SCORES or pdf == web:
        return None
    return "pdf_profile" if pdf > web else "web_profile"


def detect_edition(kind: str, lines: Sequence[str]) -> int | None:
    """The edition of a profile of ``kind``, or ``None``."""
    if kind == "pdf_profile":
        printed = set(pdf_scores(lines))
        new_in_2023 = set(indicators_of(2023)) - set(indicators_of(2021))
        return 2023 if printed & new_in_2023 else 2021 if printed else None
    if kind == "web_profile":
        scores = web_scores(lines)
        if not scores:
            return None
        return 2023 if any(change is None for _, change in scores) else 2025
    return None


def detect_countries(lines: Sequence[str]) -> list[str]:
    """The ISO3 codes of the lines that are only a country's name, in order of first appearance."""
    found: list[str] = []
    for text in _cleaned(lines):
        if len(text) > 60 or label_id(text) is not None or text in ("CRIMINALITY", "RESILIENCE"):
            continue
        try:
            code = to_iso3(text)
        except ParseError:
            continue
        if code not in found:
            found.append(code)
    return found
