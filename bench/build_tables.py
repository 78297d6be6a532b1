"""Benchmark the table build against baselines measured in the same process.

Prints ratios, not absolute claims: building every table from the documents, against reading the
same tables back from their Parquet files; and building with the official workbook, against reading
the workbook with ``pandas.read_excel``. Peak memory (tracemalloc) likewise as a ratio.

    python bench/build_tables.py [--workbook PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ocdata.build import build
from ocdata.paths import PROJECT_DIR
from ocdata.store import write_tables

DEFAULT_WORKBOOK = PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx"


def timed(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median seconds over ``repeat`` runs, and the peak traced memory (MiB) of one run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    built = Path(tempfile.mkdtemp()) / "processed"
    data = build()
    write_tables(data.tables(), data.sources, built)

    def read_tables() -> None:
        for path in built.glob("*.parquet"):
            pd.read_parquet(path)

    def read_sheets() -> None:
        sheets = pd.read_excel(args.workbook, sheet_name=None, engine="openpyxl")
        assert any(name.endswith("_dataset") for name in sheets)

    docs_floor, _ = timed(read_tables, args.repeat)
    docs, _ = timed(lambda: build(), args.repeat)
    print(f"documents: build {docs * 1e3:.0f} ms = {docs / docs_floor:.1f}x reading the built Parquet tables "
          f"({docs_floor * 1e3:.0f} ms)")
    if not args.workbook.is_file():
        print(f"no workbook at {args.workbook}: pass --workbook to measure the full build")
        return
    floor, floor_mem = timed(read_sheets, args.repeat)
    full, full_mem = timed(lambda: build(workbook=args.workbook), args.repeat)
    print(f"with the workbook (cached parse): build {full:.2f} s = {full / floor:.2f}x pandas.read_excel of the "
          f"whole workbook ({floor:.2f} s)")
    print(f"peak memory: build {full_mem:.0f} MiB = {full_mem / floor_mem:.2f}x read_excel ({floor_mem:.0f} MiB)")


if __name__ == "__main__":
    main()
