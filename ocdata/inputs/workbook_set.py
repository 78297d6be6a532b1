"""Several workbook sources at once: read each file, order them, keep one row per key and check the rest.

A build may take several files of all countries' scores (a release, a one-edition workbook, a CSV or Parquet
table, an ocdata export). For each (iso3, edition, indicator) the file of the later release wins the row (the
one whose newest edition is the latest; between equals, the one given first); every other file's value for
that key becomes a check naming both files and rows: ``sources_agree`` where both print values alike, or
``unrounded_rounds_to_printed`` where one prints an unrounded composite (the 2021 release's 7.075) and the
other the rounded one (7.08). A file of unrounded composites is also checked against its indicators
(``unrounded_matches_indicators``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ocdata.codebook import composites
from ocdata.errors import ParameterError, ParseError
from ocdata.numbers import round_half_up
from ocdata.validate import EPS, check_row

KEY = ["iso3", "edition", "indicator"]
PUBLISHER = "Global Initiative Against Transnational Organized Crime (GI-TOC)"
EDITION_NEEDED = "expected the edition in"
"""How the reader's refusal of a file that does not say its edition begins (the file is then read again with
the edition the caller gave)."""

WorkbookArg = Path | str | Sequence[Path | str] | bool | None
"""A workbook path, several, ``None`` (the newest downloaded one, where a caller resolves it) or ``False`` (none)."""


@dataclass(frozen=True)
class Book:
    """One workbook source as read: its path, its id (the file name) and its long table (``workbook.COLUMNS``)."""

    path: Path
    table: pd.DataFrame

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def newest(self) -> int:
        return int(self.table["edition"].max())

    @property
    def form(self) -> str:
        """``xlsx``, ``Parquet`` or ``CSV``, judged by the first bytes as the reader does."""
        from ocdata.inputs.workbook import OLE_MAGIC, PARQUET_MAGIC, ZIP_MAGIC, sniff

        head = sniff(self.path)
        if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
            return "xlsx"
        return "Parquet" if head.startswith(PARQUET_MAGIC) else "CSV"


def workbook_paths(workbook: WorkbookArg) -> list[Path]:
    """The paths ``workbook`` names: one path, a sequence of paths, or none (``None``/``False``/``True``)."""
    if workbook is None or isinstance(workbook, bool):
        return []
    if isinstance(workbook, (str, os.PathLike)):
        return [Path(workbook)]
    return [Path(path) for path in workbook]


def read_books(paths: Sequence[Path], edition: int | None = None) -> list[Book]:
    """Each file read (through the reader's cache), in the order given; ``edition`` is the edition of a file
    that does not say which it holds (a file that does say keeps its own)."""
    from ocdata.inputs.workbook import read_workbook_cached

    names = [Path(p).name for p in paths]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise ParameterError(f"expected workbooks with different file names, found {twice!r} twice (a file is "
                             "named by its file name in the tables: rename one copy, or give it once)")
    books = []
    for path in map(Path, paths):
        try:
            table = read_workbook_cached(path)
        except ParseError as exc:
            if edition is None or not exc.detail.startswith(EDITION_NEEDED):
                raise
            table = read_workbook_cached(path, edition=edition)
        books.append(Book(path, table))
    return books


def order_books(books: Sequence[Book]) -> list[Book]:
    """The books by preference: the latest newest edition first, then in the order given."""
    return [book for _, book in sorted(enumerate(books), key=lambda pair: (-pair[1].newest, pair[0]))]


def unrounded_sources(table: pd.DataFrame) -> set[str]:
    """The files that print unrounded composites (a composite's value differs from its 2-decimal score)."""
    is_composite = table["indicator"].isin(composites())
    more = is_composite & (table["published"] - table["score"]).abs().gt(EPS)
    return set(table.loc[more, "source"])


def combine_books(books: Sequence[Book]) -> tuple[pd.DataFrame, list[dict]]:
    """One row per key from the preferred book (``rank_source``: its place in that order), and a check for
    every other book's value of a key."""
    ordered = order_books(books)
    table = pd.concat([b.table.assign(rank_source=i) for i, b in enumerate(ordered)], ignore_index=True)
    table = table.sort_values([*KEY, "rank_source"], kind="stable")
    first = ~table.duplicated(KEY)
    kept, others = table[first], table[~first]
    if others.empty:
        return kept.reset_index(drop=True), []
    unrounded = unrounded_sources(table)
    pairs = others.merge(kept, on=KEY, suffixes=("", "_kept"), validate="many_to_one")
    return kept.reset_index(drop=True), [_pair_check(row, unrounded) for row in pairs.to_dict("records")]


def _show(value: float) -> str:
    """A value as printed: 2 decimals where it has no more, else as many as it has."""
    return f"{value:.2f}" if abs(value - round_half_up(value)) <= EPS else f"{value:.10g}"


def place(source: str, sheet: object, line: object) -> str:
    """Where a value is: ``file:sheet row N`` in a workbook, ``file:N`` in a CSV or Parquet table."""
    return f"{source}:{line}" if pd.isna(sheet) or sheet == "" else f"{source}:{sheet} row {line}"


def _pair_check(row: dict, unrounded: set[str]) -> dict:
    """The check between a key's value in the preferred book (``*_kept``) and in another."""
    here = place(row["source"], row["sheet"], row["line"])
    there = place(row["source_kept"], row["sheet_kept"], row["line_kept"])
    subject = f"{row['iso3']} {row['edition']} {row['indicator']}"
    common = {"iso3": row["iso3"], "edition": row["edition"], "indicator": row["indicator"],
              "source": row["source"], "line": row["line"]}
    mine, theirs = row["source"] in unrounded, row["source_kept"] in unrounded
    if row["indicator"] in composites() and mine != theirs:
        value, printed = (row["published"], row["published_kept"]) if mine else (row["published_kept"],
                                                                                 row["published"])
        printed_at, unrounded_at = (there, here) if mine else (here, there)
        rounded = round_half_up(value)
        return check_row("unrounded_rounds_to_printed", subject + " rounded",
                         expected=f"{printed:.2f} ({printed_at})",
                         found=(f"{_show(value)} rounded half-up to " if _show(value) != f"{rounded:.2f}" else "")
                         + f"{rounded:.2f} ({unrounded_at})",
                         difference=rounded - printed, **common)
    return check_row("sources_agree", subject, expected=f"{_show(row['published_kept'])} ({there})",
                     found=f"{_show(row['published'])} ({here})",
                     difference=row["published"] - row["published_kept"], **common)


def check_unrounded(books: Sequence[Book], means: dict) -> list[dict]:
    """Each unrounded composite a book prints against the unrounded mean of its indicators (``means``:
    ``(iso3, edition, composite) -> mean``, criminality from the unrounded pillar means)."""
    checks = []
    for book in books:
        if book.id not in unrounded_sources(book.table):
            continue
        rows = book.table[book.table["indicator"].isin(composites())]
        for row in rows.to_dict("records"):
            mean = means.get((row["iso3"], row["edition"], row["indicator"]))
            if mean is None:
                continue
            checks.append(check_row(
                "unrounded_matches_indicators", f"{row['iso3']} {row['edition']} {row['indicator']} unrounded",
                iso3=row["iso3"], edition=row["edition"], indicator=row["indicator"],
                expected=f"{mean:.10g} (the mean of its indicators)",
                found=f"{_show(row['published'])} ({place(row['source'], row['sheet'], row['line'])})",
                difference=row["published"] - mean, source=row["source"], line=row["line"]))
    return checks


def source_rows(books: Sequence[Book]) -> pd.DataFrame:
    """A row of the ``sources`` table per book, in the order given."""
    from ocdata.inputs.manifest import sha256_of

    rows = []
    for book in books:
        form = book.form
        editions = sorted(set(book.table["edition"]))
        rows.append({
            "id": book.id, "file": book.id,
            "title": "Global Organized Crime Index, " + ("official workbook" if form == "xlsx" else f"table ({form})"),
            "kind": "workbook", "publisher": PUBLISHER, "edition": editions[0] if len(editions) == 1 else pd.NA,
            "countries": "", "sha256": sha256_of(book.path)})
    return pd.DataFrame(rows)


def edition_sources(books: Sequence[Book]) -> dict[int, str]:
    """Edition -> the id of the preferred book that holds it (what computed ranks cite)."""
    out: dict[int, str] = {}
    for book in order_books(books):
        for edition in sorted(set(book.table["edition"])):
            out.setdefault(int(edition), book.id)
    return out
