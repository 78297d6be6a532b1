"""Documents a user adds: detected, parsed at once, checked beside the bundled ones, and then part of load().

The profiles are made from the bundled ones: Kyrgyzstan's turned into another country with the same numbers
(consistent: must be taken), and the same with one indicator changed so that its pillar mean disagrees
(contradictory: must be refused, with the user folder left byte for byte as it was). The other countries are
ones no bundled document names (Tajikistan, Uzbekistan and Turkmenistan while none does), so that a document
added to the corpus never collides with them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from corpus import as_country, unused_countries
from docs import RAW

import ocdata
from ocdata.errors import InputError, ParameterError, ParseError, ValidationError
from ocdata.inputs import detect
from ocdata.inputs.documents import STAGING_MARKER, STALE_SECONDS, add_document, list_documents, remove_document

PDF_2021 = "kgz_2021_profile_pdf.txt"
(NEW, NAME), (OTHER, OTHER_NAME), (THIRD, _) = unused_countries(3)
NEW_ID = f"{NAME.lower()}_2021"  # the id add_document makes of the file name "<Name> 2021.txt"


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user documents folder of this test's own."""
    folder = tmp_path / "user" / "documents"
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(folder))
    return folder


def new_profile_2021(tmp_path: Path, *, markets_first: str = "6.50") -> Path:
    """Kyrgyzstan's 2021 PDF profile as a country no document names (``NAME``), the same numbers (or another
    human trafficking score)."""
    text = as_country(PDF_2021, "KYRGYZSTAN", NAME.upper())
    assert "HUMAN TRAFFICKING\t6.50" in text
    text = text.replace("HUMAN TRAFFICKING\t6.50", f"HUMAN TRAFFICKING\t{markets_first}", 1)
    path = tmp_path / "incoming" / f"{NAME} 2021.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize(("file", "kind", "edition", "countries"), [
    ("kgz_2021_profile_pdf.txt", "pdf_profile", 2021, ["KGZ"]),
    ("kaz_2023_profile_pdf.txt", "pdf_profile", 2023, ["KAZ"]),
    ("kaz_kgz_2023_profiles_web.txt", "web_profile", 2023, []),  # no country named on a line of its own
    ("kgz_2025_profile_web.txt", "web_profile", 2025, ["KGZ"]),
    ("kaz_crime_background_article.txt", None, None, []),
])
def test_detection_on_the_bundled_documents(file: str, kind: str | None, edition: int | None,
                                            countries: list[str]) -> None:
    lines = (RAW / file).read_text(encoding="utf-8").split("\n")
    assert detect.detect_kind(lines) == kind
    assert (detect.detect_edition(kind, lines) if kind else None) == edition
    assert detect.detect_countries(lines) == countries


def test_a_consistent_profile_is_added_and_loaded(documents: Path, tmp_path: Path) -> None:
    source = new_profile_2021(tmp_path)
    entry = add_document(source)
    assert entry["id"] == NEW_ID
    assert (entry["kind"], entry["edition"], entry["countries"]) == ("pdf_profile", 2021, [NEW])
    copied = documents / f"{NEW_ID}.txt"
    assert copied.read_bytes() == source.read_bytes()
    assert copied.stat().st_mode & 0o777 == 0o644 and documents.stat().st_mode & 0o777 == 0o755
    manifest = yaml.safe_load((documents / "sources.ocdata.yaml").read_text(encoding="utf-8"))
    assert manifest["documents"][0]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert list(list_documents()["id"]) == [NEW_ID]
    assert leftovers(documents) == []  # the staging copy is gone
    data = ocdata.load(workbook=False)
    new = data.scores.query(f"iso3 == '{NEW}' and edition == 2021").set_index("indicator")
    kgz = data.scores.query("iso3 == 'KGZ' and edition == 2021").set_index("indicator")
    assert new.loc["criminality", "score"] == kgz.loc["criminality", "score"] == 5.33
    assert set(new["source"]) == {NEW_ID}
    assert new.loc["criminality", "country"] == NAME


def test_a_contradictory_profile_is_refused_and_nothing_changes(documents: Path, tmp_path: Path) -> None:
    add_document(new_profile_2021(tmp_path))
    before = snapshot(documents)
    bad = tmp_path / "bad" / f"{OTHER_NAME.lower()}.txt"
    bad.parent.mkdir()
    text = new_profile_2021(tmp_path, markets_first="7.50").read_text(encoding="utf-8")
    bad.write_text(text.replace(f"\n{NAME.upper()}\n", f"\n{OTHER_NAME.upper()}\n"), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        add_document(bad)
    message = str(err.value)
    assert message.startswith(f"{bad}:18: composite_matches_indicators on {OTHER} 2021 criminal_markets: "
                              "expected 4.40, found 4.50"), message
    assert "nothing was added" in message and "\n" not in message
    assert snapshot(documents) == before
    assert leftovers(documents) == []
    assert OTHER not in set(ocdata.load(workbook=False).scores["iso3"])


def test_a_consistent_web_profile_of_two_countries_is_added(documents: Path, tmp_path: Path) -> None:
    """The 2023 web profiles of Kazakhstan and Kyrgyzstan name no country: given as two others."""
    source = tmp_path / f"{OTHER.lower()}_{THIRD.lower()}_2023_web.txt"
    source.write_bytes((RAW / "kaz_kgz_2023_profiles_web.txt").read_bytes())
    entry = add_document(source, countries=[OTHER, THIRD])
    assert (entry["kind"], entry["edition"], entry["countries"]) == ("web_profile", 2023, [OTHER, THIRD])
    scores = ocdata.load(workbook=False).scores.set_index(["iso3", "edition", "indicator"])["score"]
    assert scores[(OTHER, 2023, "criminality")] == scores[("KAZ", 2023, "criminality")]
    assert scores[(THIRD, 2023, "criminality")] == scores[("KGZ", 2023, "criminality")]


def test_an_unreadable_profile_names_its_own_file_and_line(documents: Path, tmp_path: Path) -> None:
    source = new_profile_2021(tmp_path)
    lines = source.read_text(encoding="utf-8").split("\n")
    number = lines.index("HUMAN SMUGGLING\t4.50") + 1
    lines[number - 1] = "HUMAN SMUGGLING\tfour and a half"
    source.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError) as err:
        add_document(source)
    assert str(err.value).startswith(f"{source}:{number}: expected ")
    assert not documents.exists()


def test_what_cannot_be_detected_is_asked_for(documents: Path, tmp_path: Path) -> None:
    prose = tmp_path / "notes.txt"
    prose.write_text("\n  \nSome notes about crime.\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="name the kind with --kind") as refused:
        add_document(prose)
    assert str(refused.value).startswith(f"{prose}:3: expected a PDF profile")  # the file and its first line
    assert "it starts 'Some notes about crime.'" in str(refused.value)
    web_2023 = tmp_path / "both.txt"
    web_2023.write_bytes((RAW / "kaz_kgz_2023_profiles_web.txt").read_bytes())
    with pytest.raises(ParameterError, match="name it with --country"):
        add_document(web_2023)
    with pytest.raises(ParameterError, match="expected ISO3 codes of the index's countries, found XXX"):
        add_document(new_profile_2021(tmp_path), countries=["XXX"])
    assert not documents.exists()


def test_the_same_bytes_or_id_twice_is_refused(documents: Path, tmp_path: Path) -> None:
    source = new_profile_2021(tmp_path)
    add_document(source)
    with pytest.raises(ParameterError, match=f"found the same bytes added as '{NEW_ID}'"):
        add_document(source)
    other = new_profile_2021(tmp_path / "x")
    other.write_text(other.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="found 'kgz_2021_pdf' in use"):
        add_document(other, ident="kgz_2021_pdf")  # a bundled document's id


def test_remove(documents: Path, tmp_path: Path) -> None:
    add_document(new_profile_2021(tmp_path))
    mine = documents / "my_notes.txt"  # a file of the user's own, not in our manifest
    mine.write_text("mine\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=rf"expected the id of an added document \({NEW_ID}\)"):
        remove_document("nope")
    gone = remove_document(NEW_ID)
    assert gone["file"] == f"{NEW_ID}.txt"
    assert snapshot(documents) == {"my_notes.txt": b"mine\n"}  # the manifest went with its last entry
    assert NEW not in set(ocdata.load(workbook=False).scores["iso3"])


def test_a_file_of_the_user_is_never_overwritten(documents: Path, tmp_path: Path) -> None:
    documents.mkdir(parents=True)
    (documents / f"{NEW_ID}.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected no file of this name in the documents folder"):
        add_document(new_profile_2021(tmp_path))
    assert snapshot(documents) == {f"{NEW_ID}.txt": b"mine\n"}


def ocdata_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=300,
                          env=env)


def test_cli_add_list_remove(tmp_path: Path) -> None:
    env = {**os.environ, "OCDATA_DOCUMENTS": str(tmp_path / "documents")}
    source = new_profile_2021(tmp_path)
    empty = ocdata_cli("add", "--list", env=env)
    assert (empty.returncode, empty.stdout) == (0, f"no added documents in {tmp_path / 'documents'}\n")
    added = ocdata_cli("add", str(source), "--id", "new21", "--country", NEW.lower(), env=env)
    assert added.returncode == 0, added.stderr
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    line = f"new21  new21.txt  pdf_profile  2021  {NEW}  {sha[:12]}"
    assert added.stdout == f"added {line}\n"
    listed = ocdata_cli("add", "--list", env=env)
    assert listed.stdout == f"{line}\n"
    bad = new_profile_2021(tmp_path / "bad", markets_first="7.50")
    bad.write_text(bad.read_text(encoding="utf-8").replace(f"\n{NAME.upper()}\n", f"\n{OTHER_NAME.upper()}\n"),
                   encoding="utf-8")
    refused = ocdata_cli("add", str(bad), "--id", "uzb21", env=env)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"ocdata: error: {bad}:18: composite_matches_indicators on {OTHER} 2021 ")
    assert refused.stderr.count("\n") == 1
    removed = ocdata_cli("remove", "new21", env=env)
    assert (removed.returncode, removed.stdout) == (0, "removed new21 (new21.txt)\n")
    unknown = ocdata_cli("remove", "new21", env=env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("ocdata: error: expected the id of an added")


def test_cli_add_refuses_an_unreadable_file_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "OCDATA_DOCUMENTS": str(tmp_path / "documents")}
    source = tmp_path / "cut.txt"
    source.write_text("\n".join((RAW / PDF_2021).read_text(encoding="utf-8").split("\n")[:40]), encoding="utf-8")
    done = ocdata_cli("add", str(source), env=env)
    assert done.returncode == 2
    assert done.stderr.startswith(f"ocdata: error: {source}:40: expected the narrative")
    assert not (tmp_path / "documents").exists()


def test_a_staging_copy_left_by_a_killed_add_is_removed(documents: Path, tmp_path: Path) -> None:
    documents.parent.mkdir(parents=True)
    stale = documents.parent / f".{documents.name}.staging-k1ll3d_x"
    stale.mkdir()
    (stale / "sources.yaml").write_text("documents: []\n", encoding="utf-8")
    (stale / STAGING_MARKER).write_text("ocdata add\n", encoding="utf-8")
    mine = documents.parent / f".{documents.name}.staging-backup"  # a folder of the user's, named alike
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious\n", encoding="utf-8")
    old = time.time() - STALE_SECONDS - 60
    for folder in (stale, mine):
        os.utime(folder, (old, old))
    add_document(new_profile_2021(tmp_path))
    assert not stale.exists()
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "precious\n"


def test_a_document_of_too_many_lines_is_refused_before_it_is_parsed(documents: Path, tmp_path: Path) -> None:
    source = new_profile_2021(tmp_path)
    source.write_text(source.read_text(encoding="utf-8") + "\n" * 250_000, encoding="utf-8")
    with pytest.raises(ParseError, match=r"expected a document of at most 200,000 lines, found 250,"):
        add_document(source)
    assert not documents.exists() or not any(documents.iterdir())
