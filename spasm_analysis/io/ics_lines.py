"""Where things are in an iCalendar file: the lines :mod:`icalendar` does not report.

:mod:`icalendar` parses a calendar but keeps no line numbers, and it accepts a
file that stops inside an event.  This scan of the unfolded content lines
(RFC 5545 3.1) finds each VEVENT's ``BEGIN`` line and the line of each of its
properties, so a problem can name the line a person sees in an editor, and it
reports lines with no ``name:value`` form and unbalanced BEGIN/END.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..schema import ProblemList

__all__ = ["EventLines", "ScannedCalendar", "scan_lines", "zone_info"]


@dataclass
class EventLines:
    """One VEVENT: the line of its BEGIN, and the first line and value of each property."""

    begin: int
    properties: dict[str, tuple[int, str]] = field(default_factory=dict)
    malformed: bool = False
    #: Every (line, value) of each property, for properties an event may repeat (EXDATE, RDATE, ...).
    every: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return set(self.properties)

    def line_of(self, name: str) -> int:
        return self.properties.get(name, (self.begin, None))[0]

    def value_of(self, name: str) -> str | None:
        return self.properties.get(name, (None, None))[1]

    def where(self, name: str, value: str | None = None) -> tuple[int, str | None]:
        """``(line, value)`` of the property written with ``value`` (the first one when not found or not given)."""
        if value is not None:
            for line, written in self.every.get(name, []):
                if written.strip() == value:
                    return line, written
        return self.line_of(name), self.value_of(name)


@dataclass
class ScannedCalendar:
    events: list[EventLines]
    calendar_zone: str | None = None
    calendar_zone_line: int | None = None
    #: The file is not a whole calendar (unbalanced BEGIN/END, no VCALENDAR): nothing more can be read.
    broken: bool = False


def _unfold(text: str) -> list[tuple[int, str]]:
    """Content lines with the physical line each starts on."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _name_and_value(line: str) -> tuple[str, str] | None:
    """``NAME;P="x:y":value`` -> (NAME, value), or None when there is no unquoted ':'."""
    in_quotes = False
    for position, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            name = line[:position].split(";", 1)[0].strip().upper()
            return (name, line[position + 1:]) if name else None
    return None


def scan_lines(text: str, problems: ProblemList, table: str) -> ScannedCalendar:
    """Locate events and properties; record malformed lines and unbalanced BEGIN/END."""
    scanned = ScannedCalendar([])
    stack: list[str] = []
    for number, line in _unfold(text):
        parts = _name_and_value(line)
        if parts is None:
            problems.add(table, number, None, line[:60], "not an iCalendar content line (no ':' between name and value)")
            if stack[-1:] == ["VEVENT"] and scanned.events:
                scanned.events[-1].malformed = True
            continue
        name, value = parts
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if stack[-1] == "VEVENT":
                scanned.events.append(EventLines(number))
        elif name == "END":
            ended = value.strip().upper()
            if not stack or stack[-1] != ended:
                problems.add(table, number, None, line, f"END:{ended} does not close BEGIN:{stack[-1] if stack else '(nothing)'}")
                scanned.broken = True
            else:
                stack.pop()
        elif stack[-1:] == ["VEVENT"]:
            scanned.events[-1].properties.setdefault(name, (number, value))
            scanned.events[-1].every.setdefault(name, []).append((number, value))
        elif stack == ["VCALENDAR"] and name == "X-WR-TIMEZONE":
            scanned.calendar_zone, scanned.calendar_zone_line = value.strip(), number
    if stack:
        problems.add(table, None, None, None, f"the file ends inside BEGIN:{stack[-1]} (no matching END)")
        scanned.broken = True
    if not scanned.events and "BEGIN:VCALENDAR" not in text.upper():
        problems.add(table, None, None, None, "not an iCalendar file (no BEGIN:VCALENDAR)")
        scanned.broken = True
    return scanned


def zone_info(name: str, what: str) -> ZoneInfo:
    """The IANA zone ``name`` (UTC, Z and GMT accepted); ValueError naming ``what`` otherwise."""
    key = "UTC" if name.strip().upper() in ("UTC", "Z", "GMT") else name.strip()
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database ("America") is not a zone.
        raise ValueError(f"{what} {name!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'") from None
