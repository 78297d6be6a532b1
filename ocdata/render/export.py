"""Export an executed notebook to one self-contained, offline HTML page (nbconvert, our template)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ocdata.templating import CSP, TEMPLATE_DIR

if TYPE_CHECKING:
    import nbformat

TEMPLATE_NAME = "ocdata_report"
INJECTED_CELL_ID = "injected-parameters"
_VOLATILE_CELL_METADATA = ("papermill", "execution")


def normalize_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run: papermill's random id of the injected cell, timings."""
    for cell in nb.cells:
        if INJECTED_CELL_ID in cell.get("metadata", {}).get("tags", []):
            cell["id"] = INJECTED_CELL_ID
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    nb.metadata.pop("papermill", None)
    return nb


class HtmlWriter:
    """nbconvert's HTML export with our offline template; one instance serves many notebooks."""

    def __init__(self) -> None:
        from nbconvert import HTMLExporter

        self._exporters: dict[bool, Any] = {}
        self._cls = HTMLExporter

    def exporter(self, with_code: bool):
        """The configured nbconvert exporter (made on first use)."""
        if with_code not in self._exporters:
            from nbconvert.preprocessors import TagRemovePreprocessor

            exporter = self._cls(
                template_name=TEMPLATE_NAME,
                extra_template_basedirs=[str(TEMPLATE_DIR)],
                exclude_input=not with_code,
                exclude_input_prompt=not with_code,
                exclude_output_prompt=True,
                exclude_anchor_links=True,
            )
            remove = TagRemovePreprocessor(
                remove_cell_tags={"remove-cell"} | (set() if with_code else {"parameters", INJECTED_CELL_ID}),
                enabled=True,
            )
            exporter.register_preprocessor(remove, enabled=True)
            self._exporters[with_code] = exporter
        return self._exporters[with_code]

    def export(self, nb: nbformat.NotebookNode, *, title: str = "", with_code: bool = False) -> str:
        """HTML for an executed notebook: stderr streams and error outputs never reach a report."""
        nb = copy.deepcopy(nb)
        normalize_notebook(nb)
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell["outputs"] = [
                    out
                    for out in cell.get("outputs", [])
                    if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                    and out.get("output_type") != "error"
                ]
        if title:
            nb.metadata["title"] = title
        resources = {"metadata": {"name": title}, "ocdata_csp": CSP}
        body, _ = self.exporter(with_code).from_notebook_node(nb, resources=resources)
        return body


def load_notebook(path) -> nbformat.NotebookNode:
    """Read a notebook (``.ipynb``) as nbformat v4."""
    import nbformat

    return nbformat.read(str(path), as_version=4)
