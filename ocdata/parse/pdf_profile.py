"""Parse the text of a PDF country profile (2021 and 2023 editions).

Layout: a country heading per page; headline scores as ``5.33 CRIMINALITY SCORE`` or a value line
followed by ``CRIMINALITY SCORE``; indicator lines ``LABEL<TAB>score``; rank blocks (world,
continent, region) printed on both pages in a different order; then the narrative under
upper-case headings.
"""

from __future__ import annotations

import re

from ocdata.codebook import indicators_of
from ocdata.countries import to_iso3
from ocdata.errors import ParseError
from ocdata.manifest import Document
from ocdata.parse.common import (
    NarrativeBuilder,
    Parsed,
    check_narrative_complete,
    clean,
    find_ranks,
    is_boilerplate,
    label_id,
)

VALUE_LINE = re.compile(r"^(?P<label>[A-Z][A-Z&,\- ]*?)\s+(?P<score>\d{1,2}\.\d{2})$")
HEADLINE_INLINE = re.compile(r"^(?P<score>\d{1,2}\.\d{2})\s+(?P<metric>CRIMINALITY|RESILIENCE) SCORE$")
HEADLINE_LABEL = re.compile(r"^(?P<metric>CRIMINALITY|RESILIENCE) SCORE$")
NUMBER_ONLY = re.compile(r"^\d{1,2}\.\d{2}$")
SCOPES_PER_BLOCK = 3


def parse_pdf_profile(doc: Document) -> Parsed:
    """Read scores, ranks and narrative from a PDF profile's text."""
    if len(doc.countries) != 1 or doc.edition is None:
        raise ParseError("expected a PDF profile of one country and one edition in the manifest, found countries "
                         f"{list(doc.countries)} and edition {doc.edition}", file=doc.file)
    iso3, edition = doc.countries[0], doc.edition
    out = Parsed()
    pages: list[list[tuple[str, object, int]]] = []  # per page: (kind, payload, line)
    pending_value: tuple[float, int] | None = None
    narrative = NarrativeBuilder(iso3, edition)
    in_narrative = False
    seen_country = False

    for number, raw in enumerate(doc.lines, start=1):
        text = clean(raw)
        if not text or text.isdigit() or is_boilerplate(text):
            continue
        if in_narrative:
            if not narrative.heading(text):
                narrative.paragraph(text, number)
            continue
        if text.isupper() and _is_country(text, iso3, doc.file, number):
            seen_country = True
            pages.append([])
            continue
        if not seen_country:
            raise ParseError(f"expected the country heading first, found {text[:40]!r}", file=doc.file, line=number)
        if text == "CRIMINALITY" and _all_scores_read(pages):
            in_narrative = True
            narrative.heading(text)
            continue
        page = pages[-1]
        if match := HEADLINE_INLINE.match(text):
            page.append(("headline", (match["metric"].lower(), float(match["score"])), number))
        elif NUMBER_ONLY.match(text):
            pending_value = (float(text), number)
        elif match := HEADLINE_LABEL.match(text):
            if pending_value is None:
                raise ParseError(f"expected a score before {text!r}, found none", file=doc.file, line=number)
            page.append(("headline", (match["metric"].lower(), pending_value[0]), pending_value[1]))
            pending_value = None
        elif ranks := find_ranks(text, file=doc.file, line=number):
            page.extend(("rank", rank, number) for rank in ranks)
        elif match := VALUE_LINE.match(text):
            ident = label_id(match["label"])
            if ident is None:
                raise ParseError(f"expected an indicator name, found {match['label']!r}", file=doc.file, line=number)
            page.append(("value", (ident, float(match["score"])), number))
        else:
            raise ParseError(f"expected a score, rank or heading, found {text[:60]!r}", file=doc.file, line=number)

    if not pages:
        raise ParseError("expected a country heading, found none (is the file cut short?)", file=doc.file)
    if not in_narrative:
        raise ParseError("expected the narrative (a CRIMINALITY heading) after the scores, found the end of the file"
                         " (is the file cut short?)", file=doc.file, line=len(doc.lines))
    printed = {payload[0] for page in pages for kind, payload, _ in page if kind == "value"}
    missing = [ident for ident in indicators_of(edition) if ident not in printed]
    if missing:
        raise ParseError(f"expected a score for every indicator of {edition}, found none for {', '.join(missing)}",
                         file=doc.file)
    check_narrative_complete(narrative.rows, file=doc.file, line=len(doc.lines))
    for page in pages:
        for kind, payload, number in page:
            if kind == "headline":
                metric, score = payload
                out.values.append(_value(iso3, edition, metric, score, number))
            elif kind == "value":
                ident, score = payload
                out.values.append(_value(iso3, edition, ident, score, number))
        out.ranks.extend(_assign_rank_blocks(page, iso3, edition, doc.file))
    out.narratives = narrative.rows
    return out


def _is_country(text: str, iso3: str, file: str, line: int) -> bool:
    """Whether an upper-case line is the country heading; a heading for another country is an error."""
    if label_id(text) is not None or text in ("CRIMINALITY", "RESILIENCE"):
        return False
    try:
        found = to_iso3(text)
    except ParseError:
        return False
    if found != iso3:
        raise ParseError(f"expected a profile of {iso3} (manifest), found {text!r}", file=file, line=line)
    return True


def _all_scores_read(pages: list[list]) -> bool:
    """The narrative starts at the ``CRIMINALITY`` heading once the score pages are behind us."""
    return any(kind == "value" for page in pages for kind, _, _ in page)


def _value(iso3: str, edition: int, indicator: str, score: float, line: int) -> dict:
    return {"iso3": iso3, "edition": edition, "indicator": indicator, "score": score, "change": None, "line": line}


def _assign_rank_blocks(page: list, iso3: str, edition: int, file: str) -> list[dict]:
    """Tell which rank block on a page belongs to criminality and which to resilience.

    A block printed right after a headline belongs to that headline's metric; a block printed
    right before a dimension's indicators belongs to that dimension; a page's remaining block
    belongs to the metric the page has not assigned yet.
    """
    from ocdata.codebook import load_indicators

    dimension = load_indicators().set_index("indicator")["dimension"]
    blocks: list[tuple[int, list[dict]]] = []  # (position in page, ranks)
    for pos, (kind, payload, _) in enumerate(page):
        if kind != "rank":
            continue
        if blocks and len(blocks[-1][1]) < SCOPES_PER_BLOCK and page[pos - 1][0] == "rank":
            blocks[-1][1].append(payload)
        else:
            blocks.append((pos, [payload]))
    metrics: list[str | None] = []
    for pos, ranks in blocks:
        if len(ranks) != SCOPES_PER_BLOCK:
            raise ParseError(f"expected world, continent and region ranks, found {len(ranks)}",
                             file=file, line=ranks[0]["line"])
        before = page[pos - 1] if pos > 0 else None
        after = page[pos + len(ranks)] if pos + len(ranks) < len(page) else None
        if before is not None and before[0] == "headline":
            metrics.append(before[1][0])
        elif after is not None and after[0] in ("value", "headline"):
            metrics.append(dimension[after[1][0]])
        else:
            metrics.append(None)
    for i, metric in enumerate(metrics):
        if metric is None:
            rest = {"criminality", "resilience"} - {m for m in metrics if m}
            if len(rest) != 1:
                raise ParseError("expected a rank block after a headline, before a dimension's scores or beside "
                                 "the other metric's, found one that fits none", file=file,
                                 line=blocks[i][1][0]["line"])
            metrics[i] = rest.pop()
    return [{"iso3": iso3, "edition": edition, "metric": metric, **rank, "printed_change": None}
            for metric, (_, ranks) in zip(metrics, blocks, strict=True) for rank in ranks]
