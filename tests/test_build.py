"""End to end: the bundled documents into validated tables, and what users rely on."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from corpus import document_count, invariant_failures, of_documents
from docs import RAW, copy_raw, rewrite

import ocdata
from ocdata.build import run_build
from ocdata.errors import InputError, ValidationError
from ocdata.tables import shown_folder


@pytest.fixture(scope="module")
def data():
    return ocdata.load()


def test_every_check_passes(data):
    assert len(data.checks) > 200
    assert data.failed.empty, data.failed.to_string()


def test_the_corpus_invariants_hold(data):
    """Every check passes, one row per key, every printed number cited, every manifest country scored."""
    assert invariant_failures(data) == []


def test_each_kind_of_check_ran(data):
    kinds = set(data.checks["check"])
    assert {"indicator_range_grid", "edition_complete", "one_row_per_key", "composite_matches_indicators",
            "change_matches_previous", "backcast_agrees", "sources_agree", "inferred_value_unique",
            "repeated_value_agrees", "article_figures_agree"} <= kinds


def test_the_bundled_documents_cover_two_countries_and_three_editions(data):
    sizes = of_documents(data.scores).groupby(["iso3", "edition"]).size().to_dict()
    # 2021: 26 indicators + 4 composites; 2023 and 2025: 32 + 4
    assert sizes == {("KAZ", 2021): 30, ("KAZ", 2023): 36, ("KGZ", 2021): 30, ("KGZ", 2023): 36, ("KGZ", 2025): 36}
    assert not data.scores.duplicated(["iso3", "edition", "indicator"]).any()


def test_every_country_and_edition_has_each_indicator_of_its_edition(data):
    editions = data.codebook["editions"].str.split()
    expected = {e: int(editions.map(lambda es, e=e: str(e) in es).sum()) for e in set(data.scores["edition"])}
    assert expected[2021] == 30 and expected[2023] == expected.get(2025, 36) == 36
    sizes = data.scores.groupby(["iso3", "edition"]).size()
    assert {key: n for key, n in sizes.items() if n != expected[key[1]]} == {}


EXPECTED = [
    # iso3, edition, indicator, score, change, origin, source, line
    ("KGZ", 2021, "criminality", 5.33, None, "reported", "kgz_2021_pdf", 10),
    ("KGZ", 2021, "resilience", 4.17, None, "computed", "kgz_2021_pdf", None),  # not printed in the 2021 PDF
    ("KGZ", 2021, "heroin_trade", 7.0, None, "reported", "kgz_2021_pdf", 25),
    ("KAZ", 2021, "human_trafficking", 5.5, None, "backcast", "kaz_kgz_2023_web", 7),  # 6.00 - 0.50
    ("KAZ", 2021, "criminal_markets", 4.15, None, "computed", "kaz_kgz_2023_web", None),
    ("KAZ", 2021, "criminality", 4.26, None, "computed", "kaz_kgz_2023_web", None),
    ("KAZ", 2023, "criminal_markets", 4.33, 0.18, "reported", "kaz_kgz_2023_web", 4),
    ("KAZ", 2023, "criminality", 4.47, None, "reported", "kaz_2023_pdf", 8),  # printed only in the PDF
    ("KAZ", 2023, "extortion_and_protection_racketeering", 3.5, None, "reported", "kaz_kgz_2023_web", 13),
    ("KGZ", 2023, "resilience", 3.83, None, "computed", "kaz_kgz_2023_web", None),
    ("KGZ", 2025, "mafia_style_groups", 5.5, None, "inferred", "kgz_2025_web", 134),
    ("KGZ", 2025, "political_leadership_and_governance", 3.0, None, "inferred", "kgz_2025_web", 162),
    ("KGZ", 2025, "criminality", 5.25, -0.07, "reported", "kgz_2025_web", 26),
]


@pytest.mark.parametrize(("iso3", "edition", "indicator", "score", "change", "origin", "source", "line"), EXPECTED)
def test_values_with_provenance(data, iso3, edition, indicator, score, change, origin, source, line):
    row = data.scores.set_index(["iso3", "edition", "indicator"]).loc[(iso3, edition, indicator)]
    assert row["score"] == score
    assert (pd.isna(row["change"]) if change is None else row["change"] == change)
    assert (row["origin"], row["source"]) == (origin, source)
    assert (pd.isna(row["line"]) if line is None else row["line"] == line)
    assert row["pillar"] in {"criminal_markets", "criminal_actors", "resilience", "criminality"}


def test_every_printed_number_is_in_a_table(data):
    """Every score printed in the profiles is a row or a passing check that points at its line."""
    cited = set(zip(data.scores["source"], data.scores["line"], strict=True)) | set(
        zip(data.checks["source"], data.checks["line"], strict=True))
    from ocdata.numbers import parse_glued

    for source in ("kaz_kgz_2023_web", "kgz_2025_web"):
        file = data.sources.set_index("id").loc[source, "file"]
        for n, line in enumerate((RAW / file).read_text(encoding="utf-8").split("\n"), start=1):
            if parse_glued(line.strip()) is not None:
                assert (source, n) in cited, f"{file}:{n} printed {line.strip()!r}, which no table cites"


def test_ranks(data):
    ranks = data.ranks.set_index(["iso3", "edition", "metric", "scope"])
    assert ranks.loc[("KGZ", 2021, "resilience", "world"), "rank"] == 125
    assert ranks.loc[("KGZ", 2021, "criminality", "region"), "rank"] == 2
    assert ranks.loc[("KGZ", 2025, "criminality", "continent"), ["rank", "total"]].tolist() == [25, 46]
    assert ranks.loc[("KAZ", 2023, "resilience", "world"), "source"] == "kaz_2023_pdf"
    # each document that prints ranks gives 2 metrics x 3 scopes of its country
    assert of_documents(data.ranks).groupby("source").size().to_dict() == {"kaz_2023_pdf": 6, "kgz_2021_pdf": 6,
                                                                           "kgz_2025_web": 6}


def test_profiles_series_claims_narratives(data):
    assert data.profiles.set_index("iso3").loc["KGZ", "population"] == 7224614
    crimes = of_documents(data.series, ["kaz_article"]).query("series == 'drug_related_crimes'")
    assert len(crimes) == 17 and crimes["iso3"].eq("KAZ").all()
    assert data.claims.set_index("claim").loc["drug_crimes_growth_to_peak", "computed"] == pytest.approx(19.64)
    assert data.claims["status"].eq("pass").all()
    assert set(of_documents(data.narratives)["iso3"]) == {"KAZ", "KGZ"}
    assert data.narratives["text"].str.len().min() >= 80


def test_codebook_definitions_come_from_the_documents(data):
    book = data.codebook.set_index("indicator")
    assert len(book) == 36
    assert book.loc["human_trafficking", "definition"].startswith("Illicit activity involving coercion")
    assert book.loc["human_trafficking", "definition_source"] == "kaz_kgz_2023_web:8"
    assert book.loc["extortion_and_protection_racketeering", "editions"] == "2023 2025"
    assert "unrounded" in book.loc["criminality", "method"]


def test_dtypes_follow_the_schema(data):
    assert data.scores["edition"].dtype == "Int64"
    assert data.scores["score"].dtype == "float64"
    assert data.scores["line"].dtype == "Int64"
    assert list(data.scores.columns[:6]) == ["iso3", "country", "continent", "region", "edition", "indicator"]


def test_second_load_gives_equal_tables_of_its_own(data):
    again = ocdata.load()
    assert again is not data and again.scores is not data.scores
    for name, table in data.tables().items():
        pd.testing.assert_frame_equal(getattr(again, name), table)


def test_load_rebuilds_when_a_document_changes(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    first = ocdata.load(raw)
    text = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8").replace("    Bishkek", "    Bishkek City")
    rewrite(raw, "kgz_2025_profile_web.txt", text)
    second = ocdata.load(raw)
    assert second is not first
    assert second.profiles.iloc[0]["capital"] == "Bishkek City"


def test_changed_document_without_new_checksum_is_refused(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    (raw / "kgz_2021_profile_pdf.txt").write_text("KYRGYZSTAN\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"kgz_2021_profile_pdf.txt: expected sha256 e50175d6ef18"):
        ocdata.load(raw)


def test_contradicting_documents_fail_validation(tmp_path):
    raw = copy_raw(tmp_path / "raw")
    text = (raw / "kaz_2023_profile_pdf.txt").read_text(encoding="utf-8")
    text = text.replace("HEROIN TRADE\t6.50", "HEROIN TRADE\t7.50")
    rewrite(raw, "kaz_2023_profile_pdf.txt", text)
    message = r"kaz_2023_profile_pdf.txt:26: sources_agree on KAZ 2023 heroin_trade: expected 6.50, found 7.50"
    with pytest.raises(ValidationError, match=message):
        ocdata.load(raw)
    data = ocdata.load(raw, strict=False)
    failed = data.failed
    assert failed["check"].tolist() == ["sources_agree"]  # the web page, listed first, keeps its value
    assert failed[["source", "line", "expected", "found"]].values.tolist() == [["kaz_2023_pdf", 26, "6.50", "7.50"]]


def test_build_writes_tables_and_datapackage(tmp_path, capsys):
    out = tmp_path / "processed"
    assert run_build(out=out) == 0
    names = {p.name for p in shown_folder(out).iterdir()}
    assert {"scores.csv", "scores.parquet", "checks.csv", "datapackage.json"} <= names
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    scores = next(r for r in package["resources"] if r["name"] == "scores")
    assert scores["schema"]["primaryKey"] == ["iso3", "edition", "indicator"]
    assert scores["hash"].startswith("sha256:")
    edition = next(f for f in scores["schema"]["fields"] if f["name"] == "edition")
    assert edition["description"] == "edition of the index (2021, 2023, 2025)"  # whole, not cut at a comma
    fields = [f for r in package["resources"] for f in r["schema"]["fields"]]
    assert all(set(f) <= {"name", "type", "description", "constraints", "format"} for f in fields), fields
    back = pd.read_parquet(shown_folder(out) / "scores.parquet")
    assert len(of_documents(back)) == 168 and back["edition"].dtype == "Int64"
    pd.testing.assert_frame_equal(back, ocdata.load().scores, check_dtype=False)
    summary = capsys.readouterr().out
    assert f"{document_count()} documents" in summary and "0 failed" in summary


def test_failed_build_keeps_the_previous_one(tmp_path):
    out = tmp_path / "processed"
    assert run_build(out=out) == 0
    before = {p.name: p.read_bytes() for p in shown_folder(out).iterdir()}
    raw = copy_raw(tmp_path / "raw")
    text = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8").replace("7.000.00", "7.500.00", 1)
    rewrite(raw, "kgz_2025_profile_web.txt", text)
    assert run_build(raw=raw, out=out) == 1
    assert {p.name: p.read_bytes() for p in shown_folder(out).iterdir()} == before
    assert run_build(raw=raw, out=out, keep_going=True) == 1
    checks = pd.read_csv(shown_folder(out) / "checks.csv")
    assert (checks["status"] == "fail").any()


def test_cli_entry_points(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ocdata", "build", "--out", str(tmp_path / "p")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "checks:" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "ocdata", "build", "--raw", str(tmp_path / "nowhere")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "sources.yaml" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_check_helpers_are_validate_s():
    from ocdata import build as build_module
    from ocdata import validate

    for name in ("first_failure", "describe_check", "check_rank_changes", "check_row", "validate_scores"):
        assert getattr(build_module, name) is getattr(validate, name), name
    assert not hasattr(build_module, "CHECK_PRIORITY")


def test_build_help_says_what_out_raw_and_workbook_take():
    text = " ".join(subprocess.run([sys.executable, "-m", "ocdata", "build", "--help"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "missing, empty or an earlier ocdata build; it becomes a link to a version folder .NAME.ocdata/ beside it" \
        in text
    assert "the bundled documents plus the documents added with ocdata add" in text
    assert "an .xlsx release, a workbook of one edition, or a CSV or Parquet table" in text and "repeat it" in text
    assert "--edition YEAR" in text


def test_a_bad_cached_workbook_costs_one_warning_line(tmp_path):
    from workbook_factory import write_workbook

    book = write_workbook(tmp_path / "book.xlsx")
    env = {**os.environ, "OCDATA_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "ocdata", "build", "--workbook", str(book), "--keep-going"]
    first = subprocess.run([*command, "--out", str(tmp_path / "a")], capture_output=True, text=True, env=env)
    assert first.returncode == 1, first.stderr  # the factory's made-up scores disagree with the documents
    [cached] = (tmp_path / "cache").glob("workbook-*.parquet")
    cached.write_bytes(b"not parquet")
    second = subprocess.run([*command, "--out", str(tmp_path / "b")], capture_output=True, text=True, env=env)
    warnings = [line for line in second.stderr.splitlines() if "warning" in line]
    assert warnings == [f"ocdata: warning: {cached}: unreadable cache ({warnings[0].split('(', 1)[1]}"]
    assert warnings[0].endswith("; reading the workbook again")
    assert "Traceback" not in second.stderr and "CacheWarning" not in second.stderr
