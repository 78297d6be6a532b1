"""Every kind of page on a desktop (1280 px) and a phone (390 px) in headless Chromium: on the desktop no table
is wider than its box (the overview's ranking of every country included), so no column is hidden; on the phone a
table or figure wider than its box shows that it scrolls (a shadow on the side where more is hidden, or a first
column that stays), and every chart's text is at least 10 px tall on screen."""

import io
import re
from pathlib import Path

import pytest
from report_fixtures import chromium_browser, rendered_reports, require_workbook

DESKTOP, PHONE = 1280, 390
KINDS = {"profile": r"[A-Z]{3}_\d{4}", "comparison": r"compare_.+", "overview": r"overview_\d{4}",
         "robustness": r"robustness_.+", "tutorial": r"tutorial", "lesson": r"lesson_.+"}
"""Each kind of page and the name of its file."""
CHARTED = ("profile", "comparison", "overview", "robustness", "tutorial")
"""The kinds whose figures are SVG charts with text (the lessons' are pictures a learner's code drew)."""
LEAST = 10
"""The smallest text a chart may show on screen, in px."""
SHADOW, CLEAN = 240, 250
"""A strip along a box's edge is shadowed when even its lightest pixel is darker than SHADOW (0-255 grey), clean
when its lightest pixel is at least CLEAN (the page's white shows somewhere in it)."""
HIDDEN = 12
"""The width of the shadows (px): a box that hides less than this shows its shadow short of its edge, and hides
less than a letter."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


@pytest.fixture(scope="module")
def ranking(tmp_path_factory) -> Path:
    """The overview drawn from the official workbook: its ranking has a row for each of 193 countries."""
    book = require_workbook()
    from ocdata.report import run_reports

    out = tmp_path_factory.mktemp("overview")
    assert run_reports(overview=True, edition=2023, workbook=book, out=out, progress=False) == 0
    return out / "overview_2023.html"


def pages(kind: str) -> list[Path]:
    """The rendered pages of ``kind``: from the bundled documents, and with the workbook (when there is one) a
    profile among all countries and the comparison of a whole region."""
    folders = [folder for name, folder in rendered_reports().items() if name != "hostile"]
    found = [p for folder in folders for p in sorted(folder.glob("*.html")) if re.fullmatch(KINDS[kind], p.stem)]
    assert found, f"no {kind} page was rendered"
    return found


def opened(browser, path: Path, width: int):
    """A page showing ``path`` in a window ``width`` px wide (and a phone's or a desktop's height), offline."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": 844 if width < 600 else 900})
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    return context, page


WIDER = """() => Array.from(document.querySelectorAll('main table')).flatMap((table, k) => {
  const box = table.parentElement, header = Array.from(table.querySelectorAll('thead th')).map(th => th.textContent);
  const wide = table.getBoundingClientRect().width, room = box.clientWidth;
  return wide > room + 1 || box.scrollWidth > box.clientWidth + 1
    ? [`table ${k + 1} (${header.slice(0, 3).join(', ')}…) ${Math.round(wide)} px in a box of ${room} px`] : [];
})"""
"""Each table wider than the box it sits in (so that some of its columns are out of sight)."""


def tables_wider_than_their_box(browser, path: Path, width: int) -> list[str]:
    context, page = opened(browser, path, width)
    try:
        return page.evaluate(WIDER)
    finally:
        context.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_table_is_wider_than_its_box_on_a_desktop(browser, kind):
    problems = [f"{p.name}: {found}" for p in pages(kind) if (found := tables_wider_than_their_box(browser, p,
                                                                                                   DESKTOP))]
    assert not problems, "\n".join(problems)


def test_the_ranking_of_every_country_fits_a_desktop_and_scrolls_in_a_box_of_its_own(browser, ranking):
    context, page = opened(browser, ranking, DESKTOP)
    try:
        wider = page.evaluate(WIDER)
        found = page.evaluate("""() => {
          const table = Array.from(document.querySelectorAll('main table')).find(t => t.tBodies[0].rows.length >= 193);
          if (!table) return null;
          const box = table.parentElement.getBoundingClientRect();
          const heads = Array.from(table.querySelectorAll('thead th'));
          return {columns: heads.length, outside: heads.filter(th => th.getBoundingClientRect().right > box.right + 1)
                    .map(th => th.textContent), height: box.height, window: window.innerHeight};
        }""")
    finally:
        context.close()
    assert found is not None, "the overview has a ranking of all 193 countries"
    assert found["columns"] >= 10 and not found["outside"], f"every column in sight: {found['outside']}"
    assert not wider, wider
    assert found["height"] <= found["window"], "a box no taller than the window: its bottom is in reach"


BOXES = """(HIDDEN) => {
  const boxes = new Set();
  for (const el of document.querySelectorAll('main table, main figure > svg, main figure > img')) {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) {
        if (a.scrollWidth >= a.clientWidth + HIDDEN) boxes.add(a);
        break;
      }
    }
  }
  return Array.from(boxes).map((box, k) => {
    box.dataset.screenBox = String(k);
    const first = box.querySelector('tbody td:first-child'), body = box.querySelector('tbody');
    const top = body ? Math.max(0, Math.ceil(body.getBoundingClientRect().top - box.getBoundingClientRect().top)) : 0;
    return {k, what: body ? 'table' : 'figure', width: box.clientWidth, top,
            sticky: !!first && getComputedStyle(first).position === 'sticky'};
  });
}"""
"""Each scroll box whose table or figure is wider than it (by ``HIDDEN`` px or more), marked so that the test can
find it again; ``top``: where a table's rows begin in it (a header that stays as the rows scroll under it is
opaque, so the shadows show along the rows)."""


def edges(page, box: dict) -> tuple[int, int]:
    """The lightest grey (0-255) of a strip 3 px wide just inside the left and the right edge of ``box``, from
    its rows' top to its bottom."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.locator(f'[data-screen-box="{box["k"]}"]').screenshot())).convert("L")
    top, bottom = box["top"] + 2, shot.height - 2  # a row at each end blends the box's edge with the page
    return (shot.crop((1, top, 4, bottom)).getextrema()[1],
            shot.crop((box["width"] - 4, top, box["width"] - 1, bottom)).getextrema()[1])


def unmarked(browser, path: Path) -> list[str]:
    """What in ``path``, on a phone, is wider than its box without showing it: at the start a clean left edge
    and a shadowed right one, scrolled to the end a clean right edge and a shadowed (or stuck) left one."""
    context, page = opened(browser, path, PHONE)
    problems = []
    try:
        for box in page.evaluate(BOXES, HIDDEN):
            k, name = box["k"], f"{box['what']} box {box['k'] + 1}"
            left, right = edges(page, box)
            if not (left >= CLEAN and right < SHADOW):
                problems.append(f"{name} at its start: left edge {left}, right edge {right}")
            page.evaluate(f"() => {{ const b = document.querySelector('[data-screen-box=\"{k}\"]');"
                          " b.scrollLeft = b.scrollWidth; }")
            left, right = edges(page, box)
            if not ((left < SHADOW or box["sticky"]) and right >= CLEAN):
                problems.append(f"{name} at its end: left edge {left}, right edge {right}")
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_table_or_figure_wider_than_a_phone_shows_that_it_scrolls(browser, kind):
    problems = [f"{p.name}: {found}" for p in pages(kind) if (found := unmarked(browser, p))]
    assert not problems, "\n".join(problems)


def test_the_ranking_on_a_phone_shows_that_it_scrolls_and_keeps_its_first_column(browser, ranking):
    context, page = opened(browser, ranking, PHONE)
    try:
        boxes = [b for b in page.evaluate(BOXES, HIDDEN) if b["what"] == "table" and b["sticky"]]
    finally:
        context.close()
    assert boxes, "the ranking is wider than a phone and its first column stays"
    assert not unmarked(browser, ranking)


TEXT = """() => Array.from(document.querySelectorAll('main svg')).flatMap(svg => {
  const box = svg.viewBox && svg.viewBox.baseVal, shown = svg.getBoundingClientRect();
  const scale = box && box.width ? shown.width / box.width : 1;
  return Array.from(svg.querySelectorAll('text')).map(t => ({
    text: t.textContent.slice(0, 30), height: t.getBoundingClientRect().height,
    size: parseFloat(getComputedStyle(t).fontSize) * scale}))
    .filter(t => t.height > 0);
})"""
"""Each text of an SVG as shown: the height of its box, and its font size times the scale the page draws it at."""
PICTURES = """() => Array.from(document.querySelectorAll('main figure > img')).map(i =>
  ({shown: i.getBoundingClientRect().width, own: i.naturalWidth}))"""


def chart_text(browser, path: Path) -> tuple[list[dict], list[dict]]:
    context, page = opened(browser, path, PHONE)
    try:
        return page.evaluate(TEXT), page.evaluate(PICTURES)
    finally:
        context.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_chart_text_is_at_least_ten_px_on_a_phone(browser, kind):
    problems, texts, pictures = [], 0, 0
    for path in pages(kind):
        found, shown = chart_text(browser, path)
        texts, pictures = texts + len(found), pictures + len(shown)
        small = [t for t in found if t["height"] < LEAST or t["size"] < LEAST - 0.01]
        if small:
            problems.append(f"{path.name}: {len(small)} of {len(found)} texts under {LEAST} px, e.g. {small[:3]}")
        shrunk = [p for p in shown if p["shown"] < p["own"] - 0.5]
        if shrunk:
            problems.append(f"{path.name}: pictures shrunk below their own size (their text with them): {shrunk[:3]}")
    assert texts if kind in CHARTED else pictures, f"the {kind} pages have charts to measure"
    assert not problems, "\n".join(problems)


def test_the_overview_of_every_country_has_readable_charts_on_a_phone(browser, ranking):
    found, _ = chart_text(browser, ranking)
    assert found and min(min(t["height"], t["size"]) for t in found) >= LEAST - 0.01
