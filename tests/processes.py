"""Waiting for events and seeing the processes of a command under test (from ``/proc``, where there is one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

PATIENCE = 300.0
"""How long a test waits for an event before it fails (a busy machine is slow, never this slow)."""


def wait_until(happened: Callable[[], object], what: str, seconds: float = PATIENCE) -> None:
    """Return as soon as ``happened()`` is true; fail naming ``what`` if it is still false after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not happened():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.02)


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def mentioning(text: str) -> list[int]:
    """Processes whose command line names ``text``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
