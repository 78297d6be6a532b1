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
# # Explorer
#
# Pick a country, an edition, an indicator or composite and a scope (the world, the country's continent or
# its region): the three panels below follow. The first sets the country against its scope, the second
# shows every country of the scope on the chosen indicator (the chosen country in black), the third sets
# two editions of the country side by side. Open it with `make lab` and run all cells; a copy rendered
# without a kernel shows the default selection.

# %%
from IPython.display import display

import ocdata
from ocdata import explore

# %% tags=["parameters"]
country: str = "KGZ"  # the country: its ISO3 code in any case or its name ("kgz", "Kyrgyzstan")
edition: int = 0  # 0 = latest (the latest edition with other countries to compare with)
indicator: str = "criminality"  # indicator or composite id or label, e.g. "heroin_trade" or "Resilience"
scope: str = "region"  # "world", "continent" or "region"
other_edition: int = 0  # the edition set beside it; 0 = the one before (or after, for the first)

# %% [markdown]
# `ocdata.load()` reads the bundled documents and, when `ocdata download` has fetched it, the official
# workbook with all 193 countries.

# %%
data = ocdata.load()
explorer = explore.Explorer(data, country=country, edition=edition, indicator=indicator, scope=scope,
                            other_edition=other_edition)
display(explorer)
