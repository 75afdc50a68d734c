"""Bounds on what a small input file can make large.

A few kilobytes can describe millions of rows (a spreadsheet cell at XFD1048576,
a calendar event repeating 99,999 times), gigabytes of decompressed text (a zip
bomb) or nesting deeper than a parser can follow.  Every reader checks the
limits declared here *before* the work grows, and stops with a
:class:`LimitExceededError` that names the limit, the size found and how to
raise it -- never a hang, an exhausted memory or a parser's traceback.

The defaults are far above any real episode log (a cohort of 100,000 people
logging ten years is about two million rows):

==========================  ===============  ======================================
limit                       default          what it bounds
==========================  ===============  ======================================
``max_rows``                10,000,000       data rows of one table file
``max_columns``             1,000            columns of one table file
``max_decompressed_bytes``  4,000,000,000    bytes unpacked from one zip (xlsx, exports)
``max_nesting``             100              nesting depth of a JSON file
``max_occurrences``         20,000           occurrences expanded from one calendar file
==========================  ===============  ======================================

Raise one for a run with the environment variable named after it
(``SPASM_ANALYSIS_MAX_COLUMNS=20000 spasm-analysis summary wide.csv``), or in
Python for a block with :func:`override`.

Examples
--------
>>> import spasm_analysis as sa
>>> sa.limits.current().max_columns
1000
>>> with sa.limits.override(max_columns=20_000):
...     sa.limits.current().max_columns
20000
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["Limits", "LimitExceededError", "DEFAULTS", "current", "override", "check", "check_zip", "environment_variable"]


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds in force; see the module docstring for what each one bounds."""

    max_rows: int = 10_000_000
    max_columns: int = 1_000
    max_decompressed_bytes: int = 4_000_000_000
    max_nesting: int = 100
    max_occurrences: int = 20_000


DEFAULTS = Limits()
_NAMES = tuple(field.name for field in dataclasses.fields(Limits))
_override: ContextVar[dict[str, int]] = ContextVar("spasm_analysis_limits", default={})


def environment_variable(name: str) -> str:
    """The environment variable that raises limit ``name`` (``SPASM_ANALYSIS_MAX_ROWS`` for ``max_rows``)."""
    return f"SPASM_ANALYSIS_{name.upper()}"


class LimitExceededError(ValueError):
    """An input is larger than a declared limit; the message says which and how to raise it.

    Attributes ``limit`` (the limit's name), ``allowed`` and ``found``.
    """

    def __init__(self, limit: str, found: int, allowed: int, what: str) -> None:
        self.limit, self.found, self.allowed = limit, found, allowed
        super().__init__(
            f"{what} has {found:,} {_UNITS[limit]}, more than the limit of {allowed:,} ({limit}); if the input is "
            f"what you meant, raise it with the environment variable {environment_variable(limit)}={max(found, allowed + 1)} "
            f"or, in Python, sa.limits.override({limit}={max(found, allowed + 1)})"
        )


_UNITS = {
    "max_rows": "rows",
    "max_columns": "columns",
    "max_decompressed_bytes": "bytes once unpacked",
    "max_nesting": "levels of nesting",
    "max_occurrences": "occurrences",
}


def _from_environment(name: str, default: int) -> int:
    text = os.environ.get(environment_variable(name))
    if text is None or not text.strip():
        return default
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = -1
    if value < 1:
        raise ValueError(f"{environment_variable(name)} must be a whole number of at least 1, not {text!r}")
    return value


def current() -> Limits:
    """The limits in force: :func:`override` values, else environment variables, else :data:`DEFAULTS`."""
    given = _override.get()
    return Limits(**{name: given.get(name) or _from_environment(name, getattr(DEFAULTS, name)) for name in _NAMES})


@contextlib.contextmanager
def override(**limits: int) -> Iterator[Limits]:
    """Raise (or lower) limits inside a ``with`` block.

    Parameters
    ----------
    **limits : int
        Any of ``max_rows, max_columns, max_decompressed_bytes, max_nesting,
        max_occurrences``, each a whole number of at least 1.
    """
    unknown = sorted(set(limits) - set(_NAMES))
    if unknown:
        raise ValueError(f"unknown limit(s) {', '.join(unknown)}; the limits are {', '.join(_NAMES)}")
    for name, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    token = _override.set({**_override.get(), **limits})
    try:
        yield current()
    finally:
        _override.reset(token)


def check(limit: str, found: int, what: str) -> None:
    """Raise :class:`LimitExceededError` when ``found`` is above the limit named ``limit``."""
    allowed = getattr(current(), limit)
    if found > allowed:
        raise LimitExceededError(limit, found, allowed, what)


def check_zip(archive, what: str) -> None:
    """Check the bytes a :class:`zipfile.ZipFile` unpacks to against ``max_decompressed_bytes``.

    The sizes are those the archive declares; :mod:`zipfile` never returns
    more than the declared size of a member (a member that lies fails its CRC
    check), so the sum bounds what reading the archive can produce.
    """
    check("max_decompressed_bytes", sum(info.file_size for info in archive.infolist()), what)
