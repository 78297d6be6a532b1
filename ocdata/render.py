"""Execute parameterized notebooks with papermill and export them to self-contained HTML.

A batch runs on a few worker processes. Each worker keeps one kernel (IPC transport) for its whole
share of the batch: between reports the kernel's namespace is reset, so a report sees exactly what a
fresh kernel would (papermill's own parameter injection, cells run in order, execution counts from
1), while imports and the loaded data stay warm. Every report is written to a temporary file and
moved into place, so a failure never replaces a good report with half of one.
"""

from __future__ import annotations

import contextlib
import copy
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocdata.errors import ParameterError

if TYPE_CHECKING:
    import nbformat

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "ocdata_report"
KERNEL_NAME = "python3"
INJECTED_CELL_ID = "injected-parameters"
CELL_TIMEOUT = 600
"""Seconds a single cell may run before the report is abandoned."""
STARTUP_TIMEOUT = 60
RESET_TIMEOUT = 10

# Run silently in a kept kernel before each report: what a fresh kernel would not have is dropped
# (the user namespace, open pyplot figures, the output history); imported modules stay.
_RESET_CODE = """\
import sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
get_ipython().reset(new_session=False)
get_ipython().execution_count = 1
"""

_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,120}$")
_VOLATILE_CELL_METADATA = ("papermill", "execution")


@dataclass(frozen=True)
class ReportJob:
    """One report to render: a notebook, its parameters, and the stem of the HTML file to write."""

    name: str
    notebook: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    with_code: bool = False


@dataclass(frozen=True)
class RenderResult:
    """What became of one job: ``ok`` with the written ``path``, or the ``error`` that stopped it."""

    name: str
    path: Path
    ok: bool
    error: str = ""


def output_path(out_dir: Path, name: str) -> Path:
    """The HTML file of report ``name`` inside ``out_dir``; refuses names that could leave the folder."""
    if not isinstance(name, str) or not _STEM.fullmatch(name):
        raise ParameterError(f"report name {name!r} is not a plain file stem ([A-Za-z0-9_-])")
    root = Path(out_dir).resolve()
    path = (root / f"{name}.html").resolve()
    if path.parent != root:
        raise ParameterError(f"report {name!r} would be written outside {root}")
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- executing ------------------------------------------------------------------------------------


def _register_engine() -> None:
    """Register papermill's engine ``ocdata``: nbclient's, on a kernel the caller keeps."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, session=None, execution_timeout=None, start_timeout=60, **kwargs
        ):
            if session is None:
                return super().execute_managed_notebook(
                    nb_man, kernel_name, execution_timeout=execution_timeout, start_timeout=start_timeout,
                    **kwargs,
                )
            client = PapermillNotebookClient(
                nb_man,
                km=session.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
            )
            client.kc = session.kc  # nbclient then neither starts nor stops a client of its own
            return client.execute()

    papermill_engines.register("ocdata", KeptKernelEngine)


class KernelSession:
    """A kernel kept for many notebooks: IPC transport, reset between notebooks, shut down on close."""

    def __init__(self, cwd: Path | None = None, kernel_name: str = KERNEL_NAME) -> None:
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        self._dir: str | None = None

    def start(self) -> KernelSession:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets are files whose paths must stay short (about 100 bytes on Linux)
        base = tempfile.gettempdir()
        self._dir = tempfile.mkdtemp(prefix="ocdata-kernel-", dir=base if len(base) < 60 else "/tmp")
        self.km = AsyncKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=os.path.join(self._dir, "k"),
            connection_file=os.path.join(self._dir, "kernel.json"),
        )
        run_sync(self.km.start_kernel)(
            extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=str(self.cwd)
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=STARTUP_TIMEOUT)
        except Exception:
            self.close()
            raise
        return self

    def interrupt(self) -> None:
        """Interrupt whatever the kernel is running."""
        from jupyter_core.utils import run_sync

        if self.alive():
            run_sync(self.km.interrupt_kernel)()

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def send_silent(self, code: str) -> str:
        """Start running ``code`` without output or history; the request's id."""
        return self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)

    def wait_reply(self, msg_id: str, timeout: float = STARTUP_TIMEOUT) -> dict:
        """The content of the reply to request ``msg_id`` (raises on timeout)."""
        from jupyter_core.utils import run_sync

        while True:
            reply = run_sync(self.kc.get_shell_msg)(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def run_silent(self, code: str, timeout: float = STARTUP_TIMEOUT) -> dict:
        """Run ``code`` without output or history; the reply content."""
        return self.wait_reply(self.send_silent(code), timeout)

    def reset(self) -> None:
        """Give the next notebook a clean namespace; restart the kernel if it died, or is still busy
        (a cell that timed out) and will not reset within a few seconds."""
        try:
            if self.alive() and self.run_silent(_RESET_CODE, timeout=RESET_TIMEOUT).get("status") == "ok":
                return
        except Exception:
            pass
        self.close()
        self.start()

    def execute(self, nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
        """Run ``nb`` with ``parameters`` through papermill on this kernel; the executed notebook."""
        import papermill

        self.reset()
        return papermill.execute_notebook(
            copy.deepcopy(nb),
            None,
            parameters=dict(parameters),
            engine_name="ocdata",
            session=self,
            kernel_name=self.kernel_name,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT,
        )

    def close(self) -> None:
        """Stop the client and shut the kernel down now; remove its connection and socket files."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                if run_sync(self.km.is_alive)():
                    self.km.shutdown_wait_time = 2.0
                    run_sync(self.km.shutdown_kernel)(now=False)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def normalize_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run: papermill's random id of the injected cell, timings."""
    for cell in nb.cells:
        if INJECTED_CELL_ID in cell.get("metadata", {}).get("tags", []):
            cell["id"] = INJECTED_CELL_ID
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    nb.metadata.pop("papermill", None)
    return nb


# --- exporting ------------------------------------------------------------------------------------


class HtmlWriter:
    """nbconvert's HTML export with our offline template; one instance serves many notebooks."""

    def __init__(self) -> None:
        from nbconvert import HTMLExporter

        self._exporters: dict[bool, Any] = {}
        self._cls = HTMLExporter

    def _exporter(self, with_code: bool):
        if with_code not in self._exporters:
            from nbconvert.preprocessors import TagRemovePreprocessor

            exporter = self._cls(
                template_name=TEMPLATE_NAME,
                extra_template_basedirs=[str(TEMPLATE_DIR)],
                exclude_input=not with_code,
                exclude_input_prompt=not with_code,
                exclude_output_prompt=True,
                exclude_anchor_links=True,
            )
            remove = TagRemovePreprocessor(
                remove_cell_tags={"remove-cell"} | (set() if with_code else {"parameters", INJECTED_CELL_ID}),
                enabled=True,
            )
            exporter.register_preprocessor(remove, enabled=True)
            self._exporters[with_code] = exporter
        return self._exporters[with_code]

    def export(self, nb: nbformat.NotebookNode, *, title: str = "", with_code: bool = False) -> str:
        """HTML for an executed notebook: stderr streams and error outputs never reach a report."""
        nb = copy.deepcopy(nb)
        normalize_notebook(nb)
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell["outputs"] = [
                    out
                    for out in cell.get("outputs", [])
                    if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                    and out.get("output_type") != "error"
                ]
        if title:
            nb.metadata["title"] = title
        body, _ = self._exporter(with_code).from_notebook_node(nb, resources={"metadata": {"name": title}})
        return body


def load_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (``.ipynb``) as nbformat v4."""
    import nbformat

    return nbformat.read(str(path), as_version=4)


def render_one(
    job: ReportJob, out_dir: Path, session: KernelSession, writer: HtmlWriter
) -> RenderResult:
    """Execute ``job`` on ``session`` and write its HTML; failures come back as a result, not raised."""
    path = output_path(out_dir, job.name)
    try:
        nb = session.execute(load_notebook(job.notebook), job.parameters)
        html = writer.export(nb, title=job.title, with_code=job.with_code)
        write_atomic(path, html)
    except Exception as exc:  # a report's failure must not stop the batch
        with contextlib.suppress(Exception):
            session.interrupt()  # a cell that timed out may still be running
        return RenderResult(job.name, path, False, _describe(exc))
    return RenderResult(job.name, path, True)


def _describe(exc: BaseException) -> str:
    """One line for a failed report: papermill's cell error as ``ename: evalue``, else the exception."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        where = getattr(exc, "exec_count", None)
        prefix = f"cell [{where}]: " if where else ""
        return f"{prefix}{ename}: {evalue}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}".rstrip(": ")


# --- the batch ------------------------------------------------------------------------------------


def _worker_main(conn: Connection, cwd: str, warmup: str) -> None:
    """A worker process: one kept kernel; jobs ``(job, out_dir)`` received one at a time until ``None``."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _skip_slow_imports()
    session = KernelSession(cwd=Path(cwd))
    try:
        session.start()
        pending = session.send_silent(warmup) if warmup else None
        _register_engine()  # papermill and nbconvert load while the kernel warms up
        writer = HtmlWriter()
        if pending is not None:
            reply = session.wait_reply(pending, timeout=CELL_TIMEOUT)
            if reply.get("status") != "ok":
                raise RuntimeError(f"kernel warm-up failed: {reply.get('ename')}: {reply.get('evalue')}")
        conn.send(("ready", None))
        while True:
            task = conn.recv()
            if task is None:
                break
            job, out_dir = task
            conn.send(("done", render_one(job, Path(out_dir), session, writer)))
    except (EOFError, KeyboardInterrupt, SystemExit):
        _quiet_abandoned_tasks()
    except Exception:
        with contextlib.suppress(Exception):
            conn.send(("crashed", traceback.format_exc(limit=3)))
    finally:
        session.close()
        conn.close()


def _quiet_abandoned_tasks() -> None:
    """After an interrupt, the notebook's half-run cell is a task left on the event loop; when the
    kernel is shut down it ends with an error nobody reads. Keep asyncio from printing it."""
    from jupyter_core.utils import ensure_event_loop

    with contextlib.suppress(Exception):
        ensure_event_loop().set_exception_handler(lambda *_: None)


def _skip_slow_imports() -> None:
    """Keep jsonschema (through nbformat) from importing ``rfc3987_syntax``, which compiles a
    grammar for a second and more at import; it only checks "iri" formats, which notebooks never
    use. Done in worker processes only, where nothing else runs."""
    sys.modules.setdefault("rfc3987_syntax", None)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: ReportJob | None = None
    ready: bool = False


class WorkerPool:
    """Worker processes, each with a kept kernel, started on entry so that kernels warm up while
    the caller still loads and checks its data; :meth:`run` renders a batch on them.

    ``warmup`` is code each kernel runs once before its first report (imports, loading data), so
    that work is not repeated per report.
    """

    def __init__(self, size: int | None = None, *, warmup: str = "", cwd: Path | None = None,
                 progress: bool = True) -> None:
        self.size = max(1, size or os.cpu_count() or 1)
        self.warmup = warmup
        self.cwd = str(cwd or Path.cwd())
        self.progress = progress
        self.workers: list[_Worker] = []
        self._stopping: list[_Worker] = []
        self._ctx = multiprocessing.get_context("spawn")

    def __enter__(self) -> WorkerPool:
        for _ in range(self.size):
            self._spawn()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.cwd, self.warmup), daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.terminate()
        worker.conn.close()

    def close(self) -> None:
        """Ask every worker to stop (each shuts its kernel down), then wait for them."""
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
        for worker in self._stopping + self.workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
            worker.conn.close()
        self.workers.clear()
        self._stopping.clear()

    def run(self, jobs: Sequence[ReportJob], out_dir: Path) -> list[RenderResult]:
        """Render ``jobs`` into ``out_dir``; results in job order. A job whose notebook fails, or
        whose worker dies, is reported in its result; the rest of the batch goes on."""
        from tqdm.auto import tqdm

        jobs, out_dir = list(jobs), Path(out_dir)
        check_jobs(jobs, out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        pending = list(reversed(jobs))
        results: dict[str, RenderResult] = {}
        started_once = any(w.ready for w in self.workers)
        startup_failures = respawns = 0
        bar = tqdm(total=len(jobs), desc="reports", unit="report", disable=not self.progress, file=sys.stderr)

        def fail(job: ReportJob, error: str) -> None:
            results[job.name] = RenderResult(job.name, output_path(out_dir, job.name), False, error)
            bar.update(1)

        def dispatch(worker: _Worker) -> None:
            worker.job = pending.pop() if pending else None
            if worker.job is None:
                self._retire_idle(worker)
            else:
                worker.conn.send((worker.job, str(out_dir)))

        try:
            for worker in self.workers:
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
                        results[payload.name] = payload
                        bar.update(1)
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

    def _retire_idle(self, worker: _Worker) -> None:
        """A worker with nothing left to do stops now, so its kernel shuts down promptly (it is
        waited for on :meth:`close`)."""
        with contextlib.suppress(Exception):
            worker.conn.send(None)
        self.workers.remove(worker)
        self._stopping.append(worker)


def check_jobs(jobs: Sequence[ReportJob], out_dir: Path) -> None:
    """Refuse names that could leave ``out_dir`` and two jobs writing the same file."""
    for job in jobs:
        output_path(out_dir, job.name)
    names = [job.name for job in jobs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(f"two reports would write the same file: {repeated}")


def render_batch(
    jobs: Sequence[ReportJob],
    out_dir: Path,
    *,
    n_jobs: int | None = None,
    progress: bool = True,
    warmup: str = "",
    cwd: Path | None = None,
) -> list[RenderResult]:
    """Render ``jobs`` into ``out_dir`` on ``n_jobs`` kept kernels (default: the cores), with one
    progress bar for the batch; results in job order (see :class:`WorkerPool`)."""
    jobs = list(jobs)
    check_jobs(jobs, Path(out_dir))
    if not jobs:
        return []
    size = min(n_jobs or os.cpu_count() or 1, len(jobs))
    with WorkerPool(size, warmup=warmup, cwd=cwd, progress=progress) as pool:
        return pool.run(jobs, out_dir)


def sync_notebooks(folder: Path | None = None) -> list[Path]:
    """Write each ``notebooks/*.py`` (jupytext percent format) as its paired ``.ipynb``: no outputs,
    cell ids numbered in order (``cell-00``, ...) so the rendered HTML does not change between syncs."""
    import jupytext

    from ocdata.paths import PROJECT_DIR

    folder = Path(folder) if folder is not None else PROJECT_DIR / "notebooks"
    written = []
    for source in sorted(folder.glob("*.py")):
        nb = jupytext.read(source)
        for index, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{index:02d}"
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
        target = source.with_suffix(".ipynb")
        jupytext.write(nb, target, fmt="ipynb")
        written.append(target)
    return written
