"""The ``ocdata`` command line: ``build``, ``report``, ``export``, ``download``, ``notebooks``, ``add``, ``teach``
and ``remove``."""

from __future__ import annotations

import argparse
import ast
import atexit
import contextlib
import errno
import functools
import json
import os
import re
import select
import shutil
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from pathlib import Path
from types import FrameType
from typing import NoReturn

from ocdata.errors import OcdataError, ParameterError, one_line

INTERNAL_ERROR = 3
INTERRUPTED = 130
ENVIRONMENT_ERRNOS = frozenset({
    errno.EACCES, errno.EPERM, errno.EROFS,  # permissions, a read-only disk
    errno.ENOSPC, errno.EDQUOT, errno.EFBIG,  # a full disk, a quota, a file size limit
    errno.ENOTDIR, errno.EISDIR,  # a path of the wrong kind
    errno.ENAMETOOLONG, errno.ELOOP,  # a name over 255 bytes, a loop of symbolic links
    errno.ENOENT, errno.ESTALE,  # a path that vanished under ocdata (a deleted working folder), a stale NFS handle
    errno.ENOTEMPTY, errno.EBUSY, errno.ETXTBSY,  # a folder filled or a file held by another program
    errno.EXDEV, errno.EMLINK,  # a path across two file systems (a mount point), too many links
    errno.EMFILE, errno.ENFILE,  # the process's or the system's limit of open files
    errno.EIO, errno.ENXIO, errno.ENODEV,  # a failing disk, a device that is not there
})
"""``OSError``s that are the environment's problem, not a bug: exit 2 with one line naming the path. Each of
them can be caused by what is on the disk or by the limits of the machine, whatever ocdata does; an error
ocdata's own logic alone can cause (``EEXIST``, ``EBADF``, ``EINVAL``) stays a bug (exit 3)."""
SYMLINK_LOOP = re.compile(r"Symlink loop from (.+)")
"""How ``pathlib.Path.resolve`` (Python 3.11 and 3.12) reports a loop of links: a ``RuntimeError``, not ELOOP."""
WORKBOOK_HELP = ("a file of all countries' scores: an .xlsx release, a workbook of one edition, or a CSV or Parquet "
                 "table (an ocdata export too); give several after one --workbook or repeat it (the later release "
                 "wins a value, the other files' values become checks); default: the newest downloaded workbook")
FILE_SUFFIX = re.compile(r"\.[^\s.]+")
"""A file name's suffix as ``report --workbook`` and ``add --country`` tell a file from a country: no space in it."""
JOBS_HELP = ("parallel kernels (default: the cores): at most the number of reports, the cores, and available "
             "memory / 150 MB per kernel; must be ≥ 1")


def _workbooks(args: argparse.Namespace) -> Path | list[Path] | bool | None:
    """``--workbook`` as the functions take it: ``False`` (``--no-workbook``), ``None`` (not given), one path, or
    the list of paths when it is repeated."""
    if args.no_workbook:
        return False
    if not args.workbook:
        return None
    _refuse_empty_workbooks(args.workbook)
    books = [Path(book) for book in args.workbook]
    return books[0] if len(books) == 1 else books


def _refuse_empty_workbooks(values: list) -> None:
    """``--workbook ""`` names no file (``Path("")`` is the current folder): a usage error, not a folder refused."""
    if any(not str(value).strip() for value in values):
        raise _usage("--workbook: expected a file, found an empty value")


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file (a name too long or a link loop is no file: it is tried as a country)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    """Whether something is at ``path`` (a name too long or a link loop is nothing)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _names_a_path(value: str) -> bool:
    """Whether a value as typed names a path: it has a folder (``./KAZ`` too, which ``Path`` would shorten to
    ``KAZ``) or a suffix (``.xlsx``, ``.v2``; the ``. Lucia`` of ``St. Lucia`` is none: a suffix has no space)."""
    folder = os.sep in value or (os.altsep is not None and os.altsep in value)
    return folder or FILE_SUFFIX.fullmatch(Path(value).suffix) is not None


def _file_edition(args: argparse.Namespace) -> int | None:
    """``--edition`` of ``build`` and ``export``: an edition of the index, given with a workbook to apply to."""
    if args.edition is None:
        return None
    from ocdata.views.params import editions_known

    if args.edition not in editions_known():
        known = ", ".join(map(str, editions_known()))
        raise _usage(f"--edition: expected an edition of the index ({known}), found {args.edition}")
    if args.no_workbook:
        raise _usage("--edition names the edition of a workbook file that does not say its own; with --no-workbook "
                     "there is none (leave --edition out)")
    return args.edition


def _build(args: argparse.Namespace) -> int:
    from ocdata.build import run_build

    edition = _file_edition(args)
    return run_build(raw=args.raw, out=args.out, workbook=_workbooks(args), keep_going=args.keep_going,
                     edition=edition)


def _export(args: argparse.Namespace) -> int:
    from ocdata.export import run_export

    edition = _file_edition(args)
    return run_export(out=args.out, format=args.format, raw=args.raw, workbook=_workbooks(args), edition=edition)


def _countries_after_workbooks(args: argparse.Namespace) -> None:
    """``report --workbook book.xlsx KAZ``: ``--workbook`` takes several files, so the countries typed after it
    land among them; a value that is no file (a folder named ``KAZ`` is none either) and names no path (no folder,
    no suffix) is a country."""
    if not args.workbook:
        return
    values = [str(value) for value in args.workbook]
    _refuse_empty_workbooks(values)
    books = [value for value in values if _is_file(Path(value)) or _names_a_path(value)]
    countries = [_iso3(value) for value in values if value not in books]
    args.workbook = [Path(book) for book in books] or None
    args.countries = [*args.countries, *countries]
    if countries and not books:
        raise _usage(f"--workbook needs a file, found only {', '.join(countries)} (a country goes before "
                     "--workbook or after its files)")


def _file_after_countries(args: argparse.Namespace) -> None:
    """``add --country KAZ kaz.txt``: ``--country`` takes several codes, so a file typed after them lands among
    them; the last value is the file when no FILE was given and it is a file or names a path."""
    values = list(args.country or [])
    if args.file is None and values:
        last = values[-1]
        if _exists(Path(last)) or _names_a_path(last):
            args.file = Path(last)
            values.pop()
    args.country = [_iso3(value) for value in values] or None


def _report(args: argparse.Namespace) -> int:
    from ocdata.report import run_reports

    _countries_after_workbooks(args)

    compare = args.compare
    if compare is not None:
        compare = ",".join(_iso3(code) for code in compare.split(","))
    return run_reports(
        countries=args.countries,
        compare=compare,
        region=args.region,
        edition=args.edition,
        all_=args.all,
        overview=args.overview,
        jobs=args.jobs,
        out=args.out,
        with_code=args.with_code,
        workbook=_workbooks(args),
        pdf=args.pdf,
    )


def _download(args: argparse.Namespace) -> int:
    from ocdata import download

    if args.list:
        records = download.list_downloads(args.to)
        where = args.to if args.to is not None else download.cache_dir()
        if not records:
            print(f"no downloaded workbook in {where}")
        for record in records:
            print(download.describe_download(record))
        return 0
    path = download.download_workbook(to=args.to, url=args.url, release=args.release)
    record = json.loads(download.record_path(path).read_text(encoding="utf-8"))
    print(path)
    print(f"sha256 {record['sha256']}" + (f" (the {record['release']} release)" if record["release"] else ""))
    return 0


def _teach(args: argparse.Namespace) -> int:
    from ocdata.teach import write_kit

    for path in write_kit(args.out, html=not args.no_html):
        print(f"wrote {path}")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from ocdata.outputs.notebooks import copy_notebooks

    done = copy_notebooks(args.dir)
    for path in done.written:
        print(f"wrote {path}")
    if done.unchanged:
        print(f"{len(done.unchanged)} file(s) already there, unchanged")
    return 0


def _add(args: argparse.Namespace) -> int:
    from ocdata.inputs import documents

    _file_after_countries(args)
    if args.list:
        given = [name for name, value in (("FILE", args.file), ("--country", args.country), ("--kind", args.kind),
                                          ("--id", args.id), ("--edition", args.edition)) if value is not None]
        if given:
            raise _usage(f"add --list lists every added document and takes no {' or '.join(given)}")
        rows = documents.list_documents()
        if rows.empty:
            print(f"no added documents in {documents.user_documents_dir()}")
        for _, row in rows.iterrows():
            print(documents.describe_document(row))
        return 0
    if args.file is None:
        raise _usage("add needs a FILE (or --list)")
    entry = documents.add_document(args.file, kind=args.kind, ident=args.id, edition=args.edition,
                                   countries=args.country)
    print(f"added {documents.describe_document(entry)}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from ocdata.inputs.documents import remove_document

    entry = remove_document(args.id)
    kept = " (its file is kept: it changed since ocdata add copied it)" if entry["file_kept"] else ""
    print(f"removed {entry['id']} ({entry['file']}){kept}")
    return 0


def _usage(message: str) -> OcdataError:
    """A usage error found after parsing; ``main`` adds the hint of the command's help."""
    return UsageError(message)


def _iso3(value: str) -> str:
    """A country as typed: an ISO3 code in any case (``kgz`` is ``KGZ``) or a name of the alias table
    (``kyrgyzstan``, ``"Kyrgyz Republic"``) as its code; anything else upper-cased, for the command to refuse."""
    text = value.strip()
    if len(text) == 3 and text.isascii() and text.isalpha():
        return text.upper()
    from ocdata.errors import ParameterError
    from ocdata.views.params import country_code

    try:
        return country_code(text)
    except ParameterError:
        return text.upper()


def _jobs(value: str) -> int:
    """``--jobs``: a whole number ≥ 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, found {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, found {number}")
    return number


COMMANDS = ("build", "report", "export", "download", "notebooks", "add", "teach", "remove")
"""The commands of ``ocdata``, in the order ``ocdata --help`` lists them."""


class UsageError(ParameterError):
    """A command line the parser accepted but the command cannot take (two options that exclude each other...)."""


def help_hint(argv: list[str] | None) -> str:
    """``(see ocdata CMD --help)`` for the command ``argv`` names, or ``(see ocdata --help)``."""
    words = sys.argv[1:] if argv is None else argv
    command = next((word for word in words if word in COMMANDS), None)
    return f"(see ocdata {command} --help)" if command else "(see ocdata --help)"


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as every other error (exit 2), with the hint of the
    command's help."""

    argv: list[str] | None = None

    def error(self, message: str) -> NoReturn:
        hint = f"(see {self.prog} --help)" if self.prog != "ocdata" else help_hint(OneLineParser.argv)
        print(f"ocdata: error: {one_line(message)} {hint}", file=sys.stderr)
        sys.exit(2)


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ocdata`` command."""
    from ocdata.download import DEADLINE_SECONDS, MAX_BYTES, SOCKET_TIMEOUT_SECONDS, WORKBOOK_URL

    parser = OneLineParser(prog="ocdata", description=__doc__, epilog=(
        "Exit codes: 0 success, 1 a validation check failed, 2 input or environment problem (unreadable, "
        "read-only, full disk, a name too long, a loop of links, a deleted working folder, an output pipe "
        "closed, bad parameter), 3 a bug, 130 interrupted (Ctrl-C or SIGTERM)."))
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    debug = OneLineParser(add_help=False)  # --debug after the command works too (`ocdata report KGZ --debug`)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show a traceback on errors")
    sub.add_parser = functools.partial(sub.add_parser, parents=[debug])  # type: ignore[method-assign]

    build = sub.add_parser("build", help="parse the documents into tidy tables in data/processed")
    _raw_argument(build)
    build.add_argument("--out", type=Path, default=None,
                       help="output folder: missing, empty or an earlier ocdata build; it becomes a link to a version "
                            "folder .NAME.ocdata/ beside it (default: data/processed)")
    _workbook_arguments(build)
    build.add_argument(
        "--keep-going", action="store_true", help="write the tables even when checks fail (exit 1 still)"
    )
    build.set_defaults(func=_build)

    report = sub.add_parser("report", help="render HTML reports with papermill and nbconvert")
    report.add_argument("countries", nargs="*", type=_iso3, metavar="ISO3",
                        help="countries to profile (ISO3 codes in any case, or names)")
    report.add_argument("--compare", default=None, metavar="ISO3,ISO3,...", help="render a comparison")
    report.add_argument("--region", default=None, help="compare the countries of a region (needs a workbook)")
    report.add_argument("--edition", type=int, default=None, help="edition year (default: the latest)")
    report.add_argument("--overview", action="store_true",
                        help="the whole index of an edition: maps, ranking, distributions (overview_EDITION.html)")
    report.add_argument("--all", action="store_true",
                        help="every country, the comparisons, the overview, the robustness reports, the tutorial and "
                             "the lessons")
    _workbook_arguments(report, edition=False)  # report's --edition is the edition of its reports
    report.add_argument("--jobs", type=_jobs, default=None, metavar="N", help=JOBS_HELP)
    report.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    report.add_argument("--with-code", action="store_true", help="keep code cells in the HTML")
    report.add_argument("--pdf", action="store_true",
                        help="also print each page to NAME.pdf beside it (A4, by headless Chromium: chromium on PATH "
                             "or $OCDATA_CHROMIUM)")
    report.set_defaults(func=_report)

    export = sub.add_parser(
        "export", help="write the tidy tables as CSV or Parquet (ocdata.load(workbook=...) reads scores back)",
        description="Write the scores table to a file, or every table to a folder, as CSV or Parquet. A file that "
                    "is there already is replaced only by the same bytes: any other existing file is refused.")
    export.add_argument("--format", choices=("csv", "parquet"), default=None,
                        help="file format (default: from the --out suffix, else csv)")
    export.add_argument("--out", type=Path, default=None, metavar="FILE_OR_DIR",
                        help="a file for the scores table, or a folder (an existing one, or a name without .csv or "
                             ".parquet) for every table (default: scores.csv here)")
    _raw_argument(export)
    _workbook_arguments(export)
    export.set_defaults(func=_export)

    download = sub.add_parser(
        "download", help="fetch the official workbook into the user cache",
        description=(f"Fetch the workbook over http or https, at most {MAX_BYTES // (1024 * 1024)} MB within "
                     f"{DEADLINE_SECONDS} s in all (no wait longer than {SOCKET_TIMEOUT_SECONDS} s), keep it only "
                     "if it is an .xlsx workbook of the index (a CSV or Parquet table is refused: pass it with "
                     "--workbook), print and record its sha256. Each file is kept as <name>-<sha256 prefix>.xlsx "
                     "beside a .json record; the newest one becomes the default "
                     "workbook of load(), build and report."))
    download.add_argument("--to", type=Path, default=None, metavar="DIR", help="folder (default: the user cache)")
    download.add_argument("--url", default=None, help=f"any http or https address (default: {WORKBOOK_URL})")
    download.add_argument("--release", default=None,
                          help="a known release (ocdata/data/releases.csv): the file must have its pinned sha256")
    download.add_argument("--list", action="store_true", help="list the downloaded workbooks, newest first")
    download.set_defaults(func=_download)

    notebooks = sub.add_parser("notebooks", help="copy the notebooks (with their jupytext .py pairs) into a folder")
    notebooks.add_argument("dir", nargs="?", type=Path, default=Path("notebooks"), metavar="DIR",
                           help="where to copy them (default: ./notebooks); existing different files are refused")
    notebooks.set_defaults(func=_notebooks)

    add = sub.add_parser("add", help="register a country profile of your own beside the bundled documents")
    add.add_argument("file", nargs="?", type=Path, default=None, metavar="FILE", help="the text of a profile")
    add.add_argument("--kind", choices=("pdf_profile", "web_profile", "article"), default=None,
                     help="what the file is (default: detected)")
    add.add_argument("--id", default=None, help="a name for it (default: from the file name)")
    add.add_argument("--edition", type=int, default=None, help="its edition (default: detected)")
    add.add_argument("--country", action="extend", nargs="+", default=None, metavar="ISO3",
                     help="the countries it covers, in order (one or several; default: detected)")
    add.add_argument("--list", action="store_true", help="list the added documents")
    add.set_defaults(func=_add)

    teach = sub.add_parser("teach", help="write the teaching kit: student and teacher lessons, teacher HTML")
    teach.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="folder that receives student/ and teacher/ (files it did not write are refused)")
    teach.add_argument("--no-html", action="store_true", help="do not execute the lessons or write teacher HTML")
    teach.set_defaults(func=_teach)

    remove = sub.add_parser("remove", help="remove a document added with 'ocdata add'")
    remove.add_argument("id", metavar="ID", help="its id (see 'ocdata add --list')")
    remove.set_defaults(func=_remove)
    return parser


def _raw_argument(command: argparse.ArgumentParser) -> None:
    """``--raw``: one folder of documents instead of the default ones."""
    command.add_argument("--raw", type=Path, default=None,
                         help="folder of raw documents (default: the bundled documents plus the documents added "
                              "with ocdata add)")


def _workbook_arguments(command: argparse.ArgumentParser, *, edition: bool = True) -> None:
    """``--workbook`` (repeatable) or ``--no-workbook``, and (with ``edition``) ``--edition`` for files that do
    not say theirs."""
    books = command.add_mutually_exclusive_group()
    books.add_argument("--workbook", action="extend", nargs="+", default=None, metavar="FILE",
                       help=WORKBOOK_HELP)
    books.add_argument("--no-workbook", action="store_true", help="use no workbook, not even a downloaded one")
    if not edition:
        return
    command.add_argument("--edition", type=int, default=None, metavar="YEAR",
                         help="the edition of a workbook file that says nothing of its own (in no sheet name, column "
                              "or file name); files that do say keep theirs")


def _cwd_is_gone() -> bool:
    """Whether the working folder was deleted (``os.getcwd`` fails)."""
    try:
        os.getcwd()
    except OSError:
        return True
    return False


def _environment_problem(exc: OSError) -> str | None:
    """One line for an OSError that is the environment's problem, or None for anything else."""
    if exc.errno not in ENVIRONMENT_ERRNOS:
        return None
    names = [os.fsdecode(n) for n in (exc.filename, exc.filename2) if n is not None]
    if exc.errno == errno.ENOENT and not any(Path(n).is_absolute() for n in names) and _cwd_is_gone():
        where = names[0] if names else os.environ.get("PWD") or "the working folder"
        return (f"{one_line(where)}: expected a working folder that exists, found it deleted (change to a folder "
                "that exists)")
    reason = (exc.strerror or errno.errorcode.get(exc.errno, "error")).lower()
    where = " -> ".join(one_line(n) for n in names) if names else "a file"
    return f"{where}: expected a path ocdata can read and write, found {reason}"


def _symlink_loop(exc: RuntimeError) -> str | None:
    """One line for pathlib's ``RuntimeError('Symlink loop from ...')``, or None for any other RuntimeError."""
    match = SYMLINK_LOOP.fullmatch(str(exc))
    if match is None:
        return None
    try:
        where = str(ast.literal_eval(match[1]))
    except (ValueError, SyntaxError):
        where = match[1]
    return f"{one_line(where)}: expected a path ocdata can read and write, found a loop of symbolic links"


def _survive_any_encoding() -> None:
    """Write what stdout and stderr cannot encode as backslash escapes (``PYTHONIOENCODING=ascii``, a C
    locale): help and errors print whatever their text holds, instead of failing on a ``≥`` or an accent."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or getattr(stream, "errors", None) == "backslashreplace":
            continue
        with contextlib.suppress(ValueError, OSError, TypeError):  # a closed or unusual stream stays as it is
            reconfigure(errors="backslashreplace")


def _writable_folder(folder: Path) -> bool:
    """Whether ``folder`` is a folder this process may write in."""
    try:
        return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    except OSError:
        return False


def _could_make(folder: Path) -> bool:
    """Whether ``folder`` is a writable folder, or could be created as one (its nearest existing ancestor is a
    writable folder). Nothing is created."""
    try:
        for path in (folder, *folder.parents):
            if path.is_dir():
                return os.access(path, os.W_OK | os.X_OK)
            if path.exists() or path.is_symlink():
                return False
    except OSError:
        return False
    return False


def _xdg(variable: str, default: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value and os.path.isabs(value) else Path(os.path.expanduser("~")) / default


def _settings_folders() -> None:
    """Give matplotlib and IPython a writable folder where the user's default is not (a read-only or missing
    HOME): ``MPLCONFIGDIR`` and ``IPYTHONDIR`` are set, only then, to folders in the ocdata cache (or in a
    private temporary folder removed at exit), so neither prints warnings. Report kernels inherit them."""
    wanted = []
    if not os.environ.get("MPLCONFIGDIR") and not (_could_make(_xdg("XDG_CONFIG_HOME", ".config") / "matplotlib")
                                                   and _could_make(_xdg("XDG_CACHE_HOME", ".cache") / "matplotlib")):
        wanted.append(("MPLCONFIGDIR", "matplotlib"))
    if not os.environ.get("IPYTHONDIR"):
        ipython = Path(os.path.expanduser("~")) / ".ipython"  # IPython's own rule: the folder, or its parent
        if not _writable_folder(ipython if os.path.lexists(ipython) else ipython.parent):
            wanted.append(("IPYTHONDIR", "ipython"))
    if not wanted:
        return
    from ocdata.paths import cache_dir

    try:
        base = cache_dir() / "settings"
        base.mkdir(parents=True, exist_ok=True)
        if not _writable_folder(base):
            raise PermissionError(errno.EACCES, "not writable", str(base))
    except (OSError, RuntimeError):
        base = Path(tempfile.mkdtemp(prefix="ocdata-settings-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
    for variable, name in wanted:
        os.environ[variable] = str(base / name)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM behaves like Ctrl-C: unwind (removing temporary files), then exit 130. Further SIGTERMs (a
    terminal's and a supervisor's, or ``timeout``'s and a process group's) are ignored from the first on, so
    that none can cut the unwinding short with a traceback. A SIGTERM that lands in a callback of the import
    machinery's locks, where Python would print and ignore the exception, is sent again a moment later."""
    if _in_import_lock_callback(frame):
        timer = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGTERM))
        timer.daemon = True
        timer.start()
        return
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C as Python's own handler has it (``KeyboardInterrupt``), except in a callback of the import
    machinery's locks, where Python would print and ignore the exception: there it is sent again a moment
    later, so that it still unwinds in one line and exit 130."""
    if _in_import_lock_callback(frame):
        timer = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT))
        timer.daemon = True
        timer.start()
        return
    raise KeyboardInterrupt


def _in_import_lock_callback(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside the weak-reference callback of an import lock (whose exceptions Python
    prints and ignores)."""
    while frame is not None:
        if frame.f_code.co_name == "cb" and "importlib" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors print one line on stderr and set the exit code.

    Exit codes: 0 success, 1 a validation check failed, 2 input that cannot be read or parsed, an
    environment problem or a bad parameter, 3 an internal error, 130 interrupted (Ctrl-C or SIGTERM).
    SIGTERM is turned into Ctrl-C first thing, and every import happens inside the handling, so an
    interruption at any moment (even while pandas loads) is one line and exit 130. Run as the process's
    command line (``argv`` None, as the ``ocdata`` script does), signals are ignored once the command is done,
    so that a Ctrl-C as the interpreter exits neither prints a traceback nor changes the exit code.
    """
    in_main = threading.current_thread() is threading.main_thread()
    command_line = in_main and argv is None
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    previous_int = signal.getsignal(signal.SIGINT) if in_main else None
    if in_main and previous_int is signal.default_int_handler:  # Python's own Ctrl-C (not one the caller set)
        signal.signal(signal.SIGINT, _interrupt)
    debug = False
    try:
        _survive_any_encoding()
        warnings.formatwarning = lambda message, *_: f"ocdata: warning: {one_line(str(message))}\n"
        parser = make_parser()
        OneLineParser.argv = argv
        args = parser.parse_args(argv)
        debug = args.debug
        _settings_folders()
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where a reader that went away is one line, not at the interpreter's exit
        if command_line:
            _ignore_signals()
        return code
    except OcdataError as exc:
        if debug:
            traceback.print_exc()
        hint = f" {help_hint(argv)}" if isinstance(exc, UsageError) else ""
        print(f"ocdata: error: {exc}{hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if in_main:  # a second signal must not break the one line
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("ocdata: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError as exc:  # the reader of the output went away (``ocdata ... | head``), or a bug
        if debug:
            traceback.print_exc()
        return _pipe_closed() if _stdout_closed() else _internal(exc)
    except OSError as exc:
        return _environment_or_bug(_environment_problem(exc), exc, debug)
    except RuntimeError as exc:
        return _environment_or_bug(_symlink_loop(exc), exc, debug)
    except Exception as exc:  # a bug, not bad input: say so in one line, keep the traceback for --debug
        if debug:
            traceback.print_exc()
        return _internal(exc)
    finally:
        if command_line:  # the work is done: a signal now changes nothing
            _ignore_signals()
        elif in_main:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (poll reports an error on it)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no poll on this platform, or no real stdout
        return False


def _pipe_closed() -> int:
    """Exit 2 with one line when stdout's reader has gone: what is left to write goes nowhere (no second error
    as the interpreter flushes it at exit)."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        print("ocdata: error: standard output: expected a reader until the end, found the pipe closed",
              file=sys.stderr)
    return OcdataError.exit_code


def _environment_or_bug(line: str | None, exc: BaseException, debug: bool) -> int:
    """Inside ``main``'s handling of ``exc``: its one line and exit 2 when it is the environment's problem
    (``line``), else an internal error (exit 3); the traceback first with ``--debug``."""
    if debug:
        traceback.print_exc()
    if line is None:
        return _internal(exc)
    print(f"ocdata: error: {line}", file=sys.stderr)
    return OcdataError.exit_code


def _ignore_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _internal(exc: BaseException) -> int:
    print(f"ocdata: internal error: {type(exc).__name__}: {one_line(str(exc))} (rerun with --debug for a traceback)",
          file=sys.stderr)
    return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
