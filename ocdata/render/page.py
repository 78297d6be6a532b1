"""A rendered report's outline: one h1, headings in order, and a table of contents built from its h2.

Runs on the HTML nbconvert made of the cells (a few regular expressions, no parser): every heading comes
from a markdown cell or one of our own fragments, whose text is already escaped.
"""

from __future__ import annotations

import html
import re

TOC_MIN_SECTIONS = 4
"""A report with at least this many h2 sections gets a table of contents."""

_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\sid\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def heading_text(inner: str) -> str:
    """A heading's text, without markup (still escaped)."""
    return " ".join(_TAG.sub("", inner).split())


def _slug(text: str, taken: set[str]) -> str:
    base = "s-" + ("-".join(re.findall(r"[a-z0-9]+", html.unescape(text).lower())) or "section")
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def outline_page(body: str, title: str = "") -> str:
    """``body`` (the rendered cells) with one h1 (``title`` when the cells have none; later h1 become h2),
    no heading more than one level below the one before it (an h4 under an h2 becomes an h3), an ``id``
    on every h2, and before the first h2 a table of contents when there are at least
    :data:`TOC_MIN_SECTIONS` of them."""
    taken: set[str] = set(_ID.findall(body))
    sections: list[tuple[str, str]] = []
    stack: list[tuple[int, int]] = []  # (level in the cells, level on the page) of the open headings
    state = {"h1": False}
    if title and not re.search(r"<h1[\s>]", body, re.IGNORECASE):
        body = f'<h1 class="oc-page-title">{html.escape(title)}</h1>\n{body}'

    def fix(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        if level == 1 and not state["h1"]:
            state["h1"], stack[:] = True, [(1, 1)]
        else:
            level = max(level, 2)
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = stack[-1][1] if stack else (1 if state["h1"] else 0)
            stack.append((level, parent + 1))
            level = parent + 1
            state["h1"] |= level == 1
        if level == 2:
            found = _ID.search(attrs)
            if found:
                anchor = found.group(1)
            else:
                anchor = _slug(heading_text(inner), taken)
                attrs = f' id="{anchor}"{attrs}'
            sections.append((anchor, heading_text(inner)))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING.sub(fix, body)
    if len(sections) >= TOC_MIN_SECTIONS:
        first = re.search(r"<h2[\s>]", body, re.IGNORECASE)
        if first:
            items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in sections)
            toc = (f'<nav class="oc-toc" aria-label="Contents"><p class="oc-toc-title">Contents</p>'
                   f"<ol>{items}</ol></nav>\n")
            body = body[: first.start()] + toc + body[first.start():]
    return body
