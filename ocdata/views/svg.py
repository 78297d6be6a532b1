"""Matplotlib's SVG made small and safe to place inline: the text stays text, ids stay unique.

A pure text transform (no matplotlib import): the prolog, metadata and structural ids go, numbers are
cut to 0.01 pt, the font stack is declared once, referenced ids get a prefix derived from the figure's
own content (deterministic), and the figure gets a ``<title>`` and ``role="img"`` for screen readers.
"""

from __future__ import annotations

import hashlib
import html
import re

FONT_STACK = "'DejaVu Sans', Arial, Helvetica, sans-serif"
"""The fonts a figure's text is drawn in: matplotlib's own metrics font first, then what every browser has."""
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_STYLE = re.compile(r"<style type=\"text/css\">.*?</style>", re.S)
_FONT = re.compile(r"font-family: [^;\"]*(?:; )?")
_NUMBER = re.compile(r"(?<![\w#.])(-?\d+\.\d{3,})")
_ID = re.compile(r' id="([^"]+)"')
_REF = re.compile(r"(?:xlink:href=\"#|url\(#)([^\")]+)")
_RECT = re.compile(r'<path d="M (\S+) (\S+) L (\S+) \2 L \3 (\S+) L \1 \4 (?:L \1 \2 )?z?\s*"')
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^)]*\)"')
_EMPTY_GROUP = re.compile(r"<g>\s*(<(?:text|path|use)\b[^>]*?(?:/>|>[^<]*</text>))\s*</g>", re.S)


def _round(match: re.Match) -> str:
    text = f"{float(match.group(1)):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _rect(match: re.Match) -> str:
    x1, y1, x2, y2 = (float(match.group(i)) for i in (1, 2, 3, 4))
    x, y, w, h = (f"{v:.2f}".rstrip("0").rstrip(".") for v in (min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)))
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}"'


def slim_svg(svg: str, title: str = "") -> str:
    """``svg`` (matplotlib's output) slimmed, with ``title`` as its accessible name."""
    svg = _PROLOG.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    svg = _FONT.sub("", svg).replace(' style=""', "")
    svg = re.sub(r"(style=\"[^\"]*?);? ?\"", r'\1"', svg)
    svg = re.sub(r"\s*\n\s*(?=[LMCQZz])", " ", svg)
    svg = _NUMBER.sub(_round, svg)
    svg = _RECT.sub(_rect, svg)
    svg = _NO_ROTATION.sub("", svg)
    svg = re.sub(r"\n\s+", "\n", svg)
    referenced = set(_REF.findall(svg))
    prefix = "f" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = _ID.sub(lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else "", svg)
    svg = _REF.sub(lambda m: m.group(0)[: -len(m.group(1))] + prefix + m.group(1), svg)
    for _ in range(2):
        svg = _EMPTY_GROUP.sub(r"\1", svg)
    style = (f"<style type=\"text/css\">.oc-svg *{{stroke-linejoin: round; stroke-linecap: butt}} "
             f".oc-svg text{{font-family: {FONT_STACK}}}</style>")
    svg = _STYLE.sub(style, svg, count=1)
    head = '<svg class="oc-svg" role="img"'
    label = html.escape(title, quote=True)
    svg = svg.replace("<svg ", head + (f' aria-label="{label}" ' if title else " "), 1)
    if title:
        svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + f"\n <title>{label}</title>", svg, count=1)
    return svg
