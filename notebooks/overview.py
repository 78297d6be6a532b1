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
# # The whole index
#
# Every country of one edition of the Global Organized Crime Index (GI-TOC): maps of criminality and
# resilience, the full ranking, the scores by continent and region, the countries that moved most, the
# strongest and weakest indicators worldwide. Run it with papermill, e.g.
# `papermill overview.ipynb out.ipynb -p edition 2023 -p workbook global_oc_index.xlsx`.

# %%
import warnings

import matplotlib as mpl
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from ocdata import charts, plots, views
from ocdata.charts import uncertainty
from ocdata.views import maps, overview

# %% tags=["parameters"]
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest edition with all countries
workbook: str = ""  # path to an official workbook (.xlsx) for all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
edition = overview.overview_edition(data, edition)
table = overview.ranking(data, edition)
display(Markdown(f"# The whole index, {edition} edition\n\n{len(table)} countries, scored from 1 to 10. "
                 "Criminality: higher is worse. Resilience: higher is better."))
if not views.has_peers(data, edition):
    display(views.note_html(f"This overview needs the official workbook for all countries (run `ocdata download`); "
                            f"it shows the {len(table)} countries of the bundled documents."))

# %% [markdown]
# ## Maps

# %%
if views.has_peers(data, edition):
    display(Markdown("Each country coloured by its score, criminality on the first map and resilience on the "
                     "second; darker is worse on both. Hover a country for its scores. Small island states are "
                     "drawn as dots; hatched countries have no score in this edition."))
    display(maps.world_maps(data, edition))
else:
    display(Markdown(f"The {len(table)} countries coloured by their criminality score; darker is worse. Hover a "
                     "country for its scores."))
    display(maps.region_map(data, list(table["iso3"]), edition))

# %% [markdown]
# ## Criminality against resilience
#
# Every country of the edition: the further up and left, the more organized crime and the less
# resilience to withstand it.

# %%
plots.show(charts.peer_scatter(table, [], title=f"{len(table)} countries, {edition} edition"),
           alt="criminality against resilience for every country")


# %% [markdown]
# ## By continent
#
# The spread of each dimension's scores within each continent: the box holds the middle half of the
# countries, the line is the median, each dot is a country.

# %%
def continent_figure(scores, title: str) -> Figure:
    """Box and strip plots of each dimension by continent (no error bars, no jitter: the same bytes each run)."""
    with warnings.catch_warnings(), mpl.rc_context(plots.STYLE):
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(8.5, 3.6), dpi=plots.DPI)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.16, wspace=0.25)
        for ax, (dimension, rows) in zip(fig.subplots(1, 2, sharey=True), scores.groupby("dimension", sort=True),
                                         strict=True):
            sns.boxplot(data=rows, x="continent", y="score", ax=ax, color="#E5E7EB", fliersize=0, width=0.6)
            sns.stripplot(data=rows, x="continent", y="score", ax=ax, jitter=False, size=3,
                          color=plots.PILLAR_COLORS[dimension], alpha=0.6)
            ax.set_title(f"{dimension} ({'higher is worse' if dimension == 'criminality' else 'higher is better'})")
            ax.set_xlabel("")
            ax.set_ylim(*plots.SCORE_RANGE)
        fig.suptitle(title, fontweight="bold", fontsize=10)
        return fig


scores = overview.continent_scores(data, edition)
plots.show(continent_figure(scores, f"Scores by continent, {edition}"), alt="scores by continent")

# %% [markdown]
# ## Regions
#
# Each region's mean scores over its countries (rounded half-up), most criminal first.

# %%
views.table_html(overview.region_averages(data, edition))

# %% [markdown]
# ## The countries that moved most
#
# The largest changes since the previous edition, for each dimension (the change printed beside the score
# where a document prints one, else the difference of the published scores).

# %%
moved = overview.movers(data, edition)
if moved.empty:
    display(views.note_html(f"The data has no earlier edition to compare {edition} with."))
else:
    display(views.table_html(moved))

# %% [markdown]
# ## The strongest and weakest indicators worldwide
#
# For each pillar, the indicators with the highest and the lowest mean over all countries. A high mean
# of a criminal market or actor is a widespread threat; a high mean of a resilience indicator a
# widespread strength.

# %%
views.table_html(overview.indicator_extremes(data, edition))

# %% [markdown]
# ## The full ranking
#
# Every country, most criminal first, with its change since the previous edition and its rank in the
# world, its continent and its region (1 = the highest score).

# %%
views.table_html(table)

# %%
if views.has_peers(data, edition):
    display(views.section_html("How sure are the ranks", views.EXPLANATION))
    for metric in ("criminality", "resilience"):
        uncertain = views.rank_uncertainty(data, edition, metric)
        label = metric.capitalize()
        plots.show(uncertainty.rank_intervals(uncertain, label, title=f"{label} ranks and their 90 % intervals, "
                                              f"{edition}"),
                   alt=f"Each of {len(uncertain)} countries' {metric} rank in {edition} with the ranks it takes "
                       "in 90 % of plausible scorings")
    display(views.note_html(
        "Which assumption moves the ranks most (Sobol indices): the share of the variance of the countries' rank "
        "shifts due to each assumption alone (first-order) and with its interactions (total). Near 1, that "
        "assumption decides how far the ranks move; a pillar that does not feed a metric has index 0."))
    for metric in ("criminality", "resilience"):
        plots.show(uncertainty.sobol_bars(views.sensitivity_table(data, edition, metric),
                                          title=f"What moves the {metric} ranks, {edition}"),
                   alt=f"First-order and total Sobol indices of five assumptions for the {metric} ranks in "
                       f"{edition}")

# %% [markdown]
# ## Sources

# %%
views.sources_html(views.cited_sources(data, list(table["iso3"]), [edition],
                                       with_workbook=views.has_peers(data, edition)))
