"""Export an executed notebook to one self-contained, offline HTML page (nbconvert, our slim template).

A notebook publishes its main table as CSV with a ``text/csv`` output whose metadata says
``{"ocdata": {"export": "csv"}}`` (:func:`ocdata.views.export_table`): the page shows a link to
``NAME.csv`` in its place, and the text comes back in :attr:`Page.csv` for the worker to write.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ocdata.render.page import outline_page
from ocdata.templating import CSP, TEMPLATE_DIR

if TYPE_CHECKING:
    import nbformat

TEMPLATE_NAME = "ocdata_report"
INJECTED_CELL_ID = "injected-parameters"
"""The fixed id of the cell of injected parameters (papermill's is random), so pages are byte-identical."""
CSV_MIME = "text/csv"
_VOLATILE_CELL_METADATA = ("papermill", "execution")


@dataclass(frozen=True)
class Page:
    """A report's HTML and the text of its main table as CSV (``""`` when the notebook published none)."""

    html: str
    csv: str = ""


MACHINE_PARAMETERS = ("workbook", "tables")
"""Parameters whose values are paths on the machine that rendered a report: never shown on a page."""


def normalize_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run or from machine to machine: papermill's random id of the injected
    cell, its lines giving paths (``workbook``, ``tables``), timings."""
    for cell in nb.cells:
        if INJECTED_CELL_ID in cell.get("metadata", {}).get("tags", []):
            cell["id"] = INJECTED_CELL_ID
            cell["source"] = "\n".join(line for line in cell.get("source", "").split("\n")
                                       if line.split("=", 1)[0].strip() not in MACHINE_PARAMETERS)
            if all(not line.strip() or line.lstrip().startswith("#") for line in cell["source"].split("\n")):
                cell.setdefault("metadata", {}).setdefault("tags", []).append("remove-cell")  # nothing to show
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    nb.metadata.pop("papermill", None)
    return nb


def is_csv_export(output: dict) -> bool:
    """Whether ``output`` is a table published for download (see the module's docstring)."""
    meta = output.get("metadata", {}).get("ocdata", {})
    return CSV_MIME in output.get("data", {}) and isinstance(meta, dict) and meta.get("export") == "csv"


def _download_link(name: str) -> dict:
    from nbformat.v4 import new_output

    link = f'<p class="oc-download"><a href="{name}.csv" download>Download this table as CSV</a></p>'
    return new_output("display_data", data={"text/html": link, "text/plain": "Download this table as CSV"})


def prepare_outputs(nb: nbformat.NotebookNode, name: str = "") -> str:
    """Keep stderr and errors out of the page, and swap the published CSV for a link to ``NAME.csv`` (no
    link without a ``name``); the CSV text. A report publishes at most one table."""
    tables: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error" or (kind == "stream" and out.get("name") == "stderr"):
                continue
            if kind in ("display_data", "execute_result") and is_csv_export(out):
                text = out["data"][CSV_MIME]
                tables.append("".join(text) if isinstance(text, list) else str(text))
                if name:
                    kept.append(_download_link(name))
                continue
            kept.append(out)
        cell["outputs"] = kept
    if len(tables) > 1:
        raise ValueError(f"a report publishes one main table as CSV, found {len(tables)}")
    return tables[0] if tables else ""


_URL_ESCAPES = str.maketrans({"%": "%25", "&": "%26", '"': "%22", "#": "%23", "<": "%3C", ">": "%3E",
                              "\n": "%0A", "\r": "%0D", "\t": "%09"})


def svg_data_url(svg: str | list[str]) -> str:
    """SVG text percent-encoded for ``data:image/svg+xml,...`` inside a double-quoted attribute (a quarter
    smaller than base64)."""
    text = "".join(svg) if isinstance(svg, list) else str(svg)
    return text.strip().translate(_URL_ESCAPES)


_OURS = re.compile(r'\A<svg class="oc-svg" role="img" aria-label="[^"<>]+"')
_ACTIVE = re.compile(r"<script|<foreignObject|<iframe|<object|<embed|\son\w+\s*=|javascript:|<a\b|href=\"(?!#)",
                     re.IGNORECASE)


def inline_svg(svg: str | list[str]) -> str:
    """A figure's SVG to place inline in the page (smaller than a data URL and its text selectable), or ``""``:
    only the SVG :func:`ocdata.plots.to_svg` and :meth:`ocdata.charts.Chart.svg` write (their class,
    ``role="img"``, an accessible name, ids prefixed per figure) and nothing in it that could run or link
    out; anything else stays an ``<img>``."""
    text = ("".join(svg) if isinstance(svg, list) else str(svg)).strip()
    return text if _OURS.match(text) and not _ACTIVE.search(text) else ""


@cache
def code_css() -> str:
    """Pygments' stylesheet for highlighted code (pages that show code only)."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def _exporter_class():
    """nbconvert's HTML exporter without its last pass (BeautifulSoup re-reads the page to add ``alt`` and
    ``tabindex``; our template writes both)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class SlimHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type",
                                 WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                       resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return SlimHTMLExporter


class HtmlWriter:
    """nbconvert's HTML export with our offline template; one instance serves many notebooks."""

    def __init__(self) -> None:
        self._exporters: dict[bool, Any] = {}
        self._cls = _exporter_class()

    def exporter(self, with_code: bool):
        """The configured nbconvert exporter (made on first use)."""
        if with_code not in self._exporters:
            from nbconvert.preprocessors import CoalesceStreamsPreprocessor, TagRemovePreprocessor

            exporter = self._cls(
                template_name=TEMPLATE_NAME,
                extra_template_basedirs=[str(TEMPLATE_DIR)],
                exclude_input=not with_code,
                exclude_input_prompt=True,
                exclude_output_prompt=True,
                exclude_anchor_links=True,
                optimistic_validation=True,  # validate once, after every preprocessor, not after each
            )
            exporter.register_filter("ocdata_outline", outline_page)
            exporter.register_filter("ocdata_svg_url", svg_data_url)
            exporter.register_filter("ocdata_svg_inline", inline_svg)
            remove = TagRemovePreprocessor(
                remove_cell_tags={"remove-cell"} | (set() if with_code else {"parameters", INJECTED_CELL_ID}),
                enabled=True,
            )
            exporter.register_preprocessor(remove, enabled=True)
            # a cell's prints come as one stream output or several, as the kernel happened to flush them (a busy
            # machine splits them): merged, the page is the same bytes either way
            exporter.register_preprocessor(CoalesceStreamsPreprocessor(enabled=True), enabled=True)
            self._exporters[with_code] = exporter
        return self._exporters[with_code]

    def page(self, nb: nbformat.NotebookNode, *, title: str = "", with_code: bool = False, name: str = "",
             copy_first: bool = True) -> Page:
        """The page of an executed notebook and its published CSV; ``name`` is the report's file stem (the
        page links ``NAME.csv``); ``copy_first=False`` changes ``nb`` in place (it is not used again)."""
        if copy_first:
            nb = copy.deepcopy(nb)
        normalize_notebook(nb)
        csv = prepare_outputs(nb, name)
        if title:
            nb.metadata["title"] = title
        resources = {"metadata": {"name": title}, "ocdata_csp": CSP, "ocdata_title": title,
                     "ocdata_code_css": code_css() if with_code else ""}
        body, _ = self.exporter(with_code).from_notebook_node(nb, resources=resources)
        return Page(body, csv)

    def export(self, nb: nbformat.NotebookNode, *, title: str = "", with_code: bool = False) -> str:
        """HTML for an executed notebook: stderr streams and error outputs never reach a report."""
        return self.page(nb, title=title, with_code=with_code).html


def load_notebook(path) -> nbformat.NotebookNode:
    """Read a notebook (``.ipynb``) as nbformat v4."""
    import nbformat

    return nbformat.read(str(path), as_version=4)
