# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # Countries compared
#
# Several countries side by side in the Global Organized Crime Index (GI-TOC): where their
# indicators differ, all indicators at a glance, the composites across editions, and what changed
# most. Run it with papermill, e.g. `papermill compare.ipynb out.ipynb -y "countries: [KAZ, KGZ]"`.

# %%
from IPython.display import display

from ocdata import plots, views

# %% tags=["parameters"]
countries: list[str] = ["KAZ", "KGZ"]  # ISO3 codes of the countries to compare
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest edition all the countries have
workbook: str = ""  # path to an official workbook (.xlsx) to add all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
countries = views.validate_countries(data, countries, minimum=2)
edition = views.validate_edition(data, edition, countries)
group = views.describe_group(data, countries, edition)
views.compare_title_html(data, countries, edition)

# %% [markdown]
# ## Headline scores
#
# The four composites of each country (criminality: higher is worse; resilience: higher is better)
# and the world ranks where the data has them.

# %%
views.table_html(views.compare_headline(data, countries, edition))

# %% [markdown]
# ## Where the indicators differ
#
# For two countries, the first country's score minus the second's; for more, the spread between the
# highest and the lowest score. Largest differences first.

# %%
differences = views.indicator_differences(data, countries, edition)
plots.show(plots.difference_bars(differences, title=f"{group}: indicator differences, {edition}"),
           alt="indicator differences")
views.table_html(differences)

# %% [markdown]
# ## Every indicator by country

# %%
matrix = views.indicator_matrix(data, countries, edition)
plots.show(plots.heatmap(matrix, title=f"{group}: indicator scores, {edition}"), alt="heat map of indicators")

# %% [markdown]
# ## The composites across editions

# %%
history = views.composite_history(data, countries)
plots.show(plots.composite_lines(history), alt="composite scores by edition")

# %% [markdown]
# ## What changed most
#
# The largest changes since the previous edition, among all the countries' indicators and composites.

# %%
changes = views.largest_changes(data, countries, edition)
if changes.empty:
    display(views.note_html(f"The data has no earlier edition to compare {edition} with."))
else:
    plots.show(plots.change_bars(changes, title=f"Largest changes since the previous edition ({edition})"),
               alt="largest changes")
    display(views.table_html(changes[["country", "label", "pillar", "previous_score", "score", "change", "origin"]]))

# %% [markdown]
# ## Among all countries
#
# Criminality against resilience for every country the data has for this edition, with the
# compared countries labelled; then the ranking of each of their regions.

# %%
if views.has_peers(data, edition):
    peers = views.peer_scores(data, edition)
    regions = list(dict.fromkeys(views.country_info(data, c)["region"] for c in countries))
    plots.show(plots.peer_scatter(peers, countries, regions[0] if len(regions) == 1 else None,
                                  title=f"{len(peers)} countries, {edition} edition"),
               alt="criminality against resilience")
    for region in regions:
        display(views.note_html(f"{region}: ranking among its countries"))
        display(views.table_html(views.region_ranking(data, region, edition)))
    means = views.compare_region_means(data, countries, edition)
    if not means.empty:
        display(views.note_html("Each country beside its region's and the world's means"))
        display(views.table_html(means))
else:
    display(views.no_peers_html(data, edition, "them"))

# %% [markdown]
# ## Sources

# %%
views.sources_html(views.cited_sources(data, countries, with_workbook=views.has_peers(data, edition)))
