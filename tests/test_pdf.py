"""``ocdata report --pdf``: which Chromium prints (and one line where there is none); every report printed to an
A4 PDF beside its page, listed in the index with its sha256 and linked from the index page; nothing lost in
print: each PDF's text holds every table header and every country name of its page, and printed at A4 width no
table or figure is wider than the paper (a profile, a comparison of 12 countries, a region, the overview); a PDF
replaced only as ocdata wrote it; an interruption stops Chromium too."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from processes import descendants, running, wait_until
from report_fixtures import require_workbook

from ocdata.countries import load_countries
from ocdata.errors import ParameterError
from ocdata.render.pdf import find_chromium
from ocdata.report.outdir import report_files

PATIENCE = 300
"""Seconds a test waits for an event before it fails (generous, for a busy machine)."""
TWELVE = "KAZ,KGZ,UZB,TJK,TKM,RUS,CHN,MNG,AFG,IRN,PAK,IND"
A4_WIDTH = 794
"""A4's width in CSS px (210 mm at 96 px per inch)."""
A4_CONTENT = 703
"""The width a printed page lays out in: A4 less the print stylesheet's 12 mm margins."""


# --- which Chromium -------------------------------------------------------------------------------


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_chromium_is_the_one_the_variable_names_else_the_first_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    found = _executable(bin_dir / "chromium-browser")
    _executable(bin_dir / "google-chrome")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("OCDATA_CHROMIUM", raising=False)
    assert find_chromium() == found
    mine = _executable(tmp_path / "my-chrome")
    monkeypatch.setenv("OCDATA_CHROMIUM", str(mine))
    assert find_chromium() == mine


def test_without_the_package_that_drives_chromium_pdf_is_refused_in_one_line(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "playwright" else real(name, *a))
    with pytest.raises(ParameterError, match=r"--pdf needs the Python package playwright.*ocdata\[pdf\]"):
        find_chromium()


def test_off_path_the_places_macos_and_windows_install_browsers_are_tried(tmp_path, monkeypatch):
    from ocdata.render import pdf

    (tmp_path / "Programs").mkdir()
    chrome = _executable(tmp_path / "Programs" / "Google Chrome")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("OCDATA_CHROMIUM", raising=False)
    monkeypatch.setenv("OCDATA_TEST_PROGRAMS", str(tmp_path / "Programs"))
    monkeypatch.setattr(pdf, "INSTALLED_PLACES", ("%NO_SUCH_VARIABLE%/chrome", "$OCDATA_TEST_PROGRAMS/Google Chrome"))
    assert find_chromium() == chrome
    monkeypatch.setattr(pdf, "INSTALLED_PLACES", ("%NO_SUCH_VARIABLE%/chrome",))
    with pytest.raises(ParameterError, match="--pdf needs Chromium"):
        find_chromium()


def test_a_variable_naming_no_executable_and_an_empty_path_are_refused_in_one_line(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("not a browser")
    monkeypatch.setenv("OCDATA_CHROMIUM", str(tmp_path / "notes.txt"))
    with pytest.raises(ParameterError, match=r"--pdf needs Chromium: OCDATA_CHROMIUM=.* is not an executable"):
        find_chromium()
    monkeypatch.delenv("OCDATA_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ParameterError, match=r"--pdf needs Chromium: .*install.*OCDATA_CHROMIUM") as raised:
        find_chromium()
    assert "\n" not in str(raised.value)


def test_the_command_without_chromium_stops_before_anything_with_exit_2(tmp_path):
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "OCDATA_CHROMIUM"}
    env["PATH"] = str(tmp_path)  # no browser there
    run = subprocess.run([sys.executable, "-m", "ocdata", "report", "KAZ", "--no-workbook", "--pdf", "--out",
                          str(out)], capture_output=True, text=True, timeout=PATIENCE, env=env)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("ocdata: error: --pdf needs Chromium:") and len(run.stderr.splitlines()) == 1
    assert "OCDATA_CHROMIUM" in run.stderr and "Traceback" not in run.stderr
    assert not out.exists()


def test_a_program_that_is_not_chromium_stops_the_batch_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    fake = _executable(tmp_path / "chromium")
    fake.write_text("#!/bin/sh\necho 'not a browser' >&2\nexit 1\n")
    run = subprocess.run([sys.executable, "-m", "ocdata", "report", "KAZ", "--no-workbook", "--pdf", "--out",
                          str(out)], capture_output=True, text=True, timeout=PATIENCE,
                         env={**os.environ, "OCDATA_CHROMIUM": str(fake)})
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"ocdata: error: {fake}: --pdf: expected Chromium to start, found ")
    assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
    assert not out.exists()


def test_a_report_claims_its_pdf_only_when_it_prints_one():
    assert report_files("KAZ_2023") == ["KAZ_2023.html", "KAZ_2023.csv"]
    assert report_files("KAZ_2023", pdf=True) == ["KAZ_2023.html", "KAZ_2023.csv", "KAZ_2023.pdf"]


# --- printed reports ------------------------------------------------------------------------------


def require_chromium() -> Path:
    try:
        return find_chromium()
    except ParameterError as exc:
        pytest.skip(f"chromium is absent ({exc})")


def require_poppler() -> None:
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is absent (Debian package poppler-utils, which reads what chromium printed)")


def _ocdata(*args: str, timeout: float = PATIENCE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True, timeout=timeout)


@cache
def _printed(folder: str) -> Path:
    """A profile, a comparison of 12 countries, a region and the overview of the official workbook, with PDFs."""
    out = Path(folder)
    run = _ocdata("report", "KAZ", "--compare", TWELVE, "--region", "South America", "--overview", "--workbook",
                  str(require_workbook()), "--out", str(out), "--pdf")
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    require_chromium()
    require_poppler()
    require_workbook()
    return _printed(str(tmp_path_factory.mktemp("printed")))


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.html") if p.name != "index.html")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf_pages(path: Path) -> tuple[int, str]:
    """The number of pages of a PDF and the size of its first (``pdfinfo``)."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), re.search(r"^Page size:\s+(.*)$", info, re.M)[1]


@pytest.mark.browser
@pytest.mark.slow
def test_every_report_is_printed_to_an_a4_pdf_listed_and_linked_in_the_index(printed):
    pages = _pages(printed)
    assert len(pages) == 4 and {p.stem.split("_")[0] for p in pages} == {"KAZ", "compare", "overview"}
    index = json.loads((printed / "index.json").read_text(encoding="utf-8"))
    links = set(re.findall(r'href="([^"]+\.pdf)"', (printed / "index.html").read_text(encoding="utf-8")))
    assert links == {f"{p.stem}.pdf" for p in pages}
    assert not index.get("writing") and not (printed / ".ocdata-pending").exists()
    for page in pages:
        pdf = page.with_suffix(".pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF"), pdf.name
        count, size = _pdf_pages(pdf)
        assert count >= 2 and re.match(r"59[45](\.\d+)? x 84[12](\.\d+)? pts", size), (pdf.name, size)  # A4
        assert index["reports"][page.stem]["sha256"][pdf.name] == _sha256(pdf)
        assert b"file:" not in data, f"{pdf.name} links a file of this machine"
        anchors = page.read_text(encoding="utf-8").count('<a href="#')  # the contents' links to the sections
        assert anchors and len(re.findall(rb"/Subtype\s*/Link", data)) >= anchors, pdf.name  # links kept
    # the footer: the report's title, and the page's number among all
    count, _ = _pdf_pages(printed / "KAZ_2023.pdf")
    first = _pdftotext(printed / "KAZ_2023.pdf", last=1)
    assert "Kazakhstan (KAZ), Global Organized Crime Index 2023" in first and f"1 / {count}" in first
    assert f"{count} / {count}" in _pdftotext(printed / "KAZ_2023.pdf", first=count)


def _pdftotext(path: Path, first: int | None = None, last: int | None = None) -> str:
    """The text of a PDF in the order it was drawn (``-raw``: a table cell's lines stay together)."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _squeezed(text: str) -> str:
    """Text compared without its layout: NFKC (ligatures), soft hyphens and every space gone."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u00ad", ""))


class _Shown(HTMLParser):
    """The text a printed page shows (not its head, styles, figures' SVG text, folded definitions, nor what
    the print stylesheet hides), and the text of each table header cell."""

    HIDDEN_TAGS = ("head", "style", "svg", "script", "title")
    HIDDEN_CLASSES = ("oc-top", "oc-download")
    VOID = ("meta", "br", "img", "hr", "input", "link", "col", "wbr", "source")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headers: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # open elements: (tag, hidden)
        self._header: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        parent, hidden = self._stack[-1] if self._stack else ("", False)
        hidden = (hidden or tag in self.HIDDEN_TAGS or any(c in self.HIDDEN_CLASSES for c in classes)
                  or (parent == "details" and tag != "summary"))  # a definition folded under its summary
        self._stack.append((tag, hidden))
        if tag == "th":
            self._header = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._header is not None:
            self.headers.append(" ".join("".join(self._header).split()))
            self._header = None
        if any(t == tag for t, _ in self._stack):
            while self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        tag, hidden = self._stack[-1] if self._stack else ("", False)
        if hidden or tag == "details":
            return
        self.text.append(data)
        if self._header is not None:
            self._header.append(data)


def _shown(page: Path) -> _Shown:
    parser = _Shown()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.browser
@pytest.mark.slow
def test_each_pdf_holds_every_table_header_and_every_country_name_of_its_page(printed):
    names = sorted(set(load_countries()["country"]), key=len, reverse=True)
    problems = []
    for page in _pages(printed):
        shown = _shown(page)
        text = " ".join(" ".join(shown.text).split())
        countries = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)]
        pdf = _squeezed(_pdftotext(page.with_suffix(".pdf")))
        assert shown.headers and countries, page.name
        missing = [h for h in dict.fromkeys(shown.headers) if _squeezed(h) not in pdf]
        missing += [n for n in countries if _squeezed(n) not in pdf]
        if missing:
            problems.append(f"{page.name}: {missing[:8]}")
    assert not problems, "\n".join(problems)
    overview = _shown(printed / "overview_2023.html")
    assert len([n for n in names if n in " ".join(overview.text)]) >= 190  # the full ranking lists every one


WIDER = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('main table, main figure, main svg, main img, main pre, main .oc-out')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > width + 0.5 || el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className} right=${Math.round(r.right)}`
               + ` scrollWidth=${el.scrollWidth}`);
  }
  const page = document.documentElement.scrollWidth;
  if (page > width) out.push(`page scrollWidth=${page}`);
  return out;
}"""
"""Tables, figures and outputs reaching past ``width`` or wider inside than their box (cut when printed)."""


@pytest.mark.browser
@pytest.mark.slow
def test_printed_at_a4_width_no_table_or_figure_is_wider_than_the_paper(printed):
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(require_chromium()), args=["--no-sandbox"])
        try:
            for page_file in [*_pages(printed), printed / "index.html"]:
                for width in (A4_WIDTH, A4_CONTENT):
                    context = browser.new_context(offline=True, viewport={"width": width, "height": 1123})
                    page = context.new_page()
                    page.emulate_media(media="print")
                    page.goto(page_file.as_uri(), wait_until="load")
                    tables = page.evaluate("() => document.querySelectorAll('main table').length")
                    found = page.evaluate(WIDER, width)
                    context.close()
                    if found:
                        problems.append(f"{page_file.name} at {width} px: {found[:4]}")
                    elif page_file.name != "index.html":
                        assert tables >= 1, page_file.name
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.slow
def test_the_index_map_greys_the_countries_without_a_report_in_the_browser(printed):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(require_chromium()), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((printed / "index.html").as_uri(), wait_until="load")
            fills = page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll('svg [data-iso3]'))"
                                  ".map(c => [c.dataset.iso3,"
                                  " getComputedStyle(c.querySelector('path, circle')).fill]))")
            legend = page.evaluate("() => document.querySelector('.oc-map-legend').innerText")
        finally:
            browser.close()
    assert len(fills) == 193
    grey = {iso3 for iso3, fill in fills.items() if fill == "rgb(220, 220, 220)"}
    assert set(fills) - grey == {"KAZ"}  # the one profile here; the overview and comparisons colour nothing
    assert "no report here" in legend


# --- a PDF is replaced only as ocdata wrote it ----------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_a_pdf_is_replaced_only_as_ocdata_wrote_it_and_dropped_with_its_old_page(tmp_path):
    require_chromium()
    out, other = tmp_path / "out", tmp_path / "other"
    run = _ocdata("report", "KAZ", "--no-workbook", "--pdf", "--out", str(out))
    assert run.returncode == 0, run.stderr
    pdf = out / "KAZ_2023.pdf"
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF")
    other.mkdir()
    (other / "KAZ_2023.pdf").write_bytes(b"my own notes")
    refused = _ocdata("report", "KAZ", "--no-workbook", "--pdf", "--out", str(other))
    assert refused.returncode == 2 and "KAZ_2023.pdf" in refused.stderr and "file of yours" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert sorted(p.name for p in other.iterdir()) == ["KAZ_2023.pdf"]
    assert (other / "KAZ_2023.pdf").read_bytes() == b"my own notes"
    pdf.write_bytes(printed + b"% annotated\n")  # edited since: yours now
    refused = _ocdata("report", "KAZ", "--no-workbook", "--pdf", "--out", str(out))
    assert refused.returncode == 2 and "KAZ_2023.pdf" in refused.stderr and "changed" in refused.stderr
    pdf.write_bytes(printed)
    again = _ocdata("report", "KAZ", "--no-workbook", "--out", str(out))  # the page again, without a PDF
    assert again.returncode == 0, again.stderr
    assert not pdf.exists()  # a PDF of the earlier page is gone with it
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["reports"]["KAZ_2023"]["files"] == ["KAZ_2023.html", "KAZ_2023.csv"]
    assert "KAZ_2023.pdf" not in (out / "index.html").read_text(encoding="utf-8")


# --- an interruption -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see child processes")
def test_an_interrupted_batch_stops_chromium_and_keeps_its_pdfs_claimed(tmp_path):
    require_chromium()
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "ocdata", "report", "--all", "--no-workbook", "--jobs", "1",
                                "--pdf", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    seen: set[int] = set()
    commands: set[bytes] = set()

    def look() -> None:
        for pid in descendants(process.pid) - seen:
            seen.add(pid)
            with contextlib.suppress(OSError):
                commands.add(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0])

    def first_pdf() -> bool:
        look()
        return process.poll() is not None or bool(list(out.glob("*.pdf")))

    try:
        wait_until(first_pdf, "a first PDF")
        assert process.poll() is None, "the batch ended before it could be interrupted"
        look()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert stderr == "ocdata: interrupted\n"
    assert any(b"chrom" in command.lower() for command in commands), commands  # Chromium was printing
    wait_until(lambda: not [pid for pid in seen if running(pid)], "every process of the batch (Chromium too) to end")
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["partial"] is True
    listed = {f for entry in index["reports"].values() for f in entry["files"]}
    for pdf in out.glob("*.pdf"):  # each PDF written is either listed or still claimed: never taken for yours
        assert pdf.name in listed or pdf.name in index.get("writing", []), pdf.name
    assert not list(out.glob(".*.tmp"))


def test_a_pdf_the_user_makes_or_edits_while_the_batch_runs_is_left_alone(tmp_path):
    from ocdata.errors import InputError
    from ocdata.render.pool import file_state
    from ocdata.report.command import _pending_recorder

    pdf = tmp_path / "KAZ_2023.pdf"
    _pending_recorder(tmp_path, "KAZ_2023", None)("KAZ_2023.pdf", b"%PDF new")  # missing as found: recorded
    assert list((tmp_path / ".ocdata-pending").glob("*.json"))
    pdf.write_bytes(b"my own notes")  # made while the batch ran
    with pytest.raises(InputError, match=re.escape(str(pdf)) + ": expected the file as the batch found it"):
        _pending_recorder(tmp_path, "KAZ_2023", None)("KAZ_2023.pdf", b"%PDF new")
    found = file_state(pdf)
    _pending_recorder(tmp_path, "KAZ_2023", found)("KAZ_2023.pdf", b"%PDF new")  # as found: ocdata's to replace
    pdf.write_bytes(b"edited since")
    with pytest.raises(InputError, match="made or changed while the batch ran"):
        _pending_recorder(tmp_path, "KAZ_2023", found)("KAZ_2023.pdf", b"%PDF new")
    assert pdf.read_bytes() == b"edited since"


def test_a_pdf_a_stopped_batch_printed_is_dropped_with_its_old_page_unless_edited(tmp_path):
    """A batch stopped after printing KAZ_2023.pdf left it claimed (``writing``), known by its pending record, not
    in an entry; a rerun that writes the page again (with or without --pdf) drops it: a PDF never shows another
    page than its HTML. A PDF edited since, or one the stopped batch did not claim, is left alone."""
    from ocdata.render.pool import record_pending
    from ocdata.report.command import _drop_earlier_pdf

    pdf = tmp_path / "KAZ_2023.pdf"
    record_pending(tmp_path, "KAZ_2023", {"KAZ_2023.pdf": b"%PDF of the earlier page"})
    pdf.write_bytes(b"%PDF of the earlier page")
    _drop_earlier_pdf(tmp_path, "KAZ_2023", None, claimed=False)  # not claimed: not known as ocdata's
    assert pdf.exists()
    pdf.write_bytes(b"%PDF of the earlier page, annotated")
    _drop_earlier_pdf(tmp_path, "KAZ_2023", None, claimed=True)  # edited since: yours
    assert pdf.read_bytes() == b"%PDF of the earlier page, annotated"
    pdf.write_bytes(b"%PDF of the earlier page")
    _drop_earlier_pdf(tmp_path, "KAZ_2023", None, claimed=True)
    assert not pdf.exists()


def test_a_ctrl_c_while_the_batch_waits_for_its_pdfs_still_closes_chromium_before_the_command_ends(tmp_path):
    """Ctrl-C in ``finish()`` (the batch waiting for the last PDFs): leaving the printer waits for its thread to
    close Chromium. Before, Python's ``Thread.join()`` cut by the Ctrl-C marked the live thread ended, so leaving
    did not wait and Chromium outlived the command (a hung one for good)."""
    import asyncio
    import threading

    from ocdata.render.pdf import PdfPrinter

    closed = threading.Event()
    main = threading.main_thread().ident

    async def serve(self) -> None:
        self._ready.set()
        while self._tasks.get() is not None:
            pass
        # the batch now waits in finish(): interrupt it there, as Ctrl-C does
        while not any(frame.f_code.co_name in ("join", "wait", "_wait_for_tstate_lock")
                      for frame in _stack(sys._current_frames()[main])):
            await asyncio.sleep(0.001)
        os.kill(os.getpid(), signal.SIGINT)
        while not self._stop.is_set():  # Chromium prints until told to stop
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.2)  # closing Chromium takes a moment
        closed.set()

    printer = PdfPrinter(tmp_path / "chromium")
    printer._serve = serve.__get__(printer)
    with pytest.raises(KeyboardInterrupt), printer:
        printer.wait_ready()
        printer.finish()
    assert closed.is_set()  # Chromium closed before leaving returned


def _stack(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back
