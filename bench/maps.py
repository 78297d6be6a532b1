"""World map sizes: the shipped shapes, a full world SVG, a region map, and (given the world-atlas tarball) the
shapes file at other simplification tolerances, as ratios to the shipped one.

    python bench/maps.py [world-atlas-2.0.2.tgz]
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ocdata.countries import load_countries
from ocdata.maps import SHAPES_JSON, world_map_svg
from ocdata.paths import PROJECT_DIR

TOLERANCES = (0.1, 0.2, 0.35, 0.5, 1.0)


def _values() -> pd.DataFrame:
    iso3 = load_countries()["iso3"]
    return pd.DataFrame({"iso3": iso3, "score": np.random.default_rng(0).uniform(1, 10, len(iso3)).round(2)})


def main(argv: list[str]) -> int:
    """Print sizes (kB) and ratios."""
    countries = load_countries()
    values = _values()
    links = {c: f"{c}_2025.html" for c in countries["iso3"]}
    start = time.perf_counter()
    world = world_map_svg(values, metric_label="Criminality", higher_is_worse=True, links=links)
    world_time = time.perf_counter() - start
    region = countries.loc[countries["region"] == "Central Asia and the Caucasus", "iso3"]
    start = time.perf_counter()
    local = world_map_svg(values, metric_label="Criminality", higher_is_worse=True, focus=region)
    local_time = time.perf_counter() - start
    shipped = SHAPES_JSON.stat().st_size
    print(f"shapes file          {shipped / 1000:8.1f} kB")
    print(f"world map, linked    {len(world.encode()) / 1000:8.1f} kB  ({len(world.encode()) / shipped:.2f} x shapes)")
    print(f"region map           {len(local.encode()) / 1000:8.1f} kB  (time {local_time / world_time:.2f} x world)")
    if len(argv) > 1:
        spec = importlib.util.spec_from_file_location("world_shapes", PROJECT_DIR / "scripts" / "world_shapes.py")
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        topology, _, sha = script.read_source(Path(argv[1]))
        codes = script.read_numeric_codes(script.numeric_codes_file())
        points = script.read_points(script.PACKAGE_DATA / "world_shapes.points.csv")
        for tolerance in TOLERANCES:
            text = script.dump(script.convert(topology, codes, points, tolerance), sha)
            print(f"tolerance {tolerance:<5g}     {len(text.encode()) / 1000:8.1f} kB  "
                  f"({len(text.encode()) / shipped:.2f} x shipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
