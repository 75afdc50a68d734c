"""Reading an app's export file line by line, so every problem can name its line and field.

Exports are read by the same delimited-text reader as the table loaders
(:mod:`spasm_analysis.io.delimited`), which keeps the file line each record
starts on (a quoted note may span several lines); :func:`csv_records` adds
what exports need on top: a header found after an app's preamble, and records
with fields by name.  Problems are collected as :class:`LineProblem` (which
prints ``file, line N, field 'x', value ...``) and raised together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from ..io import delimited
from ..schema import LogValidationError, Problem, ProblemList

__all__ = ["ExportNoteWarning", "LineProblem", "SourceProblems", "Record", "csv_records", "split_list", "parse_day", "parse_number", "day_of_text"]


class ExportNoteWarning(UserWarning):
    """Part of an export was read in a way the user should know about (the message says what and why)."""


@dataclass(frozen=True)
class LineProblem(Problem):
    """A problem located by the line of the export file it was found on."""

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"field '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
            text += f", value {shown if len(shown) <= 60 else shown[:57] + '...'}"
        return f"{text}: {self.message}"


class SourceProblems(ProblemList):
    """Problems found in one export file; ``add_line`` names the line and field."""

    def __init__(self, path: Path, app: str) -> None:
        super().__init__()
        self.path = Path(path)
        self.app = app

    def add_line(self, line, field: str | None, value, message: str) -> None:
        self._problems.append(LineProblem(self.path.name, line, field, value, message))

    def raise_if_any(self, context: str | None = None) -> None:
        if len(self):
            raise LogValidationError(list(self), context or f"the {self.app} export {self.path.name!r}")


@dataclass(frozen=True)
class Record:
    """One CSV record: the line it starts on and its fields by (stripped) header name."""

    line: int
    fields: dict[str, str]

    def get(self, name: str) -> str:
        """The stripped text of a field; the name is matched case-insensitively."""
        value = self.fields.get(name)
        if value is None:
            wanted = name.lower()
            value = next((v for k, v in self.fields.items() if k.lower() == wanted), None)
        return (value or "").strip()


def csv_records(
    path, problems: SourceProblems, *, is_header: Callable[[list[str]], bool] | None = None, encoding: str | None = None
) -> tuple[list[str], int, Iterator[Record]]:
    """Find the header row and iterate the records after it.

    The file is read by the one delimited-text reader the table loaders use
    (:func:`spasm_analysis.io.delimited.records`: decoding, strict parsing,
    limits, line numbers, blank records); a file it cannot read is a problem
    in ``problems``, raised at once.

    Parameters
    ----------
    path : Path
        The export.
    problems : SourceProblems
        Where an unreadable file is reported.
    is_header : callable, optional
        Called with each row's stripped fields until it returns True; rows
        before the header (an app's preamble) are skipped.  Without it the
        first non-blank row is the header.
    encoding : str, optional
        The text encoding; by default from the byte-order mark, else UTF-8.

    Returns
    -------
    (header, header_line, records)
        ``records`` yields :class:`Record` for every non-blank row after the header.
    """
    rows = _reported(delimited.records(path, encoding=encoding), problems)
    header: list[str] | None = None
    header_line = 0
    for line, row in rows:
        fields = [f.strip() for f in row]
        if delimited.is_blank(fields):
            continue
        if is_header is None or is_header(fields):
            header, header_line = fields, line
            break
    if header is None:
        return [], 0, iter(())

    def records() -> Iterator[Record]:
        for line, row in rows:
            if not delimited.is_blank(row):
                yield Record(line, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)})

    return header, header_line, records()


def _reported(rows, problems: SourceProblems):
    """``rows``, with a file that cannot be read as text or as a table raised as the export's problem."""
    try:
        yield from rows
    except delimited.UnreadableText as error:
        problems.add_line(error.line, None, None, str(error))
        problems.raise_if_any()


def split_list(text: str, separators: str = ",|;") -> list[str]:
    """Items of a list cell (``"Stress, Poor sleep"``), stripped, empty ones dropped."""
    items = [text]
    for separator in separators:
        items = [part for item in items for part in item.split(separator)]
    return [item.strip() for item in items if item.strip()]


@lru_cache(maxsize=1 << 16)
def day_of_text(text: str, dayfirst: bool):
    """``(day, None)`` or ``(None, message)``; cached because exports repeat each date on many rows."""
    import pandas as pd

    from ..io.dates import parse_date

    try:
        stamp, precision = parse_date(text, dayfirst=dayfirst)
    except ValueError as error:
        return None, f"not a date ({error})"
    if precision != "day":
        return None, f"a whole {precision}, not a day"
    return pd.Timestamp(stamp).normalize(), None


def parse_day(record: Record, field: str, problems: SourceProblems, *, dayfirst: bool = False):
    """The calendar day a record's date field names (wall clock; any offset dropped), or None."""
    text = record.get(field)
    if not text:
        problems.add_line(record.line, field, None, "missing date")
        return None
    day, message = day_of_text(text, dayfirst)
    if message:
        problems.add_line(record.line, field, text, message)
    return day


def parse_number(record: Record, field: str, problems: SourceProblems, *, low: float, high: float):
    """A number in ``[low, high]`` from a field; None when empty; recorded problem when bad."""
    text = record.get(field)
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        problems.add_line(record.line, field, text, "not a number")
        return None
    if not low <= value <= high:
        problems.add_line(record.line, field, text, f"outside the scale {low:g}-{high:g}")
        return None
    return value
