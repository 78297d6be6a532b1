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
# # Lesson 6. How sure is a rank?
#
# **Goals.** After this lesson you can recompute a composite with one indicator left out, the publisher's
# way; read a rank interval ("between 76th and 87th in 90 % of plausible scorings") and tell it from the
# nominal rank and from a leave-one-out range; and explain why close scores and ties make a single rank
# number look sharper than it is.
#
# **Time.** About 30 minutes. It builds on lessons 1 (the composite) and 2 (ranks and ties).

# %%
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from ocdata import robustness, teach
from ocdata.numbers import round_half_up
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
ranked = data.scores.query("edition == 2023 and indicator == 'criminality'")["iso3"].nunique()
print(f"The data has a 2023 criminality score for {ranked} countries: every rank below is among them.")

# %% [markdown]
# With the bundled documents alone the 2023 edition has two countries, Kazakhstan and Kyrgyzstan, so every rank
# is 1 or 2 and the intervals are short; with the official workbook (`ocdata download`, or the `workbook`
# parameter) the same code ranks all 193 countries. The method and the exercises are the same either way.
#
# ## Why a rank can be less sure than it looks
#
# Experts score each indicator from 1 to 10 in steps of 0.5. A pillar is the mean of its indicators,
# criminality the mean of its two unrounded pillar means, rounded half-up to 2 decimals (lesson 1); countries
# are then ranked with ties sharing the best rank (lesson 2). Many countries sit within a few hundredths of
# each other, so a half-step of one expert's judgement, or a different choice of which indicators count, can
# move a country past several others. The **nominal rank** is the rank of the published score; `ocdata.robustness`
# asks how far it moves when the assumptions behind it move:
#
# - `robustness.leave_one_out(data, 2023)`: leave each indicator out in turn and rank again; the best and worst
#   rank, and the indicator whose absence gives each.
# - `robustness.rank_intervals(data, 2023)`: move every indicator score by −0.5, 0 or +0.5 at random, 1,000
#   times, rank each time, and keep the 5th percentile (`p05`), the median and the 95th percentile (`p95`) of
#   the ranks: 90 % of the plausible scorings put the country between `p05` and `p95`.
# - `robustness.sensitivity(data, 2023)`: which assumption (noise in a pillar, weights, the kind of mean)
#   moves the ranks most.
#
# ## Worked example: one indicator left out, by hand
#
# Kyrgyzstan's 2023 criminality without `mafia_style_groups`: that indicator leaves its pillar (criminal
# actors), which becomes the mean of the other four; criminality is again the mean of the two unrounded pillar
# means, rounded half-up.

# %%
kgz = indicator_rows(data, "KGZ", 2023)
kgz = kgz[kgz["pillar"].isin(["criminal_markets", "criminal_actors"])]
kept = kgz[kgz["indicator"] != "mafia_style_groups"]
pillar_means = kept.groupby("pillar")["score"].mean()
print(pillar_means)
print("criminality without mafia-style groups:", round_half_up(pillar_means.mean()),
      "| published:", data.scores.query("iso3 == 'KGZ' and edition == 2023 and indicator == 'criminality'")[
          "score"].item())

# %% [markdown]
# `leave_one_out` does this for every country and every indicator at once and ranks each result. For each
# country it keeps the best (`min_rank`) and worst (`max_rank`) rank and the indicator behind each:

# %%
dropped = robustness.leave_one_out(data, 2023)
dropped[dropped["iso3"].isin(["KAZ", "KGZ"])]

# %% [markdown]
# ## Worked example: reading a rank interval
#
# `rank_intervals` gives every country's nominal `rank`, the `median_rank` of the 1,000 plausible scorings and
# the two ends of its 90 % interval. The same seed gives the same table every time. A report would say of
# Kyrgyzstan: "ranked r, between p05 and p95 in 90 % of plausible scorings".

# %%
intervals = robustness.rank_intervals(data, 2023)
intervals[intervals["iso3"].isin(["KAZ", "KGZ"])]

# %% [markdown]
# The countries ranked closest to Kyrgyzstan, each with its interval (the dot is the nominal rank). Where the
# bars overlap, the scores do not settle which country ranks higher.

# %%
mine = int(intervals.loc[intervals["iso3"] == "KGZ", "rank"].item())
near = intervals[(intervals["rank"] - mine).abs() <= 6].sort_values(["rank", "iso3"])
fig, ax = plt.subplots(figsize=(7, 0.3 * len(near) + 1.2))
ax.hlines(near["iso3"], near["p05"], near["p95"], color="#9CA3AF", linewidth=6)
ax.plot(near["rank"], near["iso3"], "o", color="#111827")
ax.invert_yaxis()
ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # ranks are whole numbers
ax.set(xlabel="2023 criminality rank (1 = most criminal)", ylabel="",
       title="Nominal rank and 90 % interval, countries ranked near Kyrgyzstan")
plt.show()

# %% [markdown]
# ## Ties
#
# Two countries with the same published score share a rank (standard competition ranking: 1, 2, 2, 4), and
# the next rank is skipped. A tie is the plainest case of a rank the scores cannot settle: a half-step on a
# single indicator breaks it one way or the other. Countries that share Kyrgyzstan's nominal rank:

# %%
intervals[intervals["rank"] == mine]

# %% [markdown]
# ## Exercises
#
# The exercises are worth 5 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# **Exercise 6.1** (2 points). Recompute Kazakhstan's 2023 criminality with `non_renewable_resource_crimes`
# left out, the publisher's way (its pillar is the mean of the other indicators; criminality the mean of the
# two unrounded pillar means, rounded half-up to 2 decimals). Assign the number to `answer_6_1`.

# %%
### BEGIN SOLUTION
kaz = indicator_rows(data, "KAZ", 2023)
kaz = kaz[kaz["pillar"].isin(["criminal_markets", "criminal_actors"])]
kaz_means = kaz[kaz["indicator"] != "non_renewable_resource_crimes"].groupby("pillar")["score"].mean()
answer_6_1 = round_half_up(kaz_means.mean())
### END SOLUTION
teach.check_6_1(answer_6_1)

# %%
# graded test of exercise 6.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("6.1", answer_6_1)

# %% [markdown]
# **Exercise 6.2** (1 point). With `robustness.rank_intervals(data, 2023)` (its defaults), what is the upper
# end of Kyrgyzstan's 90 % interval for criminality, the worst rank it takes in 90 % of plausible scorings?
# Assign a whole number to `answer_6_2`.

# %%
### BEGIN SOLUTION
answer_6_2 = int(intervals.loc[intervals["iso3"] == "KGZ", "p95"].item())
### END SOLUTION
teach.check_6_2(answer_6_2)

# %%
# graded test of exercise 6.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("6.2", answer_6_2)

# %% [markdown]
# **Exercise 6.3** (2 points). Kyrgyzstan's nominal rank is one number, but other countries could plausibly
# take it too. How many countries' 90 % intervals (from `p05` to `p95`, both included) contain Kyrgyzstan's
# nominal 2023 criminality rank? Count Kyrgyzstan itself. Assign a whole number to `answer_6_3`.

# %%
### BEGIN SOLUTION
answer_6_3 = int(((intervals["p05"] <= mine) & (mine <= intervals["p95"])).sum())
### END SOLUTION
teach.check_6_3(answer_6_3)

# %%
# graded test of exercise 6.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("6.3", answer_6_3)

# %% [markdown]
# **To discuss.** A newspaper writes "Kyrgyzstan rose four places". Using the intervals of both editions, when
# is such a sentence fair, and when does it describe noise? What would you write instead?
