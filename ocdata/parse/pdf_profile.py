"""Parse the text of a PDF country profile (2021 and 2023 editions).

Layout: a country heading per page; headline scores as ``5.33 CRIMINALITY SCORE`` or a value line
followed by ``CRIMINALITY SCORE``; indicator lines ``LABEL<TAB>score``; rank blocks (world,
continent, region) printed on both pages in a different order; then the narrative under
upper-case headings.
"""

from __future__ import annotations

import re
from functools import cache

from ocdata.codebook import dimension_of, indicator_for, indicators_of, label_of, metrics
from ocdata.countries import to_iso3
from ocdata.errors import ParseError
from ocdata.inputs.manifest import Document
from ocdata.parse.common import (
    NarrativeBuilder,
    Parsed,
    check_narrative_complete,
    clean,
    document_lines,
    find_ranks,
    is_boilerplate,
    label_id,
    unknown_name,
)

VALUE_LINE = re.compile(r"^(?P<label>[A-Z](?:[A-Z&,\-]++| ++(?=[A-Z&,\-]))*+)\s++(?P<score>\d{1,2}\.\d{2})$")
"""``HUMAN TRAFFICKING<TAB>6.50``. The label takes a run of spaces only when more label follows, so the spaces
before the score are read once (a lazy label before ``\\s+`` cost the square of a line's length)."""
NUMBER_ONLY = re.compile(r"^\d{1,2}\.\d{2}$")
SCOPES_PER_BLOCK = 3


@cache
def _headline_patterns() -> tuple[re.Pattern, re.Pattern]:
    """``5.33 CRIMINALITY SCORE`` and ``CRIMINALITY SCORE``, for every ranked dimension of the codebook."""
    names = "|".join(re.escape(label_of(m).upper()) for m in metrics())
    return (re.compile(rf"^(?P<score>\d{{1,2}}\.\d{{2}})\s++(?P<metric>{names}) SCORE$"),
            re.compile(rf"^(?P<metric>{names}) SCORE$"))


def _narrative_heading() -> str:
    """The heading the narrative starts with: the first dimension's label, upper-cased."""
    return label_of(metrics()[0]).upper()


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
    headline_inline, headline_label = _headline_patterns()
    lines = document_lines(doc)

    for number, raw in enumerate(lines, start=1):
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
        if text == _narrative_heading() and _all_scores_read(pages):
            in_narrative = True
            narrative.heading(text)
            continue
        page = pages[-1]
        if match := headline_inline.match(text):
            page.append(("headline", (indicator_for(match["metric"]), float(match["score"])), number))
        elif NUMBER_ONLY.match(text):
            pending_value = (float(text), number)
        elif match := headline_label.match(text):
            if pending_value is None:
                raise ParseError(f"expected a score before {text!r}, found none", file=doc.file, line=number)
            page.append(("headline", (indicator_for(match["metric"]), pending_value[0]), pending_value[1]))
            pending_value = None
        elif ranks := find_ranks(text, file=doc.file, line=number, edition=edition):
            page.extend(("rank", rank, number) for rank in ranks)
        elif match := VALUE_LINE.match(text):
            ident = label_id(match["label"], edition)
            if ident is None:
                raise unknown_name(match["label"], edition, file=doc.file, line=number)
            page.append(("value", (ident, float(match["score"])), number))
        else:
            raise ParseError(f"expected a score, rank or heading, found {text[:60]!r}", file=doc.file, line=number)

    if not pages:
        raise ParseError("expected a country heading, found none (is the file cut short?)", file=doc.file)
    if not in_narrative:
        raise ParseError("expected the narrative (a CRIMINALITY heading) after the scores, found the end of the file"
                         " (is the file cut short?)", file=doc.file, line=len(lines))
    printed = {payload[0] for page in pages for kind, payload, _ in page if kind == "value"}
    missing = [ident for ident in indicators_of(edition) if ident not in printed]
    if missing:
        raise ParseError(f"expected a score for every indicator of {edition}, found none for {', '.join(missing)}",
                         file=doc.file)
    check_narrative_complete(narrative.rows, file=doc.file, line=len(lines))
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
    if label_id(text) is not None:
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
    blocks: list[tuple[int, list[dict]]] = []  # (position in page, ranks)
    for pos, (kind, payload, _) in enumerate(page):
        if kind != "rank":
            continue
        if blocks and len(blocks[-1][1]) < SCOPES_PER_BLOCK and page[pos - 1][0] == "rank":
            blocks[-1][1].append(payload)
        else:
            blocks.append((pos, [payload]))
    owners: list[str | None] = []  # the metric each block belongs to
    for pos, ranks in blocks:
        if len(ranks) != SCOPES_PER_BLOCK:
            raise ParseError(f"expected world, continent and region ranks, found {len(ranks)}",
                             file=file, line=ranks[0]["line"])
        before = page[pos - 1] if pos > 0 else None
        after = page[pos + len(ranks)] if pos + len(ranks) < len(page) else None
        if before is not None and before[0] == "headline":
            owners.append(before[1][0])
        elif after is not None and after[0] in ("value", "headline"):
            owners.append(dimension_of(after[1][0]))
        else:
            owners.append(None)
    for i, metric in enumerate(owners):
        if metric is None:
            rest = set(metrics()) - {m for m in owners if m}
            if len(rest) != 1:
                raise ParseError("expected a rank block after a headline, before a dimension's scores or beside "
                                 "the other metric's, found one that fits none", file=file,
                                 line=blocks[i][1][0]["line"])
            owners[i] = rest.pop()
    return [{"iso3": iso3, "edition": edition, "metric": metric, **rank, "printed_change": None}
            for metric, (_, ranks) in zip(owners, blocks, strict=True) for rank in ranks]
