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
from ocdata.manifest import Document
from ocdata.numbers import parse_count
from ocdata.parse.common import Parsed
from ocdata.paths import PACKAGE_DATA

YEAR_VALUE = re.compile(r"(?P<value>\d{1,3}(?:,\s?\d{3})+|\d+) in (?P<year>\d{4})")
LETTERED = re.compile(r"[A-Z]\)\s*(?P<name>[A-Za-z ]+?):\s*(?P<body>[^A-Z]*)")


@cache
def load_article_rules() -> dict:
    """The article's reading rules (``article.yaml``)."""
    return yaml.safe_load((PACKAGE_DATA / "article.yaml").read_text(encoding="utf-8"))


def parse_article(doc: Document) -> Parsed:
    """Read the series, single figures and growth claims from the article."""
    if len(doc.countries) != 1:
        raise ParseError("expected an article about one country in the manifest", file=doc.file)
    iso3 = doc.countries[0]
    rules = load_article_rules()
    out = Parsed()
    for number, line in enumerate(doc.lines, start=1):
        for rule in rules["yearly"]:
            if line.startswith(rule["prefix"]):
                out.series.extend(_years(line[len(rule["prefix"]):], iso3, rule["series"], rule["unit"], number))
        for rule in rules["lettered"]:
            if line.startswith(rule["prefix"]):
                for match in LETTERED.finditer(line[len(rule["prefix"]):]):
                    series = rule["series_prefix"] + to_id(match["name"])
                    out.series.extend(_years(match["body"], iso3, series, rule["unit"], number))
        for rule in rules["figures"]:
            for match in re.finditer(rule["pattern"], line):
                year = int(match.groupdict().get("year") or rule["year"])
                out.series.append({"iso3": iso3, "series": rule["series"], "year": year,
                                   "value": float(parse_count(match["value"])), "unit": rule["unit"],
                                   "same_as": rule.get("same_as"), "line": number})
        for rule in rules["claims"]:
            for match in re.finditer(rule["pattern"], line):
                found = match.groupdict()
                out.claims.append({
                    "iso3": iso3, "claim": rule["claim"], "text": _sentence(line, match.start(), match.end()),
                    "series": rule["series"], "versus": rule.get("versus"), "method": rule["method"],
                    "start": int(found.get("start") or rule.get("start") or found["end"]),
                    "end": int(found.get("end") or rule["end"]),
                    "claimed": float(found["claimed"]) * rule.get("sign", 1), "line": number,
                })
    expected = [r["series"] for r in rules["yearly"]]
    missing = [s for s in expected if not any(row["series"] == s for row in out.series)]
    if missing:
        raise ParseError(f"expected the yearly series {', '.join(missing)}, found none (is the file cut short?)",
                         file=doc.file)
    return out


def _years(text: str, iso3: str, series: str, unit: str, line: int) -> list[dict]:
    return [{"iso3": iso3, "series": series, "year": int(m["year"]), "value": float(parse_count(m["value"])),
             "unit": unit, "same_as": None, "line": line} for m in YEAR_VALUE.finditer(text)]


def _sentence(line: str, start: int, end: int) -> str:
    """The sentence around a match, for quoting the claim."""
    left = max(line.rfind(". ", 0, start) + 2, 0) if line.rfind(". ", 0, start) >= 0 else 0
    right = line.find(". ", end)
    return line[left: len(line) if right < 0 else right + 1].strip(' “"')
