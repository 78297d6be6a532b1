"""ocdata: the Global Organized Crime Index as tidy, validated pandas tables, with provenance.

>>> import ocdata
>>> data = ocdata.load()                 # the bundled documents (and the newest downloaded workbook, if any)
>>> data.scores.query("iso3 == 'KGZ' and edition == 2025")

``load()`` reads a saved build whose inputs (documents, workbook, code) have not changed, from ``data/processed``
or the user cache, and builds (and saves) the tables otherwise; ``load(tables=DIR)`` reads the build in ``DIR``.
"""

__version__ = "0.1.0"

from ocdata.build import Dataset, load
from ocdata.errors import InputError, OcdataError, ParameterError, ParseError, ValidationError

__all__ = ["Dataset", "InputError", "OcdataError", "ParameterError", "ParseError", "ValidationError", "load"]
