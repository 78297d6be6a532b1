"""The reports' page, exported from small executed notebooks (no kernel): offline and script-free, one h1 and
headings in order, a table of contents past three sections, a link back to the index, print and narrow-screen
styles, the published CSV taken out of the page and handed back, identical bytes on a second export."""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from ocdata import render
from ocdata.render.export import Page, svg_data_url
from ocdata.render.jobs import ReportJob
from ocdata.render.page import outline_page
from ocdata.render.pool import write_report
from ocdata.templating import CSP

v4 = nbformat.v4
SVG = "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='300'><text x='1' y='20'>A &amp; B #1</text></svg>"
CSV = "Indicator,2023 score\nHuman trafficking,7.00\n"


def executed(sections: int = 5, *, h4: bool = True, csv: bool = True) -> nbformat.NotebookNode:
    """An executed notebook like a report: a title fragment (h1), ``sections`` markdown h2 sections (the
    first with h4 subsections), a table, a figure, a stderr warning and (``csv``) a published CSV."""
    nb = v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                  "language": "python"}})
    outputs = [v4.new_output("display_data", data={"text/html": "<h1>Kyrgyzstan (KGZ)</h1>", "text/plain": "t"}),
               v4.new_output("stream", name="stderr", text="Pandas4Warning: noise\n")]
    nb.cells = [v4.new_code_cell("views.title()", id="cell-00", execution_count=1, outputs=outputs)]
    for i in range(sections):
        nb.cells.append(v4.new_markdown_cell(f"## Section {i}\n\nText of section {i}.", id=f"md-{i}"))
        if i == 0 and h4:
            nb.cells.append(v4.new_markdown_cell("#### People\n\nA.\n\n#### Trade\n\nB.", id="md-h4"))
    table = ("<table class=\"oc-table\"><thead><tr><th>Indicator</th><th class=\"oc-num\">Score</th></tr></thead>"
             "<tbody><tr><td>Human trafficking</td><td class=\"oc-num\">7.00</td></tr></tbody></table>")
    shown = [v4.new_output("display_data", data={"text/html": table, "text/plain": "table"}),
             v4.new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "Kyrgyzstan's scores"})]
    if csv:
        shown.append(v4.new_output("display_data", data={"text/csv": CSV, "text/plain": "csv"},
                                   metadata={"ocdata": {"export": "csv"}}))
    nb.cells.append(v4.new_code_cell("views.indicator_table()", id="cell-99", execution_count=2, outputs=shown))
    return nb


@cache
def writer() -> render.HtmlWriter:
    """One writer for the module (its exporters are made once)."""
    return render.HtmlWriter()


def page(nb=None, **kwargs) -> Page:
    return writer().page(nb if nb is not None else executed(), name="KGZ_2025", **kwargs)


def headings(html: str) -> list[int]:
    main = html[html.index("<main>"):]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def test_no_script_no_request_and_the_one_csp():
    html = page().html
    assert "<script" not in html.lower()
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "nothing may load from the network"
    assert not re.search(r"https?://", re.sub(r"xmlns(%3D|=)'http://www.w3.org/2000/svg'", "", html))


def test_the_page_is_slim():
    html = page().html
    assert len(html.encode()) < 12_000, len(html.encode())  # the lab template inlined ~260 kB of CSS
    assert "jp-" not in html and "--jp-" not in html


def test_one_h1_headings_in_order_and_a_table_of_contents():
    html = page().html
    levels = headings(html)
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert "<h3>People</h3>" in html and "<h3>Trade</h3>" in html and "<h4" not in html
    toc = re.search(r'<nav class="oc-toc".*?</nav>', html, re.DOTALL)
    assert toc and toc.group(0).count("<li>") == 5
    for anchor in re.findall(r'href="#([^"]+)"', toc.group(0)):
        assert f'<h2 id="{anchor}">' in html
    toc_at = html.index("<nav class=\"oc-toc\"")
    assert html.index("<h1>") < toc_at < html.index("<h2")


@pytest.mark.parametrize("sections", [0, 1, 3])
def test_no_table_of_contents_for_three_sections_or_fewer(sections):
    html = page(executed(sections)).html
    assert "oc-toc" not in html.split("</style>", 1)[1]
    assert headings(html).count(1) == 1


def test_a_page_without_h1_gets_its_title_and_a_second_h1_becomes_h2():
    assert outline_page("<h2>A</h2><h3>b</h3>", "Kyrgyzstan <b>").startswith(
        '<h1 class="oc-page-title">Kyrgyzstan &lt;b&gt;</h1>')
    assert headings("<main>" + outline_page("<h1>A</h1><h1>B</h1><h4>c</h4>")) == [1, 2, 3]


def test_link_back_to_the_index_print_and_narrow_screen_styles():
    html = page().html
    assert '<a href="index.html">' in html and html.index('href="index.html"') < html.index("<main>")
    style = html[html.index("<style>"):html.index("</style>")]
    for rule in ("@media print", "@media (max-width: 600px)", "break-inside: avoid", "max-width: 100%",
                 "height: auto", "overflow-x: auto", "tabular-nums", "break-after: avoid"):
        assert rule in style, rule


def test_code_and_its_highlighting_only_where_the_kind_shows_code():
    without, with_code = page().html, page(with_code=True).html
    assert "views.indicator_table" not in without and ".highlight" not in without
    assert '<span class="n">indicator_table</span>' in with_code and ".highlight .k" in with_code


def test_csv_leaves_the_page_as_a_link_and_comes_back_for_writing():
    result = page()
    assert result.csv == CSV
    assert "Human trafficking,7.00" not in result.html
    assert 'href="KGZ_2025.csv"' in result.html and "Download this table as CSV" in result.html
    assert "oc-download" not in page(executed(csv=False)).html.split("</style>", 1)[1]


def test_two_published_tables_are_refused():
    nb = executed()
    nb.cells[-1].outputs.append(nb.cells[-1].outputs[-1])
    with pytest.raises(ValueError, match="one main table"):
        page(nb)


def test_stderr_never_reaches_the_page_and_figures_keep_their_alt_text():
    html = page().html
    assert "Pandas4Warning" not in html
    assert re.search(re.escape(f'<img src="data:image/svg+xml,{svg_data_url(SVG)}" alt="Kyrgyzstan')
                     + r"(&#39;|&#x27;|')s scores\">", html)


def _with_figure(svg: str) -> str:
    nb = executed()
    nb.cells[-1].outputs[1] = v4.new_output("display_data", data={"image/svg+xml": svg, "text/plain": "A's bars"})
    return page(nb).html


def test_our_figures_sit_inline_with_their_accessible_name():
    from matplotlib.figure import Figure

    from ocdata.plots import to_svg

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().barh([0, 1], [3, 4])
    svg = to_svg(fig, "A's bars")
    html = _with_figure(svg)
    assert svg.strip() in html and 'src="data:image/svg+xml,' not in html
    inline = html[html.index('<figure class="oc-out oc-figure">'):]
    assert re.match(r'<figure class="oc-out oc-figure">\s*<svg class="oc-svg" role="img" '
                    r'aria-label="A(&#x27;|\')s bars"', inline)
    assert re.search(r"<title>A(&#x27;|')s bars</title>", inline)


@pytest.mark.parametrize("extra", ['<script>alert(1)</script>', '<a href="https://example.org/">x</a>',
                                   '<rect onclick="alert(1)"/>', '<foreignObject><p>x</p></foreignObject>'])
def test_figures_that_could_run_or_link_out_stay_images(extra):
    svg = f'<svg class="oc-svg" role="img" aria-label="A" xmlns="http://www.w3.org/2000/svg">{extra}</svg>'
    html = _with_figure(svg)
    assert f'<img src="data:image/svg+xml,{svg_data_url(svg)}"' in html and "<script" not in html
    assert 'class="oc-svg"' not in html.split("<main>", 1)[1].replace(svg_data_url(svg), "")


def test_svg_data_url_escapes_what_an_attribute_or_url_would_misread():
    url = svg_data_url(SVG)
    assert not set(url) & set('"<>#&\n')
    from urllib.parse import unquote

    assert unquote(url) == SVG


def test_the_same_notebook_gives_the_same_bytes():
    assert page().html == page().html
    assert render.HtmlWriter().page(executed(), name="x").html == writer().page(executed(), name="x").html


def test_prints_flushed_as_one_output_or_several_give_the_same_page():
    """A busy kernel may flush a cell's prints as several stream outputs: the page must not depend on it."""
    def printed(*chunks: str) -> nbformat.NotebookNode:
        cell = v4.new_code_cell("print('a'); print('b')")
        cell.outputs = [v4.new_output("stream", name="stdout", text=chunk) for chunk in chunks]
        title = v4.new_markdown_cell("# Title")
        title.id, cell.id = "title", "prints"  # fixed, as the notebooks' own ids are
        return v4.new_notebook(cells=[title, cell])

    once = writer().page(printed("first line\nsecond line\n"), name="x", with_code=True).html
    split = writer().page(printed("first line\n", "second line\n"), name="x", with_code=True).html
    assert once == split and once.count("second line") == 1


def test_the_worker_writes_the_csv_beside_the_page(tmp_path: Path):
    job = ReportJob("KGZ_2025", Path("unused.ipynb"), title="Kyrgyzstan")
    result = write_report(job, tmp_path / "KGZ_2025.html", executed(), writer(), 0.0)
    assert result.ok and result.files == ("KGZ_2025.csv",)
    assert (tmp_path / "KGZ_2025.csv").read_text() == CSV
    assert 'href="KGZ_2025.csv"' in (tmp_path / "KGZ_2025.html").read_text()
    assert set(job.outputs()) == {"KGZ_2025.html", "KGZ_2025.csv"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KGZ_2025.csv", "KGZ_2025.html"]


def test_parameters_are_injected_after_the_parameters_cell():
    from ocdata.errors import ParameterError
    from ocdata.render.kernel import inject_parameters

    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# T"), v4.new_code_cell("country = 'X'", metadata={"tags": ["parameters"]}),
                v4.new_code_cell("print(country)")]
    done = inject_parameters(nb, {"country": "KGZ", "edition": 2025, "codes": ["A", "B"], "flag": None})
    assert done.cells[2].id == "injected-parameters" and "injected-parameters" in done.cells[2].metadata.tags
    namespace: dict = {}
    exec(done.cells[2].source, namespace)
    assert (namespace["country"], namespace["edition"], namespace["codes"], namespace["flag"]) == (
        "KGZ", 2025, ["A", "B"], None)
    assert len(inject_parameters(done, {"country": "KAZ"}).cells) == 4
    with pytest.raises(ParameterError):
        inject_parameters(nb, {"x": float("nan")})
