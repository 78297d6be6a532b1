"""Time and peak memory of refusing each hostile workbook, as ratios against reading the real release.

Each case runs ``python -m ocdata build --workbook FILE --out TMP`` in a child process, started from a
small per-case monitor process so that ``resource.getrusage(RUSAGE_CHILDREN)`` gives that case's peak RSS
alone. Usage: ``python bench/hostile_workbooks.py [--workbook global_oc_index_2023.xlsx]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
DEFAULT = ROOT.parent / "shared" / "data" / "global_oc_index_2023.xlsx"


def measure(path: Path, out: Path) -> dict:
    """Run one build in a child; its exit code, wall time and peak RSS (this process runs nothing else)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ocdata", "build", "--workbook", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"exit": done.returncode, "seconds": seconds, "peak_mb": peak_mb,
            "message": (done.stderr.strip().splitlines() or [""])[-1][:110]}


def run_case(path: Path) -> dict:
    """Measure ``path`` in a fresh monitor process, so that the peak RSS is this case's alone."""
    done = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                          check=True, timeout=900)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT, help="the real release (the baseline)")
    parser.add_argument("--one", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args.one, Path(tmp) / "out")))
        return
    from workbook_factory import hostile_cases, write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("OCDATA_CACHE", str(Path(tmp) / "cache"))
        base_path = args.workbook if args.workbook.is_file() else write_workbook(Path(tmp) / "factory.xlsx")
        base = run_case(base_path)
        print(f"baseline: reading {base_path.name}: exit {base['exit']}, {base['seconds']:.2f} s, "
              f"peak {base['peak_mb']:.0f} MB")
        print(f"{'case':22} {'exit':>4} {'seconds':>8} {'x base':>7} {'peak MB':>8} {'x base':>7}  message")
        for name, make in hostile_cases().items():
            folder = Path(tmp) / name
            folder.mkdir()
            path, _ = make(folder)
            size = path.stat().st_size
            row = run_case(path)
            print(f"{name:22} {row['exit']:>4} {row['seconds']:>8.2f} {row['seconds'] / base['seconds']:>7.2f} "
                  f"{row['peak_mb']:>8.0f} {row['peak_mb'] / base['peak_mb']:>7.2f}  ({size / 1e6:.1f} MB file) "
                  f"{row['message']}")
            for child in folder.iterdir():
                child.unlink()


if __name__ == "__main__":
    main()
