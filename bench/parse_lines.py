"""How parsing time grows with a line's length: each pattern, parser and the kind detector on adversarial lines of
length L and 8L, as the ratio of the two times (linear: about 8; a pattern that backtracks: about 64).

    python bench/parse_lines.py [L]

The patterns are timed at L = 8,000 by default (they have no cap); the parsers at 1,250 and 10,000 characters,
the longest line a document may have. ``before`` rows time the patterns the PDF value line and the article's
figures had before they were made possessive, for comparison (on a shorter line: they take seconds).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable

from ocdata.errors import OcdataError
from ocdata.inputs import detect
from ocdata.inputs.manifest import Document
from ocdata.parse.article import YEAR_ITEM, load_article_rules, parse_article, rule_pattern
from ocdata.parse.common import MAX_LINE_CHARS, RANK_IN_LINE
from ocdata.parse.pdf_profile import VALUE_LINE, parse_pdf_profile
from ocdata.parse.web_profile import RANK_LINE, parse_web_profile

FACTOR = 8


def best(work: Callable[[str], object], text: str, loops: int, repeats: int = 5) -> float:
    """The smallest time of ``repeats`` runs of ``loops`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            work(text)
        times.append(time.perf_counter() - start)
    return min(times)


def ratio(work: Callable[[str], object], make: Callable[[int], str], length: int) -> tuple[float, float, float]:
    """Seconds per call at ``length`` and ``FACTOR * length``, and their ratio."""
    small, large = make(length), make(FACTOR * length)
    loops = 1
    while best(work, small, loops, 1) < 0.002 and loops < 4096:
        loops *= 2
    a, b = best(work, small, loops) / loops, best(work, large, loops) / loops
    return a, b, b / a


def refused(parse: Callable[[str], object]) -> Callable[[str], object]:
    def run(text: str) -> object:
        try:
            return parse(text)
        except OcdataError as exc:
            return exc
    return run


def doc(text: str, kind: str, edition: int | None) -> Document:
    return Document("bench", "bench.txt", kind, edition, ("KAZ",), tuple(text.split("\n")))


def main(argv: list[str]) -> int:
    length = int(argv[0]) if argv else 8_000
    short = MAX_LINE_CHARS // FACTOR
    cases_by_rule = load_article_rules()["figures"]
    cases_rule = next(r["pattern"] for r in cases_by_rule if r["pattern"].startswith("(?P<value>[\\d,]+) cases"))
    rows: list[tuple[str, str, Callable, Callable, int]] = [
        ("pattern", "PDF value line, 'A' + spaces + 'X'", lambda s: VALUE_LINE.match(s),
         lambda n: "A" + " " * n + "X", length),
        ("pattern", "rank in a line, a name + spaces + 'x'", lambda s: list(RANK_IN_LINE.finditer(s)),
         lambda n: "1st of 2 countries in A" + " " * n + "x", length),
        ("pattern", "web rank line, a name + spaces + 'x'", lambda s: RANK_LINE.match(s),
         lambda n: "1st of 2 countries in " + " " * n + "x", length),
        ("pattern", "article yearly item, digits", lambda s: YEAR_ITEM.fullmatch(s), lambda n: "1" * n, length),
        ("pattern", "article figure '... cases were ...', digits", lambda s: list(rule_pattern(cases_rule).finditer(s)),
         lambda n: "1" * n, length),
        ("before", "PDF value line, 'A' + spaces + 'X'",
         lambda s: re.match(r"^(?P<label>[A-Z][A-Z&,\- ]*?)\s+(?P<score>\d{1,2}\.\d{2})$", s),
         lambda n: "A" + " " * n + "X", 500),
        ("before", "article figure '... cases were ...', digits", lambda s: list(re.finditer(cases_rule, s)),
         lambda n: "1" * n, 500),
        ("parser", "PDF profile, 'A' + spaces + 'X'",
         refused(lambda s: parse_pdf_profile(doc("KAZAKHSTAN\n" + s, "pdf_profile", 2023))),
         lambda n: "A" + " " * (n - 2) + "X", short),
        ("parser", "web profile, a rank line + spaces",
         refused(lambda s: parse_web_profile(doc("Criminal markets\n4.330.18\n" + s, "web_profile", 2023))),
         lambda n: "1st of 2 countries in A" + " " * (n - 24) + "x", short),
        ("parser", "article, a yearly list of digits",
         refused(lambda s: parse_article(doc("Drug Related Crimes in Kazakhstan: " + s, "article", None))),
         lambda n: "1" * (n - 36) + ".", short),
        ("parser", "kind detector, 'A' + spaces + 'X'",
         lambda s: detect.detect_kind(["KAZAKHSTAN", s]), lambda n: "A" + " " * (n - 2) + "X", short),
    ]
    print(f"{'':8} {'line':48} {'L':>7} {'s at L':>10} {'s at 8L':>10} {'ratio':>6}")
    for group, name, work, make, n in rows:
        a, b, r = ratio(work, make, n)
        print(f"{group:8} {name:48} {n:7,} {a:10.2e} {b:10.2e} {r:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
