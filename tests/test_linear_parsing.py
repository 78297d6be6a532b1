"""Parsing costs time in proportion to a line's length: no pattern backtracks, and a line too long is refused.

Each parser, the kind detector and ``ocdata add`` get adversarial lines (runs of spaces, tabs, digits, ``4.33``,
``4.330.18``, dots, commas, letters after the prefixes the patterns look for) of a length L and 8L. Only the
ratio of the two times is compared (the minimum of a few repeats, measured again before a failure is
reported): linear work gives about 8, a pattern that backtracks over the line gives 64. Patterns are also
checked for what makes backtracking possible at all: an unbounded repeat that may give characters back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from docs import document, real_lines

from ocdata import numbers
from ocdata.errors import ParameterError, ParseError
from ocdata.inputs import detect
from ocdata.inputs.documents import add_document
from ocdata.parse import article, common, pdf_profile, web_profile
from ocdata.parse.article import load_article_rules, parse_article, rule_pattern
from ocdata.parse.common import MAX_LINE_CHARS, NarrativeBuilder
from ocdata.parse.pdf_profile import _headline_patterns, parse_pdf_profile
from ocdata.parse.web_profile import parse_web_profile

FACTOR = 8
LIMIT = 20  # linear: about 8; quadratic: 64
FILLERS = (" ", "\t", "1", "4.33", "4.330.18", ".", ",", "1, ", "a ", "A ")


def _best(work: Callable[[str], object], text: str, loops: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            work(text)
        best = min(best, time.perf_counter() - start)
    return best


def growth(work: Callable[[str], object], make: Callable[[int], str], length: int) -> float:
    """Time of ``work(make(FACTOR * length))`` over that of ``work(make(length))``: one quick measurement, or if
    that is not clearly linear the smallest of three more, each the best of three runs (a busy machine slows one
    run, not every run)."""
    small, large = make(length), make(FACTOR * length)
    loops = 1
    while _best(work, small, loops, repeats=1) < 0.0005 and loops < 4096:  # long enough to time
        loops *= 4
    ratios = [_best(work, large, loops, repeats=1) / _best(work, small, loops, repeats=1)]
    while ratios[-1] >= LIMIT / 2 and len(ratios) < 4:  # not clearly linear: measure with care
        ratios.append(_best(work, large, loops) / _best(work, small, loops))
    return min(ratios)


def filled(prefix: str, filler: str, suffix: str = "x") -> Callable[[int], str]:
    """A line of at most ``n`` characters (and nearly ``n``): ``prefix``, ``filler`` repeated, ``suffix``."""
    return lambda n: prefix + filler * max(1, (n - len(prefix) - len(suffix)) // len(filler)) + suffix


def swallow(parse: Callable[[str], object]) -> Callable[[str], object]:
    """``parse``, with a refusal counted as an outcome (the time to refuse is measured too)."""

    def run(text: str) -> object:
        try:
            return parse(text)
        except (ParseError, ParameterError) as exc:
            return exc

    return run


# --- every pattern, directly, on lines far longer than a document may hold ---------------------------------

def _module_patterns() -> dict[str, re.Pattern]:
    found = {}
    for module in (common, pdf_profile, web_profile, article, detect):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] = value
    inline, label = _headline_patterns()
    found["pdf_profile.headline_inline"], found["pdf_profile.headline_label"] = inline, label
    rules = load_article_rules()
    for kind in ("figures", "claims"):
        for i, rule in enumerate(rules[kind]):
            found[f"article.yaml {kind}[{i}]"] = rule_pattern(rule["pattern"])
    return found


PATTERNS = _module_patterns()
PREFIXES = {  # what a line must start with to reach a pattern's repeats, beyond its leading literal text
    "pdf_profile.VALUE_LINE": ("A",), "pdf_profile.headline_inline": ("5.33",),
    "common.RANK_IN_LINE": ("1st of ", "1st of 2 A", "1st of 2 countries in A"),
    "web_profile.RANK_LINE": ("1st of ", "1st of 2 countries in A"),
    "article.LETTERED": ("A)", "A) A"), "article.YEAR_ITEM": ("1990-2006:",),
}


def _lead(pattern: re.Pattern) -> str:
    """The literal text a pattern starts with (what a line must start with to reach its first repeat)."""
    from re import _constants as c
    from re import _parser

    text = ""
    for op, arg in _parser.parse(pattern.pattern, pattern.flags):
        if op != c.LITERAL:
            break
        text += chr(arg)
    return text


def _walk(tree, inside_atomic: bool = False):
    """Every backtracking unbounded repeat of a parsed pattern (``re._parser``'s tree)."""
    from re import _constants as c

    for op, arg in tree:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            _, high, body = arg
            if high == c.MAXREPEAT and not inside_atomic:
                yield op, body
            yield from _walk(body, inside_atomic)
        elif op == c.POSSESSIVE_REPEAT:
            yield from _walk(arg[2], inside_atomic)
        elif op == c.ATOMIC_GROUP:
            yield from _walk(arg, True)
        elif op == c.SUBPATTERN:
            yield from _walk(arg[3], inside_atomic)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            yield from _walk(arg[1], inside_atomic)
        elif op == c.BRANCH:
            for branch in arg[1]:
                yield from _walk(branch, inside_atomic)
        elif op == c.GROUPREF_EXISTS:
            for branch in arg[1:]:
                if branch is not None:
                    yield from _walk(branch, inside_atomic)


def test_the_patterns_are_the_parsers_and_the_articles():
    assert {"pdf_profile.VALUE_LINE", "common.RANK_IN_LINE", "web_profile.RANK_LINE", "article.YEAR_ITEM",
            "article.LETTERED", "article.yaml figures[0]", "article.yaml claims[0]"} <= set(PATTERNS)
    assert len([name for name in PATTERNS if name.startswith("article.yaml")]) == 17


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_pattern_can_give_back_what_a_repeat_took(name):
    """A greedy or lazy unbounded repeat (``+``, ``*``, ``+?``) outside an atomic group is what lets a pattern
    try a run of characters again from every split point; each one here is possessive (``++``, ``*+``)."""
    from re import _parser

    loose = list(_walk(_parser.parse(PATTERNS[name].pattern, PATTERNS[name].flags)))
    assert loose == [], f"{name}: {PATTERNS[name].pattern}"


def test_the_check_finds_the_repeats_that_backtrack():
    from re import _parser

    for pattern in (r"^(?P<label>[A-Z][A-Z ]*?)\s+(?P<score>\d\.\d\d)$", r"(?P<value>[\d,]+) cases", r"a(?:b|c*)d"):
        assert list(_walk(_parser.parse(pattern))), pattern
    for pattern in (r"a++b", r"(?>a+)b", r"a{1,3}b", r"(?<!\d)\d++ cases"):
        assert not list(_walk(_parser.parse(pattern))), pattern


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_each_pattern_is_linear_on_adversarial_lines(name):
    pattern = PATTERNS[name]
    for prefix in dict.fromkeys(["", _lead(pattern), *PREFIXES.get(name, ())]):
        for filler in FILLERS:  # from 8,000 characters, past the step where a line outgrows the fastest cache
            ratio = growth(lambda s: list(pattern.finditer(s)), filled(prefix, filler), 8_000)
            assert ratio < LIMIT, f"{name} on {prefix!r} + {filler!r} * n: {ratio:.1f} times slower at 8x the length"


def test_the_quadratic_patterns_of_before_are_caught():
    """The ratio tells a pattern that backtracks from one that does not (the PDF value line before)."""
    before = re.compile(r"^(?P<label>[A-Z][A-Z&,\- ]*?)\s+(?P<score>\d{1,2}\.\d{2})$")
    assert growth(lambda s: before.match(s), filled("A", " ", "X"), 500) > LIMIT
    assert growth(lambda s: pdf_profile.VALUE_LINE.match(s), filled("A", " ", "X"), 8_000) < LIMIT


@pytest.mark.parametrize("work", [lambda s: numbers.parse_glued(s), lambda s: list(numbers.COUNT.finditer(s))],
                         ids=["parse_glued", "COUNT"])
@pytest.mark.parametrize("filler", FILLERS)
def test_the_number_patterns_the_parsers_use_are_linear(work, filler):
    for prefix in ("", "4.33", "1,000"):
        assert growth(work, filled(prefix, filler), 2_000) < LIMIT


# --- the patterns keep reading what they read ------------------------------------------------------------------

@pytest.mark.parametrize(("line", "label", "score"), [
    ("HUMAN TRAFFICKING\t6.50", "HUMAN TRAFFICKING", "6.50"),
    ("NON-RENEWABLE RESOURCE CRIMES   4.00", "NON-RENEWABLE RESOURCE CRIMES", "4.00"),
    ("TRADE IN COUNTERFEIT GOODS \t 5.50", "TRADE IN COUNTERFEIT GOODS", "5.50"),
    ("A  B 1.00", "A  B", "1.00"),
    ("A 10.00", "A", "10.00"),
])
def test_value_line_reads_label_and_score(line, label, score):
    match = pdf_profile.VALUE_LINE.match(line)
    assert (match["label"], match["score"]) == (label, score)


@pytest.mark.parametrize("line", ["A", "A 1.0", "a 1.00", "A1.00", "A 1.00 ", "A 1.00x", "A\t \t", " A 1.00"])
def test_value_line_refuses_what_is_no_score_line(line):
    assert pdf_profile.VALUE_LINE.match(line) is None


@pytest.mark.parametrize(("line", "found"), [
    ("72nd of 193 countries", [("72", "193", None, None)]),
    ("23rd of 46 Asian countries 5.25", [("23", "46", "Asian", None)]),
    ("2nd of 8 Central Asian and Caucasian countries", [("2", "8", "Central Asian and Caucasian", None)]),
    ("2nd of 8 countries in Central Asia and the Caucasus  3rd of 9 countries",
     [("2", "8", None, "Central Asia and the Caucasus"), ("3", "9", None, None)]),
    ("1st of 2 Asian  countries", [("1", "2", "Asian", None)]),
    ("1st of 2 countries in Asia2", []),
    ("1st of 2 countries and more", []),
    ("11st of 2 countries", [("11", "2", None, None)]),
    ("1.1st of 2 countries", []),
])
def test_rank_in_line_reads_what_it_read(line, found):
    got = [(m["rank"], m["total"], m["adjective"], m["name"]) for m in common.RANK_IN_LINE.finditer(line)]
    assert got == found


@pytest.mark.parametrize(("line", "name", "move"), [
    ("72nd of 193 countries", None, None),
    ("72nd of 193 countries 5", None, "5"),
    ("23rd of 46 countries in Asia -2", "Asia", "-2"),
    ("2nd of 8 countries in Central Asia and the Caucasus\t0", "Central Asia and the Caucasus", "0"),
    ("2nd of 8 countries in Asia 5 x", "Asia 5 x", None),
    ("2nd of 8 countries in Asia ", "Asia ", None),
    ("2nd of 8 countries in 5", "5", None),
])
def test_rank_line_reads_name_and_move(line, name, move):
    match = web_profile.RANK_LINE.match(line)
    assert (match["name"], match["move"]) == (name, move)


def test_article_number_groups_read_the_same_numbers():
    line = "Of 10,423 criminal cases initiated in 2006, 9,876 cases were considered before the court."
    rules = {rule["series"]: rule["pattern"] for rule in load_article_rules()["figures"]}
    for series, value in (("drug_criminal_cases_initiated", "10,423"), ("drug_cases_before_court", "9,876")):
        assert re.search(rules[series], line)["value"] == rule_pattern(rules[series]).search(line)["value"] == value
    assert article.YEAR_ITEM.fullmatch("1990-2006: 10, 914 in 1999")["value"] == "10, 914"
    assert [m["name"] for m in article.LETTERED.finditer("A) Smuggling: 410 in 2005; B)  Storage : 1 in 2006")] == [
        "Smuggling", "Storage "]


# --- the parsers, the kind detector and ``ocdata add`` on a line of a document --------------------------------

PDF_HEAD = "KAZAKHSTAN\n"
LINE_PREFIXES = ("", "A", "5.33", "1st of 2 A", "1st of 2 countries in A", "Drug Related Crimes in Kazakhstan: ",
                 "Main Drug Related Crimes Registered in Kazakhstan: A) ", "Of ")
LENGTH = MAX_LINE_CHARS // FACTOR  # the longer line is as long as a document's line may be


def _pdf(line: str):
    return parse_pdf_profile(document(PDF_HEAD + line, kind="pdf_profile", edition=2023, countries=("KAZ",)))


def _web(line: str):
    return parse_web_profile(document("Criminal markets\n4.330.18\n" + line, kind="web_profile", edition=2023,
                                      countries=("KAZ",)))


def _article(line: str):
    return parse_article(document(line, kind="article", edition=None, countries=("KAZ",)))


def _detect(line: str):
    lines = [PDF_HEAD.strip(), line, "Criminal markets", line]
    return detect.detect_kind(lines), detect.detect_edition("pdf_profile", lines), detect.detect_countries(lines)


PARSERS = {"pdf profile": _pdf, "web profile": _web, "article": _article, "detector": _detect}


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_each_parser_is_linear_in_a_lines_length(parser):
    for prefix in LINE_PREFIXES:
        for filler in FILLERS:
            assert len(filled(prefix, filler)(FACTOR * LENGTH)) <= MAX_LINE_CHARS  # read, not refused for its length
            ratio = growth(swallow(PARSERS[parser]), filled(prefix, filler), LENGTH)
            assert ratio < LIMIT, f"{parser} on {prefix!r} + {filler!r} * n: {ratio:.1f} times slower at 8x"


NARRATIVE_FILLERS = (" ", "1", "4.33", "a ", "A ", ". ")


@pytest.mark.parametrize("file", ["kaz_2023_profile_pdf.txt", "kaz_kgz_2023_profiles_web.txt"])
def test_a_long_narrative_line_costs_its_length(file):
    """A line in the narrative, after every score of a real profile, goes through the keyword matching too."""
    lines = real_lines(file)
    countries = ("KAZ",) if "pdf" in file else ("KAZ", "KGZ")
    parse = parse_pdf_profile if "pdf" in file else parse_web_profile
    kind = "pdf_profile" if "pdf" in file else "web_profile"

    def run(line: str):
        body = "\n".join([*lines[:-3], line, *lines[-3:]])
        return parse(document(body, kind=kind, edition=2023, countries=countries))

    for filler in NARRATIVE_FILLERS:
        assert growth(swallow(run), filled("The trade in heroin ", filler, "."), LENGTH) < LIMIT


def test_a_paragraph_over_many_lines_costs_its_length():
    """A paragraph a page break (or a hostile file) split over many lines is joined once, not once per line."""

    def run(text: str):
        builder = NarrativeBuilder("KAZ", 2023)
        for number, line in enumerate(text.split("\n"), start=1):
            builder.paragraph(line, number)
        return builder.rows

    rows = run("Human trafficking is common\nacross the border.\nDrugs\nand more.")
    assert [row["text"] for row in rows] == ["Human trafficking is common across the border.", "Drugs and more."]
    assert [row["line"] for row in rows] == [1, 3]
    assert growth(run, lambda n: "Human trafficking" + "\nand more words of it" * (n // 20), 10_000) < LIMIT


def test_ocdata_add_is_linear_in_a_lines_length(tmp_path: Path):
    """The add path: detection (kind, edition, countries) and the parse at once, on the user's file."""
    path = tmp_path / "incoming.txt"

    def add(text: str, **given):
        path.write_text(text, encoding="utf-8")
        return swallow(lambda _: add_document(path, folder=tmp_path / "documents", **given))(text)

    for filler in (" ", "1", "4.330.18", "a "):
        make = filled(PDF_HEAD + "A", filler, "X")
        assert growth(add, make, LENGTH) < LIMIT
        assert growth(lambda t: add(t, kind="pdf_profile", edition=2023, countries=["KAZ"]), make, LENGTH) < LIMIT


# --- the cap on a line's length ----------------------------------------------------------------------------

LONG = "A" + " " * 100_000 + "X"


@pytest.mark.parametrize("parser", ["pdf profile", "web profile", "article"])
def test_a_line_longer_than_the_cap_is_refused_by_file_and_line(parser):
    with pytest.raises(ParseError) as caught:
        PARSERS[parser](LONG)
    line = {"pdf profile": 2, "web profile": 3, "article": 1}[parser]
    assert str(caught.value) == (f"doc.txt:{line}: expected a line of at most {MAX_LINE_CHARS:,} characters, "
                                 f"found {len(LONG):,}")


def test_a_line_at_the_cap_is_read():
    with pytest.raises(ParseError, match="expected a score, rank or heading"):
        _pdf("A" * MAX_LINE_CHARS)
    with pytest.raises(ParseError, match=f"at most {MAX_LINE_CHARS:,} characters, found {MAX_LINE_CHARS + 1:,}"):
        _pdf("A" * (MAX_LINE_CHARS + 1))


def test_the_cap_is_far_above_every_real_line():
    longest = max(len(line) for file in ("kaz_2023_profile_pdf.txt", "kaz_crime_background_article.txt",
                                         "kaz_kgz_2023_profiles_web.txt", "kgz_2021_profile_pdf.txt",
                                         "kgz_2025_profile_web.txt") for line in real_lines(file))
    assert 1_000 < longest < MAX_LINE_CHARS // 5


def test_the_detector_leaves_a_long_line_to_the_parser():
    lines = real_lines("kgz_2021_profile_pdf.txt")
    assert detect.detect_kind([*lines, LONG]) == detect.detect_kind(lines) == "pdf_profile"
    assert detect.detect_countries([LONG.replace(" ", "")]) == []


def test_ocdata_add_refuses_the_long_line_by_the_users_file_and_line(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("KAZAKHSTAN\n" + LONG + "\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        add_document(path, kind="pdf_profile", edition=2023, countries=["KAZ"], folder=tmp_path / "documents")
    assert str(caught.value) == f"{path}:2: expected a line of at most 10,000 characters, found 100,002"
    assert not (tmp_path / "documents").exists()
