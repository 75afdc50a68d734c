"""Reading an app's export file line by line, so every problem can name its line and field.

Exports are read with the :mod:`csv` module rather than :func:`pandas.read_csv`
because the readers need the file line each record starts on (a quoted note
may span several lines) and because some exports put a preamble before the
header.  Problems are collected as :class:`LineProblem` (which prints
``file, line N, field 'x', value ...``) and raised together.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from ..schema import LogValidationError, Problem, ProblemList

__all__ = ["ExportNoteWarning", "LineProblem", "SourceProblems", "Record", "read_text", "csv_records", "split_list", "parse_day", "parse_number", "day_of_text"]


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


def read_text(path: Path) -> str:
    """The whole file as text; UTF-8 (with or without BOM), falling back to Latin-1."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def csv_records(
    text: str, *, is_header: Callable[[list[str]], bool] | None = None
) -> tuple[list[str], int, Iterator[Record]]:
    """Find the header row and iterate the records after it.

    Parameters
    ----------
    text : str
        The file's contents.
    is_header : callable, optional
        Called with each row's stripped fields until it returns True; rows
        before the header (an app's preamble) are skipped.  Without it the
        first non-blank row is the header.

    Returns
    -------
    (header, header_line, records)
        ``records`` yields :class:`Record` for every non-blank row after the header.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    previous_end = 0
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num
        fields = [f.strip() for f in row]
        if not any(fields):
            continue
        if is_header is None or is_header(fields):
            header, header_line = fields, start
            break
    if header is None:
        return [], 0, iter(())

    def records() -> Iterator[Record]:
        end = reader.line_num
        for row in reader:
            start, end = end + 1, reader.line_num
            if not any(f.strip() for f in row):
                continue
            yield Record(start, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)})

    return header, header_line, records()


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
