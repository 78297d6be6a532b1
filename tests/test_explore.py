"""The explorer: its tables hold the documents' numbers, its dropdowns drive the tables and figures, and the
notebook executed without a live frontend shows the widgets and the default selection's figures."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import nbformat
import pytest
from corpus import known_raw

import ocdata
from ocdata import explore
from ocdata.errors import ParameterError
from ocdata.paths import PROJECT_DIR

WORKBOOK = Path(os.environ.get("OCDATA_WORKBOOK")
                or PROJECT_DIR.parent / "shared" / "data" / "global_oc_index_2023.xlsx")
NOTEBOOK = PROJECT_DIR / "notebooks" / "explorer.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The bundled documents these tests know only (``corpus.BUNDLED``): the defaults depend on every country."""
    return ocdata.load(known_raw(tmp_path_factory.mktemp("known") / "raw"), workbook=False)


@pytest.fixture(scope="module")
def full():
    if not WORKBOOK.is_file():
        pytest.skip(f"the official workbook is absent ({WORKBOOK.name})")
    return ocdata.load(workbook=WORKBOOK)


def row(table, indicator: str):
    return table.set_index("indicator").loc[indicator]


# --- choices and selections -----------------------------------------------------------------------


def test_default_selection_of_the_bundled_documents(data):
    sel = explore.select(data)
    assert sel == explore.Selection("KGZ", 2025, "criminality", "region", 2023)
    assert explore.select(data, "KAZ").edition == 2023 and explore.select(data, "KAZ").other_edition == 2021
    assert explore.select(data, "KAZ", 2021).other_edition == 2023  # the first edition: the next one beside it


def test_options_come_from_the_data_and_the_codebook(data):
    assert explore.country_options(data) == [("Kazakhstan (KAZ)", "KAZ"), ("Kyrgyzstan (KGZ)", "KGZ")]
    options2021, options2023 = dict(explore.indicator_options(2021)), dict(explore.indicator_options(2023))
    assert list(options2021.values())[:4] == ["criminality", "criminal_markets", "criminal_actors", "resilience"]
    assert len(options2021) == 4 + 26 and len(options2023) == 4 + 32
    assert options2023["Extortion and protection racketeering"] == "extortion_and_protection_racketeering"
    assert "extortion_and_protection_racketeering" not in options2021.values()
    assert explore.scope_options(data, "KGZ") == [
        ("World", "world"), ("Continent: Asia", "continent"), ("Region: Central Asia and the Caucasus", "region")]


@pytest.mark.parametrize(("arguments", "message"), [
    ({"country": "XYZ"}, "'XYZ' is not a country of the data; did you mean"),
    ({"country": 123}, "expected an ISO3 code or a country name"),
    ({"country": "KAZ", "edition": 2025}, "no 2025 edition for KAZ"),
    ({"indicator": "crime"}, "'crime' is not an indicator; did you mean"),
    ({"edition": 2021, "indicator": "financial_crimes"}, "of the 2021 edition"),
    ({"scope": "galaxy"}, "scope must be one of world, continent, region, found 'galaxy'"),
])
def test_select_refuses_what_the_data_does_not_have(data, arguments, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        explore.select(data, **arguments)


def test_the_note_asks_for_the_workbook_only_when_countries_are_missing(data):
    note = explore.few_countries_note(data)
    assert note == ("Only 2 of 193 countries are loaded (the bundled documents): run `ocdata download` "
                    "to explore all 193.")


# --- tables ---------------------------------------------------------------------------------------


def test_country_in_region_kazakhstan_2023(data):
    table = explore.country_in_scope(data, explore.select(data, "KAZ", 2023))
    assert list(table["indicator"]) == ["criminality", "criminal_markets", "criminal_actors", "resilience"]
    crim = row(table, "criminality")
    assert (crim["score"], crim["scope_min"], crim["scope_max"], crim["rank"], crim["n"]) == (4.47, 4.47, 5.32, 2, 2)
    assert crim["scope_mean"] == 4.90  # (4.47 + 5.32) / 2 = 4.895, rounded half-up
    assert row(table, "resilience")["rank"] == 1  # 4.54 against Kyrgyzstan's 3.83
    assert set(table["scope"]) == {"Central Asia and the Caucasus"}


def test_country_in_scope_adds_the_selected_indicator(data):
    table = explore.country_in_scope(data, explore.select(data, "KGZ", 2023, "heroin_trade", "world"))
    heroin = row(table, "heroin_trade")
    assert (heroin["score"], heroin["scope_mean"], heroin["rank"], heroin["n"]) == (7.5, 7.0, 1, 2)
    assert set(table["scope"]) == {"World"}


def test_indicator_across_sorts_and_ranks_with_ties(data):
    table = explore.indicator_across(data, explore.select(data, "KGZ", 2023, "criminality"))
    assert list(table["iso3"]) == ["KGZ", "KAZ"] and list(table["score"]) == [5.32, 4.47]
    assert list(table["selected"]) == [True, False] and list(table["rank"]) == [1, 2]
    tie = explore.indicator_across(data, explore.select(data, "KAZ", 2023, "economic_regulatory_capacity"))
    assert tie["score"].nunique() == 1 and list(tie["rank"]) == [1, 1]  # both 5.0: a shared best rank


def test_editions_side_by_side_kyrgyzstan(data):
    table = explore.editions_side_by_side(data, explore.select(data, "KGZ", 2025))
    assert [c for c in table.columns if c.startswith("score_")] == ["score_2023", "score_2025"]
    crim = row(table, "criminality")
    assert (crim["score_2023"], crim["score_2025"], crim["change"]) == (5.32, 5.25, -0.07)
    assert row(table, "mafia_style_groups")["score_2025"] == 5.5  # inferred: the 2025 page leaves it out
    assert row(table, "extortion_and_protection_racketeering")["change"] == 1.0
    assert len(table) == 4 + 32


def test_editions_side_by_side_marks_new_indicators_missing(data):
    table = explore.editions_side_by_side(data, explore.select(data, "KAZ", 2023, other_edition=2021))
    assert [c for c in table.columns if c.startswith("score_")] == ["score_2021", "score_2023"]
    new = row(table, "financial_crimes")
    assert new["score_2023"] == 5.0 and new.isna()[["score_2021", "change"]].all()
    assert row(table, "criminality")["change"] == 0.21  # 4.26 -> 4.47, the change the 2023 pages print


def test_the_workbook_gives_the_printed_region_rank(full):
    sel = explore.select(full, "KGZ")
    assert sel.edition == 2023  # the latest edition with peers, not the 2025 page alone
    crim = row(explore.country_in_scope(full, sel), "criminality")
    assert (crim["rank"], crim["n"]) == (2, 8)  # "2nd of 8 in Central Asia and the Caucasus"
    world = explore.indicator_across(full, explore.select(full, "KGZ", scope="world"))
    ranks = full.ranks
    printed = ranks[(ranks["iso3"] == "KGZ") & (ranks["edition"] == 2023) & (ranks["metric"] == "criminality")
                    & (ranks["scope"] == "world")]
    assert len(world) == 193 and int(world.loc[world["selected"], "rank"].item()) == int(printed["rank"].item())
    assert explore.few_countries_note(full) == ""


# --- figures --------------------------------------------------------------------------------------


def test_figures_draw_without_warnings(data, full):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = explore.Explorer(data)
        large = explore.Explorer(full, scope="world")
    ranking = large.figures["ranking"].axes[0]
    assert len(ranking.patches) == 193 and not ranking.get_xticklabels()  # too many to name: only one label
    rank = int(large.tables["ranking"].query("selected")["rank"].item())
    assert [t.get_text() for t in ranking.texts] == [f"Kyrgyzstan (5.32, {rank} of 193)"]
    assert [t.get_text() for t in small.figures["ranking"].axes[0].get_yticklabels()] == ["Kyrgyzstan"]
    bars = small.figures["editions"].axes[0]
    assert [t.get_text() for t in bars.get_legend().get_texts()] == ["2023", "2025"]


# --- the widgets ----------------------------------------------------------------------------------


def test_choosing_another_country_changes_everything(data):
    ex = explore.Explorer(data)
    assert ex.selection == explore.Selection("KGZ", 2025, "criminality", "region", 2023)
    assert row(ex.tables["scope"], "criminality")["score"] == 5.25 and "Kyrgyzstan" in ex.panels["scope"].value
    before = {key: panel.value for key, panel in ex.panels.items()}
    ex.country.value = "KAZ"
    assert ex.edition.options == (("2021", 2021), ("2023", 2023))  # no 2025 page for Kazakhstan
    assert ex.selection == explore.Selection("KAZ", 2023, "criminality", "region", 2021)
    assert row(ex.tables["scope"], "criminality")["score"] == 4.47
    assert list(ex.tables["editions"].filter(like="score_").columns) == ["score_2021", "score_2023"]
    assert all(ex.panels[key].value != before[key] for key in before)
    assert "Kazakhstan within Central Asia and the Caucasus, 2023" in ex.panels["scope"].value
    assert "<svg" in ex.panels["scope"].value and "4.47" in ex.panels["scope"].value


def test_the_edition_limits_the_indicators(data):
    ex = explore.Explorer(data, country="KAZ", indicator="financial_crimes")
    assert row(ex.tables["scope"], "financial_crimes")["score"] == 5.0
    ex.edition.value = 2021  # financial crimes is not an indicator of 2021
    assert ex.indicator.value == "criminality" and "financial_crimes" not in dict(ex.indicator.options).values()
    assert list(ex.tables["scope"]["indicator"]) == ["criminality", "criminal_markets", "criminal_actors",
                                                     "resilience"]
    assert ex.other_edition.value == 2023 and row(ex.tables["scope"], "criminality")["score"] == 4.26


def test_indicator_and_scope_drive_the_ranking(data):
    ex = explore.Explorer(data, country="KGZ", edition=2023)
    ex.indicator.value = "heroin_trade"
    assert list(ex.tables["ranking"]["score"]) == [7.5, 6.5]
    assert "Heroin trade across Central Asia and the Caucasus, 2023" in ex.panels["ranking"].value
    ex.scope.value = "world"
    assert set(ex.tables["scope"]["scope"]) == {"World"} and "Heroin trade across World" in ex.panels["ranking"].value
    ex.other_edition.value = 2025
    assert list(ex.tables["editions"].filter(like="score_").columns) == ["score_2023", "score_2025"]


def test_displayed_it_is_a_static_copy_then_the_widgets(data, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    ex = explore.Explorer(data)
    ex._ipython_display_()
    assert len(shown) == 2  # two outputs: nbconvert shows the first where the widgets' state hides the second
    (static,), _ = shown[0]
    html = static._repr_html_()
    assert html.count("<svg") == 3 and html.count("<table") == 3 and html.count('role="img" aria-label="') == 3
    assert "<code>ocdata download</code>" in html and "Kyrgyzstan (KGZ), edition 2025" in html
    assert explore.HIDE_STATIC in html and 'class="oc-explorer-static"' in html
    (bundle,), options = shown[1]
    assert options == {"raw": True} and bundle[WIDGET_VIEW]["model_id"] == ex.widget.model_id
    assert "text/html" not in bundle and bundle["text/plain"].startswith("Explorer: Kyrgyzstan (KGZ), edition 2025")


# --- the notebook ---------------------------------------------------------------------------------


def test_the_notebook_has_typed_parameters_and_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert 'country: str = "KGZ"' in parameters[0].source and "edition: int = 0  # 0 = latest" in parameters[0].source
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_the_executed_notebook_shows_widgets_and_the_default_figures(tmp_path: Path, monkeypatch):
    import papermill
    from nbconvert import HTMLExporter

    monkeypatch.setenv("OCDATA_RAW", str(known_raw(tmp_path / "raw")))  # the kernel's ocdata.load() reads it
    out = tmp_path / "explorer.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"country": "KAZ"}, progress_bar=False,
                               cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type in {"stream", "error"}]  # no warnings, no errors
    widgets = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(widgets) == 1 and "widgets" in nb.metadata and "text/html" not in widgets[0]["data"]
    static = [o["data"]["text/html"] for o in outputs if "oc-explorer-static" in o.get("data", {}).get("text/html", "")]
    assert len(static) == 1
    assert static[0].count("<svg") == 3 and "Kazakhstan within Central Asia and the Caucasus, 2023" in static[0]
    page, _ = HTMLExporter().from_notebook_node(nb)  # with the widgets' state: the static copy is still there
    assert page.count("<svg") >= 3 and "Kazakhstan and Central Asia and the Caucasus" in page
