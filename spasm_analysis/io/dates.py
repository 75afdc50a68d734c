"""Dates as people write them in logs: full, partial ("Oct 2013") or vague ("summer 2004").

A partial or vague date stands for a stretch of days.  :func:`parse_date_interval`
returns that stretch as ``(earliest, latest, precision)``: the first and the last
day the date can mean (both midnights; equal for a date known to the day) and a
label saying how it was written.  The episode table keeps them as ``onset``,
``onset_latest`` and ``onset_precision``, so every analysis can place an onset
anywhere inside what the person said (:mod:`spasm_analysis.personal.precision`).
:func:`parse_date` returns only ``(earliest, precision)``.

======================================  ===============================  ================
written                                 stretch                          precision
======================================  ===============================  ================
2013-10-05, 05/10/2013, Oct 5 2013      that day                         ``day``
around Nov 8 2014, ~Nov 8 2014,         three days either side           ``around``
Nov 8 2014?, about 8 Nov 2014
early / mid / late Oct 2013             days 1-10 / 11-20 / 21-end       ``part_month``
Oct 2013, 2013-10, 10/2013              the month                        ``month``
summer 2004, 2004 summer                June-August (northern            ``season``
                                        hemisphere, meteorological)
2004                                    the year                         ``year``
======================================  ===============================  ================

Dates that would be guesses are refused with an error listing these forms:
a two-digit year ("1/2/3", "03/15/24"), a bare number that is not a year ("45"),
and words relative to today ("today", "yesterday"), which mean a different day
each time the file is read.

The order of day and month in numeric dates ("02/03/2015") is decided once for
a whole column (:func:`decide_date_order`): a first field above 12 makes the
column day-first, a second field above 12 month-first; a dotted date
("05.10.2015") is day-first, as everywhere dots are used.  A column with both
kinds, or with only dates that read both ways, is an error naming its rows
unless ``dayfirst=`` says which.

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
* **Vague parts of a month.**  "early/mid/late October 2013" are days 1-10,
  11-20 and 21 to the month's end.
* **Seasons** are meteorological, northern hemisphere: spring = March-May,
  summer = June-August, autumn/fall = September-November.  "winter 2004" is the
  winter part of 2004 that starts the year (January-February), so the year stays
  as written; "winter 2003/04" is December 2003 to February 2004.
* **"Around" a day** is three days either side ("a few days"); "around" a month
  or a year adds nothing to a stretch that is already that wide.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from dateutil import parser as _dateutil

from ..schema import PRECISIONS
from ..options import check_option

__all__ = [
    "EARLIEST", "LATEST", "PRECISIONS", "ACCEPTED_FORMS", "AROUND_DAYS",
    "parse_date", "parse_date_interval", "parse_date_column", "decide_date_order", "remembered_count",
    "period_end", "period_ends", "to_wall_clock",
]

#: Dates are held as nanosecond timestamps (1677-2262); whole years inside that
#: range are accepted, so that the end of any accepted period is representable.
EARLIEST = pd.Timestamp("1678-01-01")
LATEST = pd.Timestamp("2262-01-01")
#: "around Nov 8": this many days either side ("a few days").
AROUND_DAYS = 3
#: Shown in every error about a date that could not be read.
ACCEPTED_FORMS = (
    "2013-10-05, 05/10/2013 (a 4-digit year), Oct 5 2013, 2013-10, Oct 2013, 2004, "
    "early/mid/late Oct 2013, summer 2004, around Nov 8 2014 (or ~Nov 8 2014, Nov 8 2014?)"
)
_DAY = pd.Timedelta(days=1)

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
#: First month and number of months of each (meteorological, northern) season.
_SEASONS = {"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3), "winter": (1, 2)}
#: First and last day of the vague parts of a month (None = the month's last day).
_PART_OF_MONTH = {
    "early": (1, 10), "beginning of": (1, 10), "start of": (1, 10),
    "mid": (11, 20), "middle of": (11, 20),
    "late": (21, None), "end of": (21, None),
}

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[t ].*)?$")
_ISO_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_NUMBER_ONLY = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Day, month and year written as numbers: 05/10/2013, 5.10.2013, 05-10-2013 (with an optional time).
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{1,4})(?P<time>[t ,]+.*)?$")
_RELATIVE = re.compile(r"\b(?:today|tonight|yesterday|tomorrow|now|ago|last|next|this)\b")
_AROUND = re.compile(r"^(?:around|about|approx\.?|approximately|roughly|circa|ca\.?|c\.|~|≈)\s*(?P<rest>.+?)$")
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART = "|".join(sorted(_PART_OF_MONTH, key=len, reverse=True))
_VAGUE_MONTH = re.compile(rf"^(?P<part>{_PART})[\s-]*(?P<month>{_MONTH_NAME})\.?,?\s*(?P<year>\d{{4}})$")
_SEASON = re.compile(
    rf"^(?:(?P<season1>{'|'.join(_SEASONS)})(?:\s+of)?[\s,]+(?P<year1>\d{{4}})"
    rf"|(?P<year2>\d{{4}})[\s,]+(?P<season2>{'|'.join(_SEASONS)}))$"
)
_WINTER_SPAN = re.compile(r"^winter(?:\s+of)?\s+(?P<first>\d{4})\s*[/-]\s*(?P<second>\d{2}|\d{4})$")
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


# Control characters (a NUL from a damaged file) are no part of a written date; a parser that
# skipped them would read "2020-\x0001-05" as a date the person never wrote.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_date(value: Any, *, dayfirst: bool | None = False, tz: str | None = None) -> tuple[pd.Timestamp, str | None]:
    """Parse one written date into ``(earliest day it can mean, precision)``.

    See :func:`parse_date_interval`, which also returns the latest day.

    Examples
    --------
    >>> parse_date("Oct 2013")
    (Timestamp('2013-10-01 00:00:00'), 'month')
    >>> parse_date("05/10/2013", dayfirst=True)
    (Timestamp('2013-10-05 00:00:00'), 'day')
    """
    earliest, _, precision = parse_date_interval(value, dayfirst=dayfirst, tz=tz)
    return earliest, precision


def parse_date_interval(
    value: Any, *, dayfirst: bool | None = False, tz: str | None = None
) -> tuple[pd.Timestamp, pd.Timestamp, str | None]:
    """Parse one written date into ``(earliest, latest, precision)``.

    Parameters
    ----------
    value : str, datetime-like or int
        Any form of the table in the module docstring, a
        ``datetime``/``date``/``Timestamp``, or an integer year such as ``2004``.
        Empty values (``None``, NaN, ``""``) give ``(NaT, NaT, None)``.
    dayfirst : bool or None
        Read ``05/10/2013`` as 5 October (``True``) or May 10 (``False``);
        ``None`` decides from the date itself and refuses one that reads both ways.
    tz : str, optional
        IANA zone to convert aware values to before their offset is dropped.

    Returns
    -------
    (Timestamp, Timestamp, str or None)
        Earliest and latest day (naive; the latest is the midnight of the last
        day the date can mean, equal to the earliest for a date known to the day
        or the instant) and one of :data:`PRECISIONS`.

    Raises
    ------
    ValueError
        If the text is not a date, lacks a year, or would be a guess; the
        message lists the accepted forms.

    Examples
    --------
    >>> parse_date_interval("summer 2004")
    (Timestamp('2004-06-01 00:00:00'), Timestamp('2004-08-31 00:00:00'), 'season')
    >>> parse_date_interval("around Nov 8 2014")
    (Timestamp('2014-11-05 00:00:00'), Timestamp('2014-11-11 00:00:00'), 'around')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return pd.NaT, pd.NaT, None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return pd.NaT, pd.NaT, None
        stamp = to_wall_clock(stamp, tz)
        return stamp, stamp, "day"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(_refused("not a date"))
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
        return _year_number(int(value))
    if not isinstance(value, str):
        raise ValueError(_refused(f"not a date ({type(value).__name__})"))
    if control := _CONTROL.search(value):
        raise ValueError(f"holds the control character {control[0]!r}, which no written date has (a damaged file?)")
    text = _normalise_text(value)
    if not text:
        return pd.NaT, pd.NaT, None
    try:
        return _parse_text(text, dayfirst=dayfirst, tz=tz)
    except ValueError as error:
        raise ValueError(_refused(str(error))) from None


def _refused(reason: str) -> str:
    if "outside the dates" in reason:
        return reason
    return f"{reason}; dates can be written as {ACCEPTED_FORMS}"


def _year_number(year: int) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    if 1000 <= year <= 2999:
        return _period(year, 1, 12)
    if 10000 <= year <= 100000:
        # Excel stores dates as days since 1899-12-30; a CSV export can keep them that way.
        raise ValueError(_refused(f"a number that is not a year (as an Excel date serial it would be {pd.Timestamp('1899-12-30') + pd.Timedelta(days=year):%Y-%m-%d}; format the column as dates)"))
    raise ValueError(_refused("a number that is not a year"))


def _period(year: int, month: int, n_months: int) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """First and last day of ``n_months`` months from ``year-month``."""
    first = _stamp(year, month, 1)
    last = to_wall_clock(first + pd.DateOffset(months=n_months) - _DAY)
    label = {1: "month", 12: "year"}.get(n_months, "season")
    return first, last, label


def _parse_text(text: str, *, dayfirst: bool | None, tz: str | None) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    hedged = text.endswith("?") and len(text) > 1
    if hedged:
        text = text[:-1].strip()
    if match := _AROUND.match(text):
        hedged, text = True, match["rest"]
    earliest, latest, precision = _parse_plain(text, dayfirst=dayfirst, tz=tz)
    if hedged and precision == "day":
        # "around Nov 8": a few days either side of the day written.
        day = earliest.normalize()
        return to_wall_clock(day - AROUND_DAYS * _DAY), to_wall_clock(day + AROUND_DAYS * _DAY), "around"
    return earliest, latest, precision


def _parse_plain(text: str, *, dayfirst: bool | None, tz: str | None) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    if text == "?":
        raise ValueError("not a date")
    if _RELATIVE.search(text):
        raise ValueError("a date relative to today means a different day each time the file is read; write the date itself")
    if match := _YEAR.match(text):
        return _period(int(match[1]), 1, 12)
    if _NUMBER_ONLY.match(text):
        raise ValueError("a number that is not a year")
    if match := _ISO_MONTH.match(text):
        return _period(int(match[1]), _month(int(match[2])), 1)
    if match := _MONTH_YEAR.match(text):
        return _period(int(match[2]), _month(int(match[1])), 1)
    if match := _VAGUE_MONTH.match(text):
        first_day, last_day = _PART_OF_MONTH[match["part"]]
        first = _stamp(int(match["year"]), _MONTHS[match["month"]], first_day)
        last = (first + pd.offsets.MonthEnd(0)) if last_day is None else first.replace(day=last_day)
        return first, to_wall_clock(last), "part_month"
    if match := _SEASON.match(text):
        first_month, n_months = _SEASONS[match["season1"] or match["season2"]]
        first, last, _ = _period(int(match["year1"] or match["year2"]), first_month, n_months)
        return first, last, "season"
    if match := _WINTER_SPAN.match(text):
        first_year = int(match["first"])
        second = int(match["second"]) if len(match["second"]) == 4 else (first_year + 1) % 100 + first_year // 100 * 100
        if second != first_year + 1:
            raise ValueError("a winter spans two consecutive years (e.g. winter 2003/04)")
        first, last, _ = _period(first_year, 12, 3)
        return first, last, "season"
    if match := _NUMERIC.match(text):
        return _numeric(match, dayfirst=dayfirst, tz=tz)
    iso = bool(_ISO.match(text))
    try:
        with warnings.catch_warnings():
            # Unknown zone names ("EST") only warn in dateutil; they are
            # treated like any other offset: dropped, wall clock kept.
            warnings.simplefilter("ignore")
            first = _dateutil.parse(text, default=_DEFAULT_A, dayfirst=bool(dayfirst) and not iso)
            second = _dateutil.parse(text, default=_DEFAULT_B, dayfirst=bool(dayfirst) and not iso)
    except (ValueError, OverflowError, TypeError) as error:
        raise ValueError("not a recognisable date") from error
    if first.year != second.year:
        raise ValueError("a date needs a year")
    if not iso and not re.search(r"\d{4}", text):
        raise ValueError("write the year in full (4 digits)")
    if first.month != second.month:
        return _period(first.year, 1, 12)
    if first.day != second.day:
        return _period(first.year, first.month, 1)
    stamp = to_wall_clock(pd.Timestamp(first), tz)
    return stamp, stamp, "day"


def _month(month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    return month


def _numeric(match: re.Match, *, dayfirst: bool | None, tz: str | None) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """A date written as three numbers; the order is the column's (or refused when ambiguous)."""
    if len(match["year"]) != 4:
        raise ValueError("write the year in full (4 digits): with a short year, which number is the day, the month and the year is a guess")
    a, b = int(match["a"]), int(match["b"])
    if match["sep"] == ".":
        order = True  # dotted dates are written day first wherever dots are used
    elif dayfirst is None:
        order = _order_of(a, b)
        if order is None and a > 12:
            raise ValueError(f"no month {max(a, b)} in either order")
        if order is None:
            raise ValueError("reads both as day/month and as month/day; say which (dayfirst=True or dayfirst=False)")
    else:
        order = bool(dayfirst)
    day, month = (a, b) if order else (b, a)
    if not 1 <= month <= 12:
        reading = "day first" if order else "month first"
        hint = ""
        if dayfirst is not None and match["sep"] != "." and 1 <= day <= 12:
            flag = "--monthfirst" if order else "--dayfirst"
            hint = (f"; if the dates are written {'month' if order else 'day'} first, say so: dayfirst={not order}"
                    f" ({flag} on the command line), or dayfirst=None to let each column decide")
        raise ValueError(f"no month {month} when read {reading}{hint}")
    stamp = _stamp(int(match["year"]), month, day)
    if match["time"]:
        try:
            clock = pd.Timestamp(f"2000-01-01 {match['time'].strip(' t,')}")
        except ValueError as error:
            raise ValueError("not a recognisable time of day") from error
        stamp = stamp + (clock - clock.normalize())
        if clock.tzinfo is not None:
            stamp = to_wall_clock(stamp.tz_localize(clock.tzinfo), tz)
    return stamp, stamp, "day"


def _order_of(a: int, b: int) -> bool | None:
    """True when ``a/b`` must be day/month, False when month/day, None when either fits."""
    if a > 12 >= b:
        return True
    if b > 12 >= a or a == b:
        return False
    return None


def _stamp(year: int, month: int, day: int) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(year, month, day)
    except ValueError as error:
        raise ValueError(f"no such date ({error})") from error
    return to_wall_clock(stamp)


def decide_date_order(texts, dayfirst: bool | None = None, *, short_years: bool = False, row_word: str = "row") -> tuple[bool | None, str | None]:
    """Decide day-first or month-first once for a whole column of written dates.

    Parameters
    ----------
    texts : iterable of (row, value)
        The column's cells with the row each comes from.
    dayfirst : bool or None
        The caller's choice; ``None`` decides from the data.
    short_years : bool
        Also use dates with a two-digit year as evidence (app exports that
        always write ``03/15/24``); by default only four-digit years count.
    row_word : str
        How rows are named in messages ("row", "line").

    Returns
    -------
    (dayfirst, reason)
        ``dayfirst`` is True/False, or None when the column holds no numeric
        date that depends on the order.  ``reason`` is a sentence naming the
        row that decided it (None when nothing had to be decided).

    Raises
    ------
    ValueError
        When the column holds both day-first and month-first dates, or only
        dates that read both ways, naming the rows.

    Examples
    --------
    >>> decide_date_order([(2, "02/03/2015"), (3, "13/03/2015")])
    (True, "read day-first (dd/mm/yyyy), because row 3 has '13/03/2015'")
    """
    first_big, second_big, dotted, ambiguous = [], [], [], []
    for row, value in texts:
        if not isinstance(value, str):
            continue
        match = _NUMERIC.match(_normalise_text(value))
        if match is None or (len(match["year"]) != 4 and not (short_years and len(match["year"]) == 2)):
            continue
        if match["sep"] == ".":
            dotted.append((row, value))
            continue
        a, b = int(match["a"]), int(match["b"])
        if (a > 12 and b > 12) or a == b:
            continue  # the same date either way, or no date either way (the cell itself is reported)
        order = _order_of(a, b)
        {True: first_big, False: second_big, None: ambiguous}[order].append((row, value))
    if dayfirst is not None:
        return bool(dayfirst), None
    year = "yy" if short_years else "yyyy"
    day_evidence = first_big + dotted
    if day_evidence and second_big:
        raise ValueError(
            "mixes day-first and month-first dates: "
            f"{_rows(day_evidence, row_word)} put the day first, {_rows(second_big, row_word)} the month first; "
            "correct the rows that are wrong"
        )
    if day_evidence:
        row, value = day_evidence[0]
        return True, f"read day-first (dd/mm/{year}), because {row_word} {row} has {value!r}"
    if second_big:
        row, value = second_big[0]
        return False, f"read month-first (mm/dd/{year}), because {row_word} {row} has {value!r}"
    if ambiguous:
        raise ValueError(
            f"the dates are ambiguous: every numeric date reads both as day/month and as month/day "
            f"({_rows(ambiguous, row_word)}); say which order the column uses (dayfirst=True for 13/03/2015, "
            "dayfirst=False for 03/13/2015), or write the dates as 2015-03-02"
        )
    return None, None


def _rows(found: list, row_word: str = "row", limit: int = 5) -> str:
    shown = ", ".join(f"{row_word} {row} {value!r}" for row, value in found[:limit])
    return shown + (f" and {len(found) - limit} more" if len(found) > limit else "")


_COUNT = re.compile(
    r"^(?:about|around|roughly|approx\.?|approximately|~)?\s*(?:once|one)\s+(?:a|per|each|every)\s+(?P<unit>year|month)"
    r"[\s,:]*(?:from|in|between)?\s*(?P<first>\d{4}(?:-\d{1,2})?)\s*(?:-|–|to|and|until)\s*(?P<last>\d{4}(?:-\d{1,2})?)$"
)
_OTHER_COUNT = re.compile(r"\b(?:twice|\d+\s*times|times)\s+(?:a|per|each|every)\s+(?:year|month)\b")


def remembered_count(text: str) -> list[str] | None:
    """The periods a remembered rate stands for: "about once a year 2005-2012" -> ["2005", ..., "2012"].

    Only "once a year" and "once a month" become episodes (one per year or
    month, each known only to that period); any other count raises, since
    placing two episodes in one year would invent when they fell.  Returns None
    when the text is not a remembered count.

    Examples
    --------
    >>> remembered_count("about once a year 2005-2008")
    ['2005', '2006', '2007', '2008']
    """
    text = _normalise_text(text)
    match = _COUNT.match(text)
    if match is None:
        if _OTHER_COUNT.search(text):
            raise ValueError(
                "only 'once a year' or 'once a month' over a period can become episodes; "
                "for more, write one row per remembered episode (e.g. 'summer 2006')"
            )
        return None
    unit = "Y" if match["unit"] == "year" else "M"
    first, last = pd.Period(match["first"], unit), pd.Period(match["last"], unit)
    if last < first or (last - first).n > 1200:
        raise ValueError(f"the period {match['first']}-{match['last']} must run forwards and be under a hundred years")
    return [str(period) for period in pd.period_range(first, last, freq=unit)]


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
    check_option("precision", precision, ("day", "month", "year"))


def period_ends(stamps: pd.Series, precision: pd.Series, latest: pd.Series | None = None) -> pd.Series:
    """:func:`period_end` for a column: a vague date moves to the first instant after its stretch.

    With ``latest`` (the last day of each stretch, from :func:`parse_date_column`)
    every precision label is handled; without it only month and year are.
    """
    out = stamps.copy()
    vague = precision.notna().to_numpy() & ~precision.eq("day").to_numpy() & stamps.notna().to_numpy()
    if latest is not None:
        out[vague] = latest[vague] + _DAY
        return out
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
    dayfirst: bool | None = None,
    tz: str | None = None,
    with_latest: bool = False,
):
    """Parse a column of written dates; unparseable cells are recorded in ``problems``.

    Returns ``(datetime64[ns] Series, precision Series)`` on the same index, or
    ``(earliest, latest, precision)`` with ``with_latest=True``; empty and
    unparseable cells give ``NaT`` and ``None``.  The day/month order of numeric
    dates is decided once for the column (:func:`decide_date_order`); a column
    that cannot be decided is recorded as a problem naming its rows.  Each
    distinct text is parsed once, so long cohort files with repeated dates stay fast.
    """
    result = _parse_column(values, table=table, column=column, problems=problems, dayfirst=dayfirst, tz=tz)
    return result if with_latest else (result[0], result[2])


def _parse_column(values, *, table, column, problems, dayfirst, tz):
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        try:
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_convert(tz) if tz is not None else values
                values = values.dt.tz_localize(None)
            stamps = values.astype("datetime64[ns]")
            return stamps, stamps.copy(), pd.Series(np.where(stamps.notna(), "day", None), index=values.index, dtype=object)
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            values = values.astype(object)  # cell by cell, naming those out of range
    fast = _parse_iso_column(values)
    if fast is not None:
        return fast[0], fast[0].copy(), fast[1]
    try:
        order, _ = decide_date_order(_first_row_of(values), dayfirst)
    except ValueError as error:
        problems.add(table, None, column, None, str(error))
        order = None
    cache: dict[Any, tuple | str] = {}
    earliest, latest, precisions = [], [], []
    for label, value in values.items():
        key = (type(value), value) if _hashable(value) else None
        result = cache.get(key) if key is not None else None
        if result is None:
            try:
                result = parse_date_interval(value, dayfirst=order, tz=tz)
            except ValueError as error:
                result = str(error)
            if key is not None:
                cache[key] = result
        if isinstance(result, str):
            problems.add(table, label, column, value, result)
            result = (pd.NaT, pd.NaT, None)
        earliest.append(result[0])
        latest.append(result[1])
        precisions.append(result[2])
    return _as_stamps(earliest, values.index), _as_stamps(latest, values.index), pd.Series(precisions, index=values.index, dtype=object)


def _first_row_of(values: pd.Series):
    """(row, text) for the first row holding each distinct text: the order is decided on those."""
    seen = set()
    for label, value in values.items():
        if isinstance(value, str) and value not in seen:
            seen.add(value)
            yield label, value


def _as_stamps(stamps: list, index) -> pd.Series:
    parsed = pd.Series(pd.to_datetime(pd.Series(stamps, dtype=object), errors="coerce").to_numpy(), index=index)
    return parsed.astype("datetime64[ns]")


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
