"""Canonical tables, their columns, and the error raised when input breaks them.

Every loader and the :class:`~spasm_analysis.log.EpisodeLog` report problems the
same way: a :class:`Problem` names the table, the row (as numbered in the file
the user wrote, when known), the column and the offending value, and says what is
wrong.  All problems found are collected and raised together as one
:class:`LogValidationError`, so a user fixes a file in one pass instead of one
error at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "TABLES",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "PRECISIONS",
    "DEFAULT_SUBJECT",
    "HEADERS_ATTR",
    "Problem",
    "ProblemList",
    "LogValidationError",
]

#: The canonical tables of an episode log, in the order they are written.
TABLES = ("episodes", "follow_up", "treatments", "exposures", "covariates")

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("subject", "onset"),
    "follow_up": ("subject", "start", "end"),
    "treatments": ("subject", "start", "end", "modality"),
    "exposures": ("subject", "time", "exposure"),
    "covariates": ("subject",),
}

OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": (
        "end",
        "onset_latest",
        "end_earliest",
        "end_latest",
        "ongoing",
        # True when the end was computed as onset + a written length: it moves with a placed onset.
        "end_from_length",
        "severity",
        "region",
        "side",
        "trigger",
        "notes",
        "onset_precision",
        "n_merged",
    ),
    "follow_up": (),
    "treatments": ("name", "dose", "notes"),
    "exposures": ("value",),
    "covariates": (),
}

#: Columns holding datetimes, per table.
DATETIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("onset", "onset_latest", "end", "end_earliest", "end_latest"),
    "follow_up": ("start", "end"),
    "treatments": ("start", "end"),
    "exposures": ("time",),
    "covariates": (),
}

#: Free-text columns, per table: an empty cell in them is stored as missing.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("region", "side", "trigger", "notes"),
    "treatments": ("name", "dose", "notes"),
}

#: How an onset was written, from the finest to the coarsest: a day; "around" a
#: day (three days either side); early/mid/late in a month; a month; a season;
#: a year.  The onset is stored at the first day it can mean (``onset``) and the
#: last (``onset_latest``); see :mod:`spasm_analysis.io.dates`.
PRECISIONS = ("day", "around", "part_month", "month", "season", "year")

#: Key of ``DataFrame.attrs`` under which readers record ``{canonical column: header as written}``.
HEADERS_ATTR = "headers"

#: Subject id given to every row of a single-person log that has no subject column.
DEFAULT_SUBJECT = "me"

SEVERITY_RANGE = (0.0, 10.0)


def _short(value: Any, width: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    ``row`` is the row label as the user knows it: the line number in a CSV file
    (header = line 1), the sheet row in a spreadsheet, or the DataFrame index.
    ``None`` means the problem concerns the whole table or column.  ``header``
    is the column's name as written in the file when it differs from the
    canonical ``column`` (e.g. "Lasted" for ``end``); messages show both.
    """

    table: str
    row: Any
    column: str | None
    value: Any
    message: str
    header: str | None = None

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.header is not None and self.header != self.column:
            where.append(f"column '{self.header}' (read as {self.column})")
        elif self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f", value {_short(self.value)}"
        return f"{text}: {self.message}"


class LogValidationError(ValueError):
    """Raised when an episode log breaks the rules of the canonical tables.

    The message lists every problem found, one per line; the structured list is
    in :attr:`problems`.
    """

    def __init__(self, problems: Iterable[Problem], context: str | None = None):
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        if context:
            head += f" in {context}"
        lines = [head + ":"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self):  # keep pickling (e.g. multiprocessing) working
        return (type(self), (self.problems, self.context))


class ProblemList:
    """Collects problems while validating, then raises them all at once."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []
        self._headers: dict[tuple[str, str], str] = {}

    def name_columns(self, table: str, headers: dict[str, str]) -> None:
        """Say how the file named ``table``'s canonical columns (``{canonical: header as written}``), for messages."""
        self._headers.update({(table, column): str(header) for column, header in headers.items()})

    def add(self, table: str, row: Any, column: str | None, value: Any, message: str) -> None:
        """Record one problem."""
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            try:
                value = value.item()
            except (ValueError, AttributeError):
                pass
        header = self._headers.get((table, column)) if column is not None else None
        self._problems.append(Problem(table, row, column, value, message, header))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._problems.extend(problems)

    def __len__(self) -> int:
        return len(self._problems)

    def __iter__(self):
        return iter(self._problems)

    def raise_if_any(self, context: str | None = None) -> None:
        """Raise :class:`LogValidationError` listing every problem, if there are any."""
        if self._problems:
            raise LogValidationError(self._problems, context)
