"""Dates as people write them in logs: full, partial ("Oct 2013") or vague ("summer 2004").

A partial date stands for a period.  :func:`parse_date` returns the first
instant of that period together with its precision (``"day"``, ``"month"`` or
``"year"``), which the episode table keeps in ``onset_precision`` so that later
analyses know which onsets are only approximately placed.

Choices made here, and why
--------------------------
* **Time zones.**  An aware value (``2013-10-05T23:30:00+02:00``, a tz-aware
  column) keeps the wall-clock time it was written in and loses its offset.
  Episode logs are day-level records of a person's life: the date the person
  saw on the calendar is the date they mean, and converting to UTC would move
  late-evening onsets to the next day.  Pass ``tz="Europe/Berlin"`` (any IANA
  name) to first convert aware values to that zone's wall clock instead, e.g.
  for calendar exports stored in UTC.  Naive values are never shifted.
* **ISO dates are never day-first.**  ``2013-10-05`` is 5 October whatever
  ``dayfirst`` says; ``dayfirst`` only disambiguates ``05/10/2013``.
* **Vague parts of a month.**  "early/mid/late October 2013" start on the 1st,
  11th and 21st, with precision ``"month"``.
* **Seasons** are meteorological, northern hemisphere: spring = March,
  summer = June, autumn/fall = September; "winter 2004" is the winter part of
  2004 that starts the year (January), so the year stays as written.  A season
  is recorded with precision ``"month"`` (the finest precision the canonical
  table allows that does not claim a day).
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from dateutil import parser as _dateutil

__all__ = ["EARLIEST", "LATEST", "parse_date", "parse_date_column", "period_end", "period_ends", "to_wall_clock"]

PRECISIONS = ("day", "month", "year")
#: Dates are held as nanosecond timestamps (1677-2262); whole years inside that
#: range are accepted, so that the end of any accepted period is representable.
EARLIEST = pd.Timestamp("1678-01-01")
LATEST = pd.Timestamp("2262-01-01")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 1}
_PART_OF_MONTH = {"early": 1, "beginning of": 1, "start of": 1, "mid": 11, "middle of": 11, "late": 21, "end of": 21}

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[t ].*)?$")
_ISO_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART = "|".join(sorted(_PART_OF_MONTH, key=len, reverse=True))
_VAGUE_MONTH = re.compile(rf"^(?P<part>{_PART})[\s-]*(?P<month>{_MONTH_NAME})\.?,?\s*(?P<year>\d{{4}})$")
_SEASON = re.compile(
    rf"^(?:(?P<season1>{'|'.join(_SEASONS)})(?:\s+of)?[\s,]+(?P<year1>\d{{4}})"
    rf"|(?P<year2>\d{{4}})[\s,]+(?P<season2>{'|'.join(_SEASONS)}))$"
)
# dateutil fills missing fields from a default; parsing with two defaults that
# differ in every field reveals which fields the text actually gave.
_DEFAULT_A = _dt.datetime(1904, 1, 1)
_DEFAULT_B = _dt.datetime(1908, 2, 2)


def to_wall_clock(stamp: pd.Timestamp, tz: str | None = None) -> pd.Timestamp:
    """Drop the offset of an aware timestamp, keeping the wall clock (in ``tz`` if given)."""
    if stamp.tzinfo is not None:
        if tz is not None:
            stamp = stamp.tz_convert(tz)
        stamp = stamp.tz_localize(None)
    if not (EARLIEST <= stamp < LATEST):
        raise ValueError(f"outside the dates this library handles ({EARLIEST:%Y} to {LATEST.year - 1})")
    return stamp.as_unit("ns")


def _normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_date(value: Any, *, dayfirst: bool = False, tz: str | None = None) -> tuple[pd.Timestamp, str | None]:
    """Parse one written date into ``(first instant of the period, precision)``.

    Parameters
    ----------
    value : str, datetime-like or int
        ``"2013-10-05"``, ``"05/10/2013"``, ``"Oct 5, 2013"``, ``"2013-10"``,
        ``"Oct 2013"``, ``"2004"``, ``"early October 2013"``, ``"summer 2004"``,
        a ``datetime``/``date``/``Timestamp``, or an integer year such as ``2004``.
        Empty values (``None``, NaN, ``""``) give ``(NaT, None)``.
    dayfirst : bool
        Read ``05/10/2013`` as 5 October (``True``) or May 10 (``False``).
    tz : str, optional
        IANA zone to convert aware values to before their offset is dropped.

    Returns
    -------
    (pandas.Timestamp, str or None)
        Naive timestamp and one of ``"day"``, ``"month"``, ``"year"``.

    Raises
    ------
    ValueError
        If the text is not a date, or lacks a year.

    Examples
    --------
    >>> parse_date("Oct 2013")
    (Timestamp('2013-10-01 00:00:00'), 'month')
    >>> parse_date("05/10/2013", dayfirst=True)
    (Timestamp('2013-10-05 00:00:00'), 'day')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return pd.NaT, None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return pd.NaT, None
        return to_wall_clock(stamp, tz), "day"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("not a date")
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
        year = int(value)
        if 1000 <= year <= 2999:
            return to_wall_clock(pd.Timestamp(year, 1, 1)), "year"
        if 10000 <= year <= 100000:
            # Excel stores dates as days since 1899-12-30; a CSV export can keep them that way.
            raise ValueError(f"a number that is not a year (as an Excel date serial it would be {pd.Timestamp('1899-12-30') + pd.Timedelta(days=year):%Y-%m-%d}; format the column as dates)")
        raise ValueError("a number that is not a year")
    if not isinstance(value, str):
        raise ValueError(f"not a date ({type(value).__name__})")
    text = _normalise_text(value)
    if not text:
        return pd.NaT, None
    return _parse_text(text, dayfirst=dayfirst, tz=tz)


def _parse_text(text: str, *, dayfirst: bool, tz: str | None) -> tuple[pd.Timestamp, str]:
    if match := _YEAR.match(text):
        return _stamp(int(match[1]), 1, 1), "year"
    if match := _ISO_MONTH.match(text):
        return _stamp(int(match[1]), int(match[2]), 1), "month"
    if match := _VAGUE_MONTH.match(text):
        day = _PART_OF_MONTH[match["part"]]
        return _stamp(int(match["year"]), _MONTHS[match["month"]], day), "month"
    if match := _SEASON.match(text):
        season = match["season1"] or match["season2"]
        year = int(match["year1"] or match["year2"])
        return _stamp(year, _SEASONS[season], 1), "month"
    iso = bool(_ISO.match(text))
    try:
        with warnings.catch_warnings():
            # Unknown zone names ("EST") only warn in dateutil; they are
            # treated like any other offset: dropped, wall clock kept.
            warnings.simplefilter("ignore")
            first = _dateutil.parse(text, default=_DEFAULT_A, dayfirst=dayfirst and not iso)
            second = _dateutil.parse(text, default=_DEFAULT_B, dayfirst=dayfirst and not iso)
    except (ValueError, OverflowError, TypeError) as error:
        raise ValueError("not a recognisable date") from error
    if first.year != second.year:
        raise ValueError("a date needs a year")
    if first.month != second.month:
        precision = "year"
    elif first.day != second.day:
        precision = "month"
    else:
        precision = "day"
    stamp = pd.Timestamp(first)
    if precision != "day":
        stamp = pd.Timestamp(first.year, first.month if precision == "month" else 1, 1)
    return to_wall_clock(stamp, tz), precision


def _stamp(year: int, month: int, day: int) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(year, month, day)
    except ValueError as error:
        raise ValueError(f"no such date ({error})") from error
    return to_wall_clock(stamp)


def period_end(stamp: pd.Timestamp, precision: str | None) -> pd.Timestamp:
    """First instant after the period that starts at ``stamp``.

    A day-precision stamp is returned unchanged: a date written for an end is
    taken as given (its midnight).  An end written as "October 2013" means the
    episode was over by 1 November 2013.
    """
    if pd.isna(stamp) or precision in (None, "day"):
        return stamp
    if precision == "month":
        return stamp + pd.offsets.MonthBegin(1)
    if precision == "year":
        return stamp + pd.offsets.YearBegin(1)
    raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")


def period_ends(stamps: pd.Series, precision: pd.Series) -> pd.Series:
    """:func:`period_end` for a column: month- and year-precision stamps move to their period's end."""
    out = stamps.copy()
    for name, offset in (("month", pd.offsets.MonthBegin(1)), ("year", pd.offsets.YearBegin(1))):
        chosen = precision.eq(name).to_numpy() & stamps.notna().to_numpy()
        if chosen.any():
            out[chosen] = stamps[chosen] + offset
    return out


def parse_date_column(
    values: pd.Series,
    *,
    table: str,
    column: str,
    problems,
    dayfirst: bool = False,
    tz: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of written dates; unparseable cells are recorded in ``problems``.

    Returns ``(datetime64[ns] Series, precision Series)`` on the same index;
    empty and unparseable cells give ``NaT`` and ``None``.  Each distinct text
    is parsed once, so long cohort files with repeated dates stay fast.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        try:
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_convert(tz) if tz is not None else values
                values = values.dt.tz_localize(None)
            stamps = values.astype("datetime64[ns]")
            return stamps, pd.Series(np.where(stamps.notna(), "day", None), index=values.index, dtype=object)
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            values = values.astype(object)  # cell by cell, naming those out of range
    fast = _parse_iso_column(values)
    if fast is not None:
        return fast
    cache: dict[Any, tuple[pd.Timestamp, str | None] | str] = {}
    stamps = []
    precisions = []
    for label, value in values.items():
        key = (type(value), value) if _hashable(value) else None
        result = cache.get(key) if key is not None else None
        if result is None:
            try:
                result = parse_date(value, dayfirst=dayfirst, tz=tz)
            except ValueError as error:
                result = str(error)
            if key is not None:
                cache[key] = result
        if isinstance(result, str):
            problems.add(table, label, column, value, f"{result}; write e.g. 2013-10-05, 2013-10 or 2004")
            result = (pd.NaT, None)
        stamps.append(result[0])
        precisions.append(result[1])
    parsed = pd.Series(pd.to_datetime(pd.Series(stamps, dtype=object), errors="coerce").to_numpy(), index=values.index)
    return parsed.astype("datetime64[ns]"), pd.Series(precisions, index=values.index, dtype=object)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _parse_iso_column(values: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Vectorised path for the common case: every filled cell a naive ISO date(-time)."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return None
    filled = values.dropna()
    if not filled.map(lambda v: isinstance(v, str)).all():
        return None
    text = filled.str.strip()
    if text.eq("").any() or not text.str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?").all():
        return None
    try:
        parsed = pd.to_datetime(text, format="ISO8601")
    except (ValueError, OverflowError):
        return None
    stamps = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    stamps[parsed.index] = parsed.astype("datetime64[ns]")
    precision = pd.Series([None] * len(values), index=values.index, dtype=object)
    precision[parsed.index] = "day"
    return stamps, precision
