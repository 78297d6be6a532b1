"""Shared inputs of the report tests: the bundled data, a dataset with peers, a hostile copy of the
raw documents, and one rendering of every report the slow and browser tests look at.

Rendering is the expensive part (a kernel per core), so :func:`rendered_reports` renders once per
test session and every test reads the same files.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from corpus import known_raw

import ocdata
from ocdata.paths import PROJECT_DIR

HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
"""Markup that must show as text, never run, wherever a document's text reaches a report."""
REGION = "Central Asia and the Caucasus"


def workbook_path() -> Path | None:
    """The official workbook: ``$OCDATA_WORKBOOK``, or ``shared/data`` beside the project; None if absent."""
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "global_oc_index_2023.xlsx"
    path = Path(os.environ.get("OCDATA_WORKBOOK") or default)
    return path if path.is_file() else None


def require_workbook() -> Path:
    path = workbook_path()
    if path is None:
        pytest.skip("the official workbook is absent (set OCDATA_WORKBOOK to run these tests)")
    return path


@cache
def bundled() -> ocdata.Dataset:
    """The dataset built from the bundled documents these tests know only (``corpus.BUNDLED``), whatever other
    documents ``data/raw`` holds."""
    with tempfile.TemporaryDirectory(prefix="ocdata-known-") as folder:
        return ocdata.load(known_raw(Path(folder) / "raw"))


# Four made-up countries, enough for the comparisons with peers: (iso3, name, continent, region,
# criminality, resilience) in 2023.
PEERS = [
    ("AAA", "Aland", "Asia", REGION, 6.0, 3.0),
    ("BBB", "Bland <b>bold</b>", "Asia", REGION, 4.0, 5.0),
    ("CCC", "Cland", "Europe", "Western Europe", 3.0, 7.0),
    ("DDD", "Dland", "Europe", "Western Europe", 6.0, 3.0),
]


@cache
def with_peers() -> ocdata.Dataset:
    """The bundled dataset plus :data:`PEERS` (their criminality and resilience in 2023) and the
    region and world means a workbook would bring."""
    data = bundled()
    countries = pd.concat([data.countries, pd.DataFrame(
        [{"iso3": i, "country": n, "continent": c, "region": r} for i, n, c, r, *_ in PEERS])],
        ignore_index=True).astype(data.countries.dtypes.to_dict())
    rows = []
    for iso3, name, continent, region, criminality, resilience in PEERS:
        for indicator, score in (("criminality", criminality), ("resilience", resilience)):
            rows.append({"iso3": iso3, "country": name, "continent": continent, "region": region,
                         "edition": 2023, "indicator": indicator, "pillar": indicator, "score": score,
                         "change": float("nan"), "origin": "reported", "source": "book.xlsx", "line": 2,
                         "sheet": "2023_dataset"})
    scores = pd.concat([data.scores, pd.DataFrame(rows)], ignore_index=True).astype(data.scores.dtypes.to_dict())
    means = [(2023, "criminality", "region", REGION, 5.0, 4), (2023, "resilience", "region", REGION, 4.25, 4),
             (2023, "criminality", "world", "World", 4.8, 6), (2023, "resilience", "world", "World", 4.9, 6)]
    aggregates = pd.DataFrame(means, columns=["edition", "indicator", "scope", "scope_name", "mean", "n"])
    aggregates = aggregates.astype({"edition": "Int64", "n": "Int64"})
    return dataclasses.replace(data, countries=countries, scores=scores, aggregates=aggregates)


def hostile_raw(folder: Path) -> Path:
    """A copy of the raw documents whose Kyrgyz 2025 narrative and a source title carry
    :data:`HOSTILE` markup, with the manifest's checksum updated to match."""
    raw = PROJECT_DIR / "data" / "raw"
    target = folder / "raw"
    shutil.copytree(raw, target)
    document = target / "kgz_2025_profile_web.txt"
    text = document.read_text(encoding="utf-8")
    before = "Kyrgyzstan is a source, transit and destination country"
    assert before in text, "the Kyrgyz 2025 profile changed: update the hostile fixture"
    old_digest = hashlib.sha256(document.read_bytes()).hexdigest()
    document.write_text(text.replace(before, f"Kyrgyzstan {HOSTILE} is a source, transit and destination country"),
                        encoding="utf-8")
    new_digest = hashlib.sha256(document.read_bytes()).hexdigest()
    manifest = target / "sources.yaml"
    listing = manifest.read_text(encoding="utf-8").replace(old_digest, new_digest)
    title = '"Global Organized Crime Index 2025 - Kyrgyzstan (web profile)"'
    listing = listing.replace(title, '"Global Organized Crime Index 2025 - Kyrgyzstan <img src=x onerror=alert(1)>"')
    manifest.write_text(listing, encoding="utf-8")
    return target


@cache
def rendered_reports() -> dict[str, Path]:
    """Render, once per session: every report of the bundled data (``--all``); the Kyrgyz profile
    from the hostile documents; and, with the official workbook, the Kyrgyz profile among all
    countries and the comparison of its region. Returns the output folder of each run."""
    from ocdata.report import run_reports

    root = Path(tempfile.mkdtemp(prefix="ocdata-reports-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)  # tests leave no folder behind
    out = {"bundled": root / "bundled", "hostile": root / "hostile"}
    previous = os.environ.get("OCDATA_RAW")
    try:
        os.environ["OCDATA_RAW"] = str(known_raw(root / "known"))  # the documents these tests know, only
        assert run_reports(all_=True, out=out["bundled"], progress=False) == 0
        os.environ["OCDATA_RAW"] = str(hostile_raw(root))
        assert run_reports(countries=["KGZ"], out=out["hostile"], jobs=1, progress=False) == 0
    finally:
        if previous is None:
            os.environ.pop("OCDATA_RAW", None)
        else:
            os.environ["OCDATA_RAW"] = previous
    book = workbook_path()
    if book is not None:
        out["workbook"] = root / "workbook"
        assert run_reports(countries=["KGZ"], region=REGION, edition=2023, workbook=book, out=out["workbook"],
                           progress=False) == 0
    return out


CHROMIUM = Path("/usr/bin/chromium")
"""The browser the browser tests drive (Debian's package ``chromium``)."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


def sync_playwright_or_skip():
    """Playwright's ``sync_playwright``, skipping the test where Chromium or Playwright is absent."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Playwright Python package (which drives chromium) is absent")
    return sync_playwright


def chromium_browser():
    """A headless Chromium for a module's tests (a fixture's body: ``yield from chromium_browser()``)."""
    with sync_playwright_or_skip()() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
