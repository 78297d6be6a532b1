"""Keep each notebook's ``.ipynb`` in step with its jupytext ``.py`` pair."""

from __future__ import annotations

from pathlib import Path


def sync_notebooks(folder: Path | None = None) -> list[Path]:
    """Write each ``*.py`` (jupytext percent format) of ``folder`` (default: the notebooks, lessons included)
    as its paired ``.ipynb``: no outputs, cell ids numbered in order (``cell-00``, ...) so the rendered HTML does
    not change between syncs."""
    import jupytext

    from ocdata.paths import notebooks_dir

    folder = Path(folder) if folder is not None else notebooks_dir()
    written = []
    for source in sorted([*folder.glob("*.py"), *folder.glob("lessons/*.py")]):
        nb = jupytext.read(source)
        for index, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{index:02d}"
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
        target = source.with_suffix(".ipynb")
        jupytext.write(nb, target, fmt="ipynb")
        written.append(target)
    return written
