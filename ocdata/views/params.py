"""What a user calls with a country, an edition, an indicator or a region: every such parameter is read here.

``@parameters`` wraps every public function of :mod:`ocdata.views`, :mod:`ocdata.explore` and the map views: it
reads the arguments named ``country``, ``countries``, ``edition``, ``editions``, ``other_edition``, ``indicator``,
``indicators``, ``composite``, ``region``, ``metric`` and ``scope`` against the function's ``data`` (or the index
itself where there is none) and hands the function normalised values::

    views.headline(data, "kgz", "2025")          # same as views.headline(data, "KGZ", 2025)
    views.headline(data, "Kyrgyz Republic", 2025)
    views.headline(data, "XYZ", 2025)            # ParameterError: 'XYZ' is not a country of the 2025 data; ...

A country is an ISO3 code in any case or any name of ``ocdata/data/country_aliases.csv``; an edition an int or a
string of digits the data has; an indicator an id or a label of the codebook. Anything else is one
:class:`~ocdata.errors.ParameterError` naming the nearest valid values. The notebooks' parameter cells and the
command line call the same checks (``validate_country``, ``validate_countries``, ``validate_edition``), and
:func:`load_dataset` loads a report's dataset.

A :class:`Catalog` answers what planning asks about a dataset many times (which countries and
editions it has, their headline composites) from one pass over its tables; it is a value built
from one dataset, never state kept across calls.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ocdata.codebook import composites, composites_of, indicators_of, labels, load_editions, metrics
from ocdata.errors import ParameterError

ISO3 = re.compile(r"^[A-Z]{3}$")
"""Three capital letters: the form of an ISO3 code."""
SCOPES = ("world", "continent", "region")
"""The scopes of a rank: world, continent, region."""
F = TypeVar("F", bound=Callable[..., Any])


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

    def validate_country(self, country: Any, edition: int | None = None) -> str:
        """The upper-case ISO3 code of ``country`` (a code in any case or a name), if the data has scores for it;
        else ParameterError naming the nearest countries (of ``edition``, when given)."""
        return _country(country, self, edition)

    def validate_countries(self, countries: Any, *, minimum: int = 1) -> list[str]:
        """Valid ISO3 codes, in the order given without repeats; accepts ``"KAZ,KGZ"`` too."""
        if isinstance(countries, str):
            countries = [part.strip() for part in countries.split(",") if part.strip()]
        if isinstance(countries, (Mapping, bytes)) or not isinstance(countries, Iterable):
            raise ParameterError(f"countries: expected a list of ISO3 codes or names, found {countries!r}")
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
        return self.edition(edition, countries)

    def edition(self, edition: Any, countries: Sequence[str] = ()) -> int:
        """``edition`` as an int if it is an edition of the index that the data has (for every one of
        ``countries``, when given); else ParameterError naming the nearest edition it has."""
        year = _year(edition)
        if countries:
            have = set.intersection(*(set(self.editions.get(c, ())) for c in countries))
            if year not in have:
                missing = [c for c in countries if year not in self.editions.get(c, ())]
                raise ParameterError(f"the data has no {year} edition for {_listing(missing)}"
                                     + (f"; did you mean {_nearest_year(year, have)}?" if have else ""))
        else:
            have = {e for eds in self.editions.values() for e in eds}
            if year not in have:
                raise ParameterError(f"the data has no {year} edition"
                                     + (f"; did you mean {_nearest_year(year, have)}?" if have else ""))
        return year

    def region(self, region: Any, edition: int | None = None) -> str:
        """The data's spelling of ``region`` (any case), a region of ``edition`` (of any edition when None)."""
        if not isinstance(region, str):
            raise ParameterError(f"region: expected the name of a region such as 'Central Asia and the Caucasus', "
                                 f"found {region!r}")
        names = {r for (_, _), (_, r) in self.groups.items()}
        spelled = {" ".join(n.split()).casefold(): n for n in sorted(names)}
        region = spelled.get(" ".join(region.split()).casefold(), region)
        self.region_members(region, edition)
        return region

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
            options = {" ".join(n.split()).casefold(): repr(n) for n in names}
            hint = f"did you mean {_nearest(str(region), options)}?" if names else "it has no regions"
            raise ParameterError(f"region {region!r} is not in {scope} ({where}; {hint})")
        return sorted({c for (c, e), (_, r) in self.groups.items() if r == region and (year is None or e == year)})

    def describe_group(self, countries: Sequence[str], edition: int) -> str:
        """Their region's name when they are all of a region's countries in the data, else their names."""
        regions = {self.region_of(c, edition) for c in countries}
        if len(regions) == 1:
            region = regions.pop()
            if len(countries) > 2 and set(self.region_members(region, edition)) == set(countries):
                return region
        names = [self.info[c]["country"] for c in countries]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- the checks ---------------------------------------------------------------------------------


def validate_country(data, country: Any) -> str:
    """The upper-case ISO3 code of ``country`` (a code in any case, or a name) if the data has scores for it;
    else ParameterError naming the nearest countries: ``validate_country(data, "kyrgyzstan") == "KGZ"``."""
    return Catalog.of(data).validate_country(country)


def validate_countries(data, countries: Any, *, minimum: int = 1) -> list[str]:
    """A list of valid ISO3 codes, in the order given without repeats; accepts ``"KAZ,KGZ"`` and names too."""
    return Catalog.of(data).validate_countries(countries, minimum=minimum)


def validate_edition(data, edition: Any, countries: Sequence[str]) -> int:
    """The edition to show: ``edition`` (an int or a string of digits) if every country has it;
    ``None``/``0``/``""`` gives the latest edition all of ``countries`` (read as :func:`validate_countries`
    reads them) have."""
    catalog = Catalog.of(data)
    return catalog.validate_edition(edition, catalog.validate_countries(countries) if len(countries) else [])


def country_code(country: Any) -> str:
    """The ISO3 code of one of the index's 193 countries given by a code in any case or a name, whatever data is
    loaded (the command line reads its arguments with it): ``country_code("Kyrgyz Republic") == "KGZ"``."""
    return _country(country, None)


def validate_indicator(indicator: Any, edition: int | None = None) -> str:
    """The id of an indicator or composite given by its id or its label in any case (``"Criminal markets"`` is
    ``criminal_markets``), one of ``edition``'s when given; else ParameterError naming the nearest ids."""
    if not isinstance(indicator, str):
        raise ParameterError(f"indicator: expected an indicator id such as 'criminality', found {indicator!r}")
    ident = _indicator_keys().get(" ".join(indicator.split()).casefold())
    if ident is None:
        options = {k: f"'{v}'" for k, v in _indicator_keys().items()}
        raise ParameterError(f"{indicator!r} is not an indicator; did you mean {_nearest(indicator, options)}?")
    if edition is not None and ident not in _of_edition(int(edition)):
        where = [str(e) for e in editions_known() if ident in _of_edition(e)]
        raise ParameterError(f"{ident!r} is not an indicator of the {edition} edition (it is one of the "
                             f"{' and '.join(where)} editions)")
    return ident


def validate_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """``value`` (any case) if it is one of ``choices``; else ParameterError listing them."""
    key = value.strip().casefold() if isinstance(value, str) else None
    if key not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(choices)}, found {value!r}")
    return key


def editions_known() -> list[int]:
    """Every edition of the index (``editions.csv``)."""
    return list(_editions())


@functools.cache
def _editions() -> tuple[int, ...]:
    return tuple(sorted(int(e) for e in load_editions()["edition"]))


@functools.cache
def _of_edition(edition: int) -> frozenset[str]:
    return frozenset((*composites_of(edition), *indicators_of(edition)))


@functools.cache
def _indicator_keys() -> dict[str, str]:
    """Every accepted spelling of an indicator, case folded -> its id (ids, labels, labels as ids)."""
    from ocdata.codebook import to_id

    keys: dict[str, str] = {}
    for ident, label in labels().items():
        for key in (ident, " ".join(label.split()), to_id(label)):
            keys.setdefault(key.casefold(), ident)
    return keys


@functools.cache
def _index_countries() -> tuple[dict[str, str], dict[str, str]]:
    """The index's countries: ISO3 -> name (``countries.csv``), and every alias, case folded -> ISO3."""
    from ocdata.countries import load_aliases, load_countries, normalize_name

    table, aliases = load_countries(), load_aliases()
    names = dict(zip(table["iso3"].tolist(), table["country"].tolist(), strict=True))
    keys = {normalize_name(a): c for a, c in zip(aliases["alias"].tolist(), aliases["iso3"].tolist(), strict=True)}
    return names, keys


def _country(value: Any, catalog: Catalog | None, edition: int | None = None) -> str:
    """The ISO3 code of ``value`` among the countries ``catalog`` has scores for (the index's without one)."""
    if not isinstance(value, str):
        raise ParameterError(f"country: expected an ISO3 code or a country name such as 'KGZ', found {value!r}")
    if catalog is not None and value in catalog.editions and value in catalog.info:
        return value  # the usual case, an upper-case code of the data: nothing more to look at
    index_names, aliases = _index_countries()
    if catalog is None:
        present, names = set(index_names), index_names
    else:
        present = {c for c, eds in catalog.editions.items() if c in catalog.info}
        names = {c: catalog.info[c]["country"] for c in present}
    key = " ".join(value.split()).casefold()
    code = value.upper() if re.fullmatch(r"[A-Za-z]{3}", value) and value.upper() in {*present, *index_names} \
        else aliases.get(key) or next((c for c, n in names.items() if " ".join(n.split()).casefold() == key), None)
    if code is not None and code in present:
        return code
    where = "the index" if catalog is None else "the data" if edition is None else f"the {edition} data"
    if edition is not None and catalog is not None:
        present = {c for c in present if edition in catalog.editions[c]} or present
    options = {c.casefold(): f"'{c}' ({names[c]})" for c in present}
    options.update({" ".join(n.split()).casefold(): f"'{c}' ({n})" for c, n in names.items() if c in present})
    options.update({k: f"'{c}' ({names[c]})" for k, c in aliases.items() if c in present})
    if code is not None:
        raise ParameterError(f"country {value!r} ({index_names.get(code, code)}) is not in {where}; "
                             f"did you mean {_nearest(value, options)}?")
    raise ParameterError(f"{value!r} is not a country of {where}; did you mean {_nearest(value, options)}?")


def _year(edition: Any) -> int:
    """``edition`` as an int if it is an edition of the index (an int or a string of digits)."""
    if isinstance(edition, bool) or not (
        isinstance(edition, (int, np.integer)) or (isinstance(edition, str) and edition.isascii()
                                                   and edition.isdigit())
    ):
        raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
    year = int(edition)
    if year not in _editions():
        raise ParameterError(f"edition {year} is not an edition of the index; did you mean "
                             f"{_nearest_year(year, _editions())}?")
    return year


def _nearest_year(year: int, years: Iterable[int]) -> str:
    years = sorted(years)
    gap = min(abs(y - year) for y in years)
    return " or ".join(str(y) for y in years if abs(y - year) == gap)


def _nearest(value: str, options: Mapping[str, str], n: int = 3) -> str:
    """The displays of the ``n`` options whose keys hold ``value`` or are closest to it (difflib), as
    ``'a', 'b' or 'c'``; the single closest when none is close."""
    key = " ".join(value.split()).casefold() if isinstance(value, str) else str(value)
    keys = sorted(options)
    found = [k for k in keys if len(key) >= 3 and key in k and k != key]
    found += difflib.get_close_matches(key, keys, n=n * 3) or difflib.get_close_matches(key, keys, n=1, cutoff=0)
    shown = list(dict.fromkeys(options[k] for k in found))[:n]
    if not shown:
        return "nothing (the data is empty)"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


# --- the decorator --------------------------------------------------------------------------------

_EMPTY = (None, 0, "")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int)) and not isinstance(value, bool) and value in _EMPTY)


class _Reading:
    """One call's arguments being read: the dataset (or ``scores`` table) they are read against, and what is
    known so far (the country or countries, the edition)."""

    def __init__(self, data: Any, kind: str | None) -> None:
        self.catalog = Catalog.of(data) if kind == "data" else None
        self.scores = data if kind == "scores" else None
        self.countries: list[str] = []
        self.edition: int | None = None
        self.hint: int | None = None

    def country(self, value: Any) -> str:
        code = _country(value, self.catalog, self.hint)
        self.countries = [code]
        return code

    def many(self, value: Any) -> list[str]:
        if self.catalog is not None:
            codes = self.catalog.validate_countries(value)
        else:
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            if isinstance(value, (Mapping, bytes)) or not isinstance(value, Iterable):
                raise ParameterError(f"countries: expected a list of ISO3 codes or names, found {value!r}")
            codes = list(dict.fromkeys(_country(v, None) for v in value))
            if not codes:
                raise ParameterError("expected at least 1 country, found []")
        self.countries = codes
        return codes

    def year(self, value: Any, countries: Sequence[str] = ()) -> int:
        if self.catalog is not None:
            return self.catalog.edition(value, countries)
        year = _year(value)
        if self.scores is not None and "edition" in self.scores:
            have = {int(e) for e in self.scores["edition"].dropna().unique()}
            if year not in have:
                raise ParameterError(f"the scores have no {year} edition"
                                     + (f"; did you mean {_nearest_year(year, have)}?" if have else ""))
        return year

    def edition_of(self, value: Any) -> int:
        self.edition = self.year(value, self.countries)
        return self.edition

    def editions(self, value: Any) -> list[int]:
        values = [value] if isinstance(value, (str, int, np.integer)) else value
        if isinstance(values, Mapping) or not isinstance(values, Iterable):
            raise ParameterError(f"editions: expected a list of years such as [2023], found {value!r}")
        return list(dict.fromkeys(self.year(v) for v in values))

    def region(self, value: Any) -> str:
        if self.catalog is None:
            if not isinstance(value, str):
                raise ParameterError(f"region: expected the name of a region, found {value!r}")
            return value
        return self.catalog.region(value, self.edition)

    def indicators(self, value: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if isinstance(values, Mapping) or not isinstance(values, Iterable):
            raise ParameterError(f"indicators: expected a list of indicator ids, found {value!r}")
        return tuple(validate_indicator(v, self.edition) for v in values)


_READERS: dict[str, Callable[[_Reading, Any], Any]] = {
    "countries": _Reading.many,
    "country": _Reading.country,
    "edition": _Reading.edition_of,
    "other_edition": lambda r, v: r.year(v, r.countries),
    "editions": _Reading.editions,
    "region": _Reading.region,
    "composite": lambda r, v: validate_indicator(v),
    "indicator": lambda r, v: validate_indicator(v, r.edition),
    "indicators": _Reading.indicators,
    "metric": lambda r, v: validate_choice(v, "metric", metrics()),
    "scope": lambda r, v: validate_choice(v, "scope", SCOPES),
}
"""What each parameter name means, in the order they are read (countries before editions before indicators)."""


def parameters(func: F) -> F:
    """Read ``func``'s user parameters (by name: see :data:`_READERS`) before it runs, against its ``data``
    (a dataset) or ``scores`` (a scores table) argument, else the index itself; the function gets upper-case
    ISO3 codes, int editions and indicator ids, and a bad value is a one-line ParameterError. An empty
    value (``None``, ``0``, ``""``) passes as it is where the parameter's default is empty (``edition=0``: the
    latest). ``inspect.signature`` still shows ``func``'s own parameters."""
    signature = inspect.signature(func)
    params = signature.parameters
    positional = {name: i for i, (name, p) in enumerate(params.items())
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)}
    read = [name for name in _READERS if name in params]
    empty_ok = {name for name in read if params[name].default is not inspect.Parameter.empty
                and _is_empty(params[name].default)}
    kind = "data" if "data" in params else "scores" if "scores" in params else None

    def given(name: str, args: tuple, kwargs: dict) -> tuple[bool, Any]:
        if name in kwargs:
            return True, kwargs[name]
        i = positional.get(name)
        return (True, args[i]) if i is not None and i < len(args) else (False, None)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        has_data, data = given(kind, args, kwargs) if kind else (False, None)
        reading = _Reading(data, kind if has_data else None)
        has_edition, edition = given("edition", args, kwargs)
        if has_edition and not _is_empty(edition):
            reading.hint = _year(edition)
        out = list(args)
        for name in read:
            present, value = given(name, args, kwargs)
            if not present or (name in empty_ok and _is_empty(value)):
                continue
            value = _READERS[name](reading, value)
            if name in kwargs:
                kwargs[name] = value
            else:
                out[positional[name]] = value
        return func(*out, **kwargs)

    return wrapper  # type: ignore[return-value]


# --- what a country or a region has -----------------------------------------------------------------


@parameters
def editions_of(data, country: str) -> list[int]:
    """The editions the data has scores for, for one country, oldest first: ``editions_of(data, "kgz")``."""
    return list(Catalog.of(data).editions[country])


@parameters
def region_members(data, region: str, edition: int | None = None) -> list[str]:
    """ISO3 codes of a region's countries in the data (with scores in ``edition``), sorted:
    ``region_members(data, "Central Asia and the Caucasus", 2023)``."""
    return Catalog.of(data).region_members(region, edition)


@parameters
def country_info(data, country: str, edition: int | None = None) -> dict[str, str]:
    """Name, continent and region of a country: keys ``iso3, country, continent, region``
    (``country_info(data, "Kyrgyzstan")["iso3"] == "KGZ"``). With ``edition``, the continent and region that
    edition groups it in (regions were redrawn in 2023: ``country_info(data, "BLZ", 2021)["region"]`` is
    ``"Central America"``); without, the latest grouping."""
    catalog = Catalog.of(data)
    info = dict(catalog.info[country])
    if edition is not None:
        continent, region = catalog.groups.get((country, int(edition)), (info["continent"], info["region"]))
        info.update(continent=continent or info["continent"], region=region or info["region"])
    return info


@parameters
def composite_scores(data, country: str, edition: int) -> dict[str, float]:
    """The published composites of a country in an edition, ``{composite: score}``:
    ``composite_scores(data, "KGZ", 2025)["criminality"] == 5.25``."""
    return dict(Catalog.of(data).composites.get((country, int(edition)), {}))


@parameters
def describe_group(data, countries: Sequence[str], edition: int) -> str:
    """A name for a set of countries: their region when they are all of a region's countries in
    the data, else their names joined (``"Kazakhstan and Kyrgyzstan"``)."""
    return Catalog.of(data).describe_group(countries, edition)


def _listing(items: Iterable[Any], limit: int = 12) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")
