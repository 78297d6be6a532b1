"""What the document parsers share: line cleaning, label lookup, rank lines and narrative assembly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from ocdata.codebook import indicator_for, load_indicators, load_layout, load_sections
from ocdata.countries import load_groups, scope_editions
from ocdata.errors import ParseError
from ocdata.inputs.manifest import Document, split_lines

# No pattern here may backtrack: every unbounded run is possessive (``++``, ``*+``) and cannot start inside a
# longer run of its own characters, so a match attempt costs at most a few passes over the line
# (tests/test_linear_parsing.py).
ORDINAL = r"(?<![\d.,])(?P<rank>\d++)(?:st|nd|rd|th) of (?P<total>\d++)"
RANK_IN_LINE = re.compile(
    ORDINAL + r" "
    # a rank's qualifiers run to the next number or the line's end, after whitespace: checked once, here
    r"(?=\D*+(?:$|(?<=\s)\d))"
    r"(?P<adjective>(?!countries\b)[A-Za-z]++(?: ++(?!countries\b)[A-Za-z]++)*+)?\s*+countries"
    r"(?: in (?P<name>[A-Z](?:[^\d\s]++|\s++(?=[^\d\s]))*+))?(?=\s++\d|\s*+$)"
)
"""``72nd of 193 countries``, ``23rd of 46 Asian countries``, ``2nd of 8 countries in Central Asia ...``
anywhere in a line, up to the next number or the line's end."""
SENTENCE_END = re.compile(r"(?<=[.!?])\s")
TERMINAL = ('.', '!', '?', '"', '”', '’', ')', ':')
MAX_LINE_CHARS = 10_000
"""The longest line a parser reads. The bundled documents' longest line is a narrative paragraph of 1,761
characters (a web profile's); a line many times longer is no profile or article text but a file that lost its
line ends or a hostile one, and refusing it bounds the work on any one line."""


@dataclass
class Parsed:
    """What a parser read from one document, as rows of plain dicts (line numbers are 1-based)."""

    values: list[dict] = field(default_factory=list)
    ranks: list[dict] = field(default_factory=list)
    definitions: list[dict] = field(default_factory=list)
    profiles: list[dict] = field(default_factory=list)
    narratives: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)


def document_lines(doc: Document) -> tuple[str, ...]:
    """A document's lines as the parsers read them (``split_lines``), each at most ``MAX_LINE_CHARS`` long."""
    lines = tuple(split_lines("\n".join(doc.lines))) if any("\r" in line for line in doc.lines) else doc.lines
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ParseError(f"expected a line of at most {MAX_LINE_CHARS:,} characters, found {len(line):,}",
                             file=doc.file, line=number)
    return lines


def clean(line: str) -> str:
    """A line without markup, PDF artefacts and surrounding space."""
    layout = load_layout()
    for mark in layout["strip_markup"]:
        line = line.replace(mark, "")
    line = line.strip()
    if line in layout["artefact_lines"]:
        return ""
    for prefix in layout["strip_prefixes"]:
        if line.startswith(prefix):
            line = line[len(prefix):].strip()
    return line


def is_boilerplate(line: str) -> bool:
    """Whether a line is page furniture (funding notes, site chrome)."""
    return line.startswith(tuple(load_layout()["boilerplate_prefixes"]))


def label_id(label: str, edition: int | None = None) -> str | None:
    """The codebook id a printed indicator or composite name stands for (in ``edition``), or None
    (the spellings are ``printed_names.csv``'s)."""
    return indicator_for(label, edition)


def unknown_name(label: str, edition: int, *, file: str, line: int) -> ParseError:
    """The error for a name printed where an indicator's belongs that the edition does not know."""
    return ParseError(f"expected an indicator name of the {edition} edition, found {label!r}", file=file, line=line)


def scope_of(adjective: str | None, name: str | None, *, file: str, line: int,
             edition: int | None = None) -> tuple[str, str]:
    """``(scope, scope_name)`` of a rank qualifier: ``Asian`` -> continent Asia; ``in Asia`` likewise.

    A name after ``countries in`` is a continent or region of any edition's groups (``country_groups.csv``:
    ``Caribbean`` and ``Central America`` in 2021, ``Caribbean & Central`` in 2023); with ``edition``, of
    that edition's groups, and a name of other editions only is refused saying which.
    """
    if name:
        name = name.strip()
        for scope in ("continent", "region"):
            editions = _scope_names().get((scope, name))
            if editions:
                _check_edition(scope, name, editions, edition, file=file, line=line)
                return scope, name
        raise ParseError(f"expected a continent or region after 'countries in', found {name!r}", file=file, line=line)
    adjectives = load_layout()["rank_adjectives"]
    key = (adjective or "").strip()
    if key not in adjectives:
        raise ParseError(f"expected a known rank qualifier (layout.yaml), found {key!r} countries",
                         file=file, line=line)
    scope, scope_name = adjectives[key]["scope"], adjectives[key]["scope_name"]
    if scope != "world":
        _check_edition(scope, scope_name, _scope_names().get((scope, scope_name), ()), edition, file=file, line=line)
    return scope, scope_name


def _check_edition(scope: str, name: str, editions: tuple[int, ...], edition: int | None, *,
                   file: str, line: int) -> None:
    """Refuse a continent or region name that the groups of ``edition`` do not have."""
    if edition is None or int(edition) in editions:
        return
    where = f"a {scope} in {', '.join(map(str, editions))}" if editions else f"not a {scope} of any edition"
    raise ParseError(f"expected a continent or region of the {edition} edition, found {name!r} ({where})",
                     file=file, line=line)


@cache
def _scope_names() -> dict[tuple[str, str], tuple[int, ...]]:
    """``(scope, name)`` -> the editions whose groups have it, for continents and regions."""
    groups = load_groups()
    names: dict[tuple[str, str], tuple[int, ...]] = {}
    for scope in ("continent", "region"):
        for name in groups[scope].unique():
            names[scope, str(name)] = tuple(scope_editions(groups, scope, name))
    return names


def find_ranks(text: str, *, file: str, line: int, edition: int | None = None) -> list[dict]:
    """Every ``72nd of 193 countries``-style rank printed in a line, with its scope (of ``edition``'s groups
    when given)."""
    found = []
    for match in RANK_IN_LINE.finditer(text):
        scope, scope_name = scope_of(match["adjective"], match["name"], file=file, line=line, edition=edition)
        rank, total = read_rank(match, file=file, line=line)
        found.append({"scope": scope, "scope_name": scope_name, "rank": rank, "total": total, "line": line})
    return found


def read_rank(match: re.Match, *, file: str, line: int) -> tuple[int, int]:
    """``(rank, total)`` of a matched ordinal; a rank outside 1 to total is a misprint."""
    rank, total = int(match["rank"]), int(match["total"])
    if not 1 <= rank <= total:
        raise ParseError(f"expected a rank from 1 to {total}, found {rank}", file=file, line=line)
    return rank, total


@cache
def section_table() -> dict[str, dict]:
    """Narrative headings (as printed, upper-cased) -> section record."""
    table = {}
    for row in load_sections().to_dict("records"):
        for alias in [row["section"].upper(), *row["heading_aliases"].split("|")]:
            table[alias.upper()] = row
    return table


def match_indicator(text: str, candidates: list[str]) -> str | None:
    """The candidate indicator whose keyword appears earliest in the paragraph's first sentence."""
    first = SENTENCE_END.split(text, maxsplit=1)[0].lower()
    keywords = _keywords()
    best: tuple[int, str] | None = None
    for ident in candidates:
        words = keywords.get(ident)
        if not isinstance(words, str):
            continue
        for word in words.split("|"):
            pos = first.find(word.lower())
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, ident)
    return None if best is None else best[1]


@cache
def _keywords() -> dict[str, str]:
    """Indicator id -> its keywords (``a|b|c``) from the codebook."""
    return load_indicators().dropna(subset=["keywords"]).set_index("indicator")["keywords"].to_dict()


class NarrativeBuilder:
    """Collects paragraphs under headings, joining a paragraph that a page break split in two."""

    def __init__(self, iso3: str, edition: int) -> None:
        self.iso3, self.edition = iso3, edition
        self._rows: list[dict] = []
        self._pieces: list[str] = []  # the last paragraph's lines, joined when the rows are read
        self.section: dict | None = None
        self.last_pillar: str | None = None

    @property
    def rows(self) -> list[dict]:
        """The paragraphs read so far, one row each."""
        self._join()
        return self._rows

    def _join(self) -> None:
        """Give the last row the text of all its paragraph's lines."""
        if len(self._pieces) > 1:
            self._rows[-1]["text"] = " ".join(self._pieces)
            self._pieces = [self._rows[-1]["text"]]

    def heading(self, text: str) -> bool:
        """Start a section if ``text`` is a known heading; returns whether it was one."""
        record = section_table().get(text.strip().upper())
        if record is None:
            return False
        self.section = record
        return True

    def paragraph(self, text: str, line: int) -> None:
        """Add a paragraph, or continue the previous one if the page break split it."""
        if self._pieces and not self._pieces[-1].endswith(TERMINAL) and text[:1].islower():
            self._pieces.append(text)  # joined once, not copied for every line
            return
        self._join()
        if self.section is not None:
            candidates = words(self.section["indicators"])
            section, pillar, mapped_by = self.section["section"], self.section["pillar"], "heading"
        else:  # no headings on the page: name the section after the indicator the paragraph is about
            candidates = []
            section, pillar, mapped_by = None, None, "keyword"
        if candidates:
            indicator = match_indicator(text, candidates)
        else:  # the narrative runs through the pillars in order: try the current pillar, then later ones
            indicator = None
            for group in pillars_from(self.last_pillar):
                indicator = match_indicator(text, group)
                if indicator is not None:
                    break
        if self.section is None:
            if indicator is not None:
                section, pillar = section_of(indicator)
            else:
                pillar = self.last_pillar
        self.last_pillar = pillar
        self._pieces = [text]
        self._rows.append({"iso3": self.iso3, "edition": self.edition, "section": section, "pillar": pillar,
                           "indicator": indicator, "mapped_by": mapped_by, "text": text, "line": line})


def check_narrative_complete(rows: list[dict], *, file: str, line: int) -> None:
    """A narrative follows the scores and its last paragraph ends a sentence; else the file was cut short."""
    if not rows:
        raise ParseError("expected narrative paragraphs after the scores, found the end of the file"
                         " (is the file cut short?)", file=file, line=line)
    last = rows[-1]
    if not last["text"].endswith(TERMINAL):
        raise ParseError(f"expected the paragraph to end a sentence, found {'…' + last['text'][-30:]!r}"
                         " (is the file cut short?)", file=file, line=last["line"])


@cache
def pillars_from(pillar: str | None) -> tuple[tuple[str, ...], ...]:
    """The indicators of each pillar, in codebook order, starting at ``pillar``."""
    table = load_indicators().query("level == 'indicator'")
    order = list(dict.fromkeys(table["pillar"]))
    start = order.index(pillar) if pillar in order else 0
    return tuple(tuple(table.loc[table["pillar"] == p, "indicator"]) for p in order[start:])


def words(cell: object) -> list[str]:
    """The space-separated words of a CSV cell that may be empty (NaN)."""
    return cell.split() if isinstance(cell, str) else []


def section_of(indicator: str) -> tuple[str | None, str | None]:
    """The narrative section and pillar an indicator is discussed under."""
    for row in load_sections().to_dict("records"):
        if indicator in words(row["indicators"]):
            return row["section"], row["pillar"]
    return None, None
