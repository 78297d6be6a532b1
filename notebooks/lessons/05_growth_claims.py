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
# # Lesson 5. Historical series: checking a text's growth claims against its own figures
#
# **Goals.** After this lesson you can read a yearly series out of a text and cite each figure (document
# and line); compute a year-on-year growth rate, a compound annual growth rate over a period and how far a
# value lies above a regional mean; and check a text's growth claims against its own figures, knowing that
# a rounded claim can be checked only to its rounding.
#
# **Time.** About 35 minutes. This lesson is optional: it leaves the index for an older text on the same
# country.

# %%
import matplotlib.pyplot as plt
import seaborn as sns

from ocdata import teach
from ocdata.teach.answers import cited_line, growth_rates, series_values

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
# ## The article and its series
#
# One of the bundled documents is not a profile of the index but a background article on crime in
# Kazakhstan, written years before the index and quoting UN and US government sources:

# %%
article = data.sources.query("id == 'kaz_article'")
print(article["title"].item())
print("quoting:", article["publisher"].item())

# %% [markdown]
# The article prints its figures in prose: yearly counts (`4,165 in 1990; 4,984 in 1991; ...`), counts by
# type of offence, single rates. `ocdata` reads them into the `series` table, one row per series and year,
# with the unit and, like every score, where it was read: the document (`source`) and the `line`.

# %%
data.series.groupby(["series", "unit"])["year"].agg(["min", "max", "count"])

# %% [markdown]
# ## Every figure is cited
#
# A citation lets you go back to the words the number came from. The article prints one count of persons
# convicted with a stray space after the thousands comma; the citation shows it:

# %%
row = data.series.query("series == 'drug_related_crime_offenders' and year == 1997")
line = cited_line(data, row["source"].item(), row["line"].item())
print(row[["series", "year", "value", "unit", "source", "line"]].to_string(index=False))
print(f"line {row['line'].item()} says:", [part for part in line.split("; ") if "1997" in part])

# %% [markdown]
# Some figures are printed twice (the 2006 cases in a quotation, and again in the yearly list). The build
# checks that the two agree and records it in `checks`:

# %%
data.checks.query("source == 'kaz_article'")[["check", "subject", "expected", "found", "status", "line"]]

# %% [markdown]
# ## Two series over time
#
# The two longest series are the drug-related crimes registered each year and the persons convicted for
# them.

# %%
long_series = ["drug_related_crimes", "drug_related_crime_offenders"]
yearly = data.series[data.series["series"].isin(long_series)].astype({"year": "int64"})
fig, ax = plt.subplots(figsize=(7, 3.5))
sns.lineplot(data=yearly, x="year", y="value", hue="series", marker="o", errorbar=None, ax=ax)
ax.set(xlabel="", ylabel="per year", title="Kazakhstan: drug-related crimes and offenders, as the article prints them")
plt.show()

# %% [markdown]
# ## Growth, three ways
#
# **Year-on-year growth** compares each year with the year just before, relative to the earlier year:
# `100 * (x[t] / x[t - 1] - 1)`, in percent. `growth_rates` computes it for every year of a series (the
# first year has none). Here are the persons convicted:

# %%
offenders = series_values(data, "KAZ", "drug_related_crime_offenders")
offender_rates = growth_rates(data, "KAZ", "drug_related_crime_offenders")
offender_rates.round(1).to_frame("growth, %").transpose()

# %%
rates = offender_rates.rename("growth").rename_axis("year").reset_index().dropna()
fig, ax = plt.subplots(figsize=(7, 3))
sns.barplot(data=rates, x="year", y="growth", color="tab:orange", errorbar=None, ax=ax)
ax.tick_params(axis="x", labelrotation=90)
ax.set(xlabel="", ylabel="growth, %", title="Persons convicted: year-on-year growth")
plt.show()

# %% [markdown]
# **Compound annual growth** over a period is the one constant yearly rate `r` that turns the first value
# into the last: `x[a] * (1 + r) ** (b - a) = x[b]`, so `r = (x[b] / x[a]) ** (1 / (b - a)) - 1`. The
# exponent counts the yearly *steps* from `a` to `b`, one fewer than the years listed.
#
# The **simple mean of the yearly rates** is another number. It is never below the compound rate and it
# is above it whenever the rates vary: a fall and an equal rise in percent do not bring a value back.

# %%
start = 100.0
down_then_up = start * (1 - 0.5) * (1 + 0.5)
print(f"{start:g}, minus 50%, plus 50%: {down_then_up:g} (the mean of the two rates is 0%)")

# %% [markdown]
# Worked on the persons convicted, from 1990 to 2000: the compound rate, grown from the 1990 count, lands
# on the 2000 count; the simple mean of the yearly rates overshoots it.

# %%
steps = 2000 - 1990
compound = 100 * ((offenders[2000] / offenders[1990]) ** (1 / steps) - 1)
simple = offender_rates.loc[1991:2000].mean()
print(f"compound: {compound:.2f}% a year; simple mean of the yearly rates 1991-2000: {simple:.2f}% a year")
grown = {name: offenders[1990] * (1 + rate / 100) ** steps
         for name, rate in [("compound", compound), ("simple", simple)]}
print(f"the 1990 count grown {steps} years at the compound rate: {grown['compound']:,.0f}; "
      f"at the simple mean: {grown['simple']:,.0f}; printed for 2000: {offenders[2000]:,.0f}")

# %% [markdown]
# **Above a mean.** "x percent more than the average" is `100 * (value / mean - 1)`: the base is the mean,
# not the value. Worked example: how far the persons convicted in 2006 lie from the mean of the years the
# article lists.

# %%
mean_offenders = offenders.mean()
print(f"2006: {offenders[2006]:,.0f}; mean {offenders.index.min()}-{offenders.index.max()}: {mean_offenders:,.0f}; "
      f"2006 is {100 * (offenders[2006] / mean_offenders - 1):+.1f}% from the mean")

# %% [markdown]
# ## The article's claims, checked
#
# The article also states rates in words. `data.claims` holds each one with the figure it claims, the
# figure computed from the article's own series, how it was computed (`method`), the tolerance and the
# status:

# %%
claims = data.claims
claims[["claim", "series", "start", "end", "claimed", "computed", "method", "tolerance", "status", "line"]]

# %%
for text in claims["text"].unique():
    print("-", text)

# %% [markdown]
# `mean_annual_growth` is the simple mean of the year-on-year rates of the years `start` to `end`: for a
# rise "between 1991 and 2000", the first rate is 1991's, the growth from 1990. `ratio` is how many percent
# the series lies above the one it is compared with. Recompute the rise by hand:

# %%
rise = claims.set_index("claim").loc["drug_crimes_growth_to_peak"]
crime_rates = growth_rates(data, "KAZ", rise["series"])
print(f"claimed {rise['claimed']:g}%; mean of the yearly rates {rise['start']}-{rise['end']}: "
      f"{crime_rates.loc[rise['start']:rise['end']].mean():.2f}%; in data.claims: {rise['computed']:.2f}%")

# %% [markdown]
# ### A rounded claim can be checked only to its rounding
#
# The article writes whole percents. A claim of "N percent" says only that the figure, rounded, is N: any
# value within half a percent of N would have been printed the same. So the claim is compared with the
# computed figure with a tolerance of half its last printed digit. Inside that interval the claim holds,
# however far from N the figure is; outside it fails, however close. Two methods whose results round to
# the same whole percent cannot be told apart by the claim. And the figures a claim is computed from may be
# rounded too, which widens what the claim can be checked against (exercise 5.3).

# %%
for claim in claims.itertuples():
    low, high = claim.claimed - claim.tolerance, claim.claimed + claim.tolerance
    print(f"{claim.claim}: claimed {claim.claimed:g}% covers {low:g} to {high:g}; computed {claim.computed:.2f}: "
          f"{claim.status}")

# %% [markdown]
# ## Exercises
#
# The exercises are worth 7 points; each states its own. The check at the end of an exercise's cell
# says whether the answer is right. Where the class is graded with nbgrader, a locked cell after it runs
# the same check, and the exercise's points go to an answer it finds correct.
#
# Answer in percent (the unrounded number or rounded to 2 decimals; not a fraction). The registered
# crimes are:

# %%
crimes = series_values(data, "KAZ", "drug_related_crimes")

# %% [markdown]
# **Exercise 5.1** (1 point). On the way to the 2000 peak the registered crimes fell once. Compute the
# year-on-year growth of the registered drug-related crimes (`drug_related_crimes`) in 1997, in percent (a
# fall is negative). Assign it to `answer_5_1`.

# %%
### BEGIN SOLUTION
answer_5_1 = 100 * (crimes[1997] / crimes[1996] - 1)
### END SOLUTION
teach.check_5_1(answer_5_1)

# %%
# graded test of exercise 5.1 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("5.1", answer_5_1)

# %% [markdown]
# **Exercise 5.2** (2 points). Compute the compound annual growth rate of the registered drug-related crimes
# from 1990 to the 2000 peak, in percent. Assign it to `answer_5_2`.

# %%
### BEGIN SOLUTION
answer_5_2 = 100 * ((crimes[2000] / crimes[1990]) ** (1 / (2000 - 1990)) - 1)
### END SOLUTION
teach.check_5_2(answer_5_2)

# %%
# graded test of exercise 5.2 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("5.2", answer_5_2)

# %% [markdown]
# **Exercise 5.3** (2 points). The article compares Kazakhstan's 2006 rate of drug-related crimes per 100,000
# people (`drug_related_crime_rate`) with the Central Asian average
# (`central_asia_average_drug_related_crime_rate`). Both are printed as whole numbers, so each true rate may
# lie up to half a unit from the printed one. What is the largest "percent above the average" the two printed
# rates allow? Assign it to `answer_5_3`. Is the article's claim inside the range the rounding leaves open?

# %%
### BEGIN SOLUTION
kaz_rate = series_values(data, "KAZ", "drug_related_crime_rate")[2006]
regional = series_values(data, "KAZ", "central_asia_average_drug_related_crime_rate")[2006]
answer_5_3 = 100 * ((kaz_rate + 0.5) / (regional - 0.5) - 1)
### END SOLUTION
teach.check_5_3(answer_5_3)

# %%
# graded test of exercise 5.3 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("5.3", answer_5_3)

# %% [markdown]
# **Exercise 5.4** (2 points). The claim `drug_crimes_decline_after_peak` is about the registered crimes.
# Would it hold for the persons convicted? Compute their decline after the peak the article's way, the simple
# mean of the year-on-year rates of the years 2001 to 2005, in percent (a decline is negative). Assign it to
# `answer_5_4`, then compare it with the claimed figure and its tolerance.

# %%
### BEGIN SOLUTION
answer_5_4 = offender_rates.loc[2001:2005].mean()
### END SOLUTION
teach.check_5_4(answer_5_4)

# %%
# graded test of exercise 5.4 (nbgrader): the same check, passing only when it says Correct
teach.assert_correct("5.4", answer_5_4)

# %% [markdown]
# **To discuss.** Compare your compound rate of exercise 5.2 with the article's claim of the rise: had the
# author meant a compound rate, would the claim pass? Does the method matter for the decline? Would a
# claim printed with one decimal have told the two methods apart?
