"""The HTML templates of ``ocdata/templates``: one autoescaping Jinja2 environment and the one
Content-Security-Policy every page carries (the reports through nbconvert, the index directly).

Text from documents reaches pages only through these templates, so every piece of it is escaped.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
       "form-action 'none'")
"""Every page's Content-Security-Policy: no script, no request; inline styles, data: images and fonts."""


def escape(value: Any) -> str:
    """Text made safe for HTML, quotes included; missing values (None, NaN, NA) become an en dash."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return "–"
    return html.escape(str(value), quote=True)


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or str(value) == "<NA>"
    except (TypeError, ValueError):
        return False


def _finalize(value: Any) -> Any:
    """What ``{{ value }}`` prints: markup as it is, anything else through :func:`escape`."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else Markup(escape(value))


@cache
def environment():
    """The Jinja2 environment of our own templates: autoescaping (every ``{{ value }}`` goes through
    :func:`escape`), no stray whitespace around block tags."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, finalize=_finalize,
                             undefined=jinja2.StrictUndefined)
    from markupsafe import Markup

    env.globals["csp"] = Markup(CSP)  # a constant with no double quote: safe inside content="..."
    return env


def render(name: str, **context: Any) -> str:
    """Template ``name`` (a path under ``ocdata/templates``) filled with ``context``."""
    return environment().get_template(name).render(**context)
