# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"] transient={"remove_source": true}
# # Countries compared
#
# Several countries side by side in the Global Organized Crime Index (GI-TOC): where their
# indicators differ, all indicators at a glance, the composites across editions, and what changed
# most. Run it with papermill, e.g. `papermill compare.ipynb out.ipynb -y "countries: [KAZ, KGZ]"`.

# %%
from IPython.display import display

from ocdata import charts, plots, views
from ocdata.views import maps

# %% tags=["parameters"]
countries: list[str] = ["KAZ", "KGZ"]  # the countries to compare: ISO3 codes in any case or names
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest edition all the countries have
workbook: str = ""  # path to an official workbook (.xlsx) to add all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
countries = views.validate_countries(data, countries, minimum=2)
edition = views.validate_edition(data, edition, countries)
group = views.describe_group(data, countries, edition)
display(views.compare_title_html(data, countries, edition))
mixed = views.editions_note(data, countries, edition)
if mixed:
    display(views.note_html(mixed))
maps.region_map(data, countries, edition)

# %% [markdown]
# ## Headline scores
#
# The four composites of each country (criminality: higher is worse; resilience: higher is better)
# and the world ranks where the data has them (rank 1 has the highest score: the most criminal, or the
# most resilient).

# %%
headline = views.compare_headline(data, countries, edition)
display(views.table_html(headline.drop(columns="iso3"), missing={
    "criminality_world_rank": "no world rank in the data loaded", "resilience_world_rank":
    "no world rank in the data loaded"}))
views.export_table(headline, edition=edition)

# %%
if views.has_peers(data, edition):
    display(views.section_html("How sure are these ranks", "Each country's world rank beside the ranks it takes in "
                               "90 % of plausible scorings (from the 5th to the 95th percentile, with the median) "
                               "and with one indicator left out at a time (best and worst). Where two countries' "
                               "intervals overlap, the scores do not settle which of them ranks higher."))
    display(views.table_html(views.uncertainty_table(data, countries, edition).rename(columns={
        "p05": "Low (5 %)", "median_rank": "Median", "p95": "High (95 %)", "min_rank": "Best, one left out",
        "max_rank": "Worst, one left out"})))
    display(views.note_html(views.EXPLANATION))

# %% [markdown]
# ## Where the indicators differ
#
# For two countries, the first country's score minus the second's, red where the first is worse off;
# for more, the spread between the highest and the lowest score (every country sharing the highest or
# lowest score is named). Largest differences first.

# %%
differences = views.indicator_differences(data, countries, edition)
plots.show(charts.difference_bars(differences, title=f"{group}: indicator differences, {edition}"),
           alt=f"The {min(len(differences), 20)} largest differences between the indicator scores of "
               f"{len(countries)} countries in {edition}")
views.table_html(differences, definitions=views.definitions(data))

# %% [markdown]
# ## Every indicator by country
#
# Criminality's indicators and resilience's on two scales, so that a darker cell always means worse:
# more crime, or less resilience.

# %%
matrix = views.indicator_matrix(data, countries, edition)
plots.show(charts.heatmap(matrix, title=f"{group}: indicator scores, {edition}"),
           alt=f"Heat map of {len(matrix)} indicator scores of {len(countries)} countries in {edition}, "
               "criminality and resilience apart, darker is worse")

# %% [markdown]
# ## The composites across editions

# %%
history = views.composite_history(data, countries)
plots.show(charts.composite_lines(history, title=f"{group}: composites by edition"),
           alt=f"The four composite scores of {len(countries)} countries in each edition the data has")

# %%
changes = views.largest_changes(data, countries, edition)
if not changes.empty:
    display(views.section_html("What changed most", "The largest changes since the previous edition, among all "
                               "the countries' indicators and composites: red is worse (criminality up, "
                               "resilience down), blue is better."))
    plots.show(charts.change_bars(changes, title=f"Largest changes since {views.previous_edition(edition)}"),
               alt=f"The {len(changes)} largest score changes from {views.previous_edition(edition)} to "
                   f"{edition} among the countries compared, coloured worse or better")
    display(views.table_html(changes[["country", "label", "pillar", "previous_score", "score", "change", "origin",
                                      "indicator"]], edition=edition))
    for note in filter(None, (views.indicator_set_note(c, edition) for c in ("criminality", "criminal_markets",
                                                                             "criminal_actors"))):
        display(views.note_html(note))

# %%
if views.has_peers(data, edition):
    peers = views.peer_scores(data, edition)
    regions = list(dict.fromkeys(views.country_info(data, c, edition)["region"] for c in countries))
    display(views.section_html("Among all countries", "Criminality against resilience for every country the "
                               "data has for this edition, with the compared countries labelled; then the "
                               "ranking of each of their regions."))
    plots.show(charts.peer_scatter(peers, countries, regions[0] if len(regions) == 1 else None,
                                  title=f"{len(peers)} countries, {edition} edition"),
               alt=f"Criminality against resilience for {len(peers)} countries in {edition}, the "
                   f"{len(countries)} compared countries labelled")
    for region in regions:
        display(views.note_html(f"{region}: ranking among its countries"))
        display(views.table_html(views.region_ranking(data, region, edition).drop(columns="iso3")))
    means = views.compare_region_means(data, countries, edition)
    if not means.empty:
        display(views.note_html("Each country beside its region's and the world's means"))
        display(views.table_html(means))
else:
    display(views.no_peers_html(data, edition, "them"))

# %% [markdown]
# ## Sources and how to cite

# %%
display(views.sources_html(views.cited_sources(data, countries, with_workbook=views.has_peers(data, edition))))
views.cite_html(data, countries, edition)
