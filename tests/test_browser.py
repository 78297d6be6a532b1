"""Every rendered report in headless Chromium, offline: it loads without console errors or requests
beyond its own file, every figure renders, no document text runs as script; at 390 and 1280 px wide nothing
is wider than the screen outside a scroll box, and printed every figure stays inside the page."""

import re
from pathlib import Path

import pytest
from report_fixtures import chromium_browser, rendered_reports

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def open_offline(browser, path: Path) -> dict:
    """Load ``path`` with every non-file request refused; what the page logged, asked for and shows."""
    context = browser.new_context(offline=True)
    refused, errors = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith("file://") or url.startswith("data:"):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri(), wait_until="load")
    images = page.evaluate(
        "() => Array.from(document.querySelectorAll('figure.oc-figure > img, figure.oc-figure > svg')).map(i =>"
        " i.tagName === 'IMG' ? {ok: i.complete && i.naturalWidth > 0, alt: i.alt, width: i.naturalWidth}"
        " : {ok: i.getBoundingClientRect().width > 0 && i.getBoundingClientRect().height > 0"
        " && i.getAttribute('role') === 'img' && !!i.getAttribute('aria-label'),"
        " alt: i.getAttribute('aria-label'), width: i.getBoundingClientRect().width})"
    )
    links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
    context.close()
    return {"refused": refused, "errors": errors, "images": images, "links": links, "pwned": pwned}


def test_every_report_loads_offline_and_every_figure_renders(browser):
    pages = [page for folder in rendered_reports().values() for page in sorted(folder.glob("*.html"))]
    assert len(pages) >= 5
    problems = []
    for path in pages:
        seen = open_offline(browser, path)
        figures = len(re.findall(r'<figure class="oc-out oc-figure"[ >]', path.read_text(encoding="utf-8")))
        if seen["refused"]:
            problems.append(f"{path.name}: requests beyond the file: {seen['refused'][:3]}")
        if seen["errors"]:
            problems.append(f"{path.name}: console errors: {seen['errors'][:3]}")
        if len(seen["images"]) != figures:
            problems.append(f"{path.name}: {len(seen['images'])} images shown, {figures} in the file")
        broken = [i for i in seen["images"] if not i["ok"]]
        if broken:
            problems.append(f"{path.name}: figures that did not render: {broken[:3]}")
        if seen["pwned"] is not None:
            problems.append(f"{path.name}: document text ran as script")
        if path.name == "index.html":
            missing = [h for h in seen["links"] if not (path.parent / h).is_file()]
            if missing or not seen["links"]:
                problems.append(f"{path.name}: links to missing reports {missing}")
        elif re.fullmatch(r"[A-Z]{3}_\d{4}\.html", path.name) and figures < 3:  # a country profile
            problems.append(f"{path.name}: expected at least 3 figures, found {figures}")
    assert not problems, "\n".join(problems)


# --- layout: a phone, a desktop, a printed page ---------------------------------------------------

OVERFLOW = """(width) => {
  const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a); if (['auto', 'scroll'].includes(s.overflowX)) return true; } return false; };
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    if (!scrolls(el)) out.push(`${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className}`
                               + ` right=${Math.round(r.right)}`);
  }
  return out;
}"""
"""Elements reaching past ``width`` outside a scroll box (a wide table scrolls in its own; on a phone so does a
chart, at its own size so that its text reads)."""


def report_pages() -> list[Path]:
    """Every rendered report (the index pages aside)."""
    pages = [p for folder in rendered_reports().values() for p in sorted(folder.glob("*.html"))]
    return [p for p in pages if p.name != "index.html"]


def overflowing(browser, path: Path, width: int, media: str = "screen") -> list[str]:
    """What reaches past the right edge of a ``width`` px wide window showing ``path`` as ``media``."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.emulate_media(media=media)
    page.goto(path.as_uri(), wait_until="load")
    found = page.evaluate(OVERFLOW, page.evaluate("() => document.documentElement.clientWidth"))
    context.close()
    return found


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_is_wider_than_the_screen_outside_a_scroll_box(browser, width):
    problems = [f"{p.name}: {found[:4]}" for p in report_pages() if (found := overflowing(browser, p, width))]
    assert not problems, "\n".join(problems)


def test_printed_figures_stay_inside_the_page(browser, tmp_path):
    a4 = 718  # px: A4 (210 mm) less the print stylesheet's 12 mm margins, at 96 px per inch
    problems = []
    for path in report_pages():
        found = [f for f in overflowing(browser, path, a4, media="print") if f.startswith(("img", "svg"))]
        if found:
            problems.append(f"{path.name}: {found[:4]}")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(report_pages()[0].as_uri(), wait_until="load")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"), format="A4")
    context.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert not problems, "\n".join(problems)
