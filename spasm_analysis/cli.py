"""The ``spasm-analysis`` command line.

Subcommands are listed in :data:`COMMANDS`: each :class:`Command` (defined in
its own module, e.g. ``report/cli_report.py``) names itself, adds its arguments
to its own parser, and runs with the parsed arguments, returning an exit code.
Those modules import :mod:`spasm_analysis.commands`, never this one, so the
CLI and the report do not import each other.

Exit codes: 0 success, 2 the input could not be used (a
:class:`~spasm_analysis.LogValidationError` listing every problem, a missing or
unreadable file, a damaged archive, an XML bomb, a limit of
:mod:`spasm_analysis.limits` reached) -- printed as plain text on stderr, in one
sentence or a list of problems, without a traceback.

Examples
--------
::

    spasm-analysis summary data/sample/personal
    spasm-analysis summary my_log.xlsx
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import TextIO

from .commands import Command, load_log
from .reading import add_reading_options, reading_options
from .report.cli_report import REPORT_COMMAND
from .report.clinician_page import CLINICIAN_COMMAND
from .schema import LogValidationError
from .version import __version__

__all__ = ["Command", "COMMANDS", "register", "main", "load_log", "describe_error"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _configure_summary(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a folder of table files (episodes.csv, follow_up.csv, ...), one episode or calendar file, or an app export")
    parser.add_argument("--since", metavar="DATE", help="describe only what was logged from this date on (e.g. 2015-01-01)")
    parser.add_argument("--until", metavar="DATE", help="describe only what was logged before this date (a calendar's repeating events are expanded up to it)")
    add_reading_options(parser)


def _run_summary(args: argparse.Namespace, out: TextIO) -> int:
    from .summary import summarize_log

    log = load_log(args.path, err=sys.stderr, **reading_options(args))
    if args.since or args.until:
        log = log.between(args.since, args.until)
    print(f"Episode log: {args.path}", file=out)
    print(str(summarize_log(log)), file=out)
    print("These numbers describe what was logged; they are not medical advice.", file=out)
    return EXIT_OK


SUMMARY_COMMAND = Command(
    name="summary",
    help="count episodes per year, spasm-free gaps, episode lengths and imprecise dates",
    configure=_configure_summary,
    run=_run_summary,
)

#: Subcommands by name, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {c.name: c for c in (SUMMARY_COMMAND, REPORT_COMMAND, CLINICIAN_COMMAND)}


def register(command: Command) -> Command:
    """Add a subcommand (e.g. a plug-in's) to :data:`COMMANDS`, replacing one of the same name."""
    COMMANDS[command.name] = command
    return command


#: Caches that libraries would otherwise create in the home folder, and the variable that places each.
_CACHE_VARIABLES = ("MPLCONFIGDIR", "SPASM_ANALYSIS_CACHE")


@contextlib.contextmanager
def private_caches():
    """Run a command writing nothing but its output: caches go to a temporary folder, removed afterwards.

    Matplotlib would create ``~/.config/matplotlib`` and its font list under
    ``~/.cache``, and the Cox kernels are compiled into ``~/.cache/spasm_analysis``.
    A cache folder the user names (``MPLCONFIGDIR``, ``SPASM_ANALYSIS_CACHE``) is
    used and kept, which makes later runs start faster; a library already
    imported (and so already configured) is left alone.
    """
    unset = [name for name in _CACHE_VARIABLES if not os.environ.get(name)]
    if "matplotlib" in sys.modules and "MPLCONFIGDIR" in unset:
        unset.remove("MPLCONFIGDIR")
    if not unset:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="spasm-analysis-") as folder:
        for name in unset:
            os.environ[name] = os.path.join(folder, name.lower())
        try:
            yield
        finally:
            for name in unset:
                del os.environ[name]


def describe_error(error: BaseException) -> str:
    """One sentence for an input that could not be used (no traceback, no class names)."""
    from defusedxml import DefusedXmlException

    if isinstance(error, DefusedXmlException):
        return ("the file declares XML entities or a DTD, which tracking-app exports never need and which "
                "can make a small file expand without bound (an XML bomb); it was not read")
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to be read"
    if isinstance(error, MemoryError):
        return ("the input needs more memory than this machine has; "
                "see the limits in spasm_analysis.limits to stop earlier with a clearer message")
    if isinstance(error, FileNotFoundError) and error.filename is None:
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        where = f" {error.filename}" if error.filename is not None else ""
        return f"cannot use{where}: {error.strerror}"
    return str(error)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spasm-analysis",
        description="Describe and analyse logs of recurring episodes (back spasms, migraines, flares).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS.values():
        command.configure(sub.add_parser(command.name, help=command.help, description=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (``--help`` exits through argparse)."""
    args = build_parser().parse_args(argv)
    try:
        with private_caches():
            return COMMANDS[args.command].run(args, sys.stdout)
    except LogValidationError as error:
        print(f"spasm-analysis {args.command}: the log could not be read.", file=sys.stderr)
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError, RecursionError, MemoryError) as error:
        print(f"spasm-analysis {args.command}: {describe_error(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader of our output (e.g. `| head`) stopped early: not an error of ours.
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
