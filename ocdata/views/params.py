"""Parameters from notebooks and the command line, checked one way wherever they come from, and the
dataset a report loads.

A :class:`Catalog` answers what planning asks about a dataset many times (which countries and
editions it has, their headline composites) from one pass over its tables; it is a value built
from one dataset, never state kept across calls.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ocdata.codebook import composites, load_editions
from ocdata.errors import ParameterError

ISO3 = re.compile(r"^[A-Z]{3}$")


def load_dataset(workbook: str | Path | None = None, tables: str | Path | None = None):
    """The dataset a report uses: the bundled documents, plus workbooks when given.

    An empty string means none (papermill parameters cannot be ``None`` from the command line):
    ``workbook=""`` is no workbook, ``tables=""`` the default tables. ``workbook`` may name several files
    separated by ``os.pathsep``. ``tables`` names a folder of tables ``ocdata build`` saved (what
    ``ocdata report`` gives its kernels, so every kernel reads exactly the tables the command checked).
    """
    import ocdata

    if tables not in (None, ""):
        path = Path(tables).expanduser()
        if not path.is_dir():
            raise ParameterError(f"tables {str(path)!r} is not a folder")
        return ocdata.load(tables=path)
    if workbook in (None, ""):
        return ocdata.load(workbook=False)
    paths = [Path(p).expanduser() for p in str(workbook).split(os.pathsep) if p]
    for path in paths:
        if not path.is_file():
            raise ParameterError(f"workbook {str(path)!r} is not a file")
    return ocdata.load(workbook=paths if len(paths) > 1 else paths[0])


@dataclass(frozen=True)
class Catalog:
    """Each country's name, continent, region, editions and headline composites in one dataset."""

    info: dict[str, dict[str, str]]
    editions: dict[str, list[int]]
    composites: dict[tuple[str, int], dict[str, float]]
    groups: dict[tuple[str, int], tuple[str, str]]
    """(iso3, edition) -> (continent, region) as that edition groups the country (the scores' own columns)."""

    @classmethod
    def of(cls, data) -> Catalog:
        """The catalog of ``data`` (one pass over its countries and scores, once per dataset)."""
        from ocdata.views.memo import per_dataset

        return per_dataset(data, ("catalog", cls), lambda: cls._build(data))

    @classmethod
    def _build(cls, data) -> Catalog:
        countries = data.countries
        info = {str(iso3): {"iso3": str(iso3), "country": str(name), "continent": str(continent),
                            "region": str(region)}
                for iso3, name, continent, region in zip(*(countries[c].tolist() for c in (
                    "iso3", "country", "continent", "region")), strict=True)}
        scores = data.scores
        labels = scores[["iso3", "edition", "continent", "region"]].dropna().drop_duplicates(["iso3", "edition"])
        groups = {(str(c), int(e)): (str(k), str(r)) for c, e, k, r in zip(
            *(labels[c].tolist() for c in ("iso3", "edition", "continent", "region")), strict=True)}
        pairs = scores[["iso3", "edition"]].dropna().drop_duplicates()
        editions: dict[str, set[int]] = {}
        for iso3, edition in zip(pairs["iso3"].tolist(), pairs["edition"].tolist(), strict=True):
            editions.setdefault(str(iso3), set()).add(int(edition))
        heads = scores[scores["indicator"].isin(composites())]
        lookup: dict[tuple[str, int], dict[str, float]] = {}
        for iso3, edition, indicator, score in zip(*(heads[c].tolist() for c in ("iso3", "edition", "indicator",
                                                                                 "score")), strict=True):
            lookup.setdefault((str(iso3), int(edition)), {})[str(indicator)] = float(score)
        return cls(info, {k: sorted(v) for k, v in editions.items()}, lookup, groups)

    def validate_country(self, country: Any) -> str:
        """``country`` if it is an ISO3 code (``^[A-Z]{3}$``) with scores in the data; else ParameterError."""
        if not isinstance(country, str) or not ISO3.fullmatch(country):
            raise ParameterError(f"country must be an upper-case ISO3 code such as 'KGZ', found {country!r}")
        if country not in self.info or country not in self.editions:
            raise ParameterError(f"country {country!r} is not in the data (known: {_listing(sorted(self.info))})")
        return country

    def validate_countries(self, countries: Any, *, minimum: int = 1) -> list[str]:
        """Valid ISO3 codes, in the order given without repeats; accepts ``"KAZ,KGZ"`` too."""
        if isinstance(countries, str):
            countries = [part.strip() for part in countries.split(",") if part.strip()]
        if not isinstance(countries, (list, tuple)):
            raise ParameterError(f"countries must be a list of ISO3 codes, found {countries!r}")
        codes = list(dict.fromkeys(self.validate_country(code) for code in countries))
        if len(codes) < minimum:
            raise ParameterError(f"expected at least {minimum} different countries, found {codes}")
        return codes

    def validate_edition(self, edition: Any, countries: Sequence[str]) -> int:
        """``edition`` if every country has it; ``None``/``0``/``""`` gives the latest all of them have."""
        common = set.intersection(*(set(self.editions.get(c, ())) for c in countries)) if countries else set()
        if edition in (None, 0, ""):
            if not common:
                raise ParameterError(f"{_listing(countries)} have no edition in common")
            return max(common)
        if isinstance(edition, bool) or not (
            isinstance(edition, (int, np.integer)) or (isinstance(edition, str) and edition.isdigit())
        ):
            raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
        year = int(edition)
        if year not in editions_known():
            raise ParameterError(f"edition {year} is not an edition of the index ({_listing(editions_known())})")
        if year not in common:
            missing = [c for c in countries if year not in self.editions.get(c, ())]
            raise ParameterError(f"the data has no {year} edition for {_listing(missing)}")
        return year

    def region_of(self, country: str, edition: int) -> str:
        """The region ``edition`` puts a country in (the latest grouping where the data has no such edition)."""
        return self.groups.get((country, int(edition)), ("", self.info[country]["region"]))[1]

    def region_members(self, region: Any, edition: int | None = None) -> list[str]:
        """ISO3 codes of the countries ``edition`` groups in ``region`` and the data has scores for, sorted
        (``None``: in any edition in which the name is a region)."""
        from ocdata.countries import load_groups, scope_editions

        named = sorted({e for (_, e), (_, r) in self.groups.items() if r == region}) if isinstance(region, str) else []
        year = None if edition is None else int(edition)
        if not named or (year is not None and year not in named):
            known = scope_editions(load_groups(), "region", region) if isinstance(region, str) else []
            where = f"a region in {', '.join(map(str, known))}" if known else "not a region of any edition"
            scope = "the data" if year is None else f"the {year} data"
            names = sorted({r for (_, e), (_, r) in self.groups.items() if year is None or e == year})
            raise ParameterError(f"region {region!r} is not in {scope} ({where}; known: {_listing(names)})")
        return sorted(c for (c, e), (_, r) in self.groups.items() if r == region and (year is None or e == year))

    def describe_group(self, countries: Sequence[str], edition: int) -> str:
        """Their region's name when they are all of a region's countries in the data, else their names."""
        regions = {self.region_of(c, edition) for c in countries}
        if len(regions) == 1:
            region = regions.pop()
            if len(countries) > 2 and set(self.region_members(region, edition)) == set(countries):
                return region
        names = [self.info[c]["country"] for c in countries]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def validate_country(data, country: Any) -> str:
    """``country`` if it is an ISO3 code (``^[A-Z]{3}$``) present in the data; else ParameterError."""
    return Catalog.of(data).validate_country(country)


def validate_countries(data, countries: Any, *, minimum: int = 1) -> list[str]:
    """A list of valid ISO3 codes, in the order given without repeats; accepts ``"KAZ,KGZ"`` too."""
    return Catalog.of(data).validate_countries(countries, minimum=minimum)


def editions_of(data, country: str) -> list[int]:
    """The editions the data has scores for, for one country, oldest first."""
    rows = data.scores.loc[data.scores["iso3"] == country, "edition"].dropna()
    return sorted(int(e) for e in rows.unique())


def validate_edition(data, edition: Any, countries: Sequence[str]) -> int:
    """The edition to show: ``edition`` if every country has it; ``None``/``0``/``""`` gives the
    latest edition all of ``countries`` have."""
    return Catalog.of(data).validate_edition(edition, countries)


def editions_known() -> list[int]:
    """Every edition of the index (``editions.csv``)."""
    return sorted(int(e) for e in load_editions()["edition"])


def region_members(data, region: str, edition: int | None = None) -> list[str]:
    """ISO3 codes of a region's countries in the data (with scores in ``edition``), sorted."""
    return Catalog.of(data).region_members(region, edition)


def country_info(data, country: str) -> dict[str, str]:
    """Name, continent and region of a country."""
    return dict(Catalog.of(data).info[country]) if country in Catalog.of(data).info else _info_row(data, country)


def _info_row(data, country: str) -> dict[str, str]:
    row = data.countries.set_index("iso3").loc[country]
    return {"iso3": country, "country": str(row["country"]), "continent": str(row["continent"]),
            "region": str(row["region"])}


def composite_scores(data, country: str, edition: int) -> dict[str, float]:
    """The published composites of a country in an edition, ``{composite: score}``."""
    return dict(Catalog.of(data).composites.get((country, int(edition)), {}))


def describe_group(data, countries: Sequence[str], edition: int) -> str:
    """A name for a set of countries: their region when they are all of a region's countries in
    the data, else their names joined."""
    return Catalog.of(data).describe_group(countries, edition)


def _listing(items: Iterable[Any], limit: int = 12) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")
