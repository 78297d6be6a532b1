"""A kernel kept for many notebooks: IPC transport (TCP on 127.0.0.1 where the system has no IPC sockets), a
clean namespace before each notebook, and
execution through nbclient's public API (papermill only injects the parameters).

Between notebooks the kernel's namespace is reset, so a notebook sees what a fresh kernel would
(cells run in order, execution counts from 1) while imports and loaded data stay warm.
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from ocdata.render.transport import kernel_arguments, manager_options

if TYPE_CHECKING:
    import nbformat

KERNEL_NAME = "python3"
KERNEL_PREFIX = "ocdata-kernel-"
"""Temporary folders holding a kernel's connection file and IPC sockets."""
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


BATCH_PREFIX = "ocdata-batch-"
"""A batch's scratch folder (the student copies of lessons), swept like kernel folders."""
OWNER_FILE = "owner.pid"
"""Inside a kernel folder: the pid of the process that made it, so that a later batch can tell the folders
of a killed batch (owner gone) from those of a batch still running."""


def _kernel_base() -> Path:
    base = tempfile.gettempdir()
    return Path(base if len(base) < 60 else "/tmp")


def kernel_folder() -> Path:
    """A new temporary folder for one kernel's sockets (IPC socket paths must stay under ~100 bytes),
    recording the process that owns it."""
    folder = Path(tempfile.mkdtemp(prefix=KERNEL_PREFIX, dir=_kernel_base()))
    (folder / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
    return folder


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A batch's scratch folder in the temporary directory, removed on leaving; it records the process that owns
    it, so that a later batch removes it when this one was killed outright."""
    folder = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX, dir=_kernel_base()))
    try:
        (folder / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ours(path: Path) -> bool:
    """Whether ``path`` belongs to this user (where the system has user ids; elsewhere the temporary folder
    is the user's own)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or path.stat().st_uid == getuid()


def sweep_stale_kernel_folders() -> list[Path]:
    """Remove the kernel and scratch folders that a killed batch left (their owner process is gone), killing any
    kernel still running from one; only folders of ours (our prefixes, our user, an owner file) are touched."""
    removed = []
    base = _kernel_base()
    for folder in sorted([*base.glob(f"{KERNEL_PREFIX}*"), *base.glob(f"{BATCH_PREFIX}*")]):
        try:
            if folder.is_symlink() or not folder.is_dir() or not _ours(folder):
                continue
            owner = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if owner == os.getpid() or psutil.pid_exists(owner):
            continue
        stop_kernels_in(folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def stop_kernels_in(folder: Path) -> list[int]:
    """Kill every process of this user whose command line names ``folder`` (a kernel started with its
    connection file there that outlived its worker); the pids killed."""
    killed = []
    needle = str(folder)
    try:
        user = psutil.Process().username()
    except psutil.Error:
        return killed
    for process in psutil.process_iter(["pid", "username", "cmdline"]):
        info = process.info
        if info["pid"] == os.getpid() or info["username"] != user:
            continue
        if not any(needle in part for part in info["cmdline"] or ()):
            continue
        try:
            process.kill()
        except psutil.Error:
            continue
        killed.append(info["pid"])
    return killed


class KernelSession:
    """A kernel kept for many notebooks: IPC (else TCP) transport, reset between notebooks, shut down on close.

    ``folder`` holds the connection file and sockets (made and removed here unless given).
    """

    def __init__(self, cwd: Path | None = None, kernel_name: str = KERNEL_NAME, folder: Path | None = None) -> None:
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        self.client = None
        self._given = Path(folder) if folder is not None else None
        self._dir: Path | None = None
        self._pending_reset: str | None = None
        self._language_info: dict | None = None

    def start(self) -> KernelSession:
        """Start the kernel and a client on it, and wait until it answers."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient
        from nbformat.v4 import new_notebook

        self._dir = self._given or kernel_folder()
        self._dir.mkdir(parents=True, exist_ok=True)
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, **manager_options(self._dir))
        try:
            arguments = ["--HistoryManager.hist_file=:memory:", *kernel_arguments(self.km)]
            run_sync(self.km.start_kernel)(extra_arguments=arguments, cwd=str(self.cwd))
            self.client = NotebookClient(new_notebook(), km=self.km, kernel_name=self.kernel_name,
                                         timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT,
                                         record_timing=True)
            self.kc = self.client.start_new_kernel_client()
        except BaseException:
            self.close(now=True)
            raise
        return self

    def interrupt(self) -> None:
        """Interrupt whatever the kernel is running."""
        from jupyter_core.utils import run_sync

        if self.alive():
            run_sync(self.km.interrupt_kernel)()

    def alive(self) -> bool:
        """Whether the kernel process is running."""
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

    def freeze(self) -> None:
        """After the warm-up: what the kernel holds now (modules, loaded data) is kept for good, out of the
        garbage collector's sight, so the collection each reset makes scans only what a report left."""
        self.run_silent("import gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc\n")

    def begin_reset(self) -> None:
        """Start the reset for the next notebook now: the kernel clears its namespace while the caller
        exports the last one; :meth:`reset` then only waits for it."""
        if self._pending_reset is None and self.kc is not None:
            with contextlib.suppress(Exception):
                self._pending_reset = self.send_silent(_RESET_CODE)

    def reset(self) -> None:
        """Give the next notebook a clean namespace; restart the kernel if it died, or is still busy
        (a cell that timed out) and will not reset within a few seconds."""
        pending, self._pending_reset = self._pending_reset, None
        try:
            if self.alive():
                reply = self.wait_reply(pending or self.send_silent(_RESET_CODE), timeout=RESET_TIMEOUT)
                if reply.get("status") == "ok":
                    return
        except Exception:
            pass
        self.close(now=True)
        self.start()

    def execute(self, nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
        """Run a copy of ``nb`` with ``parameters`` injected (as papermill would) on this kernel; the executed
        notebook. The first failing cell raises nbclient's ``CellExecutionError``."""
        self.reset()
        return self.run(inject_parameters(copy.deepcopy(nb), parameters))

    def run(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        """Run every cell of ``nb`` (changed in place) in the kernel as it is; ``nb``."""
        client = self.client
        client.nb = nb
        client.reset_execution_trackers()
        if self._language_info is None:  # asked once per kernel: it does not change
            self._language_info = client.wait_for_reply(self.kc.kernel_info())["content"]["language_info"]
        nb.metadata["language_info"] = copy.deepcopy(self._language_info)
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        return nb

    def close(self, now: bool = False) -> None:
        """Stop the client and shut the kernel down (``now``: kill it); remove its connection and
        socket files."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            if self._pending_reset is not None and not now:
                # a reset still running when the kernel shuts down ends in a traceback on the kernel's stderr
                with contextlib.suppress(Exception):
                    self.wait_reply(self._pending_reset, timeout=RESET_TIMEOUT)
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        self.client = None
        self._pending_reset = None
        self._language_info = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                if run_sync(self.km.is_alive)():
                    self.km.shutdown_wait_time = 2.0
                    run_sync(self.km.shutdown_kernel)(now=now)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None
        if self._dir is not None:
            if self._given is None:
                shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
    """``nb`` with a cell assigning ``parameters`` after its ``parameters`` cell (at the top without one),
    tagged and named ``injected-parameters`` as papermill's; no parameters, no cell. Values are Python
    literals (``str``, ``int``, ``float``, ``bool``, ``None``, lists and dicts of them)."""
    from nbformat.v4 import new_code_cell

    from ocdata.render.export import INJECTED_CELL_ID

    nb.cells = [c for c in nb.cells if INJECTED_CELL_ID not in c.get("metadata", {}).get("tags", [])]
    if not parameters:
        return nb
    lines = ["# Parameters", *(f"{name} = {_literal(value)}" for name, value in parameters.items())]
    cell = new_code_cell("\n".join(lines) + "\n", id=INJECTED_CELL_ID, metadata={"tags": [INJECTED_CELL_ID]})
    where = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(where, cell)
    return nb


def _literal(value: Any) -> str:
    """``value`` as Python source that evaluates back to it."""
    import math

    from ocdata.errors import ParameterError

    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise ParameterError(f"a notebook parameter must be a plain value (text, number, list), found {value!r}")


def compute_seconds(nb: nbformat.NotebookNode) -> float:
    """Seconds the kernel spent running ``nb``'s cells (from nbclient's timings, before they are dropped)."""
    from datetime import datetime

    total = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            with contextlib.suppress(ValueError):
                total += (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return total
