"""Benchmark the table build against baselines measured in the same process.

Prints ratios, not absolute claims: building every table from the documents, against reading the
same tables back from their Parquet files; building with the official workbook, against reading
the workbook with ``pandas.read_excel``; peak memory (tracemalloc) likewise as a ratio; and, in fresh
processes, ``import ocdata; ocdata.load()`` reading a saved build against ``import pandas`` (target: 1.5x).

    python bench/build_tables.py [--workbook PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
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


def fresh_process(code: str, env: dict[str, str]) -> float:
    """Seconds for ``python -c CODE`` in a new process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - start


def startup_ratio(repeat: int) -> None:
    """``import ocdata; ocdata.load()`` from a saved build, against ``import pandas``, in fresh processes."""
    scratch = Path(tempfile.mkdtemp())
    env = {**os.environ, "OCDATA_CACHE": str(scratch / "cache"), "OCDATA_PROCESSED": str(scratch / "processed")}
    try:
        subprocess.run([sys.executable, "-c", "import ocdata; ocdata.load()"], env=env, check=True)  # saves it
        pairs = [(fresh_process("import pandas", env), fresh_process("import ocdata; ocdata.load()", env))
                 for _ in range(max(repeat, 5))]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    floor = statistics.median(p for p, _ in pairs)
    load = statistics.median(o for _, o in pairs)
    print(f"fresh process: import ocdata + load() of the saved build {load / floor:.2f}x `import pandas` "
          f"(medians of {len(pairs)}: {load * 1e3:.0f} ms against {floor * 1e3:.0f} ms; target 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    startup_ratio(args.repeat)
    scratch = Path(tempfile.mkdtemp())
    built = scratch / "processed"
    data = build()
    write_tables(data.tables(), data.sources, built)

    def read_tables() -> None:
        for path in built.glob("*.parquet"):
            pd.read_parquet(path)

    def read_sheets() -> None:
        sheets = pd.read_excel(args.workbook, sheet_name=None, engine="openpyxl")
        assert any(name.endswith("_dataset") for name in sheets)

    docs_floor, _ = timed(read_tables, args.repeat)
    shutil.rmtree(scratch, ignore_errors=True)
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
