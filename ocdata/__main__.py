"""``python -m ocdata`` runs the command line.

SIGTERM becomes Ctrl-C before anything else is imported, so that a signal at any moment after the interpreter
starts ocdata is one line and exit 130 (``cli.main`` then handles it the same way); once the command is done,
signals are ignored while the interpreter exits, so the exit code says what the command did.
"""

import signal
import sys


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


try:
    signal.signal(signal.SIGTERM, _terminate)
    from ocdata.cli import main

    code = main()
    for signum in (signal.SIGINT, signal.SIGTERM):  # the work is done: a signal now changes nothing
        signal.signal(signum, signal.SIG_IGN)
except KeyboardInterrupt:  # before main() set up its own handling, or as it returned
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    print("ocdata: interrupted", file=sys.stderr)
    code = 130
sys.exit(code)
