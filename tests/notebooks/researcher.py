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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The researchers' questions, answered with ocdata and checked against the workbook
#
# Each cell below runs one line of the README's "For researchers" section and checks its answer against the
# official 2023 workbook read with plain pandas (`read_excel` of the `2023_dataset` and `2021_dataset` sheets,
# country names mapped to ISO3 with the project's alias table). The last cell prints "all answers agree".

# %%
import re
import tempfile
from pathlib import Path

import pandas as pd
import seaborn as sns

import ocdata

# %% tags=["parameters"]
workbook: str = ""  # path to the official 2023 workbook (global_oc_index_2023.xlsx)

# %%
assert workbook, "pass the official 2023 workbook: papermill -p workbook PATH"
data = ocdata.load(workbook=workbook)

# %% [markdown]
# The workbook with plain pandas: one frame per edition, indexed by ISO3, one column per indicator id
# (the snake_case of the header, without `avg,` or `avg.`).

# %%
aliases = pd.read_csv(Path(ocdata.__file__).parent / "data" / "country_aliases.csv")
to_iso3 = {alias.casefold(): iso3 for alias, iso3 in zip(aliases["alias"], aliases["iso3"], strict=True)}


def identifier(header: str) -> str:
    name = re.sub(r"\s+avg[.,]?\s*$", "", header.strip(), flags=re.IGNORECASE)
    return re.sub(r"[-\s]+", "_", name.strip().casefold())


def sheet(edition: int) -> pd.DataFrame:
    frame = pd.read_excel(workbook, sheet_name=f"{edition}_dataset")
    frame["iso3"] = [to_iso3.get(name.strip().casefold()) for name in frame["Country"]]
    assert frame["iso3"].notna().all(), frame.loc[frame["iso3"].isna(), "Country"].tolist()
    frame["Region"] = frame["Region"].str.strip()
    return frame.set_index("iso3").rename(columns={c: identifier(c) for c in frame.columns[3:]})


book = {2023: sheet(2023), 2021: sheet(2021)}
print({edition: frame.shape for edition, frame in book.items()})

# %% [markdown]
# ## 1. The largest rises of a dimension from 2021 to 2023

# %%
rises = data.changes(2021, 2023).query("level == 'dimension'").nlargest(10, "change")
rises[["iso3", "country", "indicator", "score_start", "score_end", "change"]]

# %%
plain = pd.concat({d: book[2023][d] - book[2021][d] for d in ("criminality", "resilience")}, names=["indicator"])
plain = plain.rename_axis(["indicator", "iso3"])
for row in rises.itertuples():
    assert abs(row.change - plain[(row.indicator, row.iso3)]) <= 0.011, row
    assert row.score_start == book[2021].loc[row.iso3, row.indicator]
    assert row.score_end == book[2023].loc[row.iso3, row.indicator]
assert rises["change"].iloc[-1] >= plain.nlargest(11).iloc[-1] - 0.011  # none larger left out

# %% [markdown]
# ## 2. One row per country, one column per indicator

# %%
wide = data.wide(2023)
wide.iloc[:3, :6]

# %%
assert set(wide.index) == set(book[2023].index) and len(wide) == 193
assert set(wide.columns) <= set(book[2023].columns)
pd.testing.assert_frame_equal(wide.sort_index(), book[2023].loc[:, list(wide.columns)].sort_index(),
                              check_dtype=False, check_names=False, check_index_type=False)

# %% [markdown]
# ## 3. A CSV for R

# %%
folder = Path(tempfile.mkdtemp(prefix="researcher-"))
data.wide(2023).to_csv(folder / "gocindex_2023.csv")
from_csv = pd.read_csv(folder / "gocindex_2023.csv", index_col="iso3")
pd.testing.assert_frame_equal(from_csv.sort_index(), book[2023].loc[:, list(from_csv.columns)].sort_index(),
                              check_dtype=False, check_names=False, check_index_type=False)

# %% [markdown]
# ## 4. A Stata file

# %%
data.wide(2023, level="composite").to_stata(folder / "gocindex_2023.dta")
from_stata = pd.read_stata(folder / "gocindex_2023.dta").set_index("iso3")
assert all(len(c) <= 32 for c in from_stata.columns)
composites = ["criminality", "criminal_markets", "criminal_actors", "resilience"]
assert sorted(from_stata.columns) == sorted(composites)
pd.testing.assert_frame_equal(from_stata.sort_index(), book[2023].loc[:, list(from_stata.columns)].sort_index(),
                              check_dtype=False, check_names=False, check_index_type=False)

# %% [markdown]
# ## 5. Correlations of the composites

# %%
spearman = data.wide(2023, level="composite").corr(method="spearman")
spearman.round(3)

# %%
pd.testing.assert_frame_equal(spearman, book[2023][list(spearman.columns)].corr(method="spearman"),
                              check_names=False)
kendall = data.wide(2023, level="composite").corr(method="kendall")
pd.testing.assert_frame_equal(kendall, book[2023][list(kendall.columns)].corr(method="kendall"), check_names=False)

# %% [markdown]
# ## 6. A region's means

# %%
means = (data.scores.query("edition == 2023 and indicator == 'resilience'")
         .groupby("region")["score"].agg(["mean", "size"]))
means.head()

# %%
plain_means = book[2023].groupby("Region")["resilience"].agg(["mean", "size"])
pd.testing.assert_frame_equal(means.sort_index(), plain_means.sort_index(), check_names=False,
                              check_index_type=False, check_dtype=False)

# %% [markdown]
# ## 7. The same means, every indicator

# %%
aggregates = data.aggregates.query("edition == 2023 and scope == 'region'")
aggregates.head()

# %%
by_region = aggregates.set_index(["scope_name", "indicator"])
for (region, indicator), row in by_region.iterrows():
    members = book[2023].loc[book[2023]["Region"] == region, indicator]
    assert abs(row["mean"] - members.mean()) < 1e-9 and row["n"] == members.size, (region, indicator)
assert set(by_region.index.get_level_values("scope_name")) == set(book[2023]["Region"])

# %% [markdown]
# ## 8. A seaborn figure of your own

# %%
ax = sns.scatterplot(data=data.wide(2023), x="criminality", y="resilience")
ax.set_title("2023: criminality and resilience, 193 countries")

# %%
points = sorted(map(tuple, ax.collections[0].get_offsets().tolist()))
assert points == sorted(zip(book[2023]["criminality"], book[2023]["resilience"], strict=True))

# %% [markdown]
# ## 9. Where a number came from

# %%
kgz = data.scores.query("iso3 == 'KGZ' and edition == 2025")[["indicator", "score", "origin", "source", "line"]]
kgz.head()

# %%
mafia = kgz.set_index("indicator").loc["mafia_style_groups"]
assert (mafia["source"], mafia["line"], mafia["origin"]) == ("kgz_2025_web", 134, "inferred"), mafia
from_book = data.scores[data.scores["source"] == Path(workbook).name]
assert len(from_book) > 193 * 32
for edition, rows in from_book.groupby("edition"):
    raw = pd.read_excel(workbook, sheet_name=f"{edition}_dataset", header=None)  # row i is the sheet's line i + 1
    names = {identifier(str(h)): j for j, h in enumerate(raw.iloc[0])}
    assert (rows["sheet"] == f"{edition}_dataset").all()
    at = zip(rows["line"], rows["indicator"], strict=True)
    cells = [raw.iat[line - 1, names[indicator]] for line, indicator in at]
    assert (rows["score"].to_numpy() == pd.Series(cells, dtype=float).to_numpy()).all(), edition
for row in data.scores.query("edition in (2021, 2023)").itertuples():
    assert row.score == book[row.edition].loc[row.iso3, row.indicator], row  # documents agree with the workbook

# %% [markdown]
# ## 10. Shared ranks

# %%
ties = data.ranks.query("edition == 2023 and scope == 'world' and tied > 1")
ties.head()

# %%
assert len(ties) > 0
for row in ties.itertuples():
    column = book[2023][row.metric]
    value = column[row.iso3]
    assert row.tied == (column == value).sum() and row.rank == (column > value).sum() + 1, row
    assert row.total == 193
plain_tied = sum((book[2023][m].map(book[2023][m].value_counts()) > 1).sum() for m in ("criminality", "resilience"))
assert len(ties) == plain_tied

# %%
print("all answers agree")
