"""``ocdata report``: check everything, plan the batch, render it, and keep the folder's index."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ocdata.errors import InputError, ParameterError
from ocdata.outputs.locks import folder_lock
from ocdata.paths import reports_dir
from ocdata.render.jobs import RenderResult
from ocdata.render.kernel import scratch_folder
from ocdata.render.pdf import PdfPrinter, Printed, find_chromium, pdf_name
from ocdata.render.pool import PENDING, WorkerPool, file_state, read_pending, record_pending
from ocdata.report.capacity import cap_jobs
from ocdata.report.index import claim_files, write_index
from ocdata.report.outdir import (
    check_out_dir,
    check_writable,
    file_sha256,
    make_out_dir,
    pending_digests,
    report_files,
    settle_pending,
)
from ocdata.report.plan import Planned, plan_reports
from ocdata.report.registry import report_kinds
from ocdata.views.params import ISO3


def validate_workbook(workbook: Path | str | Sequence[Path | str] | None) -> list[str]:
    """The workbook files as absolute path strings (``[]`` for none); each must be an existing file (its
    layout is judged by its content when it is read: a release, a one-edition file, CSV or Parquet)."""
    if workbook is None or workbook is False or workbook == "":
        return []
    items = list(workbook) if isinstance(workbook, list | tuple) else [workbook]
    paths = []
    for item in items:
        path = Path(item).expanduser().resolve()
        if not path.is_file():
            raise ParameterError(f"workbook {str(item)!r} is not an existing file")
        paths.append(str(path))
    return paths


def choose_workbook(workbook: Path | str | Sequence[Path | str] | bool | None) -> list[str]:
    """The workbooks the reports use: the ones given; for ``None`` the newest downloaded workbook (saying so
    in one line), if any; for ``False`` none."""
    if workbook is False:
        return []
    if workbook is None:
        from ocdata.download import latest_workbook

        path = latest_workbook()
        if path is None:
            return []
        print(f"ocdata: using the downloaded workbook {path}", file=sys.stderr)
        return validate_workbook(path)
    return validate_workbook(workbook)


def load_checked(books: Sequence[str], edition: int | None = None, hold: contextlib.ExitStack | None = None):
    """The tables the reports will use, checked, and the folder of the saved build that kernels read.

    ``edition`` is also the edition of a workbook file that does not say its own. With ``hold``, the build is held
    until that stack closes (no build or clean-up removes it meanwhile) and the folder is its version folder."""
    import ocdata
    from ocdata.build import ensure_built, held_build

    workbook = [Path(b) for b in books] or False
    if hold is None:
        folder = ensure_built(workbook=workbook, edition=edition)
    else:
        folder = hold.enter_context(held_build(workbook=workbook, edition=edition))
    return ocdata.load(tables=folder), str(folder)


def warmup_code(workbook: str, tables: str = "") -> str:
    """What each kernel runs once before its first report: the imports and loading the data."""
    return (
        "import seaborn\n"
        "from ocdata import plots, views\n"
        f"views.load_dataset({workbook!r}, {tables!r})\n"
    )


def _upper_bound(countries: Sequence[str], compare: str | None, region: str | None, all_: bool,
                 overview: bool = False) -> int | None:
    """At most how many reports the command asks for, where that is known before the data is."""
    if all_ or region:
        return None
    return len(countries) + (compare is not None) + overview


def student_copies(planned: list[Planned], folder: Path) -> list[Planned]:
    """The batch with every student lesson pointed at its student copy in ``folder`` (solutions taken out
    with :func:`ocdata.teach.solutions.strip_solutions`), so a published page gives no answer away."""
    kinds = report_kinds()
    students = [p for p in planned if getattr(kinds.get(str(p.entry.get("kind"))), "student", False)]
    if not students:
        return planned
    import nbformat

    from ocdata.outputs.atomic import write_text_atomic
    from ocdata.teach.solutions import strip_solutions

    copies = {}
    for plan in students:
        source = plan.job.notebook
        nb = strip_solutions(nbformat.read(source, as_version=4), where=source.name)
        target = folder / f"{plan.job.name}.ipynb"
        write_text_atomic(target, nbformat.writes(nb))
        copies[plan.job.name] = Planned(replace(plan.job, notebook=target), plan.entry)
    return [copies.get(p.job.name, p) for p in planned]



def run_reports(
    countries: Sequence[str] = (),
    compare: str | None = None,
    region: str | None = None,
    edition: int | None = None,
    all_: bool = False,
    workbook: Path | str | bool | None = None,
    jobs: int | None = None,
    out: Path | None = None,
    with_code: bool = False,
    progress: bool | None = None,
    overview: bool = False,
    pdf: bool = False,
) -> int:
    """Render the reports the command line asks for; 0 when all were written, 1 when any failed.

    ``workbook``: a path; ``None`` for the newest downloaded workbook (if any); ``False`` for none.
    ``jobs``: kernels at once (default: the cores), capped at the number of reports, the cores, and one per
    150 MB of available memory. ``out`` (default :func:`ocdata.paths.reports_dir`) must not be a system
    folder or a file, and no file there that ocdata did not write is ever overwritten. ``progress``: a
    progress bar (default: when stderr is a terminal). ``overview``: the overview of ``edition`` (default: the
    latest edition with the most countries). ``pdf``: also print each page to ``NAME.pdf`` beside its HTML
    (A4, by headless Chromium, see :mod:`ocdata.render.pdf`; without Chromium, ParameterError before anything
    starts); a report rendered again drops the PDF ocdata printed of its earlier page.

    The batch holds the folder's lock from its checks to its index (a second batch into the same folder waits,
    then adds its reports to the same index). Everything is checked before any kernel starts. An interruption
    (Ctrl-C; SIGTERM as the command line turns it into one) stops every kernel, and the index still lists each
    report finished, marked as a partial batch.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ParameterError(f"--jobs must be a positive number, found {jobs!r}")
    countries = list(countries or ())
    if not (countries or compare or region or all_ or overview):
        raise ParameterError("nothing to render: name countries (ISO3), --compare, --region, --overview or --all")
    codes = countries + ([c.strip() for c in compare.split(",")] if isinstance(compare, str) else [])
    bad = [c for c in codes if not ISO3.fullmatch(c)]
    if bad:
        raise ParameterError(f"countries must be upper-case ISO3 codes such as 'KGZ', found {bad}")
    chromium = find_chromium() if pdf else None
    books = choose_workbook(workbook)
    book = os.pathsep.join(books)  # the notebooks' workbook parameter: one string
    out = check_out_dir(out if out is not None else reports_dir())
    check_writable(out, [])
    progress = sys.stderr.isatty() if progress is None else progress
    size = cap_jobs(jobs, _upper_bound(countries, compare, region, all_, overview))
    with (folder_lock(out, "the reports folder"),  # one batch at a time in a folder: a second one waits
          contextlib.ExitStack() as held,  # the build the batch checked stays until the batch ends
          WorkerPool(size, progress=progress, pending=True) as pool,  # worker processes import while the data loads
          scratch_folder() as scratch,  # the lessons' student copies
          PdfPrinter(chromium) if chromium else contextlib.nullcontext() as printer):  # Chromium starts meanwhile
        data, tables = load_checked(books, edition, hold=held)
        planned = plan_reports(data, countries=countries, compare=compare, region=region, edition=edition,
                               all_=all_, overview=overview, workbook=book, tables=tables, with_code=with_code)
        index = check_writable(out, [f for p in planned for f in report_files(p.job.name, pdf)])
        planned = student_copies(planned, Path(scratch))
        if printer is not None:
            printer.wait_ready()  # a Chromium that cannot start stops the batch before anything is written
        make_out_dir(out)
        pool.shrink(cap_jobs(jobs, len(planned)))
        pool.start(warmup_code(book, tables))
        results = _render(pool, planned, out, dict(index["reports"]) if index else {},
                          list(index["writing"]) if index else [], printer)
    failed = [r for r in results if not r.ok]
    print(f"wrote {len(results) - len(failed)} report(s) to {out}{os.sep} (index: {out / 'index.html'})")
    for result in failed:
        print(f"failed: {result.name}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


def _render(pool: WorkerPool, planned: list[Planned], out: Path, entries: dict[str, dict],
            writing: list[str], printer: PdfPrinter | None = None) -> list[RenderResult]:
    """Run the batch, adding each finished report to ``entries``; write the index at the end, or, when the
    batch stops early, with what it finished, marked partial. Before anything is written the index claims
    every file the batch may write (and those ``writing`` a killed batch left); the files of reports it did not
    finish stay claimed (a page written as the batch stopped, a killed batch's page of a report that failed).

    With a ``printer``, each page written is queued to print to ``NAME.pdf`` while the batch goes on; its PDF
    stays claimed until printed, and joins the report's entry once the batch has waited for every PDF. A page
    written again drops the PDF of its earlier version (when still as ocdata wrote it): a PDF never shows
    another page than its HTML."""
    by_name = {p.job.name: p for p in planned}
    claimed = {p.job.name: report_files(p.job.name, printer is not None) for p in planned}
    pdfs_found = {pdf_name(name): file_state(out / pdf_name(name)) for name in by_name} if printer else {}
    left = set(writing)  # a killed batch's files that this batch does not write again

    def finished(result: RenderResult) -> None:
        if result.ok:
            files = [result.path.name, *result.files]
            earlier = entries.get(result.name)
            entries[result.name] = {**by_name[result.name].entry, "files": files,
                                    "sha256": {f: file_sha256(out / f) for f in files}}
            _drop_earlier_pdf(out, result.name, earlier, pdf_name(result.name) in writing)
            left.difference_update(claimed.pop(result.name))
            if printer is not None:  # its PDF stays claimed until printed and recorded
                claimed[result.name] = [pdf_name(result.name)]
                printer.submit(result.name, result.path,
                               before_write=_pending_recorder(out, result.name, pdfs_found.get(pdf_name(result.name))))

    def unfinished() -> list[str]:
        return [*left, *(f for files in claimed.values() for f in files)]

    claim_files(out, entries, unfinished())
    left.difference_update(f for files in claimed.values() for f in files)
    try:
        results = pool.run([p.job for p in planned], out, on_result=finished)
        if printer is not None:
            results = _add_printed(out, printer.finish(), results, entries, claimed)
        write_index(out, entries, writing=_still_claimed(out, entries, unfinished()))
        settle_pending(out, entries)  # every worker has stopped writing
    except BaseException:  # workers may still be writing: every unfinished file stays claimed
        with contextlib.suppress(OSError):  # a full disk: the claim made before stays, the first error is told
            write_index(out, entries, partial=True, writing=unfinished())
        raise
    return results


def _pending_recorder(out: Path, name: str, found: str | None = None):
    """What runs before report ``name``'s PDF is written: the PDF there must be missing or as the batch found it
    (``found``: a PDF the user makes or edits while the batch runs is left alone, the report fails naming it);
    then its digest joins the report's pending record."""
    def record(file: str, data: bytes) -> None:
        now = file_state(out / file)
        if now is not None and now != found:
            raise InputError(f"{out / file}: expected the file as the batch found it, found it made or changed "
                             "while the batch ran; ocdata report never overwrites your files (move it away and run "
                             "again)")
        record_pending(out, name, {file: data})
    return record


def _drop_earlier_pdf(out: Path, name: str, earlier: dict | None, claimed: bool = False) -> None:
    """Remove the PDF an earlier batch printed of report ``name``'s page, now replaced, where it still holds the
    bytes its entry records or, ``claimed`` by a batch that stopped before recording it, bytes the report's pending
    record names (a PDF changed since is someone's own: left alone)."""
    file = pdf_name(name)
    ours = {(earlier or {}).get("sha256", {}).get(file)} - {None}
    if claimed:
        ours |= (read_pending(out / PENDING / f"{name}.json") or {}).get(file, set())
    path = out / file
    if ours and path.is_file() and not path.is_symlink() and file_sha256(path) in ours:
        path.unlink(missing_ok=True)


def _add_printed(out: Path, printed: list[Printed], results: list[RenderResult], entries: dict[str, dict],
                 claimed: dict[str, list[str]]) -> list[RenderResult]:
    """Record each PDF printed in its report's entry (no longer claimed); a report whose PDF could not be
    printed comes back failed, saying why (its page stays listed)."""
    failed = {}
    for item in printed:
        if item.ok and item.name in entries and (out / item.file).is_file():
            entry = entries[item.name]
            entry["files"] = [*entry["files"], item.file]
            entry["sha256"] = {**entry["sha256"], item.file: item.sha256}
            claimed.pop(item.name, None)
        elif not item.ok:
            failed[item.name] = item.error
    return [replace(r, ok=False, error=failed[r.name]) if r.name in failed else r for r in results]


def _still_claimed(out: Path, entries: dict[str, dict], files: list[str]) -> list[str]:
    """Of the files a finished batch claimed but did not write, those it must keep claiming: present, holding
    bytes a pending record names (written by ocdata) and not the bytes an entry records (a file as recorded stays
    protected by its sha256). A file holding neither is someone's own: no longer claimed."""
    recorded = {f: d for entry in entries.values() for f, d in entry.get("sha256", {}).items()}
    pending = pending_digests(out)
    kept = []
    for file in files:
        digest = file_sha256(out / file) if (out / file).is_file() else None
        if digest is not None and digest != recorded.get(file) and digest in pending.get(file, ()):
            kept.append(file)
    return kept
