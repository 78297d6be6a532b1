"""The manifest: paths stay inside the documents folder, and every refusal names its line of ``sources.yaml``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docs import copy_raw

from ocdata.errors import InputError, ParseError
from ocdata.inputs.manifest import read_document, read_manifest

ENTRY = """documents:
  - id: doc
    file: {file}
    title: "A document"
    publisher: someone
    kind: {kind}
    edition: 2021
    countries: [KGZ]
    sha256: {sha}
"""
SHA = "ab" * 32


def manifest(folder: Path, *, file: str = "doc.txt", kind: str = "pdf_profile", sha: str = SHA,
             extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(ENTRY.format(file=file, kind=kind, sha=sha) + extra, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("file", "found"), [
    ("../outside.txt", "a path that leaves the folder '../outside.txt'"),
    ("sub/../../outside.txt", "a path that leaves the folder 'sub/../../outside.txt'"),
    ("/etc/hostname", "an absolute path '/etc/hostname'"),
    ("C:/data/doc.txt", "an absolute path 'C:/data/doc.txt'"),
])
def test_a_path_that_leaves_the_folder_is_refused_with_its_line(tmp_path: Path, file: str, found: str) -> None:
    raw = manifest(tmp_path / "raw", file=file)
    (tmp_path / "outside.txt").write_text("secret\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_manifest(raw)
    assert str(err.value) == (f"{raw / 'sources.yaml'}:3: expected the file of document 'doc' to be a relative "
                              f"path inside {raw}, found {found}")


def test_a_link_pointing_outside_is_refused(tmp_path: Path) -> None:
    raw = manifest(tmp_path / "raw", file="doc.txt")
    (tmp_path / "outside.txt").write_text("secret\n", encoding="utf-8")
    (raw / "doc.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(InputError, match=r"sources.yaml:3: .*found 'doc.txt', a link pointing outside the folder"):
        read_manifest(raw)


def test_a_link_inside_the_folder_is_fine(tmp_path: Path) -> None:
    raw = manifest(tmp_path / "raw", file="doc.txt")
    (raw / "real.txt").write_text("text\n", encoding="utf-8")
    (raw / "doc.txt").symlink_to("real.txt")
    assert list(read_manifest(raw)["file"]) == ["doc.txt"]


def test_read_document_checks_the_path_too(tmp_path: Path) -> None:
    raw = manifest(tmp_path / "raw", file="doc.txt")
    entry = read_manifest(raw).iloc[0].copy()
    entry["file"] = "../outside.txt"
    (tmp_path / "outside.txt").write_text("secret\n", encoding="utf-8")
    with pytest.raises(InputError, match="a path that leaves the folder"):
        read_document(raw, entry)


@pytest.mark.parametrize(("change", "line", "message"), [
    ({"kind": "poster"}, 6, "expected the kind of document 'doc' to be one of pdf_profile, web_profile, article, "
                            "found 'poster'"),
    ({"sha": "abc"}, 9, "expected sha256 of document 1 to be 64 hex digits, found 'abc'"),
])
def test_other_refusals_name_the_line(tmp_path: Path, change: dict, line: int, message: str) -> None:
    raw = manifest(tmp_path / "raw", **change)
    with pytest.raises(ParseError) as err:
        read_manifest(raw)
    assert str(err.value) == f"{raw / 'sources.yaml'}:{line}: {message}"


def test_a_missing_field_and_a_repeated_id_name_their_entry(tmp_path: Path) -> None:
    raw = manifest(tmp_path / "raw", extra="  - id: other\n    file: b.txt\n")
    with pytest.raises(ParseError, match=r"sources.yaml:10: expected the fields title, .* in document 2"):
        read_manifest(raw)
    again = ENTRY.format(file="b.txt", kind="pdf_profile", sha=SHA).split("\n", 1)[1]
    raw = manifest(tmp_path / "raw2", extra=again)
    with pytest.raises(ParseError, match=r"sources.yaml:10: expected unique document ids, found 'doc' twice"):
        read_manifest(raw)


def test_cli_build_refuses_a_path_outside_with_exit_2(tmp_path: Path) -> None:
    raw = copy_raw(tmp_path / "raw")
    text = (raw / "sources.yaml").read_text(encoding="utf-8")
    (raw / "sources.yaml").write_text(text.replace("file: kgz_2021_profile_pdf.txt", "file: ../outside.txt"),
                                      encoding="utf-8")
    line = text.split("\n").index("    file: kgz_2021_profile_pdf.txt") + 1
    (tmp_path / "outside.txt").write_text("secret\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ocdata", "build", "--raw", str(raw), "--out", str(tmp_path / "out"),
                           "--no-workbook"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == (f"ocdata: error: {raw / 'sources.yaml'}:{line}: expected the file of document "
                           f"'kgz_2021_pdf' to be a relative path inside {raw}, found a path that leaves the folder "
                           "'../outside.txt'\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["documents: " + "[" * 1000, "[" * 100_000,
                                  "documents:\n" + "".join(" " * (2 * k) + "- a:\n" for k in range(120))])
def test_a_manifest_nested_too_deep_is_one_line_before_any_yaml_parser_sees_it(tmp_path: Path, text: str) -> None:
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match=r"sources\.yaml: expected YAML nested at most 50 levels, found deeper"):
        read_manifest(tmp_path)
    from ocdata.fingerprint import describe_inputs

    assert describe_inputs([tmp_path], None)[0]["documents"] == []  # no crash of the C loader: the build says why
