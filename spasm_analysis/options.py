"""Checks of keyword options, declared once for every public function.

One message format everywhere: the option's name, the value given and the
allowed values (or range).
"""

from __future__ import annotations

import codecs
import math
import numbers

__all__ = ["check_option", "check_confidence_level", "check_number", "check_reading_options"]


def check_option(name: str, value, allowed) -> None:
    """Raise a ValueError naming ``name``, ``value`` and the allowed values unless ``value`` is one.

    >>> check_option("ties", "exact", ("efron", "breslow"))
    Traceback (most recent call last):
    ...
    ValueError: ties='exact' is not valid; allowed values: 'efron', 'breslow'
    """
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value against a set
        ok = False
    if not ok:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name}={value!r} is not valid; allowed values: {listed}")


def check_confidence_level(confidence_level, name: str = "confidence_level") -> float:
    """A confidence level strictly between 0 and 1, as a float.

    >>> check_confidence_level(0.9)
    0.9
    """
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real) \
            or not 0.0 < float(confidence_level) < 1.0:
        raise ValueError(f"{name}={confidence_level!r} is not valid; allowed values: "
                         "a number strictly between 0 and 1, e.g. 0.95")
    return float(confidence_level)


def check_number(name: str, value, *, above=None, at_least=None, below=None, at_most=None,
                 whole: bool = False, none: bool = False):
    """Return ``value`` if it is a finite number in the stated range, else raise a ValueError saying the range.

    ``above``/``below`` are strict bounds, ``at_least``/``at_most`` inclusive ones;
    ``whole`` asks for a whole number, ``none`` also allows ``None``.

    >>> check_number("n_bootstrap", -1, at_least=0, whole=True)
    Traceback (most recent call last):
    ...
    ValueError: n_bootstrap=-1 is not valid; allowed values: a whole number >= 0
    """
    if none and value is None:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (not whole or float(value).is_integer())
    ok = ok and (above is None or value > above) and (at_least is None or value >= at_least)
    ok = ok and (below is None or value < below) and (at_most is None or value <= at_most)
    if not ok:
        bounds = [f"> {above:g}" if above is not None else "", f">= {at_least:g}" if at_least is not None else "",
                  f"< {below:g}" if below is not None else "", f"<= {at_most:g}" if at_most is not None else ""]
        wanted = ("a whole number " if whole else "a number ") + " and ".join(b for b in bounds if b)
        raise ValueError(f"{name}={value!r} is not valid; allowed values: {'None or ' if none else ''}{wanted.strip()}")
    return value


# Reading options: checked before any file is opened, so that a misspelt zone,
# an empty separator or an unknown encoding is named here rather than surfacing
# as a parser's own exception (ZoneInfoNotFoundError, "delimiter must be a
# 1-character string", LookupError) from deep inside a reader.

def _time_zone(tz) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, IsADirectoryError, OSError):
        raise ValueError(f"tz={tz!r} is not valid; allowed values: an IANA time-zone name such as 'Europe/Berlin' or 'UTC'") from None


def _separator(sep) -> None:
    if not isinstance(sep, str) or len(sep) != 1 or sep in "\r\n\"":
        raise ValueError(f"sep={sep!r} is not valid; allowed values: one character such as ',' ';' or a tab")


def _quotechar(quotechar) -> None:
    if not isinstance(quotechar, str) or len(quotechar) != 1 or quotechar in "\r\n":
        raise ValueError(f"quotechar={quotechar!r} is not valid; allowed values: one character such as '\"'")


def _encoding(encoding) -> None:
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ValueError(f"encoding={encoding!r} is not valid; allowed values: a text encoding such as 'utf-8', 'utf-16' or 'latin-1'") from None


def _until(until) -> None:
    import pandas as pd

    try:
        stamp = pd.Timestamp(until)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"until={until!r} is not valid; allowed values: a date such as '2030-01-01'")


_CHECKS = {"tz": _time_zone, "sep": _separator, "quotechar": _quotechar, "encoding": _encoding, "until": _until}


def check_reading_options(**options) -> None:
    """Raise ``ValueError`` for the first option (tz, sep, quotechar, encoding, until) that cannot work; ``None`` means unset."""
    for name, value in options.items():
        if value is not None and name in _CHECKS:
            _CHECKS[name](value)
