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
# # Country profile
#
# One country in the Global Organized Crime Index (GI-TOC): its scores, how they moved since the
# previous edition, where it stands among its peers, what the profile says, and where every number
# comes from. Run it with papermill, e.g. `papermill country_profile.ipynb out.ipynb -p country KAZ`.

# %%
from IPython.display import display

from ocdata import plots, views

# %% tags=["parameters"]
country: str = "KGZ"  # ISO3 code of the country
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest the data has for the country
workbook: str = ""  # path to an official workbook (.xlsx) to add all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
country = views.validate_country(data, country)
edition = views.validate_edition(data, edition, [country])
info = views.country_info(data, country)
views.title_html(data, country, edition)

# %% [markdown]
# ## Headline scores
#
# Criminality measures how much organized crime there is (higher is worse); resilience measures how
# well the state and society withstand it (higher is better). The change is the one printed beside
# the score, or else the difference from the previous edition's published score.

# %%
headline = views.headline(data, country, edition)
views.headline_html(data, country, edition)

# %%
views.table_html(headline[["label", "score", "previous_edition", "previous_score", "change", "change_basis",
                           "origin"]])

# %% [markdown]
# ## The three pillars
#
# Criminality is the mean of two pillars, criminal markets and criminal actors; resilience is a
# pillar of its own. The black tick is the previous edition.

# %%
plots.show(plots.pillar_bars(headline, title=f"{info['country']}, {edition}"), alt="pillar scores")

# %% [markdown]
# ## Every indicator
#
# Each indicator is an expert score from 1 to 10 in steps of 0.5, grouped by pillar and sorted by
# score. Indicators added in 2023 have no earlier score.

# %%
indicators = views.indicator_scores(data, country, edition)
plots.show(plots.indicator_bars(indicators, title=f"{info['country']}: indicators, {edition}",
                                previous_edition=views.previous_edition(edition)),
           alt="indicator scores")

# %%
views.table_html(indicators[["label", "pillar", "score", "previous_score", "change", "origin"]])

# %% [markdown]
# ## The composites across editions

# %%
history = views.composite_history(data, [country])
plots.show(plots.composite_lines(history, title=f"{info['country']}: composites by edition"),
           alt="composite scores by edition")
views.table_html(views.composite_table(history))

# %% [markdown]
# ## Among its peers
#
# Criminality against resilience for every country the data has for this edition, the country's
# region highlighted; then the region's ranking and means.

# %%
if views.has_peers(data, edition):
    peers = views.peer_scores(data, edition)
    plots.show(plots.peer_scatter(peers, [country], info["region"],
                                  title=f"{len(peers)} countries, {edition} edition"),
               alt="criminality against resilience")
    display(views.note_html(f"{info['region']}: ranking among its countries"))
    display(views.table_html(views.region_ranking(data, info["region"], edition)))
    means = views.region_means(data, country, edition)
    if not means.empty:
        display(views.note_html("The country beside its region's and the world's means"))
        display(views.table_html(means))
else:
    display(views.no_peers_html(data, edition, "the country"))

# %% [markdown]
# ## Historical series
#
# Figures from background documents, and the growth rates their text claims, recomputed from the
# figures themselves.

# %%
series = views.country_series(data, country)
if series.empty:
    display(views.note_html("The source documents give no historical series for this country."))
else:
    plots.show(plots.series_lines(series), alt="historical series")
    display(views.note_html("Growth-rate claims checked against the series"))
    display(views.table_html(views.country_claims(data, country)))
    display(views.note_html("Single figures"))
    display(views.table_html(views.single_figures(data, country), formats={"value": "{:,.0f}"}))

# %% [markdown]
# ## What the profile says
#
# The narrative of the profile, by section, each paragraph with its document and line.

# %%
views.narrative_html(views.narrative(data, country, edition))

# %% [markdown]
# ## Provenance
#
# Every value above is either printed in a source (reported), computed by the publisher's rule from
# its indicators (computed), solved from a printed pillar mean (inferred), or recovered from a later
# edition's printed change (back-cast).

# %%
provenance = views.provenance(data, country, edition)
display(views.table_html(views.provenance_summary(provenance)))
views.table_html(provenance[["label", "level", "score", "origin", "source", "line", "sheet"]], drop_empty=True)

# %%
views.table_html(views.check_summary(data, [country]))

# %% [markdown]
# ## Sources

# %%
views.sources_html(views.cited_sources(data, [country], with_workbook=views.has_peers(data, edition)))
