"""Sphinx configuration of the ocdata documentation (``make docs``: HTML into docs/_build/html, offline)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# the tutorial page is the notebook of notebooks/ (committed without outputs), executed as the docs build
shutil.copyfile(HERE.parent / "notebooks" / "tutorial.ipynb", HERE / "tutorial.ipynb")

import ocdata  # noqa: E402  (the package installed in the environment, editable in a checkout)

project = "ocdata"
author = "The ocdata authors"
copyright = ("the ocdata authors; the Global Organized Crime Index is © Global Initiative Against Transnational "
             "Organized Crime")
release = version = ocdata.__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST) and the tutorial notebook, executed on the bundled documents
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
nb_execution_mode = "force"  # the one notebook, the tutorial (the Markdown pages have no code cells to run)
nb_execution_raise_on_error = True  # a tutorial that fails fails the build
nb_execution_timeout = 300

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
