"""How ocdata's kernels talk to it: IPC sockets in the kernel's folder where the system has them, else TCP on
127.0.0.1 (encrypted with CurveZMQ where pyzmq and the kernel support it; otherwise the kernel's warning about
plain-text TCP is silenced, so reports and logs stay clean)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ocdata.capabilities import kernel_transport

LOOPBACK = "127.0.0.1"
QUIET_KERNEL = "--IPKernelApp.log_level=ERROR"
"""Kept from a plain-text TCP kernel's log: errors only (its start-up warning says it is not encrypted)."""


def _curve() -> bool:
    try:
        import zmq
    except ImportError:
        return False
    return bool(zmq.has("curve"))


def manager_options(folder: Path | str) -> dict[str, Any]:
    """Keyword arguments for a jupyter_client kernel manager whose connection file (and IPC sockets) are in
    ``folder``."""
    from jupyter_client.manager import KernelManager

    options: dict[str, Any] = {"connection_file": os.path.join(folder, "kernel.json")}
    if kernel_transport() == "ipc":
        return {**options, "transport": "ipc", "ip": os.path.join(folder, "k")}
    options.update(transport="tcp", ip=LOOPBACK)
    if "transport_encryption" in KernelManager.class_trait_names() and _curve():
        options["transport_encryption"] = "auto"
    return options


def encrypted(km: Any) -> bool:
    """Whether the manager ``km`` (made with :func:`manager_options`) gives its kernel CurveZMQ keys."""
    spec = getattr(km, "kernel_spec", None)
    declared = (getattr(spec, "metadata", None) or {}).get("supported_encryption", [])
    return getattr(km, "transport_encryption", "disabled") == "auto" and "curve" in declared


def kernel_arguments(km: Any) -> list[str]:
    """Extra command-line arguments for the kernel ``km`` starts: none over IPC or encrypted TCP; over plain TCP,
    a log level that drops the kernel's warning about it."""
    if getattr(km, "transport", "ipc") == "ipc" or encrypted(km):
        return []
    return [QUIET_KERNEL]
