"""Benchmark rendering a batch of reports three ways, measured in the same run, and print ratios.

1. ours: ``ocdata report`` (papermill on kept IPC kernels, one per job slot, nbconvert export);
2. naive: for each report, the ``papermill`` command line, then ``jupyter nbconvert --to html``;
3. the floor: papermill's Python API executing an empty notebook once per report, serially
   (a kernel started and stopped per report, nothing else).

Amortized cost per report is each way's wall time over the batch size; the floor and ours run
``--repeat`` times, interleaved, and the best of each counts (the naive loop runs once). The targets: ours at most
1.5x the floor, and at least 3x faster than the naive loop, for a batch of at least 12 reports.

    python bench/render_batch.py [--workbook PATH] [--reports N] [--jobs N] [--repeat N]

With the official workbook (default: ``$OCDATA_WORKBOOK`` or ``shared/data`` beside the project) the
batch is the first N country profiles of 2023; without it, the bundled reports (profiles of each
country and edition, the comparisons, the tutorial) repeated to N.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ocdata import views
from ocdata.paths import PROJECT_DIR
from ocdata.report import Planner, default_jobs, report_kind
from ocdata.report.plan import Inputs

DEFAULT_WORKBOOK = Path(os.environ.get("OCDATA_WORKBOOK") or
                        PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx")
BIN = Path(sys.executable).parent


def plan_batch(n: int, workbook: Path | None) -> list:
    """``n`` planned reports: 2023 profiles with the workbook, else the bundled reports repeated."""
    book = str(workbook.resolve()) if workbook else ""
    data = views.load_dataset(book)
    planner = Planner(data, Inputs(workbook=book))
    profile, compare, tutorial = report_kind("profile"), report_kind("compare"), report_kind("tutorial")
    if workbook:
        codes = sorted(c for c in set(data.scores["iso3"]) if 2023 in views.editions_of(data, c))[:n]
        return [planner.country(profile, code, 2023) for code in codes]
    base = [planner.country(profile, code, year) for code in ("KAZ", "KGZ") for year in views.editions_of(data, code)]
    base += [planner.countries(compare, ["KAZ", "KGZ"], year) for year in (2021, 2023)]
    base.append(planner.example(tutorial))
    return [base[i % len(base)] for i in range(n)]


def run_ours(planned: list, workbook: Path | None, jobs: int, out: Path) -> float:
    """Seconds for our renderer, end to end in a fresh process (start-up and data loading included)."""
    names = [p.job.name for p in planned]
    if len(set(names)) == len(names) and workbook:
        codes = [p.job.parameters["country"] for p in planned]
        command = [str(BIN / "ocdata"), "report", *codes, "--edition", "2023", "--workbook", str(workbook),
                   "--jobs", str(jobs), "--out", str(out)]
    else:  # repeated reports need distinct file names: the same planning and renderer, from Python
        specs = [{"name": f"{p.job.name}_{i}", "notebook": str(p.job.notebook), "parameters": p.job.parameters,
                  "with_code": p.job.with_code} for i, p in enumerate(planned)]
        command = [sys.executable, __file__, "--render", json.dumps(specs), "--jobs", str(jobs), "--out", str(out)]
    start = time.perf_counter()
    _run(command)
    return time.perf_counter() - start


def render_specs(specs: list[dict], jobs: int, out: Path) -> None:
    """The renderer on explicit jobs (used by :func:`run_ours` for repeated reports)."""
    from ocdata.render import ReportJob, render_batch
    from ocdata.report import warmup_code

    book = next((s["parameters"].get("workbook", "") for s in specs), "")
    tables = next((s["parameters"].get("tables", "") for s in specs), "")
    views.load_dataset(book, tables)  # what the command does before rendering: load and validate
    batch = [ReportJob(s["name"], Path(s["notebook"]), s["parameters"], with_code=s["with_code"]) for s in specs]
    results = render_batch(batch, out, n_jobs=jobs, progress=False, warmup=warmup_code(book, tables))
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]


def _run(command: list[str]) -> None:
    """Run a command; on failure, show the end of what it printed."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")


def run_naive(planned: list, out: Path) -> float:
    """Seconds for the command lines, one report after the other."""
    start = time.perf_counter()
    for i, plan in enumerate(planned):
        executed = out / f"{plan.job.name}_{i}.ipynb"
        params = json.dumps(plan.job.parameters)  # YAML accepts JSON
        _run([str(BIN / "papermill"), str(plan.job.notebook), str(executed), "-y", params, "--no-progress-bar"])
        _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)])
    return time.perf_counter() - start


def run_floor(n: int, folder: Path) -> float:
    """Seconds for papermill's API to execute an empty notebook ``n`` times, serially."""
    import papermill

    empty = folder / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, empty)
    papermill.execute_notebook(str(empty), None, progress_bar=False)  # warm the disk cache
    start = time.perf_counter()
    for _ in range(n):
        papermill.execute_notebook(str(empty), None, progress_bar=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--reports", type=int, default=16, help="batch size (at least 12)")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--repeat", type=int, default=2, help="runs of the floor and of ours (best is kept)")
    parser.add_argument("--render", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render is not None:
        render_specs(json.loads(args.render), args.jobs, args.out)
        return

    workbook = args.workbook if args.workbook and args.workbook.is_file() else None
    planned = plan_batch(args.reports, workbook)
    n = len(planned)
    what = "2023 country profiles with the official workbook" if workbook else "bundled reports, repeated"
    print(f"batch: {n} reports ({what}); {args.jobs} job(s) on {os.cpu_count()} core(s)")
    root = Path(tempfile.mkdtemp(prefix="ocdata-bench-"))
    try:
        for name in ("ours", "naive"):
            (root / name).mkdir()
        floors, ourses = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine
            floors.append(run_floor(n, root))
            shutil.rmtree(root / "ours")
            ourses.append(run_ours(planned, workbook, args.jobs, root / "ours"))
        floor, ours = min(floors), min(ourses)
        naive = run_naive(planned, root / "naive")
    finally:
        shutil.rmtree(root, ignore_errors=True)

    rows = [("floor: papermill API, empty notebook, serial", floor),
            (f"ours: ocdata report --jobs {args.jobs}", ours),
            ("naive: papermill + jupyter nbconvert command lines", naive)]
    print(f"floor runs: {', '.join(f'{t:.2f}' for t in floors)} s; ours: {', '.join(f'{t:.2f}' for t in ourses)} s")
    print(f"{'':52s} {'total s':>9s} {'per report s':>13s}")
    for label, seconds in rows:
        print(f"{label:52s} {seconds:9.2f} {seconds / n:13.3f}")
    print(f"ours / floor:  {ours / floor:5.2f}  (target: at most 1.5)")
    print(f"naive / ours:  {naive / ours:5.2f}  (target: at least 3)")


if __name__ == "__main__":
    main()
