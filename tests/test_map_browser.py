"""The index's map in Chromium: a rendered folder's index.html, a click on a country's shape lands on that
country's report; the overview and the index are byte-identical on a second run and under 3 MB; on a phone the
maps' legends are page text at a readable size, inside the screen. Which pages there are and what the map says
is worked out from the data the command loads (``ocdata.load(workbook=False)``), not from a fixed list of
countries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ocdata
from ocdata import views
from ocdata.views import overview as overviews

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
MAX_BYTES = 3 * 1024 * 1024

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _data() -> ocdata.Dataset:
    """What ``ocdata report --no-workbook`` loads in this environment."""
    return ocdata.load(workbook=False)


def _latest(data: ocdata.Dataset, country: str) -> int:
    return views.editions_of(data, country)[-1]


def _render(out: Path) -> None:
    command = [sys.executable, "-m", "ocdata", "report", "KGZ", "KAZ", "--overview", "--no-workbook", "--jobs", "2",
               "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    _render(first)
    _render(second)
    return first, second


def test_overview_and_index_are_identical_on_a_second_run_and_small(folders: tuple[Path, Path]) -> None:
    first, second = folders
    data = _data()
    edition = overviews.overview_edition(data)
    names = sorted(p.name for p in first.glob("*.html"))
    assert names == sorted([f"KAZ_{_latest(data, 'KAZ')}.html", f"KGZ_{_latest(data, 'KGZ')}.html", "index.html",
                            f"overview_{edition}.html"])
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        assert (first / name).stat().st_size < MAX_BYTES, name
    overview = (first / f"overview_{edition}.html").read_text(encoding="utf-8")
    few = not views.has_peers(data, edition)  # the bundled documents alone: the overview says what it lacks
    assert ("needs the official workbook" in overview) == few
    assert ("ocdata download" in overview) == few
    assert "<script" not in (first / "index.html").read_text(encoding="utf-8")


def test_clicking_a_country_on_the_index_map_opens_its_report(folders: tuple[Path, Path]) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    index = folders[0] / "index.html"
    data = _data()
    edition = overviews.overview_edition(data)  # the map shows the overview's edition
    scores = data.scores.query("iso3 == 'KGZ' and edition == @edition").set_index("indicator")["score"]
    latest = {c: _latest(data, c) for c in ("KGZ", "KAZ")}
    title = f"Kyrgyzstan: criminality {scores['criminality']:.2f}, resilience {scores['resilience']:.2f}"
    if latest["KGZ"] != edition:
        title += f" ({edition}; opens the {latest['KGZ']} report)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(index.as_uri(), wait_until="load")
            shape = page.locator('svg a[data-iso3="KGZ"] path')
            assert shape.count() == 1
            assert page.locator('svg a[data-iso3="KGZ"] > title').text_content() == title
            with page.expect_navigation():
                shape.click()
            assert page.url.endswith(f"/KGZ_{latest['KGZ']}.html")
            assert "Kyrgyzstan" in page.title()
            page.goto(index.as_uri(), wait_until="load")
            with page.expect_navigation():
                page.locator('svg a[data-iso3="KAZ"] path').click()
            assert page.url.endswith(f"/KAZ_{latest['KAZ']}.html")
            assert page.locator('svg a[data-iso3="FRA"]').count() == 0  # no report, no link
            assert errors == []
        finally:
            browser.close()


LEGEND_TEXT = """() => {
  const found = [];
  for (const legend of document.querySelectorAll('.oc-map-legend')) {
    const walker = document.createTreeWalker(legend, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const box = range.getBoundingClientRect();
      found.push({text: node.textContent, size: parseFloat(getComputedStyle(node.parentElement).fontSize),
                  left: box.left, right: box.right, width: box.width});
    }
  }
  return found;
}"""


@pytest.mark.parametrize("name", ["index.html", "KGZ"])
def test_on_a_phone_the_map_legend_is_readable_text_inside_the_screen(folders: tuple[Path, Path], name: str) -> None:
    if name == "KGZ":  # the country's profile
        name = f"KGZ_{_latest(_data(), 'KGZ')}.html"
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto((folders[0] / name).as_uri(), wait_until="load")
            assert page.locator("svg.ocdata-map").count() >= 1
            assert page.locator("svg.ocdata-map .ocdata-map-legend").count() == 0  # not drawn in map units
            texts = page.evaluate(LEGEND_TEXT)
            width = page.evaluate("() => document.documentElement.clientWidth")
        finally:
            browser.close()
    said = " ".join(t["text"] for t in texts)
    assert "Criminality" in said and "(worse)" in said and "small country" in said
    for text in texts:
        assert text["size"] >= 12, text
        assert text["width"] > 0 and text["left"] >= 0 and text["right"] <= width, text
