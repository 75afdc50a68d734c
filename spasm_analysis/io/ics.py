"""Episodes or treatments from an iCalendar (.ics) file, read with the standard library.

People often keep a calendar entry per flare-up or appointment.  :func:`read_ics`
reads the file's VEVENTs (DTSTART, DTEND or DURATION, SUMMARY, DESCRIPTION,
CATEGORIES), expands recurring events (RRULE with FREQ DAILY, WEEKLY, MONTHLY or
YEARLY and COUNT, UNTIL, INTERVAL, BYDAY; EXDATE, RDATE and RECURRENCE-ID
overrides) and returns the canonical episode or treatment table.

Times
-----
An all-day event (``DTSTART;VALUE=DATE``) runs from its first day's midnight to
its DTEND, which iCalendar makes *exclusive*: a one-day event on 5 October has
DTEND 6 October, which is exactly the canonical ``end`` (the instant it is
over).  A timed event with a TZID keeps the wall-clock time written in that
zone.  A UTC time (``...Z``), which many calendar apps export for one-off
events, is converted to the calendar's own zone (``X-WR-TIMEZONE``) when the
file names one, so an 8 pm entry in New York stays on its day; otherwise it
stays in UTC.  ``tz=`` converts every zoned time to that zone instead.
Floating times (no zone) are never shifted.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from ..schema import ProblemList
from .dates import LATEST, to_wall_clock
from .durations import parse_duration
from .tables import read_episodes, read_treatments

__all__ = ["read_ics", "CancelledEventsWarning", "KINDS", "MAX_OCCURRENCES"]

KINDS = ("episodes", "treatments")
MAX_OCCURRENCES = 100_000
_SUPPORTED_RULE_PARTS = ("FREQ", "COUNT", "UNTIL", "INTERVAL", "BYDAY", "WKST")
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


class CancelledEventsWarning(UserWarning):
    """Events marked STATUS:CANCELLED were not read (they did not happen)."""


@dataclass
class _Stamp:
    value: dt.datetime  # naive wall clock
    all_day: bool
    zone: str | None  # "UTC", a TZID, or None for floating


@dataclass
class _Event:
    line: int
    props: dict[str, list[tuple[dict[str, str], str]]] = field(default_factory=dict)

    def first(self, name: str) -> tuple[dict[str, str], str] | None:
        values = self.props.get(name)
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        found = self.first(name)
        return _unescape(found[1]) if found else None


def _unfold(text: str) -> list[tuple[int, str]]:
    """Content lines with the physical line each starts on (RFC 5545 3.1 folding)."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _split_line(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;P=V;Q="x:y":value`` -> (NAME, {P: V, Q: x:y}, value)."""
    in_quotes = False
    for position, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = line[:position], line[position + 1 :]
            break
    else:
        raise ValueError("no ':' separating name and value")
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    if not parts or not parts[0].strip():
        raise ValueError("no property name before ':'")
    name = parts[0].strip().upper()
    params = {}
    for part in parts[1:]:
        key, _, val = part.partition("=")
        params[key.strip().upper()] = val.strip().strip('"')
    return name, params, value


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def _parse(text: str, problems: ProblemList, table: str) -> tuple[list[_Event], dict[str, str]]:
    events: list[_Event] = []
    calendar: dict[str, str] = {}
    stack: list[str] = []
    current: _Event | None = None
    for number, line in _unfold(text):
        try:
            name, params, value = _split_line(line)
        except ValueError as error:
            problems.add(table, number, None, line[:60], f"not an iCalendar content line ({error})")
            continue
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if stack[-1] == "VEVENT":
                current = _Event(number)
            continue
        if name == "END":
            ended = value.strip().upper()
            if not stack or stack[-1] != ended:
                problems.add(table, number, None, line, f"END:{ended} does not close BEGIN:{stack[-1] if stack else '(nothing)'}")
                continue
            stack.pop()
            if ended == "VEVENT" and current is not None:
                events.append(current)
                current = None
            continue
        if stack == ["VCALENDAR", "VEVENT"] and current is not None:
            current.props.setdefault(name, []).append((params, value))
        elif stack == ["VCALENDAR"]:
            calendar[name] = value
    if stack:
        problems.add(table, None, None, None, f"the file ends inside BEGIN:{stack[-1]} (no matching END)")
    if not events and not stack and "VCALENDAR" not in text.upper():
        problems.add(table, None, None, None, "not an iCalendar file (no BEGIN:VCALENDAR)")
    return events, calendar


def _parse_stamp(params: dict[str, str], value: str) -> _Stamp:
    value = value.strip()
    if params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
        return _Stamp(_in_range(dt.datetime.strptime(value, "%Y%m%d")), True, None)
    match = re.fullmatch(r"(\d{8}T\d{6})(Z?)", value.upper())
    if not match:
        raise ValueError("expected YYYYMMDD or YYYYMMDDTHHMMSS[Z]")
    stamp = dt.datetime.strptime(match[1], "%Y%m%dT%H%M%S")
    zone = "UTC" if match[2] else params.get("TZID")
    return _Stamp(_in_range(stamp), False, zone)


def _in_range(stamp: dt.datetime) -> dt.datetime:
    to_wall_clock(pd.Timestamp(stamp))  # raises ValueError outside the representable years
    return stamp


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo("UTC" if name.upper() in ("UTC", "Z", "GMT") else name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (give tz=None to keep the wall clock as written)") from None


def _wall_clock(stamp: _Stamp, *, tz: str | None, calendar_zone: str | None) -> dt.datetime:
    """The naive time an analysis should see (see the module notes)."""
    if stamp.all_day or stamp.zone is None:
        return stamp.value
    target = tz if tz is not None else (calendar_zone if stamp.zone == "UTC" else None)
    if target is None:
        return stamp.value
    aware = stamp.value.replace(tzinfo=_zone(stamp.zone))
    return aware.astimezone(_zone(target)).replace(tzinfo=None)


def _rule(value: str) -> dict[str, str]:
    parts = {}
    for piece in value.strip().split(";"):
        if piece:
            key, _, val = piece.partition("=")
            parts[key.strip().upper()] = val.strip().upper()
    unsupported = [k for k in parts if k not in _SUPPORTED_RULE_PARTS]
    if unsupported:
        raise ValueError(f"unsupported RRULE part(s) {', '.join(unsupported)} (supported: {', '.join(_SUPPORTED_RULE_PARTS)})")
    if parts.get("FREQ") not in _FREQS:
        raise ValueError(f"RRULE FREQ must be one of {', '.join(_FREQS)}, not {parts.get('FREQ')!r}")
    if parts.get("WKST", "MO") != "MO" and int(parts.get("INTERVAL", 1)) > 1 and "BYDAY" in parts:
        raise ValueError("RRULE WKST other than MO with INTERVAL > 1 and BYDAY is not supported")
    if "BYDAY" in parts and parts["FREQ"] in ("DAILY", "YEARLY"):
        raise ValueError(f"RRULE BYDAY with FREQ={parts['FREQ']} is not supported (only WEEKLY and MONTHLY)")
    return parts


def _byday(text: str, freq: str) -> list[tuple[int | None, int]]:
    days = []
    for item in text.split(","):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item.strip())
        if not match:
            raise ValueError(f"RRULE BYDAY value {item!r} is not a weekday such as MO or 1MO")
        if match[1] and freq != "MONTHLY":
            raise ValueError(f"RRULE BYDAY ordinal {item!r} is only supported with FREQ=MONTHLY")
        days.append((int(match[1]) if match[1] else None, _WEEKDAYS[match[2]]))
    return days


def _months_later(start: dt.datetime, months: int, day: int) -> dt.datetime | None:
    year, month = divmod(start.month - 1 + months, 12)
    try:
        return start.replace(year=start.year + year, month=month + 1, day=day)
    except ValueError:  # 31 April, 29 February: RFC 5545 says such dates are skipped
        return None


def _periods(start: dt.datetime, parts: dict[str, str]):
    """Candidate occurrences in order (unbounded; the caller stops)."""
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", 1))
    if interval < 1:
        raise ValueError("RRULE INTERVAL must be at least 1")
    byday = _byday(parts["BYDAY"], freq) if "BYDAY" in parts else None
    k = 0
    while True:
        if freq == "DAILY":
            yield [start + dt.timedelta(days=k * interval)]
        elif freq == "WEEKLY":
            week = start - dt.timedelta(days=start.weekday()) + dt.timedelta(weeks=k * interval)
            yield [week + dt.timedelta(days=d) for _, d in sorted(byday, key=lambda x: x[1])] if byday else [start + dt.timedelta(weeks=k * interval)]
        elif freq == "MONTHLY":
            if byday:
                first = _months_later(start, k * interval, 1)
                yield sorted(_weekdays_in_month(first, byday))
            else:
                found = _months_later(start, k * interval, start.day)
                yield [found] if found else []
        else:
            found = _months_later(start, 12 * k * interval, start.day)
            yield [found] if found else []
        k += 1


def _weekdays_in_month(first: dt.datetime, byday) -> list[dt.datetime]:
    days_in_month = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    out = []
    for ordinal, weekday in byday:
        matches = [first + dt.timedelta(days=i) for i in range(days_in_month) if (first + dt.timedelta(days=i)).weekday() == weekday]
        if ordinal is None:
            out.extend(matches)
        elif 1 <= abs(ordinal) <= len(matches):
            out.append(matches[ordinal - 1] if ordinal > 0 else matches[ordinal])
    return out


def _expand(start: _Stamp, parts: dict[str, str], until_option: dt.datetime | None, until_zone_fix) -> list[dt.datetime]:
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    until = None
    if "UNTIL" in parts:
        until = until_zone_fix(_parse_stamp({}, parts["UNTIL"]))
        if start.all_day or len(parts["UNTIL"]) == 8:
            until = until.replace(hour=23, minute=59, second=59)
    if count is None and until is None:
        if until_option is None:
            raise ValueError("RRULE repeats forever (no COUNT or UNTIL); pass until= to say how far to expand it")
        until = until_option
    elif until_option is not None:
        until = min(until, until_option) if until is not None else until_option
    out: list[dt.datetime] = []
    empty_run = 0
    for candidates in _periods(start.value, parts):
        # A rule such as "the 5th Monday" can leave long runs of empty periods,
        # and one such as "the 6th Monday" nothing at all.
        empty_run = 0 if candidates else empty_run + 1
        if empty_run > 1000:
            if out:
                return out
            raise ValueError("RRULE produces no occurrences")
        for candidate in candidates:
            if candidate < start.value:
                continue
            if until is not None and candidate > until:
                return out
            out.append(candidate)
            if count is not None and len(out) >= count:
                return out
            if len(out) > MAX_OCCURRENCES:
                raise ValueError(f"RRULE expands to more than {MAX_OCCURRENCES} occurrences")
    return out


def _matches(event: _Event, match) -> bool:
    if match is None:
        return True
    summary = event.text("SUMMARY") or ""
    categories = [c.strip() for _, value in event.props.get("CATEGORIES", []) for c in _unescape(value).split(",")]
    fields = [summary] + categories
    if isinstance(match, re.Pattern):
        return any(match.search(f) for f in fields)
    if isinstance(match, str):
        needle = match.strip().lower()
        return any(needle in f.lower() for f in fields)
    raise TypeError(f"match must be a keyword (str) or a compiled regular expression, not {type(match).__name__}")


def read_ics(
    path,
    *,
    match=None,
    kind: str = "episodes",
    tz: str | None = None,
    until=None,
    subject: str | None = None,
    vocabulary=None,
) -> pd.DataFrame:
    """Read the VEVENTs of an iCalendar file as episodes or treatments.

    Parameters
    ----------
    path : path
        An ``.ics`` file.
    match : str or re.Pattern, optional
        Keep only events whose SUMMARY or a CATEGORY contains this keyword
        (case-insensitive), or matches this compiled regular expression.
    kind : {"episodes", "treatments"}
        Read events as episodes (onset, end, notes) or as treatment sessions
        (start, end, name = SUMMARY, modality from the vocabulary).
    tz : str, optional
        Convert every zoned time to this IANA zone before dropping the zone.
    until : date-like, optional
        How far to expand recurring events that repeat forever, and a cut-off
        for all others.
    subject : str, optional
        Subject id for every row (default ``"me"``).
    vocabulary : DataFrame or dict, optional
        Extra modality rules, for ``kind="treatments"``.

    Returns
    -------
    DataFrame
        The canonical table (as from :func:`read_episodes` or
        :func:`read_treatments`) plus ``summary``, ``categories`` and ``uid``.
        The index is the file line of each event's ``BEGIN:VEVENT``; an
        occurrence of a recurring event is labelled ``"<line> <date>"`` (with
        the time when it is not midnight).

    Raises
    ------
    LogValidationError
        Every malformed line, bad date or duration, and unsupported RRULE part,
        with its line number.

    Examples
    --------
    >>> import tempfile, pathlib, spasm_analysis as sa
    >>> text = "\\r\\n".join(["BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:Back spasm",
    ...     "DTSTART;VALUE=DATE:20131005", "DTEND;VALUE=DATE:20131008", "END:VEVENT", "END:VCALENDAR"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cal.ics"
    >>> _ = path.write_text(text)
    >>> sa.read_ics(path, match="spasm")[["onset", "end"]]
           onset        end
    2 2013-10-05 2013-10-08
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    until_option = pd.Timestamp(until).to_pydatetime() if until is not None else None
    table = kind
    problems = ProblemList()
    source = Path(path)
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(table, None, None, None, f"{source.name} is not UTF-8 text as iCalendar requires ({error})")
        problems.raise_if_any(f"{kind} read from {source}")
    events, calendar = _parse(text, problems, table)
    calendar_zone = calendar.get("X-WR-TIMEZONE")
    if calendar_zone is not None:
        try:
            _zone(calendar_zone)
        except ValueError:
            calendar_zone = None  # a zone we cannot use is no reason to fail; times stay as written
    rows: dict[object, dict] = {}
    overrides = {}
    cancelled = 0
    for event in events:
        if (event.text("STATUS") or "").strip().upper() == "CANCELLED":
            cancelled += 1
            continue
        if not _matches(event, match):
            continue
        if event.first("RECURRENCE-ID") is not None:
            overrides[(event.text("UID"), _safe_stamp(event.first("RECURRENCE-ID")))] = event
            continue
        rows.update(_occurrences(event, problems, table, tz=tz, calendar_zone=calendar_zone, until=until_option))
    for (uid, original), event in overrides.items():
        replaced = [label for label, row in rows.items() if row["uid"] == uid and row["_original"] == original]
        for label in replaced:
            del rows[label]
        rows.update(_occurrences(event, problems, table, tz=tz, calendar_zone=calendar_zone, until=None, single=True))
    if cancelled:
        warnings.warn(f"{cancelled} event(s) with STATUS:CANCELLED were not read", CancelledEventsWarning, stacklevel=2)
    problems.raise_if_any(f"{kind} read from {source}")
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["start", "end", "summary", "description", "categories", "uid", "_original"])
    frame = frame.drop(columns="_original")
    for column in ("summary", "description", "categories", "uid"):
        frame[column] = frame[column].where(frame[column].notna(), np.nan)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    if kind == "episodes":
        renamed = frame.rename(columns={"start": "onset", "description": "notes"})
        out = read_episodes(renamed, subject=subject, columns={c: c for c in ("onset", "end", "notes")})
    else:
        renamed = frame.rename(columns={"summary": "name", "description": "notes"})
        out = read_treatments(renamed, subject=subject, vocabulary=vocabulary, columns={c: c for c in ("start", "end", "name", "notes")})
    # Calendar text stays text (a UID "17" is not the number 17).
    for column in ("summary", "categories", "uid"):
        out[column] = frame.loc[out.index, column].astype(object)
    return out


def _safe_stamp(prop) -> dt.datetime | None:
    try:
        return _parse_stamp(*prop).value
    except ValueError:
        return None


def _occurrences(event: _Event, problems: ProblemList, table: str, *, tz, calendar_zone, until, single=False) -> dict:
    def fail(column, value, message):
        problems.add(table, event.line, column, value, message)
        return {}

    start_prop = event.first("DTSTART")
    if start_prop is None:
        return fail("DTSTART", None, "event has no DTSTART")
    try:
        start = _parse_stamp(*start_prop)
        start_time = _wall_clock(start, tz=tz, calendar_zone=calendar_zone)
    except ValueError as error:
        return fail("DTSTART", start_prop[1], str(error))
    length = None
    if (end_prop := event.first("DTEND")) is not None:
        try:
            end = _parse_stamp(*end_prop)
            length = _wall_clock(end, tz=tz, calendar_zone=calendar_zone) - start_time
        except ValueError as error:
            return fail("DTEND", end_prop[1], str(error))
    elif (duration_prop := event.first("DURATION")) is not None:
        try:
            length = parse_duration(duration_prop[1].strip())
        except ValueError as error:
            return fail("DURATION", duration_prop[1], str(error))
        if pd.isna(length):
            return fail("DURATION", duration_prop[1], "not a duration such as PT36H or P3D")
        length = length.to_pytimedelta()
    elif start.all_day:
        length = dt.timedelta(days=1)  # RFC 5545: an all-day event without an end lasts its day
    if length is not None and length < dt.timedelta(0):
        return fail("DTEND", end_prop[1] if end_prop else None, "ends before it starts")
    starts = [start_time]
    rule_prop = event.first("RRULE")
    if rule_prop is not None and not single:
        try:
            parts = _rule(rule_prop[1])
            fix = lambda stamp: _wall_clock(  # noqa: E731 - UNTIL in UTC follows the event's own zone
                _Stamp(_to_event_zone(stamp, start), stamp.all_day, start.zone if stamp.zone == "UTC" else stamp.zone),
                tz=tz, calendar_zone=calendar_zone,
            )
            starts = _expand(_Stamp(start_time, start.all_day, start.zone), parts, until, fix)
        except ValueError as error:
            return fail("RRULE", rule_prop[1], str(error))
    starts += _date_list(event, "RDATE", fail, tz=tz, calendar_zone=calendar_zone)
    excluded = set(_date_list(event, "EXDATE", fail, tz=tz, calendar_zone=calendar_zone))
    starts = sorted({s for s in starts if s not in excluded})
    categories = ", ".join(c.strip() for _, v in event.props.get("CATEGORIES", []) for c in _unescape(v).split(",") if c.strip())
    common = {
        "summary": event.text("SUMMARY"),
        "description": event.text("DESCRIPTION"),
        "categories": categories or None,
        "uid": event.text("UID"),
    }
    recurring = rule_prop is not None or len(starts) > 1
    original = _safe_stamp(event.first("RECURRENCE-ID")) if single else None
    out = {}
    latest = LATEST.to_pydatetime()
    for occurrence in starts:
        if occurrence + (length or dt.timedelta(0)) >= latest:
            fail("DTSTART", str(occurrence), "this occurrence ends past the last date this library handles")
            continue
        when = f"{occurrence:%Y-%m-%d}" if occurrence.time() == dt.time(0) else f"{occurrence:%Y-%m-%dT%H:%M}"
        label = f"{event.line} {when}" if recurring else event.line
        out[label] = dict(common, start=occurrence, end=occurrence + length if length is not None else None,
                          _original=original if single else _raw_start(occurrence, start, start_time))
    return out


def _date_list(event: _Event, name: str, fail, *, tz, calendar_zone) -> list[dt.datetime]:
    """The times listed by every RDATE or EXDATE line of an event."""
    out = []
    for params, value in event.props.get(name, []):
        for piece in value.split(","):
            try:
                out.append(_wall_clock(_parse_stamp(params, piece), tz=tz, calendar_zone=calendar_zone))
            except ValueError as error:
                fail(name, piece, str(error))
    return out


def _to_event_zone(stamp: _Stamp, start: _Stamp) -> dt.datetime:
    """An UNTIL written in UTC, moved to the wall clock of the event's own zone."""
    if stamp.zone == "UTC" and start.zone not in (None, "UTC"):
        try:
            return stamp.value.replace(tzinfo=ZoneInfo("UTC")).astimezone(_zone(start.zone)).replace(tzinfo=None)
        except ValueError:
            return stamp.value
    return stamp.value


def _raw_start(occurrence: dt.datetime, start: _Stamp, start_time: dt.datetime) -> dt.datetime:
    """The occurrence as a RECURRENCE-ID would name it (in the event's written zone)."""
    return occurrence - (start_time - start.value)
