"""One reader of user parameters: every public function that takes a country, an edition, an indicator or a
region reads it the same way (a code in any case or a name; an edition as an int or digits), and refuses
anything else with one line naming the nearest valid values. The walk finds the functions by signature, so a
new function is covered without being listed here."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from report_fixtures import REGION, bundled

from ocdata import codebook, explore, maps, views
from ocdata.errors import ParameterError
from ocdata.views import maps as view_maps
from ocdata.views import overview

EDITION = 2023
"""An edition both bundled countries have."""
SAMPLES: dict[str, Any] = {
    "country": "KGZ",
    "countries": ["KAZ", "KGZ"],
    "edition": EDITION,
    "editions": [EDITION],
    "other_edition": 2021,
    "indicator": "criminality",
    "indicators": ("criminality", "resilience"),
    "composite": "criminality",
    "region": REGION,
    "metric": "criminality",
    "scope": "region",
}
"""A valid value of each parameter the reader knows, for the bundled data."""
SPELLINGS = {
    "country": {"lower": "kgz", "name": "Kyrgyzstan", "other name": "kyrgyz republic"},
    "countries": {"lower": ["kaz", "kgz"], "name": ["Kazakhstan", "Kyrgyz Republic"], "as text": "kaz, Kyrgyzstan"},
}
"""Other spellings of the samples, each meaning the same countries."""
UNKNOWN = {"country": "XYZ", "countries": ["KAZ", "XYZ"]}


def public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function of the views (``views.__all__``, the map views, the overview) and the explorer's
    functions of a dataset."""
    for module, names in ((views, views.__all__), (view_maps, view_maps.__all__), (overview, overview.__all__),
                          (explore, [n for n in dir(explore) if not n.startswith("_")])):
        for name in names:
            func = getattr(module, name)
            if inspect.isfunction(func) and func.__module__.startswith("ocdata"):
                if module is explore and next(iter(inspect.signature(func).parameters), None) != "data":
                    continue  # the explorer's figures take a table, not parameters
                yield f"{module.__name__}.{name}", func


def taking(*names: str) -> list[tuple[str, Callable[..., Any]]]:
    return [(n, f) for n, f in public_functions() if set(names) & set(inspect.signature(f).parameters)]


def arguments(func: Callable[..., Any], **changes: Any) -> dict[str, Any]:
    """Keyword arguments for ``func``: the dataset, the samples, nothing for a parameter with a default."""
    out = {}
    for name, param in inspect.signature(func).parameters.items():
        if name == "data":
            out[name] = bundled()
        elif name in SAMPLES:
            out[name] = SAMPLES[name]
        elif param.default is inspect.Parameter.empty:
            pytest.fail(f"{func.__name__}: no sample value for its parameter {name!r} (add one to SAMPLES)")
    out.update({k: v for k, v in changes.items() if k in out})
    return out


def same(a: Any, b: Any) -> None:
    """``a`` and ``b`` are the same result (frames and series compared by pandas, everything else by ``==``)."""
    assert type(a) is type(b)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        assert a == b


def refusal(func: Callable[..., Any], **kwargs: Any) -> str:
    """The message of the ParameterError ``func`` raises, checked to be one line."""
    with pytest.raises(ParameterError) as caught:
        func(**kwargs)
    message = str(caught.value)
    assert "\n" not in message and message
    return message


COUNTRY_FUNCTIONS = taking("country", "countries")
EDITION_FUNCTIONS = [(n, f) for n, f in taking("edition") if "data" in inspect.signature(f).parameters]
INDICATOR_FUNCTIONS = taking("indicator", "composite")


def test_the_walk_finds_the_functions_of_a_country():
    names = {n.rsplit(".", 1)[1] for n, _ in COUNTRY_FUNCTIONS}
    assert {"headline", "indicator_scores", "compare_headline", "locator_map", "select", "title_html"} <= names
    assert len(COUNTRY_FUNCTIONS) >= 33


@pytest.mark.parametrize(("name", "func"), COUNTRY_FUNCTIONS, ids=[n for n, _ in COUNTRY_FUNCTIONS])
def test_any_spelling_of_a_country_gives_the_same_result(name, func):
    param = "country" if "country" in inspect.signature(func).parameters else "countries"
    expected = func(**arguments(func))
    for spelling in SPELLINGS[param].values():
        same(func(**arguments(func, **{param: spelling})), expected)


@pytest.mark.parametrize(("name", "func"), COUNTRY_FUNCTIONS, ids=[n for n, _ in COUNTRY_FUNCTIONS])
def test_an_unknown_country_names_the_nearest(name, func):
    param = "country" if "country" in inspect.signature(func).parameters else "countries"
    message = refusal(func, **arguments(func, **{param: UNKNOWN[param]}))
    assert "'XYZ' is not a country of" in message and "; did you mean '" in message


@pytest.mark.parametrize(("name", "func"), EDITION_FUNCTIONS, ids=[n for n, _ in EDITION_FUNCTIONS])
def test_an_edition_is_an_int_or_digits_and_one_the_data_has(name, func):
    same(func(**arguments(func, edition=str(EDITION))), func(**arguments(func)))
    message = refusal(func, **arguments(func, edition=2019))
    assert "2019 is not an edition of the index; did you mean 2021?" in message
    assert "must be a year" in refusal(func, **arguments(func, edition="2023; x"))


@pytest.mark.parametrize(("name", "func"), INDICATOR_FUNCTIONS, ids=[n for n, _ in INDICATOR_FUNCTIONS])
def test_a_misspelled_indicator_names_the_nearest(name, func):
    param = "indicator" if "indicator" in inspect.signature(func).parameters else "composite"
    message = refusal(func, **arguments(func, **{param: "criminalty"}))
    assert message.startswith("'criminalty' is not an indicator; did you mean 'criminality'")


def test_headline_of_kyrgyzstan_by_any_spelling():
    data = bundled()
    expected = views.headline(data, "KGZ", 2025)
    assert expected["score"].notna().all()
    for country, edition in (("kgz", 2025), ("Kyrgyzstan", "2025"), ("Kyrgyz Republic", 2025)):
        pd.testing.assert_frame_equal(views.headline(data, country, edition), expected)


@pytest.mark.parametrize(("country", "edition", "message"), [
    ("XYZ", 2025, "'XYZ' is not a country of the 2025 data; did you mean 'KGZ' (Kyrgyzstan)"),
    ("Kyrgystan", 2025, "did you mean 'KGZ' (Kyrgyzstan)?"),
    ("KAZ", 2025, "the data has no 2025 edition for KAZ; did you mean 2023?"),
    ("KGZ", 2019, "edition 2019 is not an edition of the index; did you mean 2021?"),
    ("KGZ", 0, "edition 0 is not an edition of the index; did you mean 2021?"),
    ("USA", 2025, "country 'USA' (United States) is not in the 2025 data"),
    (None, 2025, "country: expected an ISO3 code or a country name such as 'KGZ', found None"),
])
def test_a_bad_parameter_is_never_an_empty_table(country, edition, message):
    with pytest.raises(ParameterError) as caught:
        views.headline(bundled(), country, edition)
    assert message in str(caught.value)


def test_regions_metrics_and_scopes():
    data = bundled()
    same(views.region_members(data, REGION.upper(), "2023"), views.region_members(data, REGION, 2023))
    assert "did you mean 'Central Asia and the Caucasus'" in refusal(views.region_members, data=data,
                                                                    region="Central Asia", edition=2023)
    assert refusal(explore.scope_name, data=data, country="KGZ", scope="galaxy") == (
        "scope must be one of world, continent, region, found 'galaxy'")
    assert explore.scope_name(data, "kgz", "Region") == REGION


def test_the_maps_read_their_edition_and_indicator():
    scores = bundled().scores
    same(maps.map_values(scores, "2023", "Criminality"), maps.map_values(scores, 2023, "criminality"))
    assert "did you mean 2021" in refusal(maps.map_values, scores=scores, edition=2019, indicator="criminality")
    assert "did you mean 'resilience'" in refusal(maps.score_titles, scores=scores, edition=2023,
                                                  indicators=["resilence"])
    assert "is not an indicator of the 2021 edition" in refusal(
        view_maps.map_domain, data=bundled(), edition=2021, indicator="financial_crimes")


def test_codebook_lookups_name_the_nearest_id():
    with pytest.raises(ParameterError, match="did you mean 'criminality'"):
        codebook.label_of("criminalty")
    assert codebook.label_of("Criminal markets") == codebook.label_of("criminal_markets") == "Criminal markets"
    assert codebook.level_of("RESILIENCE") == "dimension"
    with pytest.raises(ParameterError, match="did you mean 'heroin_trade'"):
        codebook.pillar_of("heroin trading")


def test_the_explorer_selection_reads_names_and_labels():
    data = bundled()
    sel = explore.select(data, "kyrgyzstan", "2023", "Criminal markets", "WORLD", "2021")
    assert sel == explore.Selection("KGZ", 2023, "criminal_markets", "world", 2021)
    assert dataclasses.asdict(explore.select(data, "kgz")) == dataclasses.asdict(explore.select(data, "KGZ"))


def test_signatures_are_kept():
    assert list(inspect.signature(views.headline).parameters) == ["data", "country", "edition"]
    assert inspect.signature(views.cited_sources).parameters["with_workbook"].kind is inspect.Parameter.KEYWORD_ONLY
    assert views.headline.__doc__ and views.headline.__name__ == "headline"


def test_the_command_line_reads_names_as_codes():
    from ocdata.cli import make_parser

    args = make_parser().parse_args(["report", "kgz", "Kazakhstan", "Kyrgyz Republic", "XYZ"])
    assert args.countries == ["KGZ", "KAZ", "KGZ", "XYZ"]  # an unknown one is left for the report to refuse
    assert views.country_code("Kyrgyz Republic") == "KGZ"


@pytest.mark.slow
@pytest.mark.parametrize(("country", "heading"), [("kaz", "<h1>Kazakhstan (KAZ)</h1>"),
                                                  ("Kyrgyzstan", "<h1>Kyrgyzstan (KGZ)</h1>")])
def test_a_notebook_takes_what_the_command_line_takes(tmp_path: Path, country: str, heading: str):
    import papermill

    from ocdata.paths import notebooks_dir

    out = tmp_path / "out.ipynb"
    nb = papermill.execute_notebook(str(notebooks_dir() / "country_profile.ipynb"), str(out), kernel_name="python3",
                                    parameters={"country": country}, progress_bar=False)
    html = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert any(heading in "".join(h) if isinstance(h, list) else heading in h for h in html)
    assert out.is_file()
