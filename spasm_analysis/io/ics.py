"""Episodes or treatments from an iCalendar (.ics) file.

People often keep a calendar entry per flare-up or appointment.  :func:`read_ics`
parses the file with :mod:`icalendar`, expands recurring events (RRULE, RDATE,
EXDATE and RECURRENCE-ID overrides, every RFC 5545 rule part) with
:mod:`recurring_ical_events`, and returns the canonical episode or treatment
table.  On top of those libraries this module keeps the project's error
reporting: every problem names the file line, the property and its value, and
only the events that match are expanded, so a rule the libraries cannot expand
in an unrelated event does not stop the calendar being read.

Times
-----
An all-day event (``DTSTART;VALUE=DATE``) runs from its first day's midnight to
its DTEND, which iCalendar makes *exclusive*: a one-day event on 5 October has
DTEND 6 October, which is exactly the canonical ``end`` (the instant it is
over).  A timed event with a TZID keeps the wall-clock time written in that
zone.  A UTC time (``...Z``), which many calendar apps export for one-off
events, is converted to the calendar's own zone (``X-WR-TIMEZONE``, applied with
:mod:`x_wr_timezone`) when the file names one, so an 8 pm entry in New York
stays on its day; otherwise it stays in UTC.  ``tz=`` converts every zoned time
to that zone instead.  Floating times (no zone) are never shifted.

Limits
------
A small file can describe millions of occurrences (``COUNT=99999`` on many
events), so the occurrences of the whole file are capped at
``max_occurrences`` (default :data:`MAX_OCCURRENCES`); the error says how to
raise it.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import limits
from ..schema import ProblemList
from .dates import LATEST
from .delimited import UnreadableText, read_text
from .ics_lines import EventLines, scan_lines, zone_info
from .tables import read_episodes, read_treatments
from ..options import check_option

__all__ = ["read_ics", "CancelledEventsWarning", "KINDS", "MAX_OCCURRENCES"]

KINDS = ("episodes", "treatments")
#: Occurrences read from one file at most (all events together), unless ``max_occurrences=`` says otherwise.
MAX_OCCURRENCES = limits.DEFAULTS.max_occurrences
_LINE = "X-SPASM-ANALYSIS-LINE"  # set on each event before expansion, so occurrences name their source line
_EARLIEST = dt.datetime(1678, 1, 1)


class CancelledEventsWarning(UserWarning):
    """Events marked STATUS:CANCELLED were not read (they did not happen)."""


def _text(component, name: str) -> str | None:
    value = component.get(name)
    return None if value is None else str(value)


def _categories(component) -> list[str]:
    value = component.get("CATEGORIES")
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(c).strip() for v in values for c in getattr(v, "cats", [v]) if str(c).strip()]


def _matches(component, match) -> bool:
    if match is None:
        return True
    fields = [_text(component, "SUMMARY") or ""] + _categories(component)
    if isinstance(match, re.Pattern):
        return any(match.search(f) for f in fields)
    needle = match.strip().lower()
    return any(needle in f.lower() for f in fields)


def _wall_clock(value, *, tz) -> tuple[dt.datetime, bool]:
    """(naive time an analysis should see, all-day?) for a DTSTART/DTEND value."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and tz is not None:
            value = value.astimezone(tz)
        return value.replace(tzinfo=None), False
    return dt.datetime(value.year, value.month, value.day), True


def _length(component, lines: EventLines, problems: ProblemList, table: str, *, tz):
    """The event's length (timedelta, or None when a timed event has no end); False after a problem."""
    start, all_day = _wall_clock(component.decoded("DTSTART"), tz=tz)
    if "DTEND" in component:
        end, _ = _wall_clock(component.decoded("DTEND"), tz=tz)
        length = end - start
        if length < dt.timedelta(0):
            problems.add(table, lines.line_of("DTEND"), "DTEND", lines.value_of("DTEND"), "ends before it starts")
            return False
        return length
    if "DURATION" in component:
        length = component.decoded("DURATION")
        if not isinstance(length, dt.timedelta) or length < dt.timedelta(0):
            problems.add(table, lines.line_of("DURATION"), "DURATION", lines.value_of("DURATION"), "not a duration such as PT36H or P3D")
            return False
        return length
    # RFC 5545: an all-day event without an end lasts its day; a timed one has no known end.
    return dt.timedelta(days=1) if all_day else None


_GOT = re.compile(r"Got: '(.*)'$")


def _checked(component, lines: EventLines, problems: ProblemList, table: str) -> bool:
    """Report what icalendar could not parse in one event; True when it can be used."""
    good = True
    for name, message in component.errors:
        if name is None:
            if not lines.malformed:  # malformed lines are reported by the line scan already
                problems.add(table, lines.begin, None, None, message)
            good = False
        else:
            # The parser says "Expected ... Got: '<value>'": name the line written with that value.
            got = _GOT.search(message)
            line, value = lines.where(name, got[1] if got else None)
            problems.add(table, line, name, value, f"not a valid {name} value ({message})")
            good = good and name not in ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
    if "DTSTART" not in component:
        if not any(name == "DTSTART" for name, _ in component.errors):
            problems.add(table, lines.begin, "DTSTART", None, "event has no DTSTART")
        return False
    return good


_FOLD = re.compile(r"\r?\n[ \t]")
_RULE_LINE = re.compile(r"^(?:RRULE|EXRULE)[;:].*$", re.MULTILINE | re.IGNORECASE)
_RULE_SPACE = re.compile(r"\s*([,;=])\s*")


def _tidy_rules(text: str) -> str:
    """The text with spaces inside repeat rules removed.

    Microsoft Exchange writes ``BYDAY=MO, TU, WE, TH, FR`` (a space after each
    comma), which the parser refuses as the weekday " TU"; the rule means
    every weekday.  Lines are unfolded first, because a folded rule can break
    anywhere; the event count and order are unchanged, so line numbers (from
    the line scan) still match.
    """
    return _RULE_LINE.sub(lambda rule: _RULE_SPACE.sub(r"\1", rule[0]), _FOLD.sub("", text))


def _rules(component) -> list:
    rules = component.get("RRULE")
    return rules if isinstance(rules, list) else [rules] if rules is not None else []


def _rule_problem(component, lines: EventLines, until) -> tuple[str, str] | None:
    """(value, message) when an RRULE cannot be expanded as asked; None when it can."""
    for rule in _rules(component):
        count = rule.get("COUNT")
        if count and count[0] < 0:
            return lines.value_of("RRULE"), "COUNT must not be negative"
        if not count and not rule.get("UNTIL") and until is None:
            return lines.value_of("RRULE"), "RRULE repeats forever (no COUNT or UNTIL); pass until= to say how far to expand it"
    return None


def _never_occurs(component) -> bool:
    """COUNT=0 means no occurrence, although the expanding libraries still give DTSTART."""
    rules = _rules(component)
    return bool(rules) and all(rule.get("COUNT") == [0] for rule in rules) and "RDATE" not in component


def _size(component, until, room: int) -> int:
    """How many occurrences the event's rules give (counted up to ``room + 1``), plus its RDATEs.

    Counted with dateutil, which is fast, before the slower expansion that
    builds each occurrence; times are compared without zones (hours do not matter here).
    """
    from dateutil.rrule import rrulestr

    start, _ = _wall_clock(component.decoded("DTSTART"), tz=None)
    total = 0
    for rule in _rules(component):
        dates = rrulestr(rule.to_ical().decode(), dtstart=start, ignoretz=True)
        for total, occurrence in enumerate(dates, start=total + 1):
            if total > room or (until is not None and occurrence > until):
                break
    rdates = component.get("RDATE")
    for rdate in rdates if isinstance(rdates, list) else [rdates] if rdates is not None else []:
        total += len(getattr(rdate, "dts", [rdate]))
    return total


def read_ics(
    path,
    *,
    match=None,
    kind: str = "episodes",
    tz: str | None = None,
    until=None,
    subject: str | None = None,
    vocabulary=None,
    max_occurrences: int | None = None,
) -> pd.DataFrame:
    """Read the VEVENTs of an iCalendar file as episodes or treatments.

    Parameters
    ----------
    path : path
        An ``.ics`` file.
    match : str or re.Pattern, optional
        Keep only events whose SUMMARY or a CATEGORY contains this keyword
        (case-insensitive), or matches this compiled regular expression.
        Only matching events are expanded and checked.
    kind : {"episodes", "treatments"}
        Read events as episodes (onset, end, notes) or as treatment sessions
        (start, end, name = SUMMARY, modality from the vocabulary).
    tz : str, optional
        Convert every zoned time to this IANA zone before dropping the zone.
    until : date-like, optional
        How far to expand recurring events that repeat forever, and a cut-off
        for all other recurring events.
    subject : str, optional
        Subject id for every row (default ``"me"``).
    vocabulary : DataFrame or dict, optional
        Extra modality rules, for ``kind="treatments"``.
    max_occurrences : int, optional
        The most occurrences the whole file may expand to (default:
        ``max_occurrences`` of :mod:`spasm_analysis.limits`, 20,000).

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
        Every malformed line, bad date or duration, rule that cannot be
        expanded, and a calendar with no (matching) event, with line numbers.

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
    import icalendar

    check_option("kind", kind, KINDS)
    if match is not None and not isinstance(match, (str, re.Pattern)):
        raise TypeError(f"match must be a keyword (str) or a compiled regular expression, not {type(match).__name__}")
    if max_occurrences is None:
        max_occurrences = limits.current().max_occurrences
    if not isinstance(max_occurrences, int) or max_occurrences < 1:
        raise ValueError(f"max_occurrences must be a positive whole number, not {max_occurrences!r}")
    target_zone = zone_info(tz, "tz") if tz is not None else None
    until_option = pd.Timestamp(until).to_pydatetime() if until is not None else None
    table, source, problems = kind, Path(path), ProblemList()
    context = f"{kind} read from {source}"
    try:
        text = read_text(source)
    except UnreadableText as error:
        problems.add(table, error.line, None, None, f"{error} (iCalendar files are UTF-8)")
        problems.raise_if_any(context)
    scan = scan_lines(text, problems, table)
    if scan.broken:
        problems.raise_if_any(context)
    try:
        calendars = icalendar.Calendar.from_ical(_tidy_rules(text), multiple=True)
    except ValueError as error:
        problems.add(table, None, None, None, f"not an iCalendar file ({error})")
        problems.raise_if_any(context)
    components = [c for calendar in calendars for c in calendar.walk("VEVENT")]
    if len(components) != len(scan.events):
        problems.add(table, None, None, None, f"{len(scan.events)} BEGIN:VEVENT lines but {len(components)} events could be parsed")
        problems.raise_if_any(context)
    for component, lines in zip(components, scan.events):
        component.add(_LINE, str(lines.begin))
    if tz is None and scan.calendar_zone is not None:
        calendars = _to_calendar_zone(calendars, scan, problems, table)
        problems.raise_if_any(context)
        components = [c for calendar in calendars for c in calendar.walk("VEVENT")]
    by_line = {lines.begin: lines for lines in scan.events}
    cancelled = sum(1 for c in components if (_text(c, "STATUS") or "").strip().upper() == "CANCELLED")
    components = [c for c in components if (_text(c, "STATUS") or "").strip().upper() != "CANCELLED"]
    wanted_uids = {_text(c, "UID") for c in components if _matches(c, match)}
    groups: dict[object, list] = {}
    for component in components:
        uid = _text(component, "UID")
        if uid in wanted_uids and (uid is not None or _matches(component, match)):
            groups.setdefault(uid if uid is not None else id(component), []).append(component)
    rows = _expand_all(groups, by_line, calendars, problems, table, tz=target_zone, until=until_option, match=match, cap=max_occurrences)
    if cancelled:
        warnings.warn(f"{cancelled} event(s) with STATUS:CANCELLED were not read", CancelledEventsWarning, stacklevel=2)
    problems.raise_if_any(context)
    if not rows:
        problems.add(table, None, None, None, _nothing_found(components, match))
        problems.raise_if_any(context)
    return _canonical(rows, kind, subject=subject, vocabulary=vocabulary)


def _to_calendar_zone(calendars, scan, problems, table):
    """UTC times moved to the calendar's X-WR-TIMEZONE (a zone that cannot be used is a problem)."""
    import x_wr_timezone

    try:
        zone = zone_info(scan.calendar_zone, "X-WR-TIMEZONE")
    except ValueError as error:
        problems.add(table, scan.calendar_zone_line, "X-WR-TIMEZONE", scan.calendar_zone,
                     f"{error}; pass tz= to say which zone the calendar's times belong to")
        return calendars
    return [x_wr_timezone.to_standard(calendar, timezone=zone) for calendar in calendars]


def _nothing_found(components, match) -> str:
    if not components:
        return "the calendar holds no events"
    if match is None:
        return "the calendar's events have no occurrences (COUNT=0 rules or every date excluded)"
    titles = pd.Series([_text(c, "SUMMARY") or "(no title)" for c in components]).value_counts()
    shown = ", ".join(repr(t) for t in titles.index[:8]) + (", ..." if len(titles) > 8 else "")
    return f"no event's title or category contains {getattr(match, 'pattern', match)!r}; the most common titles are {shown}"


def _expand_all(groups, by_line, calendars, problems, table, *, tz, until, match, cap) -> dict:
    """Occurrence rows of every group of events sharing a UID, capped for the whole file."""
    rows: dict[object, dict] = {}
    room = cap
    for group in groups.values():
        usable = []
        for component in group:
            lines = by_line[int(str(component[_LINE]))]
            if not _checked(component, lines, problems, table):
                continue
            rule_problem = _rule_problem(component, lines, until)
            if rule_problem:
                problems.add(table, lines.line_of("RRULE"), "RRULE", *rule_problem)
                continue
            try:
                room -= _size(component, until, room) if _rules(component) else 1
            except (ValueError, TypeError) as error:
                problems.add(table, lines.line_of("RRULE"), "RRULE", lines.value_of("RRULE"), f"cannot be expanded ({error})")
                continue
            if room < 0:
                problems.add(table, lines.line_of("RRULE"), "RRULE", lines.value_of("RRULE"), _cap_message(cap))
                return rows
            length = _length(component, lines, problems, table, tz=tz)
            if length is not False:
                usable.append((component, lines, length))
        if not usable:
            continue
        info = {lines.begin: (lines, length) for _, lines, length in usable}
        if len(group) > 1 or any(k in group[0] for k in ("RRULE", "RDATE")):
            found = _expand_group(usable, calendars, problems, table, until=until)
            rows.update(_rows(found, info, problems, table, tz=tz, match=match, recurring=True))
        else:
            rows.update(_rows([usable[0][0]], info, problems, table, tz=tz, match=match, recurring=False))
    return rows


def _cap_message(cap: int) -> str:
    return (f"the calendar holds more than {cap:,} occurrences; pass until= to expand recurring "
            f"events only up to a date, or max_occurrences= (environment variable "
            f"{limits.environment_variable('max_occurrences')}) to raise the limit")


def _expand_group(usable, calendars, problems, table, *, until) -> list:
    """Occurrences of one UID's events (the rule, its exceptions and moved occurrences)."""
    import icalendar
    import recurring_ical_events

    mini = icalendar.Calendar()
    for calendar in calendars:
        for timezone in calendar.walk("VTIMEZONE"):
            mini.add_component(timezone)
    for component, _, _ in usable:
        mini.add_component(component)
    # One bounded query: the library's open-ended iteration re-checks every
    # moved occurrence per step, which is quadratic in their number.
    stop = until + dt.timedelta(seconds=1) if until is not None else LATEST.to_pydatetime()
    try:
        found = recurring_ical_events.of(mini).between(_EARLIEST, stop)
    except Exception as error:  # the libraries raise many types for a rule they cannot expand
        first = usable[0][1]
        problems.add(table, first.line_of("RRULE"), "RRULE", first.value_of("RRULE"), f"cannot be expanded ({type(error).__name__}: {error})")
        return []
    never = {lines.begin for component, lines, _ in usable if _never_occurs(component)}
    return [o for o in found if int(str(o[_LINE])) not in never]


def _rows(occurrences, info, problems, table, *, tz, match, recurring) -> dict:
    out = {}
    latest = LATEST.to_pydatetime()
    for occurrence in occurrences:
        if not _matches(occurrence, match):
            continue
        lines, length = info[int(str(occurrence[_LINE]))]
        start, _ = _wall_clock(occurrence.decoded("DTSTART"), tz=tz)
        if start + (length or dt.timedelta(0)) >= latest or start.year < _EARLIEST.year:
            problems.add(table, lines.line_of("DTSTART"), "DTSTART", str(start), "this occurrence lies outside the dates this library handles")
            continue
        own = recurring and "RECURRENCE-ID" not in lines.names
        when = f"{start:%Y-%m-%d}" if start.time() == dt.time(0) else f"{start:%Y-%m-%dT%H:%M}"
        end = start + length if length is not None else None
        if recurring and "DTEND" in occurrence:
            # An RDATE given as a PERIOD has its own end, which the expanded occurrence carries.
            own_end, _ = _wall_clock(occurrence.decoded("DTEND"), tz=tz)
            end = own_end if own_end >= start else end
        out[f"{lines.begin} {when}" if own else lines.begin] = {
            "start": start,
            "end": end,
            "summary": _text(occurrence, "SUMMARY"),
            "description": _text(occurrence, "DESCRIPTION"),
            "categories": ", ".join(_categories(occurrence)) or None,
            "uid": _text(occurrence, "UID"),
        }
    return out


def _canonical(rows: dict, kind: str, *, subject, vocabulary) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["start", "end", "summary", "description", "categories", "uid"])
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
