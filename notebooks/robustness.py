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
# # How sure are the ranks
#
# One metric of one edition of the Global Organized Crime Index (GI-TOC), its ranks put to the test step by
# step with `ocdata.robustness`: leave one indicator out, move every expert score half a step, change the
# weights or the mean, and see which assumption matters. Every cell is code to copy. Run it with papermill,
# e.g. `papermill robustness.ipynb out.ipynb -p edition 2023 -p metric resilience -p workbook global_oc_index.xlsx`.

# %%
import pandas as pd
from IPython.display import Markdown, display

from ocdata import plots, robustness, views
from ocdata.charts import uncertainty
from ocdata.codebook import label_of, metrics
from ocdata.views import overview
from ocdata.views.params import validate_choice

# %% tags=["parameters"]
edition: int = 0  # edition year (2021, 2023 or 2025); 0 for the latest edition with all countries
metric: str = "criminality"  # the metric whose ranks are tested: criminality or resilience
workbook: str = ""  # path to an official workbook (.xlsx) for all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %%
data = views.load_dataset(workbook, tables)
edition = overview.overview_edition(data, edition)
metric = validate_choice(metric, "metric", metrics())
label = label_of(metric)
display(Markdown(f"# How sure are the {metric} ranks, {edition} edition"))
if not views.has_peers(data, edition):
    display(views.note_html("These ranks are among the few countries of the bundled documents, not the world's: "
                            "render with the official workbook (ocdata report --all --workbook PATH) for all "
                            "countries."))
display(views.note_html(views.EXPLANATION))

# %% [markdown]
# ## Leave one indicator out
#
# `robustness.leave_one_out` recomputes the metric once per indicator, that indicator left out (its pillar
# becomes the mean of the others; the metric is rounded half-up to 2 decimals as published), and ranks the
# countries each time. `min_rank` and `max_rank` are the best and worst rank a country takes; `dropped_min`
# and `dropped_max` the indicator whose absence gives each. The countries whose rank moves most:

# %%
names = data.countries.set_index("iso3")["country"]
dropped = robustness.leave_one_out(data, edition, metric)
dropped.insert(1, "country", dropped["iso3"].map(names))
dropped["Spread"] = dropped["max_rank"] - dropped["min_rank"]
views.table_html(dropped.sort_values(["Spread", "rank"], ascending=[False, True]).head(10))

# %% [markdown]
# ## Rank intervals over plausible scorings
#
# `robustness.rank_intervals` moves every indicator score by −0.5, 0 or +0.5 (probabilities ¼, ½, ¼; the
# experts score in steps of 0.5), recomputes and re-ranks 1,000 times (seed 0: the same table every run), and
# keeps each country's 5th, 50th and 95th percentile rank. Every country's interval, then the widest:

# %%
intervals = robustness.rank_intervals(data, edition, metric)
table = views.rank_uncertainty(data, edition, metric)  # the same numbers, with names and the leave-one-out range
plots.show(uncertainty.rank_intervals(table, label, title=f"{label} ranks and their 90 % intervals, {edition}"),
           alt=f"Each of {len(table)} countries' {metric} rank in {edition} with the ranks it takes in 90 % of "
               "plausible scorings")
intervals.insert(1, "country", intervals["iso3"].map(names))
intervals["Width"] = intervals["p95"] - intervals["p05"]
views.table_html(intervals.sort_values(["Width", "rank"], ascending=[False, True]).head(10))

# %% [markdown]
# ## Other assumptions: weights and means
#
# The same analysis with each pillar's indicator weights drawn at random (`weights="dirichlet"`: equal on
# average), with geometric means (`aggregation="geometric"`: a low score pulls the pillar down more), and with
# both drawn per replica among the choices. Wider intervals mean the ranks depend on that assumption too.

# %%
options = {
    "scores moved (default)": {},
    "and Dirichlet weights": {"weights": "dirichlet"},
    "and geometric means": {"aggregation": "geometric"},
    "and either, drawn per replica": {"weights": ("equal", "dirichlet"), "aggregation": ("arithmetic", "geometric")},
}
rows = []
for name, kwargs in options.items():
    run = robustness.rank_intervals(data, edition, metric, **kwargs)
    width = run["p95"] - run["p05"]
    outside = ((run["rank"] < run["p05"]) | (run["rank"] > run["p95"])).sum()
    rows.append({"Assumptions": name, "Median width": width.median(), "Widest": width.max(),
                 "Countries whose rank is outside their interval": outside})
views.table_html(pd.DataFrame(rows), formats={"Median width": "{:.1f}"})

# %% [markdown]
# ## Which assumption matters most
#
# `robustness.sensitivity` draws the assumptions themselves (noise in each pillar's scores on or off, equal
# or Dirichlet weights, arithmetic or geometric means) with Saltelli's scheme and measures how far the ranks
# move from the nominal ones. The first-order index (S1) is the share of that variation due to one assumption
# alone, the total index (ST) with its interactions; a pillar that does not feed the metric has index 0.

# %%
sobol = views.sensitivity_table(data, edition, metric)  # robustness.sensitivity(data, edition, metric), once
plots.show(uncertainty.sobol_bars(sobol, title=f"What moves the {metric} ranks, {edition}"),
           alt=f"First-order and total Sobol indices of five assumptions for the {metric} ranks in {edition}")
views.table_html(sobol, formats={c: "{:.3f}" for c in ("S1", "S1_conf", "ST", "ST_conf")})

# %% [markdown]
# ## Sources

# %%
views.sources_html(views.cited_sources(data, list(table["iso3"]), [edition],
                                       with_workbook=views.has_peers(data, edition)))
