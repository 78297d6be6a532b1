"""Derive each edition's continent and region of every country from an official workbook release.

    python scripts/country_groups.py global_oc_index.xlsx

Reads the release with ``ocdata.inputs.workbook.read_workbook`` (each sheet's own ``Continent`` and ``Region``
columns, stray whitespace removed) and writes:

- ``ocdata/data/country_groups.csv``: ``iso3, edition, continent, region, source``, one row per country and
  edition of ``ocdata/data/editions.csv``. An edition the release has no sheet for takes the grouping of the
  latest edition before it that has one, and its ``source`` says so (``assumed from 2023 (...)``);
- ``ocdata/data/country_groups.meta.yaml``: the release, its sha256 and the sheets read.

Only a release listed in ``ocdata/data/releases.csv`` (by sha256) is accepted; the workbook itself is never
committed. Same workbook, same bytes out.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
from pathlib import Path

import pandas as pd

from ocdata.codebook import load_editions
from ocdata.countries import GROUP_COLUMNS, groups_from_workbook, load_countries
from ocdata.inputs.workbook import read_workbook
from ocdata.outputs.atomic import write_text_atomic

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "ocdata" / "data"


def release_of(sha256: str) -> str:
    """The release year ``releases.csv`` records for a workbook's checksum; SystemExit if it is not there."""
    with (PACKAGE_DATA / "releases.csv").open(encoding="utf-8", newline="") as handle:
        releases = {row["sha256"]: row["release"] for row in csv.DictReader(handle)}
    if sha256 not in releases:
        raise SystemExit(f"releases.csv: expected the sha256 of an official release, found {sha256}")
    return releases[sha256]


def derive(book: pd.DataFrame, release: str, editions: list[int]) -> pd.DataFrame:
    """Every edition's groups: the release's sheets where it has one, else the latest earlier edition's."""
    sheets = book.drop_duplicates("edition").set_index("edition")["sheet"].to_dict()
    found = groups_from_workbook(book)
    found["source"] = found["edition"].map(lambda e: f"official workbook {release} release, sheet {sheets[e]}")
    codes = set(load_countries()["iso3"])
    frames = []
    for edition in editions:
        if edition in sheets:
            rows = found[found["edition"] == edition]
        else:
            earlier = [e for e in sheets if e < edition]
            if not earlier:
                raise SystemExit(f"{edition}: no sheet of this or an earlier edition in the {release} release")
            base = max(earlier)
            rows = found[found["edition"] == base].assign(edition=edition)
            rows["source"] = f"assumed from {base} (official workbook {release} release, sheet {sheets[base]})"
        missing = sorted(codes - set(rows["iso3"]))
        if missing:
            raise SystemExit(f"{edition}: expected all {len(codes)} countries, found none for {missing}")
        frames.append(rows)
    table = pd.concat(frames, ignore_index=True)[list(GROUP_COLUMNS)]
    return table.sort_values(["edition", "iso3"], ignore_index=True)


def dump(table: pd.DataFrame) -> str:
    """The groups as CSV text (LF line ends, minimal quoting)."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def meta(workbook: Path, sha256: str, release: str, book: pd.DataFrame, table: pd.DataFrame) -> str:
    """The provenance file, as YAML."""
    sheets = book.drop_duplicates("edition").sort_values("edition")
    lines = [f"    {int(row.edition)}: {row.sheet}" for row in sheets.itertuples()]
    assumed = sorted(int(e) for e in table.loc[table["source"].str.startswith("assumed"), "edition"].unique())
    return f"""\
# Provenance of country_groups.csv (written by scripts/country_groups.py; do not edit by hand)
source:
  title: Global Organized Crime Index, official workbook
  publisher: Global Initiative Against Transnational Organized Crime (GI-TOC)
  release: {release}
  file: {workbook.name}
  sha256: {sha256}
  sheets:
{chr(10).join(lines)}
columns: each sheet's own Continent and Region, stray whitespace removed ('Caribbean ' -> 'Caribbean')
assumed_editions: {assumed}
note: >-
  An edition without a sheet in the release carries the latest earlier edition's grouping forward and says so
  in its source column. The printed region and continent ranks of the bundled documents of every edition are
  checked against these groups by the tests (Kyrgyzstan's 2025 page: 2nd of 8 countries in Central Asia and
  the Caucasus, 25th of 46 countries in Asia).
command: python scripts/country_groups.py {workbook.name}
"""


def main(argv: list[str] | None = None) -> int:
    """Command line: derive ocdata/data/country_groups.csv and its .meta.yaml from WORKBOOK."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbook", type=Path, help="an official release of the index's workbook (.xlsx)")
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA, help="folder to write into")
    args = parser.parse_args(argv)
    sha256 = hashlib.sha256(args.workbook.read_bytes()).hexdigest()
    release = release_of(sha256)
    book = read_workbook(args.workbook)
    editions = sorted(int(e) for e in load_editions()["edition"])
    table = derive(book, release, editions)
    write_text_atomic(args.out / "country_groups.csv", dump(table))
    write_text_atomic(args.out / "country_groups.meta.yaml", meta(args.workbook, sha256, release, book, table))
    print(f"{len(table)} rows ({', '.join(str(e) for e in editions)}) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
