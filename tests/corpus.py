"""One more valid document for the corpus, the documents the tests know, and the invariants of every corpus.

The extra document is Kyrgyzstan's 2021 PDF profile turned into another Central Asian country's: the heading,
every score and every rank line rewritten with that country's published 2021 values, so that it agrees with the
bundled documents and with the official workbook. Tests about documents filter rows by ``source`` (see
``of_documents``); tests about the whole corpus check ``invariant_failures``.

``python tests/corpus.py RAW_DIR`` adds the extra document (file and manifest entry) to a folder of documents.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from ocdata.paths import raw_dir

RAW = raw_dir()
"""The bundled documents, as the code reads them: ``data/raw``, or a copy named by ``$OCDATA_RAW`` (to run the
tests on another corpus, e.g. one with the extra document: ``python tests/corpus.py COPY``)."""
PDF_2021 = "kgz_2021_profile_pdf.txt"

# The bundled documents the tests know, by id and file: expectations about them filter rows by ``source``.
BUNDLED = {"kgz_2021_pdf": "kgz_2021_profile_pdf.txt", "kaz_kgz_2023_web": "kaz_kgz_2023_profiles_web.txt",
           "kgz_2025_web": "kgz_2025_profile_web.txt", "kaz_2023_pdf": "kaz_2023_profile_pdf.txt",
           "kaz_article": "kaz_crime_background_article.txt"}

# Two profiles for the extra document: each country's published 2021 values (the 2023 release's ``2021_dataset``
# sheet) in the order of the Kyrgyz profile's score lines (markets and its 10 indicators, actors and its 4, the 12
# resilience indicators), its criminality, and its ranks (competition ranks of that sheet) in the order of
# ``KGZ_2021_RANKS``. The first whose country no bundled document names is the extra document.
KGZ_2021_RANKS = {("criminality", "world", 193): 72, ("criminality", "continent", 46): 23,
                  ("criminality", "region", 8): 2, ("resilience", "world", 193): 125,
                  ("resilience", "continent", 46): 24, ("resilience", "region", 8): 4}
PROFILES_2021 = {
    "TJK": ("Tajikistan", "5.61",
            "5.10 6.50 6.00 4.00 2.50 3.50 7.00 8.50 2.00 6.00 5.00 6.13 5.50 5.00 9.00 5.00 "
            "3.00 2.00 3.00 2.00 3.00 3.00 2.50 3.50 3.00 2.00 3.00 2.00", (62, 20, 1, 172, 41, 7)),
    "UZB": ("Uzbekistan", "4.96",
            "4.55 7.50 6.00 3.00 3.00 3.50 6.50 6.50 1.50 4.00 4.00 5.38 5.00 4.50 7.00 5.00 "
            "3.00 3.00 4.00 4.00 3.00 3.50 4.50 3.50 4.50 4.00 5.00 3.50", (90, 28, 4, 142, 33, 6)),
}


def as_country(file: str, old: str, new: str) -> str:
    """A bundled profile with every line naming ``old`` as a heading naming ``new`` instead."""
    lines = (RAW / file).read_text(encoding="utf-8").split("\n")
    return "\n".join(line.replace(old, new) if line.strip() == old else line for line in lines)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 172nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def profile_2021_text(iso3: str) -> str:
    """Kyrgyzstan's 2021 PDF profile with the heading, scores and ranks of ``iso3`` (a key of PROFILES_2021)."""
    name, criminality, scores, ranks = PROFILES_2021[iso3]
    lines = as_country(PDF_2021, "KYRGYZSTAN", name.upper()).split("\n")
    values = iter(scores.split())
    for i, line in enumerate(lines):
        label, tab, _ = line.partition("\t")
        if tab and label.isupper():
            lines[i] = f"{label}\t{next(values)}"
    assert next(values, None) is None, "one score per score line"
    text = "\n".join(lines)
    assert text.count("5.33 **CRIMINALITY SCORE**") == 1
    text = text.replace("5.33 **CRIMINALITY SCORE**", f"{criminality} **CRIMINALITY SCORE**")
    new = {(old, total): rank for ((_, _, total), old), rank in zip(KGZ_2021_RANKS.items(), ranks, strict=True)}

    def swap(match: re.Match) -> str:
        return f"{ordinal(new[(int(match[1]), int(match[3]))])}{match[2]} of {match[3]} "

    text, count = re.subn(r"(?<![0-9])([0-9]+)(?:st|nd|rd|th)(\**) of ([0-9]+) ", swap, text)
    assert count == 2 * len(new), count  # each rank is printed twice
    return text


def extra_country(raw: Path = RAW) -> str:
    """The country of the extra document: the first of PROFILES_2021 that no document in ``raw`` names."""
    return next(iso3 for iso3 in PROFILES_2021 if iso3 not in named_countries(raw))


def extra_document(raw: Path = RAW) -> tuple[str, str, str]:
    """The extra document for ``raw``: its id, file name and text."""
    iso3 = extra_country(raw)
    return f"{iso3.lower()}_2021_pdf", f"{iso3.lower()}_2021_profile_pdf.txt", profile_2021_text(iso3)


def manifest_entry(file: str, ident: str, *, kind: str, edition: int | None, countries: list[str],
                   data: bytes, title: str) -> str:
    """A ``sources.yaml`` entry, as text to append to the ``documents`` list."""
    return (f"  - id: {ident}\n    file: {file}\n    title: \"{title}\"\n"
            "    publisher: Global Initiative Against Transnational Organized Crime (GI-TOC) / ENACT\n"
            f"    kind: {kind}\n    edition: {'null' if edition is None else edition}\n"
            f"    countries: [{', '.join(countries)}]\n    sha256: {hashlib.sha256(data).hexdigest()}\n")


def add_extra_document(raw: Path) -> tuple[str, str]:
    """Write the extra document into the folder of documents ``raw``, append its manifest entry; its id and
    country."""
    iso3 = extra_country(raw)
    ident, file, text = extra_document(raw)
    data = text.encode("utf-8")
    (raw / file).write_bytes(data)
    manifest = raw / "sources.yaml"
    old = manifest.read_text(encoding="utf-8")
    title = f"Global Organized Crime Index 2021 - {PROFILES_2021[iso3][0]} (country profile)"
    entry = manifest_entry(file, ident, kind="pdf_profile", edition=2021, countries=[iso3], data=data, title=title)
    manifest.write_text(old + ("" if old.endswith("\n") else "\n") + entry, encoding="utf-8")
    return ident, iso3


def raw_with_extra(target: Path) -> tuple[Path, str, str]:
    """A copy of the bundled documents plus the extra document, in ``target``; the folder, the document's id
    and its country."""
    shutil.copytree(RAW, target)
    return target, *add_extra_document(target)


def known_raw(target: Path, source: Path = RAW) -> Path:
    """A folder of documents in ``target`` holding only the bundled documents the tests know (``BUNDLED``), with
    their manifest entries, copied from ``source``: for tests whose expectations are about exactly these
    documents (the default selections, the comparison of all countries), whatever else ``data/raw`` holds."""
    manifest = yaml.safe_load((source / "sources.yaml").read_text(encoding="utf-8"))
    manifest["documents"] = [entry for entry in manifest["documents"] if entry["id"] in BUNDLED]
    assert {entry["id"] for entry in manifest["documents"]} == set(BUNDLED)
    target.mkdir(parents=True)
    for entry in manifest["documents"]:
        shutil.copyfile(source / entry["file"], target / entry["file"])
    text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)
    (target / "sources.yaml").write_text(text, encoding="utf-8")
    return target


def of_documents(table: pd.DataFrame, ids: Iterable[str] = BUNDLED) -> pd.DataFrame:
    """The rows of ``table`` that cite one of the documents ``ids`` (default: the bundled ones)."""
    return table[table["source"].isin(list(ids))]


def document_count(raw: Path = RAW) -> int:
    """How many documents the manifest of ``raw`` lists."""
    from ocdata.inputs.manifest import read_manifest

    return len(read_manifest(raw))


# Countries of Central Asia and its neighbours, for tests that add a document of a country no document names
NEIGHBOURS = (("TJK", "Tajikistan"), ("UZB", "Uzbekistan"), ("TKM", "Turkmenistan"), ("MNG", "Mongolia"),
              ("AFG", "Afghanistan"), ("ARM", "Armenia"), ("GEO", "Georgia"), ("AZE", "Azerbaijan"))


def named_countries(raw: Path = RAW) -> set[str]:
    """The countries the documents in ``raw`` name in their manifest."""
    from ocdata.inputs.manifest import read_manifest

    return {c for countries in read_manifest(raw)["countries"] for c in str(countries).split()}


def unused_countries(n: int, raw: Path = RAW) -> list[tuple[str, str]]:
    """``n`` countries, as (ISO3, name), that no document in ``raw`` names."""
    return [pair for pair in NEIGHBOURS if pair[0] not in named_countries(raw)][:n]


# Invariants: what every valid corpus satisfies, whatever its documents.

SCORE_KEY = ["iso3", "edition", "indicator"]
RANK_KEY = ["iso3", "edition", "metric", "scope"]
SCOPES = {"world": None, "continent": "continent", "region": "region"}  # scope -> the scores' column


def competition_ranks(scores: pd.Series) -> pd.Series:
    """Standard competition ranks, the highest score first (ties share the best rank)."""
    return scores.rank(method="min", ascending=False).astype("int64")


def document_sources(data) -> pd.DataFrame:
    """The documents among a dataset's sources (not the workbooks), with ``countries`` as lists."""
    documents = data.sources[data.sources["kind"] != "workbook"]
    return documents.assign(countries=documents["countries"].fillna("").str.split())


def rank_failures(data) -> list[str]:
    """Computed ranks that are not the competition ranks of the scores within their edition's scope."""
    scores, ranks = data.scores, data.ranks
    computed = ranks[ranks["origin"] == "computed"]
    problems = []
    for (edition, metric), rows in computed.groupby(["edition", "metric"]):
        table = scores[(scores["edition"] == edition) & (scores["indicator"] == metric)]
        for scope, column in SCOPES.items():
            expected = (competition_ranks(table["score"]) if column is None else
                        table.groupby(column)["score"].transform(competition_ranks))
            expected = pd.Series(expected.to_numpy(), index=table["iso3"].to_numpy())
            got = rows[rows["scope"] == scope].set_index("iso3")["rank"]
            wrong = got[got.to_numpy() != expected.reindex(got.index).to_numpy()]
            problems += [f"ranks: {iso3} {edition} {metric} {scope} is {rank}, the competition rank is "
                         f"{expected.get(iso3)}" for iso3, rank in wrong.items()]
    return problems


def invariant_failures(data) -> list[str]:
    """Every broken invariant of a dataset, as sentences (none for a valid corpus)."""
    problems: list[str] = []
    scores, ranks, checks = data.scores, data.ranks, data.checks
    failed = checks[checks["status"] != "pass"]
    problems += [f"check {r.check} failed on {r.subject}" for r in failed.itertuples()]
    for name, table, key in [("scores", scores, SCORE_KEY), ("ranks", ranks, RANK_KEY)]:
        twice = table[table.duplicated(key, keep=False)][key].drop_duplicates()
        problems += [f"{name}: more than one row for {tuple(r)}" for r in twice.itertuples(index=False)]
    documents = document_sources(data)
    known = set(data.sources["id"])
    for name, table in [("scores", scores), ("ranks", ranks), ("series", data.series),
                        ("narratives", data.narratives), ("profiles", data.profiles)]:
        if table.empty:
            continue
        unknown = set(table["source"].dropna()) - known
        problems += [f"{name}: cites unknown sources {sorted(unknown)}"] if unknown else []
        printed = table[table["origin"] == "reported"] if "origin" in table else table
        printed = printed[printed["source"].isin(documents["id"])]  # a workbook's rows cite their sheet and row
        uncited = printed[printed["line"].isna()]
        problems += [f"{name}: a printed row cites no line: {r}" for r in uncited.head(3).to_dict("records")]
        named = table["source"].map(documents.set_index("id")["countries"])
        cited = named.notna()
        strangers = table[cited][[iso3 not in countries for iso3, countries in
                                  zip(table.loc[cited, "iso3"], named[cited], strict=True)]]
        problems += [f"{name}: {r.iso3} is not a country of {r.source}" for r in
                     strangers[["iso3", "source"]].drop_duplicates().itertuples()]
    problems += [f"scores: a {r.origin} row names no source: {r.iso3} {r.edition} {r.indicator}"
                 for r in scores[scores["source"].isna()].itertuples()]
    problems += [f"ranks: {r.iso3} {r.edition} {r.metric} {r.scope}: rank {r.rank} of {r.total}"
                 for r in ranks.itertuples() if not 1 <= r.rank <= r.total]
    problems += rank_failures(data)
    for ident, countries, edition in documents[["id", "countries", "edition"]].itertuples(index=False):
        for country in countries:
            mine = scores[(scores["iso3"] == country) & (scores["source"] == ident)]
            if pd.isna(edition) and scores[scores["iso3"] == country].empty:
                problems.append(f"{ident}: {country} is named in the manifest and has no scores")
            elif not pd.isna(edition) and mine[mine["edition"] == int(edition)].empty:
                problems.append(f"{ident}: no score of {country} {int(edition)} cites it")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/corpus.py RAW_DIR   (adds the extra document and its manifest entry)")
    print(*add_extra_document(Path(sys.argv[1])))
