"""How long the rank analyses take on a whole edition, as ratios to baselines run in the same session.

    python bench/robustness.py [--workbook FILE] [--replicas 2000]

Baselines: one pass of the publisher's rule written plainly with pandas (recompute the composite of every
country and rank it: what a replica costs without vectorising), and `ocdata.ranks.compute_ranks` on the
edition's scores (what the library does once per build). The official workbook comes from `--workbook`,
`$OCDATA_WORKBOOK` or `shared/data` beside the project.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import ocdata
from ocdata import robustness
from ocdata.codebook import children_of, indicators_of
from ocdata.paths import PROJECT_DIR
from ocdata.ranks import compute_ranks

EDITION = 2023


def _best(run, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _pandas_replica(data: ocdata.Dataset, rng: np.random.Generator) -> None:
    """One replica the plain way: move every score, recompute the pillars and criminality, rank."""
    rows = data.scores[data.scores["edition"] == EDITION]
    wide = rows.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    moved = (wide + rng.choice([-0.5, 0.0, 0.5], p=[0.25, 0.5, 0.25], size=wide.shape)).clip(1, 10)
    pillars = [moved[list(indicators_of(EDITION, p))].mean(axis=1) for p in children_of("criminality", EDITION)]
    value = ((pillars[0] + pillars[1]) / 2 * 100 + 0.5 + 1e-9).apply(np.floor)
    value.rank(method="min", ascending=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx"
    parser.add_argument("--workbook", type=Path, default=Path(os.environ.get("OCDATA_WORKBOOK") or default))
    parser.add_argument("--replicas", type=int, default=2000)
    args = parser.parse_args(argv)
    data = ocdata.load(workbook=args.workbook)
    rng = np.random.default_rng(0)
    replica = _best(lambda: _pandas_replica(data, rng))
    ranks = _best(lambda: compute_ranks(data.scores[data.scores["edition"] == EDITION]))
    rows = [
        ("leave_one_out (27 drops)", _best(lambda: robustness.leave_one_out(data, EDITION))),
        (f"rank_intervals, n={args.replicas}", _best(lambda: robustness.rank_intervals(data, EDITION,
                                                                                        n=args.replicas))),
        (f"rank_intervals, n={args.replicas}, Dirichlet weights and geometric means",
         _best(lambda: robustness.rank_intervals(data, EDITION, n=args.replicas, weights=("equal", "dirichlet"),
                                                 aggregation=("arithmetic", "geometric")))),
        ("sensitivity, n=256 (1,792 samples × 8 draws)", _best(lambda: robustness.sensitivity(data, EDITION),
                                                                repeats=1)),
    ]
    print(f"{len(set(data.scores.query('edition == @EDITION')['iso3']))} countries, edition {EDITION}")
    print(f"baselines: one pandas replica {replica * 1000:.1f} ms; compute_ranks of the edition {ranks * 1000:.1f} ms")
    print(f"{'analysis':<70} {'seconds':>8} {'÷ pandas replica':>17} {'÷ compute_ranks':>16}")
    for name, seconds in rows:
        print(f"{name:<70} {seconds:8.3f} {seconds / replica:17.1f} {seconds / ranks:16.1f}")
    per_replica = rows[1][1] / args.replicas
    print(f"one vectorised replica costs {per_replica / replica:.3f} of a pandas replica")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
