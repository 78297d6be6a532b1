"""A batch of reports on a few worker processes, each keeping one kernel for its share.

Workers start at once and import what rendering needs; their kernels start only on :meth:`WorkerPool.start`,
once the caller has checked every parameter and output file. A report that fails, or whose kernel dies, is
reported in its result and the rest go on. An interruption (Ctrl-C, SIGTERM, any exception) stops every
worker, kills any kernel that outlived its worker and removes the kernels' temporary folders.
"""

from __future__ import annotations

import _thread
import contextlib
import errno
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ocdata.errors import InputError
from ocdata.inputs.files import read_input_bytes
from ocdata.outputs.atomic import write_bytes_atomic, write_text_atomic
from ocdata.outputs.ledger import file_sha256
from ocdata.render.export import HtmlWriter, load_notebook
from ocdata.render.jobs import RenderResult, ReportJob, check_jobs, output_path
from ocdata.render.kernel import (
    CELL_TIMEOUT,
    KernelSession,
    compute_seconds,
    kernel_folder,
    stop_kernels_in,
    sweep_stale_kernel_folders,
)

STOP_GRACE = 5
"""Seconds a stopped worker gets to shut its kernel down before it is killed."""
STOP_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM})
"""Errors writing a report that every later report would meet too (a full, read-only or forbidden folder): the
batch stops at the first, in one line, instead of failing each report."""
PENDING = ".ocdata-pending"
"""The folder, in a folder of reports, of each report's pending record (``NAME.json``: file → [sha256]): the
bytes its worker is about to write, saved before any file is replaced, so that the files a batch killed outright
left are known as ocdata's by their bytes."""
PENDING_MAX_BYTES = 64 * 1024


def read_pending(path: Path) -> dict[str, set[str]] | None:
    """A pending record (file → digests); ``None`` for anything that is not one (not read past its cap)."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        content = json.loads(read_input_bytes(path, PENDING_MAX_BYTES, "a pending record").decode("utf-8"))
    except (OSError, InputError, ValueError, RecursionError):
        return None
    if not isinstance(content, dict):
        return None
    return {f: {d for d in ds if isinstance(d, str)} for f, ds in content.items()
            if isinstance(f, str) and "/" not in f and isinstance(ds, list)}


def write_pending(out: Path, name: str, record: dict[str, set[str]]) -> Path:
    """Save report ``name``'s pending record in ``out`` atomically (sorted: the same record, the same bytes)."""
    folder = out / PENDING
    folder.mkdir(exist_ok=True)
    text = json.dumps({f: sorted(ds) for f, ds in sorted(record.items())}, indent=1) + "\n"
    return write_text_atomic(folder / f"{name}.json", text)


def record_pending(out: Path, name: str, files: dict[str, bytes]) -> None:
    """Before writing ``files`` (name → bytes) of report ``name`` into ``out``: record their digests, keeping
    those of the record before that the files still hold (a write an earlier killed batch left)."""
    earlier = read_pending(out / PENDING / f"{name}.json") or {}
    record: dict[str, set[str]] = {}
    for file in {*earlier, *files}:
        current = file_sha256(out / file)
        kept = {current} if current in earlier.get(file, ()) else set()
        if file in files:
            kept.add(hashlib.sha256(files[file]).hexdigest())
        if kept:
            record[file] = kept
    write_pending(out, name, record)


def file_state(path: Path) -> str | None:
    """What is at ``path``, as the write rules compare it: a regular file's sha256, ``"not a file"`` for a link
    or a folder, None when nothing is there."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return "not a file"
    return file_sha256(path) if path.exists() else None


def files_as_found(out_dir: Path, job: ReportJob) -> dict[str, str | None]:
    """The state (:func:`file_state`) of each file ``job`` may write, as the batch finds it before rendering."""
    page = output_path(out_dir, job.name)
    return {path.name: file_state(path) for path in (page, page.with_suffix(".csv"))}


def changed_since_found(folder: Path, names: Sequence[str], found: dict[str, str | None]) -> Path | None:
    """The first of ``names`` in ``folder`` that is not as the batch found it (a file the user made or edited
    while the batch rendered), or None."""
    for name in names:
        if name in found and file_state(folder / name) != found[name]:
            return folder / name
    return None


def render_one(job: ReportJob, out_dir: Path, session: KernelSession, writer: HtmlWriter,
               pending: bool = False, found: dict[str, str | None] | None = None) -> RenderResult:
    """Execute ``job`` on ``session`` and write its HTML (and its CSV when the notebook publishes one; with
    ``pending``, after their pending record); failures come back as a result, not raised. With ``found``
    (:func:`files_as_found` before the batch), a file made or changed since is left as it is and the report
    fails naming it."""
    path = output_path(out_dir, job.name)
    start = time.perf_counter()
    try:
        nb = session.execute(cached_notebook(job.notebook), job.parameters)
    except Exception as exc:  # a report's failure must not stop the batch
        with contextlib.suppress(Exception):
            session.interrupt()  # a cell that timed out may still be running
        return RenderResult(job.name, path, False, _describe(exc), seconds=time.perf_counter() - start)
    session.begin_reset()  # the kernel clears up while the page is exported
    return write_report(job, path, nb, writer, start, pending=pending, found=found)


def write_report(job: ReportJob, path: Path, nb: Any, writer: HtmlWriter, start: float,
                 pending: bool = False, found: dict[str, str | None] | None = None) -> RenderResult:
    """Export an executed notebook and write its files atomically: with ``pending``, their digests in the
    report's pending record first; then the CSV, then the page that links it. With ``found``, a file not as
    the batch found it is left alone and the report fails naming it. Failures come back as a result."""
    compute = compute_seconds(nb)
    try:
        page = writer.page(nb, title=job.title, with_code=job.with_code, name=job.name, copy_first=False)
        data = {path.name: page.html.encode("utf-8")}
        files: tuple[str, ...] = ()
        if page.csv:
            files = (path.with_suffix(".csv").name,)
            data[files[0]] = page.csv.encode("utf-8")
        changed = changed_since_found(path.parent, list(data), found) if found is not None else None
        if changed is not None:
            return RenderResult(job.name, path, False, f"{changed}: expected the file as the batch found it, found "
                                "it made or changed while the batch ran; ocdata report never overwrites your files "
                                "(move it away and run again)", seconds=time.perf_counter() - start,
                                compute=compute)
        if not _batch_alive():  # a worker of a batch killed outright writes nothing more
            return RenderResult(job.name, path, False, "the batch stopped", seconds=time.perf_counter() - start,
                                compute=compute)
        if pending:
            record_pending(path.parent, job.name, data)  # a kill from here on leaves bytes known as ocdata's
        for name in (*files, path.name):  # the CSV first, then the page that links it
            write_bytes_atomic(path.parent / name, data[name])
    except OSError as exc:
        if exc.errno not in STOP_ERRNOS:
            return RenderResult(job.name, path, False, _describe(exc), seconds=time.perf_counter() - start,
                                compute=compute)
        reason = (exc.strerror or errno.errorcode.get(exc.errno, "error")).lower()
        return RenderResult(job.name, path, False, f"{exc.filename or path}: expected a folder the reports can be "
                            f"written to, found {reason}", seconds=time.perf_counter() - start, compute=compute,
                            stops_batch=True)
    except Exception as exc:
        return RenderResult(job.name, path, False, _describe(exc), seconds=time.perf_counter() - start,
                            compute=compute)
    return RenderResult(job.name, path, True, files=files, seconds=time.perf_counter() - start, compute=compute)


_NOTEBOOKS: dict[Path, tuple[int, Any]] = {}


def cached_notebook(path: Path):
    """The notebook at ``path``, read once per worker while the file does not change (callers copy it)."""
    path = Path(path)
    stamp = path.stat().st_mtime_ns
    cached = _NOTEBOOKS.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_notebook(path))
        _NOTEBOOKS[path] = cached
    return cached[1]


def _describe(exc: BaseException) -> str:
    """One line for a failed report: the cell's error as ``ename: evalue``, else the exception."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}".rstrip(": ")


# --- a worker process -----------------------------------------------------------------------------


def _worker_main(conn: Connection, cwd: str, folder: str) -> None:
    """One worker: wait for the warm-up code, start a kernel in ``folder`` and warm it, then render
    ``(job, out_dir)`` tasks one at a time until ``None``. SIGTERM stops it and kills its kernel."""

    _skip_slow_imports()
    _import_kernel_machinery()  # before SIGTERM is caught: a SIGTERM here ends the worker, never half an import
    signal.signal(signal.SIGTERM, _stop_worker)
    _stop_when_orphaned()
    session = KernelSession(cwd=Path(cwd), folder=Path(folder))
    now = False
    try:
        warmup = conn.recv()
        if warmup is None:
            return
        session.start()
        pending = session.send_silent(warmup) if warmup else None
        writer = HtmlWriter()  # nbconvert loads while the kernel warms up
        writer.exporter(False)
        if pending is not None:
            reply = session.wait_reply(pending, timeout=CELL_TIMEOUT)
            if reply.get("status") != "ok":
                raise RuntimeError(f"kernel warm-up failed: {reply.get('ename')}: {reply.get('evalue')}")
            session.freeze()
        conn.send(("ready", None))
        while True:
            task = conn.recv()
            if task is None:
                break
            job, out_dir, pending, found = task
            conn.send(("done", render_one(job, Path(out_dir), session, writer, pending, found)))
    except (EOFError, KeyboardInterrupt, SystemExit):
        now = True
        _quiet_abandoned_tasks()
    except Exception:
        with contextlib.suppress(Exception):
            conn.send(("crashed", traceback.format_exc(limit=3)))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the kernel's shutdown finish
        with contextlib.suppress(Exception):  # the pool kills a kernel left over and removes its folder
            session.close(now=now)
        conn.close()


def _stop_when_orphaned() -> None:
    """Stop this worker (as SIGTERM does) as soon as the batch that started it is gone: a batch killed outright
    (``kill -9``, a closed terminal) must not leave workers that go on writing pages into the folder, where its
    rerun has written its own."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        _thread.interrupt_main(signal.SIGTERM)  # the main thread runs _stop_worker: the kernel is shut down

    threading.Thread(target=watch, name="ocdata-orphan-watch", daemon=True).start()


def _batch_alive() -> bool:
    """Whether the process that started this one still runs (always, outside a worker)."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def _stop_worker(*_: object) -> None:
    """SIGTERM in a worker: stop, once. A terminal's signal reaches the whole process group and the pool then
    terminates each worker too; that second SIGTERM must not break the kernel's shutdown (a traceback)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(143)


def _quiet_abandoned_tasks() -> None:
    """After an interrupt, a half-run cell is a task left on the event loop; when the kernel is shut
    down it ends with an error nobody reads. Keep asyncio from printing it."""
    with contextlib.suppress(Exception):  # an import the interrupt cut short fails again: nothing to quiet
        from jupyter_core.utils import ensure_event_loop

        ensure_event_loop().set_exception_handler(lambda *_: None)


def _import_kernel_machinery() -> None:
    """Import what starting and driving a kernel needs (asyncio, zmq, jupyter_client, nbclient)."""
    import jupyter_client.manager  # noqa: F401
    import jupyter_core.utils  # noqa: F401
    import nbclient  # noqa: F401


def _skip_slow_imports() -> None:
    """Keep jsonschema (through nbformat) from importing ``rfc3987_syntax``, which compiles a grammar for a
    second and more at import; it only checks "iri" formats, which notebooks never use. Worker processes only."""
    sys.modules.setdefault("rfc3987_syntax", None)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    folder: Path
    job: ReportJob | None = None
    ready: bool = False


@contextlib.contextmanager
def _sigint_ignored():
    """Children started inside ignore SIGINT for good (an ignored signal stays ignored across exec, and
    Python keeps it so): Ctrl-C reaches the parent alone, which stops the workers in order."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class WorkerPool:
    """Worker processes, each to keep a kernel. Entering starts the processes; :meth:`start` starts their
    kernels (each runs ``warmup`` once: imports, loading data); :meth:`run` renders a batch on them (``pending``:
    each report's files recorded in a pending record before they are written, see :data:`PENDING`)."""

    def __init__(self, size: int | None = None, *, warmup: str = "", cwd: Path | None = None,
                 progress: bool = True, pending: bool = False) -> None:
        self.pending = pending
        self.size = max(1, size or os.cpu_count() or 1)
        self.warmup = warmup
        self.cwd = str(cwd or Path.cwd())
        self.progress = progress
        self.workers: list[_Worker] = []
        self._stopping: list[_Worker] = []
        self._folders: list[Path] = []
        self._started = False
        self._ctx = multiprocessing.get_context("spawn")

    def __enter__(self) -> WorkerPool:
        sweep_stale_kernel_folders()  # what a killed batch left behind
        try:
            for _ in range(self.size):
                self._spawn()
        except BaseException:
            self.close(abort=True)
            raise
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(abort=exc_type is not None)

    def _spawn(self) -> _Worker:
        folder = kernel_folder()
        self._folders.append(folder)
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.cwd, str(folder)), daemon=True)
        with _sigint_ignored():
            process.start()
        child.close()
        worker = _Worker(process, parent, folder)
        self.workers.append(worker)
        if self._started:
            worker.conn.send(self.warmup)
        return worker

    def shrink(self, size: int) -> None:
        """Keep at most ``size`` workers (before :meth:`start`: the batch is smaller than the pool)."""
        while len(self.workers) > max(1, size):
            self._retire_idle(self.workers[-1])
        self.size = min(self.size, max(1, size))

    def start(self, warmup: str | None = None) -> None:
        """Start every worker's kernel and warm it up with ``warmup`` (default: the pool's)."""
        if warmup is not None:
            self.warmup = warmup
        self._started = True
        for worker in self.workers:
            worker.conn.send(self.warmup)

    def _retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.terminate()
        worker.conn.close()

    def _retire_idle(self, worker: _Worker) -> None:
        """A worker with nothing left to do stops now, so its kernel shuts down promptly (it is waited
        for on :meth:`close`)."""
        with contextlib.suppress(Exception):
            worker.conn.send(None)
        self.workers.remove(worker)
        self._stopping.append(worker)

    def close(self, abort: bool = False) -> None:
        """Stop every worker (each shuts its kernel down) and wait for them; ``abort`` stops them now
        (SIGTERM). Then no kernel of the pool is left running and its temporary folders are gone."""
        workers = self._stopping + self.workers
        try:
            for worker in self.workers:
                with contextlib.suppress(Exception):
                    worker.conn.send(None)
            if abort:
                for worker in workers:
                    with contextlib.suppress(Exception):
                        worker.process.terminate()
            for worker in workers:
                worker.process.join(timeout=STOP_GRACE if abort else 10)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join(timeout=5)
                worker.conn.close()
        finally:  # an interruption while waiting still kills every worker and kernel and removes the folders
            for worker in workers:
                if worker.process.is_alive():
                    with contextlib.suppress(Exception):
                        worker.process.kill()
            self.workers.clear()
            self._stopping.clear()
            for folder in self._folders:
                stop_kernels_in(folder)
                shutil.rmtree(folder, ignore_errors=True)
            self._folders.clear()

    def run(self, jobs: Sequence[ReportJob], out_dir: Path,
            on_result: Callable[[RenderResult], None] | None = None) -> list[RenderResult]:
        """Render ``jobs`` into ``out_dir``; results in job order. A job whose notebook fails, or whose
        worker dies, is reported in its result; the rest of the batch goes on, unless a page cannot be written
        for a reason every later one shares (a full or read-only disk: InputError). ``on_result`` is called with
        each result as it comes."""
        from tqdm.auto import tqdm

        jobs, out_dir = list(jobs), Path(out_dir)
        check_jobs(jobs, out_dir)
        found = {job.name: files_as_found(out_dir, job) for job in jobs}  # before any kernel works
        if not self._started:
            self.start()
        pending = list(reversed(jobs))
        results: dict[str, RenderResult] = {}
        started_once = any(w.ready for w in self.workers)
        startup_failures = respawns = 0
        bar = tqdm(total=len(jobs), desc="reports", unit="report", disable=not self.progress, file=sys.stderr)

        def record(result: RenderResult) -> None:
            results[result.name] = result
            bar.update(1)
            if on_result is not None:
                on_result(result)

        def fail(job: ReportJob, error: str) -> None:
            record(RenderResult(job.name, output_path(out_dir, job.name), False, error))

        def dispatch(worker: _Worker) -> None:
            worker.job = pending.pop() if pending else None
            if worker.job is None:
                self._retire_idle(worker)
            else:
                worker.conn.send((worker.job, str(out_dir), self.pending, found[worker.job.name]))

        try:
            for worker in list(self.workers):
                if worker.ready and worker.job is None:
                    dispatch(worker)
            while len(results) < len(jobs):
                if not self.workers:  # every worker gave up: what is left cannot run
                    while pending:
                        fail(pending.pop(), "no worker left to run it")
                    break
                ready = set(wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]))
                for worker in list(self.workers):
                    if worker.conn not in ready and worker.process.sentinel not in ready:
                        continue
                    try:
                        message = worker.conn.recv() if worker.conn.poll() else None
                    except (EOFError, OSError):
                        message = None
                    if message is None:
                        if worker.process.is_alive():
                            continue
                        message = ("crashed", f"worker process ended (exit code {worker.process.exitcode})")
                    kind, payload = message
                    if kind == "ready":
                        worker.ready = started_once = True
                        dispatch(worker)
                    elif kind == "done":
                        if payload.stops_batch:
                            raise InputError(payload.error)
                        record(payload)
                        dispatch(worker)
                    else:
                        reason = str(payload).strip().splitlines()[-1] if str(payload).strip() else "worker failed"
                        self._retire(worker)
                        if worker.job is not None:
                            fail(worker.job, reason)
                        if not worker.ready:
                            startup_failures += 1
                        if not started_once and startup_failures >= self.size:
                            # not one kernel could be started: the remaining jobs would fail the same way
                            while pending:
                                fail(pending.pop(), f"no kernel could be started: {reason}")
                        elif pending and len(self.workers) < self.size and respawns < len(jobs):
                            respawns += 1
                            self._spawn()
        finally:
            bar.close()
        return [results[job.name] for job in jobs]


def render_batch(
    jobs: Sequence[ReportJob],
    out_dir: Path,
    *,
    n_jobs: int | None = None,
    progress: bool = True,
    warmup: str = "",
    cwd: Path | None = None,
) -> list[RenderResult]:
    """Render ``jobs`` into ``out_dir`` on ``n_jobs`` kept kernels (default: the cores, at most one per
    job), with one progress bar for the batch; results in job order (see :class:`WorkerPool`)."""
    jobs = list(jobs)
    check_jobs(jobs, Path(out_dir))
    if not jobs:
        return []
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    size = min(n_jobs or os.cpu_count() or 1, len(jobs))
    with WorkerPool(size, warmup=warmup, cwd=cwd, progress=progress) as pool:
        return pool.run(jobs, out_dir)

