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
# # Lesson 1. What a composite index is
#
# **Goals.** After this lesson you can say how the Global Organized Crime Index turns expert scores into
# the few numbers that make headlines, recompute a published pillar and a criminality score from its
# indicators, and explain the two ways a naive recomputation goes wrong.
#
# **Time.** About 30 minutes. Run the cells from top to bottom; each exercise ends with a check that says
# `Correct` or `Not yet` and a hint.

# %%
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ocdata import teach
from ocdata.codebook import children_of, indicators_of
from ocdata.numbers import round_half_up
from ocdata.teach.answers import indicator_rows, score_of, unrounded_means

teach.setup()

# %% tags=["parameters"]
workbook: str = ""  # an official workbook (.xlsx) to read; empty: the newest one `ocdata download` fetched, if any
tables: str = ""  # a folder of tables saved by `ocdata build` (`ocdata report` passes one); empty: none

# %% [markdown]
# `teach.load` reads the tables or the workbook named above, else what `ocdata.load()` reads; the exercises' checks
# compute their answers from the same data.

# %%
data = teach.load(workbook, tables)

# %% [markdown]
# ## Indicators, pillars, dimensions
#
# The index describes each country with two **dimensions**. **Criminality** says how much organized crime
# there is; it has two **pillars**, *criminal markets* (what is traded: people, drugs, arms, ...) and
# *criminal actors* (who trades it). **Resilience** says how well the state and society withstand it; it is
# one pillar. Each pillar is built from **indicators**: expert scores from 1 to 10 in steps of 0.5.
#
# The codebook lists every indicator with its pillar and the editions it exists in.

# %%
codebook = data.codebook
codebook.loc[codebook["level"] == "indicator", ["indicator", "label", "pillar", "editions"]].head(8)

# %%
for pillar in ["criminal_markets", "criminal_actors", "resilience"]:
    print(f"{pillar}: {len(indicators_of(2021, pillar))} indicators in 2021, "
          f"{len(indicators_of(2025, pillar))} in 2025")

# %% [markdown]
# The bundled documents are the profiles of two countries, Kazakhstan (`KAZ`) and Kyrgyzstan (`KGZ`).
# Here are Kyrgyzstan's 2025 indicators, coloured by pillar.

# %%
kgz = indicator_rows(data, "KGZ", 2025).merge(codebook[["indicator", "label"]], on="indicator")
fig, ax = plt.subplots(figsize=(7, 8))
sns.barplot(data=kgz, x="score", y="label", hue="pillar", errorbar=None, dodge=False, ax=ax)
ax.set(xlim=(0, 10), xlabel="score (1 to 10)", ylabel="", title="Kyrgyzstan, 2025: every indicator")
plt.show()

# %% [markdown]
# ## From indicators to a pillar
#
# A pillar score is the **mean of its indicators**, rounded to two decimals. The publisher rounds **half
# up**: a mean of exactly 4.625 is printed 4.63. Python's `round`, numpy and pandas round half *to even*
# (4.625 becomes 4.62), so they disagree with the published score whenever a mean ends exactly in 5.
# `ocdata.numbers.round_half_up` rounds the publisher's way.

# %%
for x in [4.625, 4.375, 5.325]:
    print(f"{x}: half up {round_half_up(x):.2f}, numpy {float(np.round(x, 2)):.2f}")

# %% [markdown]
# Worked example: Kyrgyzstan's 2025 criminal markets pillar, recomputed and compared with the page.

# %%
markets = indicator_rows(data, "KGZ", 2025, "criminal_markets")
mean = markets["score"].mean()
print(f"{len(markets)} indicators, mean {mean:.6f}, rounded half up {round_half_up(mean):.2f}, "
      f"published {score_of(data, 'KGZ', 2025, 'criminal_markets'):.2f}")

# %% [markdown]
# ## From pillars to criminality
#
# Criminality is the mean of the two criminality pillars, but of their **unrounded** means. Averaging the
# two *printed* pillar scores rounds twice, and is off by 0.01 for about a third of the countries.
# `unrounded_means` gives the means before any rounding:

# %%
unrounded_means(data, "KGZ", 2025)

# %%
means = unrounded_means(data, "KGZ", 2025)
print(f"criminality: {round_half_up(means['criminality']):.2f} "
      f"(published {score_of(data, 'KGZ', 2025, 'criminality'):.2f}); "
      f"pillars of criminality: {', '.join(children_of('criminality', 2025))}")

# %% [markdown]
# With the official workbook (`ocdata.load(workbook=...)`) the same recomputation runs for all 193
# countries, and you can count how many a naive recomputation gets wrong; the bundled documents alone
# have two countries.
#
# ## Exercises
#
# The exercises are worth 5 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# **Exercise 1.1** (1 point). How many indicators make up the criminal markets pillar in the 2023 edition?
# Assign a whole number to `answer_1_1`.

# %%
### BEGIN SOLUTION
answer_1_1 = len(indicators_of(2023, "criminal_markets"))
### END SOLUTION
teach.check_1_1(answer_1_1)

# %%
# graded test of exercise 1.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("1.1", answer_1_1)

# %% [markdown]
# **Exercise 1.2** (2 points). Recompute Kyrgyzstan's 2021 criminality from its indicators the way the
# publisher does, rounded to two decimals. Assign the number to `answer_1_2`. (The 2021 PDF prints it:
# compare.)

# %%
### BEGIN SOLUTION
kgz21 = indicator_rows(data, "KGZ", 2021)
pillar_means = kgz21.groupby("pillar")["score"].mean()
answer_1_2 = round_half_up((pillar_means["criminal_markets"] + pillar_means["criminal_actors"]) / 2)
### END SOLUTION
teach.check_1_2(answer_1_2)

# %%
# graded test of exercise 1.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("1.2", answer_1_2)

# %% [markdown]
# **Exercise 1.3** (2 points). No document we have prints Kazakhstan's 2021 criminality. Compute it from the
# 2021 indicators (they are in `data.scores`; lesson 3 says where they come from), the publisher's way. Assign
# the number to `answer_1_3`, then compare it with what averaging the two rounded pillars would give.

# %%
### BEGIN SOLUTION
kaz21 = indicator_rows(data, "KAZ", 2021).groupby("pillar")["score"].mean()
answer_1_3 = round_half_up((kaz21["criminal_markets"] + kaz21["criminal_actors"]) / 2)
### END SOLUTION
teach.check_1_3(answer_1_3)

# %%
# graded test of exercise 1.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("1.3", answer_1_3)

# %% [markdown]
# **To discuss.** Why would a publisher keep unrounded means inside the computation and round only what it
# prints? What does a reader lose when only rounded pillars are published?
