"""Read whatever a person has: a folder of tables, one table or calendar file, or a tracking app's export.

:func:`read_source` is what the command line's ``summary``, ``report`` and
``clinician`` use, so each reads every source :func:`~spasm_analysis.read_log`
and :func:`~spasm_analysis.read_app_export` read, and takes the choices their
error messages ask for (which app, which symptom, the date order, how far to
expand repeating calendar events, which calendar events, the text encoding and
the column separator).  :func:`add_reading_options` puts those choices on a
command's parser.
"""

from __future__ import annotations

import argparse
import inspect
import warnings
from pathlib import Path

from .log import EpisodeLog
from .schema import LogValidationError
from .options import check_option

__all__ = ["read_source", "read_source_noting", "add_reading_options", "reading_options"]

#: Choices for a table, folder or calendar (passed to read_log) and for an app export.
_TABLE_CHOICES = ("dayfirst", "until", "match", "tz", "encoding", "sep")
_APP_CHOICES = ("symptom", "dayfirst", "language", "encoding")


def _app_of(path: Path) -> str | None:
    """The app that wrote ``path``, or None for a table, calendar or folder of tables."""
    from .apps import detect_app
    from .io.folder import find_table_files

    if path.suffix.lower() == ".ics" or (path.is_dir() and "episodes" in find_table_files(path)):
        return None
    try:
        return detect_app(path)
    except LogValidationError:
        raise  # a corrupt, truncated or encrypted export zip: its own clear message
    except (ValueError, OSError):
        return None


def read_source(path, *, app: str | None = None, **choices) -> EpisodeLog:
    """Read ``path`` with the reader that fits it.

    Parameters
    ----------
    path : str or Path
        A folder of tables, one table or ``.ics`` file, or an app export
        (CSV, Apple Health XML, zip or unzipped folder).
    app : str, optional
        The app that wrote the export (one of :data:`spasm_analysis.apps.APPS`);
        detected when omitted.  A file no app is detected in is read as a table.
    **choices
        ``symptom``, ``language`` (app exports), ``until``, ``match``, ``tz``
        (calendars), ``sep`` (tables), ``dayfirst`` and ``encoding`` (both);
        None means "not given".  A choice the chosen reader does not take is an
        error naming the readers that do.

    Returns
    -------
    EpisodeLog

    Examples
    --------
    >>> log = read_source("tests/fixtures/apps/daylio.csv", symptom="back spasm")  # doctest: +SKIP
    """
    from .apps import APPS, read_app_export
    from .apps.registry import LABELS, reader_of
    from .io import read_log
    from .io.folder import require_file_or_folder

    path = Path(path)
    require_file_or_folder(path)
    given = {name: value for name, value in choices.items() if value is not None}
    unknown = sorted(set(given) - set(_TABLE_CHOICES) - set(_APP_CHOICES))
    if unknown:
        raise TypeError(f"unexpected choice(s) {', '.join(unknown)}; allowed: {', '.join(sorted(set(_TABLE_CHOICES) | set(_APP_CHOICES)))}")
    if app is not None:
        check_option("app", app, APPS)
    chosen, app = app, app or _app_of(path)
    if app is None:
        if path.suffix.lower() == ".ics":
            _refuse(given, ("until", "match", "tz"), f"{path.name} is read as a calendar")
        else:
            what = "folder of tables" if path.is_dir() else "table (no app export was recognised; pass the app if it is one)"
            _refuse(given, ("dayfirst", "encoding", "sep"), f"{path.name} is read as a {what}")
            # A person's own tables: without --dayfirst/--monthfirst each date column decides its order.
            given.setdefault("dayfirst", None)
        return read_log(path, **given)
    accepted = set(inspect.signature(reader_of(app)).parameters)
    _refuse(given, [c for c in _APP_CHOICES if c in accepted], f"{path.name} is read as a {LABELS[app]} export")
    # Without a chosen app, read_app_export detects it again and says which it assumed.
    return read_app_export(path, app=chosen, **given)


def read_source_noting(path, **choices) -> tuple[EpisodeLog, tuple[str, ...]]:
    """:func:`read_source`, and what the readers said along the way as notes.

    A reader tells what it assumed or left out as a warning: the app it
    detected, rows or records it did not use and why, treatment names no
    vocabulary rule knows, a follow-up window it inferred.  The command line
    prints these and the report shows them, so nothing is dropped or assumed
    out of the person's sight.

    Returns
    -------
    (EpisodeLog, tuple of str)
        The log, and each distinct warning message once, in the order raised.

    Examples
    --------
    >>> log, notes = read_source_noting("tests/fixtures/apps/daylio.csv", symptom="back spasm")  # doctest: +SKIP
    >>> notes[0]  # doctest: +SKIP
    'daylio.csv: detected app Daylio (...); pass app='daylio' to skip detection'
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = read_source(path, **choices)
    return log, tuple(dict.fromkeys(str(warning.message) for warning in caught))


def _refuse(given: dict, allowed, what: str) -> None:
    extra = [name for name in given if name not in allowed]
    if extra:
        shown = ", ".join(_FLAGS.get(name, name) for name in extra)
        raise ValueError(f"{shown} cannot be used here: {what}, which takes {', '.join(_FLAGS.get(a, a) for a in allowed) or 'none of these'}")


#: How each choice is spelled on the command line (for messages).
_FLAGS = {
    "symptom": "--symptom", "dayfirst": "--dayfirst/--monthfirst", "language": "--language", "until": "--until",
    "match": "--match", "tz": "--tz", "encoding": "--encoding", "sep": "--separator",
}


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """Add the reading choices of :func:`read_source` to a command's parser."""
    from .apps import APPS

    group = parser.add_argument_group("reading the input")
    group.add_argument("--app", choices=APPS, help="the app that wrote the export (detected when omitted)")
    group.add_argument("--symptom", help="for an app export: the symptom (name or regular expression) that defines an episode")
    order = group.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True, help="dates are written day first (05/10/2015 is 5 October)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False, help="dates are written month first (05/10/2015 is May 10)")
    group.add_argument("--language", help="for Daylio's older export: the language of its dates, e.g. pl or de")
    try:
        group.add_argument("--until", metavar="DATE", help="for a calendar (.ics): expand repeating events up to this date")
    except argparse.ArgumentError:
        pass  # the command has its own --until (the end of what it describes), which serves calendars too
    group.add_argument("--match", metavar="TEXT", help="for a calendar (.ics): read only events whose title or category contains TEXT")
    group.add_argument("--tz", metavar="ZONE", help="for a calendar (.ics): the time zone its UTC times are shown in, e.g. Europe/Berlin")
    group.add_argument("--encoding", help="text encoding of a CSV/TSV file or app export, e.g. cp1252 or utf-16")
    group.add_argument("--separator", dest="sep", metavar="CHAR", help="column separator of a CSV file, e.g. ';' or '\\t'")


def reading_options(args: argparse.Namespace) -> dict:
    """The reading choices given on the command line, as keyword arguments of :func:`read_source`."""
    names = ("app",) + tuple(dict.fromkeys(_APP_CHOICES + _TABLE_CHOICES))
    options = {name: getattr(args, name, None) for name in names}
    if Path(args.path).suffix.lower() != ".ics":
        # A command's --until may also end what it describes; only a calendar reads it.
        options["until"] = None
    if options.get("sep") == "\\t":
        options["sep"] = "\t"
    return options
