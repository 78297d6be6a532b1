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
# # Lesson 3. Provenance: where every number comes from
#
# **Goals.** After this lesson you can tell a number printed in a document from one computed, inferred or
# back-cast from other numbers; find the document and line behind any score; recover a number a page leaves
# out; and read the `checks` table that compares one document with another.
#
# **Time.** About 30 minutes.

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
# ## Four origins
#
# Every row of `scores` says how the number was obtained (`origin`) and where from (`source`, a document id,
# and `line`):
#
# - **reported**: printed in a document (or in the official workbook);
# - **computed**: a composite computed from its indicators where no document prints it (lesson 1's rule);
# - **inferred**: an indicator a page leaves out, solved from its printed pillar mean;
# - **backcast**: an earlier edition's value recovered from a later edition's printed change
#   (earlier = later − change).

# %%
origins = data.scores.groupby(["iso3", "edition", "origin"]).size().rename("scores").reset_index()
origins.pivot_table(index=["iso3", "edition"], columns="origin", values="scores", fill_value=0)

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
sns.barplot(data=origins.assign(profile=origins["iso3"] + " " + origins["edition"].astype(str)),
            x="scores", y="profile", hue="origin", errorbar=None, ax=ax)
ax.set(xlabel="number of scores", ylabel="", title="How each profile's scores were obtained")
plt.show()

# %% [markdown]
# The documents themselves are listed in `sources`, with their publisher:

# %%
data.sources[["id", "title", "publisher", "edition"]]

# %% [markdown]
# ## Back-casting, worked
#
# The 2023 web page prints each Kazakh indicator with its change since 2021. Take one indicator, solve the
# change for the 2021 score and compare with the back-cast row:

# %%
kaz = data.scores.query("iso3 == 'KAZ' and indicator == 'arms_trafficking'")
kaz[["edition", "score", "change", "origin", "source", "line"]]

# %% [markdown]
# ## Inference, worked
#
# The 2025 Kyrgyz page leaves out two indicators but prints the pillar means. A mean times the number of
# indicators is their sum, so the missing indicator is what remains. Here is the row the library inferred:

# %%
data.scores.query("origin == 'inferred'")[["iso3", "edition", "indicator", "pillar", "score", "source", "line"]]

# %% [markdown]
# ## Checking one document against another
#
# Where two documents give the same number (the PDF and the web page on Kazakhstan 2023, a 2023 change and
# the 2021 profile, a printed composite and its indicators), the build compares them and writes a row to
# `checks`: what was expected, what was found, the tolerance and whether it passed. `ocdata.load()` refuses
# to return data when a check fails.

# %%
data.checks.groupby(["check", "status"]).size().rename("checks").reset_index()

# %%
data.checks.query("check == 'composite_matches_indicators'")[
    ["subject", "expected", "found", "tolerance", "status", "source", "line"]].head()

# %% [markdown]
# With the official workbook, every bundled value is also checked against the workbook's cell, and the
# workbook's rows cite their sheet and row (`sheet`, `line`).
#
# ## Exercises
#
# The exercises are worth 5 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# **Exercise 3.1** (1 point). How many of Kazakhstan's 2021 scores are back-cast? Assign a whole number to
# `answer_3_1`.

# %%
### BEGIN SOLUTION
answer_3_1 = int((data.scores.query("iso3 == 'KAZ' and edition == 2021")["origin"] == "backcast").sum())
### END SOLUTION
teach.check_3_1(answer_3_1)

# %%
# graded test of exercise 3.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("3.1", answer_3_1)

# %% [markdown]
# **Exercise 3.2** (1 point). Back-cast by hand: from Kazakhstan's 2023 `human_trafficking` score and its
# printed change, what was the 2021 score? Assign the number to `answer_3_2` (then compare with the 2021 row).

# %%
### BEGIN SOLUTION
ht = data.scores.query("iso3 == 'KAZ' and edition == 2023 and indicator == 'human_trafficking'")
answer_3_2 = ht["score"].item() - ht["change"].item()
### END SOLUTION
teach.check_3_2(answer_3_2)

# %%
# graded test of exercise 3.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("3.2", answer_3_2)

# %% [markdown]
# **Exercise 3.3** (2 points). Infer by hand: the 2025 Kyrgyz page leaves out `mafia_style_groups`. Compute it
# from the printed `criminal_actors` score and the other actor indicators of 2025, then snap it to the 0.5
# grid. Assign the number to `answer_3_3`.

# %%
### BEGIN SOLUTION
actors = indicator_rows(data, "KGZ", 2025, "criminal_actors")
others = actors.loc[actors["indicator"] != "mafia_style_groups", "score"]
printed = data.scores.query("iso3 == 'KGZ' and edition == 2025 and indicator == 'criminal_actors'")["score"].item()
answer_3_3 = round((len(actors) * printed - others.sum()) * 2) / 2
### END SOLUTION
teach.check_3_3(answer_3_3)

# %%
# graded test of exercise 3.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("3.3", answer_3_3)

# %% [markdown]
# **Exercise 3.4** (1 point). How many checks compare a number printed in one document with the same number
# printed in another document (check `sources_agree`)? Assign a whole number to `answer_3_4`.

# %%
### BEGIN SOLUTION
answer_3_4 = int((data.checks["check"] == "sources_agree").sum())
### END SOLUTION
teach.check_3_4(answer_3_4)

# %%
# graded test of exercise 3.4 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("3.4", answer_3_4)

# %% [markdown]
# **To discuss.** An inferred value is exact only if the pillar mean was printed with enough digits. Why does
# snapping to the 0.5 grid make the answer unique here, and when would it not?
