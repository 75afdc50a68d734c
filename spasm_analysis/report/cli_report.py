"""The ``spasm-analysis report PATH -o report.html`` subcommand (listed by the CLI)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from spasm_analysis.commands import Command
from spasm_analysis.reading import add_reading_options, reading_options

__all__ = ["REPORT_COMMAND"]


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a folder of table files, one episode file (CSV, XLSX, ...) or a tracking-app export")
    parser.add_argument("-o", "--output", default="report.html", help="where to write the HTML report (default: report.html)")
    parser.add_argument("--cohort", action="store_true", help="cohort report (MCF, Cox models) even for one subject's file")
    parser.add_argument("--by", metavar="COL", help="covariate whose groups the cohort MCF and pseudo-score test compare")
    parser.add_argument("--title", help="title shown at the top of the report")
    parser.add_argument("--pdf", action="store_true", help="also print a PDF next to the HTML (needs Chromium)")
    from .clinician_page import add_window_options

    add_window_options(parser)
    add_reading_options(parser)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from .build import write_report

    path = write_report(args.path, args.output, cohort=True if args.cohort else None, by=args.by,
                        title=args.title, pdf=args.pdf, window=(args.since, args.until), notes_to=sys.stderr,
                        **reading_options(args))
    print(f"Report written to {_shown(path.resolve(), out)}", file=out)
    if args.pdf:
        print(f"PDF written to {_shown(path.with_suffix('.pdf').resolve(), out)}", file=out)
    return 0


def _shown(path, out: TextIO) -> str:
    """The path as the terminal can print it (a name with undecodable bytes is escaped, not a crash)."""
    encoding = getattr(out, "encoding", None) or "utf-8"
    return str(path).encode(encoding, "backslashreplace").decode(encoding)


REPORT_COMMAND = Command(
    name="report",
    help="write a self-contained HTML report (figures, trend, treatments, triggers, forecast; or cohort MCF and Cox models)",
    configure=_configure,
    run=_run,
)
