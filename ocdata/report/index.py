"""The folder's index: ``index.json`` (what each report is and which files it wrote) and ``index.html``
(links with headline numbers, by kind of report as the registry declares, from ``templates/index.html.j2``)."""

from __future__ import annotations

import json
from pathlib import Path

from ocdata.atomic import write_text_atomic
from ocdata.render.jobs import output_path
from ocdata.report.outdir import GENERATOR, INDEX_HTML, INDEX_JSON
from ocdata.report.registry import report_kinds
from ocdata.templating import render


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


def write_index(out: Path, entries: dict[str, dict], *, partial: bool = False) -> Path:
    """Write ``index.json`` and ``index.html`` into ``out``; ``partial`` marks a batch that stopped early."""
    entries = existing(out, entries)
    content = {"generator": GENERATOR, "partial": partial, "reports": entries}
    write_text_atomic(out / INDEX_JSON, json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    write_text_atomic(out / INDEX_HTML, index_html(entries, partial=partial))
    return out / INDEX_HTML


def _num(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def index_html(entries: dict[str, dict], *, partial: bool = False) -> str:
    """The index page: a section per kind of report (registry order), every piece of text escaped."""
    kinds = report_kinds()
    sections = []
    for kind in kinds.values():
        rows = []
        mine = [(n, e) for n, e in entries.items() if e.get("kind") == kind.name]
        for name, entry in sorted(mine, key=lambda kv: (str(kv[1].get("title")), -(kv[1].get("edition") or 0))):
            scores = entry.get("scores") or []
            first = scores[0] if scores else {}
            rows.append({"href": f"{name}.html", "label": entry.get("title"), "edition": entry.get("edition") or "",
                         "region": entry.get("region", ""), "criminality": _num(first.get("criminality")),
                         "resilience": _num(first.get("resilience")),
                         "countries": ", ".join(str(s.get("country")) for s in scores)})
        if rows:
            sections.append({"title": kind.section, "layout": kind.layout, "rows": rows})
    return render("index.html.j2", sections=sections, partial=partial) + "\n"
