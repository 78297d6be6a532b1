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

# %% [markdown]
# # Working with the Global Organized Crime Index: a guided tour
#
# This notebook walks through the data behind the reports: how to load it, how the index is built,
# how to check a published composite by hand, how to plot a country, and how to compare editions.
# Each part ends with a short exercise; the answers follow at the end. Run the cells from top to
# bottom (in JupyterLab: *Run › Run All Cells*).

# %%
import pandas as pd

from ocdata import codebook as oc_codebook
from ocdata import plots, views
from ocdata.numbers import round_half_up

# %% tags=["parameters"]
country: str = "KGZ"  # the country of the examples: its ISO3 code in any case or its name
workbook: str = ""  # path to an official workbook (.xlsx) to add all countries; empty for the bundled data
tables: str = ""  # folder of tables saved by `ocdata build`; empty to load (or build) them here

# %% [markdown]
# ## 1. Loading the data
#
# `ocdata.load()` gives the tidy tables built from the bundled source documents (and the official
# workbook, when given or downloaded), validated, as a `Dataset`. Each table is a pandas DataFrame
# with fixed column names, and yours to change: no later `load()` sees your changes.
# `views.load_dataset(workbook, tables)` does the same for a report: an empty `workbook` means no
# workbook, an empty `tables` the tables of the documents.

# %%
data = views.load_dataset(workbook, tables)
country = views.validate_country(data, country)
pd.DataFrame([(name, len(table), ", ".join(table.columns)) for name, table in data.tables().items()],
             columns=["table", "rows", "columns"])

# %% [markdown]
# The `scores` table has one row per country, edition and indicator. Besides the score it says where
# the value comes from (`source`, `line`) and how it was obtained (`origin`).

# %%
data.scores.query("iso3 == @country")[["iso3", "edition", "indicator", "pillar", "score", "change", "origin",
                                        "source", "line"]].head(8)

# %% [markdown]
# **Exercise 1.** How many scores does the data hold for each origin (reported, computed, inferred,
# back-cast)? *Hint:* `value_counts`.

# %% [markdown]
# ## 2. The structure of the index
#
# Two dimensions: **criminality** (the mean of two pillars, criminal markets and criminal actors) and
# **resilience**. Each pillar is the mean of its indicators, expert scores from 1 to 10 in steps of
# 0.5. The codebook lists every indicator with its pillar and the editions it exists in: five
# markets and one actor type were added in 2023.

# %%
codebook = data.codebook
added = set(oc_codebook.added_in(2023))  # the codebook says which indicators each edition added
codebook.query("level == 'indicator'").groupby("pillar").agg(
    indicators=("indicator", "size"),
    added_in_2023=("indicator", lambda ids: int(ids.isin(added).sum())),
)

# %%
codebook.loc[codebook["level"] != "indicator", ["indicator", "label", "level", "parent", "method"]]

# %% [markdown]
# **Exercise 2.** Which indicators exist only from 2023 on? List their labels.

# %% [markdown]
# ## 3. Checking a composite by hand
#
# The publisher rounds **half up** to two decimals (4.625 becomes 4.63), while Python's `round`
# rounds half to even (4.62). And criminality is the mean of the *unrounded* pillar means. Take the
# latest edition of the country and recompute its pillars from the indicators.

# %%
edition = views.validate_edition(data, 0, [country])
markets = data.scores.query("iso3 == @country and edition == @edition and pillar == 'criminal_markets'"
                            " and indicator != 'criminal_markets'")
print(f"{len(markets)} market indicators, mean {markets['score'].mean():.6f}")
print("published:", data.scores.query(
    "iso3 == @country and edition == @edition and indicator == 'criminal_markets'")["score"].item())

# %% [markdown]
# `views.recompute_composites` does this for all four composites, and shows what the two usual
# mistakes (rounding half to even; averaging the rounded pillars) would give.

# %%
views.recompute_composites(data, country, edition)

# %% [markdown]
# **Exercise 3.** Recompute Kazakhstan's 2023 resilience from its twelve indicators. Does it match
# the published score?

# %% [markdown]
# ## 4. Plotting
#
# Each figure takes a table from `ocdata.views`. `ocdata.plots` returns a matplotlib figure, which you
# can restyle or save as PNG and which `plots.show` displays; the reports draw the same figures with
# `ocdata.charts` (same names and tables), written as SVG with each bar's value in its hover title.

# %%
indicators = views.indicator_scores(data, country, edition)
plots.show(plots.indicator_bars(indicators, title=f"{country}: indicators, {edition}",
                                previous_edition=views.previous_edition(edition)),
           alt=f"{country}'s {len(indicators)} indicator scores in {edition}, by pillar")

# %% [markdown]
# **Exercise 4.** Which three indicators of the country score highest in this edition?

# %% [markdown]
# ## 5. Comparing editions
#
# The web profiles print, beside each score, its change since the previous edition. `views.headline`
# puts the composites of two editions side by side; `views.largest_changes` ranks what moved most.

# %%
views.headline(data, country, edition)

# %%
views.largest_changes(data, [country], edition, n=8)

# %% [markdown]
# **Exercise 5.** The 2021 scores of Kazakhstan were never printed in a document we have: they are
# *back-cast* from the 2023 changes (2021 = 2023 − change). Which document and line does the
# back-cast human-trafficking score come from?

# %% [markdown]
# ## Answers

# %% [markdown]
# **1.** Counting origins:

# %%
data.scores["origin"].value_counts()

# %% [markdown]
# **2.** The indicators added in 2023:

# %%
codebook.loc[codebook["indicator"].isin(oc_codebook.added_in(2023)), "label"].tolist()

# %% [markdown]
# **3.** Kazakhstan's 2023 resilience, by hand, with the publisher's rounding:

# %%
kaz = data.scores.query("iso3 == 'KAZ' and edition == 2023 and pillar == 'resilience'")
by_hand = round_half_up(kaz.loc[kaz["indicator"] != "resilience", "score"].mean())
published = kaz.loc[kaz["indicator"] == "resilience", "score"].item()
print(f"by hand {by_hand:.2f}, published {published:.2f}, match: {abs(by_hand - published) < 0.005}")

# %% [markdown]
# **4.** The three highest indicators:

# %%
indicators.nlargest(3, "score")[["label", "pillar", "score"]]

# %% [markdown]
# **5.** Where the back-cast value comes from: the document and line of the 2023 change it was
# computed from.

# %%
data.scores.query("iso3 == 'KAZ' and edition == 2021 and indicator == 'human_trafficking'")[
    ["score", "origin", "source", "line"]]
