"""World maps as SVG: a choropleth of one score per country, links and hover titles without any script.

>>> from ocdata import maps
>>> values = maps.map_values(data.scores, 2023, "criminality")          # columns iso3, score
>>> svg = maps.world_map_svg(values, metric_label="Criminality", higher_is_worse=True)
>>> drawn = maps.draw_world_map(values, metric_label="Criminality", higher_is_worse=True, legend="html")
>>> drawn.html()                                  # a WorldMap: the SVG, then its legend (a MapLegend) as HTML

The shapes come from ``ocdata/data/world_shapes.json`` (Natural Earth via the ``world-atlas`` package,
Equal Earth projection; provenance in ``world_shapes.meta.yaml``, made by ``scripts/world_shapes.py``).
Every country of the index is drawn: its shape, and a marked dot where the shape is too small to see.
Colours run from light to dark as scores get worse, whichever way "worse" points for the metric.
The legend is one model (:class:`MapLegend`) drawn inside the SVG in map units (a notebook's map, a standalone
file) or as HTML under it (:func:`legend_html`, the reports and the index: page text, readable on a phone).
The output is a pure function of the input: the same values give the same bytes. The classes ``WorldMap`` and
``MapLegend`` (what :func:`draw_world_map` returns) are left out of ``__all__``: ``help(maps.WorldMap)``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ocdata.countries import load_countries
from ocdata.errors import ParameterError
from ocdata.paths import PACKAGE_DATA
from ocdata.views.params import parameters

__all__ = [
    "draw_world_map",
    "legend_html",
    "map_values",
    "score_titles",
    "world_map_svg",
]

SHAPES_JSON = PACKAGE_DATA / "world_shapes.json"
CMAP_WORSE_HIGH = "YlOrRd"
"""Default colormap where a higher score is worse (criminality): light yellow to dark red."""
CMAP_WORSE_LOW = "YlGnBu"
"""Default colormap where a lower score is worse (resilience), read from high to low: light to dark blue."""
NO_DATA = "#f3f3f3"
OUTSIDE = "#dcdcdc"
BORDER = "#ffffff"
DOT_RADIUS = 2.6
LEGEND_STEPS = 24
MAX_NAMED = 8
"""Countries without data named in the legend line (all of them are named in the map's description)."""
_PREFIX = "\x00"
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


@lru_cache(maxsize=1)
def load_shapes() -> dict:
    """The shapes table: ``width``, ``height``, ``countries`` (ISO3 -> d, dot, centroid, bbox, area), ``other``."""
    return json.loads(SHAPES_JSON.read_text(encoding="utf-8"))


@parameters
def map_values(scores: pd.DataFrame, edition: int, indicator: str) -> pd.DataFrame:
    """Columns ``iso3, score``: one indicator or composite in one edition, from a ``scores`` table.

    >>> map_values(data.scores, 2023, "resilience")"""
    rows = scores.loc[(scores["edition"] == edition) & (scores["indicator"] == indicator), ["iso3", "score"]]
    return rows.sort_values("iso3", ignore_index=True)


@parameters
def score_titles(scores: pd.DataFrame, edition: int,
                 indicators: Collection[str] = ("criminality", "resilience")) -> dict[str, str]:
    """Hover titles such as ``Kyrgyzstan: criminality 5.25, resilience 3.79`` for every country with a score."""
    countries = load_countries()
    names = dict(zip(countries["iso3"].tolist(), countries["country"].tolist(), strict=True))
    rows = scores.loc[(scores["edition"] == edition) & scores["indicator"].isin(list(indicators))
                      & scores["score"].notna()]
    parts: dict[str, dict[str, float]] = {}
    for iso3, indicator, score in zip(rows["iso3"].tolist(), rows["indicator"].tolist(), rows["score"].tolist(),
                                      strict=True):
        parts.setdefault(str(iso3), {}).setdefault(str(indicator), float(score))
    return {iso3: f"{names.get(iso3, iso3)}: "
                  + ", ".join(f"{i.replace('_', ' ')} {found[i]:.2f}" for i in indicators if i in found)
            for iso3, found in sorted(parts.items())}


@dataclass(frozen=True)
class MapLegend:
    """What a map's legend says, one model for both drawings (inside the SVG, or HTML under it): the title, the
    colour steps from ``low`` to ``high``, what grey land is, and the countries without data (names, in order)."""

    title: str
    low: float
    high: float
    higher_is_worse: bool
    colours: tuple[str, ...]
    grey: str
    missing: tuple[str, ...]

    @property
    def ends(self) -> tuple[str, str]:
        """The colour bar's end labels, such as ``1.62 (better)`` and ``8.15 (worse)``."""
        low_word, high_word = ("better", "worse") if self.higher_is_worse else ("worse", "better")
        return f"{self.low:.2f} ({low_word})", f"{self.high:.2f} ({high_word})"

    @property
    def no_data(self) -> str:
        """The hatched swatch's words, with the count of countries without data (``""``: none, so no swatch)."""
        return f"no data ({len(self.missing)})" if self.missing else ""

    @property
    def named(self) -> str:
        """``No data: ...`` naming the first countries without data (``""`` when every country has a score)."""
        if not self.missing:
            return ""
        named = ", ".join(self.missing[:MAX_NAMED])
        named += f" and {len(self.missing) - MAX_NAMED} more" if len(self.missing) > MAX_NAMED else ""
        return f"No data: {named}"


SMALL_COUNTRY = "small country (a dot)"


@dataclass(frozen=True)
class WorldMap:
    """A drawn map: the SVG and its legend's model; ``legend_inside`` says whether the SVG draws the legend
    (otherwise :meth:`html` adds :func:`legend_html` under it)."""

    svg: str
    legend: MapLegend
    legend_inside: bool

    def html(self) -> str:
        """The SVG, then the HTML legend where the SVG has none."""
        return self.svg if self.legend_inside else self.svg + legend_html(self.legend)


def world_map_svg(values: pd.DataFrame, **options) -> str:
    """The SVG of :func:`draw_world_map` (the same options); with ``legend="html"`` it has no legend."""
    return draw_world_map(values, **options).svg


def draw_world_map(values: pd.DataFrame, *, metric_label: str, higher_is_worse: bool,
                   links: dict[str, str] | None = None, titles: dict[str, str] | None = None,
                   highlight: Collection[str] = (), focus: Collection[str] | None = None,
                   width: int | None = None, domain: tuple[float, float] | None = None,
                   cmap: str | None = None, caption: str | None = None, unlisted: str = "no data",
                   legend: str = "svg") -> WorldMap:
    """An SVG choropleth of ``values`` (columns ``iso3``, ``score``), darker where worse, and its legend.

    ``links`` wraps a country in ``<a href>``; ``titles`` replaces its hover title (default: name and score);
    ``highlight`` outlines countries; ``focus`` crops the map to a set of countries; ``width`` sets the
    element's width in pixels (otherwise it fills its container); ``domain`` fixes the colour scale's
    ends (default: the data's minimum and maximum); ``caption`` is the map's accessible title.
    ``unlisted``: how countries absent from ``values`` are drawn: ``"no data"`` (hatched, named in the
    legend) or ``"background"`` (plain land, for maps of a few countries among their neighbours) or ``"land"``
    (as ``"background"`` inside ``focus``; outside it plain land drawn with the land outside the index, without
    titles: the smallest locator maps).
    ``legend``: ``"svg"`` draws the legend inside the SVG, in map units (it shrinks with the map: a notebook's
    map, a standalone file); ``"html"`` leaves it out (the viewBox ends at the map) for the page to place
    :func:`legend_html` under the map, at the page's text size.
    """
    if legend not in ("svg", "html"):
        raise ParameterError(f"legend: expected 'svg' or 'html', found {legend!r}")
    if unlisted not in ("no data", "background", "land"):
        raise ParameterError(f"unlisted: expected 'no data', 'background' or 'land', found {unlisted!r}")
    shapes = load_shapes()
    known = shapes["countries"]
    highlight = sorted({str(c) for c in highlight})
    focus = None if focus is None else sorted({str(c) for c in focus})
    scores = _scores(values, known)
    listed = set(values["iso3"].astype("str")) if unlisted != "no data" else set(known)
    for name, codes in (("links", links or {}), ("titles", titles or {}), ("highlight", highlight),
                        ("focus", focus or [])):
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise ParameterError(f"{name}: expected ISO3 codes of the index's countries, found {unknown}")
    names = load_countries().set_index("iso3")["country"].to_dict()
    present = [v for v in scores.values() if v is not None]
    low, high = domain if domain is not None else ((min(present), max(present)) if present else (1.0, 10.0))
    ramp = colormaps[cmap or (CMAP_WORSE_HIGH if higher_is_worse else CMAP_WORSE_LOW)]

    def colour(value: float) -> str:
        t = 0.5 if high == low else min(1.0, max(0.0, (value - low) / (high - low)))
        return to_hex(ramp(0.06 + 0.94 * (t if higher_is_worse else 1 - t)))

    vx, vy, vw, vh = _view(shapes, focus)
    u = vw / 1000
    quantum = _quantum(vw, width) if focus else None

    def outline(d: str) -> str:
        return d if quantum is None else coarse_path(d, (vx, vy, vw, vh), quantum)
    missing = sorted((iso3 for iso3, v in scores.items() if v is None and iso3 in listed),
                     key=lambda c: names.get(c, c))
    grey = "not in the index" if unlisted == "no data" else "no report here" if links else "other land"
    model = MapLegend(title=metric_label, low=low, high=high, higher_is_worse=higher_is_worse,
                      colours=tuple(colour(low + (high - low) * (i + 0.5) / LEGEND_STEPS) for i in range(LEGEND_STEPS)),
                      grey=grey, missing=tuple(names.get(c, c) for c in missing))
    drawn, legend_height = _legend(model, vx, vy + vh, u) if legend == "svg" else ("", 0.0)
    p = _PREFIX
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_f(vx)} {_f(vy)} {_f(vw)} {_f(vh + legend_height)}"'
        + (f' width="{int(width)}"' if width else "")
        + f' role="img" aria-labelledby="{p}-t {p}-d" class="ocdata-map" font-family="sans-serif">',
        f'<title id="{p}-t">{escape(caption or f"{metric_label} by country")}</title>',
        f'<desc id="{p}-d">{escape(_description(metric_label, higher_is_worse, scores, names, missing))}</desc>',
        f"<style>.{p}-c{{stroke:{BORDER};stroke-width:{_f(0.3 * u)};fill-rule:evenodd}}"
        f".{p}-d{{stroke:#333;stroke-width:{_f(0.5 * u)}}}"
        f".{p}-o{{fill:{OUTSIDE};stroke:{BORDER};stroke-width:{_f(0.3 * u)};fill-rule:evenodd}}"
        f".{p}-h path,.{p}-h circle{{stroke:#000;stroke-width:{_f(2.4 * u)}}}"
        f"a:hover>.{p}-c,a:focus>.{p}-c{{stroke:#000;stroke-width:{_f(0.9 * u)}}}</style>",
        f'<defs><pattern id="{p}-n" width="{_f(3 * u)}" height="{_f(3 * u)}" patternUnits="userSpaceOnUse"'
        f' patternTransform="rotate(45)"><rect width="{_f(3 * u)}" height="{_f(3 * u)}" fill="{NO_DATA}"/>'
        f'<line x1="0" y1="0" x2="0" y2="{_f(3 * u)}" stroke="#8c8c8c" stroke-width="{_f(1.0 * u)}"/></pattern></defs>',
        f'<clipPath id="{p}-v"><rect x="{_f(vx)}" y="{_f(vy)}" width="{_f(vw)}" height="{_f(vh)}"/></clipPath>',
        f'<g clip-path="url(#{p}-v)">',
    ]
    visible = [c for c in known if _visible(known[c]["d"], known[c]["centroid"] if known[c]["dot"] else None,
                                            (vx, vy, vw, vh))]
    land = [c for c in visible if unlisted == "land" and c not in set(focus or ()) | listed | set(highlight)]
    background = [o["d"] for o in shapes["other"] if _visible(o["d"], None, (vx, vy, vw, vh))]
    background += [known[c]["d"] for c in sorted(land) if known[c]["d"]]
    plain = [coarse_path(d, (vx, vy, vw, vh), 2 * quantum) if quantum else d for d in background]
    head.append(f'<g class="{p}-o">' + "".join(f'<path d="{d}"/>' for d in plain if d) + "</g>")
    order = sorted((c for c in visible if c not in set(land)), key=lambda c: (c in set(highlight), c))
    body = []
    for iso3 in order:
        shape, value = known[iso3], scores.get(iso3)
        fill = colour(value) if value is not None else (f"url(#{p}-n)" if iso3 in listed else OUTSIDE)
        title = (titles or {}).get(iso3)
        if title is None:
            title = f"{names.get(iso3, iso3)}: {metric_label} " + (f"{value:.2f}" if value is not None else "no data")
            title = title if iso3 in listed else names.get(iso3, iso3)
        parts = [f"<title>{escape(title)}</title>"]
        d = outline(shape["d"]) if shape["d"] else ""
        if d:
            parts.append(f'<path class="{p}-c" fill="{fill}" d="{d}"/>')
        if shape["dot"]:
            cx, cy = shape["centroid"]
            parts.append(f'<circle class="{p}-c {p}-d" fill="{fill}" cx="{_f(cx)}" cy="{_f(cy)}"'
                         f' r="{_f(DOT_RADIUS * max(u, 0.25))}"/>')
        attrs = f'data-iso3="{iso3}"' + (f' class="{p}-h"' if iso3 in set(highlight) else "")
        href = (links or {}).get(iso3)
        if href is not None:
            body.append(f'<a href="{escape(href)}" {attrs}>' + "".join(parts) + "</a>")
        else:
            body.append(f"<g {attrs}>" + "".join(parts) + "</g>")
    svg = "\n".join([*head, "<g>", *body, "</g></g>", *([drawn] if drawn else []), "</svg>"]) + "\n"
    prefix = "m" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:8]
    return WorldMap(svg=svg.replace(_PREFIX, prefix), legend=model, legend_inside=legend == "svg")


def _scores(values: pd.DataFrame, known: dict) -> dict[str, float | None]:
    """Score per country of the index (``None`` where missing), after checking the table."""
    missing = {"iso3", "score"} - set(values.columns)
    if missing:
        raise ParameterError(f"map values: expected columns iso3 and score, found {list(values.columns)}")
    codes = values["iso3"].astype("str")
    dup = sorted(set(codes[codes.duplicated()]))
    if dup:
        raise ParameterError(f"map values: expected one score per country, found several for {dup}")
    unknown = sorted(set(codes) - set(known))
    if unknown:
        raise ParameterError(f"map values: expected ISO3 codes of the index's countries, found {unknown}")
    given = {c: (None if pd.isna(s) else float(s)) for c, s in zip(codes, values["score"], strict=True)}
    return {iso3: given.get(iso3) for iso3 in sorted(known)}


def _rings(d: str) -> list[list[tuple[float, float]]]:
    """The rings of a path made of ``M x y l dx dy ... z`` rings, as absolute points."""
    rings = []
    for ring in d.split("M")[1:]:
        start, _, steps = ring.rstrip("z").partition("l")
        x, y = (float(v) for v in start.split())
        numbers = [float(v) for v in _NUMBER.findall(steps)]
        points = [(x, y)]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        rings.append(points)
    return rings


def _short(number: float, separated: bool) -> str:
    """A path number as short as SVG allows: no leading zero, a space before it only where a sign does not
    separate it from the number before."""
    text = _f(number)
    text = text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
    return text if not separated or text.startswith("-") else " " + text


def _quantum(view_width: float, width: int | None) -> float:
    """The grid a cropped map's outlines are snapped to: at most two thirds of a pixel at the map's width (800 px
    when it fills its container), one of 0.1, 0.2, 0.5, 1 or 2 frame units so the numbers stay short."""
    limit = view_width / (width or 800) * 2 / 3
    return max((q for q in (0.1, 0.2, 0.5, 1.0, 2.0) if q <= limit), default=0.1)


def keep_indices(points: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Douglas–Peucker: the indices of the points kept, ends included; a closed arc is measured from its start.
    (``scripts/world_shapes.py`` simplifies the shipped shapes with it too.)"""
    if len(points) < 3:
        return list(range(len(points)))
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if d > worst:
                worst, index = d, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [i for i, k in enumerate(keep) if k]


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """The points of a closed ring that keep it within ``tolerance`` (a ring of three points as it is)."""
    return points if len(points) < 4 else [points[i] for i in keep_indices(points, tolerance)]


@lru_cache(maxsize=4096)
def coarse_path(d: str, view: tuple[float, float, float, float], quantum: float) -> str:
    """``d`` for a cropped map: only the rings that reach into ``view``, simplified within ``quantum`` and
    snapped to its grid (rings smaller than the grid left out); ``""`` when nothing is left."""
    vx, vy, vw, vh = view
    margin = 2 * DOT_RADIUS
    out = []
    for ring in _rings(d):
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        if min(xs) > vx + vw + margin or max(xs) < vx - margin or min(ys) > vy + vh + margin or max(ys) < vy - margin:
            continue
        snapped: list[tuple[int, int]] = []
        for x, y in _simplify(ring, quantum):
            point = (round(x / quantum), round(y / quantum))
            if not snapped or point != snapped[-1]:
                snapped.append(point)
        if len(snapped) > 1 and snapped[-1] == snapped[0]:
            snapped.pop()
        if len(snapped) < 3:
            continue
        (x, y), steps = snapped[0], ""
        for px, py in snapped[1:]:
            steps += _short((px - x) * quantum, bool(steps)) + _short((py - y) * quantum, True)
            x, y = px, py
        start = _short(snapped[0][0] * quantum, False) + _short(snapped[0][1] * quantum, True)
        out.append(f"M{start}l{steps}z")
    return "".join(out)


@lru_cache(maxsize=512)
def _extent(d: str) -> tuple[float, float, float, float]:
    """The box of a path made of ``M x y l dx dy ... z`` rings (as the shapes file writes them)."""
    xs, ys = [], []
    for ring in d.split("M")[1:]:
        start, _, steps = ring.rstrip("z").partition("l")
        x, y = (float(v) for v in start.split())
        numbers = [float(v) for v in _NUMBER.findall(steps)]
        xs.append(x)
        ys.append(y)
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def _visible(d: str, dot: list[float] | None, view: tuple[float, float, float, float]) -> bool:
    """Whether a shape (or its dot) reaches into the view; the whole frame shows everything."""
    vx, vy, vw, vh = view
    boxes = [_extent(d)] if d else []
    if dot is not None:
        boxes.append((dot[0], dot[1], dot[0], dot[1]))
    margin = 2 * DOT_RADIUS
    return any(x0 <= vx + vw + margin and x1 >= vx - margin and y0 <= vy + vh + margin and y1 >= vy - margin
               for x0, y0, x1, y1 in boxes)


def _view(shapes: dict, focus: Collection[str] | None) -> tuple[float, float, float, float]:
    """The viewBox (x, y, width, height): the whole frame, or the focus countries' boxes with a margin."""
    if not focus:
        return 0.0, 0.0, float(shapes["width"]), float(shapes["height"])
    boxes = [shapes["countries"][c]["bbox"] for c in sorted(focus)]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = max(8.0, 0.12 * max(x1 - x0, y1 - y0))
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w < 1.4 * h:  # not taller than wide: room for the legend and for neighbours
        x0, w = x0 - (1.4 * h - w) / 2, 1.4 * h
    if h < w / 2.4:
        y0, h = y0 - (w / 2.4 - h) / 2, w / 2.4
    top, bottom = _land_rows()
    if h >= bottom - top:  # countries far apart: no sea or empty frame above or below the land
        y0, h = top, bottom - top
    else:  # slid inside the land's rows, never past them
        y0 = min(max(y0, top), bottom - h)
    return round(x0, 1), round(y0, 1), round(w, 1), round(h, 1)


@lru_cache(maxsize=1)
def _land_rows() -> tuple[float, float]:
    """The top and bottom of the drawn land (shapes, dots and the land outside the index), with a dot's margin."""
    shapes = load_shapes()
    tops, bottoms = [], []
    for d in [c["d"] for c in shapes["countries"].values()] + [o["d"] for o in shapes["other"]]:
        if d:
            _, y0, _, y1 = _extent(d)
            tops.append(y0)
            bottoms.append(y1)
    dots = [c["centroid"][1] for c in shapes["countries"].values() if c["dot"]]
    margin = 2 * DOT_RADIUS
    return min(tops + dots) - margin, max(bottoms + dots) + margin


def _legend(legend: MapLegend, x: float, y: float, u: float) -> tuple[str, float]:
    """The legend drawn inside the SVG below the map, and its height: the colour bar with its ends (better,
    worse), then the swatches for no data, grey land and small countries, then the countries without data."""
    font, bar_w, bar_h = 19 * u, 330 * u, 13 * u
    left = x + 10 * u
    step = bar_w / LEGEND_STEPS
    low_text, high_text = legend.ends
    label_y = y + 10 * u + font
    bar_y = label_y + 0.4 * font
    ticks_y = bar_y + bar_h + font * 1.05
    row_y = ticks_y + font * 0.6
    sw = 20 * u
    out = [
        f'<g class="ocdata-map-legend" font-size="{_f(font)}" fill="#222">',
        f'<text x="{_f(left)}" y="{_f(label_y)}" font-weight="bold">{escape(legend.title)}</text>',
        "".join(
            f'<rect x="{_f(left + i * step)}" y="{_f(bar_y)}" width="{_f(step + 0.2 * u)}" height="{_f(bar_h)}"'
            f' fill="{fill}"/>'
            for i, fill in enumerate(legend.colours)
        ),
        f'<text x="{_f(left)}" y="{_f(ticks_y)}">{escape(low_text)}</text>',
        f'<text x="{_f(left + bar_w)}" y="{_f(ticks_y)}" text-anchor="end">{escape(high_text)}</text>',
    ]
    swatches = [
        (f'<rect width="{_f(sw)}" height="{_f(bar_h)}" fill="url(#{_PREFIX}-n)" stroke="#888"'
         f' stroke-width="{_f(0.5 * u)}"/>', legend.no_data, 150),
        (f'<rect width="{_f(sw)}" height="{_f(bar_h)}" fill="{OUTSIDE}"/>', legend.grey, 175),
        (f'<circle cx="{_f(sw / 2)}" cy="{_f(bar_h / 2)}" r="{_f(DOT_RADIUS * 1.3 * u)}" fill="#bbb" stroke="#333"'
         f' stroke-width="{_f(0.5 * u)}"/>', SMALL_COUNTRY, 0),
    ]
    sx = left
    for mark, text, advance in (s for s in swatches if s[1]):
        out.append(f'<g transform="translate({_f(sx)} {_f(row_y)})">{mark}'
                   f'<text x="{_f(sw + 6 * u)}" y="{_f(bar_h - 1 * u)}">{escape(text)}</text></g>')
        sx += (sw + 6 * u) + advance * u
    height = row_y + bar_h - y + 8 * u
    if legend.named:
        out.append(f'<text x="{_f(left)}" y="{_f(row_y + bar_h + font * 1.3)}">{escape(legend.named)}</text>')
        height += font * 1.3
    out.append("</g>")
    return "\n".join(out), height


_SWATCH = ("display:inline-block;box-sizing:border-box;width:1.5em;height:0.9em;vertical-align:-0.1em;"
           "margin-right:0.35em")


def legend_html(legend: MapLegend) -> str:
    """The legend as HTML for under a map drawn with ``legend="html"``: text at the page's size that wraps on a
    narrow screen, the same colour steps, end labels and swatches as the SVG legend; inline styles only (no
    script, no class the page must define), every text escaped."""
    low_text, high_text = legend.ends
    bar = "".join(f'<span style="flex:1 1 0;background:{fill}"></span>' for fill in legend.colours)
    hatch = (f"background:repeating-linear-gradient(45deg,#8c8c8c 0 1px,{NO_DATA} 1px 4px);"
             "border:1px solid #888")
    dot = ("display:inline-block;box-sizing:border-box;width:0.6em;height:0.6em;border-radius:50%;"
           "background:#bbb;border:1px solid #333;margin:0 0.45em 0 0.45em")
    swatches = [(f"{_SWATCH};{hatch}", legend.no_data), (f"{_SWATCH};background:{OUTSIDE}", legend.grey),
                (dot, SMALL_COUNTRY)]
    out = [
        '<div class="oc-map-legend" style="display:flex;flex-wrap:wrap;align-items:center;gap:0.3rem 1.5rem;'
        'font-size:0.85rem;line-height:1.35;color:#222;margin:0.4rem 0">',
        f'<strong style="flex:0 0 auto">{escape(legend.title)}</strong>',
        '<div style="flex:0 1 18rem;min-width:12rem">'
        f'<div aria-hidden="true" style="display:flex;height:0.8rem">{bar}</div>'
        '<div style="display:flex;justify-content:space-between;gap:0.5rem">'
        f"<span>{escape(low_text)}</span><span>{escape(high_text)}</span></div></div>",
        '<div style="display:flex;flex-wrap:wrap;gap:0.2rem 1.2rem">'
        + "".join(f'<span style="white-space:nowrap"><span aria-hidden="true" style="{style}"></span>'
                  f"{escape(text)}</span>" for style, text in swatches if text)
        + "</div>",
    ]
    if legend.named:
        out.append(f'<div style="flex:1 1 100%">{escape(legend.named)}</div>')
    out.append("</div>")
    return "".join(out)


def _description(label: str, higher_is_worse: bool, scores: dict[str, float | None], names: dict[str, str],
                 missing: list[str]) -> str:
    """The map in words: what the colours mean, the extremes, the countries without data."""
    present = {c: v for c, v in scores.items() if v is not None}
    text = (f"Map of {label} for {len(present)} countries; darker is worse "
            f"({'higher' if higher_is_worse else 'lower'} scores).")
    if present:
        top = max(present.values())
        bottom = min(present.values())
        hi = ", ".join(names.get(c, c) for c, v in present.items() if v == top)
        lo = ", ".join(names.get(c, c) for c, v in present.items() if v == bottom)
        text += f" Highest: {hi} ({top:.2f}). Lowest: {lo} ({bottom:.2f})."
    if missing:
        text += f" No data: {', '.join(names.get(c, c) for c in missing)}."
    return text


def _f(number: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

