"""The package as a user meets it: a wheel installed into a fresh environment, used from an empty folder.

The wheel is built from a copy of the project's files, installed with ``--no-deps`` into a new virtual
environment that reuses the locked dependencies of the test environment (a ``.pth`` line pointing at its
site-packages, and ``JUPYTER_PATH`` at its data files), and then driven from an empty working directory:
``ocdata.load()``, ``ocdata report``, ``ocdata notebooks`` with plain papermill, and ``ocdata download --url``
from a loopback server followed by a report that uses the downloaded workbook without ``--workbook``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from report_fixtures import workbook_path
from wheel_env import install_wheel
from workbook_factory import write_workbook

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel installed; returns its ``bin`` folder."""
    return install_wheel(tmp_path_factory.mktemp("wheel")) / "bin"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _run(bin_dir: Path, cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "OCDATA_RAW", "OCDATA_PROCESSED"}}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    # the reused dependencies keep their data files (nbconvert's base templates) in their own prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    result = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def test_load_from_an_empty_folder(installed: Path, empty: Path) -> None:
    code = ("import ocdata, sys; d = ocdata.load(); "
            "row = d.scores.query(\"iso3 == 'KGZ' and edition == 2025 and indicator == 'criminality'\"); "
            "print(ocdata.__file__); print(f\"{row['score'].iloc[0]:.2f}\")")
    out = _run(installed, empty, str(installed / "python"), "-c", code).stdout.split()
    assert out[0].startswith(str(installed.parent)), f"ocdata was imported from {out[0]}, not the wheel"
    assert out[1] == "5.25"


def test_report_from_an_empty_folder(installed: Path, empty: Path) -> None:
    _run(installed, empty, str(installed / "ocdata"), "report", "kgz", "--no-workbook")
    assert (empty / "reports" / "KGZ_2025.html").is_file()
    assert (empty / "reports" / "index.html").is_file()


def test_notebooks_run_under_plain_papermill(installed: Path, empty: Path) -> None:
    _run(installed, empty, str(installed / "ocdata"), "notebooks", "nb")
    assert (empty / "nb" / "country_profile.ipynb").is_file()
    assert (empty / "nb" / "country_profile.py").is_file()
    _run(installed, empty, str(installed / "python"), "-m", "papermill", "--log-level", "ERROR",
         "nb/country_profile.ipynb", "out.ipynb", "-p", "country", "KAZ")
    assert "Kazakhstan" in (empty / "out.ipynb").read_text(encoding="utf-8")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, bool]]:
    """A loopback server with a workbook: the official release where the tests have it, else a factory one."""
    root = tmp_path / "site"
    root.mkdir()
    real = workbook_path()
    if real is not None:
        shutil.copyfile(real, root / "global_oc_index.xlsx")
    else:
        write_workbook(root / "global_oc_index.xlsx")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/global_oc_index.xlsx", real is not None
    finally:
        server.shutdown()
        server.server_close()


def test_downloaded_workbook_becomes_the_default(installed: Path, empty: Path, site: tuple[str, bool]) -> None:
    url, official = site
    _run(installed, empty, str(installed / "ocdata"), "download", "--url", url)
    country, edition = ("TJK", "2023") if official else ("TUV", "2025")
    result = _run(installed, empty, str(installed / "ocdata"), "report", country, "--edition", edition)
    assert "downloaded workbook" in result.stdout + result.stderr
    assert (empty / "reports" / f"{country}_{edition}.html").is_file()
    count = _run(installed, empty, str(installed / "python"), "-c",
                 "import ocdata; print(ocdata.load().scores['iso3'].nunique())").stdout.strip()
    assert int(count) == (193 if official else 7)  # the factory workbook has seven countries
