"""What this system offers ocdata, each with its fallback: symbolic links, hard links, swapping two names in one
step, and IPC sockets for kernels.

``OCDATA_FORCE_FALLBACKS=1`` makes every answer "no", so that each fallback (pointer folders instead of links,
copies instead of hard links, move-aside instead of an exchange, TCP kernels instead of IPC) runs and is tested
where the capability exists.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

FORCE_FALLBACKS = "OCDATA_FORCE_FALLBACKS"
"""The environment variable that, set to ``1``, forces every fallback."""


def forced() -> bool:
    """Whether ``OCDATA_FORCE_FALLBACKS=1`` asks for every fallback."""
    return os.environ.get(FORCE_FALLBACKS) == "1"


def symlinks(folder: Path) -> bool:
    """Whether a symbolic link can be made in ``folder`` (Windows without developer mode cannot); tried with a
    link of a random name, removed at once."""
    if forced() or not hasattr(os, "symlink"):
        return False
    probe = Path(folder) / f".ocdata-probe-{secrets.token_hex(6)}"
    try:
        os.symlink("ocdata-probe", probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def hardlinks() -> bool:
    """Whether to try hard links (``os.link``; a file system may still refuse one, and a copy is made instead)."""
    return not forced() and hasattr(os, "link")


def exchange() -> bool:
    """Whether two names can be swapped in one step (Linux ``renameat2(RENAME_EXCHANGE)``; the call itself may
    still answer that a file system does not support it)."""
    return not forced() and sys.platform.startswith("linux")


def ipc_kernels() -> bool:
    """Whether kernels can talk over IPC (Unix domain) sockets; elsewhere they use TCP on 127.0.0.1."""
    return not forced() and os.name == "posix"


def kernel_transport() -> str:
    """The transport kernels use: ``"ipc"`` where available, else ``"tcp"``."""
    return "ipc" if ipc_kernels() else "tcp"
