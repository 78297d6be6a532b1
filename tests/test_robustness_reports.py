"""How sure is a rank, in the reports: the profiles' cards and section, the comparisons' table, the overview's
charts, the robustness notebook and lesson 6 show exactly what ``ocdata.robustness`` gives with its defaults,
and only where the data has the whole edition."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from report_fixtures import bundled, require_workbook

import ocdata
from ocdata import robustness, views
from ocdata.report.plan import plan_reports

EDITION = 2023


@cache
def official() -> ocdata.Dataset:
    return ocdata.load(workbook=require_workbook())


def interval_of(data, iso3: str, metric: str) -> dict[str, int]:
    row = robustness.rank_intervals(data, EDITION, metric).set_index("iso3").loc[iso3]
    return {k: int(row[k]) for k in ("rank", "median_rank", "p05", "p95")}


def test_the_headline_cards_give_the_world_rank_interval_with_the_workbook() -> None:
    data = official()
    card = views.headline_html(data, "kgz", EDITION)
    for metric in ("criminality", "resilience"):
        row = interval_of(data, "KGZ", metric)
        assert row["p05"] < row["p95"]
        assert (f"World rank between {row['p05']} and {row['p95']}<br>in 90 % of plausible scorings "
                f"(median {row['median_rank']})") in card
    assert card.count('class="oc-note oc-interval"') == 2  # criminality and resilience, not the pillars


def test_without_the_whole_edition_the_cards_say_nothing_of_intervals() -> None:
    data = bundled()
    assert not views.has_peers(data, EDITION)
    card = views.headline_html(data, "KGZ", EDITION)
    assert "plausible scorings" not in card and "oc-interval" not in card


def test_how_sure_and_the_comparison_table_give_the_same_numbers() -> None:
    data = official()
    row = interval_of(data, "KGZ", "criminality")
    sentence = views.how_sure(data, "Kyrgyzstan", "2023")[0]
    assert sentence.startswith(f"Criminality: ranked {row['rank']} of 193, between {row['p05']} and {row['p95']} "
                               f"in 90 % of plausible scorings (median {row['median_rank']}); leaving out")
    table = views.uncertainty_table(data, ["KGZ", "kaz"], EDITION)
    assert list(table["country"]) == ["Kyrgyzstan", "Kazakhstan"] * 2
    first = table.iloc[0]
    assert (first["metric"], first["rank"], first["p05"], first["p95"]) == (
        "Criminality", row["rank"], row["p05"], row["p95"])


def test_all_plans_a_robustness_report_per_metric_and_lesson_6() -> None:
    planned = {p.job.name: p for p in plan_reports(bundled(), all_=True)}
    for metric in ("criminality", "resilience"):
        job = planned[f"robustness_{EDITION}_{metric}"].job
        assert dict(job.parameters) == {"edition": EDITION, "metric": metric, "workbook": "", "tables": ""}
        assert job.with_code and job.notebook.name == "robustness.ipynb"
    assert planned["lesson_06_how_sure"].job.notebook.name == "06_how_sure.ipynb"
    assert [p.job.name for p in plan_reports(bundled(), overview=True)] == [f"overview_{EDITION}"]


# --- rendered (slow) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The 2023 Kyrgyz profile and the overview, rendered with the official workbook by the command line."""
    out = tmp_path_factory.mktemp("reports")
    run = subprocess.run([sys.executable, "-m", "ocdata", "report", "KGZ", "--overview", "--edition", str(EDITION),
                          "--workbook", str(require_workbook()), "--out", str(out), "--jobs", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.html")}


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.slow
def test_the_rendered_profile_says_how_sure_its_ranks_are(pages: dict[str, str]) -> None:
    page = pages[f"KGZ_{EDITION}"]
    data = official()
    assert 'id="s-how-sure-is-this-rank"' in page
    for metric in ("criminality", "resilience"):
        row = interval_of(data, "KGZ", metric)
        sentence = (f"ranked {row['rank']} of 193, between {row['p05']} and {row['p95']} in 90 % of plausible "
                    f"scorings (median {row['median_rank']})")
        assert sentence in page
        assert f"World rank between {row['p05']} and {row['p95']}" in page


@pytest.mark.slow
def test_the_rendered_overview_has_one_interval_per_country_and_metric(pages: dict[str, str]) -> None:
    page = pages[f"overview_{EDITION}"]
    assert 'id="s-how-sure-are-the-ranks"' in page
    titles = set(re.findall(r"<title>([^<]*)</title>", page))
    data = official()
    for metric in ("criminality", "resilience"):
        mine = {t for t in titles if re.search(rf": {metric} rank \d+, (between \d+ and \d+|rank \d+) in 90 % ", t)}
        assert len(mine) == 193
        table = robustness.rank_intervals(data, EDITION, metric).set_index("iso3")
        row = table.loc["KGZ"]
        assert (f"Kyrgyzstan: {metric} rank {row['rank']}, between {row['p05']} and {row['p95']} in 90 % of "
                f"plausible scorings (median {row['median_rank']})") in {html.unescape(t) for t in mine}
    assert text_of(page).count("What moves the") >= 2  # the Sobol bars of both metrics


@pytest.mark.slow
def test_the_robustness_notebook_renders_its_steps(tmp_path: Path) -> None:
    import papermill

    from ocdata.paths import notebooks_dir
    from ocdata.render.export import HtmlWriter, load_notebook

    executed = tmp_path / "robustness.ipynb"
    papermill.execute_notebook(str(notebooks_dir() / "robustness.ipynb"), str(executed), progress_bar=False,
                               parameters={"edition": EDITION, "metric": "resilience",
                                           "workbook": str(require_workbook())})
    nb = load_notebook(executed)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    page = HtmlWriter().export(nb, title="robustness", with_code=True)
    for heading in ("Leave one indicator out", "Rank intervals over plausible scorings",
                    "Other assumptions: weights and means", "Which assumption matters most"):
        assert f">{heading}</h2>" in page
    code = html.unescape(re.sub(r"<[^>]+>", "", page))  # the code cells, highlighted token by token
    assert "robustness.rank_intervals(data, edition, metric, **kwargs)" in code
    assert page.count('<svg class="oc-svg" role="img"') == 2  # the intervals and the Sobol bars
    assert len(set(re.findall(r"<title>[^<]*: resilience rank \d+, [^<]*</title>", page))) == 193
