"""The explorer in JupyterLab, in headless Chromium: run all cells, find the widgets rendered, choose another
country and see the panels follow. The server runs from a temporary folder with its own Jupyter folders and
is stopped (with its kernels) at the end. What the panels should say is worked out from the data the kernel
loads (``ocdata.load()`` in the same environment), not from a fixed list of countries."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ocdata
from ocdata import explore, views
from ocdata.paths import PROJECT_DIR

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
NOTEBOOK = PROJECT_DIR / "notebooks" / "explorer.ipynb"
PATIENCE = 300
"""Seconds to wait for an event (the server's runtime file, the kernel, the widgets) on a busy machine."""

KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return kernel?.connectionStatus === "connected" && kernel?.status === "idle";
}"""
"""The open notebook's kernel has started and its websocket is connected: cells run now, not later."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _needs_browser() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the Playwright Python package (which drives chromium) is absent")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server (it shuts its kernels down), then anything left in its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # kernels it could not stop (the group is the server's own)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 with a token, serving a copy of the explorer: its URL."""
    _needs_browser()
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    runtime = home / "runtime"
    quiet = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    quiet.parent.mkdir(parents=True)
    quiet.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no news prompt
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(runtime), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    token = secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", "--port=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--KernelManager.transport=ipc", f"--KernelManager.ip={runtime / 'kernel'}",
               *(["--allow-root"] if os.geteuid() == 0 else [])]
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        info = runtime / f"jpserver-{process.pid}.json"
        deadline = time.monotonic() + PATIENCE
        while not info.is_file() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if not info.is_file():
            raise AssertionError(f"JupyterLab did not start within {PATIENCE} s: "
                                 f"{(tmp_path / 'server.log').read_text()[-2000:]}")
        url = json.loads(info.read_text())["url"]
        yield f"{url}lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        _stop(process)
        log.close()


def _panel_heading(page, n: int) -> str:
    return page.locator(".jupyter-widgets h3").nth(n).inner_text()


def _headings(data: ocdata.Dataset, country: str) -> tuple[str, str]:
    """The first and third panels' headings for ``country`` in its default selection."""
    sel = explore.select(data, country=country)
    name = views.country_info(data, country)["country"]
    years = " and ".join(str(e) for e in sorted({sel.edition, sel.other_edition} - {None}))
    return (f"{name} within {explore.scope_name(data, country, sel.scope)}, {sel.edition}",
            f"{name}: {years} side by side")


def test_the_explorer_runs_in_jupyterlab_and_its_dropdowns_drive_the_panels(lab: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    data = ocdata.load()  # what the notebook's kernel loads, in the same environment
    first, second = "KGZ", "KAZ"  # the notebook's default country, and another
    assert {first, second} <= set(data.countries["iso3"])
    name = views.country_info(data, second)["country"]
    note = explore.few_countries_note(data)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(PATIENCE * 1000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(lab, wait_until="domcontentloaded")
            page.wait_for_function(KERNEL_READY, timeout=PATIENCE * 1000, polling=500)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # not awaited
            dropdowns = page.locator(".jupyter-widgets .widget-dropdown select")
            dropdowns.first.wait_for(timeout=PATIENCE * 1000)
            assert dropdowns.count() == 5
            assert page.locator(".jupyter-widgets svg").count() >= 3
            static = page.locator(".oc-explorer-static")  # the copy for pages without the widgets: hidden here
            assert static.count() == 1 and not static.is_visible()
            assert (_panel_heading(page, 0), _panel_heading(page, 2)) == _headings(data, first)
            notes = page.locator(".jupyter-widgets .oc-note:not(.oc-footnote)")  # not a table's footnotes
            if note:  # only some of the countries are loaded: the note says how to get them all
                assert "ocdata download" in notes.inner_text()
            else:
                assert notes.count() == 0
            dropdowns.first.select_option(label=f"{name} ({second})")
            page.wait_for_function("name => [...document.querySelectorAll('.jupyter-widgets h3')]"
                                   ".at(-1).textContent.startsWith(name)", arg=name,
                                   timeout=PATIENCE * 1000)  # the last panel
            assert (_panel_heading(page, 0), _panel_heading(page, 2)) == _headings(data, second)
            edition = explore.select(data, country=second).edition
            assert dropdowns.nth(1).evaluate("s => s.options[s.selectedIndex].textContent") == str(edition)
            page.locator(".jupyter-widgets h3").first.evaluate("h => h.scrollIntoView()")
            page.screenshot(path=str(tmp_path / "explorer.png"))
            assert not errors, errors
        finally:
            browser.close()
