"""The researchers' notebook (``tests/notebooks/researcher.ipynb``): every line of the README's "For researchers"
section run with the library, its answer checked against the official workbook read with plain pandas."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from report_fixtures import require_workbook

NOTEBOOK = Path(__file__).parent / "notebooks" / "researcher.ipynb"


def test_the_notebook_is_committed_without_outputs_and_matches_its_script():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].source.startswith('workbook: str = ""')
    script = NOTEBOOK.with_suffix(".py").read_text(encoding="utf-8")
    assert all(c.source in script for c in code), "run jupytext --sync tests/notebooks/researcher.py"


@pytest.mark.slow
def test_every_answer_agrees_with_the_workbook(tmp_path: Path):
    import papermill

    workbook = require_workbook()
    out = tmp_path / "researcher.ipynb"
    nb = papermill.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(tmp_path),
                                    parameters={"workbook": str(workbook)}, progress_bar=False)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a cell did not run"
    last = "".join(o.get("text", "") for o in code[-1].outputs if o.get("output_type") == "stream")
    assert last.strip() == "all answers agree"
