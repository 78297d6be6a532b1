"""Reports as PDF: each page printed to ``NAME.pdf`` beside it by one headless Chromium for the whole batch.

The page is printed as a reader's browser prints it (A4, the print stylesheet of ``print.css.j2``), with the
report's title and ``page / pages`` in the footer and its links kept. Chromium is the one named by
``$OCDATA_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` on ``PATH``; it is driven through Playwright and
started once, in a thread of its own, so pages print (two at a time) while the kernels render the next reports.
Each PDF is written like its page: its digest in the report's pending record first, then the file, atomically.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import os
import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ocdata.errors import InputError, OcdataError, ParameterError
from ocdata.outputs.atomic import write_bytes_atomic

__all__ = ["CHROMIUM_NAMES", "PAGE_MARGINS", "PRINTS_AT_ONCE", "PdfPrinter", "Printed", "find_chromium",
           "pdf_name"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
"""The commands looked for on ``PATH`` when ``$OCDATA_CHROMIUM`` is not set."""
INSTALLED_PLACES = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"%PROGRAMFILES%\Google\Chrome\Application\chrome.exe",
    r"%PROGRAMFILES(X86)%\Google\Chrome\Application\chrome.exe",
    r"%LOCALAPPDATA%\Google\Chrome\Application\chrome.exe",
    r"%PROGRAMFILES(X86)%\Microsoft\Edge\Application\msedge.exe",
)
"""Where macOS and Windows install Chromium, Chrome or Edge (a Chromium), tried after ``PATH``."""
CHROMIUM_VARIABLE = "OCDATA_CHROMIUM"
PAGE_MARGINS = {"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"}
"""The A4 page's margins: the same as the print stylesheet's ``@page`` (the footer sits in the bottom one)."""
LAUNCH_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-quic")
PRINTS_AT_ONCE = 2
"""Pages printed at once (two tabs of the one Chromium print in about half the time of one)."""
PRINT_TIMEOUT_MS = 120_000
"""How long one page may take to load and print (an overview of every country prints in a few seconds)."""
LAUNCH_TIMEOUT_MS = 30_000
"""How long Chromium may take to start before ``--pdf`` stops the batch (a healthy one starts within a second)."""
HEADER = "<span></span>"
FOOTER = ('<div style="font: 7.5pt sans-serif; color: #57606a; width: 100%; margin: 0 12mm; display: flex;'
          ' justify-content: space-between; gap: 8mm"><span class="title" style="overflow: hidden;'
          ' white-space: nowrap; text-overflow: ellipsis"></span><span style="white-space: nowrap">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')
"""The footer of every page: the report's title (the page's ``<title>``) and ``page / pages``."""


def pdf_name(name: str) -> str:
    """The PDF file of report ``name``."""
    return f"{name}.pdf"


def find_chromium() -> Path:
    """The Chromium that prints (with the package playwright, which drives it): ``$OCDATA_CHROMIUM`` (an
    executable file), else the first of :data:`CHROMIUM_NAMES` on ``PATH``, else the first of
    :data:`INSTALLED_PLACES` (macOS, Windows); ``ParameterError`` (exit 2) saying how to get one otherwise."""
    if importlib.util.find_spec("playwright") is None:
        raise ParameterError("--pdf needs the Python package playwright, which drives Chromium: pip install "
                             "'ocdata[pdf]' (or playwright; its own downloaded browsers are not needed)")
    given = os.environ.get(CHROMIUM_VARIABLE, "")
    if given:
        path = Path(given).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ParameterError(f"--pdf needs Chromium: {CHROMIUM_VARIABLE}={given!r} is not an executable file "
                                 "(set it to the path of chromium or google-chrome)")
        return path.absolute()
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for place in INSTALLED_PLACES:  # macOS and Windows install browsers off PATH
        path = Path(os.path.expandvars(place))
        if "%" not in str(path) and path.is_file() and os.access(path, os.X_OK):
            return path
    raise ParameterError("--pdf needs Chromium: none of " + ", ".join(CHROMIUM_NAMES) + " is on PATH (install it, "
                         "such as 'apt install chromium' on Debian, or set OCDATA_CHROMIUM to its path)")


@dataclass(frozen=True)
class Printed:
    """What became of one page: ``ok`` with the PDF's file name and ``sha256``, or the ``error`` that stopped it."""

    name: str
    file: str
    ok: bool
    sha256: str = ""
    error: str = ""


@dataclass(frozen=True)
class _Task:
    name: str
    page: Path
    before_write: Callable[[str, bytes], None] | None


class PdfPrinter:
    """One headless Chromium printing pages to PDF in a thread of its own, :data:`PRINTS_AT_ONCE` pages at a time.

    Entering starts the thread, which starts Chromium (while the batch loads its data); :meth:`wait_ready`
    raises ``InputError`` when it could not start; :meth:`submit` queues a page; :meth:`finish` waits for every
    queued page and returns what became of each. Leaving stops Chromium (pages not yet printed are dropped)."""

    def __init__(self, chromium: Path, at_once: int = 0) -> None:
        self.chromium = Path(chromium)
        self.at_once = at_once or PRINTS_AT_ONCE
        self._tasks: queue.Queue[_Task | None] = queue.Queue()
        self._done: list[Printed] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._ended = threading.Event()  # waited on, not join(): a Ctrl-C in join() marks a live thread ended
        self._error = ""
        self._thread = threading.Thread(target=self._run, name="ocdata-pdf", daemon=True)

    def __enter__(self) -> PdfPrinter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def wait_ready(self) -> None:
        """Wait until Chromium is up; ``InputError`` (exit 2) when it could not be started."""
        self._ready.wait()
        if self._error:
            raise InputError(f"--pdf: expected Chromium to start, found {self._error}", file=self.chromium)

    def submit(self, name: str, page: Path, before_write: Callable[[str, bytes], None] | None = None) -> None:
        """Queue ``page`` (an HTML file) to print to ``NAME.pdf`` beside it; ``before_write(file, data)`` runs
        before the file is written (the report's pending record)."""
        self._tasks.put(_Task(name, Path(page), before_write))

    def finish(self) -> list[Printed]:
        """Wait for every queued page; what became of each, in the order each was done."""
        self._tasks.put(None)
        self._ended.wait()
        self._thread.join()
        with self._lock:
            return list(self._done)

    def close(self) -> None:
        """Stop: pages not yet printed are dropped, Chromium is closed (a write under way finishes or leaves the
        old file, never half of one)."""
        self._stop.set()
        self._tasks.put(None)
        if self._thread.ident is not None:  # started
            self._ended.wait(timeout=15)

    # --- the printing thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as exc:  # Chromium would not start: every page queued fails saying why
            self._error = _describe(exc)
            self._ready.set()
            while not self._stop.is_set() and (task := self._tasks.get()) is not None:
                self._record(Printed(task.name, pdf_name(task.name), False, error=f"not printed: {self._error}"))
        finally:
            self._ended.set()

    async def _serve(self) -> None:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(self.chromium), args=list(LAUNCH_ARGS),
                                                       timeout=LAUNCH_TIMEOUT_MS)
            try:
                context = await browser.new_context(offline=True, java_script_enabled=False)
                context.set_default_timeout(PRINT_TIMEOUT_MS)
                self._ready.set()
                loop = asyncio.get_running_loop()
                slots = asyncio.Semaphore(self.at_once)
                printing: set[asyncio.Task] = set()
                while (task := await loop.run_in_executor(None, self._tasks.get)) is not None:
                    await slots.acquire()
                    if self._stop.is_set():
                        break
                    job = asyncio.create_task(self._print(context, task, slots))
                    printing.add(job)
                    job.add_done_callback(printing.discard)
                if self._stop.is_set():
                    for job in printing:
                        job.cancel()
                await asyncio.gather(*printing, return_exceptions=True)
            finally:
                with contextlib.suppress(Exception):
                    await browser.close()

    async def _print(self, context, task: _Task, slots: asyncio.Semaphore) -> None:
        file = pdf_name(task.name)
        try:
            page = await context.new_page()
            try:
                await page.goto(task.page.resolve().as_uri(), wait_until="load")
                data = await page.pdf(format="A4", print_background=True, display_header_footer=True,
                                      header_template=HEADER, footer_template=FOOTER, margin=PAGE_MARGINS,
                                      prefer_css_page_size=True, outline=True, tagged=True)
            finally:
                with contextlib.suppress(Exception):
                    await page.close()
            if task.before_write is not None:  # from here to the file written, nothing waits: never cut halfway
                task.before_write(file, data)
            write_bytes_atomic(task.page.with_name(file), data)
        except Exception as exc:  # one page's failure must not stop the others
            error = str(exc) if isinstance(exc, OcdataError) else f"{file}: {_describe(exc)}"  # ours names its path
            self._record(Printed(task.name, file, False, error=error))
        else:
            self._record(Printed(task.name, file, True, sha256=hashlib.sha256(data).hexdigest()))
        finally:
            slots.release()

    def _record(self, printed: Printed) -> None:
        with self._lock:
            self._done.append(printed)


def _describe(exc: BaseException) -> str:
    """One line for an error of Chromium's or the file system's."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc} ({exc.filename})"
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
