"""The exceptions ocdata raises: one hierarchy, messages shaped ``file:line: expected ..., found ...``."""

from __future__ import annotations

from pathlib import Path


def one_line(text: str) -> str:
    """``text`` with every control character (newline, tab, escape, ...) written as its Python escape
    (``\\n``, ``\\t``, ``\\x1b``): a path or a message printed on one line, whatever it holds. Letters of any
    script are kept as they are."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class OcdataError(Exception):
    """Base class: every error ocdata raises on purpose derives from it.

    ``exit_code`` is what the command line returns for it: 2 for input that cannot be read or
    parsed, 1 for input that was read but failed validation. The message is always one line: control
    characters in the path or the detail (a file name with a newline) are escaped (``one_line``);
    ``file`` and ``detail`` keep the text as given.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None) -> None:
        self.file = None if file is None else str(file)
        self.line = line
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        if self.file is None:
            return one_line(self.detail)
        where = one_line(self.file) if self.line is None else f"{one_line(self.file)}:{self.line}"
        return f"{where}: {one_line(self.detail)}"


class InputError(OcdataError):
    """A file is missing, unreadable, not UTF-8, or does not match its recorded checksum."""


class ParseError(OcdataError):
    """A document or workbook was read but its content is not laid out as expected."""


class ValidationError(OcdataError):
    """The data parsed, but a validation check failed."""

    exit_code = 1


class ParameterError(OcdataError):
    """A command-line or notebook parameter is not acceptable (unknown ISO3 code, bad edition, ...)."""
