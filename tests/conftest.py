"""Every test runs with its own empty user folders: no downloaded workbook, no added document and no
cached tables of the person running the tests can change what a test sees, and nothing is left behind.

The folders are set in :func:`pytest_configure`, before any test module is imported, so data that a module
builds when it is collected (parameters, cached datasets) cannot see the user's folders either."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

ISOLATED = {"OCDATA_CACHE": "cache", "OCDATA_DOCUMENTS": "documents", "XDG_CACHE_HOME": "xdg-cache",
            "XDG_DATA_HOME": "xdg-data"}
_saved: dict[str, str | None] = {}
_root: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Point the user cache and documents folders (also for subprocesses) at a fresh temporary folder."""
    root = tempfile.mkdtemp(prefix="ocdata-user-")
    _root.append(root)
    _saved.update({name: os.environ.get(name) for name in ISOLATED})
    os.environ.update({name: os.path.join(root, sub) for name, sub in ISOLATED.items()})


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the variables as they were and remove the temporary folder."""
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved.clear()
    while _root:
        shutil.rmtree(_root.pop(), ignore_errors=True)


REQUIRED = {"OCDATA_REQUIRE_WORKBOOK": "workbook", "OCDATA_REQUIRE_BROWSER": "chromium"}
"""Where one of these variables is ``1`` (CI sets both), a test skipped for lack of the named thing fails."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2]).lower()
    for variable, word in REQUIRED.items():
        if os.environ.get(variable) == "1" and word in reason:
            report.outcome = "failed"
            report.longrepr = f"{variable}=1, but the test was skipped: {report.longrepr[2]}"
