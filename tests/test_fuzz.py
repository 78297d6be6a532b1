"""Property-based fuzzing: mutated copies of the five bundled documents, through the parsers and the build.

Each example takes one real document and applies a few mutations (lines deleted, duplicated or
swapped, numbers changed, random text or bytes inserted, the file cut short). Every outcome must be
a parse whose rows point at lines that print them, or an ``OcdataError`` whose message names the
file (and a line inside it) and says what was expected and what was found. Anything else (another
exception, a warning, a hang) fails the test.

CI runs a few dozen examples per document, derandomized so that every run is the same;
``make fuzz`` sets ``OCDATA_FUZZ_EXAMPLES=2000`` for a longer run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from docs import RAW, copy_raw, rewrite
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ocdata.build import PARSERS, build, describe_check
from ocdata.errors import OcdataError
from ocdata.inputs.manifest import Document, read_document, read_manifest
from ocdata.numbers import parse_glued
from ocdata.parse.common import Parsed, clean, split_lines

EXAMPLES = int(os.environ.get("OCDATA_FUZZ_EXAMPLES", "50"))
BUILD_EXAMPLES = max(EXAMPLES // 4, 25)  # a build parses all five documents: fewer, longer examples
TIMEOUT_S = 30  # one example that runs longer than this has hung

MANIFEST = read_manifest(RAW)
ENTRIES = {entry["file"]: entry for _, entry in MANIFEST.iterrows()}
FILES = list(ENTRIES)
ORIGINAL = {file: (RAW / file).read_bytes() for file in FILES}

fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
fuzz_build = settings(fuzz, max_examples=BUILD_EXAMPLES)

# Mutations: indices are taken modulo the current number of lines, so every drawn list applies.
INDEX = st.integers(min_value=0, max_value=10_000)
NUMBERS = st.one_of(
    st.sampled_from(["0", "0.00", "1", "1.00", "10.00", "10.50", "11.00", "7.25", "4.33", "-0.50", "0.180.18",
                     "n/a", "", "1,000", "10, 914", "999999999", "1e3", "2O23", "٣.٥٠"]),
    st.decimals(min_value=-20, max_value=120, places=2, allow_nan=False).map(str),
    st.integers(min_value=0, max_value=10**7).map(str),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
MUTATION = st.one_of(
    st.tuples(st.just("delete"), INDEX),
    st.tuples(st.just("duplicate"), INDEX, INDEX),
    st.tuples(st.just("swap"), INDEX, INDEX),
    st.tuples(st.just("number"), INDEX, INDEX, NUMBERS),
    st.tuples(st.just("text"), INDEX, INDEX, TEXT),
    st.tuples(st.just("bytes"), INDEX, INDEX, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("cut"), INDEX),
)
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)
NUMBER = re.compile(rb"\d+(?:[.,]\s?\d+)*")


def mutate(data: bytes, mutations: list[tuple]) -> bytes:
    """Apply mutations, in order, to a document's bytes."""
    lines = data.split(b"\n")
    for op, *args in mutations:
        n = len(lines)
        if op == "delete" and n > 1:
            del lines[args[0] % n]
        elif op == "duplicate":
            lines.insert(args[1] % (n + 1), lines[args[0] % n])
        elif op == "swap":
            i, j = args[0] % n, args[1] % n
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "number":
            with_numbers = [k for k, line in enumerate(lines) if NUMBER.search(line)]
            if with_numbers:
                k = with_numbers[args[0] % len(with_numbers)]
                found = list(NUMBER.finditer(lines[k]))
                m = found[args[1] % len(found)]
                lines[k] = lines[k][: m.start()] + args[2].encode("utf-8") + lines[k][m.end():]
        elif op in ("text", "bytes"):
            i = args[0] % n
            insert = args[2].encode("utf-8") if op == "text" else args[2]
            pos = args[1] % (len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + insert + lines[i][pos:]
        elif op == "cut":
            whole = b"\n".join(lines)
            lines = whole[: args[0] * len(whole) // 10_000].split(b"\n")
    return b"\n".join(lines)


@contextlib.contextmanager
def strict(timeout: int = TIMEOUT_S) -> Iterator[None]:
    """Warnings are failures, and so is running longer than ``timeout`` seconds (a hang)."""

    def hung(signum, frame):
        raise TimeoutError(f"no outcome after {timeout} s: the parser hangs")

    alarm = hasattr(signal, "SIGALRM")  # not on Windows: there a hang shows as a stuck test run
    previous = signal.signal(signal.SIGALRM, hung) if alarm else None
    if alarm:
        signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        if alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def assert_good_error(exc: OcdataError, file: str, n_lines: int) -> None:
    """One line that names the file (and a line inside it) and says what was expected and found."""
    event(f"{type(exc).__name__}: {exc.detail[:40]}")
    message = str(exc)
    assert "\n" not in message, message
    assert exc.file is not None and Path(exc.file).name == file, message
    assert exc.line is None or 1 <= exc.line <= n_lines, message
    assert re.search(r"\bexpected\b.*\bfound\b", exc.detail), message
    where = exc.file if exc.line is None else f"{exc.file}:{exc.line}"
    assert message.startswith(f"{where}: "), message


def ascii_digits(text: str) -> str:
    """Digits of any script as 0-9 (the parsers' ``\\d`` reads ``٣.٥٠`` as 3.50, and that is fine)."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def assert_rows_point_at_their_lines(parsed: Parsed, doc: Document) -> None:
    """Every row read from a document carries its manifest country and edition and a line that prints it."""
    lines = split_lines("\n".join(doc.lines))  # a lone CR ends a line for the parsers
    for row in parsed.values:
        assert row["iso3"] in doc.countries and row["edition"] == doc.edition, row
        text = clean(lines[row["line"] - 1])
        assert f"{row['score']:.2f}" in ascii_digits(text), (row, text)
        if doc.kind == "web_profile":
            assert parse_glued(text) == (row["score"], row["change"]), (row, text)
    for row in parsed.ranks:
        assert row["iso3"] in doc.countries and row["edition"] == doc.edition, row
        ordinal = rf"(?<![\d.,]){row['rank']}(?:st|nd|rd|th) of {row['total']}\b"
        assert re.search(ordinal, ascii_digits(clean(lines[row["line"] - 1]))), row
    for row in parsed.narratives:
        assert row["iso3"] in doc.countries and row["edition"] == doc.edition, row
        assert row["text"].startswith(clean(lines[row["line"] - 1])), row
    for row in parsed.series:
        assert row["iso3"] in doc.countries, row
        digits = re.sub(r"[,\s]", "", ascii_digits(lines[row["line"] - 1]))
        assert str(int(row["value"])) in digits, row
    for row in parsed.definitions + parsed.profiles + parsed.claims:
        assert 1 <= row["line"] <= len(lines), row


def read_mutated(folder: Path, file: str, data: bytes) -> Document:
    """Read mutated bytes as the build would, with the manifest's checksum brought up to date."""
    (folder / file).write_bytes(data)
    entry = ENTRIES[file].copy()
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    return read_document(folder, entry)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("file", FILES)
def test_the_real_documents_pass_the_properties(file, folder):
    doc = read_mutated(folder, file, ORIGINAL[file])
    with strict():
        parsed = PARSERS[doc.kind](doc)
    assert parsed.values or parsed.series
    assert_rows_point_at_their_lines(parsed, doc)


@pytest.mark.parametrize("file", FILES)
@fuzz
@given(mutations=MUTATIONS)
def test_parsers_read_or_refuse_mutated_documents(file, folder, mutations):
    data = mutate(ORIGINAL[file], mutations)
    n_lines = len(split_lines(data.decode("utf-8", errors="replace")))  # no fewer than the LF lines
    try:
        with strict():
            doc = read_mutated(folder, file, data)
            parsed = PARSERS[doc.kind](doc)
    except OcdataError as exc:
        assert_good_error(exc, file, n_lines)
        return
    event("parsed")
    assert_rows_point_at_their_lines(parsed, doc)


@pytest.mark.parametrize("file", FILES)
@fuzz
@given(lines=st.lists(st.one_of(TEXT, st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace"))),
                      max_size=30))
def test_parsers_read_or_refuse_random_text(file, lines):
    entry = ENTRIES[file]
    edition = None if pd.isna(entry["edition"]) else int(entry["edition"])
    text = "\n".join(lines)
    doc = Document(entry["id"], file, entry["kind"], edition, tuple(entry["countries"].split()),
                   tuple(text.split("\n")))
    try:
        with strict():
            parsed = PARSERS[doc.kind](doc)
    except OcdataError as exc:
        assert_good_error(exc, file, len(split_lines(text)))
        return
    event("parsed")
    assert_rows_point_at_their_lines(parsed, doc)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return copy_raw(tmp_path_factory.mktemp("fuzz-build") / "raw")


@pytest.mark.parametrize("file", FILES)
@fuzz_build
@given(mutations=MUTATIONS)
@example(mutations=[("bytes", 0, 0, b"\r")])  # a CR at the very start (once counted as a line by this test)
def test_build_of_a_mutated_document_validates_or_refuses(file, raw, mutations):
    """The whole build (parse, normalize, validate): a failed check is recorded with its file, never raised
    as anything but an OcdataError."""
    for other in FILES:  # the previous example changed another document
        if (raw / other).read_bytes() != ORIGINAL[other]:
            rewrite(raw, other, ORIGINAL[other])
    data = mutate(ORIGINAL[file], mutations)
    rewrite(raw, file, data)
    try:
        with strict():
            data_set = build(raw)
    except OcdataError as exc:
        message = str(exc)
        event(f"{type(exc).__name__}: {exc.detail[:40]}")
        assert "\n" not in message and re.search(r"\bexpected\b.*\bfound\b", message), message
        assert exc.file is not None and Path(exc.file).name in FILES, message
        return
    event("built" if data_set.failed.empty else "built, with failed checks")
    files = dict(zip(data_set.sources["id"], data_set.sources["file"], strict=True))
    for _, check in data_set.failed.iterrows():
        line = describe_check(check, data_set.sources)
        assert pd.notna(check["source"]), f"a failed check names no document: {line}"
        assert all(s in files for s in str(check["source"]).split(";")), line
        assert re.match(r"^[\w.-]+\.txt(:\d+)?: \w+ on .+: expected .+, found .+$", line), line
    scores = data_set.scores
    assert not scores.duplicated(["iso3", "edition", "indicator"]).any()
    reported = scores[scores["origin"] == "reported"]
    for row in reported.itertuples():  # every reported score is printed on the line it cites
        text = split_lines((raw / files[row.source]).read_bytes().decode("utf-8-sig"))[row.line - 1]
        assert f"{row.score:.2f}" in ascii_digits(clean(text)), (row, text)


LINE_ENDS = {
    "CRLF": lambda text: text.replace("\n", "\r\n"),
    "CR at the start": lambda text: "\r" + text,
    "CRLF and a CR at the start": lambda text: "\r" + text.replace("\n", "\r\n"),
    "CR at the start of every line": lambda text: "\r" + text.replace("\n", "\n\r"),
    "CR only": lambda text: text.replace("\n", "\r"),
    "CRLF and LF mixed": lambda text: "".join(line + ("\r\n" if i % 2 else "\n")
                                              for i, line in enumerate(text.split("\n")[:-1])) + text.split("\n")[-1],
}


@pytest.mark.parametrize("ends", sorted(LINE_ENDS))
@pytest.mark.parametrize("file", FILES)
def test_line_ends_do_not_change_what_is_read(file, ends, folder):
    """CRLF, lone CR and a stray CR at the start of a line: the same rows, values and line numbers as LF."""
    original = PARSERS[ENTRIES[file]["kind"]](read_mutated(folder, file, ORIGINAL[file]))
    data = LINE_ENDS[ends](ORIGINAL[file].decode("utf-8")).encode("utf-8")
    assert data != ORIGINAL[file]
    doc = read_mutated(folder, file, data)
    assert PARSERS[doc.kind](doc) == original
    assert_rows_point_at_their_lines(original, doc)


@pytest.mark.parametrize(("text", "lines"), [
    ("a\nb", ["a", "b"]), ("a\r\nb\r\n", ["a", "b", ""]), ("a\rb", ["a", "b"]), ("a\r\rb", ["a", "", "b"]),
    ("\ra\n\rb", ["a", "b"]), ("a\n\r\nb", ["a", "", "b"]), ("a\r\r\nb", ["a", "b"]), ("\r", [""]),
    ("a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g", ["a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g"]),
])
def test_split_lines_ends_lines_at_lf_crlf_and_a_lone_cr_only(text, lines):
    assert split_lines(text) == lines
    assert split_lines("\n".join(line.rstrip("\r") for line in text.split("\n"))) == lines  # the manifest's split


def test_a_document_with_crlf_keeps_its_checksum_check(folder):
    """The bytes are checked against the manifest as they are; only the reading is indifferent to line ends."""
    file = FILES[0]
    (folder / file).write_bytes(ORIGINAL[file].replace(b"\n", b"\r\n"))
    with pytest.raises(OcdataError, match="record the new checksum"):
        read_document(folder, ENTRIES[file])
