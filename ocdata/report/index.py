"""The folder's index: ``index.json`` (what each report is and which files it wrote) and ``index.html``
(a world map whose countries link to their reports, then links with headline numbers, by kind of report as
the registry declares, from ``templates/index.html.j2``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ocdata.outputs.atomic import write_bytes_atomic
from ocdata.outputs.ledger import Ledger, file_sha256
from ocdata.render.jobs import output_path
from ocdata.report.outdir import GENERATOR, INDEX_HTML, INDEX_JSON, WRITING
from ocdata.report.registry import report_kinds
from ocdata.templating import render
from ocdata.views.maps import MIN_SPAN


def existing(out: Path, entries: dict[str, dict]) -> dict[str, dict]:
    """The entries whose report file exists in ``out`` (safe names only)."""
    kept = {}
    for name, entry in entries.items():
        try:
            if output_path(out, name).is_file():
                kept[name] = entry
        except Exception:  # a name that is not a plain file stem is not ours to list
            continue
    return kept


def write_index(out: Path, entries: dict[str, dict], *, partial: bool = False, writing: Iterable[str] = ()) -> Path:
    """Write ``index.json`` and ``index.html`` into ``out``; ``partial`` marks a batch that stopped early,
    ``writing`` the files it may have left that no entry lists (see :func:`claim_files`). Both are recorded in
    the folder's record of what ocdata wrote (before and after writing them: a write cut short leaves either
    version known as ocdata's)."""
    entries = existing(out, entries)
    _write_recorded(out, {INDEX_JSON: _index_json(entries, partial, writing),
                          INDEX_HTML: index_html(entries, partial=partial, out=out)})
    return out / INDEX_HTML


def claim_files(out: Path, entries: dict[str, dict], writing: Iterable[str]) -> Path:
    """Before a batch writes anything: ``index.json`` keeps ``entries`` and claims ``writing`` (the files the
    batch may write, listed or not), so that, were the batch killed outright, the next one knows those files are
    ocdata's, whatever bytes it left in them."""
    _write_recorded(out, {INDEX_JSON: _index_json(existing(out, entries), True, writing)})
    return out / INDEX_JSON


def _write_recorded(out: Path, texts: dict[str, str]) -> None:
    """Write each ``name → text`` into ``out`` atomically, in order, recorded in the folder's ledger; a file
    changed by someone since the batch checked it is refused (``InputError``), never replaced."""
    ledger = Ledger.read(out)
    planned = {out / name: text.encode("utf-8") for name, text in texts.items()}
    known = [p for p in planned if ledger.recorded(p) is None and p.is_file()]  # an earlier ocdata's, checked
    ledger.record({p: file_sha256(p) for p in known})
    # a write cut short before (a full disk) left its file with the bytes it was replacing: recorded as those,
    # or committing this write would forget them and take the file for the user's
    unwritten = {out / key: digest for key, digest in ledger.previous.items() if out / key not in planned}
    ledger.record({p: d for p, d in unwritten.items() if file_sha256(p) == d})
    ledger.refuse_foreign(planned.items(), hint="move it away or choose another --out")
    ledger.begin(planned)
    for path, data in planned.items():
        write_bytes_atomic(path, data)
    ledger.commit()


def _index_json(entries: dict[str, dict], partial: bool, writing: Iterable[str]) -> str:
    content: dict = {"generator": GENERATOR, "partial": partial, "reports": entries}
    if writing := sorted(set(writing)):
        content[WRITING] = writing
    return json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _num(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _map_edition(entries: dict[str, dict], profiles: dict[str, dict]) -> tuple[int | None, dict[str, dict], str]:
    """The edition the map shows, each country's scores in it, and the overview report (if any) it comes from:
    the overview with the most countries (the latest edition among equals); without one, the edition most
    profiles have (the latest among equals), from their headline scores."""
    overviews = [(len(e["map"]), int(e["edition"]), n) for n, e in entries.items()
                 if isinstance(e.get("map"), dict) and e["map"] and isinstance(e.get("edition"), int)]
    if overviews:
        _, year, name = max(overviews)
        return year, entries[name]["map"], name
    counts: dict[int, int] = {}
    for entry in profiles.values():
        counts[entry["edition"]] = counts.get(entry["edition"], 0) + 1
    if not counts:
        return None, {}, ""
    year = max(counts, key=lambda e: (counts[e], e))
    values = {}
    for entry in profiles.values():
        if entry["edition"] == year and entry.get("scores"):
            values[entry["countries"][0]] = entry["scores"][0]
    return year, values, ""


def index_map(entries: dict[str, dict]) -> dict | None:
    """The index's map: criminality of one edition, each country with a profile in ``entries`` coloured and a
    link to it (the map's edition, else its latest) with a hover title of its scores, every other country grey
    ("no report here", as its legend says), and the legend as HTML for under it (``svg``, ``legend``); None
    without any profile."""
    from ocdata.maps import draw_world_map, legend_html, load_shapes

    known = load_shapes()["countries"]
    kinds = report_kinds()
    profiles = {n: e for n, e in entries.items() if getattr(kinds.get(str(e.get("kind"))), "subject", "") == "country"
                and len(e.get("countries") or []) == 1 and e["countries"][0] in known
                and isinstance(e.get("edition"), int)}
    if not profiles:
        return None
    year, values, overview = _map_edition(entries, profiles)
    reports: dict[str, list[tuple[int, str]]] = {}
    for name, entry in profiles.items():
        reports.setdefault(entry["countries"][0], []).append((entry["edition"] == year, entry["edition"], name))
    links = {c: f"{max(found)[2]}.html" for c, found in reports.items()}
    other = {c: max(found)[1] for c, found in reports.items() if not max(found)[0]}
    names = _names()
    titles, rows = {}, []
    for iso3 in sorted(set(values) | set(links)):
        if iso3 not in known:
            continue
        score = values.get(iso3) or {}
        crim, res = score.get("criminality"), score.get("resilience")
        parts = [f"{label} {value:.2f}" for label, value in (("criminality", crim), ("resilience", res))
                 if value is not None]
        title = f"{names.get(iso3, iso3)}: " + ", ".join(parts)
        if iso3 not in links:  # an overview's scores: told on hover, but grey as the legend says
            titles[iso3] = f"{title} (no report here)" if parts else f"{names.get(iso3, iso3)} (no report here)"
            continue
        if iso3 in other:
            title += f" ({year}; opens the {other[iso3]} report)" if parts else (
                f"no score in {year}; opens the {other[iso3]} report")
        titles[iso3] = title
        rows.append({"iso3": iso3, "score": float("nan") if crim is None else float(crim)})
    table = pd.DataFrame(rows, columns=["iso3", "score"])
    few = table["score"].notna().sum() < MIN_SPAN  # two countries would span the whole scale between them
    drawn = draw_world_map(table, metric_label=f"Criminality {year}", domain=(1.0, 10.0) if few else None,
                           higher_is_worse=True, links=links, titles=titles,
                           caption=f"Criminality {year}: each country with a report here links to it",
                           unlisted="background", legend="html")
    editions = sorted({e["edition"] for e in profiles.values()})
    return {"svg": Markup(drawn.svg), "legend": Markup(legend_html(drawn.legend)), "edition": year,
            "editions": editions, "linked": len(links), "overview": f"{overview}.html" if overview else ""}


def _names() -> dict[str, str]:
    from ocdata.countries import load_countries

    return load_countries().set_index("iso3")["country"].to_dict()


def _pdf_link(out: Path | None, name: str, entry: dict) -> str:
    """The PDF of report ``name`` to link (``NAME.pdf``) when its entry lists one (and, given the folder, it is
    there); ``""`` otherwise."""
    file = f"{name}.pdf"
    if file not in (entry.get("files") or []):
        return ""
    return file if out is None or (out / file).is_file() else ""


def index_html(entries: dict[str, dict], *, partial: bool = False, out: Path | None = None) -> str:
    """The index page: the map, then a section per kind of report (registry order; kinds naming the same
    section share it), each report's PDF linked beside it where there is one, every piece of text escaped."""
    kinds = report_kinds()
    sections = []
    for kind in kinds.values():
        rows = []
        mine = [(n, e) for n, e in entries.items() if e.get("kind") == kind.name]
        for name, entry in sorted(mine, key=lambda kv: (str(kv[1].get("title")), -(kv[1].get("edition") or 0))):
            scores = entry.get("scores") or []
            first = scores[0] if scores else {}
            rows.append({"href": f"{name}.html", "pdf": _pdf_link(out, name, entry),
                         "label": entry.get("title"), "edition": entry.get("edition") or "",
                         "region": entry.get("region", ""), "criminality": _num(first.get("criminality")),
                         "resilience": _num(first.get("resilience")),
                         "countries": ", ".join(str(s.get("country")) for s in scores)})
        same = [s for s in sections if (s["title"], s["layout"]) == (kind.section, kind.layout)]
        if same:  # kinds that share a section (the tutorial and the lessons) list together, in registry order
            same[0]["rows"] += rows
        elif rows:
            sections.append({"title": kind.section, "layout": kind.layout, "rows": rows})
    return render("index.html.j2", sections=sections, partial=partial, map=index_map(entries)) + "\n"
