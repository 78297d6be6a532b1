"""``ocdata report``: plan the reports, check every parameter, render them, and write the index.

Everything a notebook will receive is validated here before any kernel starts: countries are ISO3
codes present in the data, editions exist for them, a region is one the data knows, the workbook is
a file. Output files are named from those validated codes and years only
(``KGZ_2025.html``, ``compare_2023_KAZ-KGZ.html``, ``tutorial.html``), and ``index.html`` links
every report in the folder with its headline numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ocdata import views
from ocdata.errors import ParameterError
from ocdata.paths import PROJECT_DIR, reports_dir
from ocdata.render import ReportJob, WorkerPool, output_path, write_atomic

NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
MAX_COMPARE = 12
"""``--all`` compares every country at once up to this many; beyond, it compares each region's."""
MAX_NAMED = 8
"""A comparison of up to this many countries is named by their codes; beyond, by a digest of them."""
MANIFEST = "index.json"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
"""The index's Content-Security-Policy: no script, no request, inline styles only."""


@dataclass(frozen=True)
class Planned:
    """A report to render and what the index says about it."""

    job: ReportJob
    entry: dict = field(default_factory=dict)


def notebook(name: str) -> Path:
    """The path of a bundled notebook (``country_profile``, ``compare``, ``tutorial``)."""
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError(f"notebook {path} is missing")
    return path


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def validate_workbook(workbook: Path | str | None) -> str:
    """The workbook as an absolute path string ("" for none); it must be an existing .xlsx file."""
    if workbook in (None, ""):
        return ""
    path = Path(workbook).expanduser().resolve()
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        raise ParameterError(f"workbook {str(workbook)!r} is not an existing .xlsx file")
    return str(path)


def compare_name(countries: Sequence[str], edition: int) -> str:
    """The file stem of a comparison, from validated ISO3 codes and the edition only."""
    if len(countries) <= MAX_NAMED:
        return f"compare_{edition}_{'-'.join(countries)}"
    digest = hashlib.sha256(",".join(sorted(countries)).encode("ascii")).hexdigest()[:10]
    return f"compare_{edition}_{len(countries)}-countries-{digest}"


def plan_profile(data, country: str, edition: int | None, workbook: str) -> Planned:
    """A country profile: validated code and edition, file ``ISO3_EDITION``."""
    country = views.validate_country(data, country)
    year = views.validate_edition(data, edition, [country])
    info = views.country_info(data, country)
    headline = views.composite_scores(data, country, year)
    job = ReportJob(
        name=f"{country}_{year}",
        notebook=notebook("country_profile"),
        parameters={"country": country, "edition": year, "workbook": workbook},
        title=f"{info['country']} ({country}), Global Organized Crime Index {year}",
    )
    entry = {"kind": "profile", "title": f"{info['country']} ({country})", "edition": year,
             "countries": [country], "region": info["region"],
             "scores": [_scores_of(info["country"], headline)]}
    return Planned(job, entry)


def plan_compare(data, countries: Sequence[str], edition: int | None, workbook: str) -> Planned:
    """A comparison: at least two validated codes and an edition they all have."""
    codes = views.validate_countries(data, list(countries), minimum=2)
    year = views.validate_edition(data, edition, codes)
    group = views.describe_group(data, codes, year)
    names = data.countries.set_index("iso3")["country"]
    job = ReportJob(
        name=compare_name(codes, year),
        notebook=notebook("compare"),
        parameters={"countries": codes, "edition": year, "workbook": workbook},
        title=f"{group}: {len(codes)} countries compared, Global Organized Crime Index {year}",
    )
    scores = [_scores_of(names[c], views.composite_scores(data, c, year)) for c in codes]
    entry = {"kind": "compare", "title": f"{group}: {len(codes)} countries", "edition": year,
             "countries": codes, "scores": scores}
    return Planned(job, entry)


def plan_tutorial(data, workbook: str, with_code: bool = True) -> Planned:
    """The tutorial, on KGZ when the data has it (else the first country); it keeps its code."""
    codes = sorted(set(data.scores["iso3"]))
    country = "KGZ" if "KGZ" in codes else codes[0]
    job = ReportJob(
        name="tutorial",
        notebook=notebook("tutorial"),
        parameters={"country": country, "workbook": workbook},
        title="Working with the Global Organized Crime Index: a guided tour",
        with_code=with_code,
    )
    return Planned(job, {"kind": "tutorial", "title": "Tutorial: a guided tour of the data",
                         "edition": None, "countries": [country], "scores": []})


def _scores_of(name: str, scores) -> dict:
    def get(key: str) -> float | None:
        value = scores.get(key)
        return None if value is None or value != value else round(float(value), 2)

    return {"country": str(name), "criminality": get("criminality"), "resilience": get("resilience")}


def plan_reports(
    data,
    *,
    countries: Sequence[str] = (),
    compare: str | Sequence[str] | None = None,
    region: str | None = None,
    edition: int | None = None,
    all_: bool = False,
    workbook: str = "",
    with_code: bool = False,
) -> list[Planned]:
    """Every report the command asks for, validated; raises ParameterError before anything runs."""
    if edition is not None:
        if isinstance(edition, bool) or not isinstance(edition, int):
            raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
        if edition not in views.editions_known():
            raise ParameterError(f"edition {edition} is not an edition of the index ({views.editions_known()})")
    planned: list[Planned] = []
    for country in countries:
        planned.append(plan_profile(data, country, edition, workbook))
    if compare is not None:
        planned.append(plan_compare(data, views.validate_countries(data, compare, minimum=2), edition, workbook))
    if region is not None:
        if not isinstance(region, str):
            raise ParameterError(f"region must be a region's name, found {region!r}")
        members = views.region_members(data, region, edition)
        if len(members) < 2:
            raise ParameterError(f"region {region!r} has {len(members)} countries in the data"
                                 + (f" for {edition}" if edition else "") + "; a comparison needs two"
                                 + ("" if workbook else " (pass --workbook for all countries)"))
        planned.append(plan_compare(data, members, edition, workbook))
    if all_:
        planned.extend(plan_all(data, edition, workbook))
    if not planned:
        raise ParameterError("nothing to render: name countries (ISO3), --compare, --region or --all")
    unique: dict[str, Planned] = {}
    for plan in planned:
        unique.setdefault(plan.job.name, plan)
    out = list(unique.values())
    if with_code:
        out = [Planned(ReportJob(p.job.name, p.job.notebook, p.job.parameters, p.job.title, True), p.entry)
               for p in out]
    return out


def plan_all(data, edition: int | None, workbook: str) -> list[Planned]:
    """A profile of every country (in ``edition``, or each one's latest), the comparison of all of
    them (of each region's, past :data:`MAX_COMPARE` countries), and the tutorial."""
    codes = sorted(set(data.scores["iso3"]))
    if edition is not None:
        codes = [c for c in codes if edition in views.editions_of(data, c)]
        if not codes:
            raise ParameterError(f"the data has no country with a {edition} edition")
    planned = [plan_profile(data, c, edition, workbook) for c in codes]
    year = edition or _latest_common(data, codes)
    if year is not None:
        have = [c for c in codes if year in views.editions_of(data, c)]
        if 2 <= len(have) <= MAX_COMPARE:
            planned.append(plan_compare(data, have, year, workbook))
        elif len(have) > MAX_COMPARE:
            regions = data.countries.set_index("iso3").loc[have, "region"]
            for region in sorted(regions.unique()):
                members = sorted(regions.index[regions == region])
                if len(members) >= 2:
                    planned.append(plan_compare(data, members, year, workbook))
    planned.append(plan_tutorial(data, workbook))
    return planned


def _latest_common(data, codes: Sequence[str]) -> int | None:
    """The latest edition most of ``codes`` have (all of them, where they share one)."""
    counts: dict[int, int] = {}
    for code in codes:
        for year in views.editions_of(data, code):
            counts[year] = counts.get(year, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return max(year for year, n in counts.items() if n == best)


def warmup_code(workbook: str) -> str:
    """What each kernel runs once before its first report: the imports and loading the data."""
    return (
        "import seaborn\n"
        "from ocdata import plots, views\n"
        f"views.load_dataset({workbook!r})\n"
    )


# --- the index ------------------------------------------------------------------------------------


def read_manifest(out: Path) -> dict[str, dict]:
    """What ``index.json`` records about earlier reports in ``out`` (only files that still exist)."""
    path = out / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {name: entry for name, entry in entries.items()
            if isinstance(entry, dict) and _is_report_file(out, name)}


def _is_report_file(out: Path, name: str) -> bool:
    try:
        return output_path(out, name).is_file()
    except ParameterError:
        return False


def write_index(out: Path, entries: dict[str, dict]) -> Path:
    """Write ``index.json`` and ``index.html`` (links with headline numbers) into ``out``."""
    write_atomic(out / MANIFEST, json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    write_atomic(out / "index.html", index_html(entries))
    return out / "index.html"


_KIND_ORDER = {"profile": 0, "compare": 1, "tutorial": 2}


def index_html(entries: dict[str, dict]) -> str:
    """The index page: the profiles with their headline scores, the comparisons with their
    countries, the tutorial; every piece of text escaped."""
    e = views.escape
    ordered = sorted(entries.items(), key=lambda kv: (_KIND_ORDER.get(kv[1].get("kind"), 9),
                                                      str(kv[1].get("title")), -(kv[1].get("edition") or 0)))
    profiles, comparisons, others = [], [], []
    for name, entry in ordered:
        link = f"<a href=\"{e(name)}.html\">{e(entry.get('title'))}</a>"
        edition = e(entry.get("edition")) if entry.get("edition") else ""
        scores = entry.get("scores") or []
        if entry.get("kind") == "profile" and scores:
            first = scores[0]
            profiles.append(f"<tr><td>{link}</td><td>{edition}</td><td>{e(entry.get('region', ''))}</td>"
                            f"<td class=\"num\">{_num(first.get('criminality'))}</td>"
                            f"<td class=\"num\">{_num(first.get('resilience'))}</td></tr>")
        elif entry.get("kind") == "compare":
            names = ", ".join(e(s.get("country")) for s in scores)
            comparisons.append(f"<tr><td>{link}</td><td>{edition}</td><td>{names}</td></tr>")
        else:
            others.append(f"<li>{link}</li>")
    sections = []
    if profiles:
        sections.append("<h2>Country profiles</h2>\n<table>\n<thead><tr><th>country</th><th>edition</th>"
                        "<th>region</th><th class=\"num\">criminality</th><th class=\"num\">resilience</th>"
                        "</tr></thead>\n<tbody>\n" + "\n".join(profiles) + "\n</tbody>\n</table>")
    if comparisons:
        sections.append("<h2>Comparisons</h2>\n<table>\n<thead><tr><th>report</th><th>edition</th>"
                        "<th>countries</th></tr></thead>\n<tbody>\n" + "\n".join(comparisons)
                        + "\n</tbody>\n</table>")
    if others:
        sections.append("<h2>Teaching</h2>\n<ul>\n" + "\n".join(others) + "\n</ul>")
    body = "\n".join(sections) or "<p>No reports yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Global Organized Crime Index: reports</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 64rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
th, td {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }}
th {{ font-weight: 600; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
p.note {{ color: #57606a; }}
</style>
</head>
<body>
<h1>Global Organized Crime Index: reports</h1>
<p class="note">Criminality: higher is worse. Resilience: higher is better. Scores from 1 to 10.
Data: the Global Organized Crime Index by the Global Initiative Against Transnational Organized Crime (GI-TOC).</p>
{body}
</body>
</html>
"""


def _num(value) -> str:
    return "–" if value is None else f"{value:.2f}"


# --- the command ----------------------------------------------------------------------------------


def run_reports(
    countries: Sequence[str] = (),
    compare: str | None = None,
    region: str | None = None,
    edition: int | None = None,
    all_: bool = False,
    workbook: Path | None = None,
    jobs: int | None = None,
    out: Path | None = None,
    with_code: bool = False,
    progress: bool = True,
) -> int:
    """Render the reports the command line asks for; 0 when all were written, 1 when any failed.

    The kernels start first (they import and load the data while this process does the same to
    check the parameters); no notebook runs until every parameter is valid.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ParameterError(f"--jobs must be a positive number, found {jobs!r}")
    countries = list(countries or ())
    if not (countries or compare or region or all_):
        raise ParameterError("nothing to render: name countries (ISO3), --compare, --region or --all")
    codes = countries + ([c.strip() for c in compare.split(",")] if isinstance(compare, str) else [])
    bad = [c for c in codes if not views.ISO3.fullmatch(c)]
    if bad:
        raise ParameterError(f"countries must be upper-case ISO3 codes such as 'KGZ', found {bad}")
    book = validate_workbook(workbook)
    out = Path(out) if out is not None else reports_dir()
    size = jobs or default_jobs()
    if not (all_ or region):
        size = max(1, min(size, len(countries) + (compare is not None)))
    with WorkerPool(size, warmup=warmup_code(book), progress=progress) as pool:
        data = views.load_dataset(book)
        planned = plan_reports(data, countries=countries, compare=compare, region=region,
                               edition=edition, all_=all_, workbook=book, with_code=with_code)
        results = pool.run([p.job for p in planned], out)
    entries = read_manifest(out)
    for plan, result in zip(planned, results, strict=True):
        if result.ok:
            entries[plan.job.name] = plan.entry
    index = write_index(out, read_manifest_filter(out, entries))
    failed = [r for r in results if not r.ok]
    written = len(results) - len(failed)
    print(f"wrote {written} report(s) to {out}{os.sep} (index: {index})")
    for result in failed:
        print(f"failed: {result.name}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


def read_manifest_filter(out: Path, entries: dict[str, dict]) -> dict[str, dict]:
    """The entries whose report file exists in ``out``."""
    return {name: entry for name, entry in entries.items() if _is_report_file(out, name)}
