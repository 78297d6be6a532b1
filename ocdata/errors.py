"""The exceptions ocdata raises: one hierarchy, messages shaped ``file:line: expected ..., found ...``."""

from __future__ import annotations

from pathlib import Path


class OcdataError(Exception):
    """Base class: every error ocdata raises on purpose derives from it.

    ``exit_code`` is what the command line returns for it: 2 for input that cannot be read or
    parsed, 1 for input that was read but failed validation.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None) -> None:
        self.file = None if file is None else str(file)
        self.line = line
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        if self.file is None:
            return self.detail
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.detail}"


class InputError(OcdataError):
    """A file is missing, unreadable, not UTF-8, or does not match its recorded checksum."""


class ParseError(OcdataError):
    """A document or workbook was read but its content is not laid out as expected."""


class ValidationError(OcdataError):
    """The data parsed, but a validation check failed."""

    exit_code = 1


class ParameterError(OcdataError):
    """A command-line or notebook parameter is not acceptable (unknown ISO3 code, bad edition, ...)."""
