"""``python -m ocdata`` runs the command line."""

import sys

from ocdata.cli import main

sys.exit(main())
