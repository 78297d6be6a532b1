"""What a batch is made of: a report job, its result, and the file it may write."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocdata.errors import ParameterError

_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,120}$")


@dataclass(frozen=True)
class ReportJob:
    """One report to render: a notebook, its parameters, and the stem of the HTML file to write."""

    name: str
    notebook: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    with_code: bool = False

    def outputs(self) -> tuple[str, ...]:
        """Every file this job may write in its folder: its page and its main table as CSV (written only
        when the notebook publishes one, see :data:`~ocdata.render.export.CSV_EXPORT`)."""
        return (f"{self.name}.html", f"{self.name}.csv")


@dataclass(frozen=True)
class RenderResult:
    """What became of one job: ``ok`` with the written ``path``, or the ``error`` that stopped it.

    ``files``: the other files written beside the page (``("KGZ_2025.csv",)``); ``seconds``: the worker's time
    on it (execution and export); ``compute``: the time its cells ran inside the kernel; ``stops_batch``: its
    files could not be written for a reason every later report shares (a full or read-only disk)."""

    name: str
    path: Path
    ok: bool
    error: str = ""
    files: tuple[str, ...] = ()
    seconds: float = 0.0
    compute: float = 0.0
    stops_batch: bool = False


def output_path(out_dir: Path, name: str) -> Path:
    """The HTML file of report ``name`` inside ``out_dir``; refuses names that could leave the folder."""
    if not isinstance(name, str) or not _STEM.fullmatch(name):
        raise ParameterError(f"report name {name!r} is not a plain file stem ([A-Za-z0-9_-])")
    root = Path(out_dir).resolve()
    path = (root / f"{name}.html").resolve()
    if path.parent != root:
        raise ParameterError(f"report {name!r} would be written outside {root}")
    return path


def check_jobs(jobs: Sequence[ReportJob], out_dir: Path) -> None:
    """Refuse names that could leave ``out_dir`` and two jobs writing the same file."""
    for job in jobs:
        output_path(out_dir, job.name)
    names = [job.name for job in jobs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(f"two reports would write the same file: {repeated}")
