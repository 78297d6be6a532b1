"""The documentation: it builds without a warning, its references name everything public, the README stays short
and true, CITATION.cff carries the package's version, and every command block of the README and the docs runs.

The command blocks run as a user would run them: in a wheel of the project installed into a new environment,
from an empty folder, with a home of their own whose cache holds the official workbook fetched by
``ocdata download`` from a loopback server (``ocdata download`` without ``--url`` is pointed at that server).
A block that cannot run there says why on the line above it: ``<!-- docs-test: skip (reason) -->``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from report_fixtures import require_workbook
from wheel_env import install_wheel

import ocdata
from ocdata.paths import PROJECT_DIR

DOCS = PROJECT_DIR / "docs"
README = PROJECT_DIR / "README.md"
OTHERS = {"teaching.md", "changelog.md", "contributing.md"}
"""Pages whose text is another file's (the changelog, CONTRIBUTING.md) or another guide's (teaching)."""
PAGES = [README, *sorted(p for p in DOCS.glob("*.md") if p.name not in OTHERS)]
SKIP = re.compile(r"<!-- docs-test: skip \((?P<reason>[^)]+)\) -->")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its page, first line, language, text and the reason it is not run (if any)."""

    page: Path
    line: int
    lang: str
    text: str
    skip: str | None


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence or not fence["lang"]:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        skip = SKIP.match(lines[i - 1]) if i else None
        found.append(Block(page, i + 1, fence["lang"], "\n".join(lines[i + 1:end]), skip and skip["reason"]))
        i = end + 1
    return found


def runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.lang in ("sh", "python") and not b.skip]


# -- the build and what it names ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation built as ``make docs`` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("docs") / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
                           str(DOCS), str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stderr[-5000:]}"
    return out


def ids(page: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


def test_the_docs_build_without_a_warning(built: Path) -> None:
    assert (built / "index.html").is_file()
    for name in ("getting-started", "researchers", "reports", "workbooks", "data-locations", "outputs", "cli",
                 "data-dictionary", "gallery", "tutorial", "changelog", "citing", "contributing"):
        assert (built / f"{name}.html").is_file(), f"{name}.html was not built"


def test_the_tutorial_page_is_the_notebook_executed_by_the_build(built: Path) -> None:
    import nbformat

    committed = nbformat.read(PROJECT_DIR / "notebooks" / "tutorial.ipynb", as_version=4)
    assert not any(cell.get("outputs") for cell in committed.cells)  # the notebook is committed without outputs
    page = (built / "tutorial.html").read_text(encoding="utf-8")
    code_cells = sum(cell.cell_type == "code" for cell in committed.cells)
    assert page.count('class="cell_output') >= code_cells // 2, "the tutorial page shows too few outputs"
    assert "Traceback" not in page


def test_the_api_reference_names_every_public_name(built: Path) -> None:
    from ocdata import views

    top = ids(built / "api" / "ocdata.html")
    for name in [*ocdata.__all__, "Dataset", "OcdataError", "ParameterError"]:
        assert f"ocdata.{name}" in top, f"ocdata.{name} is not in the API reference"
    documented = ids(built / "api" / "views.html")
    missing = [n for n in views.__all__ if f"ocdata.views.{n}" not in documented]
    assert not missing, f"ocdata.views names missing from the API reference: {missing}"
    for module in ("charts", "plots", "maps", "codebook", "teach", "explore", "robustness"):
        public = importlib_all(f"ocdata.{module}")
        page = ids(built / "api" / f"{module}.html")
        assert [n for n in public if f"ocdata.{module}.{n}" not in page] == [], module


def importlib_all(name: str) -> list[str]:
    import importlib

    return list(importlib.import_module(name).__all__)


def test_the_cli_reference_names_every_command(built: Path) -> None:
    from ocdata.cli import make_parser

    page = (built / "cli.html").read_text(encoding="utf-8")
    commands = next(a for a in make_parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert len(commands) >= 8
    for name, sub in commands.items():
        assert f"ocdata {name}</h2>" in page or f"ocdata {name}<a" in page, f"ocdata {name} has no section"
        for action in sub._actions:
            for option in action.option_strings:
                anchor = f'id="cmdoption-ocdata-{name}-{option.lstrip("-")}"'
                assert anchor in page, f"ocdata {name} {option} is not described"


def test_the_data_dictionary_shows_every_table_and_indicator(built: Path) -> None:
    page = (built / "data-dictionary.html").read_text(encoding="utf-8")
    schema = yaml.safe_load((PROJECT_DIR / "ocdata" / "data" / "schema.yaml").read_text(encoding="utf-8"))
    for table, spec in schema.items():
        assert f'id="{table}"' in page, table
        for field in spec["fields"]:
            assert f"{field['name']}</span></code>" in page, f"{table}.{field['name']}"
    from ocdata.codebook import load_indicators

    for indicator in load_indicators()["indicator"]:
        assert f">{indicator}</span></code>" in page, indicator


def test_the_speed_the_docs_state_is_the_benchmarks(built: Path) -> None:
    result = json.loads((PROJECT_DIR / "bench" / "results" / "render_batch.json").read_text(encoding="utf-8"))
    page = (built / "reports.html").read_text(encoding="utf-8")
    ratio = next(m for m in result["measures"] if m["what"] == "per report / empty notebook")
    assert ratio["text"].split()[0] in page and result["summary"].split(";")[0] in page
    assert "sixth" not in page and "a third of the time" not in page


def test_the_gallery_pictures_are_the_scripts(built: Path) -> None:
    script = (PROJECT_DIR / "scripts" / "gallery.py").read_text(encoding="utf-8")
    pictures = re.findall(r"_static/gallery/(\w+\.png)", (DOCS / "gallery.md").read_text(encoding="utf-8"))
    assert len(set(pictures)) >= 4
    for png in pictures:
        assert f'"{png}"' in script, f"{png} is not made by scripts/gallery.py"
        assert (built / "_images" / png).is_file() or (built / "_static" / "gallery" / png).is_file()
        assert (DOCS / "_static" / "gallery" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the README and the citation ---------------------------------------------------------------------------


def test_the_readme_is_short_and_its_links_resolve() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120
    assert "make reports   # sets up .venv from the lock file, builds the tables, renders every report" in text
    assert "make test      # sets up .venv from the lock file, runs ruff and the whole test suite" in text
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert len(links) >= 8
    for link in links:
        if "://" not in link:
            assert (PROJECT_DIR / link).exists(), f"README links to {link}, which is not there"
    assert "sixth" not in text


def test_every_skipped_block_says_why() -> None:
    for page in [*PAGES, PROJECT_DIR / "CONTRIBUTING.md"]:
        text = page.read_text(encoding="utf-8")
        assert text.count("docs-test: skip") == len(SKIP.findall(text)), f"{page.name}: a skip without a reason"
    assert sum(len(runnable(p)) for p in PAGES) >= 12


def test_citation_carries_the_package_version() -> None:
    cff = yaml.safe_load((PROJECT_DIR / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version"} <= set(cff)
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    assert str(cff["version"]) == ocdata.__version__
    index = [r for r in cff["references"] if r["title"] == "Global Organized Crime Index"]
    assert index and index[0]["url"] == "https://ocindex.net"
    assert index[0]["authors"][0]["name"] == "Global Initiative Against Transnational Organized Crime"


# -- the command blocks, as a user runs them ---------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    """The environment of a user with ocdata installed from its wheel, and the loopback address of the
    official workbook."""
    workbook = require_workbook()
    root = tmp_path_factory.mktemp("user")
    venv = install_wheel(root)
    python = venv / "bin" / "python"
    # the console scripts of the locked environment (papermill, jupyter nbconvert) beside the wheel's own
    for tool, module, function in (("papermill", "papermill.cli", "papermill"),
                                   ("jupyter", "jupyter_core.command", "main"),
                                   ("jupyter-nbconvert", "nbconvert.nbconvertapp", "main")):
        (venv / "bin" / tool).write_text(f"#!{python}\nfrom {module} import {function}\n{function}()\n")
        (venv / "bin" / tool).chmod(0o755)
    site = root / "site"
    site.mkdir()
    shutil.copyfile(workbook, site / "global_oc_index.xlsx")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    home = root / "home"
    home.mkdir()
    drop = {"PYTHONPATH", "OCDATA_RAW", "OCDATA_PROCESSED", "OCDATA_CACHE", "OCDATA_DOCUMENTS", "XDG_CACHE_HOME",
            "XDG_DATA_HOME", "OCDATA_WORKBOOK"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(home), MPLBACKEND="Agg",
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    try:
        url = f"http://127.0.0.1:{server.server_port}/global_oc_index.xlsx"
        done = subprocess.run(["ocdata", "download", "--url", url], env=env, cwd=home, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        yield env, url
    finally:
        server.shutdown()
        server.server_close()


def shell_lines(block: Block, url: str) -> Iterator[tuple[str, str | None]]:
    """Each command of a shell block, with ``ocdata download`` pointed at the loopback server, and the output
    its comment promises when that comment is a bare number (``... # 193``)."""
    for line in block.text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command, _, comment = line.partition("  #")
        command = command.strip()
        if re.match(r"ocdata download(?!.*--(url|list))", command):
            command += f" --url {url}"
        expected = comment.strip() if re.fullmatch(r"\d+", comment.strip()) else None
        yield command, expected


PYTHON_RUNNER = """
import sys, traceback
namespace = {"__name__": "__main__"}
for line, source in BLOCKS:
    try:
        exec(compile(source, f"{PAGE}:{line}", "exec"), namespace)
    except Exception:
        traceback.print_exc()
        sys.exit(f"the block at {PAGE}:{line} failed")
"""


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=lambda p: p.name)
def test_the_command_blocks_run(page: Path, user: tuple[dict[str, str], str],
                                tmp_path: Path) -> None:
    env, url = user
    ran = 0
    python = [(b.line, b.text) for b in runnable(page) if b.lang == "python"]
    for block in runnable(page):
        if block.lang != "sh":
            continue
        for command, expected in shell_lines(block, url):
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=600)
            where = f"{page.name}:{block.line}: {command}"
            assert done.returncode == 0, (f"{where}: exit {done.returncode}\n{done.stdout[-2000:]}\n"
                                          f"{done.stderr[-3000:]}")
            if expected is not None:
                assert done.stdout.strip().splitlines()[-1] == expected, f"{where}: printed {done.stdout!r}"
            ran += 1
    if python:
        script = f"PAGE = {page.name!r}\nBLOCKS = {python!r}\n" + PYTHON_RUNNER
        done = subprocess.run(["python", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        ran += len(python)
    assert ran > 0
