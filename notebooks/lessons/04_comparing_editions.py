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

# %% [markdown]
# # Lesson 4. Comparing editions and countries honestly
#
# **Goals.** After this lesson you can compare a score across editions when the indicators behind it
# changed, separate the effect of new indicators from real change, compare two countries indicator by
# indicator, and look at distributions rather than only at means.
#
# **Time.** About 35 minutes.

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

import ocdata
from ocdata import teach
from ocdata.codebook import indicators_of
from ocdata.numbers import round_half_up
from ocdata.teach.answers import indicator_rows, score_of

teach.setup()

# %% tags=["parameters"]
workbook: str = ""  # an official workbook (.xlsx) to read; empty: the newest one `ocdata download` fetched, if any
tables: str = ""  # a folder of tables saved by `ocdata build` (`ocdata report` passes one); empty: none

# %% [markdown]
# `teach.load` reads the tables or the workbook named above, else what `ocdata.load()` reads; the exercises' checks
# compute their answers from the same data.

# %%
data = teach.load(workbook, tables)
codebook = data.codebook

# %% [markdown]
# ## The indicator set changed in 2023
#
# The 2023 edition added five criminal markets and one type of criminal actor. A pillar is a mean of its
# indicators, so a 2023 pillar averages over a different list than its 2021 namesake: part of any change
# comes from the new indicators, not from the old ones moving.

# %%
new = codebook[codebook["indicator"].isin(ocdata.codebook.added_in(2023))]  # what 2023 added to 2021
new[["indicator", "label", "pillar", "editions"]]

# %% [markdown]
# ## Like for like
#
# Worked example with Kyrgyzstan's criminal markets: the published pillar in 2021 and 2023, and the 2023
# mean over the ten indicators that already existed in 2021.

# %%
old_markets = list(indicators_of(2021, "criminal_markets"))
kgz23 = indicator_rows(data, "KGZ", 2023, "criminal_markets")
same_ten = kgz23.loc[kgz23["indicator"].isin(old_markets), "score"].mean()
print(f"published 2021: {score_of(data, 'KGZ', 2021, 'criminal_markets'):.2f}; "
      f"published 2023: {score_of(data, 'KGZ', 2023, 'criminal_markets'):.2f}; "
      f"2023 over the 2021 indicators: {round_half_up(same_ten):.2f}")

# %% [markdown]
# ## Distributions, not only means
#
# Two countries with similar pillar means can have very different profiles. Plot every 2023 indicator of
# both countries, pillar by pillar:

# %%
both = pd.concat([indicator_rows(data, country, 2023) for country in ["KAZ", "KGZ"]], ignore_index=True)
fig, ax = plt.subplots(figsize=(7, 3.5))
sns.stripplot(data=both, x="score", y="pillar", hue="iso3", dodge=True, jitter=False, ax=ax)
ax.set(xlim=(0, 10), xlabel="indicator score", ylabel="", title="2023 indicators, Kazakhstan and Kyrgyzstan")
plt.show()

# %%
both.groupby(["pillar", "iso3"])["score"].describe()[["count", "mean", "50%", "min", "max"]]

# %% [markdown]
# With the official workbook you can set a country against its region's and continent's means
# (`data.aggregates`, one row per edition, indicator and scope) and against the distribution of all 193
# countries; with the bundled documents the comparison is between the two countries.
#
# ## Exercises
#
# The exercises are worth 5 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# **Exercise 4.1** (2 points). Compute Kazakhstan's 2023 criminal markets score over only the indicators that
# existed in 2021, rounded the publisher's way. Assign the number to `answer_4_1`.

# %%
### BEGIN SOLUTION
kaz23 = indicator_rows(data, "KAZ", 2023, "criminal_markets")
answer_4_1 = round_half_up(kaz23.loc[kaz23["indicator"].isin(indicators_of(2021, "criminal_markets")), "score"].mean())
### END SOLUTION
teach.check_4_1(answer_4_1)

# %%
# graded test of exercise 4.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("4.1", answer_4_1)

# %% [markdown]
# **Exercise 4.2** (2 points). And the mean of Kazakhstan's 2023 criminal-market indicators that are new in
# 2023, rounded the publisher's way? Assign it to `answer_4_2`. Do the new markets pull the pillar up or down?

# %%
### BEGIN SOLUTION
kaz_new = kaz23.loc[~kaz23["indicator"].isin(indicators_of(2021, "criminal_markets")), "score"]
answer_4_2 = round_half_up(kaz_new.mean())
### END SOLUTION
teach.check_4_2(answer_4_2)

# %%
# graded test of exercise 4.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("4.2", answer_4_2)

# %% [markdown]
# **Exercise 4.3** (1 point). On how many of the 2023 indicators does Kyrgyzstan score strictly higher than
# Kazakhstan? Assign a whole number to `answer_4_3`.

# %%
### BEGIN SOLUTION
wide = both.pivot_table(index="indicator", columns="iso3", values="score")
answer_4_3 = int((wide["KGZ"] > wide["KAZ"]).sum())
### END SOLUTION
teach.check_4_3(answer_4_3)

# %%
# graded test of exercise 4.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("4.3", answer_4_3)

# %% [markdown]
# **To discuss.** A newspaper writes that Kazakhstan's criminal markets "grew" between 2021 and 2023. What
# would you check before agreeing?
