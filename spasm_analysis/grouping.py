"""Vectorised per-subject operations on integer subject codes.

Subjects are text; sorting and grouping a million text ids is slow in pandas,
so the hot paths map them once to integer codes (in sorted subject order) and
work on numpy arrays of codes and int64 nanosecond times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DAY_NS",
    "subject_codes",
    "as_ns",
    "grouped_keys",
    "first_in_group",
    "grouped_cummax",
    "window_of",
    "sort_by_subject",
]

DAY_NS = 86_400 * 10**9


def subject_codes(values: pd.Series, subjects: np.ndarray) -> np.ndarray:
    """Integer code of each row's subject within the sorted ``subjects`` (-1 if absent)."""
    return pd.Categorical(values, categories=subjects).codes.astype(np.int64)


def as_ns(values: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT becomes the int64 minimum)."""
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def grouped_keys(codes: np.ndarray, times_ns: np.ndarray, base: int, span_days: float) -> np.ndarray:
    """One sortable float per (subject, time): subjects in blocks, time within a block.

    Float64 keeps a resolution under a second for a million subjects over decades,
    and equal (subject, time) pairs give equal keys, which is all ``searchsorted``
    needs; exact times are always carried separately in nanoseconds.
    """
    return codes * span_days + (times_ns - base) / DAY_NS


def first_in_group(codes: np.ndarray) -> np.ndarray:
    """True on the first row of each run of equal codes."""
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    return first


def grouped_cummax(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarted at each subject (rows grouped by code)."""
    return pd.Series(values).groupby(codes, sort=False).cummax().to_numpy()


def window_of(codes, times, w_codes, w_start, w_end, base, span_days):
    """For each (subject, time), the follow-up window holding it, else the subject's next one.

    Windows must be sorted by code then start.  Returns ``(window, inside)``: the
    window index and whether the time lies within it (start <= time <= end).
    """
    j = np.searchsorted(grouped_keys(w_codes, w_start, base, span_days), grouped_keys(codes, times, base, span_days), side="right") - 1
    jc = np.clip(j, 0, len(w_codes) - 1)
    inside = (j >= 0) & (w_codes[jc] == codes) & (times <= w_end[jc])
    return np.where(inside, jc, np.clip(j + 1, 0, len(w_codes) - 1)), inside


def sort_by_subject(frame: pd.DataFrame, time_columns: list[str]) -> pd.DataFrame:
    """Sort by subject (text order) then the given columns, stably, without a text sort."""
    codes, _ = pd.factorize(frame["subject"], sort=True)
    keys = [frame[c].to_numpy() for c in reversed(time_columns)]
    keys = [k.view(np.int64) if np.issubdtype(k.dtype, np.datetime64) else k for k in keys]
    if len(frame) < 2 or _is_sorted(codes, keys[-1] if keys else None):
        # Tables built from another log are sorted already; lexsort costs seconds on millions of rows.
        return frame
    return frame.iloc[np.lexsort(keys + [codes])]


def _is_sorted(codes: np.ndarray, first_key) -> bool:
    step = np.diff(codes)
    if first_key is None:
        return bool(np.all(step >= 0))
    ties = step == 0
    return bool(np.all(step >= 0) and np.all(np.diff(first_key)[ties] > 0))
