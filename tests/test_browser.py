"""Every rendered report in headless Chromium, offline: it loads without console errors or requests
beyond its own file, every figure renders, and no document text runs as script."""

import re
from pathlib import Path

import pytest
from report_fixtures import rendered_reports

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


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
        "() => Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,"
        " alt: i.alt, width: i.naturalWidth}))"
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
        figures = path.read_text(encoding="utf-8").count('src="data:image/')
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
        elif not path.name.startswith("tutorial") and not re.search(r"\bcompare_", path.name) and figures < 3:
            problems.append(f"{path.name}: expected at least 3 figures, found {figures}")
    assert not problems, "\n".join(problems)
