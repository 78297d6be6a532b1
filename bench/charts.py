"""Benchmark the reports' charts drawn straight to SVG against the same figures through matplotlib.

For a 2023 country profile and a region comparison with the official workbook (the bundled data if it is
absent), every chart is built from its view table both ways in the same process: ``plots.X`` + ``to_svg``
against ``charts.X`` + ``Chart.svg``. Prints the median time of each as a ratio (target: every chart of a
profile at most 5 ms, a comparison's heat map at most 15 ms) and the SVG sizes.

    python bench/charts.py [--workbook PATH] [--country COL] [--region "South America"] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import ocdata
from ocdata import charts, plots, views
from ocdata.paths import PROJECT_DIR

DEFAULT_WORKBOOK = PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx"


def median_seconds(func: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` runs (after one warm-up run)."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cases(data: ocdata.Dataset, country: str, region: str | None) -> list[tuple[str, str, tuple, dict]]:
    """(name, function name, arguments, keyword arguments) of the charts a profile and a comparison draw."""
    edition = 2023 if 2023 in set(data.scores["edition"]) else int(data.scores["edition"].max())
    previous = views.previous_edition(edition)
    info = views.country_info(data, country)
    out = [
        ("profile: pillars", "pillar_bars", (views.headline(data, country, edition), "t", previous), {}),
        ("profile: indicators", "indicator_bars", (views.indicator_scores(data, country, edition), "t", previous), {}),
        ("profile: composites", "composite_lines", (views.composite_history(data, [country]), "t"), {}),
    ]
    if views.has_peers(data, edition):
        out.append(("profile: peers", "peer_scatter", (views.peer_scores(data, edition), [country], info["region"],
                                                       "t"), {}))
    members = (list(data.countries.loc[data.countries["region"] == region, "iso3"]) if region else [])
    members = [c for c in members if c in set(data.scores.loc[data.scores["edition"] == edition, "iso3"])]
    group = members if len(members) >= 2 else ["KAZ", "KGZ"]
    out += [
        ("compare: differences", "difference_bars", (views.indicator_differences(data, group, edition), "t"), {}),
        ("compare: heat map", "heatmap", (views.indicator_matrix(data, group, edition), "t"), {}),
        ("compare: composites", "composite_lines", (views.composite_history(data, group), "t"), {}),
    ]
    changes = views.largest_changes(data, group, edition)
    if not changes.empty:
        out.append(("compare: changes", "change_bars", (changes, "t"), {}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--country", default="COL")
    parser.add_argument("--region", default="South America")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.workbook.is_file():
        data, country, region = ocdata.load(workbook=args.workbook), args.country, args.region
        print(f"data: {args.workbook.name}, {country}, {region}")
    else:
        data, country, region = ocdata.load(), "KGZ", None
        print("data: bundled documents (no workbook), KGZ, KAZ and KGZ compared")
    print(f"{'chart':<24}{'plots ms':>10}{'charts ms':>11}{'ratio':>8}{'plots kB':>10}{'charts kB':>11}")
    total_old = total_new = 0.0
    for name, func, arguments, options in cases(data, country, region):
        old = median_seconds(lambda f=func, a=arguments, o=options: plots.to_svg(getattr(plots, f)(*a, **o), "a"),
                             args.repeat)
        new = median_seconds(lambda f=func, a=arguments, o=options: getattr(charts, f)(*a, **o).svg("a"),
                             args.repeat)
        old_kb = len(plots.to_svg(getattr(plots, func)(*arguments, **options), "a")) / 1000
        new_kb = len(getattr(charts, func)(*arguments, **options).svg("a")) / 1000
        total_old, total_new = total_old + old, total_new + new
        print(f"{name:<24}{old * 1000:>10.1f}{new * 1000:>11.1f}{new / old:>8.3f}{old_kb:>10.1f}{new_kb:>11.1f}")
    print(f"{'all':<24}{total_old * 1000:>10.1f}{total_new * 1000:>11.1f}{total_new / total_old:>8.3f}")


if __name__ == "__main__":
    main()
