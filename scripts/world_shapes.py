"""Convert the ``world-atlas`` npm tarball into the compact country shapes shipped in ``ocdata/data``.

    npm pack world-atlas@2.0.2              # once, in a temporary folder; the tarball is not committed
    python scripts/world_shapes.py world-atlas-2.0.2.tgz

Reads ``countries-50m.json`` (Natural Earth 1:50m admin-0 countries as TopoJSON, keyed by ISO 3166-1
numeric codes), decodes the quantized, delta-encoded arcs, projects them with Equal Earth (Šavrič, Patterson
& Jenny 2018, *The Equal Earth map projection*, IJGIS 33(3)), simplifies every arc once (Douglas–Peucker, so
shared borders stay shared), rounds to 0.1 of a 1000-unit-wide frame and writes:

- ``ocdata/data/world_shapes.json``: per ISO3 code an SVG path (``d``, even-odd rings), the centroid of its
  largest part, the box of its main parts, its projected area and whether it is drawn as a dot; the land of
  places outside the index as background paths; the frame's size and the source's sha256;
- ``ocdata/data/world_shapes.meta.yaml``: where it comes from, the licence, the projection, the
  simplification and the command that made it.

ISO numeric codes come from the ``iso_numeric`` column of ``ocdata/data/countries.csv``; countries absent from
the source (Tuvalu) get a dot at the position given in ``ocdata/data/world_shapes.points.csv``.
Same tarball, same bytes out.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import math
import tarfile
from pathlib import Path

from ocdata.maps import keep_indices
from ocdata.outputs.atomic import write_text_atomic

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "ocdata" / "data"
SOURCE_MEMBER = "package/countries-50m.json"
PACKAGE_MEMBER = "package/package.json"

WIDTH = 1000.0
"""Width of the frame: x from 0 (180° W) to 1000 (180° E) at the equator."""
MARGIN = 2.0
"""Frame units left above and below the land."""
TOLERANCE = 0.2
"""Douglas–Peucker tolerance in frame units: a fifth of a pixel on a 1000-px world map, still smooth on a
region map zoomed eight times (0.1 doubles the file, 0.35 turns coasts angular there)."""
MIN_RING_AREA = 0.6
"""Rings (islets, enclave holes) smaller than this (frame units²) are left out of a country's shape ..."""
MIN_DOT_RING_AREA = 0.05
"""... except in countries drawn as a dot, whose few visible specks are kept for zoomed-in maps."""
DOT_AREA = 10.0
"""A country whose projected area is under this (frame units², about 12,000 km²) is also marked by a dot ..."""
DOT_PART_AREA = 6.0
"""... and so is one whose largest part is under this (islands scattered over the sea: Bahamas, Solomon Is.)."""
MAIN_PART_SHARE = 0.2
"""Parts at least this share of the largest part make up a country's box (for cropping a map to it)."""
MERGED = {"Somaliland": "706", "N. Cyprus": "196"}
"""Source features without a code, drawn as part of the UN member state the index scores as a whole."""
DROPPED_IDS = {"010"}
"""Antarctica: not in the index, and it would take a fifth of the frame."""

# Equal Earth constants (Šavrič, Patterson & Jenny 2018)
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection of a point in degrees, on the unit sphere (y grows to the north)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180.0, 0.0)[0]
SCALE = WIDTH / (2 * X_MAX)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Arcs as lists of (lon, lat): undo the delta encoding and the quantization transform."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def project(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points in degrees to frame units (x from 0 to WIDTH, y downwards from the projected equator)."""
    out = []
    for lon, lat in points:
        x, y = equal_earth(lon, lat)
        out.append(((x + X_MAX) * SCALE, -y * SCALE))
    return out


def cut_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A closed lon/lat ring that crosses 180° as the closed rings of its parts on either side.

    Longitudes are unwrapped to run on past 180°, then the ring is clipped (Sutherland–Hodgman) to each side
    of the meridian and the far part shifted back by 360°. A ring that does not cross comes back as it is.
    """
    if not any(abs(p[0] - q[0]) > 180 for p, q in itertools.pairwise(ring)):
        return [ring]
    east = sum(lon > 0 for lon, _ in ring) >= len(ring) / 2
    edge = 180.0 if east else -180.0
    shift = 360.0 if east else -360.0
    open_ring = [((lon + shift) if (lon < 0) == east else lon, lat) for lon, lat in ring[:-1]]
    near = _clip(open_ring, edge, keep_below=east)
    far = [(lon - shift, lat) for lon, lat in _clip(open_ring, edge, keep_below=not east)]
    return [part + part[:1] for part in (near, far) if len(part) >= 3]


def _clip(ring: list[tuple[float, float]], edge: float, keep_below: bool) -> list[tuple[float, float]]:
    """The part of an open ring on one side of the meridian ``edge`` (points on the edge count as inside)."""
    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= edge if keep_below else p[0] >= edge

    def cross(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        t = (edge - p[0]) / (q[0] - p[0])
        return edge, p[1] + t * (q[1] - p[1])

    out = []
    for prev, cur in zip([ring[-1], *ring[:-1]], ring, strict=True):
        if inside(cur):
            if not inside(prev):
                out.append(cross(prev, cur))
            out.append(cur)
        elif inside(prev):
            out.append(cross(prev, cur))
    return out


def ring_area(points: list[tuple[float, float]]) -> float:
    """Signed area of a closed ring (shoelace)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(points)) / 2


def ring_centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Centroid of a closed ring (its mean point if it has no area)."""
    area = ring_area(points)
    if abs(area) < 1e-12:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def polygon_rings(geometry: dict) -> list[list[int]]:
    """Every ring of a Polygon or MultiPolygon geometry as a list of arc indices (``~i`` = reversed)."""
    if geometry["type"] == "Polygon":
        return [list(ring) for ring in geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return [list(ring) for polygon in geometry["arcs"] for ring in polygon]
    return []


def merge_rings(rings: list[list[int]], ends: dict[int, tuple[int, int]]) -> list[list[int]]:
    """Rings of several touching shapes as the rings of their union: arcs used both ways are dropped.

    ``ends`` maps an arc index to the keys of its first and last points; kept arcs are chained into rings.
    """
    used = {a for ring in rings for a in ring}
    kept = [a for ring in rings for a in ring if ~a not in used]
    if len(kept) == len(used):
        return rings
    start_of: dict[int, list[int]] = {}
    for a in kept:
        start_of.setdefault(ends[a][0] if a >= 0 else ends[~a][1], []).append(a)
    merged, done = [], set()
    for a in kept:
        ring, current = [], a
        while current is not None and current not in done:
            done.add(current)
            ring.append(current)
            end = ends[current][1] if current >= 0 else ends[~current][0]
            current = next((c for c in start_of.get(end, []) if c not in done), None)
        if ring:
            merged.append(ring)
    return merged


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """The points of a ring from its arcs (each arc after the first without its shared first point)."""
    points: list[tuple[float, float]] = []
    for a in ring:
        arc = arcs[a] if a >= 0 else arcs[~a][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def rounded(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """Points in tenths of a frame unit, repeated points removed."""
    out: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x * 10), round(y * 10))
        if not out or p != out[-1]:
            out.append(p)
    return out


def _num(tenths: int) -> str:
    whole, frac = divmod(abs(tenths), 10)
    text = f"{whole}.{frac}" if frac else f"{whole}"
    text = text[1:] if text.startswith("0.") else text
    return f"-{text}" if tenths < 0 else text


def path_d(rings: list[list[tuple[int, int]]], dy: int) -> str:
    """SVG path data of rings given in tenths: absolute start, relative steps, each ring closed."""
    parts = []
    for ring in rings:
        if ring[0] == ring[-1]:
            ring = ring[:-1]
        (x0, y0), rest = ring[0], ring[1:]
        steps = []
        for (ax, ay), (bx, by) in zip(ring, rest, strict=False):
            steps += [_num(bx - ax), _num(by - ay)]
        text = f"M{_num(x0)} {_num(y0 + dy)}l" + " ".join(steps).replace(" -", "-")
        parts.append(text + "z")
    return "".join(parts)


def read_source(tarball: Path) -> tuple[dict, dict, str]:
    """The topology and package.json inside the tarball, and the tarball's sha256."""
    data = tarball.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        topology = json.load(tar.extractfile(SOURCE_MEMBER))
        package = json.load(tar.extractfile(PACKAGE_MEMBER))
    return topology, package, hashlib.sha256(data).hexdigest()


def numeric_codes_file() -> Path:
    """The table that holds ``iso3, iso_numeric``: the countries table."""
    return PACKAGE_DATA / "countries.csv"


def read_numeric_codes(path: Path) -> dict[str, str]:
    """ISO numeric code -> ISO3 for the index's countries (columns ``iso3`` and ``iso_numeric``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"iso3", "iso_numeric"} <= set(rows[0]):
        raise SystemExit(f"{path.name}: expected columns iso3 and iso_numeric, found {list(rows[0]) if rows else []}")
    codes = {row["iso_numeric"]: row["iso3"] for row in rows}
    if len(codes) != len(rows):
        raise SystemExit(f"{path.name}: expected one row per iso_numeric, found duplicates")
    bad = sorted(code for code in codes if not (len(code) == 3 and code.isdigit()))
    if bad:
        raise SystemExit(f"{path.name}: expected 3-digit iso_numeric codes, found {bad}")
    return codes


def read_points(points_csv: Path) -> dict[str, tuple[float, float]]:
    """Hand-entered positions (lon, lat) for countries the source does not draw."""
    with points_csv.open(encoding="utf-8", newline="") as handle:
        return {row["iso3"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(handle)}


def convert(topology: dict, codes: dict[str, str], points: dict[str, tuple[float, float]],
            tolerance: float = TOLERANCE) -> dict:
    """The shapes table (see the module docstring) from a decoded TopoJSON topology."""
    raw = decode_arcs(topology)
    simple = [[arc[i] for i in keep_indices(project(arc), tolerance)] for arc in raw]
    keys: dict[tuple[float, float], int] = {}
    ends = {i: (keys.setdefault(arc[0], len(keys)), keys.setdefault(arc[-1], len(keys))) for i, arc in enumerate(raw)}

    groups: dict[str, list[list[int]]] = {}
    others: list[list[list[int]]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        name = (geometry.get("properties") or {}).get("name", "")
        code = MERGED.get(name, code)
        if code in DROPPED_IDS:
            continue
        rings = polygon_rings(geometry)
        if code in codes:
            groups.setdefault(codes[code], []).extend(rings)
        elif rings:
            others.append(rings)
    groups = {iso3: merge_rings(rings, ends) for iso3, rings in groups.items()}

    def parts(rings: list[list[int]], arcs: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        return [project(part) for ring in rings for part in cut_antimeridian(ring_points(ring, arcs))]

    full_parts = [p for rings in [*groups.values(), *others] for p in parts(rings, raw)]
    top = min(y for part in full_parts for _, y in part) - MARGIN
    bottom = max(y for part in full_parts for _, y in part) + MARGIN
    dy = -round(top * 10)
    height = round(bottom * 10) + dy

    def shape(rings: list[list[int]], min_area: float) -> tuple[str, dict]:
        full = parts(rings, raw)
        areas = [ring_area(p) for p in full]
        kept = []
        for part in parts(rings, simple):
            pts = rounded(part)
            if len(pts) >= 4 and abs(ring_area(pts)) / 100 >= min_area:
                kept.append(pts)
        largest = max(range(len(full)), key=lambda i: abs(areas[i]))
        main = [p for p, a in zip(full, areas, strict=True) if abs(a) >= MAIN_PART_SHARE * abs(areas[largest])]
        cx, cy = ring_centroid(full[largest])
        box = [min(x for p in main for x, _ in p), min(y for p in main for _, y in p),
               max(x for p in main for x, _ in p), max(y for p in main for _, y in p)]
        info = {
            "area": round(abs(sum(areas)), 1),
            "largest": abs(areas[largest]),
            "centroid": [round(cx, 1), round(cy - top, 1)],
            "bbox": [round(box[0], 1), round(box[1] - top, 1), round(box[2], 1), round(box[3] - top, 1)],
        }
        return path_d(kept, dy), info

    countries = {}
    for iso3 in sorted(groups):
        d, info = shape(groups[iso3], MIN_RING_AREA)
        largest = info.pop("largest")
        dot = info["area"] < DOT_AREA or largest < DOT_PART_AREA
        if dot:
            d, _ = shape(groups[iso3], MIN_DOT_RING_AREA)
        countries[iso3] = {"d": d, "dot": dot, **info}
    for iso3, (lon, lat) in sorted(points.items()):
        assert iso3 not in countries, f"{iso3} has a shape in the source and a hand-entered point"
        (x, y), = project([(lon, lat)])
        countries[iso3] = {"d": "", "dot": True, "area": 0.0, "centroid": [round(x, 1), round(y - top, 1)],
                           "bbox": [round(x, 1), round(y - top, 1), round(x, 1), round(y - top, 1)]}
    background = []
    for rings in others:
        d, info = shape(rings, MIN_RING_AREA)
        if d:
            info.pop("largest")
            background.append({"d": d, "bbox": info["bbox"]})
    background.sort(key=lambda b: (b["bbox"], b["d"]))
    return {"width": WIDTH, "height": height / 10, "countries": countries, "other": background}


def dump(shapes: dict, source_sha256: str) -> str:
    """The shapes table as JSON text, one country per line, keys sorted."""
    lines = ["{", f'"source_sha256": {json.dumps(source_sha256)},',
             f'"width": {json.dumps(shapes["width"])},', f'"height": {json.dumps(shapes["height"])},',
             '"countries": {']
    items = [f"{json.dumps(k)}: {json.dumps(v, sort_keys=True, separators=(',', ':'))}"
             for k, v in shapes["countries"].items()]
    lines.append(",\n".join(items))
    lines.append("},")
    lines.append('"other": [')
    lines.append(",\n".join(json.dumps(o, sort_keys=True, separators=(",", ":")) for o in shapes["other"]))
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def meta(package: dict, source_sha256: str, tarball: Path, shapes: dict, codes_file: Path) -> str:
    """The provenance file, as YAML."""
    dots = sorted(k for k, v in shapes["countries"].items() if v["dot"])
    return f"""\
# Provenance of world_shapes.json (written by scripts/world_shapes.py; do not edit by hand)
source:
  package: {package["name"]}
  version: {package["version"]}
  tarball: {tarball.name}
  sha256: {source_sha256}
  file: {SOURCE_MEMBER.removeprefix("package/")}
  fetched_with: npm pack {package["name"]}@{package["version"]}
  data: Natural Earth 1:50m Admin 0 countries (naturalearthdata.com)
licence:
  world_atlas: ISC (Copyright 2013-2019 Michael Bostock)
  natural_earth: public domain
note: >-
  Boundaries as Natural Earth draws them; they are not a statement on any border. Somaliland is drawn with
  Somalia and Northern Cyprus with Cyprus, as the index scores them; other land outside the index (Kosovo,
  Western Sahara, Taiwan, Greenland, territories) is drawn as background; Antarctica is left out.
projection:
  name: Equal Earth
  reference: "Šavrič, B., Patterson, T. & Jenny, B. (2018). The Equal Earth map projection. International
    Journal of Geographical Information Science 33(3), 454-465. doi:10.1080/13658816.2018.1504949"
  frame: x 0 to {WIDTH:g} (180° W to 180° E at the equator), y down from the northernmost land; height
    {shapes["height"]:g}
simplification:
  method: Douglas-Peucker per arc (shared borders simplified once)
  tolerance: {TOLERANCE:g}
  rounding: 0.1 frame unit
  min_ring_area: {MIN_RING_AREA:g}
  min_ring_area_dot_countries: {MIN_DOT_RING_AREA:g}
dots:
  area_below: {DOT_AREA:g}
  largest_part_below: {DOT_PART_AREA:g}
  countries: [{", ".join(dots)}]
positions_by_hand: world_shapes.points.csv
iso_numeric:
  table: {codes_file.name}
  source: ISO 3166-1 numeric codes (as listed by Debian's iso-codes 4.15.0, iso_3166-1.json)
command: python scripts/world_shapes.py {tarball.name}
"""


def main(argv: list[str] | None = None) -> int:
    """Command line: convert TARBALL into ocdata/data/world_shapes.json and its .meta.yaml."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", type=Path, help="world-atlas-2.0.2.tgz from npm pack")
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA, help="folder to write into")
    parser.add_argument("--countries", type=Path, default=None, help="table with iso3 and iso_numeric columns")
    args = parser.parse_args(argv)
    topology, package, sha = read_source(args.tarball)
    points = read_points(PACKAGE_DATA / "world_shapes.points.csv")
    codes_file = args.countries or numeric_codes_file()
    shapes = convert(topology, read_numeric_codes(codes_file), points)
    write_text_atomic(args.out / "world_shapes.json", dump(shapes, sha))
    write_text_atomic(args.out / "world_shapes.meta.yaml", meta(package, sha, args.tarball, shapes, codes_file))
    print(f"{len(shapes['countries'])} countries, {len(shapes['other'])} background shapes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
