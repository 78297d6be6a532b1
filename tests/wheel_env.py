"""A fresh virtual environment with ocdata installed from a wheel built from a copy of the project.

The environment reuses the locked dependencies of the test environment (a ``.pth`` line pointing at its
site-packages); run its commands with ``JUPYTER_PATH`` at this environment's data files (nbconvert's templates).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ocdata.paths import PROJECT_DIR

SKIP = {".git", ".venv", "reports", "processed", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache",
        ".hypothesis", ".ipynb_checkpoints", "_build"}
"""What a copy of the project leaves out: environments, outputs, caches, the built docs."""


def copy_sources(target: Path) -> Path:
    """The project's files without environments, outputs or caches."""
    shutil.copytree(PROJECT_DIR, target, ignore=lambda _d, names: [n for n in names if n in SKIP
                                                                   or n.endswith(".egg-info")])
    return target


def install_wheel(root: Path) -> Path:
    """Build the wheel under ``root`` and install it into ``root/venv``; that environment's folder."""
    src = copy_sources(root / "src")
    dist = root / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(dist), str(src)], check=True, cwd=root)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # the locked dependencies of this environment, after the new environment's own site-packages
    Path(purelib, "locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", str(next(dist.glob("ocdata-*.whl")))], check=True)
    return venv
