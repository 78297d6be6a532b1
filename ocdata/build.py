"""Build the tables: load inputs (manifest, documents, workbook), process (parse, normalize,
validate), and hand back a :class:`Dataset`; ``run_build`` also saves them."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ocdata.errors import OcdataError, ParameterError, ParseError, ValidationError
from ocdata.inputs.manifest import FIELDS, MANIFEST_NAME, read_manifest
from ocdata.inputs.workbook_set import WorkbookArg, workbook_paths
from ocdata.paths import cache_dir, document_dirs, processed_dir
from ocdata.validate import check_rank_changes, check_row, describe_check, first_failure, validate_scores

if TYPE_CHECKING:
    from ocdata.inputs.manifest import Document
    from ocdata.inputs.workbook_set import Book
    from ocdata.parse.common import Parsed

__all__ = ["Dataset", "build", "check_rank_changes", "check_row", "describe_check", "ensure_built", "first_failure",
           "held_build", "load", "resolve_workbooks", "run_build", "validate_scores"]

# The parsers, normalizers and checks are imported where a build runs: reading a saved build needs none of them.

RawArg = Path | str | Sequence[Path | str] | None
"""A folder of documents, a list of folders (``[]``: no documents), or ``None`` (the bundled documents and the
user's)."""


def parsers() -> dict[str, Callable[[Document], Parsed]]:
    """The parser of each kind of document."""
    from ocdata.parse.article import parse_article
    from ocdata.parse.pdf_profile import parse_pdf_profile
    from ocdata.parse.web_profile import parse_web_profile

    return {"pdf_profile": parse_pdf_profile, "web_profile": parse_web_profile, "article": parse_article}


def __getattr__(name: str) -> object:
    if name == "PARSERS":  # kept for callers of the module-level table
        return parsers()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, repr=False)
class Dataset:
    """Every table ocdata builds. Column names are a fixed interface (see ``schema.yaml``).

    In a notebook a dataset shows a summary (editions and countries, tables, sources, workbooks, checks);
    :meth:`wide` and :meth:`changes` are the tables analysts otherwise build by hand.
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    profiles: pd.DataFrame
    series: pd.DataFrame
    claims: pd.DataFrame
    narratives: pd.DataFrame
    codebook: pd.DataFrame
    checks: pd.DataFrame
    countries: pd.DataFrame
    sources: pd.DataFrame
    aggregates: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in a fixed order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def failed(self) -> pd.DataFrame:
        """The checks that failed."""
        return self.checks[self.checks["status"] == "fail"]

    def wide(self, edition: int, *, level: str | None = None) -> pd.DataFrame:
        """One row per country (index ``iso3``), one column per indicator and composite of ``edition`` in codebook
        order (labels: the ids), values: ``score``. ``level`` keeps one level (:data:`WIDE_LEVELS`).

        >>> data.wide(2023, level="pillar").head()      # criminal_markets, criminal_actors, resilience
        """
        return wide_scores(self.scores, self.codebook, edition, level=level)

    def changes(self, start: int, end: int) -> pd.DataFrame:
        """One row per country and indicator (composites too) scored in both editions: ``iso3, country, indicator,
        label, level, score_start, score_end, change, published, printed_change`` (see :func:`score_changes`).

        >>> data.changes(2021, 2023).query("indicator == 'criminality'").nlargest(5, "change")
        """
        return score_changes(self.scores, self.codebook, start, end)

    def __repr__(self) -> str:
        """A summary in at most :data:`SUMMARY_LINES` lines: countries per edition, tables and their rows, sources
        and their kind, the workbooks in use, checks passed and failed."""
        return "\n".join(summary_lines(self))

    def _repr_html_(self) -> str:
        """The same summary as a small HTML table (escaped text)."""
        return summary_html(self)


WIDE_LEVELS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "indicator": lambda codebook: codebook["level"] == "indicator",
    "pillar": lambda codebook: codebook["indicator"].isin(codebook.loc[codebook["level"] == "indicator", "pillar"]),
    "dimension": lambda codebook: codebook["level"] == "dimension",
    "composite": lambda codebook: codebook["level"] != "indicator",
}
"""What ``Dataset.wide(level=...)`` keeps, as a mask of the codebook: the scored indicators; the pillars (what
indicators are averaged into: criminal markets, criminal actors, resilience); the dimensions (criminality,
resilience); every composite (pillars and dimensions)."""


def _edition_in(scores: pd.DataFrame, edition: object, what: str = "edition") -> int:
    """``edition`` as an int if ``scores`` has it; else a one-line ParameterError naming the editions it has."""
    have = sorted(int(e) for e in pd.unique(scores["edition"].dropna()))
    year = None
    if not isinstance(edition, bool):
        with contextlib.suppress(TypeError, ValueError):
            year = int(str(edition).strip())
    if year not in have:
        raise ParameterError(f"{what} {edition!r} is not in the data (its editions: "
                             f"{', '.join(map(str, have)) or 'none'})")
    return year


def wide_scores(scores: pd.DataFrame, codebook: pd.DataFrame, edition: int, *, level: str | None = None
                ) -> pd.DataFrame:
    """``scores`` of one edition as a country × indicator table: index ``iso3`` (every country scored in the
    edition, sorted), one float column per id of the ``codebook`` that exists in the edition, in codebook
    ``order`` (composites before their parts); a score the data lacks is NaN. ``level``: one of
    :data:`WIDE_LEVELS`, or ``None`` for all. ParameterError for an edition the data lacks or another level.

    >>> wide_scores(data.scores, data.codebook, 2023).loc["KGZ", "criminality"]
    """
    from ocdata.codebook import exists_in

    year = _edition_in(scores, edition)
    keep = codebook["editions"].map(lambda e: exists_in(str(e), year))
    if level is not None:
        if level not in WIDE_LEVELS:
            raise ParameterError(f"level {level!r} is not a level of the codebook (expected one of "
                                 f"{', '.join(map(repr, WIDE_LEVELS))}, or None for all)")
        keep &= WIDE_LEVELS[level](codebook)
    ids = codebook.loc[keep].sort_values("order", kind="stable")["indicator"].tolist()
    rows = scores[scores["edition"] == year]
    table = rows.pivot(index="iso3", columns="indicator", values="score").reindex(columns=ids).astype("float64")
    table.columns.name = None
    return table.sort_index()


def score_changes(scores: pd.DataFrame, codebook: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Each country's change from edition ``start`` to ``end``, one row per country and indicator or composite
    scored in both, ordered by country and codebook:

    - ``iso3, country, indicator``; ``label`` and ``level`` from the ``codebook``;
    - ``score_start``, ``score_end``: the published scores; ``change``: ``score_end - score_start`` rounded
      half-up to 2 decimals;
    - ``published``: whether a document prints this change (only when ``start`` is the edition before ``end``);
      ``printed_change``: the printed change, else NaN. The publisher computes a composite's change on unrounded
      means, so it may differ from ``change`` by 0.01.

    >>> score_changes(data.scores, data.codebook, 2021, 2023).nlargest(3, "change")
    """
    from ocdata.codebook import previous_edition
    from ocdata.numbers import round_half_up

    first, last = _edition_in(scores, start, "start"), _edition_in(scores, end, "end")
    if first >= last:
        raise ParameterError(f"expected a start edition before the end edition, found start {first} and end {last}")
    key = ["iso3", "indicator"]
    known = scores[scores["score"].notna()]
    before = known.loc[known["edition"] == first, [*key, "score"]].rename(columns={"score": "score_start"})
    after = known.loc[known["edition"] == last, [*key, "country", "score", "change"]].rename(
        columns={"score": "score_end", "change": "printed_change"})
    out = before.merge(after, on=key, how="inner", validate="one_to_one")
    out["change"] = round_half_up(out["score_end"] - out["score_start"])
    printed = out["printed_change"].astype("float64")
    out["printed_change"] = printed if previous_edition(last) == first else float("nan")
    out["published"] = out["printed_change"].notna().astype("bool")
    book = codebook.set_index("indicator")
    out["label"] = out["indicator"].map(book["label"]).astype("str")
    out["level"] = out["indicator"].map(book["level"]).astype("str")
    out["_order"] = out["indicator"].map(book["order"])
    out = out.sort_values(["iso3", "_order"], kind="stable", ignore_index=True)
    return out[["iso3", "country", "indicator", "label", "level", "score_start", "score_end", "change", "published",
                "printed_change"]].astype({"score_start": "float64", "score_end": "float64"})


SUMMARY_LINES = 30
"""The most lines a dataset's summary takes (sources beyond what fits are counted, not listed)."""


def _summary(data: Dataset) -> tuple[str, list[tuple[str, list[tuple[str, str]]]]]:
    """The summary's heading and its sections ``(name, [(item, value), ...])``."""
    def column(table: pd.DataFrame, name: str) -> pd.Series:  # a hand-made dataset may lack columns
        return table[name] if name in table else pd.Series(pd.NA, index=table.index, dtype="object")

    scores, sources, checks = data.scores, data.sources, data.checks
    countries = column(scores, "iso3")
    per = countries.groupby(column(scores, "edition")).nunique().sort_index()
    editions = [(str(e), f"{n:,} {'country' if n == 1 else 'countries'}") for e, n in per.items()]
    tables = [(name, f"{len(table):,} row{'' if len(table) == 1 else 's'}") for name, table in data.tables().items()]
    kinds = column(sources, "kind")
    sheets = column(scores, "sheet").groupby(column(scores, "source")).agg(lambda s: ", ".join(sorted(set(s.dropna()))))
    workbooks = ([(str(i), sheets.get(i, "") or "(no sheet)") for i in column(sources, "id")[kinds == "workbook"]]
                 or [("none", "documents only")])
    passed = int((column(checks, "status") == "pass").sum())
    status = [("passed", f"{passed:,}"), ("failed", f"{len(checks) - passed:,}")]
    fixed = 1 + 5 + len(editions) + len(tables) + len(workbooks) + len(status)  # heading, section names
    room = max(SUMMARY_LINES - fixed, 1)
    listed = [(str(i), str(k)) for i, k in zip(column(sources, "id"), kinds, strict=True)]
    if len(listed) > room:
        listed = [*listed[:room - 1], ("…", f"{len(listed) - room + 1} more")]
    heading = (f"ocdata.Dataset: {countries.nunique():,} countries, "
               f"{len(per)} edition{'s' if len(per) != 1 else ''}")
    return heading, [("editions", editions), ("tables", tables), ("sources", listed), ("workbooks", workbooks),
                     ("checks", status)]


def summary_lines(data: Dataset) -> list[str]:
    """The dataset's summary as text lines (at most :data:`SUMMARY_LINES`)."""
    heading, sections = _summary(data)
    width = max((len(item) for _, rows in sections for item, _ in rows), default=0)
    lines = [heading]
    for name, rows in sections:
        lines.append(f"{name}:")
        lines += [f"  {item:<{width}}  {value}" for item, value in rows]
    return lines


def summary_html(data: Dataset) -> str:
    """The dataset's summary as one small HTML table, every text escaped."""
    from ocdata.templating import escape

    heading, sections = _summary(data)
    rows = []
    for name, items in sections:
        rows.append(f'<tr><th colspan="2" style="text-align:left">{escape(name)}</th></tr>')
        rows += [f"<tr><td>{escape(item)}</td><td>{escape(value)}</td></tr>" for item, value in items]
    return (f'<table class="ocdata-dataset"><caption style="text-align:left">{escape(heading)}</caption>'
            f"{''.join(rows)}</table>")


def _frame(parsed: list[tuple[str, int, Parsed]], attr: str) -> pd.DataFrame:
    """One parsed attribute of every document, with ``source`` and the document's manifest order."""
    frames = [pd.DataFrame(getattr(p, attr)).assign(source=doc_id, rank_source=order)
              for doc_id, order, p in parsed if getattr(p, attr)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def document_folders(raw: RawArg = None) -> list[Path]:
    """The folders of documents ``raw`` names: one folder, a list of folders, or (``None``) the bundled
    documents followed by the user's documents folder when ``ocdata add`` has made it."""
    if raw is None:
        return document_dirs()
    if isinstance(raw, (str, os.PathLike)):
        return [Path(raw)]
    return [Path(folder) for folder in raw]


def read_manifests(folders: list[Path]) -> pd.DataFrame:
    """Every folder's manifest, in order, with the folder of each document (``folder``); a document id
    may appear once across all folders."""
    tables = [pd.DataFrame(columns=[*FIELDS, "folder"])]
    seen: set[str] = set()
    for folder in folders:
        table = read_manifest(folder)
        again = [i for i in table["id"] if i in seen]
        if again:
            raise ParseError(f"expected document ids unique across the document folders, found {again[0]!r} "
                             "again", file=folder / MANIFEST_NAME)
        seen.update(table["id"])
        tables.append(table.assign(folder=str(folder)))
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]


def _read_and_parse(manifest: pd.DataFrame, keep_going: bool) -> tuple[list, list[dict]]:
    """Each document parsed, as ``(id, manifest order, Parsed)``; with ``keep_going`` a document
    that cannot be read or parsed becomes a failed check instead of an error."""
    from ocdata.inputs.manifest import read_document

    parse = parsers()
    parsed, failures = [], []
    for order, (_, entry) in enumerate(manifest.iterrows()):
        try:
            doc = read_document(Path(entry["folder"]), entry)
            parsed.append((doc.id, order, parse[doc.kind](doc)))
        except OcdataError as exc:
            if not keep_going:
                raise
            failures.append(check_row("document_parses", entry["file"], expected="a readable document",
                                      found=exc.detail, ok=False, source=entry["id"], line=exc.line))
    return parsed, failures


def build(raw: RawArg = None, workbook: WorkbookArg = None, *, edition: int | None = None,
          keep_going: bool = False) -> Dataset:
    """Parse, normalize and validate the documents in ``raw`` (and workbooks), without saving.

    ``raw`` is a folder of documents with its ``sources.yaml``, a list of such folders (``[]`` for none), or
    ``None`` for :func:`ocdata.paths.document_dirs`. ``workbook`` is a path or a list of paths (a release, a
    one-edition workbook, a CSV or Parquet table, an ocdata export), or ``None``/``False`` for none (this
    function looks for no downloaded workbook: pass ``resolve_workbooks(None)`` for that). ``edition`` is the
    edition of a workbook file that does not say which it holds. Several workbooks: the later release wins
    each row, every other file's value becomes a check (see :mod:`ocdata.inputs.workbook_set`). With ``keep_going``,
    documents that cannot be parsed are left out and listed in ``checks``.
    """
    from ocdata.codebook import build_codebook
    from ocdata.countries import groups_from_workbook, load_countries, load_groups, merge_groups
    from ocdata.inputs.workbook_set import check_unrounded, combine_books, read_books, source_rows
    from ocdata.normalize import CANDIDATE_COLUMNS, normalize_ranks, normalize_scores
    from ocdata.schema import conform
    from ocdata.series import compute_claims, normalize_series

    # Load inputs
    folders = document_folders(raw)
    manifest = read_manifests(folders)
    books = read_books(workbook_paths(workbook), edition)
    # Process: parse each document
    parsed, checks = _read_and_parse(manifest, keep_going)
    values = _frame(parsed, "values").assign(origin="reported", sheet=pd.NA)
    if values.empty and not books:
        where = folders[-1] / MANIFEST_NAME if folders else MANIFEST_NAME
        raise ParseError(f"expected at least one readable document in {MANIFEST_NAME} (or a workbook), found none",
                         file=where)
    sources = manifest.drop(columns="folder")
    groups = load_groups()  # each edition's continents and regions; a workbook's own sheets win
    if books:
        kept, more = combine_books(books)
        checks += more
        groups = merge_groups(groups, groups_from_workbook(kept))
        kept = kept.assign(origin="reported", change=float("nan"), rank_source=kept["rank_source"] + len(manifest))
        values = pd.concat([values, kept], ignore_index=True) if not values.empty else kept
        sources = pd.concat([sources, source_rows(books)], ignore_index=True)
    # Process: normalize and validate
    scores, unrounded, more = normalize_scores(values[CANDIDATE_COLUMNS])
    checks += more + validate_scores(scores, unrounded) + check_unrounded(books, unrounded)
    countries = load_countries()
    scores = _describe(scores, countries, groups)
    printed_ranks = _frame(parsed, "ranks")
    computed_ranks = _computed_ranks(scores, groups, books)
    ranks, rank_checks = normalize_ranks(printed_ranks, computed_ranks)
    checks += rank_checks + (check_rank_changes(ranks) if "printed_change" in ranks else [])  # none printed
    series_rows = _frame(parsed, "series")
    series, series_checks = normalize_series(series_rows) if not series_rows.empty else (series_rows, [])
    checks += series_checks
    claim_rows = _frame(parsed, "claims")
    claims = compute_claims(claim_rows, series) if not claim_rows.empty else claim_rows
    definitions = _frame(parsed, "definitions")
    tables = {
        "scores": scores,
        "ranks": ranks,
        "profiles": _profiles(_frame(parsed, "profiles")),
        "series": series,
        "claims": claims,
        "narratives": _frame(parsed, "narratives"),
        "codebook": build_codebook(definitions if not definitions.empty else
                                   pd.DataFrame(columns=["indicator", "definition", "source", "line"])),
        "checks": pd.DataFrame(checks),
        "countries": countries[countries["iso3"].isin(scores["iso3"])],
        "sources": sources,
        "aggregates": _aggregates(scores, groups, bool(books)),
    }
    return Dataset(**{name: conform(name, table) for name, table in tables.items()})


def _describe(scores: pd.DataFrame, countries: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Add country names, the edition's own continent and region, pillar and level; order rows by country,
    edition, codebook."""
    from ocdata.codebook import load_indicators

    codebook = load_indicators().set_index("indicator")
    out = scores.drop(columns=["rank_source"]).merge(countries[["iso3", "country"]], on="iso3", how="left",
                                                      validate="many_to_one")
    labels = groups[["iso3", "edition", "continent", "region"]].astype({"edition": "int64"})
    out = out.astype({"edition": "int64"}).merge(labels, on=["iso3", "edition"], how="left", validate="many_to_one")
    out["pillar"] = out["indicator"].map(codebook["pillar"])
    out["level"] = out["indicator"].map(codebook["level"])
    out["_order"] = out["indicator"].map(codebook["order"])
    return out.sort_values(["iso3", "edition", "_order"], ignore_index=True).drop(columns="_order")


def _computed_ranks(scores: pd.DataFrame, groups: pd.DataFrame, books: list[Book]) -> pd.DataFrame:
    """Ranks of every country within its edition's groups, citing for each edition the workbook its scores
    came from, where workbooks give all countries' scores."""
    if not books:
        return pd.DataFrame(columns=["iso3", "edition", "metric", "scope", "scope_name", "rank", "total"])
    from ocdata.inputs.workbook_set import edition_sources
    from ocdata.ranks import compute_ranks

    ranks = compute_ranks(scores, groups=groups)
    cited = edition_sources(books)
    return ranks.assign(source=ranks["edition"].map(lambda e: cited.get(int(e), books[0].id)))


def _aggregates(scores: pd.DataFrame, groups: pd.DataFrame, complete: bool) -> pd.DataFrame:
    if not complete:
        return pd.DataFrame()
    from ocdata.ranks import compute_aggregates

    return compute_aggregates(scores, groups=groups)


def _profiles(facts: pd.DataFrame) -> pd.DataFrame:
    """Profile facts as one row per (iso3, edition)."""
    if facts.empty:
        return facts
    wide = facts.pivot_table(index=["iso3", "edition"], columns="field", values="value", aggfunc="first")
    first = facts.groupby(["iso3", "edition"]).agg(source=("source", "first"), line=("line", "min"))
    return wide.join(first).reset_index()


CACHE_KEEP = 4
"""How many builds ``ocdata.load()`` keeps in the user cache (``cache_dir()/tables``)."""
_MEMO: dict[tuple[str, str], Dataset] = {}
"""Tables already read in this process, by (version folder, fingerprint): a saved build never changes."""
_MEMO_SIZE = 4


def resolve_workbooks(workbook: WorkbookArg) -> list[Path]:
    """The workbooks a build uses: the path or paths given; ``None`` means the newest downloaded workbook (if
    any), ``False`` none."""
    if workbook is False:
        return []
    if workbook is None or workbook is True:
        from ocdata.download import latest_workbook

        latest = latest_workbook()
        return [Path(latest)] if latest is not None else []
    return workbook_paths(workbook)




def describe_build_inputs(folders: list[Path], books: list[Path], edition: int | None = None) -> list[dict]:
    """The inputs of a build (``fingerprint.describe_inputs``) with every workbook, in the order given, and the
    edition given for files that do not say theirs."""
    from ocdata.fingerprint import describe_inputs

    inputs = describe_inputs(folders, None)
    entries = [describe_inputs([], book)[0] for book in books]
    if edition is not None and entries:
        entries = [{**entry, "edition": edition} for entry in entries]
    return [*inputs[:-1], *entries, inputs[-1]]


def _copy(data: Dataset) -> Dataset:
    """Tables the caller owns: changing them (even through ``.array``) changes no other call's result."""
    return Dataset(**{name: table.copy(deep=True) for name, table in data.tables().items()})


def _dataset(tables: dict[str, pd.DataFrame]) -> Dataset:
    return Dataset(**{f.name: tables[f.name] for f in fields(Dataset)})


def _read_saved(folder: Path, fingerprint: str | None) -> Dataset:
    """The tables of a saved build (memoised for the process when its fingerprint is known)."""
    from ocdata.tables import read_tables, shown_folder

    key = (str(shown_folder(Path(folder)).resolve()), fingerprint or "")
    if fingerprint and key in _MEMO:
        return _MEMO[key]
    data = _dataset(read_tables(folder))
    if fingerprint:
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = data
    return data


def _matches(folder: Path, fingerprint: str, keep_going: bool) -> bool:
    """Whether ``folder`` holds a saved build of these inputs (one that left no document out, unless
    ``keep_going`` allows it)."""
    from ocdata.tables import build_info

    info = build_info(folder)
    return (info is not None and info.get("fingerprint") == fingerprint
            and (keep_going or not info.get("left_out")))


def _build_info(inputs: list[dict], fingerprint: str, data: Dataset) -> dict:
    left_out = int(((data.checks["check"] == "document_parses") & (data.checks["status"] == "fail")).sum())
    return {"fingerprint": fingerprint, "inputs": inputs, "left_out": left_out}


def _ensure(raw: RawArg, workbook: WorkbookArg, keep_going: bool, need_folder: bool = True,
            edition: int | None = None, versioned: bool = False) -> tuple[Path, Dataset]:
    """The folder of the saved build of these inputs, and its tables: ``processed_dir()`` or the user cache when
    one matches the inputs' fingerprint, else a new build saved in the cache (without ``need_folder``, a cache
    that cannot be written costs a warning, not the tables). With ``versioned``, ``processed_dir()`` counts only
    when it shows a version folder (a link or pointer ``ocdata build`` made), which a hold can keep."""
    from ocdata.fingerprint import fingerprint_of
    from ocdata.store import shown_version

    folders = document_folders(raw)
    books = resolve_workbooks(workbook)
    inputs = describe_build_inputs(folders, books, edition)
    fingerprint = fingerprint_of(inputs)
    cached = cache_dir() / "tables" / fingerprint
    processed = processed_dir()
    places = (processed, cached) if not versioned or shown_version(processed) is not None else (cached,)
    for folder in places:
        if _matches(folder, fingerprint, keep_going):
            try:
                return folder, _read_saved(folder, fingerprint)
            except OcdataError as exc:
                print(f"ocdata: warning: {exc}; building the tables again", file=sys.stderr)
    data = build(folders, books, edition=edition, keep_going=keep_going)
    from ocdata.store import save_tables

    try:
        save_tables(data.tables(), data.sources, cached, _build_info(inputs, fingerprint, data), keep=CACHE_KEEP)
    except OcdataError as exc:
        if need_folder:
            raise
        print(f"ocdata: warning: {exc}; the tables are not saved", file=sys.stderr)
    return cached, data


def ensure_built(raw: RawArg = None, workbook: WorkbookArg = None, *, edition: int | None = None,
                 keep_going: bool = False) -> Path:
    """The folder of the saved build of these inputs (building and saving it in the user cache when none
    matches); report kernels read it with ``ocdata.load(tables=folder)``. ``workbook`` and ``edition`` as for
    :func:`load`."""
    return _ensure(raw, workbook, keep_going, edition=edition)[0]


@contextlib.contextmanager
def held_build(raw: RawArg = None, workbook: WorkbookArg = None, *, edition: int | None = None,
               keep_going: bool = False) -> Iterator[Path]:
    """As :func:`ensure_built`, and the build stays readable until the block ends (``store.hold``): yields the
    folder holding its tables (the version folder itself, not ``data/processed``), which no ``ocdata build``,
    clean-up or cache pruning removes meanwhile."""
    from ocdata.errors import InputError
    from ocdata.store import hold
    from ocdata.tables import build_info

    for attempt in range(3):  # replaced or pruned by another process between finding and holding it: again
        folder = _ensure(raw, workbook, keep_going, edition=edition, versioned=True)[0]
        fingerprint = (build_info(folder) or {}).get("fingerprint")
        with contextlib.ExitStack() as stack:
            try:
                version = stack.enter_context(hold(folder))
            except InputError:
                if attempt == 2:
                    raise
                continue
            if (build_info(version) or {}).get("fingerprint") == fingerprint:
                yield version
                return
    raise InputError("expected a saved build that stays in place while held, found it replaced again and again",
                     file=folder)


def load(raw: RawArg = None, workbook: WorkbookArg = None, *, edition: int | None = None, strict: bool = True,
         keep_going: bool = False, tables: Path | str | None = None) -> Dataset:
    """The tables of the documents in ``raw`` and workbooks, or of the saved build in ``tables``.

    ``raw``: a folder of documents, a list of folders (``[]``: none), or ``None`` (the bundled documents and the
    user's). ``workbook``: a path or a list of paths, each an .xlsx release, a one-edition workbook, a CSV or
    Parquet table (an ``ocdata export`` too); ``None`` (the default) for the newest downloaded workbook, if any;
    ``False`` for none. ``edition``: the edition of a workbook file that says nothing of its edition (in no sheet
    name, column or file name); files that do say keep theirs. Where several files give a value, the later
    release's wins and the others are checks (``sources_agree``, ``unrounded_rounds_to_printed``).
    ``tables``: a folder written by ``ocdata build`` (or given by :func:`ensure_built`): read as it is, checked
    against ``schema.yaml``.

    Without ``tables``, a saved build whose fingerprint (documents, workbooks, code) matches is read (from
    ``data/processed`` or the user cache); otherwise the tables are built and saved in the user cache. Each call
    returns tables of its own: changing them never changes another call's result. With ``strict`` (the
    default) a failing check raises :class:`ValidationError`; pass ``strict=False`` to inspect
    ``dataset.failed``. ``keep_going`` leaves out documents that cannot be parsed, listing them as failed checks.
    """
    if tables is not None:
        from ocdata.tables import build_info

        info = build_info(Path(tables)) or {}
        data = _read_saved(Path(tables), info.get("fingerprint"))
    else:
        data = _ensure(raw, workbook, keep_going, need_folder=False, edition=edition)[1]
    data = _copy(data)
    if strict and not data.failed.empty:
        raise ValidationError(f"{describe_check(first_failure(data), data.sources)} ({len(data.failed)} check(s) "
                              "failed; load(strict=False) to inspect them)")
    return data


def run_build(raw: RawArg = None, out: Path | None = None, workbook: WorkbookArg = None,
              keep_going: bool = False, edition: int | None = None) -> int:
    """``ocdata build``: build, save the tables (all or none) with their fingerprint, print a summary; the
    exit code. ``workbook=None`` uses the newest downloaded workbook (and says so), ``False`` none; a list
    of paths uses each. ``edition``: the edition of a workbook file that does not say its own."""
    from ocdata.fingerprint import fingerprint_of
    from ocdata.inputs.manifest import sha256_of
    from ocdata.store import check_out, publish_tables

    out = Path(out) if out is not None else processed_dir()
    folders = document_folders(raw)
    check_out(out, folders)  # refuse a bad --out before the work
    books = resolve_workbooks(workbook)
    if workbook is None and books:
        print(f"using the downloaded workbook {books[0]} (sha256 {sha256_of(books[0])[:12]}…)", flush=True)
    inputs = describe_build_inputs(folders, books, edition)
    data = build(folders, books, edition=edition, keep_going=keep_going)
    failed = data.failed
    if not failed.empty and not keep_going:
        print(f"ocdata: check failed: {describe_check(first_failure(data), data.sources)} ({len(failed)} "
              f"check(s) failed in all; nothing written, the previous build in {out} is kept; --keep-going "
              "writes the tables with every failed check in checks.csv)", file=sys.stderr)
        return ValidationError.exit_code
    publish_tables(data.tables(), data.sources, out, _build_info(inputs, fingerprint_of(inputs), data),
                   document_folders=folders)
    n_docs = int((data.sources["kind"] != "workbook").sum())
    n_books = len(data.sources) - n_docs
    print(f"ocdata build: {n_docs} documents" + (f", {n_books} workbook{'s' if n_books > 1 else ''}"
                                                 if n_books else ""))
    for name, table in data.tables().items():
        print(f"  {name:<11} {len(table):>6} rows")
    passed = int((data.checks["status"] == "pass").sum())
    print(f"  checks: {passed} passed, {len(failed)} failed")
    print(f"  written to {out} (CSV, Parquet, datapackage.json)")
    return ValidationError.exit_code if len(failed) else 0
