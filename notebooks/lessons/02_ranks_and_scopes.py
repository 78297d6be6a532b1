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
# # Lesson 2. Ranks, ties and scopes
#
# **Goals.** After this lesson you can read a printed rank ("23rd of 46 in Asia"), compute ranks the way the
# index does (ties share the best rank), say which scope a rank belongs to, and explain why a country's rank
# can move while its score stands still, or the other way round.
#
# **Time.** About 25 minutes.

# %%
import matplotlib.pyplot as plt
import seaborn as sns

from ocdata import teach
from ocdata.teach.answers import indicator_rows

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
# ## Printed ranks and their scopes
#
# Profiles print a rank for criminality and for resilience at three **scopes**: the world, the country's
# continent and its region. Rank 1 is the highest score: the most criminality, or the most resilience (so a
# low criminality rank number is bad news and a low resilience rank number is good news). The `ranks` table
# holds every printed rank with its document and line.

# %%
data.ranks[["iso3", "edition", "metric", "scope", "scope_name", "rank", "total", "source", "line"]]

# %% [markdown]
# ## Ties and competition ranking
#
# Scores are coarse (indicators move in steps of 0.5; composites have two decimals), so ties are common. The
# index uses **standard competition ranking**: tied scores share the best rank of their group and the ranks
# after a tie are skipped (1, 2, 2, 4). A **dense** rank does not skip (1, 2, 2, 3); an **average** rank
# gives the tie the mean of its places (1, 2.5, 2.5, 4). In pandas: `rank(method="min", ascending=False)`.
#
# Worked example: Kyrgyzstan's 2025 resilience indicators, ranked the three ways.

# %%
res = indicator_rows(data, "KGZ", 2025, "resilience")[["indicator", "score"]]
res = res.assign(
    competition=res["score"].rank(method="min", ascending=False).astype(int),
    dense=res["score"].rank(method="dense", ascending=False).astype(int),
    average=res["score"].rank(method="average", ascending=False),
)
res.sort_values("score", ascending=False)

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
sns.barplot(data=res.sort_values("score", ascending=False), x="score", y="indicator", errorbar=None,
            color="#0072B2", ax=ax)
ax.set(xlim=(0, 10), xlabel="score", ylabel="", title="Kyrgyzstan, 2025: resilience indicators (ties share a rank)")
plt.show()

# %% [markdown]
# ## A rank change is not a score change
#
# A rank compares a country with every other country of its scope. It can move because the country's score
# moved, because other countries' scores moved, or because the scope changed (a new edition may redraw the
# regions). The score is the country's own measurement. Kyrgyzstan has printed ranks in two editions:

# %%
kgz = data.ranks.query("iso3 == 'KGZ' and metric == 'criminality' and scope == 'world'")[["edition", "rank", "total"]]
kgz_scores = data.scores.query("iso3 == 'KGZ' and indicator == 'criminality'")[["edition", "score"]]
kgz.merge(kgz_scores, on="edition")

# %% [markdown]
# The 2025 web page also prints a number after each rank, a rank change. Its sign convention differs between
# versions of the site, so this project keeps it as printed (`printed_change`) and never uses it to say
# whether a country rose or fell.
#
# With the official workbook, `ocdata.load(workbook=...)` computes the ranks of all 193 countries in every
# edition (`origin == "computed"`), so you can check a printed rank and see which countries it was ranked
# against; the bundled documents give only the printed ranks of two countries.
#
# ## Exercises
#
# The exercises are worth 4 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# **Exercise 2.1** (2 points). Rank Kyrgyzstan's fifteen 2025 criminal-market indicators from the highest
# score (rank 1), the way the index ranks countries. What rank does `extortion_and_protection_racketeering`
# get? Assign a whole number to `answer_2_1`.

# %%
### BEGIN SOLUTION
kgz_markets = indicator_rows(data, "KGZ", 2025, "criminal_markets").set_index("indicator")["score"]
answer_2_1 = int(kgz_markets.rank(method="min", ascending=False)["extortion_and_protection_racketeering"])
### END SOLUTION
teach.check_2_1(answer_2_1)

# %%
# graded test of exercise 2.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("2.1", answer_2_1)

# %% [markdown]
# **Exercise 2.2** (1 point). In 2025 Kyrgyzstan has a printed criminality rank within its continent. How many
# countries of that continent have a strictly higher criminality score? Use the `ranks` table; assign a whole
# number to `answer_2_2`.

# %%
### BEGIN SOLUTION
continent_rank = data.ranks.query(
    "iso3 == 'KGZ' and edition == 2025 and metric == 'criminality' and scope == 'continent'")["rank"].item()
answer_2_2 = continent_rank - 1
### END SOLUTION
teach.check_2_2(answer_2_2)

# %%
# graded test of exercise 2.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("2.2", answer_2_2)

# %% [markdown]
# **Exercise 2.3** (1 point). Kyrgyzstan's world criminality rank moved between 2021 and 2025. By how much did
# its criminality *score* change over the same years (2025 minus 2021)? Assign the number to `answer_2_3`.

# %%
### BEGIN SOLUTION
crim = data.scores.query("iso3 == 'KGZ' and indicator == 'criminality'").set_index("edition")["score"]
answer_2_3 = crim[2025] - crim[2021]
### END SOLUTION
teach.check_2_3(answer_2_3)

# %%
# graded test of exercise 2.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("2.3", answer_2_3)

# %% [markdown]
# **To discuss.** Kyrgyzstan's rank number and its score moved in the same direction here. Describe a
# situation in which a country's rank gets worse although its score improved.
