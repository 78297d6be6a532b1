"""The test suite never sees the user folders of the person running it, not even while it collects tests:
a module that builds data at import time reads the same empty folders as the tests do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ocdata import paths
from ocdata.paths import PROJECT_DIR

COLLECTED = (paths.cache_dir(), paths.user_documents_dir())
"""The user folders as this module saw them when it was imported (at collection)."""

PROBE = """
import os
from ocdata import paths

SEEN = sorted(os.listdir(paths.cache_dir())) if paths.cache_dir().is_dir() else []


def test_nothing_of_the_user_cache_is_seen_at_collection():
    assert SEEN == []
"""


def test_user_folders_are_isolated_before_collection():
    assert (paths.cache_dir(), paths.user_documents_dir()) == COLLECTED
    home = Path.home().resolve()
    for folder in COLLECTED:
        assert not folder.resolve().is_relative_to(home / ".cache"), folder
        assert not folder.resolve().is_relative_to(home / ".local"), folder


def test_a_module_reading_the_cache_at_import_sees_an_empty_cache(tmp_path: Path):
    user_cache = tmp_path / "xdg-cache" / "ocdata"
    user_cache.mkdir(parents=True)
    (user_cache / "global_oc_index_2023-0123456789ab.xlsx").write_bytes(b"a downloaded workbook")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text((PROJECT_DIR / "tests" / "conftest.py").read_text(encoding="utf-8"))
    (suite / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("OCDATA_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg-cache"), HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(suite),
                             str(suite)], cwd=suite, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert (user_cache / "global_oc_index_2023-0123456789ab.xlsx").is_file()  # the user's file is left alone
