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
# # Country profile
#
# One country in the Global Organized Crime Index (GI-TOC): its scores, how they moved since the
# previous edition, where it stands among its peers, what the profile says, and where every number
# comes from. Run it with papermill, e.g. `papermill country_profile.ipynb out.ipynb -p country KAZ`.

# %%
from IPython.display import display

from ocdata import charts, plots, views
from ocdata.views import maps

# %% tags=["parameters"]
country: str = "KGZ"  # the country: its ISO3 code in any case or its name ("kgz", "Kyrgyzstan")
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest the data has for the country
workbook: str = ""  # path to an official workbook (.xlsx) to add all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
country = views.validate_country(data, country)
edition = views.validate_edition(data, edition, [country])
info = views.country_info(data, country, edition)  # its continent and region as this edition groups them
name = info["country"]
previous = views.previous_edition(edition)
sources = views.cited_sources(data, [country], with_workbook=views.has_peers(data, edition))
refs = views.source_refs(sources)
display(views.title_html(data, country, edition))
display(views.lacks_html(data, country, edition))
maps.locator_map(data, country, edition)

# %% [markdown]
# ## Headline scores
#
# Criminality measures how much organized crime there is (higher is worse); resilience measures how
# well the state and society withstand it (higher is better). Each change is the one printed beside
# the score, or else the difference from the previous edition's published score (marked °).

# %%
headline = views.headline(data, country, edition)
display(views.headline_html(data, country, edition))
views.table_html(headline[["label", "score", "previous_score", "change", "change_basis", "origin", "indicator"]],
                 edition=edition)

# %%
if views.has_peers(data, edition):
    display(views.section_html("How sure is this rank", " ".join(views.how_sure(data, country, edition))))
    display(views.note_html(views.EXPLANATION))

# %% [markdown]
# ## The three pillars
#
# Criminality is the mean of two pillars, criminal markets and criminal actors; resilience is a
# pillar of its own. The black tick is the previous edition.

# %%
plots.show(charts.pillar_bars(headline, title=f"{name}: pillars, {edition}", previous_edition=previous),
           alt=f"{name}'s criminal markets, criminal actors, criminality and resilience scores in {edition}"
               + (f", with {previous}'s marked" if previous else ""))

# %% [markdown]
# ## Every indicator
#
# Each indicator is an expert score from 1 to 10 in steps of 0.5, grouped by pillar and sorted by
# score; open an indicator's name for its definition. Hatched bars and marked scores were not printed
# in the source but inferred or back-cast.

# %%
indicators = views.indicator_scores(data, country, edition)
plots.show(charts.indicator_bars(indicators, title=f"{name}: indicators, {edition}", previous_edition=previous),
           alt=f"{name}'s {len(indicators)} indicator scores in {edition}, by pillar"
               + (f", with {previous}'s marked" if previous else ""))

# %%
main_table = indicators[["label", "pillar", "score", "previous_score", "change", "change_basis", "origin",
                         "indicator"]]
display(views.table_html(main_table, edition=edition, definitions=views.definitions(data)))
notes = [views.indicator_set_note(c, edition) for c in ("criminal_markets", "criminal_actors")]
for note in filter(None, notes):
    display(views.note_html(note))
views.export_table(indicators[["indicator", "label", "pillar", "score", "previous_score", "change",
                               "change_basis", "origin", "source", "line"]], edition=edition)

# %% [markdown]
# ## The composites across editions

# %%
history = views.composite_history(data, [country])
plots.show(charts.composite_lines(history, title=f"{name}: composites by edition"),
           alt=f"{name}'s four composite scores in each edition the data has "
               f"({', '.join(str(e) for e in sorted(history['edition'].unique()))})")
views.table_html(views.composite_table(history))

# %%
if views.has_peers(data, edition):
    peers = views.peer_scores(data, edition)
    display(views.section_html("Among its peers", "Criminality against resilience for every country the data "
                               "has for this edition, the country's region highlighted; then the region's "
                               "ranking and means."))
    plots.show(charts.peer_scatter(peers, [country], info["region"],
                                  title=f"{len(peers)} countries, {edition} edition"),
               alt=f"Criminality against resilience for {len(peers)} countries in {edition}, {name} labelled "
                   f"and {info['region']} highlighted")
    display(views.note_html(f"{info['region']}: ranking among its countries (rank 1 has the highest score)"))
    display(views.table_html(views.region_ranking(data, info["region"], edition)))
    means = views.region_means(data, country, edition)
    if not means.empty:
        display(views.note_html("The country beside its region's and the world's means"))
        display(views.table_html(means))
else:
    display(views.no_peers_html(data, edition, "the country"))

# %%
series = views.country_series(data, country)
if not series.empty:
    display(views.section_html("Historical series", "Figures from background documents, and the growth rates "
                               "their text claims, recomputed from the figures themselves."))
    plots.show(charts.series_lines(series),
               alt=f"{series['series'].nunique()} yearly series about {name} from background documents")
    display(views.note_html("Growth-rate claims checked against the series"))
    display(views.table_html(views.country_claims(data, country)))
    display(views.note_html("Single figures"))
    display(views.table_html(views.single_figures(data, country), formats={"value": "{:,.0f}"}))

# %%
story = views.narrative(data, country, edition)
if not story.empty:
    display(views.section_html("What the profile says",
                               "The narrative of the profile, by section, each paragraph with its document and "
                               "line."))
    display(views.narrative_html(story, refs))

# %% [markdown]
# ## Provenance
#
# Every value above is either printed in a source, computed by the publisher's rule from its
# indicators, solved from a printed pillar mean (inferred), or recovered from a later edition's
# printed change (back-cast). Sources are numbered as in the list at the end.

# %%
provenance = views.provenance(data, country, edition)
display(views.table_html(views.provenance_summary(provenance)))
views.table_html(provenance[["label", "level", "score", "origin", "source", "line", "sheet", "indicator"]]
                 .assign(source=[views.cite(s, refs) for s in provenance["source"]]), drop_empty=True)

# %%
views.table_html(views.check_summary(data, [country]))

# %% [markdown]
# ## Sources and how to cite

# %%
display(views.sources_html(sources))
views.cite_html(data, [country], edition)
