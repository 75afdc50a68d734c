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

from spasm_analysis.counting import as_counting_process

__all__ = ["CountingRows", "split_by_group"]


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
        """Distinct event times and the number of onsets at each (a row may hold several)."""
        order = self._orders["stop"]
        onset = self.event[order] > 0
        times, counts = self.stop[order][onset], self.event[order][onset]
        first = np.r_[True, times[1:] != times[:-1]] if len(times) else np.zeros(0, dtype=bool)
        return times[first], np.add.reduceat(counts, np.flatnonzero(first)) if len(times) else counts

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


def _group_rows(codes, start, stop, event, labels) -> CountingRows:
    """Rows of one group (sorted by subject, start) with subjects renumbered 0..k-1."""
    new_subject = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
    dense = np.cumsum(new_subject) - 1
    return CountingRows(dense, start, stop, event, labels[codes[new_subject]])


def split_by_group(data, by: str | None) -> dict[object, CountingRows]:
    """The rows of a :class:`~spasm_analysis.CountingProcess` (or anything
    ``as_counting_process`` accepts), split by the column ``by``.

    Groups come in sorted order; ``by=None`` gives one group keyed ``None``.
    The grouping variable must be constant within each subject.
    """
    cp = as_counting_process(data)
    cp.require_one_row_at_a_time("the MCF")
    codes, start, stop, event = cp.subject_code, cp.start, cp.stop, cp.event
    if by is None:
        return {None: _group_rows(codes, start, stop, event, cp.subjects)}
    if not isinstance(by, str) or by not in cp.covariates.columns:
        raise ValueError(f"by={by!r} is not a column of the data; columns: {', '.join(map(str, cp.columns))}")
    values = cp.covariates[by]
    if values.isna().any():
        rows = np.flatnonzero(values.isna().to_numpy())[:5]
        raise ValueError(f"column {by!r} (the grouping variable) is missing for subject(s) "
                         f"{', '.join(repr(cp.subjects[codes[i]]) for i in rows)}")
    groups, group_labels = pd.factorize(values, sort=True)
    varying = (codes[1:] == codes[:-1]) & (groups[1:] != groups[:-1])
    if varying.any():
        bad = np.unique(codes[1:][varying])[:5]
        raise ValueError(
            f"column {by!r} must be constant within a subject to compare groups of subjects; "
            f"it changes within subject(s) {', '.join(repr(cp.subjects[c]) for c in bad)}")
    return {label: _group_rows(codes[groups == k], start[groups == k], stop[groups == k],
                               event[groups == k], cp.subjects)
            for k, label in enumerate(group_labels)}
