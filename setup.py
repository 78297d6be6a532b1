"""Packaging: the wheel carries the bundled documents and the notebooks.

In a checkout, ``data/raw`` (the documents, never edited) and ``notebooks`` are the single copies. At build
time they are copied into the package as ``ocdata/_bundled/raw`` and ``ocdata/_bundled/notebooks``, where
``ocdata.paths`` finds them through ``importlib.resources`` once the package is installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = {"raw": HERE / "data" / "raw", "notebooks": HERE / "notebooks"}
KEEP = ("*.txt", "*.yaml", "*.ipynb", "*.py", "*.md")


class BuildWithBundledData(build_py):
    """``build_py`` that also copies the documents and notebooks into ``ocdata/_bundled``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        for name, source in BUNDLED.items():
            target = Path(self.build_lib) / "ocdata" / "_bundled" / name
            for path in sorted(p for pattern in KEEP for p in source.rglob(pattern)):
                if ".ipynb_checkpoints" in path.parts or "__pycache__" in path.parts:
                    continue
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)


setup(cmdclass={"build_py": BuildWithBundledData})
