"""Parse the text of web country profiles (2023 and 2025 editions).

Layout: an indicator name on one line, its score and change glued on the next (``4.330.18``),
then a one-line definition. Headline composites print the value first (``5.25-0.07`` then
``Criminality score``), followed by three rank lines with a rank change. One file may hold
several countries back to back without headings: a country ends where ``Criminal markets``
comes round again, and the manifest names the countries in order.
"""

from __future__ import annotations

import re

from ocdata.codebook import load_layout
from ocdata.countries import to_iso3
from ocdata.errors import ParseError
from ocdata.inputs.manifest import Document
from ocdata.numbers import parse_count, parse_glued
from ocdata.parse.common import (
    ORDINAL,
    NarrativeBuilder,
    Parsed,
    check_narrative_complete,
    clean,
    document_lines,
    is_boilerplate,
    label_id,
    read_rank,
    scope_of,
    unknown_name,
)

RANK_LINE = re.compile(
    "^" + ORDINAL + r" countries(?: in (?P<name>(?:\S++|\s++(?!-?\d++$))++))?(?:\s++(?P<move>-?\d++))?$"
)
"""``23rd of 46 countries in Asia 2``: the name takes every run of spaces but the one before a closing rank change,
each read once (a lazy ``.+?`` name tried every length and cost the square of a line's length)."""
NUMBER_IN_TEXT = re.compile(r"\d{1,3}(?:,\d{3})++|\d++")


def parse_web_profile(doc: Document) -> Parsed:
    """Read scores, definitions, ranks, profile facts and narrative from a web profile's text."""
    if not doc.countries or doc.edition is None:
        raise ParseError("expected the countries and edition of a web profile in the manifest, found countries "
                         f"{list(doc.countries)} and edition {doc.edition}", file=doc.file)
    layout = load_layout()
    headlines, facts = layout["headline_labels"], layout["profile_facts"]
    first_label = layout["web_profile_first_label"]  # a country's profile starts where this comes round again
    lines = document_lines(doc)
    items = [(n, clean(raw)) for n, raw in enumerate(lines, start=1)]
    items = [(n, t) for n, t in items if t]
    out = Parsed()
    country = -1
    narratives: list[NarrativeBuilder] = []
    seen: set[str] = set()
    pending: tuple[float, float | None, int] | None = None
    metric: str | None = None  # the headline that rank lines belong to
    i = 0

    def start_country() -> None:
        nonlocal country
        country += 1
        if country >= len(doc.countries):
            raise ParseError(f"expected {len(doc.countries)} countries (manifest), found another profile",
                             file=doc.file, line=items[i][0])
        seen.clear()
        narratives.append(NarrativeBuilder(doc.countries[country], doc.edition))

    while i < len(items):
        number, text = items[i]
        ident = label_id(text, doc.edition)
        lower = text.lower()
        if ident == first_label and (country < 0 or first_label in seen):
            start_country()
        if country < 0 and (ident or lower in headlines or lower in facts):
            start_country()
        iso3 = doc.countries[max(country, 0)]

        if (glued := parse_glued(text)) is not None:
            if pending is not None:
                raise ParseError(f"expected a name for the score on line {pending[2]}, found another score",
                                 file=doc.file, line=number)
            pending = (glued[0], glued[1], number)
            i += 1
            continue
        if lower in headlines:
            if pending is None:
                raise ParseError(f"expected a score before {text!r}, found none", file=doc.file, line=number)
            metric = headlines[lower]
            out.values.append(_value(iso3, doc.edition, metric, pending))
            seen.add(metric)
            pending = None
            i += 1
            continue
        if pending is not None:  # a score that is no headline's: the line before it should have named it
            if i < 2:
                raise ParseError("expected an indicator name before this score, found none", file=doc.file,
                                 line=pending[2])
            named_by, name = items[i - 2]
            raise unknown_name(name[:50], doc.edition, file=doc.file, line=named_by)
        if match := RANK_LINE.match(text):
            if metric is None:
                raise ParseError("expected a headline score before this rank, found none", file=doc.file,
                                 line=number)
            scope, scope_name = _scope(match, doc.file, number, doc.edition)
            move = None if match["move"] is None else abs(int(match["move"]))
            rank, total = read_rank(match, file=doc.file, line=number)
            out.ranks.append({"iso3": iso3, "edition": doc.edition, "metric": metric, "scope": scope,
                              "scope_name": scope_name, "rank": rank, "total": total, "printed_change": move,
                              "line": number})
            i += 1
            continue
        if ident is not None:
            value_line = items[i + 1] if i + 1 < len(items) else (number, "")
            glued = parse_glued(value_line[1])
            if glued is None and narratives and narratives[-1].heading(text):
                i += 1  # a narrative heading that is also an indicator name ("Financial crimes")
                continue
            if glued is None:
                raise ParseError(f"expected a score after {text!r} (like 4.330.18), found {value_line[1][:40]!r}",
                                 file=doc.file, line=value_line[0])
            out.values.append(_value(iso3, doc.edition, ident, (glued[0], glued[1], value_line[0])))
            seen.add(ident)
            metric = None
            i += 2
            if i < len(items) and _is_definition(items[i][1]):
                out.definitions.append({"indicator": ident, "definition": items[i][1], "line": items[i][0]})
                i += 1
            continue
        if lower in facts:
            fact = facts[lower]
            value_number, value = items[i + 1] if i + 1 < len(items) else (number, "")
            out.profiles.append({"iso3": iso3, "edition": doc.edition, "field": fact["field"],
                                 "value": _read_fact(value, fact["read"], doc.file, value_number),
                                 "line": value_number})
            i += 2
            continue
        if narratives and not is_boilerplate(text):
            builder = narratives[-1]
            if not builder.heading(text) and len(text) >= layout["min_paragraph_chars"]:
                builder.paragraph(text, number)
        elif country < 0:
            _check_country_name(text, doc, number)
        i += 1

    if pending is not None:
        raise ParseError("expected a name for this score, found the end of the file", file=doc.file, line=pending[2])
    if country + 1 != len(doc.countries):
        raise ParseError(f"expected {len(doc.countries)} country profiles (manifest), found {country + 1}"
                         " (is the file cut short?)", file=doc.file)
    for builder in narratives:
        check_narrative_complete(builder.rows, file=doc.file, line=len(lines))
    out.narratives = [row for builder in narratives for row in builder.rows]
    return out


def _value(iso3: str, edition: int, indicator: str, glued: tuple[float, float | None, int]) -> dict:
    score, change, line = glued
    return {"iso3": iso3, "edition": edition, "indicator": indicator, "score": score, "change": change, "line": line}


def _is_definition(text: str) -> bool:
    """The line after a value is a definition unless it is another name, score or rank."""
    return label_id(text) is None and parse_glued(text) is None and RANK_LINE.match(text) is None and (
        text.lower() not in load_layout()["headline_labels"]
    )


def _scope(match: re.Match, file: str, line: int, edition: int | None) -> tuple[str, str]:
    return scope_of(None if match["name"] else "", match["name"], file=file, line=line, edition=edition)


def _read_fact(text: str, how: str, file: str, line: int) -> object:
    """Read a profile fact: ``text`` as printed, or a ``count`` such as ``USD 17,491 million``."""
    if how == "text":
        return text
    match = NUMBER_IN_TEXT.search(text)
    if match is None:
        raise ParseError(f"expected a number, found {text!r}", file=file, line=line)
    return parse_count(match.group())


def _check_country_name(text: str, doc: Document, line: int) -> None:
    """A country name printed before the first score must be the manifest's first country."""
    try:
        found = to_iso3(text)
    except ParseError:
        return
    if found != doc.countries[0]:
        raise ParseError(f"expected a profile of {doc.countries[0]} (manifest), found {text!r}", file=doc.file,
                         line=line)
