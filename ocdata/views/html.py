"""The HTML fragments the reports show, from the templates in ``ocdata/templates/fragments``.

Each function arranges a view's numbers as text (formatting only) and fills a template; the template
escapes every piece of text, since narratives, names and titles come from documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup

from ocdata.templating import escape, render
from ocdata.views.country import cited_sources, has_peers, headline, peer_scores, profile_facts
from ocdata.views.display import BASIS_MARK, color_of, direction, display_name, prepare, signed
from ocdata.views.notes import RANK_RULE, indicator_set_note, lacks, rank_changes, rank_text
from ocdata.views.params import Catalog, country_info, parameters
from ocdata.views.robustness import rank_uncertainty, uncertainty_of

__all__ = [
    "Html",
    "cite",
    "cite_html",
    "code_spans",
    "compare_title_html",
    "definitions",
    "escape",
    "export_table",
    "figure_html",
    "headline_html",
    "lacks_html",
    "narrative_html",
    "no_peers_html",
    "note_html",
    "scoped_style",
    "section_html",
    "source_refs",
    "sources_html",
    "table_html",
    "title_html",
]

FACTS = (("capital", "Capital", "{}"), ("population", "Population", "{:,}"),
         ("gdp_usd_million", "GDP (current US$ million)", "{:,}"), ("area_km2", "Area (km²)", "{:,}"))
"""The profile facts a heading shows: key, label, format."""
INTERVAL_NOTE = ("World rank between … in 90 % of plausible scorings: the ranks the country takes when every "
                 "expert score is moved half a step at random, 1,000 times (see “How sure is this rank” "
                 "below).")


MUTED, LINE = "var(--jp-content-font-color2, #57606a)", "var(--jp-border-color1, #d0d7de)"
"""Muted text and rules: JupyterLab's theme colours where the page has them (JupyterLab, nbconvert's ``lab``
template), else the reports' own."""
SCOPED_RULES = (
    ("oc-cards", ":where(.oc-cards){display:flex;flex-wrap:wrap;gap:.75rem;margin:.5rem 0 1rem}"),
    ("oc-card", f":where(.oc-card){{border:1px solid {LINE};border-radius:6px;padding:.6rem .9rem;min-width:11rem;"
                "flex:0 1 auto}"
                f":where(.oc-card .oc-label){{font-size:.85rem;color:{MUTED}}}"
                ":where(.oc-card .oc-value){font-size:1.6rem;font-weight:600;font-variant-numeric:tabular-nums}"
                "@media (max-width:600px){:where(.oc-card){min-width:0;flex:1 1 9rem}}"),
    ("oc-note", f":where(.oc-note){{color:{MUTED};font-size:.9rem}}"),
    ("oc-figure", ":where(.oc-figure svg,.oc-figure img){display:block;max-width:100%;height:auto}"),
)
"""The minimal look of each class the fragments use, for pages without the reports' stylesheet (nbconvert's
own templates, JupyterLab): ``:where()`` gives every rule no weight, so a page's own stylesheet wins."""
_CLASSES = re.compile(r'\bclass="([^"]*)"')


def scoped_style(fragment: str) -> str:
    """A ``<style>`` with the rules of :data:`SCOPED_RULES` for the classes ``fragment`` uses ("" if none): what
    an output needs to look like the reports in any page."""
    used = {name for value in _CLASSES.findall(fragment) for name in value.split()}
    rules = "".join(rule for name, rule in SCOPED_RULES if name in used)
    return f"<style>{rules}</style>\n" if rules else ""


class Html(str):
    """A fragment of HTML that notebooks display as HTML (built only from escaped text). Displayed, it carries
    the minimal styling of its classes (:func:`scoped_style`), once per output."""

    def _repr_html_(self) -> str:
        return scoped_style(self) + str(self) if self else ""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """A short plain-text form (the page shows the HTML; the whole fragment again as escaped text would
        only double what the kernel sends)."""
        printer.text(f"<HTML fragment, {len(self)} characters>")


def fragment(name: str, **context: Any) -> Html:
    """The fragment template ``name`` filled with ``context``."""
    return Html(render(f"fragments/{name}.html.j2", **context).rstrip("\n"))


@parameters
def table_html(table: pd.DataFrame, *, index: bool = False, edition: int | None = None,
               formats: dict[str, str] | None = None, drop_empty: bool = False,
               definitions: dict[str, str] | None = None, missing: dict[str, str] | None = None) -> Html:
    """A table for readers (see :func:`ocdata.views.display.prepare`): plain column names (``edition``
    fills "2021 score"), numbers right-aligned with fixed decimals, text left-aligned, missing values as
    an em dash with a note saying why, changes' basis and unprinted scores marked with a note."""
    if index:
        table = table.reset_index()
    shown = prepare(table, edition=edition, formats=formats, drop_empty=drop_empty, definitions=definitions,
                    missing=missing)
    return fragment("table", header=shown.header, rows=shown.rows, notes=shown.notes)


def _signed(x: float) -> str:
    return signed(x)


@parameters
def title_html(data, country: str, edition: int) -> Html:
    """The report's heading: country, code, edition, continent and region, and profile facts."""
    facts = profile_facts(data, country, edition)
    shown = [(label, fmt.format(facts[key])) for key, label, fmt in FACTS if key in facts]
    titles = data.sources.set_index("id")["title"]
    source = facts.get("source")
    return fragment("title", **country_info(data, country), edition=edition, facts=shown,
                    source=titles.get(source, source) if source else None)


@parameters
def compare_title_html(data, countries: Sequence[str], edition: int) -> Html:
    """The comparison's heading: the group's name, the edition, the countries."""
    catalog = Catalog.of(data)
    names = ", ".join(f"{catalog.info[c]['country']} ({c})" for c in countries)
    return fragment("compare_title", group=catalog.describe_group(countries, edition), n=len(countries),
                    edition=edition, names=names)


@parameters
def headline_html(data, country: str, edition: int) -> Html:
    """Cards for the four composites: score, signed change since the previous edition (coloured worse or
    better), ranks with their movement; notes under the cards say how changes were obtained, which
    composites average different indicator sets, and what rank 1 means."""
    table = headline(data, country, edition)
    ranks = rank_changes(data, country, edition)
    intervals = _intervals(data, country, edition, ranks)
    cards, notes, computed = [], [], False
    for row in table.itertuples():
        if pd.isna(row.score):
            continue
        card = {"label": row.label, "score": f"{row.score:.2f}", "change": None, "css": "", "word": "", "color": "",
                "previous": None if pd.isna(row.previous_edition) else row.previous_edition,
                "ranks": [rank_text(r) for r in ranks[ranks["metric"] == row.indicator].itertuples()],
                "interval": intervals.get(row.indicator)}
        if not pd.isna(row.change):
            worse = direction(row.indicator, row.change) == "worse"
            card["css"] = "oc-flat" if row.change == 0 else ("oc-worse" if worse else "oc-better")
            card["color"] = color_of("" if row.change == 0 else "worse" if worse else "better")
            card["word"] = "" if row.change == 0 else (" (worse)" if worse else " (better)")
            card["change"] = signed(row.change) + ("" if row.change_basis == "printed" else BASIS_MARK)
            computed |= row.change_basis != "printed"
            shift = indicator_set_note(row.indicator, edition)
            if shift:
                notes.append(shift)
        cards.append(card)
    if computed:
        notes.insert(0, f"{BASIS_MARK} change computed as the difference of the published scores "
                        "(the source prints none).")
    if len(ranks):
        notes.append(RANK_RULE)
    if intervals:
        notes.append(INTERVAL_NOTE)
    return fragment("headline", cards=cards, notes=notes)


def _intervals(data, country: str, edition: int, ranks: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each metric's world-rank interval as a card says it (two lines), where the data has every country the
    world rank counts (a rank among the few countries of the bundled documents says nothing of the world's)."""
    if not has_peers(data, edition):
        return {}
    world = ranks[ranks["scope"] == "world"].set_index("metric")["total"]
    out = {}
    for row in uncertainty_of(data, country, edition).itertuples():
        if row.metric in world.index and int(world[row.metric]) == len(rank_uncertainty(data, edition, row.metric)):
            ranks_taken = f"{row.p05}" if row.p05 == row.p95 else f"between {row.p05} and {row.p95}"
            out[row.metric] = (f"World rank {ranks_taken}",
                               f"in 90 % of plausible scorings (median {row.median_rank})")
    return out


def figure_html(svg: str) -> Html:
    """A figure's SVG (from :func:`ocdata.plots.to_svg` or :meth:`ocdata.charts.Chart.svg`, which carry the
    alternative text as their accessible name and title) inline in a ``<figure>`` scaled to the page's width."""
    text = svg.strip()
    return fragment("figure", svg=Markup(text[text.index("<svg"):]))


def narrative_html(table: pd.DataFrame, refs: dict[str, str] | None = None) -> Html:
    """The paragraphs of a :func:`~ocdata.views.narrative` table under their section headings, each cited
    with its document and line: ``[1, line 103]`` (its number in the sources list where ``refs`` gives one)."""
    paragraphs, current = [], None
    for row in table.itertuples():
        number = (refs or {}).get(str(row.source))
        paragraphs.append({"heading": row.section if row.section != current else None, "text": row.text,
                           "source": number.strip("[]") if number else cite(row.source, refs), "line": row.line})
        current = row.section
    return fragment("narrative", paragraphs=paragraphs)


def source_refs(sources: pd.DataFrame) -> dict[str, str]:
    """Each cited source's id -> its number in :func:`sources_html`'s list (``[1]``)."""
    return {str(r.id): f"[{i}]" for i, r in enumerate(sources.itertuples(), start=1)}


def cite(value: object, refs: dict[str, str] | None) -> str:
    """A ``source`` cell (``a;b`` for computed values) as the sources' numbers."""
    if refs is None or pd.isna(value):
        return str(value)
    return " ".join(refs.get(part, part) for part in str(value).split(";") if part)


def sources_html(sources: pd.DataFrame) -> Html:
    """The cited sources as a numbered list: publisher, title, file and its SHA-256."""
    rows = [{"id": f"[{i}]", "publisher": r.publisher, "title": r.title, "file": r.file,
             "sha256": str(r.sha256)[:16]} for i, r in enumerate(sources.itertuples(), start=1)]
    return fragment("sources", sources=rows)


@parameters
def no_peers_html(data, edition: int, subject: str = "the country") -> Html:
    """Why a report shows no comparison with peers: too few countries loaded for the edition."""
    n = len(peer_scores(data, edition))
    loaded = f"{n} country is" if n == 1 else f"{n} countries are"
    return note_html(f"Only {loaded} loaded for {edition}: render with an official workbook "
                     f"(ocdata report --workbook PATH) to see {subject} among all countries.")


_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """``text`` escaped, each span in backticks set as code: "run `ocdata download`" shows the command as code,
    never its backticks."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(text)))


def note_html(text: str) -> Html:
    """A short note in the reports' muted style (spans in backticks set as code)."""
    return fragment("note", text=code_spans(text))


@parameters
def cite_html(data, countries: Sequence[str], edition: int) -> Html:
    """"How to cite": the index with its URL and edition, the documents or workbook the numbers come from,
    and the ocdata version (the data's own dates only, never the day of rendering, so pages stay identical)."""
    import ocdata

    sources = cited_sources(data, countries, [edition], with_workbook=has_peers(data, edition))
    used = [f"{r.title} ({r.publisher})" for r in sources.itertuples() if r.kind != "article"]
    return fragment("cite", edition=edition, version=ocdata.__version__, used=used)


@parameters
def lacks_html(data, country: str, edition: int) -> Html:
    """One line saying what this country's report leaves out and why ("" if nothing)."""
    missing = lacks(data, country, edition)
    if not missing:
        return Html("")
    missing = [f"no {m}" for m in missing]
    parts = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return note_html(f"This report has {parts}: the source documents loaded for this country give none "
                     "(the official workbook carries scores only), so those sections are left out.")


def definitions(data) -> dict[str, str]:
    """Each indicator's label -> its definition from the codebook (where it has one)."""
    book = data.codebook
    book = book[book["definition"].notna()]
    return dict(zip(book["label"], book["definition"], strict=True))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula in a CSV cell (OWASP's list)."""
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, and not a plain number) prefixed with ``'``, so that opening the CSV in a
    spreadsheet shows the text instead of running it. Numbers and other cells are left as they are."""
    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
            return "'" + value
        return value

    out = table.copy()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out.isetitem(position, values.map(safe))
    out.columns = [safe(c) for c in out.columns]
    return out


@parameters
def export_table(table: pd.DataFrame, *, edition: int | None = None) -> None:
    """Publish a report's main table as CSV (plain column names, ids kept as values for reuse): the exporter
    writes it beside the page as ``NAME.csv`` and links it; any other page (JupyterLab, nbconvert's own
    templates) shows a link that carries the CSV itself (``table.csv``). The CSV is meant for spreadsheets: text that a
    spreadsheet would run as a formula is prefixed with ``'`` (:func:`spreadsheet_safe`)."""
    from IPython.display import publish_display_data

    names: list[str] = []
    for column in table.columns:
        name = display_name(column, edition)
        names.append(f"{name} ({column})" if name in names else name)  # `label` and `indicator` both read
    shown = spreadsheet_safe(table.set_axis(names, axis=1))
    text = shown.to_csv(index=False, lineterminator="\n")
    link = fragment("download", href="data:text/csv;charset=utf-8," + quote(text, safe=""), filename="table.csv")
    publish_display_data({"text/csv": text, "text/html": link._repr_html_(),
                          "text/plain": f"The table as CSV ({len(shown)} row{'' if len(shown) == 1 else 's'})"},
                         metadata={"ocdata": {"export": "csv"}})


def section_html(title: str, text: str = "") -> Html:
    """A section's heading and lead paragraph (spans in backticks set as code), for sections a report shows
    only when it has something."""
    return fragment("section", title=title, text=code_spans(text) if text else "")
