"""Execute parameterized notebooks on kept kernels and export them to self-contained HTML.

One job per module: :mod:`~ocdata.render.jobs` (what a batch is made of, and where a report may be
written), :mod:`~ocdata.render.kernel` (a kept IPC kernel running notebooks through nbclient),
:mod:`~ocdata.render.export` (nbconvert with the offline template), :mod:`~ocdata.render.pool` (the
worker processes of a batch) and :mod:`~ocdata.render.sync` (notebook pairs). Every report is written
atomically (:mod:`ocdata.outputs.atomic`), so a failure never replaces a good report with half of one.
"""

from ocdata.render.export import INJECTED_CELL_ID, HtmlWriter, load_notebook, normalize_notebook
from ocdata.render.jobs import RenderResult, ReportJob, check_jobs, output_path
from ocdata.render.kernel import KERNEL_PREFIX, KernelSession, stop_kernels_in
from ocdata.render.pool import WorkerPool, render_batch, render_one
from ocdata.render.sync import sync_notebooks

__all__ = ["INJECTED_CELL_ID", "KERNEL_PREFIX", "HtmlWriter", "KernelSession", "RenderResult", "ReportJob",
           "WorkerPool", "check_jobs", "load_notebook", "normalize_notebook", "output_path", "render_batch",
           "render_one", "stop_kernels_in", "sync_notebooks"]
