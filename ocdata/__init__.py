"""ocdata: the Global Organized Crime Index as tidy, validated pandas tables, with provenance.

>>> import ocdata
>>> data = ocdata.load()                 # the bundled documents (and the newest downloaded workbook, if any)
>>> data.scores.query("iso3 == 'KGZ' and edition == 2025")
>>> data.wide(2023)                      # one row per country, one column per indicator id
>>> data.changes(2021, 2023)             # score_start, score_end, change per country and indicator

``load()`` returns a ``Dataset`` (``help(ocdata.Dataset)``: its tables and methods). It reads a saved build
whose inputs (documents, workbook, code) have not changed, from ``data/processed`` or the user cache, and builds
(and saves) the tables otherwise; ``load(tables=DIR)`` reads the build in ``DIR``. Errors are ``OcdataError``
(``ocdata.InputError``, ``ParameterError``, ``ParseError``, ``ValidationError``), one line each.

``load`` and ``Dataset`` are imported on first use (pandas with them): ``import ocdata`` alone stays light, so
the command line can set up its handling of Ctrl-C and SIGTERM before any heavy import.
"""

from ocdata.errors import InputError, OcdataError, ParameterError, ParseError, ValidationError  # noqa: F401

__version__ = "0.2.0"
# help(ocdata) lists load only: the Dataset's methods and the errors' inherited members would bury it; all of
# them are ocdata.<name>, imported here or on first use
__all__ = ["load"]
_LAZY = frozenset({"Dataset", "load"})


def __getattr__(name: str) -> object:
    """``ocdata.load`` and ``ocdata.Dataset``, imported from :mod:`ocdata.build` when first asked for; a submodule
    (``ocdata.build``, ``ocdata.views``, ...) imported when first named."""
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module("ocdata.build"), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"ocdata.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ocdata.{name}":
                raise
    raise AttributeError(f"module 'ocdata' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
