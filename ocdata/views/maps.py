"""Maps for the reports: a dataset in, an inline SVG with an HTML legend under it (:class:`~ocdata.views.html.Html`)
out; the legend is page text, readable on a phone however small the map is drawn.

Every country shape carries a hover title with its scores (``Kyrgyzstan: criminality 5.25, resilience 3.79``);
no script. The colour scale spans the edition's scores of every country the data has (1 to 10 when it has
too few to span), so a country keeps its colour from map to map of one edition.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ocdata.countries import load_groups
from ocdata.maps import draw_world_map, map_values, score_titles
from ocdata.views.html import Html
from ocdata.views.params import parameters

__all__ = ["LOCATOR_WIDTH", "MIN_SPAN", "has_scores", "locator_map", "map_domain", "region_countries", "region_map",
           "world_maps"]

LOCATOR_WIDTH = 480
"""Pixel width of a profile's locator map."""
MIN_SPAN = 10
"""Fewer countries than this with a score: the colour scale spans the whole 1 to 10."""
METRICS = (("criminality", "Criminality", True), ("resilience", "Resilience", False))
"""Map metrics: indicator, label, whether a higher score is worse."""


@parameters
def map_domain(data, edition: int, indicator: str) -> tuple[float, float]:
    """The colour scale's ends: the edition's lowest and highest score, or 1 to 10 with too few countries."""
    scores = map_values(data.scores, edition, indicator)["score"].dropna()
    if len(scores) < MIN_SPAN:
        return 1.0, 10.0
    return float(scores.min()), float(scores.max())


@parameters
def region_countries(data, country: str, edition: int) -> list[str]:
    """ISO3 codes of the countries ``edition`` groups in the country's region (the bundled groups, so the
    region is known without a workbook; the latest grouping where the edition has none)."""
    groups = load_groups()
    year = edition if (groups["edition"] == edition).any() else int(groups["edition"].max())
    groups = groups[groups["edition"] == year]
    region = groups.loc[groups["iso3"] == country, "region"]
    if region.empty:
        return [country]
    return sorted(groups.loc[groups["region"] == region.iloc[0], "iso3"])


def _figure(figure: str, caption: str) -> Html:
    return Html(f'<figure class="oc-map" style="margin:0 0 1rem 0">{figure}'
                f'<figcaption style="font-size:0.85em;color:#57606a">{escape(caption)}</figcaption></figure>')


@parameters
def locator_map(data, country: str, edition: int) -> Html:
    """A small map of the country's region, the country outlined, the region's countries coloured by criminality
    (their neighbours plain land)."""
    names = data.countries.set_index("iso3")["country"]
    region = region_countries(data, country, edition)
    values = map_values(data.scores, edition, "criminality").dropna()
    values = values[values["iso3"].isin(region)]
    members = set(region)
    titles = {c: t for c, t in score_titles(data.scores, edition).items() if c in members}
    figure = draw_world_map(values, metric_label=f"Criminality {edition}", higher_is_worse=True,
                            titles=titles, highlight=[country], focus=region,
                            width=LOCATOR_WIDTH, domain=map_domain(data, edition, "criminality"),
                            caption=f"{names.get(country, country)} in its region, criminality {edition}",
                            unlisted="land", legend="html").html()
    return _figure(figure, f"{names.get(country, country)} (outlined) among the countries of its region; "
                           f"colour: criminality {edition}, darker is worse; other land grey.")


@parameters
def region_map(data, countries: Sequence[str], edition: int) -> Html:
    """The compared countries coloured by criminality, the map cropped to them; other land plain."""
    codes = sorted(set(countries))
    values = map_values(data.scores, edition, "criminality")
    values = values[values["iso3"].isin(codes)]
    figure = draw_world_map(values, metric_label=f"Criminality {edition}", higher_is_worse=True,
                            titles={c: t for c, t in score_titles(data.scores, edition).items() if c in codes},
                            focus=codes, domain=map_domain(data, edition, "criminality"),
                            caption=f"{len(codes)} countries, criminality {edition}", unlisted="background",
                            legend="html").html()
    return _figure(figure, f"The {len(codes)} countries compared, coloured by criminality {edition} "
                           "(darker is worse); hover a country for its scores.")


@parameters
def world_maps(data, edition: int, links: dict[str, str] | None = None) -> Html:
    """Criminality and resilience of every country of an edition, side by side where there is room
    (stacked on narrow screens); ``links`` makes countries links (ISO3 -> href)."""
    titles = score_titles(data.scores, edition)
    figures = []
    for indicator, label, worse in METRICS:
        values = map_values(data.scores, edition, indicator)
        figure = draw_world_map(values, metric_label=f"{label} {edition}", higher_is_worse=worse,
                                links=links, titles=titles, domain=map_domain(data, edition, indicator),
                                caption=f"{label} by country, {edition}", legend="html").html()
        note = "higher is worse" if worse else "higher is better"
        figures.append(f'<figure class="oc-map" style="flex:1 1 36rem;min-width:0;margin:0">{figure}'
                       f'<figcaption style="font-size:0.85em;color:#57606a">{escape(label)} {edition} ({note}); '
                       "hover a country for its scores.</figcaption></figure>")
    return Html('<div class="oc-maps" style="display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:1rem">'
                + "".join(figures) + "</div>")


@parameters
def has_scores(data, edition: int) -> bool:
    """Whether any country has a criminality score in ``edition``."""
    return not map_values(data.scores, edition, "criminality").dropna().empty
