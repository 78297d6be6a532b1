"""Derived tables for the notebooks: a :class:`~ocdata.build.Dataset` in, a small DataFrame out.

Every function is pure (no file access, no plotting) so a notebook only arranges and shows what
these return. Parameters from notebooks and the command line are checked here too
(:func:`validate_country`, :func:`validate_countries`, :func:`validate_edition`), so a bad code is
refused the same way wherever it comes from. The ``*_html`` helpers build the few HTML fragments
the reports show; every piece of text in them is escaped, since narratives, names and titles come
from documents.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ocdata.codebook import COMPOSITES, METRICS, children_of, load_editions, previous_edition
from ocdata.errors import ParameterError
from ocdata.numbers import round_half_up

ISO3 = re.compile(r"^[A-Z]{3}$")
PILLARS = ("criminal_markets", "criminal_actors", "resilience")
SCOPES = ("world", "continent", "region")
MIN_PEERS = 3
"""Fewer countries than this in an edition and a comparison with peers says nothing."""

ORIGINS = {
    "reported": "printed in the source document or workbook",
    "computed": "computed from its indicators by the publisher's rule (mean, rounded half-up)",
    "inferred": "not printed; solved from a printed pillar mean and the other indicators",
    "backcast": "not printed for this edition; earlier value recovered from a later printed change",
}


# --- parameters -----------------------------------------------------------------------------------


def load_dataset(workbook: str | Path | None = None):
    """The dataset a report uses: the bundled documents, plus an official workbook when given.

    An empty string counts as no workbook (papermill parameters cannot be ``None`` from the command
    line). ``ocdata.load`` caches the result for the process, so a kept kernel reads it once.
    """
    import ocdata

    if workbook in (None, ""):
        return ocdata.load()
    path = Path(workbook).expanduser()
    if not path.is_file():
        raise ParameterError(f"workbook {str(path)!r} is not a file")
    return ocdata.load(workbook=path)


def validate_country(data, country: Any) -> str:
    """``country`` if it is an ISO3 code (``^[A-Z]{3}$``) present in the data; else ParameterError."""
    if not isinstance(country, str) or not ISO3.fullmatch(country):
        raise ParameterError(f"country must be an upper-case ISO3 code such as 'KGZ', found {country!r}")
    known = set(data.countries["iso3"])
    if country not in known or country not in _by_country(data):
        raise ParameterError(f"country {country!r} is not in the data (known: {_listing(sorted(known))})")
    return country


def validate_countries(data, countries: Any, *, minimum: int = 1) -> list[str]:
    """A list of valid ISO3 codes, in the order given without repeats; accepts ``"KAZ,KGZ"`` too."""
    if isinstance(countries, str):
        countries = [part.strip() for part in countries.split(",") if part.strip()]
    if not isinstance(countries, (list, tuple)):
        raise ParameterError(f"countries must be a list of ISO3 codes, found {countries!r}")
    codes = list(dict.fromkeys(validate_country(data, code) for code in countries))
    if len(codes) < minimum:
        raise ParameterError(f"expected at least {minimum} different countries, found {codes}")
    return codes


def editions_of(data, country: str) -> list[int]:
    """The editions the data has scores for, for one country, oldest first."""
    rows = _by_country(data).get(country)
    return [] if rows is None else sorted(int(e) for e in rows["edition"].dropna().unique())


def validate_edition(data, edition: Any, countries: Sequence[str]) -> int:
    """The edition to show: ``edition`` if every country has it; ``None``/``0``/``""`` gives the
    latest edition all of ``countries`` have."""
    common = set.intersection(*(set(editions_of(data, c)) for c in countries)) if countries else set()
    if edition in (None, 0, ""):
        if not common:
            raise ParameterError(f"{_listing(countries)} have no edition in common")
        return max(common)
    if isinstance(edition, bool) or not (
        isinstance(edition, (int, np.integer)) or (isinstance(edition, str) and edition.isdigit())
    ):
        raise ParameterError(f"edition must be a year such as 2023, found {edition!r}")
    year = int(edition)
    if year not in set(load_editions()["edition"]):
        raise ParameterError(f"edition {year} is not an edition of the index ({_listing(editions_known())})")
    if year not in common:
        missing = [c for c in countries if year not in editions_of(data, c)]
        raise ParameterError(f"the data has no {year} edition for {_listing(missing)}")
    return year


def editions_known() -> list[int]:
    """Every edition of the index (``editions.csv``)."""
    return sorted(int(e) for e in load_editions()["edition"])


def region_members(data, region: str, edition: int | None = None) -> list[str]:
    """ISO3 codes of a region's countries in the data (with scores in ``edition``), sorted."""
    countries = data.countries
    if region not in set(countries["region"].dropna()):
        known = sorted(countries["region"].dropna().unique())
        raise ParameterError(f"region {region!r} is not in the data (known: {_listing(known)})")
    members = countries.loc[countries["region"] == region, "iso3"]
    if edition is not None:
        have = set(data.scores.loc[data.scores["edition"] == edition, "iso3"])
        members = members[members.isin(have)]
    return sorted(members)


def _listing(items: Iterable[Any], limit: int = 12) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


# --- one country ----------------------------------------------------------------------------------


def country_info(data, country: str) -> dict[str, str]:
    """Name, continent and region of a country."""
    row = data.countries.set_index("iso3").loc[country]
    return {"iso3": country, "country": str(row["country"]), "continent": str(row["continent"]),
            "region": str(row["region"])}


_INDEX: list = [None, None, None]
"""The last dataset seen, its scores split by country, and its composites by country and edition
(a report asks about one country many times; planning 193 reports would otherwise scan the whole
table for each)."""


def _indexed(data) -> list:
    if _INDEX[0] is not data:
        scores = data.scores
        by_country = {str(k): v for k, v in scores.groupby("iso3", sort=False)}
        composites = scores[scores["indicator"].isin(COMPOSITES)]
        lookup: dict[tuple[str, int], dict[str, float]] = {}
        for iso3, edition, indicator, score in zip(composites["iso3"], composites["edition"],
                                                   composites["indicator"], composites["score"], strict=True):
            lookup.setdefault((str(iso3), int(edition)), {})[str(indicator)] = float(score)
        _INDEX[:] = [data, by_country, lookup]
    return _INDEX


def _by_country(data) -> dict[str, pd.DataFrame]:
    return _indexed(data)[1]


def composite_scores(data, country: str, edition: int) -> dict[str, float]:
    """The published composites of a country in an edition, ``{composite: score}`` (cheap, for
    listing many countries)."""
    return dict(_indexed(data)[2].get((country, int(edition)), {}))


def _scores(data, countries: Iterable[str], editions: Iterable[int] | None = None) -> pd.DataFrame:
    """The scores of ``countries`` (in ``editions``), in the table's order."""
    index = _by_country(data)
    parts = [index[c] for c in dict.fromkeys(countries) if c in index]
    if not parts:
        return data.scores.iloc[0:0]
    table = parts[0] if len(parts) == 1 else pd.concat(parts).sort_index()
    if editions is not None:
        table = table[table["edition"].isin([int(e) for e in editions])]
    return table


def _labels(data) -> pd.Series:
    return data.codebook.set_index("indicator")["label"]


def headline(data, country: str, edition: int) -> pd.DataFrame:
    """The four composites of a country in an edition, with the previous edition's score and change.

    ``change`` is the printed change where the document prints one, else the difference of the
    two published scores (``change_basis`` says which).
    """
    prev = previous_edition(edition)
    eds = [edition] if prev is None else [edition, prev]
    table = _scores(data, [country], eds)
    table = table[table["indicator"].isin(COMPOSITES)]
    now = table[table["edition"] == edition].set_index("indicator")
    before = table[table["edition"] == prev].set_index("indicator")["score"]
    out = pd.DataFrame({"indicator": list(COMPOSITES)})
    out["label"] = out["indicator"].map(_labels(data))
    out["score"] = out["indicator"].map(now["score"]).astype("float64")
    out["previous_edition"] = pd.array([prev] * len(out), dtype="Int64")
    out["previous_score"] = out["indicator"].map(before).astype("float64")
    printed = out["indicator"].map(now["change"]).astype("float64")
    difference = round_half_up(out["score"] - out["previous_score"])
    out["change"] = printed.where(printed.notna(), difference)
    out["change_basis"] = np.where(printed.notna(), "printed", np.where(difference.notna(), "difference", ""))
    out["origin"] = out["indicator"].map(now["origin"]).astype("str")
    return out


def ranks_of(data, country: str, edition: int) -> pd.DataFrame:
    """Ranks of a country in an edition: ``metric, scope, scope_name, rank, total, text, origin``."""
    ranks = data.ranks
    table = ranks[(ranks["iso3"] == country) & (ranks["edition"] == edition)].copy()
    table["_m"] = table["metric"].map({m: i for i, m in enumerate(METRICS)})
    table["_s"] = table["scope"].map({s: i for i, s in enumerate(SCOPES)})
    table = table.sort_values(["_m", "_s"]).drop(columns=["_m", "_s"])
    table["text"] = [f"{ordinal(int(r))} of {int(t)} ({n})" for r, t, n in
                     zip(table["rank"], table["total"], table["scope_name"], strict=True)]
    return table[["metric", "scope", "scope_name", "rank", "total", "text", "origin", "source"]].reset_index(drop=True)


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``23rd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def indicator_scores(data, country: str, edition: int) -> pd.DataFrame:
    """Every indicator of a country in an edition, sorted by pillar then score (highest first),
    with the previous edition's score where it exists."""
    prev = previous_edition(edition)
    codebook = data.codebook.set_index("indicator")
    indicators = codebook.index[codebook["level"] == "indicator"]
    table = _scores(data, [country], [edition] if prev is None else [edition, prev])
    table = table[table["indicator"].isin(indicators)]
    now = table[table["edition"] == edition]
    before = table[table["edition"] == prev].set_index("indicator")["score"]
    out = now[["indicator", "pillar", "score", "change", "origin", "source", "line"]].copy()
    out.insert(1, "label", out["indicator"].map(codebook["label"]))
    out["previous_score"] = out["indicator"].map(before).astype("float64")
    out["_p"] = out["pillar"].map({p: i for i, p in enumerate(PILLARS)})
    out = out.sort_values(["_p", "score", "label"], ascending=[True, False, True]).drop(columns="_p")
    return out.reset_index(drop=True)


def composite_history(data, countries: Sequence[str]) -> pd.DataFrame:
    """The composites of the countries in every edition: ``iso3, country, edition, indicator, label,
    score, origin``."""
    table = _scores(data, countries)
    table = table[table["indicator"].isin(COMPOSITES)]
    out = table[["iso3", "country", "edition", "indicator", "score", "origin"]].copy()
    out.insert(4, "label", out["indicator"].map(_labels(data)))
    order = {c: i for i, c in enumerate(countries)}
    out["_c"] = out["iso3"].map(order)
    out["_i"] = out["indicator"].map({c: i for i, c in enumerate(COMPOSITES)})
    return out.sort_values(["_c", "_i", "edition"]).drop(columns=["_c", "_i"]).reset_index(drop=True)


def profile_facts(data, country: str, edition: int) -> dict[str, Any]:
    """Capital, population, GDP and area as the profile of that edition prints them (may be empty)."""
    profiles = data.profiles
    if profiles.empty:
        return {}
    rows = profiles[(profiles["iso3"] == country) & (profiles["edition"] == edition)]
    if rows.empty:
        return {}
    row = rows.iloc[0]
    return {k: row[k] for k in ("capital", "population", "gdp_usd_million", "area_km2", "source")
            if k in row and not pd.isna(row[k])}


def composite_table(history: pd.DataFrame) -> pd.DataFrame:
    """A :func:`composite_history` of one country as a table: a row per composite, a column per edition."""
    wide = history.pivot_table(index="label", columns="edition", values="score", aggfunc="first", sort=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.rename_axis("composite").reset_index()


# --- peers ----------------------------------------------------------------------------------------


def peer_scores(data, edition: int) -> pd.DataFrame:
    """Criminality and resilience of every country in an edition, one row per country."""
    table = data.scores[(data.scores["edition"] == edition) & data.scores["indicator"].isin(METRICS)]
    wide = table.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    wide = wide.reindex(columns=list(METRICS))
    info = data.countries.set_index("iso3")[["country", "continent", "region"]]
    out = info.join(wide, how="inner").reset_index()
    return out.dropna(subset=list(METRICS)).sort_values("iso3", ignore_index=True)


def has_peers(data, edition: int) -> bool:
    """Whether enough countries are loaded for that edition to compare a country with its peers."""
    return len(peer_scores(data, edition)) >= MIN_PEERS


def region_ranking(data, region: str, edition: int) -> pd.DataFrame:
    """The countries of a region with criminality, resilience and their ranks among them
    (standard competition ranks: 1 = highest score, ties share the best rank)."""
    peers = peer_scores(data, edition)
    table = peers[peers["region"] == region].copy()
    for metric in METRICS:
        table[f"{metric}_rank"] = table[metric].rank(method="min", ascending=False).astype("Int64")
    table = table.sort_values(["criminality", "country"], ascending=[False, True], ignore_index=True)
    return table[["iso3", "country", "criminality", "criminality_rank", "resilience", "resilience_rank"]]


def region_means(data, country: str, edition: int) -> pd.DataFrame:
    """The country's composites beside its region's and the world's means (from the workbook's
    countries; empty without a workbook)."""
    aggregates = data.aggregates
    if aggregates.empty:
        return pd.DataFrame(columns=["indicator", "label", "score", "region_mean", "world_mean", "n_region"])
    region = country_info(data, country)["region"]
    agg = aggregates[(aggregates["edition"] == edition) & aggregates["indicator"].isin(COMPOSITES)]
    in_region = agg[(agg["scope"] == "region") & (agg["scope_name"] == region)].set_index("indicator")
    world = agg[agg["scope"] == "world"].set_index("indicator")["mean"]
    out = headline(data, country, edition)[["indicator", "label", "score"]].copy()
    out["region_mean"] = round_half_up(out["indicator"].map(in_region["mean"]).astype("float64"))
    out["world_mean"] = round_half_up(out["indicator"].map(world).astype("float64"))
    out["n_region"] = out["indicator"].map(in_region["n"]).astype("Int64")
    return out


# --- history, narrative, provenance ---------------------------------------------------------------


def country_series(data, country: str, min_years: int = 3) -> pd.DataFrame:
    """The country's yearly series with at least ``min_years`` values (for plotting)."""
    series = data.series[data.series["iso3"] == country]
    counts = series.groupby("series")["year"].transform("size")
    return series[counts >= min_years].sort_values(["series", "year"], ignore_index=True)


def single_figures(data, country: str, min_years: int = 3) -> pd.DataFrame:
    """The country's figures that are not long series: one row per figure, newest first."""
    series = data.series[data.series["iso3"] == country]
    counts = series.groupby("series")["year"].transform("size")
    out = series[counts < min_years][["series", "year", "value", "unit", "source", "line"]]
    return out.sort_values(["series", "year"], ignore_index=True)


def country_claims(data, country: str) -> pd.DataFrame:
    """The growth-rate claims made about a country, checked against the series."""
    claims = data.claims[data.claims["iso3"] == country]
    columns = ["claim", "text", "series", "start", "end", "claimed", "computed", "unit", "status", "source", "line"]
    return claims[columns].reset_index(drop=True)


def narrative(data, country: str, edition: int) -> pd.DataFrame:
    """The narrative of one profile in document order: ``section, pillar, indicator, text, source, line``.

    Where two documents print the same profile (a web page and a PDF), the one with printed
    headings is used; ``section`` is never missing (paragraphs before a heading go under "Overview").
    """
    table = data.narratives[(data.narratives["iso3"] == country) & (data.narratives["edition"] == edition)]
    if table.empty:
        return pd.DataFrame(columns=["section", "pillar", "indicator", "text", "source", "line"])
    by_source = table.groupby("source").agg(
        headings=("mapped_by", lambda s: int((s == "heading").sum())), rows=("text", "size")
    ).sort_values(["headings", "rows"], ascending=False, kind="stable")
    chosen = table[table["source"] == by_source.index[0]].sort_values("line")
    out = chosen[["section", "pillar", "indicator", "text", "source", "line"]].copy()
    out["section"] = out["section"].where(out["section"].notna(), None).ffill().fillna("Overview")
    return out.reset_index(drop=True)


def provenance(data, country: str, edition: int) -> pd.DataFrame:
    """Every score of a country in an edition with where it comes from and how it was obtained."""
    table = _scores(data, [country], [edition])
    codebook = data.codebook.set_index("indicator")
    out = table[["indicator", "score", "origin", "source", "line", "sheet"]].copy()
    out.insert(1, "label", out["indicator"].map(codebook["label"]))
    out.insert(2, "level", out["indicator"].map(codebook["level"]))
    out["how"] = out["origin"].map(ORIGINS)
    out["_o"] = out["indicator"].map(codebook["order"])
    return out.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def provenance_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many values of a :func:`provenance` table have each origin (every origin listed)."""
    counts = table["origin"].value_counts()
    return pd.DataFrame({"origin": list(ORIGINS), "values": [int(counts.get(o, 0)) for o in ORIGINS],
                         "meaning": list(ORIGINS.values())})


def cited_sources(data, countries: Sequence[str], editions: Iterable[int] | None = None, *,
                  with_workbook: bool = False) -> pd.DataFrame:
    """The source documents behind every value a report shows about ``countries``.

    Sources of computed values (``a;b``) are split; ``with_workbook`` adds the workbook when the
    report also shows other countries from it.
    """
    ids: set[str] = set()
    editions = None if editions is None else [int(e) for e in editions]
    for name in ("scores", "ranks", "narratives", "profiles"):
        table = getattr(data, name)
        if table.empty:
            continue
        mask = table["iso3"].isin(list(countries))
        if editions is not None and name != "scores":
            mask &= table["edition"].isin(editions)
        ids.update(_split_sources(table.loc[mask, "source"]))
    for name in ("series", "claims"):
        table = getattr(data, name)
        ids.update(_split_sources(table.loc[table["iso3"].isin(list(countries)), "source"]))
    sources = data.sources
    if with_workbook:
        ids.update(sources.loc[sources["kind"] == "workbook", "id"])
    out = sources[sources["id"].isin(ids)].copy()
    out["_k"] = out["kind"].map({"workbook": 1}).fillna(0)
    out = out.sort_values(["_k", "edition", "id"], na_position="last").drop(columns="_k")
    return out[["id", "title", "publisher", "kind", "edition", "file", "sha256"]].reset_index(drop=True)


def _split_sources(column: pd.Series) -> set[str]:
    return {part for value in column.dropna() for part in str(value).split(";") if part}


def check_summary(data, countries: Sequence[str]) -> pd.DataFrame:
    """The validation checks about ``countries``: how many passed and failed, per kind of check."""
    checks = data.checks[data.checks["iso3"].isin(list(countries))]
    if checks.empty:
        return pd.DataFrame(columns=["check", "pass", "fail"])
    table = checks.pivot_table(index="check", columns="status", values="subject", aggfunc="size", fill_value=0)
    table = table.reindex(columns=["pass", "fail"], fill_value=0).astype("int64")
    return table.reset_index().rename_axis(columns=None)


# --- several countries ----------------------------------------------------------------------------


def describe_group(data, countries: Sequence[str], edition: int) -> str:
    """A name for a set of countries: their region when they are all of a region's countries in
    the data, else their names joined."""
    info = data.countries.set_index("iso3")
    regions = set(info.loc[list(countries), "region"])
    if len(regions) == 1:
        region = regions.pop()
        if len(countries) > 2 and set(region_members(data, region, edition)) == set(countries):
            return str(region)
    names = [str(info.loc[c, "country"]) for c in countries]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def compare_headline(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """One row per country: the four composites and the world ranks (where known)."""
    table = _scores(data, countries, [edition])
    table = table[table["indicator"].isin(COMPOSITES)]
    wide = table.pivot_table(index="iso3", columns="indicator", values="score", aggfunc="first")
    wide = wide.reindex(index=list(countries), columns=list(COMPOSITES))
    ranks = data.ranks[(data.ranks["edition"] == edition) & (data.ranks["scope"] == "world")]
    for metric in METRICS:
        by_country = ranks[ranks["metric"] == metric].set_index("iso3")["rank"]
        wide[f"{metric}_world_rank"] = pd.array(wide.index.map(by_country), dtype="Int64")
    names = data.countries.set_index("iso3")["country"]
    wide.insert(0, "country", wide.index.map(names))
    return wide.rename_axis("iso3").reset_index().rename_axis(columns=None)


def indicator_matrix(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Indicators (rows, codebook order, labelled) by country (columns, names): the scores."""
    codebook = data.codebook
    indicators = codebook.loc[codebook["level"] == "indicator"].sort_values("order")
    table = _scores(data, countries, [edition])
    wide = table.pivot_table(index="indicator", columns="iso3", values="score", aggfunc="first")
    wide = wide.reindex(index=indicators["indicator"], columns=list(countries)).dropna(how="all")
    names = data.countries.set_index("iso3")["country"]
    wide.index = wide.index.map(indicators.set_index("indicator")["label"])
    wide.columns = [str(names[c]) for c in wide.columns]
    wide.index.name, wide.columns.name = "indicator", None
    return wide


def indicator_differences(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Per indicator: each country's score, and how far apart they are.

    For two countries ``difference`` is first minus second; for more, it is the spread (highest
    minus lowest). Rows are sorted by the size of the difference, largest first.
    """
    matrix = indicator_matrix(data, countries, edition)
    out = matrix.copy()
    if len(matrix.columns) == 2:
        out["difference"] = matrix.iloc[:, 0] - matrix.iloc[:, 1]
    else:
        out["difference"] = matrix.max(axis=1) - matrix.min(axis=1)
        out["highest"] = matrix.idxmax(axis=1)
        out["lowest"] = matrix.idxmin(axis=1)
    pillars = data.codebook.set_index("label")["pillar"]
    out.insert(0, "pillar", out.index.map(pillars))
    out["_abs"] = out["difference"].abs()
    out = out.reset_index().sort_values(["_abs", "indicator"], ascending=[False, True], kind="stable")
    return out.drop(columns="_abs").reset_index(drop=True)


def largest_changes(data, countries: Sequence[str], edition: int, n: int = 12) -> pd.DataFrame:
    """The ``n`` largest changes since the previous edition among the countries' indicators and
    composites, largest first (only where both editions have a score)."""
    prev = previous_edition(edition)
    columns = ["iso3", "country", "indicator", "label", "pillar", "previous_score", "score", "change", "origin"]
    if prev is None:
        return pd.DataFrame(columns=columns)
    table = _scores(data, countries, [edition, prev])
    now = table[table["edition"] == edition]
    before = table[table["edition"] == prev].set_index(["iso3", "indicator"])["score"]
    out = now[["iso3", "country", "indicator", "pillar", "score", "origin"]].copy()
    out["previous_score"] = [before.get((i, k), np.nan) for i, k in zip(out["iso3"], out["indicator"], strict=True)]
    out["change"] = round_half_up(out["score"] - out["previous_score"])
    out["label"] = out["indicator"].map(_labels(data))
    out = out.dropna(subset=["change"])
    out = out[out["change"] != 0]
    out["_abs"] = out["change"].abs()
    out = out.sort_values(["_abs", "iso3", "label"], ascending=[False, True, True], kind="stable").head(n)
    return out[columns].reset_index(drop=True)


def compare_region_means(data, countries: Sequence[str], edition: int) -> pd.DataFrame:
    """Criminality and resilience of each country beside its region's and the world's means
    (empty without a workbook)."""
    frames = []
    for country in countries:
        means = region_means(data, country, edition)
        if means.empty:
            return pd.DataFrame()
        means = means[means["indicator"].isin(METRICS)]
        frames.append(means.assign(country=country_info(data, country)["country"],
                                   region=country_info(data, country)["region"]))
    out = pd.concat(frames, ignore_index=True)
    return out[["country", "region", "label", "score", "region_mean", "world_mean", "n_region"]]


# --- teaching -------------------------------------------------------------------------------------


def recompute_composites(data, country: str, edition: int) -> pd.DataFrame:
    """The composites recomputed by hand from the indicators, beside the published ones.

    ``recomputed`` follows the publisher's rule (means rounded half-up; criminality from the
    unrounded pillar means); ``naive`` averages the rounded pillar scores and uses Python's
    ``round`` (half to even), the two usual mistakes.
    """
    table = _scores(data, [country], [edition]).set_index("indicator")["score"]
    means = {p: float(np.mean([table[i] for i in children_of(p, edition)])) for p in PILLARS}
    recomputed = {p: round_half_up(m) for p, m in means.items()}
    recomputed["criminality"] = round_half_up((means["criminal_markets"] + means["criminal_actors"]) / 2)
    naive = {p: round(m, 2) for p, m in means.items()}
    naive["criminality"] = round((naive["criminal_markets"] + naive["criminal_actors"]) / 2, 2)
    out = pd.DataFrame({"indicator": list(COMPOSITES)})
    out["label"] = out["indicator"].map(_labels(data))
    out["published"] = out["indicator"].map(table).astype("float64")
    out["unrounded"] = out["indicator"].map(
        {**means, "criminality": (means["criminal_markets"] + means["criminal_actors"]) / 2})
    out["recomputed"] = out["indicator"].map(recomputed)
    out["naive"] = out["indicator"].map(naive)
    out["matches"] = (out["recomputed"] - out["published"]).abs() < 0.005
    return out


# --- HTML fragments -------------------------------------------------------------------------------


class Html(str):
    """A fragment of HTML that notebooks display as HTML (built only from escaped text)."""

    def _repr_html_(self) -> str:
        return str(self)


def escape(value: Any) -> str:
    """Text made safe for HTML, quotes included; missing values become an en dash."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return html.escape(str(value), quote=True)


def table_html(table: pd.DataFrame, *, index: bool = False, digits: int = 2, formats: dict[str, str] | None = None,
               drop_empty: bool = False) -> Html:
    """A table as escaped HTML: numbers with ``digits`` decimals unless ``formats`` gives a column
    its own (``{"value": "{:,.0f}"}``), missing values as an en dash; ``drop_empty`` leaves out
    columns with no value at all."""
    if drop_empty:
        table = table.loc[:, table.notna().any()]
    formatters = {column: (lambda x, f=fmt: "–" if pd.isna(x) else f.format(x))
                  for column, fmt in (formats or {}).items() if column in table}
    body = table.to_html(index=index, escape=True, border=0, classes="oc-table", na_rep="–",
                         float_format=lambda x: f"{x:.{digits}f}", formatters=formatters or None)
    return Html(body)


def _signed(x: float) -> str:
    return "±0.00" if x == 0 else f"{x:+.2f}"


def title_html(data, country: str, edition: int) -> Html:
    """The report's heading: country, code, edition, continent and region, and profile facts."""
    info = country_info(data, country)
    facts = profile_facts(data, country, edition)
    parts = [f"<h1>{escape(info['country'])} ({escape(country)})</h1>",
             f"<p class=\"oc-note\">Global Organized Crime Index, {escape(edition)} edition · "
             f"{escape(info['continent'])} · {escape(info['region'])}</p>"]
    named = [("capital", "Capital", "{}"), ("population", "Population", "{:,}"),
             ("gdp_usd_million", "GDP (current US$ million)", "{:,}"), ("area_km2", "Area (km²)", "{:,}")]
    shown = [f"{label}: {escape(fmt.format(facts[key]))}" for key, label, fmt in named if key in facts]
    if shown:
        parts.append(f"<p class=\"oc-note\">{' · '.join(shown)} (source: {escape(facts.get('source'))})</p>")
    return Html("\n".join(parts))


def compare_title_html(data, countries: Sequence[str], edition: int) -> Html:
    """The comparison's heading: the group's name, the edition, the countries."""
    info = data.countries.set_index("iso3")
    names = ", ".join(f"{info.loc[c, 'country']} ({c})" for c in countries)
    group = describe_group(data, countries, edition)
    return Html(f"<h1>{escape(group)}: {len(countries)} countries compared</h1>\n"
                f"<p class=\"oc-note\">Global Organized Crime Index, {escape(edition)} edition · {escape(names)}</p>")


def headline_html(data, country: str, edition: int) -> Html:
    """Cards for the four composites: score, change since the previous edition, ranks."""
    table = headline(data, country, edition)
    ranks = ranks_of(data, country, edition)
    cards = []
    for row in table.itertuples():
        if pd.isna(row.score):
            continue
        change = ""
        if not pd.isna(row.change):
            worse = (row.change > 0) if row.indicator != "resilience" else (row.change < 0)
            css = "oc-flat" if row.change == 0 else ("oc-worse" if worse else "oc-better")
            basis = "" if row.change_basis == "printed" else " (difference of published scores)"
            change = (f"<div class=\"{css}\">{escape(_signed(row.change))} since "
                      f"{escape(row.previous_edition)}{escape(basis)}</div>")
        elif not pd.isna(row.previous_edition):
            change = f"<div class=\"oc-note\">no {escape(row.previous_edition)} score</div>"
        rank_lines = "".join(f"<div class=\"oc-note\">{escape(text)}</div>"
                             for text in ranks.loc[ranks["metric"] == row.indicator, "text"])
        cards.append(f"<div class=\"oc-card\"><div class=\"oc-label\">{escape(row.label)}</div>"
                     f"<div class=\"oc-value\">{row.score:.2f}</div>{change}{rank_lines}</div>")
    return Html(f"<div class=\"oc-cards\">{''.join(cards)}</div>")


def narrative_html(table: pd.DataFrame) -> Html:
    """The paragraphs of a :func:`narrative` table under their section headings, each cited."""
    if table.empty:
        return Html("<p class=\"oc-note\">The source documents print no narrative for this profile.</p>")
    parts, current = ["<div class=\"oc-narrative\">"], None
    for row in table.itertuples():
        if row.section != current:
            parts.append(f"<h4>{escape(row.section)}</h4>")
            current = row.section
        parts.append(f"<p>{escape(row.text)} <span class=\"oc-note\">[{escape(row.source)}:"
                     f"{escape(row.line)}]</span></p>")
    parts.append("</div>")
    return Html("\n".join(parts))


def sources_html(sources: pd.DataFrame) -> Html:
    """The cited sources as a numbered list: publisher, title, file and its SHA-256."""
    if sources.empty:
        return Html("<p class=\"oc-note\">No sources.</p>")
    items = []
    for row in sources.itertuples():
        items.append(f"<li><span class=\"oc-note\">[{escape(row.id)}]</span> {escape(row.publisher)}. "
                     f"<em>{escape(row.title)}</em>. File <code>{escape(row.file)}</code>, "
                     f"SHA-256 <code>{escape(str(row.sha256)[:16])}…</code></li>")
    return Html("<ol>" + "".join(items) + "</ol>")


def no_peers_html(data, edition: int, subject: str = "the country") -> Html:
    """Why a report shows no comparison with peers: too few countries loaded for the edition."""
    n = len(peer_scores(data, edition))
    loaded = f"{n} country is" if n == 1 else f"{n} countries are"
    return note_html(f"Only {loaded} loaded for {edition}: render with an official workbook "
                     f"(ocdata report --workbook PATH) to see {subject} among all countries.")


def note_html(text: str) -> Html:
    """A short note in the report's muted style."""
    return Html(f"<p class=\"oc-note\">{escape(text)}</p>")
