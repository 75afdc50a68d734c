"""Reading options checked before any file is opened, each with a sentence naming what is allowed.

A misspelt zone, an empty separator or an unknown encoding would otherwise
surface as a parser's own exception (``ZoneInfoNotFoundError``,
``TypeError: "delimiter" must be a 1-character string``, ``LookupError``) from
deep inside a reader, or not at all until a file happened to need it.
"""

from __future__ import annotations

import codecs

import pandas as pd

__all__ = ["check_reading_options"]


def _time_zone(tz) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, IsADirectoryError, OSError):
        raise ValueError(f"tz must be an IANA time-zone name such as 'Europe/Berlin' or 'UTC', not {tz!r}") from None


def _separator(sep) -> None:
    if not isinstance(sep, str) or len(sep) != 1 or sep in "\r\n\"":
        raise ValueError(f"sep must be one character such as ',' ';' or a tab, not {sep!r}")


def _quotechar(quotechar) -> None:
    if not isinstance(quotechar, str) or len(quotechar) != 1 or quotechar in "\r\n":
        raise ValueError(f"quotechar must be one character such as '\"', not {quotechar!r}")


def _encoding(encoding) -> None:
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ValueError(f"encoding must be a text encoding such as 'utf-8', 'utf-16' or 'latin-1', not {encoding!r}") from None


def _until(until) -> None:
    try:
        stamp = pd.Timestamp(until)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"until must be a date such as '2030-01-01', not {until!r}")


_CHECKS = {"tz": _time_zone, "sep": _separator, "quotechar": _quotechar, "encoding": _encoding, "until": _until}


def check_reading_options(**options) -> None:
    """Raise ``ValueError`` for the first option (tz, sep, quotechar, encoding, until) that cannot work; ``None`` means unset."""
    for name, value in options.items():
        if value is not None and name in _CHECKS:
            _CHECKS[name](value)
