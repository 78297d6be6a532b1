"""Parse the background article: yearly counts in prose, single figures, and growth claims.

Which words introduce which figure is data (``ocdata/data/article.yaml``); this module finds
them, reads the numbers and keeps the line each came from.
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from ocdata.codebook import to_id
from ocdata.errors import ParseError
from ocdata.inputs.manifest import Document
from ocdata.numbers import parse_count
from ocdata.parse.common import Parsed, document_lines
from ocdata.paths import PACKAGE_DATA

# No pattern here may backtrack: every unbounded run is possessive and cannot start inside a longer run of its
# own characters (tests/test_linear_parsing.py).
YEAR_VALUE = re.compile(r"(?<![\d,])(?P<value>\d{1,3}(?:,\s?\d{3})++|\d++) in (?P<year>\d{4})")
"""``4,165 in 1990`` (``10, 914`` with its stray space too)."""
YEAR_ITEM = re.compile(r"(?:\d{4}-\d{4}:\s*+)?" + YEAR_VALUE.pattern)
LETTERED = re.compile(r"[A-Z]\)\s*+(?P<name>[A-Za-z ]++):\s*+(?P<body>[^A-Z]*+)")
"""``A) Smuggling: 410 in 2005; 437 in 2006;`` up to the next capital letter."""
VALUE_RUN = re.compile(r"\(\?P<(?P<name>\w++)>(?P<run>\\d|\[\\d,\])\+\)")
"""A figure's number in ``article.yaml``: ``(?P<value>\\d+)`` or ``(?P<value>[\\d,]+)``."""


@cache
def load_article_rules() -> dict:
    """The article's reading rules (``article.yaml``)."""
    return yaml.safe_load((PACKAGE_DATA / "article.yaml").read_text(encoding="utf-8"))


@cache
def rule_pattern(pattern: str) -> re.Pattern:
    """A figure's or claim's pattern (``article.yaml``) compiled so that it cannot backtrack over a long number.

    A number group ``(?P<value>\\d+)`` or ``(?P<value>[\\d,]+)`` becomes possessive and may not start inside a
    longer number: unchanged matches where a number is followed by text, as in every rule, while a line of
    40,000 digits no longer costs a scan of the rest of the line from each digit (the square of its length).
    """
    def guarded(match: re.Match) -> str:
        return f"(?P<{match['name']}>(?<!{match['run']}){match['run']}++)"

    return re.compile(VALUE_RUN.sub(guarded, pattern))


def parse_article(doc: Document) -> Parsed:
    """Read the series, single figures and growth claims from the article."""
    if len(doc.countries) != 1:
        raise ParseError(f"expected one country for an article in the manifest, found {len(doc.countries)}",
                         file=doc.file)
    iso3 = doc.countries[0]
    rules = load_article_rules()
    out = Parsed()
    found: set[str] = set()  # the figures and claims read
    for number, line in enumerate(document_lines(doc), start=1):
        for rule in rules["yearly"]:
            if line.startswith(rule["prefix"]):
                text = _whole_list(line[len(rule["prefix"]):], doc.file, number)
                out.series.extend(_years(text, iso3, rule["series"], rule["unit"], doc.file, number))
        for rule in rules["lettered"]:
            if line.startswith(rule["prefix"]):
                text = _whole_list(line[len(rule["prefix"]):], doc.file, number)
                for match in LETTERED.finditer(text):
                    series = rule["series_prefix"] + to_id(match["name"])
                    out.series.extend(_years(match["body"], iso3, series, rule["unit"], doc.file, number))
        for rule in rules["figures"]:
            for match in rule_pattern(rule["pattern"]).finditer(line):
                found.add(rule["pattern"])
                year = int(match.groupdict().get("year") or rule["year"])
                out.series.append({"iso3": iso3, "series": rule["series"], "year": year,
                                   "value": float(parse_count(match["value"])), "unit": rule["unit"],
                                   "same_as": rule.get("same_as"), "line": number})
        for rule in rules["claims"]:
            for match in rule_pattern(rule["pattern"]).finditer(line):
                found.add(rule["pattern"])
                groups = match.groupdict()
                claimed = float(groups["claimed"]) * rule.get("sign", 1)
                earlier = next((c for c in out.claims if c["claim"] == rule["claim"]), None)
                if earlier is not None:  # the same claim quoted again: it must say the same
                    if earlier["claimed"] != claimed:
                        raise ParseError(f"expected {rule['claim']} to repeat {earlier['claimed']:g} percent (line "
                                         f"{earlier['line']}), found {claimed:g}", file=doc.file, line=number)
                    continue
                out.claims.append({
                    "iso3": iso3, "claim": rule["claim"], "text": _sentence(line, match.start(), match.end()),
                    "series": rule["series"], "versus": rule.get("versus"), "method": rule["method"],
                    "start": int(groups.get("start") or rule.get("start") or groups["end"]),
                    "end": int(groups.get("end") or rule["end"]),
                    "claimed": claimed, "line": number,
                })
    expected = [r["series"] for r in rules["yearly"]]
    missing = [s for s in expected if not any(row["series"] == s for row in out.series)]
    if missing:
        raise ParseError(f"expected the yearly series {', '.join(missing)}, found none (is the file cut short?)",
                         file=doc.file)
    for rule in [*rules["figures"], *rules["claims"]]:
        if rule["pattern"] not in found:
            name = rule.get("claim", rule["series"])
            raise ParseError(f"expected the {'claim' if 'claim' in rule else 'figure'} {name} (article.yaml),"
                             " found none (is the file cut short?)", file=doc.file)
    return out


def _whole_list(text: str, file: str, line: int) -> str:
    """A list of yearly figures ends with a full stop; one that does not was cut short."""
    text = text.strip()
    if not text.endswith("."):
        raise ParseError(f"expected a list of yearly figures ending with '.', found {'…' + text[-30:]!r}"
                         " (is the file cut short?)", file=file, line=line)
    return text.removesuffix(".")


def _years(text: str, iso3: str, series: str, unit: str, file: str, line: int) -> list[dict]:
    """``4,165 in 1990; 4,984 in 1991`` (after an optional ``1990-2006:``): every item must read."""
    rows = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        match = YEAR_ITEM.fullmatch(item)
        if match is None:
            raise ParseError(f"expected '<count> in <year>', found {item[:40]!r}", file=file, line=line)
        rows.append({"iso3": iso3, "series": series, "year": int(match["year"]),
                     "value": float(parse_count(match["value"])), "unit": unit, "same_as": None, "line": line})
    return rows


def _sentence(line: str, start: int, end: int) -> str:
    """The sentence around a match, for quoting the claim."""
    left = max(line.rfind(". ", 0, start) + 2, 0) if line.rfind(". ", 0, start) >= 0 else 0
    right = line.find(". ", end)
    return line[left: len(line) if right < 0 else right + 1].strip(' “"')
