"""How many kernels a batch may run at once: what was asked, capped by the batch and the machine."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

KERNEL_MEMORY = 150 * 1024 * 1024
"""About what one kept kernel holds (Python, pandas, matplotlib, the tables): 150 MB."""


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def available_memory(meminfo: Path | None = None) -> int | None:
    """Bytes of memory available for new processes (psutil's ``available``), or None where unknown. ``meminfo``:
    read that file instead, in the ``/proc/meminfo`` format (its ``MemAvailable`` line)."""
    if meminfo is None:
        try:
            return int(psutil.virtual_memory().available)
        except (OSError, RuntimeError, psutil.Error):
            return None
    try:
        for line in Path(meminfo).read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def cap_jobs(requested: int | None, reports: int | None = None, *, cores: int | None = None,
             memory: int | None = -1) -> int:
    """The kernels to start: ``requested`` (default: the cores), at most one per report, at most the
    cores, and at most one per 150 MB of available memory (where the system tells); at least 1."""
    cores = cores or default_jobs()
    memory = available_memory() if memory == -1 else memory
    size = min(requested or cores, cores)
    if reports is not None:
        size = min(size, reports)
    if memory is not None:
        size = min(size, memory // KERNEL_MEMORY)
    return max(1, size)
