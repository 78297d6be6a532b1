"""Sphinx configuration of the ocdata documentation (``make docs``: HTML into docs/_build/html, offline)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import ocdata  # noqa: E402  (the package installed in the environment, editable in a checkout)

project = "ocdata"
author = "The ocdata authors"
copyright = ("the ocdata authors; the Global Organized Crime Index is © Global Initiative Against Transnational "
             "Organized Crime")
release = version = ocdata.__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST) and the tutorial notebook, not executed here
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "ocdata_docs",  # the CLI reference, the API pages and the data dictionary, generated from the code
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "conftest.py"]
root_doc = "index"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the tutorial page is an executed copy that scripts/gallery.py makes

autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
autosummary_generate = False  # the API pages name their members themselves (ocdata_docs)
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = False
smartquotes = False  # text from the code and the data shows as written

html_theme = "furo"
html_title = f"ocdata {release}"
html_static_path = ["_static"]
html_show_sourcelink = False
html_copy_source = False
