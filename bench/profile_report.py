"""Where a report's time goes in a warm worker: one kernel, N country profiles, each phase timed.

    python bench/profile_report.py [--workbook PATH] [--reports N] [--cprofile]

Phases: the kernel's reset between reports, executing the cells (split into the time the cells ran inside
the kernel and the rest: messaging and nbclient's bookkeeping), exporting to HTML, writing the files. Prints a
markdown table (seconds per report and the share of each phase); ``--cprofile`` adds the functions that cost
the most in this process.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from render_batch import DEFAULT_WORKBOOK

from ocdata import views
from ocdata.render import HtmlWriter, KernelSession, output_path
from ocdata.render.kernel import compute_seconds, inject_parameters
from ocdata.render.pool import cached_notebook, write_report
from ocdata.report import Planner, report_kind, warmup_code
from ocdata.report.plan import Inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--overlap", action="store_true",
                        help="as the workers do: freeze the warm heap, reset while exporting")
    args = parser.parse_args()
    book = str(args.workbook.resolve()) if args.workbook.is_file() else ""
    data = views.load_dataset(book)
    planner = Planner(data, Inputs(workbook=book))
    codes = sorted(c for c in set(data.scores["iso3"]) if 2023 in views.editions_of(data, c))
    profile = report_kind("profile")
    jobs = [planner.country(profile, codes[i % len(codes)], 2023).job for i in range(args.reports)]
    phases = {"reset": 0.0, "copy and inject": 0.0, "cells in the kernel": 0.0, "messaging and bookkeeping": 0.0,
              "export and write": 0.0}
    profiler = cProfile.Profile() if args.cprofile else None
    with tempfile.TemporaryDirectory(prefix="ocdata-profile-") as out, KernelSession() as session:
        session.run_silent(warmup_code(book), timeout=600)
        if args.overlap:
            session.freeze()
        writer = HtmlWriter()
        writer.exporter(False)
        for job in jobs:
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            session.reset()
            t1 = time.perf_counter()
            nb = inject_parameters(copy.deepcopy(cached_notebook(job.notebook)), job.parameters)
            t2 = time.perf_counter()
            executed = session.run(nb)
            t3 = time.perf_counter()
            inside = compute_seconds(executed)
            if args.overlap:
                session.begin_reset()
            result = write_report(job, output_path(Path(out), job.name), executed, writer, t3)
            t4 = time.perf_counter()
            if profiler:
                profiler.disable()
            assert result.ok, result.error
            phases["reset"] += t1 - t0
            phases["copy and inject"] += t2 - t1
            phases["cells in the kernel"] += inside
            phases["messaging and bookkeeping"] += (t3 - t2) - inside
            phases["export and write"] += t4 - t3
    n, total = len(jobs), sum(phases.values())
    print(f"{n} country profiles of 2023 {'with the workbook' if book else 'from the bundled data'}, one warm kernel")
    print("\n| phase | s per report | share |\n|---|---:|---:|")
    for name, seconds in phases.items():
        print(f"| {name} | {seconds / n:.3f} | {seconds / total:.0%} |")
    print(f"| total | {total / n:.3f} | 100% |")
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
