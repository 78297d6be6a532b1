"""Benchmark a batch of reports against papermill's empty-notebook time, measured in the same run.

1. ours: the batch ``ocdata report --all --edition 2023`` renders (every 2023 profile, the region comparisons,
   the tutorial, with the official workbook; else every bundled report), planned and rendered by the same code
   as the command, in a fresh process (start-up and loading the data included);
2. the floor: papermill's Python API executing an empty notebook, serially (a kernel started and stopped per
   notebook, nothing else), ``--floor-runs`` times.

Printed: per-report wall time of the batch, the same as a ratio to the floor's time per notebook (target: at
most 0.3 with ``--jobs 2``), the time the cells ran in the kernel per report, and the median and largest
report (target: a median under 150 kB). The same figures are written to ``bench/results/render_batch.json``
(``--results-out``), which the documentation shows: the speed it states is the one measured last.

    python bench/render_batch.py [--workbook PATH] [--limit N] [--jobs N] [--floor-runs N] [--results-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ocdata.paths import PROJECT_DIR

RESULTS = Path(__file__).resolve().parent / "results" / "render_batch.json"
DEFAULT_WORKBOOK = Path(os.environ.get("OCDATA_WORKBOOK") or
                        PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx")


def plan(workbook: Path | None, limit: int | None):
    """The batch of ``ocdata report --all`` (``--edition 2023`` with the workbook), the first ``limit``."""
    from ocdata.report.command import load_checked
    from ocdata.report.plan import plan_reports

    books = [str(workbook.resolve())] if workbook else []
    data, tables = load_checked(books, 2023 if workbook else None)
    planned = plan_reports(data, all_=True, edition=2023 if workbook else None, workbook=os.pathsep.join(books),
                           tables=tables, with_code=False)
    return planned[:limit] if limit else planned, os.pathsep.join(books), tables


def render(workbook: Path | None, limit: int | None, jobs: int, out: Path, results: Path) -> None:
    """Plan and render the batch (what the command does, without its index); each result as JSON."""
    from ocdata.render import render_batch
    from ocdata.report import warmup_code

    planned, book, tables = plan(workbook, limit)
    done = render_batch([p.job for p in planned], out, n_jobs=jobs, progress=False, warmup=warmup_code(book, tables))
    failed = [f"{r.name}: {r.error}" for r in done if not r.ok]
    assert not failed, failed
    results.write_text(json.dumps([{"name": r.name, "seconds": r.seconds, "compute": r.compute,
                                    "bytes": r.path.stat().st_size, "files": list(r.files)} for r in done]))


def run_ours(workbook: Path | None, limit: int | None, jobs: int, root: Path) -> tuple[float, list[dict]]:
    """Seconds for the batch in a fresh process, and each report's result."""
    results = root / "results.json"
    command = [sys.executable, __file__, "--render", "--jobs", str(jobs), "--out", str(root / "ours"),
               "--results", str(results), "--workbook", str(workbook or "")]
    if limit:
        command += ["--limit", str(limit)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads(results.read_text())


def run_floor(runs: int, folder: Path) -> float:
    """Seconds per notebook for papermill's API executing an empty notebook, serially."""
    import nbformat
    import papermill

    empty = folder / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, empty)
    papermill.execute_notebook(str(empty), None, progress_bar=False)  # warm the disk cache
    start = time.perf_counter()
    for _ in range(runs):
        papermill.execute_notebook(str(empty), None, progress_bar=False)
    return (time.perf_counter() - start) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--limit", type=int, default=None, help="only the first N reports of the batch")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--floor-runs", type=int, default=10, help="empty notebooks run for the floor")
    parser.add_argument("--results-out", type=Path, default=None,
                        help="where to write the figures as JSON (default: bench/results/render_batch.json for a "
                             "whole batch, nowhere with --limit)")
    parser.add_argument("--render", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workbook = args.workbook if args.workbook and args.workbook.is_file() else None
    if args.render:
        render(workbook, args.limit, args.jobs, args.out, args.results)
        return

    with tempfile.TemporaryDirectory(prefix="ocdata-bench-") as folder:
        root = Path(folder)
        floor = run_floor(args.floor_runs, root)
        ours, results = run_ours(workbook, args.limit, args.jobs, root)
        floor = min(floor, run_floor(args.floor_runs, root))  # before and after: the better of the two
    n = len(results)
    sizes = sorted(r["bytes"] for r in results)
    largest = max(results, key=lambda r: r["bytes"])["name"]
    what = "the 2023 edition with the official workbook" if workbook else "every bundled report"
    summary = (f"batch: {n} reports ({what}{', first ' + str(args.limit) if args.limit else ''}); "
               f"--jobs {args.jobs} on {os.cpu_count()} cores")
    measures = [
        ("batch wall time", ours, f"{ours:.2f} s"),
        ("per report (wall / reports)", ours / n, f"{ours / n:.3f} s"),
        ("papermill, empty notebook, per notebook", floor, f"{floor:.3f} s"),
        ("per report / empty notebook", ours / n / floor, f"{ours / n / floor:.2f}   (target: at most 0.3)"),
        ("cells in the kernel, per report (mean)", statistics.mean(r["compute"] for r in results),
         f"{statistics.mean(r['compute'] for r in results):.3f} s"),
        ("worker time per report (mean)", statistics.mean(r["seconds"] for r in results),
         f"{statistics.mean(r['seconds'] for r in results):.3f} s"),
        ("median report", statistics.median(sizes) / 1000,
         f"{statistics.median(sizes) / 1000:.1f} kB   (target: under 150)"),
        ("largest report", sizes[-1] / 1000, f"{sizes[-1] / 1000:.1f} kB   ({largest})"),
    ]
    print(summary)
    for label, _value, text in measures:
        print(f"{label:44s} {text}")
    out = args.results_out or (None if args.limit else RESULTS)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        record = {"summary": summary, "reports": n, "jobs": args.jobs, "cores": os.cpu_count(),
                  "workbook": bool(workbook), "limit": args.limit,
                  "measured": datetime.now(UTC).strftime("%Y-%m-%d"),
                  "ratio": round(ours / n / floor, 3),
                  "measures": [{"what": label, "value": round(value, 4), "text": text}
                               for label, value, text in measures]}
        out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(f"written: {out}")


if __name__ == "__main__":
    main()
