"""The ``ocdata`` command line: ``build``, ``report`` and ``download``."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from ocdata.errors import OcdataError

INTERNAL_ERROR = 3


def _build(args: argparse.Namespace) -> int:
    from ocdata.build import run_build

    return run_build(raw=args.raw, out=args.out, workbook=args.workbook, keep_going=args.keep_going)


def _report(args: argparse.Namespace) -> int:
    from ocdata.report import run_reports

    return run_reports(
        countries=args.countries,
        compare=args.compare,
        region=args.region,
        edition=args.edition,
        all_=args.all,
        workbook=args.workbook,
        jobs=args.jobs,
        out=args.out,
        with_code=args.with_code,
    )


def _download(args: argparse.Namespace) -> int:
    from ocdata.download import download_workbook

    path = download_workbook(to=args.to, url=args.url)
    print(path)
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ocdata`` command."""
    parser = argparse.ArgumentParser(prog="ocdata", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="parse data/raw into tidy tables in data/processed")
    build.add_argument("--raw", type=Path, default=None, help="folder of raw documents (default: data/raw)")
    build.add_argument("--out", type=Path, default=None, help="output folder (default: data/processed)")
    build.add_argument("--workbook", type=Path, default=None, help="an official workbook (.xlsx) to merge")
    build.add_argument(
        "--keep-going", action="store_true", help="write the tables even when checks fail (exit 1 still)"
    )
    build.set_defaults(func=_build)

    report = sub.add_parser("report", help="render HTML reports with papermill and nbconvert")
    report.add_argument("countries", nargs="*", metavar="ISO3", help="countries to profile")
    report.add_argument("--compare", default=None, metavar="ISO3,ISO3,...", help="render a comparison")
    report.add_argument("--region", default=None, help="compare the countries of a region (needs --workbook)")
    report.add_argument("--edition", type=int, default=None, help="edition year (default: the latest)")
    report.add_argument("--all", action="store_true", help="every country, the comparison and the tutorial")
    report.add_argument("--workbook", type=Path, default=None, help="an official workbook (.xlsx)")
    report.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    report.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    report.add_argument("--with-code", action="store_true", help="keep code cells in the HTML")
    report.set_defaults(func=_report)

    download = sub.add_parser("download", help="fetch the official workbook into a cache")
    download.add_argument("--to", type=Path, default=None, help="folder (default: the user cache)")
    download.add_argument("--url", default=None, help=argparse.SUPPRESS)
    download.set_defaults(func=_download)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors print one line on stderr and set the exit code.

    Exit codes: 0 success, 1 a validation check failed, 2 input that cannot be read or parsed (or a bad
    parameter), 3 an internal error, 130 interrupted.
    """
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OcdataError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"ocdata: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ocdata: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: say so in one line, keep the traceback for --debug
        if args.debug:
            traceback.print_exc()
        print(f"ocdata: internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)",
              file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
