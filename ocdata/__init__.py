"""ocdata: the Global Organized Crime Index as tidy, validated pandas tables, with provenance.

>>> import ocdata
>>> data = ocdata.load()                 # the bundled documents
>>> data.scores.query("iso3 == 'KGZ' and edition == 2025")
"""

__version__ = "0.1.0"

from ocdata.build import Dataset, load
from ocdata.errors import InputError, OcdataError, ParameterError, ParseError, ValidationError

__all__ = ["Dataset", "InputError", "OcdataError", "ParameterError", "ParseError", "ValidationError", "load"]
