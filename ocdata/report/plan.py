"""Plan a batch: every report the command asks for, each parameter checked before anything runs.

Countries are ISO3 codes present in the data, editions exist for them, a region is one the data knows.
File names come from those validated codes and years only, through each kind's pattern in
``reports.yaml`` (``KGZ_2025.html``, ``compare_2023_KAZ-KGZ.html``, ``tutorial.html``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ocdata.codebook import metrics
from ocdata.errors import ParameterError
from ocdata.render.jobs import ReportJob
from ocdata.report.registry import COMMON_PARAMETERS, ReportKind, kinds_of, report_kind, report_kinds
from ocdata.views.params import Catalog, editions_known

MAX_COMPARE = 12
"""``--all`` compares every country at once up to this many; beyond, it compares each region's."""
MAX_NAMED = 8
"""A comparison of up to this many countries is named by their codes; beyond, by a digest of them."""


@dataclass(frozen=True)
class Planned:
    """A report to render and what the index says about it."""

    job: ReportJob
    entry: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """What every notebook of the batch receives besides its subject: the workbook and the tables folder
    (``""`` for none / the default)."""

    workbook: str = ""
    tables: str = ""


def group_codes(countries: Sequence[str]) -> str:
    """The ``{codes}`` of a file name: the codes joined, or past :data:`MAX_NAMED` a count and a digest."""
    if len(countries) <= MAX_NAMED:
        return "-".join(countries)
    digest = hashlib.sha256(",".join(sorted(countries)).encode("ascii")).hexdigest()[:10]
    return f"{len(countries)}-countries-{digest}"


def compare_name(countries: Sequence[str], edition: int) -> str:
    """The file stem of a comparison, from validated ISO3 codes and the edition only."""
    return report_kind("compare").file.format(edition=edition, codes=group_codes(countries), iso3="")


def _scores_of(name: str, scores: dict) -> dict:
    def get(key: str) -> float | None:
        value = scores.get(key)
        return None if value is None or value != value else round(float(value), 2)

    return {"country": str(name), "criminality": get("criminality"), "resilience": get("resilience")}


def accepted(kind: ReportKind) -> tuple[str, ...]:
    """The parameters a batch gives a kind's notebook: its subject's and the data to read (``workbook``,
    ``tables``). A lesson takes no subject (it runs as a student runs it) but reads the batch's data all the
    same, so that every page of a batch shows the build its command checked."""
    return kind.parameters + tuple(p for p in COMMON_PARAMETERS if p not in kind.parameters)


class Planner:
    """Plans reports on one dataset (its :class:`~ocdata.views.params.Catalog` is made once)."""

    def __init__(self, data, inputs: Inputs = Inputs()) -> None:
        self.data = data
        self.catalog = Catalog.of(data)
        self.inputs = inputs

    def _job(self, kind: ReportKind, name: str, title: str, parameters: dict) -> ReportJob:
        given = {**parameters, "workbook": self.inputs.workbook, "tables": self.inputs.tables}
        return ReportJob(name=name, notebook=kind.notebook_path(),
                         parameters={k: v for k, v in given.items() if k in accepted(kind)}, title=title,
                         with_code=kind.show_code)

    def country(self, kind: ReportKind, country: str, edition: int | None) -> Planned:
        """A report about one validated country and edition."""
        country = self.catalog.validate_country(country)
        year = self.catalog.validate_edition(edition, [country])
        info = self.catalog.info[country]
        fields = {"country": info["country"], "iso3": country, "edition": year, "group": info["country"], "n": 1}
        job = self._job(kind, kind.file.format(iso3=country, edition=year, codes=country), kind.title.format(**fields),
                        {"country": country, "edition": year})
        scores = self.catalog.composites.get((country, year), {})
        entry = {"kind": kind.name, "title": kind.label.format(**fields), "edition": year, "countries": [country],
                 "region": self.catalog.region_of(country, year), "scores": [_scores_of(info["country"], scores)]}
        return Planned(job, entry)

    def countries(self, kind: ReportKind, countries: Sequence[str], edition: int | None) -> Planned:
        """A report about at least two validated countries in an edition they all have."""
        codes = self.catalog.validate_countries(list(countries), minimum=2)
        year = self.catalog.validate_edition(edition, codes)
        group = self.catalog.describe_group(codes, year)
        fields = {"country": group, "iso3": "", "edition": year, "group": group, "n": len(codes)}
        job = self._job(kind, kind.file.format(iso3="", edition=year, codes=group_codes(codes)),
                        kind.title.format(**fields), {"countries": codes, "edition": year})
        scores = [_scores_of(self.catalog.info[c]["country"], self.catalog.composites.get((c, year), {}))
                  for c in codes]
        entry = {"kind": kind.name, "title": kind.label.format(**fields), "edition": year, "countries": codes,
                 "scores": scores}
        return Planned(job, entry)

    def edition(self, kind: ReportKind, edition: int | None) -> Planned:
        """A report about every country of one edition (``None``: the latest with the most countries); its
        entry keeps each country's criminality and resilience for the index's map."""
        from ocdata.views.overview import overview_edition

        year = overview_edition(self.data, edition)
        scores = {c: _scores_of(self.catalog.info[c]["country"], s) for (c, e), s in self.catalog.composites.items()
                  if e == year and c in self.catalog.info}
        shown = {c: {"criminality": v["criminality"], "resilience": v["resilience"]} for c, v in sorted(scores.items())
                 if v["criminality"] is not None and v["resilience"] is not None}
        fields = {"country": "", "iso3": "", "edition": year, "group": "", "n": len(shown)}
        job = self._job(kind, kind.file.format(iso3="", edition=year, codes=""), kind.title.format(**fields),
                        {"edition": year})
        entry = {"kind": kind.name, "title": kind.label.format(**fields), "edition": year, "countries": [],
                 "scores": [], "map": shown}
        return Planned(job, entry)

    def metric(self, kind: ReportKind, edition: int | None, metric: str) -> Planned:
        """A report about one metric of a whole edition (``None``: the overview's edition)."""
        from ocdata.codebook import label_of
        from ocdata.views.overview import overview_edition

        year = overview_edition(self.data, edition)
        n = sum(1 for (_, e), s in self.catalog.composites.items() if e == year and metric in s)
        fields = {"country": "", "iso3": "", "edition": year, "group": "", "n": n, "metric": label_of(metric).lower()}
        job = self._job(kind, kind.file.format(iso3="", edition=year, codes="", metric=metric),
                        kind.title.format(**fields), {"edition": year, "metric": metric})
        entry = {"kind": kind.name, "title": kind.label.format(**fields), "edition": year, "countries": [],
                 "scores": []}
        return Planned(job, entry)

    def example(self, kind: ReportKind) -> Planned:
        """A teaching report, on KGZ when the data has it (else the first country)."""
        codes = sorted(self.catalog.editions)
        country = "KGZ" if "KGZ" in codes else codes[0]
        fields = {"country": self.catalog.info[country]["country"], "iso3": country, "edition": "", "group": "",
                  "n": 1}
        job = self._job(kind, kind.file.format(iso3=country, edition="", codes=country), kind.title.format(**fields),
                        {"country": country})
        entry = {"kind": kind.name, "title": kind.label.format(**fields), "edition": None, "countries": [country],
                 "scores": []}
        return Planned(job, entry)

    def every(self, edition: int | None) -> list[Planned]:
        """``--all``: each country-kind for every country (in ``edition``, or each one's latest), the
        countries-kinds on all of them (on each region's, past :data:`MAX_COMPARE` countries), every
        edition-kind (the overview) on the batch's edition, every metric-kind on each of its metrics, and every
        example kind; only kinds the registry marks ``in_all``."""
        codes = sorted(self.catalog.editions)
        if edition is not None:
            codes = [c for c in codes if edition in self.catalog.editions[c]]
            if not codes:
                raise ParameterError(f"the data has no country with a {edition} edition")
        wanted = [k for k in report_kinds().values() if k.in_all]
        planned = [self.country(kind, c, edition) for kind in wanted if kind.subject == "country" for c in codes]
        year = edition or self._latest_common(codes)
        groups: list[list[str]] = []
        if year is not None:
            have = [c for c in codes if year in self.catalog.editions[c]]
            if 2 <= len(have) <= MAX_COMPARE:
                groups.append(have)
            elif len(have) > MAX_COMPARE:
                for region in sorted({self.catalog.region_of(c, year) for c in have}):
                    members = sorted(c for c in have if self.catalog.region_of(c, year) == region)
                    if len(members) >= 2:
                        groups.append(members)
        planned += [self.countries(kind, g, year) for kind in wanted if kind.subject == "countries" for g in groups]
        planned += [self.edition(kind, year) for kind in wanted if kind.subject == "edition"]
        planned += [self.metric(kind, year, m) for kind in wanted if kind.subject == "metric" for m in metrics()]
        planned += [self.example(kind) for kind in wanted if kind.subject == "example"]
        return planned

    def _latest_common(self, codes: Sequence[str]) -> int | None:
        """The latest edition most of ``codes`` have (all of them, where they share one)."""
        counts: dict[int, int] = {}
        for code in codes:
            for year in self.catalog.editions[code]:
                counts[year] = counts.get(year, 0) + 1
        if not counts:
            return None
        best = max(counts.values())
        return max(year for year, n in counts.items() if n == best)


def plan_reports(
    data,
    *,
    countries: Sequence[str] = (),
    compare: str | Sequence[str] | None = None,
    region: str | None = None,
    edition: int | None = None,
    all_: bool = False,
    overview: bool = False,
    workbook: str = "",
    tables: str = "",
    with_code: bool = False,
) -> list[Planned]:
    """Every report the command asks for, validated; raises ParameterError before anything runs.

    Countries get every kind about one country, ``compare`` and ``region`` every kind about several,
    ``overview`` every edition-kind (the overview of ``edition``, or of the latest with the most countries),
    ``all_`` what :meth:`Planner.every` plans.
    """
    if edition is not None:
        if isinstance(edition, bool) or not isinstance(edition, int):
            raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
        if edition not in editions_known():
            raise ParameterError(f"edition {edition} is not an edition of the index ({editions_known()})")
    planner = Planner(data, Inputs(workbook, tables))
    planned: list[Planned] = []
    for country in countries:
        planned += [planner.country(kind, country, edition) for kind in kinds_of("country")]
    if compare is not None:
        codes = planner.catalog.validate_countries(compare, minimum=2)
        planned += [planner.countries(kind, codes, edition) for kind in kinds_of("countries")]
    if region is not None:
        if not isinstance(region, str):
            raise ParameterError(f"region must be a region's name, found {region!r}")
        members = planner.catalog.region_members(region, edition)
        if len(members) < 2:
            raise ParameterError(f"region {region!r} has {len(members)} countries in the data"
                                 + (f" for {edition}" if edition else "") + "; a comparison needs two"
                                 + ("" if workbook else " (pass --workbook for all countries)"))
        planned += [planner.countries(kind, members, edition) for kind in kinds_of("countries")]
    if overview:
        planned += [planner.edition(kind, edition) for kind in kinds_of("edition")]
    if all_:
        planned += planner.every(edition)
    if not planned:
        raise ParameterError("nothing to render: name countries (ISO3), --compare, --region, --overview or --all")
    unique: dict[str, Planned] = {}
    for plan in planned:
        unique.setdefault(plan.job.name, plan)
    out = list(unique.values())
    if with_code:
        out = [Planned(replace(p.job, with_code=True), p.entry) for p in out]
    return out
