"""Counting-process input for the nonparametric estimators, and risk-set counts.

The estimators in this subpackage take a counting-process frame (columns
``subject, start, stop, event``; intervals ``(start, stop]``) or an
``EpisodeLog``, which is converted with ``spasm_analysis.to_counting_process``
at call time.  This module checks the frame once, splits it by group and
counts who is at risk at given times with sorted arrays and ``searchsorted``
(O(n log n), never subjects x times): :class:`CountingRows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["CountingRows", "as_counting_frame", "split_by_group"]

_REQUIRED = ("subject", "start", "stop", "event")
_MAX_LISTED = 5


def as_counting_frame(data) -> pd.DataFrame:
    """Return ``data`` as a counting-process DataFrame.

    A DataFrame is returned unchanged; anything else (an ``EpisodeLog``) goes
    through ``spasm_analysis.counting.to_counting_process`` with its defaults.
    """
    if isinstance(data, pd.DataFrame):
        return data
    try:
        from spasm_analysis.counting import to_counting_process
    except ImportError as exc:  # pragma: no cover - depends on the build stage
        raise TypeError(
            f"expected a counting-process DataFrame (columns {', '.join(_REQUIRED)}) "
            f"or an EpisodeLog; got {type(data).__name__} and "
            "spasm_analysis.counting.to_counting_process is not available"
        ) from exc
    return to_counting_process(data)


def _list_rows(labels) -> str:
    labels = list(labels)
    shown = ", ".join(repr(label) for label in labels[:_MAX_LISTED])
    more = f" and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else ""
    return shown + more


@dataclass(frozen=True)
class CountingRows:
    """Validated rows of one group, grouped by subject and sorted by start within subject.

    ``subject`` holds integer codes 0..n_subjects-1 (nondecreasing); ``labels``
    maps them back.
    Risk-set sums and lookups of row ends among sorted times go through the
    rows sorted by start and by stop (computed once), so that every
    ``searchsorted`` runs on sorted queries.
    """

    subject: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    labels: np.ndarray

    @property
    def n_subjects(self) -> int:
        return len(self.labels)

    @cached_property
    def _orders(self) -> dict[str, np.ndarray]:
        # the order among tied times does not matter to any sum or lookup below
        return {"start": np.argsort(self.start), "stop": np.argsort(self.stop)}

    def event_times(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct event times and the number of events at each."""
        order = self._orders["stop"]
        times = self.stop[order][self.event[order] == 1]
        first = np.r_[True, times[1:] != times[:-1]] if len(times) else np.zeros(0, dtype=bool)
        return times[first], np.diff(np.r_[np.flatnonzero(first), len(times)])

    def locate(self, times: np.ndarray, end: str, side: str = "left") -> np.ndarray:
        """``np.searchsorted(times, self.<end>, side)`` computed on sorted queries."""
        order = self._orders[end]
        index = np.empty(len(order), dtype=np.intp)
        index[order] = np.searchsorted(times, getattr(self, end)[order], side=side)
        return index

    def at_risk(self, times, values=None) -> np.ndarray:
        """Sum ``values`` over the rows at risk at each of ``times`` (row counts if None).

        A row is at risk at t when ``start < t <= stop``; the sum over those
        rows is (sum over rows with start < t) - (sum over rows with stop < t),
        each read off a cumulative sum over sorted rows.
        """
        times = np.asarray(times, dtype=float)
        total = 0
        for end, sign in (("start", 1), ("stop", -1)):
            order = self._orders[end]
            n_before = np.searchsorted(getattr(self, end)[order], times, side="left")
            if values is None:
                total = total + sign * n_before
            else:
                cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=float)[order])])
                total = total + sign * cumulative[n_before]
        return total


def _validate(frame: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(
            f"counting-process data is missing column(s) {', '.join(missing)}; "
            f"found columns: {', '.join(map(str, frame.columns))}"
        )
    problems = []
    for col in ("start", "stop", "event"):
        # bool is numeric to pandas; it is a fine event indicator but not a time
        is_time_bool = col != "event" and pd.api.types.is_bool_dtype(frame[col])
        if not pd.api.types.is_numeric_dtype(frame[col]) or is_time_bool:
            problems.append(f"column {col!r} must be numeric, got dtype {frame[col].dtype}")
    if problems:
        raise ValueError("; ".join(problems))
    bad = frame.index[frame["subject"].isna()]
    if len(bad):
        problems.append(f"column 'subject' is missing in row(s) {_list_rows(bad)}")
    for col in ("start", "stop"):
        values = frame[col].to_numpy(dtype=float)
        bad = frame.index[~np.isfinite(values)]
        if len(bad):
            problems.append(f"column {col!r} is missing or infinite in row(s) {_list_rows(bad)}")
    event = frame["event"].to_numpy(dtype=float)
    bad = frame.index[~np.isin(event, (0.0, 1.0))]
    if len(bad):
        values = _list_rows(frame.loc[bad[:_MAX_LISTED], "event"])
        problems.append(f"column 'event' must be 0 or 1; row(s) {_list_rows(bad)} hold {values}")
    start = frame["start"].to_numpy(dtype=float)
    stop = frame["stop"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = frame.index[start >= stop]
    if len(bad):
        problems.append(
            f"intervals (start, stop] must have start < stop; row(s) {_list_rows(bad)} do not"
        )
    if problems:
        raise ValueError("invalid counting-process data: " + "; ".join(problems))


def _subjects_where(mask, codes, labels) -> str:
    return _list_rows(labels[np.unique(codes[1:][mask])])


def _group_rows(codes, start, stop, event, labels) -> CountingRows:
    """Rows of one group (already sorted by subject, start) with subjects renumbered 0..k-1."""
    new_subject = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
    dense = np.cumsum(new_subject) - 1
    return CountingRows(dense, start, stop, event, labels[codes[new_subject]])


def split_by_group(data, by: str | None) -> dict[object, CountingRows]:
    """Validate counting-process ``data`` and split it by the column ``by``.

    Groups come in sorted order; ``by=None`` gives one group keyed ``None``.
    Within a group, subjects are numbered in order of first appearance.
    A subject's intervals must not overlap, and the grouping variable must be
    constant within each subject.
    """
    frame = as_counting_frame(data)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(frame).__name__}")
    _validate(frame)
    if by is not None and (not isinstance(by, str) or by not in frame.columns):
        raise ValueError(
            f"by={by!r} is not a column of the data; columns: {', '.join(map(str, frame.columns))}"
        )
    if by is not None:
        bad = frame.index[frame[by].isna()]
        if len(bad):
            raise ValueError(f"column {by!r} (the grouping variable) is missing in row(s) {_list_rows(bad)}")
        groups, group_labels = pd.factorize(frame[by], sort=True)
    else:
        groups, group_labels = np.zeros(len(frame), dtype=np.intp), [None]
    # hashing, not sorting, the subject ids: string ids make sorting slow
    codes, labels = pd.factorize(frame["subject"])
    labels = np.asarray(labels)
    start = frame["start"].to_numpy(dtype=float)
    stop = frame["stop"].to_numpy(dtype=float)
    event = frame["event"].to_numpy(dtype=np.int8)
    steps = np.diff(codes)
    # frames from to_counting_process are already in order; sorting is then skipped
    if not ((steps >= 0).all() and (start[1:][steps == 0] > start[:-1][steps == 0]).all()):
        order = np.lexsort((start, codes))
        codes, start, stop, event, groups = codes[order], start[order], stop[order], event[order], groups[order]
    same = codes[1:] == codes[:-1]
    overlap = same & (start[1:] < stop[:-1])
    if overlap.any():
        raise ValueError(
            "a subject's intervals (start, stop] overlap, so it would be counted twice "
            f"in the risk set: subject(s) {_subjects_where(overlap, codes, labels)}"
        )
    varying = same & (groups[1:] != groups[:-1])
    if varying.any():
        raise ValueError(
            f"column {by!r} must be constant within a subject to compare groups of subjects; "
            f"it changes within subject(s) {_subjects_where(varying, codes, labels)}"
        )
    if by is None:
        return {None: _group_rows(codes, start, stop, event, labels)}
    out = {}
    for k, label in enumerate(group_labels):
        mask = groups == k
        out[label] = _group_rows(codes[mask], start[mask], stop[mask], event[mask], labels)
    return out
