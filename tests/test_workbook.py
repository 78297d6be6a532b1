"""The workbook reader: a factory-made workbook for every code path, then the real 2023 release."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from workbook_factory import (
    EDITIONS,
    excel_ref,
    expected_scores,
    locate,
    official_sheets,
    release_2021_sheets,
    shared_workbook,
    write_csv,
    write_parquet,
    write_workbook,
)

from ocdata import paths
from ocdata.codebook import children_of, indicators_of
from ocdata.countries import load_countries, to_iso3
from ocdata.errors import InputError, ParseError
from ocdata.inputs import workbook
from ocdata.inputs.workbook import COLUMNS, load_headers, read_workbook, read_workbook_cached, required_fields
from ocdata.numbers import round_half_up

NAME = "global_oc_index.xlsx"


@pytest.fixture
def sheets() -> dict[str, list[list]]:
    return official_sheets()


@pytest.fixture
def made(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / NAME)


def _write(tmp_path: Path, sheets: dict[str, list[list]]) -> Path:
    return write_workbook(tmp_path / NAME, sheets)


# --- the header table --------------------------------------------------------------------------------

HEADER_CASES = [  # spellings seen in the official workbook and what they name
    ("Criminality avg,", "criminality"),
    ("Criminality avg.", "criminality"),
    ("Criminality", "criminality"),
    ("Criminal markets avg,", "criminal_markets"),
    ("Criminal actors avg,", "criminal_actors"),
    ("Criminal actors", "criminal_actors"),
    ("Resilience avg,", "resilience"),
    ("Resilience", "resilience"),
    ("Non-renewable resource crimes", "non_renewable_resource_crimes"),
    ("Mafia-style groups", "mafia_style_groups"),
    ("Cyber-dependent crimes", "cyber_dependent_crimes"),
    ("Non-state actors", "non_state_actors"),
    ("Continent", "continent"),
    ("Region", "region"),
    ("Country", "country"),
]


@pytest.mark.parametrize(("header", "field"), HEADER_CASES)
def test_known_header_spellings_map_to_their_field(header: str, field: str) -> None:
    table = load_headers()
    assert table.loc[table["header"] == header, "field"].tolist() == [field]


def test_every_codebook_label_is_a_header() -> None:
    from ocdata.codebook import load_indicators

    codebook = load_indicators()
    headers = dict(zip(load_headers()["header"], load_headers()["field"], strict=True))
    for indicator, label in zip(codebook["indicator"], codebook["label"], strict=True):
        assert headers.get(label) == indicator, f"{label!r} is not a header of {indicator}"


def test_required_fields_follow_the_codebook() -> None:
    assert len(required_fields(2021)) == 3 + 4 + 26
    assert len(required_fields(2023)) == 3 + 4 + 32
    assert "financial_crimes" not in required_fields(2021)
    assert required_fields(2025) == required_fields(2023)


# --- reading a factory workbook ----------------------------------------------------------------------


def test_columns_and_dtypes(made: Path) -> None:
    table = read_workbook(made)
    assert list(table.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in table.dtypes.items()} == COLUMNS


def test_every_cell_lands_under_its_country_edition_and_indicator(made: Path) -> None:
    table = read_workbook(made)
    expected = expected_scores()
    merged = table.merge(expected, on=["iso3", "edition", "indicator"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["score_x"] == merged["score_y"]).all()
    assert sorted(table["edition"].unique()) == list(EDITIONS)


def test_provenance_names_file_sheet_and_excel_row(made: Path, sheets: dict[str, list[list]]) -> None:
    table = read_workbook(made)
    assert set(table["source"]) == {NAME}
    assert set(table["sheet"]) == {"2021_dataset", "2023_dataset", "2025_dataset"}
    for sheet, country, iso3 in [("2023_dataset", "Congo, Dem, Rep,", "COD"), ("2025_dataset", "Kyrgyzstan", "KGZ")]:
        row, _ = locate(sheets, sheet, country, "Country")
        lines = table.loc[(table["sheet"] == sheet) & (table["iso3"] == iso3), "line"]
        assert set(lines) == {row + 1}


def test_names_are_canonical_and_labels_stripped(made: Path) -> None:
    table = read_workbook(made).drop_duplicates(["iso3", "edition"]).set_index(["iso3", "edition"])
    assert table.loc[("COD", 2023), "country"] == "Congo, Dem. Rep."
    assert table.loc[("SWZ", 2023), "country"] == "Eswatini"
    assert table.loc[("STP", 2025), "country"] == "Sao Tome and Principe"
    assert table.loc[("LCA", 2021), "region"] == "Caribbean"  # 'Caribbean ' in the sheet
    assert table.loc[("LCA", 2023), "region"] == "Caribbean & Central"


def test_reordered_and_respelled_columns_are_read_by_header(made: Path) -> None:
    table = read_workbook(made)
    kgz = table[(table["iso3"] == "KGZ") & (table["edition"] == 2021)].set_index("indicator")["score"]
    assert kgz["criminality"] == 5.33  # mean of unrounded 4.40 and 6.25 is 5.325, half-up
    assert kgz["criminal_markets"] == 4.40
    assert kgz["criminal_actors"] == 6.25
    kaz = table[(table["iso3"] == "KAZ") & (table["edition"] == 2023)].set_index("indicator")["score"]
    assert (kaz["criminality"], kaz["resilience"], kaz["criminal_actors"]) == (4.47, 4.54, 4.60)


def test_sheets_other_than_editions_are_ignored(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    sheets["Notes"] = [["Country", "Narnia"], ["not", "data"]]
    sheets["2023_dataset_old"] = [["Anything"]]
    assert len(read_workbook(_write(tmp_path, sheets))) == len(expected_scores())


def test_blank_rows_and_a_header_below_blank_rows_are_fine(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    rows = sheets["2021_dataset"]
    sheets["2021_dataset"] = [[None], rows[0], rows[1], [None, None], *rows[2:], [None]]
    table = read_workbook(_write(tmp_path, sheets))
    lines = table[table["sheet"] == "2021_dataset"].drop_duplicates("iso3")["line"]
    assert sorted(lines) == [3, *range(5, 5 + len(rows) - 2)]


def test_numbers_stored_as_text_are_read(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    row, column = locate(sheets, "2023_dataset", "Kazakhstan", "Human trafficking")
    sheets["2023_dataset"][row][column] = " 6.0 "
    table = read_workbook(_write(tmp_path, sheets))
    kaz = table[(table["iso3"] == "KAZ") & (table["edition"] == 2023) & (table["indicator"] == "human_trafficking")]
    assert kaz["score"].tolist() == [6.0]


def composites_by_rule(row: pd.Series, edition: int) -> dict[str, float]:
    """The composites of one country and edition, made from its indicators as the publisher makes them."""
    pillars = ("criminal_markets", "criminal_actors", "resilience")
    means = {p: row[list(children_of(p, edition))].mean() for p in pillars}
    composites = {p: round_half_up(m) for p, m in means.items()}
    composites["criminality"] = round_half_up((means["criminal_markets"] + means["criminal_actors"]) / 2)
    return composites


def test_factory_composites_follow_the_publishers_rounding() -> None:
    wide = expected_scores().pivot_table(index=["edition", "iso3"], columns="indicator", values="score")
    for (edition, _), row in wide.iterrows():
        for name, value in composites_by_rule(row, edition).items():
            assert row[name] == value


# --- errors: one line, naming the file and the offending header, name or cell -------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.xlsx: workbook not found"):
        read_workbook(tmp_path / "nowhere.xlsx")
    (tmp_path / "dangling.xlsx").symlink_to(tmp_path / "gone.xlsx")
    with pytest.raises(InputError, match=r"dangling\.xlsx: workbook not found"):
        read_workbook(tmp_path / "dangling.xlsx")


@pytest.mark.parametrize(("name", "reason"), [("loop.xlsx", "too many levels of symbolic links"),
                                              ("n" * 300 + ".xlsx", "file name too long")])
def test_a_path_that_cannot_be_opened_says_why(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "loop.xlsx").symlink_to("loop.xlsx")
    with pytest.raises(InputError) as err:
        read_workbook(tmp_path / name)
    assert str(err.value) == f"{tmp_path / name}: expected a readable file, found {reason}"


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04broken"])
def test_not_an_xlsx(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / NAME
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"^{NAME}(:1)?: expected an \.xlsx workbook") as err:
        read_workbook(path)
    assert "\n" not in str(err.value)


def test_no_edition_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / NAME, {"Data 2023": [["Country"], ["Kyrgyzstan"]]})
    with pytest.raises(ParseError, match=rf"^{NAME}: expected a sheet per edition .*'Data 2023'"):
        read_workbook(path)


def test_missing_required_column(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    _, column = locate(sheets, "2023_dataset", "Kazakhstan", "Financial crimes")
    for row in sheets["2023_dataset"]:
        del row[column]
    expected = rf"^{NAME}:2023_dataset: row 1: missing required column\(s\) financial_crimes for edition 2023"
    with pytest.raises(ParseError, match=expected):
        read_workbook(_write(tmp_path, sheets))


def test_missing_country_column(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    _, column = locate(sheets, "2021_dataset", "Kyrgyzstan", "Country")
    sheets["2021_dataset"][0][column] = None
    for row in sheets["2021_dataset"]:
        row[column] = None
    with pytest.raises(ParseError, match=rf"^{NAME}:2021_dataset: .*missing required column\(s\) country"):
        read_workbook(_write(tmp_path, sheets))


def test_unknown_header(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    _, column = locate(sheets, "2025_dataset", "Kyrgyzstan", "Human trafficking")
    sheets["2025_dataset"][0][column] = "Human traffic"
    ref = excel_ref(0, column)
    with pytest.raises(ParseError, match=rf"^{NAME}:2025_dataset!{ref}: unknown header 'Human traffic' \(add it"):
        read_workbook(_write(tmp_path, sheets))


def test_header_of_an_indicator_the_edition_does_not_have(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    for row in sheets["2021_dataset"]:
        row.append("Financial crimes" if row is sheets["2021_dataset"][0] else 5.0)
    with pytest.raises(ParseError, match=rf"^{NAME}:2021_dataset!\w+1: header 'Financial crimes' .* edition 2021"):
        read_workbook(_write(tmp_path, sheets))


def test_two_headers_for_one_field(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    for row in sheets["2023_dataset"]:
        row.append("Criminality avg." if row is sheets["2023_dataset"][0] else 5.0)
    with pytest.raises(ParseError, match=rf"^{NAME}:2023_dataset!\w+1: header 'Criminality avg\.' names criminality"):
        read_workbook(_write(tmp_path, sheets))


def test_unknown_country(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    row, column = locate(sheets, "2023_dataset", "Kazakhstan", "Country")
    sheets["2023_dataset"][row][column] = "Narnia"
    ref = excel_ref(row, column)
    with pytest.raises(ParseError, match=rf"^{NAME}:2023_dataset!{ref}: unknown country name 'Narnia'"):
        read_workbook(_write(tmp_path, sheets))


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("abc", "found 'abc'"),
        (None, "found a blank cell"),
        ("  ", "found a blank cell"),
        (11, "from 1 to 10, found 11"),
        (True, "found True"),
    ],
)
def test_bad_score_cell(tmp_path: Path, sheets: dict[str, list[list]], value: object, found: str) -> None:
    row, column = locate(sheets, "2023_dataset", "St, Lucia", "Criminal actors avg,")
    sheets["2023_dataset"][row][column] = value
    ref = excel_ref(row, column)
    with pytest.raises(ParseError) as err:
        read_workbook(_write(tmp_path, sheets))
    assert str(err.value).startswith(f"{NAME}:2023_dataset!{ref}: expected a score")
    assert str(err.value).endswith(found)


def test_the_documented_example_message(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    row, column = locate(sheets, "2023_dataset", "Kyrgyzstan", "Human trafficking")
    sheets["2023_dataset"][row][column] = "abc"
    with pytest.raises(ParseError) as err:
        read_workbook(_write(tmp_path, sheets))
    assert str(err.value) == f"{NAME}:2023_dataset!{excel_ref(row, column)}: expected a score, found 'abc'"


def test_blank_country_name(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    row, column = locate(sheets, "2021_dataset", "Tuvalu", "Country")
    sheets["2021_dataset"][row][column] = None
    with pytest.raises(ParseError, match=rf"^{NAME}:2021_dataset!{excel_ref(row, column)}: expected a country name"):
        read_workbook(_write(tmp_path, sheets))


def test_country_twice_in_one_sheet(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    first, column = locate(sheets, "2023_dataset", "eSwatini", "Country")
    copy = list(sheets["2023_dataset"][first])
    copy[column] = "Eswatini"  # another spelling of the same country
    sheets["2023_dataset"].append(copy)
    last = len(sheets["2023_dataset"])
    with pytest.raises(ParseError) as err:
        read_workbook(_write(tmp_path, sheets))
    message = str(err.value)
    assert message.startswith(f"{NAME}:2023_dataset!{excel_ref(last - 1, column)}: ")
    assert "'Eswatini' (SWZ) again" in message
    assert f"first in row {first + 1}" in message


def test_value_in_a_column_without_header(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    sheets["2021_dataset"][3].append("stray")
    ref = excel_ref(3, len(sheets["2021_dataset"][0]))
    with pytest.raises(ParseError, match=rf"^{NAME}:2021_dataset!{ref}: expected no value outside"):
        read_workbook(_write(tmp_path, sheets))


def test_edition_not_in_the_codebook(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    sheets["2029_dataset"] = sheets["2025_dataset"]
    with pytest.raises(ParseError, match=rf"^{NAME}:2029_dataset: edition 2029 is not in the codebook"):
        read_workbook(_write(tmp_path, sheets))


def test_header_only_sheet(tmp_path: Path, sheets: dict[str, list[list]]) -> None:
    sheets["2023_dataset"] = sheets["2023_dataset"][:1]
    with pytest.raises(ParseError, match=rf"^{NAME}:2023_dataset: expected a row per country"):
        read_workbook(_write(tmp_path, sheets))


# --- the Parquet cache -------------------------------------------------------------------------------


def test_cache_is_written_once_and_reused(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("OCDATA_CACHE", str(cache))
    first = read_workbook_cached(made)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".parquet", files
    assert workbook.sha256_of(made) in files[0].name

    def fail(path: object, **kwargs: object) -> None:
        raise AssertionError("read the workbook although a cached copy exists")

    monkeypatch.setattr(workbook, "read_workbook", fail)
    again = read_workbook_cached(made)
    pd.testing.assert_frame_equal(again, first)
    copy = shutil.copy(made, tmp_path / "renamed.xlsx")
    assert set(read_workbook_cached(copy)["source"]) == {"renamed.xlsx"}
    assert list(cache.iterdir()) == files


def test_cache_follows_the_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheets: dict[str, list[list]]
) -> None:
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    path = _write(tmp_path, sheets)
    before = read_workbook_cached(path)
    row, column = locate(sheets, "2023_dataset", "Kazakhstan", "Human trafficking")
    sheets["2023_dataset"][row][column] = 9.5
    after = read_workbook_cached(_write(tmp_path, sheets))
    assert len(list((tmp_path / "cache").iterdir())) == 2
    changed = before.compare(after)
    assert len(changed) == 1


def test_corrupt_cache_is_read_again(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("OCDATA_CACHE", str(cache))
    expected = read_workbook_cached(made)
    (target,) = cache.iterdir()
    target.write_bytes(b"garbage")
    with pytest.warns(workbook.CacheWarning, match="unreadable cache"):
        pd.testing.assert_frame_equal(read_workbook_cached(made), expected)
    pd.testing.assert_frame_equal(pd.read_parquet(target).astype(COLUMNS), expected)


def test_cached_read_of_a_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(InputError, match="workbook not found"):
        read_workbook_cached(tmp_path / "nowhere.xlsx")


def test_default_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCDATA_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert paths.cache_dir() == Path.home() / ".cache" / "ocdata"
    monkeypatch.setenv("OCDATA_CACHE", "elsewhere")
    assert paths.cache_dir() == Path("elsewhere")


# --- the real 2023 release ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return read_workbook(shared_workbook())


def test_real_every_name_in_both_sheets_maps() -> None:
    book = openpyxl.load_workbook(shared_workbook(), read_only=True)
    for sheet in ("2021_dataset", "2023_dataset"):
        rows = list(book[sheet].iter_rows(values_only=True))
        column = rows[0].index("Country")
        names = [r[column] for r in rows[1:] if r[column] is not None]
        assert len(names) == 193, sheet
        codes = {to_iso3(name) for name in names}
        assert len(codes) == 193, f"{sheet}: two names map to one code"
    book.close()


def test_real_193_countries_per_edition_with_every_indicator(real: pd.DataFrame) -> None:
    assert real.groupby("edition")["iso3"].nunique().to_dict() == {2021: 193, 2023: 193}
    per_country = real.groupby(["edition", "iso3"]).size()
    assert set(per_country.loc[2021]) == {4 + len(indicators_of(2021))}
    assert set(per_country.loc[2023]) == {4 + len(indicators_of(2023))}
    assert set(real["iso3"]) == set(load_countries()["iso3"])


REAL_CELLS = [  # iso3, edition, indicator, score as published (profiles and the index's web pages)
    ("KGZ", 2021, "criminality", 5.33),
    ("KGZ", 2021, "resilience", 4.17),
    ("KGZ", 2021, "criminal_markets", 4.40),
    ("KGZ", 2021, "criminal_actors", 6.25),
    ("KGZ", 2021, "human_trafficking", 6.50),
    ("KGZ", 2021, "state_embedded_actors", 8.50),
    ("KAZ", 2021, "criminal_markets", 4.15),
    ("KAZ", 2023, "criminality", 4.47),
    ("KAZ", 2023, "resilience", 4.54),
    ("KAZ", 2023, "criminal_markets", 4.33),
    ("KAZ", 2023, "criminal_actors", 4.60),
    ("COD", 2023, "criminality", 7.35),
    ("COD", 2023, "criminal_markets", 6.20),
    ("COG", 2023, "criminality", 4.78),
    ("COG", 2023, "criminal_markets", 4.47),
]


@pytest.mark.parametrize(("iso3", "edition", "indicator", "score"), REAL_CELLS)
def test_real_known_cells(real: pd.DataFrame, iso3: str, edition: int, indicator: str, score: float) -> None:
    cell = real[(real["iso3"] == iso3) & (real["edition"] == edition) & (real["indicator"] == indicator)]
    assert cell["score"].tolist() == [score]


def test_real_provenance(real: pd.DataFrame) -> None:
    kgz = real[(real["iso3"] == "KGZ") & (real["edition"] == 2021)]
    assert set(zip(kgz["sheet"], kgz["line"], kgz["source"], strict=True)) == {
        ("2021_dataset", 76, shared_workbook().name)
    }


def test_real_2023_labels_match_the_country_table(real: pd.DataFrame) -> None:
    labels = real[real["edition"] == 2023].drop_duplicates("iso3")[["iso3", "country", "continent", "region"]]
    expected = load_countries()
    pd.testing.assert_frame_equal(labels.sort_values("iso3", ignore_index=True), expected)


def test_real_2021_regions_are_stripped(real: pd.DataFrame) -> None:
    regions = set(real.loc[real["edition"] == 2021, "region"])
    assert "Caribbean" in regions and "Central America" in regions
    assert all(r == r.strip() for r in regions)


def test_real_pillars_are_half_up_means_of_their_indicators(real: pd.DataFrame) -> None:
    wide = real.pivot_table(index=["edition", "iso3"], columns="indicator", values="score")
    failures = []
    for (edition, iso3), row in wide.iterrows():
        failures += [
            f"{edition} {iso3} {name}: published {row[name]}, computed {value}"
            for name, value in composites_by_rule(row, edition).items()
            if abs(row[name] - value) > 0.005
        ]
    assert not failures, "\n".join(failures)


def test_real_read_is_fast() -> None:
    path = shared_workbook()
    start = time.perf_counter()
    read_workbook(path)
    assert time.perf_counter() - start < 5.0


# --- every layout: the 2021 release, one-edition files, CSV, Parquet, the tidy export ---------------------


def _scores(table: pd.DataFrame) -> pd.DataFrame:
    return table[["iso3", "edition", "indicator", "score"]].sort_values(
        ["iso3", "edition", "indicator"], ignore_index=True)


def _expected(edition: int) -> pd.DataFrame:
    expected = expected_scores()
    return _scores(expected[expected["edition"] == edition])


def test_layouts_table_names_every_way_of_finding_the_edition() -> None:
    layouts = {layout.layout: layout for layout in workbook.load_layouts()}
    assert {"release", "release_2021", "one_edition", "tidy", "wide"} <= set(layouts)
    assert layouts["release_2021"].companion_sheet.fullmatch("2021_Global_OC_Index")
    assert layouts["one_edition"].edition_from == ("sheet", "column", "filename")


def test_the_2021_release(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "2021_GOCI_data.xlsx", release_2021_sheets(), intro=False)
    table = read_workbook(path)
    pd.testing.assert_frame_equal(_scores(table), _expected(2021))
    assert set(table["sheet"]) == {"Full_dataset"}
    kgz = table[table["iso3"] == "KGZ"].set_index("indicator")
    assert kgz.loc["criminality", "published"] == pytest.approx(5.325)  # printed unrounded
    assert kgz.loc["criminality", "score"] == 5.33  # stored half-up, as later releases print it
    assert kgz.loc["heroin_trade", "published"] == kgz.loc["heroin_trade", "score"] == 7.0
    unrounded = table[table["published"] != table["score"]]
    assert set(unrounded["indicator"]) <= {"criminality", "criminal_markets", "criminal_actors", "resilience"}
    assert not unrounded.empty


def test_the_2021_release_checks_names_against_codes(tmp_path: Path) -> None:
    sheets = release_2021_sheets()
    rows = sheets["Full_dataset"]
    code = rows[0].index("Country Code")
    row = next(i for i, r in enumerate(rows) if r[code] == "KGZ")
    rows[row][code] = "KAZ"
    with pytest.raises(ParseError, match=rf"Full_dataset!{excel_ref(row, code - 1)}: expected the name of KAZ"):
        read_workbook(write_workbook(tmp_path / "book.xlsx", sheets, intro=False))


@pytest.mark.parametrize(("file", "title", "edition"), [
    ("global_oc_index_2023_dataset.xlsx", "Sheet1", 2023),  # the file name says it
    ("copy.xlsx", "Index 2023", 2023),  # the sheet name says it
    ("copy.xlsx", "2021_dataset", 2021),  # the sheet is named as in a release
])
def test_one_edition_workbooks(tmp_path: Path, file: str, title: str, edition: int) -> None:
    rows = official_sheets()[f"{edition}_dataset"]
    table = read_workbook(write_workbook(tmp_path / file, {title: rows}, intro=False))
    pd.testing.assert_frame_equal(_scores(table), _expected(edition))
    assert set(table["sheet"]) == {title}


def test_a_cover_sheet_alone_is_not_data(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"expected a sheet per edition .*found only \['2025_Global_OC_Index'\]"):
        read_workbook(write_workbook(tmp_path / NAME, {}))


def test_an_edition_nothing_names_must_be_passed(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "copy.xlsx", {"Sheet1": official_sheets()["2025_dataset"]}, intro=False)
    with pytest.raises(ParseError, match=r"^copy\.xlsx:Sheet1: expected the edition .* pass it \(edition=2021"):
        read_workbook(path)
    pd.testing.assert_frame_equal(_scores(read_workbook(path, edition=2025)), _expected(2025))
    with pytest.raises(ParseError, match=r"expected edition 2021 as passed, found 2025 in the sheet name"):
        read_workbook(write_workbook(tmp_path / "b.xlsx", {"2025_dataset": official_sheets()["2025_dataset"]},
                                     intro=False), edition=2021)


def test_an_edition_column(tmp_path: Path) -> None:
    rows = [[*r, "Edition" if i == 0 else 2023] for i, r in enumerate(official_sheets()["2023_dataset"])]
    table = read_workbook(write_csv(tmp_path / "scores.csv", rows))
    pd.testing.assert_frame_equal(_scores(table), _expected(2023))


def test_csv_with_quoted_headers_in_another_order(tmp_path: Path, made: Path) -> None:
    rows = official_sheets()["2023_dataset"]
    assert "Criminality avg," in rows[0]
    path = write_csv(tmp_path / "goci_2023.csv", rows, reverse=True)
    assert '"Criminality avg,"' in path.read_text(encoding="utf-8")
    table = read_workbook(path)
    pd.testing.assert_frame_equal(_scores(table), _expected(2023))
    assert table["sheet"].isna().all()
    assert table.loc[table["iso3"] == "KGZ", "line"].unique().tolist() == [2]  # the first data line


def test_csv_errors_name_the_line(tmp_path: Path) -> None:
    rows = official_sheets()["2023_dataset"]
    row, column = locate({"s": rows}, "s", "Kazakhstan", "Human trafficking")
    rows[row][column] = "NaN"
    with pytest.raises(ParseError, match=rf"^goci_2023\.csv:{row + 1}: expected a score from 1 to 10, found 'NaN'"):
        read_workbook(write_csv(tmp_path / "goci_2023.csv", rows))


def test_parquet(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "oc_index_2025.parquet", official_sheets()["2025_dataset"])
    pd.testing.assert_frame_equal(_scores(read_workbook(path)), _expected(2025))


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_the_tidy_table_reads_back(tmp_path: Path, made: Path, suffix: str) -> None:
    table = read_workbook(made)
    path = tmp_path / f"scores.{suffix}"
    table.to_csv(path, index=False) if suffix == "csv" else table.to_parquet(path, index=False)
    again = read_workbook(path)
    pd.testing.assert_frame_equal(_scores(again), _scores(table))
    cols = ["iso3", "country", "continent", "region", "edition", "indicator", "score"]
    pd.testing.assert_frame_equal(again[cols], table[cols])


def test_the_file_name_is_not_the_format(tmp_path: Path, made: Path) -> None:
    disguised = shutil.copy(made, tmp_path / "scores.csv")
    assert len(read_workbook(disguised)) == len(read_workbook(made))


def test_real_release_and_its_csv_give_identical_scores(real: pd.DataFrame, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(shared_workbook(), read_only=True, data_only=True)
    frames = []
    for title in ("2023_dataset", "2021_dataset"):
        rows = [list(r) for r in book[title].iter_rows(values_only=True)]
        frames.append(read_workbook(write_csv(tmp_path / f"global_oc_index_{title}.csv", rows)))
    book.close()
    pd.testing.assert_frame_equal(_scores(pd.concat(frames)), _scores(real))


# --- the cache is verified before use ----------------------------------------------------------------


@pytest.mark.parametrize(("spoil", "problem"), [
    (lambda t: t.astype({"line": "float64"}), "expected dtypes"),
    (lambda t: t.assign(score=t["score"] * 3), "expected score from 1 to 10"),
    (lambda t: t.assign(score=t["score"].clip(upper=9) + 0.001), "expected scores at 2 decimals"),
    (lambda t: t.iloc[:0], "expected scores, found an empty table"),
    (lambda t: t.assign(edition=2022), "expected editions among"),
    (lambda t: t.drop(columns=["published"]), "expected columns"),
])
def test_a_bad_cached_copy_is_read_again(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         spoil, problem: str) -> None:
    monkeypatch.setenv("OCDATA_CACHE", str(tmp_path / "cache"))
    expected = read_workbook_cached(made)
    (target,) = (tmp_path / "cache").iterdir()
    spoil(expected).to_parquet(target, index=False)
    with pytest.warns(workbook.CacheWarning, match=problem) as caught:
        pd.testing.assert_frame_equal(read_workbook_cached(made), expected)
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    assert workbook.cached_table_problem(pd.read_parquet(target)) is None  # replaced by a good copy
