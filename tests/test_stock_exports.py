"""The notebooks with stock tools: a report run with plain papermill and exported with stock
``jupyter nbconvert --to html`` (with and without ``--no-input``) looks like the report, and the explorer
executed and exported by stock nbconvert shows its default selection offline. No page's prose shows a
backtick or a doubled bracket, and the overview's words about its maps match the maps it shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pandas as pd
import pytest
from corpus import known_raw
from report_fixtures import CHROMIUM, CHROMIUM_ARGS, bundled, rendered_reports, sync_playwright_or_skip, workbook_path

from ocdata import charts, plots, views
from ocdata.paths import PROJECT_DIR
from ocdata.views.html import SCOPED_RULES, code_spans, figure_html, scoped_style

NOTEBOOKS = PROJECT_DIR / "notebooks"
REPORTS = ("compare", "country_profile", "overview", "robustness")
"""The report notebooks with an introduction for readers of the notebook only (tagged ``remove-cell``)."""
BIN = Path(sys.executable).parent
WIDTHS = (1280, 390)
NBCONVERT_WARNINGS = ("Alternative text is missing", "not able to be represented", "UserWarning")
PROSE = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll("pre, code, script, style, .highlight, .jp-InputArea").forEach(e => e.remove());
    document.documentElement.appendChild(copy);  // innerText needs a rendered element
    const text = copy.innerText;
    copy.remove();
    return text;
}"""
"""The page's text as a reader sees it, without code (code may hold backticks and ``[[``)."""


# --- the fragments, on their own ------------------------------------------------------------------


def test_each_output_carries_the_minimal_style_of_the_classes_it_uses():
    shown = views.headline_html(bundled(), "KGZ", 2025)._repr_html_()
    style = shown[:shown.index("</style>")]
    assert style.startswith("<style>") and shown.count("<style>") == 1
    used = {"oc-cards", "oc-card", "oc-note"}
    assert all((rule in style) == (name in used) for name, rule in SCOPED_RULES)
    assert ":where(.oc-card){border:1px solid" in style  # a card has a border wherever it is shown
    selectors = re.findall(r"([^{}]+)\{", style.removeprefix("<style>"))
    assert all(s.startswith((":where(", "@media")) for s in selectors), selectors  # no weight: a page's CSS wins
    assert scoped_style("<p>plain</p>") == "" and views.Html("")._repr_html_() == ""
    assert str(views.note_html("x")) == '<p class="oc-note">x</p>'  # the fragment itself stays bare


def test_spans_in_backticks_show_as_code_and_text_stays_escaped():
    assert code_spans("run `ocdata download` <now>") == "run <code>ocdata download</code> &lt;now&gt;"
    assert str(views.note_html("a `b` c")) == '<p class="oc-note">a <code>b</code> c</p>'
    assert "`" not in views.section_html("T", "see `x`") and "<code>x</code>" in views.section_html("T", "see `x`")


def test_narrative_citations_read_number_and_line():
    table = pd.DataFrame([{"section": "S", "pillar": "p", "indicator": "i", "text": "Some text.",
                           "source": "doc", "line": 103}])
    assert "[1, line 103]" in views.narrative_html(table, {"doc": "[1]"})
    assert "[doc, line 103]" in views.narrative_html(table)
    assert "[[" not in views.narrative_html(table, {"doc": "[1]"})


def test_figures_are_inline_svg_with_alternative_text_scaled_to_the_page(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    headline = views.headline(bundled(), "KGZ", 2025)
    plots.show(charts.pillar_bars(headline, title="pillars"), alt="KGZ's pillars")
    plots.show(plots.pillar_bars(headline), alt="KGZ's pillars, matplotlib")
    for ((bundle,), options), alt in zip(shown, ("KGZ's pillars", "KGZ's pillars, matplotlib"), strict=True):
        assert options == {"raw": True} and bundle["text/plain"] == alt
        html = bundle["text/html"]
        assert "<img" not in html and f'<svg class="oc-svg" role="img" aria-label="{alt.replace(chr(39), "&#x27;")}"' \
            in html
        assert ":where(.oc-figure svg,.oc-figure img){display:block;max-width:100%;height:auto}" in html
        assert bundle["image/svg+xml"].strip() in html  # the same SVG, inline
    assert figure_html("<?xml version='1.0'?>\n<svg class=\"oc-svg\"></svg>").count("<?xml") == 0


def test_the_published_table_is_also_a_link_that_carries_it(monkeypatch):
    import IPython.display

    published = []
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data, metadata: published.append(data))
    views.export_table(pd.DataFrame({"indicator": ["a"], "score": [4.5], "note": ["=1+1"]}))
    (data,) = published
    csv = data["text/csv"]
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]*)" download="table.csv"', data["text/html"])
    assert href and unquote(href.group(1)) == csv and "'=1+1" in csv
    assert data["text/plain"] == "The table as CSV (1 row)"


def test_introductions_are_skipped_by_nbconvert_templates_with_no_options():
    for name in REPORTS:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        intros = [c for c in nb.cells if "remove-cell" in c.metadata.get("tags", [])]
        assert len(intros) == 1, name
        assert intros[0].metadata.get("transient") == {"remove_source": True}, name  # nbconvert's base template
        assert 'transient={"remove_source": true}' in (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")


# --- stock papermill and nbconvert ----------------------------------------------------------------


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def stock_env(tmp_path_factory) -> dict[str, str]:
    """The environment of the stock tools: the documents these tests know, no workbook."""
    raw = known_raw(tmp_path_factory.mktemp("stock") / "raw")
    return {**os.environ, "OCDATA_RAW": str(raw), "PYTHONWARNINGS": "default"}


@pytest.fixture(scope="module")
def stock_profile(tmp_path_factory, stock_env) -> dict[str, Path]:
    """The Kyrgyz profile of 2025, run with plain papermill and exported with stock nbconvert, with and without
    the code: the two pages, and nbconvert's messages for each."""
    folder = tmp_path_factory.mktemp("profile")
    _run([str(BIN / "papermill"), str(NOTEBOOKS / "country_profile.ipynb"), "profile.ipynb", "-p", "country", "KGZ",
          "-p", "edition", "2025", "--no-progress-bar"], folder, stock_env)
    pages = {}
    for name, extra in (("profile", []), ("profile_no_input", ["--no-input"])):
        done = _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", *extra, "profile.ipynb", "--output", name],
                    folder, stock_env)
        (folder / f"{name}.log").write_text(done.stderr)
        pages[name] = folder / f"{name}.html"
    return pages


@pytest.mark.slow
def test_a_stock_export_warns_nothing_and_leaves_the_introduction_out(stock_profile):
    intro = nbformat.read(NOTEBOOKS / "country_profile.ipynb", as_version=4).cells[0]
    sentence = max(intro.source.split("\n"), key=len).split(":")[0]  # the longest line's start
    for name, page in stock_profile.items():
        log = page.with_suffix(".log").read_text()
        assert not [w for w in NBCONVERT_WARNINGS if w in log], (name, log)
        html = page.read_text(encoding="utf-8")
        assert sentence not in html and "<h1" in html
        assert not re.search(r"<img(?![^>]*\balt=)", html)  # every image has alternative text
        assert html.count('class="oc-card"') == 4
        assert len(re.findall(r'<svg\b[^>]*\brole="img"', html)) >= 3  # (nbconvert reorders the attributes)


def _open_offline(browser, path: Path, width: int) -> tuple:
    """``path`` in a page ``width`` px wide with every request beyond files refused: the page and what it asked
    for."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    refused: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return page, refused


CARD = """() => {
    const card = document.querySelector(".oc-card"), value = card.querySelector(".oc-value");
    const style = getComputedStyle(card), cards = getComputedStyle(card.parentElement);
    return {border: style.borderTopStyle + " " + style.borderTopWidth, padding: style.paddingLeft,
            layout: cards.display, value: parseFloat(getComputedStyle(value).fontSize),
            body: parseFloat(getComputedStyle(document.body).fontSize)};
}"""
FIGURES = """() => Array.from(document.querySelectorAll("figure.oc-figure > svg")).map(svg => ({
    shown: svg.getBoundingClientRect().width, room: svg.parentElement.getBoundingClientRect().width,
    drawn: svg.width.baseVal.value, label: svg.getAttribute("aria-label")}))"""


@pytest.mark.slow
@pytest.mark.browser
def test_a_stock_export_shows_styled_cards_and_figures_that_fit(stock_profile, tmp_path):
    with sync_playwright_or_skip()() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, path in stock_profile.items():
                for width in WIDTHS:
                    page, _ = _open_offline(browser, path, width)
                    card = page.evaluate(CARD)
                    assert card["border"] == "solid 1px" and card["padding"] != "0px" and card["layout"] == "flex"
                    assert card["value"] > 1.4 * card["body"]
                    figures = page.evaluate(FIGURES)
                    assert len(figures) >= 3 and all(f["label"] for f in figures)
                    assert all(f["shown"] <= f["room"] + 0.5 for f in figures), figures  # scaled to the page
                    if width == 390:
                        assert any(f["shown"] < f["drawn"] for f in figures)  # wide figures shrink
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
                    text = page.evaluate(PROSE)
                    assert "`" not in text and "[[" not in text and "Kyrgyzstan (KGZ)" in text
                    page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
                    page.close()
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_explorer_exported_by_stock_nbconvert_shows_its_default_selection_offline(tmp_path, stock_env):
    sync_playwright = sync_playwright_or_skip()
    notebook = tmp_path / "explorer.ipynb"
    notebook.write_bytes((NOTEBOOKS / "explorer.ipynb").read_bytes())
    done = _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--execute", "explorer.ipynb"], tmp_path,
                stock_env)
    assert not [w for w in NBCONVERT_WARNINGS if w in done.stderr], done.stderr
    html = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in html  # nbconvert stored the widgets' state
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width in WIDTHS:
                page, refused = _open_offline(browser, tmp_path / "explorer.html", width)
                assert refused  # the page asks the network for the widgets' scripts, and gets nothing
                static = page.locator(".oc-explorer-static")
                assert static.is_visible()
                text = static.inner_text()
                assert "Kyrgyzstan" in text and "2025" in text and "Kyrgyzstan within" in text
                assert page.locator(".oc-explorer-static figure.oc-figure > svg").count() == 3
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                prose = page.evaluate(PROSE)
                assert "`" not in prose and "[[" not in prose
                page.screenshot(path=str(tmp_path / f"explorer-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()


# --- every page ocdata renders --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    """Every page of ``ocdata report --all`` (the bundled documents, no workbook) and, with the official workbook,
    the pages the report tests render with it and the overview of all countries."""
    folders = list(rendered_reports().values())
    book = workbook_path()
    if book is not None:
        from ocdata.report import run_reports

        out = tmp_path_factory.mktemp("overview")
        assert run_reports(overview=True, edition=2023, workbook=book, out=out, jobs=1, progress=False) == 0
        folders.append(out)
    return [page for folder in folders for page in sorted(folder.glob("*.html"))]


@pytest.mark.slow
@pytest.mark.browser
def test_no_page_shows_a_backtick_or_a_doubled_bracket(pages):
    sync_playwright = sync_playwright_or_skip()
    assert any(p.name.startswith("overview") for p in pages) and any(p.name.startswith("KGZ") for p in pages)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            found = []
            for path in pages:
                page, _ = _open_offline(browser, path, 1280)
                text = page.evaluate(PROSE)
                found += [f"{path.parent.name}/{path.name}: {line[:120]}" for line in text.split("\n")
                          if "`" in line or "[[" in line]
                page.close()
            assert not found, found
        finally:
            browser.close()


@pytest.mark.slow
def test_the_overview_speaks_of_the_maps_it_shows(pages):
    overviews = [p for p in pages if p.name.startswith("overview")]
    assert overviews
    for path in overviews:
        html = path.read_text(encoding="utf-8")
        maps = html.count('<figure class="oc-map"')
        lead = re.search(r"<h2[^>]*>Maps</h2>.*?<p>(.*?)</p>", html, re.DOTALL)
        assert lead, path
        assert maps in (1, 2) and ("both" in lead.group(1)) == (maps == 2), (path, maps, lead.group(1))
        assert ("first map" in lead.group(1)) == (maps == 2)
