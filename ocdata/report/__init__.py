"""``ocdata report``: the kinds of report (:mod:`~ocdata.report.registry`, from ``reports.yaml``), planning
a batch (:mod:`~ocdata.report.plan`), where it may write (:mod:`~ocdata.report.outdir`), how many kernels
(:mod:`~ocdata.report.capacity`), the folder's index (:mod:`~ocdata.report.index`) and the command
(:mod:`~ocdata.report.command`). Rendering itself is :mod:`ocdata.render`.
"""

from ocdata.render.pool import WorkerPool
from ocdata.report.capacity import available_memory, cap_jobs, default_jobs
from ocdata.report.command import choose_workbook, run_reports, validate_workbook, warmup_code
from ocdata.report.index import index_html, write_index
from ocdata.report.outdir import check_out_dir, check_writable, read_index
from ocdata.report.plan import MAX_COMPARE, MAX_NAMED, Planned, Planner, compare_name, plan_reports
from ocdata.report.registry import ReportKind, report_kind, report_kinds

__all__ = ["MAX_COMPARE", "MAX_NAMED", "Planned", "Planner", "ReportKind", "WorkerPool", "available_memory",
           "cap_jobs", "check_out_dir", "check_writable", "choose_workbook", "compare_name", "default_jobs",
           "index_html", "plan_reports", "read_index", "report_kind", "report_kinds", "run_reports",
           "validate_workbook", "warmup_code", "write_index"]
