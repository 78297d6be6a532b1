"""The explorer: pick a country, an edition, an indicator and a scope, and see tables and figures change.

>>> from ocdata import explore
>>> explore.Explorer(data, country="KGZ")                 # in a notebook: dropdowns, tables and figures
>>> sel = explore.select(data, "KGZ", 2023, "criminality", "region")
>>> explore.indicator_across(data, sel)                   # the scope's countries, ranked

Two layers. Pure functions take a dataset and a :class:`Selection` and return a DataFrame
(:func:`country_in_scope`, :func:`indicator_across`, :func:`editions_side_by_side`) or a matplotlib figure
(:func:`scope_figure`, :func:`ranking_figure`, :func:`editions_figure`). :class:`Explorer` wires them to
ipywidgets dropdowns: each change recomputes the tables and figures and puts them, as HTML, into the widgets.
Displayed in a notebook, an explorer is two outputs: its view as static HTML, which every page shows
(papermill's notebook, nbconvert's export, offline), and the live widgets, which hide that copy wherever a
frontend renders them::

    from ocdata import explore
    explore.Explorer(ocdata.load(), country="KGZ")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ocdata import views
from ocdata.codebook import composites, composites_of, indicators_of, labels
from ocdata.countries import load_countries
from ocdata.numbers import round_half_up
from ocdata.plots import HIGHLIGHT, MUTED, PILLAR_COLORS, REGION_COLOR, SCORE_RANGE, figure_style, to_svg
from ocdata.views.html import Html, figure_html, note_html, scoped_style
from ocdata.views.params import parameters, validate_indicator

__all__ = [
    "Explorer",
    "country_in_scope",
    "country_options",
    "default_edition",
    "editions_figure",
    "editions_side_by_side",
    "few_countries_note",
    "indicator_across",
    "indicator_options",
    "ranking_figure",
    "scope_figure",
    "scope_members",
    "scope_name",
    "scope_options",
    "select",
]

SCOPES = ("world", "continent", "region")
MANY = 40
"""More countries than this in a ranking and the bars stand without names (only the selected one is named)."""


@dataclass(frozen=True)
class Selection:
    """What the explorer shows: a country, an edition, an indicator or composite, a scope, a second edition."""

    country: str
    edition: int
    indicator: str = "criminality"
    scope: str = "region"
    other_edition: int | None = None
    """The edition set beside ``edition``; ``None`` when the data has only one edition for the country."""


# --- choices --------------------------------------------------------------------------------------


def country_options(data) -> list[tuple[str, str]]:
    """``(label, iso3)`` of every country with scores, sorted by name."""
    known = set(data.scores["iso3"])
    table = data.countries[data.countries["iso3"].isin(known)].sort_values("country")
    return [(f"{name} ({iso3})", str(iso3)) for name, iso3 in zip(table["country"], table["iso3"], strict=True)]


@parameters
def indicator_options(edition: int) -> list[tuple[str, str]]:
    """``(label, id)`` of the composites, then the indicators, of an edition (labels from the codebook)."""
    names = labels()
    composite_ids = [c for c in composites() if c in composites_of(edition)]
    return [(names[c], c) for c in composite_ids] + [(names[i], i) for i in indicators_of(edition)]


@parameters
def scope_name(data, country: str, scope: str) -> str:
    """The name of the country's group at a scope: ``World``, its continent or its region."""
    if scope == "world":
        return "World"
    return views.country_info(data, country)[scope]


@parameters
def scope_options(data, country: str) -> list[tuple[str, str]]:
    """``(label, scope)`` for the world, the country's continent and its region."""
    return [(f"{s.capitalize()}: {scope_name(data, country, s)}" if s != "world" else "World", s) for s in SCOPES]


@parameters
def select(data, country: Any = "KGZ", edition: Any = 0, indicator: Any = "criminality", scope: Any = "region",
           other_edition: Any = 0) -> Selection:
    """A checked :class:`Selection`; ``edition`` 0 is :func:`default_edition`, ``other_edition`` 0 the
    country's edition before it (or the next, for the first). The country is a code in any case or a name; a
    value the data does not have raises :class:`ParameterError`: ``select(data, "kyrgyzstan", 2023).country ==
    "KGZ"``."""
    edition = default_edition(data, country) if edition in (None, 0, "") else edition
    indicator = validate_indicator(indicator, edition)
    return Selection(country, edition, indicator, scope, _other_edition(data, country, edition, other_edition))


@parameters
def default_edition(data, country: str) -> int:
    """The latest of the country's editions that has peers to compare with (see ``views.has_peers``), else
    its latest: with the 2023 workbook, 2023 rather than a 2025 known only from one document."""
    editions = views.editions_of(data, country)
    with_peers = [e for e in editions if views.has_peers(data, e)]
    return (with_peers or editions)[-1]


def _other_edition(data, country: str, edition: int, other: Any) -> int | None:
    editions = views.editions_of(data, country)
    if other in (None, 0, ""):
        earlier = [e for e in editions if e < edition]
        later = [e for e in editions if e > edition]
        return earlier[-1] if earlier else (later[0] if later else None)
    return views.validate_edition(data, other, [country])


def few_countries_note(data) -> str:
    """One line when the data lacks most countries (only the bundled documents), else an empty string."""
    n, everyone = data.countries["iso3"].nunique(), len(load_countries())
    if n >= everyone:
        return ""
    return (f"Only {n} of {everyone} countries are loaded (the bundled documents): run `ocdata download` "
            f"to explore all {everyone}.")


# --- tables ---------------------------------------------------------------------------------------


@parameters
def scope_members(data, country: str, edition: int, scope: str) -> list[str]:
    """ISO3 codes of the countries with scores in ``edition`` that share the country's continent or region
    (every such country for ``world``), sorted."""
    present = set(data.scores.loc[data.scores["edition"] == edition, "iso3"])
    table = data.countries[data.countries["iso3"].isin(present)]
    if scope != "world":
        table = table[table[scope] == views.country_info(data, country)[scope]]
    return sorted(str(c) for c in table["iso3"])


def _scores(data, countries: list[str], edition: int, indicators: list[str]) -> pd.DataFrame:
    s = data.scores
    rows = s[s["iso3"].isin(countries) & (s["edition"] == edition) & s["indicator"].isin(indicators)]
    return rows.pivot_table(index="indicator", columns="iso3", values="score", aggfunc="first")


def country_in_scope(data, sel: Selection) -> pd.DataFrame:
    """The country's composites (and the selected indicator) beside its scope: the scope's mean, lowest and
    highest score, and the country's competition rank among the scope's countries (1 = highest). Columns
    ``indicator, label, scope, score, scope_mean, scope_min, scope_max, rank, n``."""
    shown = list(dict.fromkeys([*composites_of(sel.edition), sel.indicator]))
    members = scope_members(data, sel.country, sel.edition, sel.scope)
    wide = _scores(data, members, sel.edition, shown).reindex(shown)
    names = labels()
    ranks = wide.rank(axis=1, method="min", ascending=False)
    out = pd.DataFrame({
        "indicator": shown,
        "label": [names[i] for i in shown],
        "score": wide[sel.country].to_numpy(dtype="float64"),
        "scope_mean": round_half_up(wide.mean(axis=1)).to_numpy(dtype="float64"),
        "scope_min": wide.min(axis=1).to_numpy(dtype="float64"),
        "scope_max": wide.max(axis=1).to_numpy(dtype="float64"),
        "rank": pd.array(ranks[sel.country].to_numpy(), dtype="Int64"),
        "n": wide.notna().sum(axis=1).to_numpy(dtype="int64"),
    })
    out.insert(2, "scope", scope_name(data, sel.country, sel.scope))
    return out


def indicator_across(data, sel: Selection) -> pd.DataFrame:
    """Every country of the scope with a score for the selected indicator in the edition, highest first:
    ``iso3, country, score, rank, selected``."""
    members = scope_members(data, sel.country, sel.edition, sel.scope)
    wide = _scores(data, members, sel.edition, [sel.indicator])
    scores = wide.iloc[0].dropna() if len(wide) else pd.Series(dtype="float64")
    names = data.countries.set_index("iso3")["country"]
    out = pd.DataFrame({"iso3": [str(i) for i in scores.index], "score": scores.to_numpy(dtype="float64")})
    out.insert(1, "country", [str(names[i]) for i in out["iso3"]])
    out = out.sort_values(["score", "country"], ascending=[False, True], ignore_index=True)
    out["rank"] = pd.array(out["score"].rank(method="min", ascending=False).to_numpy(), dtype="Int64")
    out["selected"] = out["iso3"] == sel.country
    return out


def editions_side_by_side(data, sel: Selection) -> pd.DataFrame:
    """The country's composites and indicators in two editions (oldest first): ``indicator, label, pillar,
    score_<year>, score_<year>, change``; a row for everything either edition has, in codebook order;
    ``change`` is later minus earlier, missing where an indicator is new."""
    editions = sorted({sel.edition, sel.other_edition} - {None})
    codebook = data.codebook.sort_values("order")
    s = data.scores
    rows = s[(s["iso3"] == sel.country) & s["edition"].isin(editions)]
    wide = rows.pivot_table(index="indicator", columns="edition", values="score", aggfunc="first")
    ids = [i for i in codebook["indicator"] if i in wide.index]
    out = codebook.set_index("indicator").loc[ids, ["label", "pillar"]].reset_index()
    out["pillar"] = out["pillar"].fillna(out["indicator"])
    for edition in editions:
        out[f"score_{edition}"] = wide.reindex(ids)[edition].to_numpy(dtype="float64")
    if len(editions) == 2:
        out["change"] = round_half_up(out[f"score_{editions[1]}"] - out[f"score_{editions[0]}"])
    return out


# --- figures --------------------------------------------------------------------------------------


def _figure(width: float, height: float, left: float, bottom: float = 0.6) -> Figure:
    fig = Figure(figsize=(width, height), dpi=96)
    fig.subplots_adjust(left=left / width, right=1 - 0.25 / width, top=1 - 0.4 / height, bottom=bottom / height)
    return fig


def scope_figure(table: pd.DataFrame, country: str) -> Figure:
    """The country's scores beside its scope's means (table from :func:`country_in_scope`)."""
    import seaborn as sns

    with figure_style():
        scope = str(table["scope"].iloc[0])
        long = pd.concat([
            pd.DataFrame({"label": table["label"], "score": table["score"], "who": country}),
            pd.DataFrame({"label": table["label"], "score": table["scope_mean"], "who": f"{scope} mean"}),
        ], ignore_index=True)
        fig = _figure(7.5, 1.3 + 0.45 * len(table), left=2.6, bottom=1.0)
        ax = fig.add_subplot()
        sns.barplot(data=long, y="label", x="score", hue="who", errorbar=None, orient="h", ax=ax,
                    palette=[HIGHLIGHT, REGION_COLOR], order=list(table["label"]))
        ax.set_xlim(*SCORE_RANGE)
        ax.set(xlabel="score (1 = lowest, 10 = highest)", ylabel="")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, title=None)
        ax.set_title(f"{country} and {scope} (n = {int(table['n'].max())})")
        return fig


def ranking_figure(table: pd.DataFrame, title: str) -> Figure:
    """Every country's score for one indicator, sorted, the selected country highlighted
    (table from :func:`indicator_across`)."""
    import seaborn as sns

    with figure_style():
        palette = {True: HIGHLIGHT, False: MUTED}
        many = len(table) > MANY
        if many:
            fig = _figure(9.0, 3.2, left=0.6)
            ax = fig.add_subplot()
            sns.barplot(data=table, x="iso3", y="score", hue="selected", palette=palette, dodge=False,
                        legend=False, errorbar=None, ax=ax, width=1.0)
            ax.set_xticks([])
            ax.set(xlabel=f"{len(table)} countries, highest first", ylabel="score", ylim=SCORE_RANGE)
            ax.grid(axis="x", visible=False)
            for position, row in table.loc[table["selected"]].iterrows():
                ax.annotate(f"{row['country']} ({row['score']:.2f}, {int(row['rank'])} of {len(table)})",
                            (position, row["score"]), xytext=(0, 14), textcoords="offset points", ha="center",
                            fontsize=8, fontweight="bold", arrowprops={"arrowstyle": "-", "color": HIGHLIGHT})
        else:
            fig = _figure(7.5, 0.9 + 0.24 * max(len(table), 1), left=2.2)
            ax = fig.add_subplot()
            sns.barplot(data=table, y="country", x="score", hue="selected", palette=palette, dodge=False,
                        legend=False, errorbar=None, orient="h", ax=ax)
            ax.set(xlabel="score", ylabel="", xlim=SCORE_RANGE)
            ax.grid(axis="y", visible=False)
        ax.set_title(title)
        return fig


def editions_figure(table: pd.DataFrame, title: str) -> Figure:
    """The country's composites and indicators in two editions as paired bars
    (table from :func:`editions_side_by_side`)."""
    import seaborn as sns

    with figure_style():
        score_columns = [c for c in table.columns if c.startswith("score_")]
        long = table.melt(id_vars=["label"], value_vars=score_columns, var_name="edition", value_name="score")
        long["edition"] = long["edition"].str.removeprefix("score_")
        fig = _figure(7.5, 1.0 + 0.3 * len(table), left=3.1)
        ax = fig.add_subplot()
        sns.barplot(data=long, y="label", x="score", hue="edition", errorbar=None, orient="h", ax=ax,
                    palette=[MUTED, PILLAR_COLORS["criminality"]][-len(score_columns):], order=list(table["label"]))
        ax.set(xlabel="score", ylabel="", xlim=SCORE_RANGE)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", title=None)
        ax.set_title(title)
        return fig


# --- the widgets ----------------------------------------------------------------------------------


class Explorer:
    """Dropdowns for country, edition, indicator, scope and a second edition, driving three panels: the
    country against its scope, the indicator across the scope's countries, two editions side by side.

    ``tables`` and ``figures`` hold what the panels show now (keys ``scope``, ``ranking``, ``editions``);
    ``panels`` are the HTML widgets that show them. Set a dropdown's ``value`` and all three follow.
    """

    def __init__(self, data, country: str = "KGZ", edition: int = 0, indicator: str = "criminality",
                 scope: str = "region", other_edition: int = 0) -> None:
        import ipywidgets as w

        self.data = data
        sel = select(data, country, edition, indicator, scope, other_edition)
        layout = {"description_width": "8em"}
        wide = w.Layout(width="30em")
        self.country = w.Dropdown(options=country_options(data), value=sel.country, description="Country",
                                  style=layout, layout=wide)
        self.edition = w.Dropdown(description="Edition", style=layout, layout=wide)
        self.indicator = w.Dropdown(description="Indicator", style=layout, layout=wide)
        self.scope = w.Dropdown(description="Compare within", style=layout, layout=wide)
        self.other_edition = w.Dropdown(description="Beside edition", style=layout, layout=wide)
        note = _note_html(few_countries_note(data))
        self.note = w.HTML(scoped_style(note) + note)
        self.panels = {key: w.HTML() for key in ("scope", "ranking", "editions")}
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures: dict[str, Figure] = {}
        self._shown: dict[str, str] = {}
        self._busy = True
        self._set_choices(sel)
        self._busy = False
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.widget = w.VBox([self.note, w.HBox([w.VBox(self.controls[:3]), w.VBox(self.controls[3:])]),
                              *self.panels.values()])
        self.refresh()

    @property
    def controls(self) -> list[Any]:
        """The dropdowns, in the order shown."""
        return [self.country, self.edition, self.indicator, self.scope, self.other_edition]

    @property
    def selection(self) -> Selection:
        """What the dropdowns select now."""
        return Selection(self.country.value, int(self.edition.value), self.indicator.value, self.scope.value,
                         int(self.other_edition.value) or None)

    def _set_choices(self, sel: Selection) -> None:
        """Each dropdown's options for the selected country and edition, keeping the selection where it exists."""
        editions = views.editions_of(self.data, sel.country)
        edition = sel.edition if sel.edition in editions else default_edition(self.data, sel.country)
        self.edition.options = [(str(e), e) for e in editions]
        self.edition.value = edition
        indicators = indicator_options(edition)
        self.indicator.options = indicators
        self.indicator.value = sel.indicator if sel.indicator in dict(indicators).values() else "criminality"
        self.scope.options = scope_options(self.data, sel.country)
        self.scope.value = sel.scope
        others = [e for e in editions if e != edition]
        self.other_edition.options = [(str(e), e) for e in others] or [("none", 0)]
        if sel.other_edition not in others:
            sel = Selection(sel.country, edition, other_edition=_other_edition(self.data, sel.country, edition, 0))
        self.other_edition.value = sel.other_edition or 0

    def _on_change(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self._set_choices(self.selection)
        finally:
            self._busy = False
        self.refresh()

    def refresh(self) -> None:
        """Recompute the tables and figures of the current selection and show them in the panels."""
        sel, data = self.selection, self.data
        name = views.country_info(data, sel.country)["country"]
        label = labels()[sel.indicator]
        where = scope_name(data, sel.country, sel.scope)
        self.tables = {"scope": country_in_scope(data, sel), "ranking": indicator_across(data, sel),
                       "editions": editions_side_by_side(data, sel)}
        years = " and ".join(str(e) for e in sorted({sel.edition, sel.other_edition} - {None}))
        self.figures = {
            "scope": scope_figure(self.tables["scope"], name),
            "ranking": ranking_figure(self.tables["ranking"], f"{label}, {sel.edition}: {where}"),
            "editions": editions_figure(self.tables["editions"], f"{name}, {years}"),
        }
        headings = {"scope": f"{name} within {where}, {sel.edition}",
                    "ranking": f"{label} across {where}, {sel.edition}",
                    "editions": f"{name}: {years} side by side"}
        self._shown = {key: _panel_html(headings[key], self.figures[key], self.tables[key], key)
                       for key in self.panels}
        for key, panel in self.panels.items():
            panel.value = scoped_style(self._shown[key]) + self._shown[key]

    def html(self) -> Html:
        """The explorer's current view as static HTML: the note, the selection and the three panels."""
        sel = self.selection
        picked = (f"<p><b>Selection</b>: {views.escape(self.country.label)}, edition {sel.edition}, "
                  f"{views.escape(self.indicator.label)}, {views.escape(self.scope.label)}</p>")
        return Html("\n".join([_note_html(few_countries_note(self.data)), picked, *self._shown.values()]))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widgets (a frontend with a kernel renders them), with a short plain-text form."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        return {**data, "text/plain": f"Explorer: {self.country.label}, edition {self.edition.value} (live "
                                      "dropdowns need a running kernel)"}

    def _ipython_display_(self) -> None:
        """Two outputs: the current view as static HTML, then the live widgets. A page without the widgets'
        scripts (nbconvert's export offline, papermill's notebook in a viewer) shows the first; where a frontend
        renders the widgets, a rule hides the static copy. (One output with both would not do: nbconvert shows
        the widgets alone once the notebook stores their state, which it does when it runs the notebook.)"""
        from IPython.display import display

        display(Html(f"<style>{HIDE_STATIC}</style>\n<div class=\"oc-explorer-static\">\n{self.html()}\n</div>"))
        display(self._repr_mimebundle_(), raw=True)


SHOWN_COLUMNS = {
    "scope": ["label", "score", "scope_mean", "scope_min", "scope_max", "rank", "n"],
    "ranking": ["rank", "country", "iso3", "score"],
    "editions": None,
}


HIDE_STATIC = ".jp-OutputArea:has(.widget-dropdown) .oc-explorer-static{display:none}"
"""Where the live widgets render (JupyterLab, Notebook 7, an export online: their dropdowns are there), the static
copy beside them hides."""


def _note_html(text: str) -> str:
    return note_html(text) if text else ""


def _panel_html(heading: str, fig: Figure, table: pd.DataFrame, key: str) -> str:
    columns = SHOWN_COLUMNS[key] or [c for c in table.columns if c not in {"indicator", "pillar"}]
    formats = {"rank": "{:.0f}", "n": "{:.0f}"}
    return (f"<h3>{views.escape(heading)}</h3>\n{figure_html(to_svg(fig, heading))}\n"
            f"{views.table_html(table[columns], formats=formats)}")
