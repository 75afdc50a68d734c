"""The one counting-process type: validated (start, stop] rows of recurrent episodes.

A :class:`CountingProcess` is the project's ``Surv(start, stop, event)``. It is
built in one place (:meth:`CountingProcess.from_frame`, which
``to_counting_process`` also goes through), validated once, and every
estimator takes it. Three rules live here and nowhere else:

* **Near-tied times** are merged as R's ``aeqSurv`` (the ``timefix`` of
  ``survfit`` and ``coxph``) does: sorted distinct times closer than
  ``sqrt(machine epsilon)``, absolutely or relative to the mean absolute
  time, become the smaller one, so 2 and ``sqrt(2)**2`` are one time.
* **Zero-length rows** (start == stop) carry no time at risk. One with an
  event right after an event of the same subject at the same time is a
  second onset at that instant: it is added to that row's event count
  (dN = 2, as ``reda::mcf`` counts it). Every other zero-length row is dropped
  with a :class:`ZeroLengthRowsWarning` saying how many, as R's ``Surv`` does
  (it makes them NA and the fit drops them).
* **Episode numbers**: ``episode`` is k on the rows at risk of a subject's
  k-th counted episode, i.e. 1 + the onsets on the subject's earlier rows,
  unless the frame brings its own ``episode`` column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from .schema import LogValidationError, ProblemList
from .sorted_codes import sorted_codes

__all__ = ["CountingProcess", "ZeroLengthRowsWarning", "merge_near_ties", "near_tie_ranks",
           "TIME_TOLERANCE"]

#: R's ``aeqSurv`` tolerance, ``sqrt(.Machine$double.eps)``.
TIME_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
_REQUIRED = ("subject", "start", "stop", "event")
_LISTED = 5


class ZeroLengthRowsWarning(UserWarning):
    """Rows with start == stop were dropped (they hold no time at risk), as R does."""


def near_tie_ranks(times: np.ndarray, tolerance: float = TIME_TOLERANCE):
    """R's ``aeqSurv`` as ranks: each time's rank among the distinct times once near-ties merge.

    Sorted distinct times closer than ``tolerance``, absolutely or relative to
    the mean absolute (finite, distinct) time, form one run, which takes the
    value of its smallest time; non-finite times are never merged. Returns
    ``(ranks, firsts, n_merged)``: per time its run's rank (int64, 0..K-1),
    the smallest time of each run, and how many distinct values were merged
    into a smaller neighbour. The Cox engine ranks its (start, stop] times
    with this, and :func:`merge_near_ties` snaps times to ``firsts``.

    Whole numbers that no tolerance merges (day-scale times) are ranked by a
    presence table over their range instead of a sort; many repeated values
    by hashing and a sort of the distinct values only.

    Examples
    --------
    >>> ranks, firsts, merged = near_tie_ranks(np.array([2.0, np.sqrt(2) ** 2, 5.0, 1.0]))
    >>> ranks.tolist(), firsts.tolist(), merged
    ([1, 1, 2, 0], [1.0, 2.0, 5.0], 1)
    """
    times = np.asarray(times, dtype=float)
    if _whole_numbers_far_apart(times, tolerance):
        # magnitudes below 0.5 / tolerance: exact as 64-bit integers
        values, ranks = sorted_codes(times.astype(np.int64))
        return ranks, values.astype(float), 0
    values, codes = sorted_codes(times)
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf, 0 / 0: never tied
        gaps = np.diff(values)
        finite = values[np.isfinite(values)]
        scale = float(np.mean(np.abs(finite))) if len(finite) else 0.0
        tied = (gaps <= tolerance) | (gaps / scale <= tolerance)  # as R's aeqSurv writes it
    run_start = np.r_[True, ~tied]
    rank_of_value = np.cumsum(run_start, dtype=np.int64) - 1
    return rank_of_value[codes], values[run_start], int(tied.sum())


def merge_near_ties(start: np.ndarray, stop: np.ndarray, tolerance: float = TIME_TOLERANCE):
    """R's ``aeqSurv``: times closer than ``tolerance`` become the smaller one.

    Returns the new start and stop arrays and how many distinct values were
    merged into a smaller neighbour (0: the inputs are returned unchanged).
    The rule is :func:`near_tie_ranks`.
    """
    both = np.concatenate([start, stop])
    if _whole_numbers_far_apart(both, tolerance):
        return start, stop, 0
    ranks, firsts, n_merged = near_tie_ranks(both, tolerance)
    if not n_merged:
        return start, stop, 0
    snapped = firsts[ranks]
    n = len(start)
    return snapped[:n], snapped[n:], n_merged


def _whole_numbers_far_apart(values: np.ndarray, tolerance: float) -> bool:
    """Whether ``values`` are whole numbers that no tolerance merges (day-scale times).

    Distinct whole numbers are at least 1 apart, which exceeds both the
    absolute tolerance and the relative one while their magnitude stays below
    ``0.5 / tolerance``; checking this costs two passes instead of a sort.
    """
    if len(values) == 0 or tolerance >= 1:
        return False
    finite = np.isfinite(values)
    if not finite.all():
        return False
    return (float(np.abs(values).max()) * tolerance < 0.5
            and np.array_equal(np.floor(values), values))


def _in_order(keys) -> bool:
    """Whether rows are already sorted by ``keys`` (most significant first), in O(n)."""
    if len(keys[0]) < 2:
        return True
    undecided = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in keys:
        key = np.asarray(key)
        later, earlier = key[1:], key[:-1]
        if np.any(undecided & (later < earlier)):
            return False
        undecided &= later == earlier
    return True


def _subject_order(code, given, start, stop) -> np.ndarray:
    """The stable order by subject, episode, start and stop (``np.lexsort`` of those keys).

    Rows usually come grouped by subject and in time order within it, only
    with the subjects in another order than their sorted labels ("p10"
    before "p2"): then a stable sort by subject alone gives the same order,
    checked in O(n), without sorting on four keys.
    """
    by_subject = np.argsort(code, kind="stable")
    if _in_order(tuple(key[by_subject] for key in (code, given, start, stop))):
        return by_subject
    return np.lexsort((stop, start, given, code))


def _sorted_codes(labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of subject labels in sorted label order (text order if types are mixed)."""
    if isinstance(labels.dtype, np.dtype) and labels.dtype.kind in "iu":  # integer ids: no sort
        uniques, codes = sorted_codes(labels.to_numpy())
        return codes, uniques
    try:
        codes, uniques = pd.factorize(labels, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(labels)
        order = np.argsort(np.asarray([str(u) for u in uniques]), kind="stable")
        codes = np.argsort(order)[codes]
        uniques = np.asarray(uniques, dtype=object)[order]
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    # numeric labels keep their dtype: later lookups (missing values, codes) stay vectorised
    return codes.astype(np.int64), np.asarray(uniques)


def _plain(label):
    """A label as Python shows it in a message (``5``, not ``np.int64(5)``)."""
    return label.item() if isinstance(label, np.generic) else label


def _rows(labels) -> str:
    labels = list(labels)
    more = f" and {len(labels) - _LISTED} more" if len(labels) > _LISTED else ""
    return ", ".join(repr(x) for x in labels[:_LISTED]) + more


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class CountingProcess:
    """Validated (start, stop] rows: the input of every recurrent-event estimator.

    Rows are sorted by subject (in sorted label order) and start. A row is at
    risk on ``(start, stop]`` and ends in ``event`` onsets (0, 1, or more
    for onsets of one subject at the same instant).

    Attributes
    ----------
    subjects : ndarray
        The distinct subject labels, sorted; ``subject_code`` indexes it.
    subject_code, start, stop, event, episode : ndarray
        One value per row (read-only).
    cluster : ndarray or None
        Per-row cluster labels (e.g. a family) for the robust variance, kept
        apart from the subject whose episodes the rows are; None: the subject.
    cluster_name : str or None
        The column the clusters came from.
    covariates : DataFrame
        The other columns, one row per row (baseline covariates, ``on_<modality>``).
    time_scale : {"calendar", "gap"} or None
        How ``to_counting_process`` measured time; None for a frame given as is.
    risk_free_days, carryover_days : float or None
    origin : mapping
        Each subject's time zero (a Timestamp), when built from a log.
    index_episodes, not_counted : tuple of dict
        Episodes that were not counted as events, with the reason.
    n_zero_length_dropped, n_tied_onsets, n_near_ties_merged : int
        What the validation did, so nothing happens silently.
    overlaps : tuple
        Rows of a subject overlapping an earlier row (fine for a Cox model,
        refused by the MCF and gap times).
    source_row : ndarray
    source_label : pandas.Index
        Each row's position and index label in the frame it was built from,
        so per-row results (residuals) can be given in the caller's order.
    log : EpisodeLog or None
        The log the rows were built from (by ``to_counting_process``): the
        analyses of one person read dates, follow-up windows and treatment
        sessions from it, and time at risk from the rows. None for a frame
        given as is.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": ["b", "a", "a"], "start": [0.0, 3.0, 0.0],
    ...                      "stop": [4.0, 9.0, 3.0], "event": [1, 0, 1]})
    >>> cp = sa.CountingProcess.from_frame(rows)
    >>> cp.to_frame()[["subject", "start", "stop", "event", "episode"]]
      subject  start  stop  event  episode
    0       a    0.0   3.0      1        1
    1       a    3.0   9.0      0        2
    2       b    0.0   4.0      1        1
    """

    subjects: np.ndarray
    subject_code: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    episode: np.ndarray
    covariates: pd.DataFrame
    cluster: np.ndarray | None = None
    cluster_name: str | None = None
    time_scale: str | None = None
    risk_free_days: float | None = None
    carryover_days: float | None = None
    origin: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    index_episodes: tuple = ()
    not_counted: tuple = ()
    n_zero_length_dropped: int = 0
    n_tied_onsets: int = 0
    n_near_ties_merged: int = 0
    overlaps: tuple = ()
    source_row: np.ndarray | None = None
    source_label: pd.Index | None = None
    log: object | None = field(default=None, repr=False)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, subject: str = "subject", cluster: str | None = None,
                   timefix: bool = True, time_scale: str | None = None,
                   risk_free_days: float | None = None, carryover_days: float | None = None,
                   origin=None, index_episodes=(), not_counted=(), log=None) -> CountingProcess:
        """Validate a DataFrame in counting-process form and build the type.

        Parameters
        ----------
        frame : DataFrame
            Columns ``start, stop, event`` (0/1), the ``subject`` column, and
            optionally ``episode`` (kept as given; otherwise numbered here).
            Every other column is kept as a covariate.
        subject : str, default "subject"
            Column saying whose episodes a row holds.
        cluster : str, optional
            Column of the independent units for a robust variance (e.g. a
            family), when they are larger than one subject.
        timefix : bool, default True
            Merge near-tied times as R's ``timefix = TRUE`` does.
        time_scale, risk_free_days, carryover_days, origin, index_episodes, not_counted, log
            How the rows were built (``to_counting_process`` passes them).

        Raises
        ------
        LogValidationError
            Naming row, column and value: missing columns or values, non-numeric
            times, events other than 0/1, start > stop,
            episode numbers that are not positive whole numbers. Overlapping
            rows of a subject are recorded in ``overlaps``.
        """
        if isinstance(frame, CountingProcess):
            return frame
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"CountingProcess.from_frame needs a DataFrame, not {type(frame).__name__}")
        problems = ProblemList()
        where = "counting-process data"
        columns = (subject, "start", "stop", "event") + (() if cluster is None else (cluster,))
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            problems.add(where, None, missing[0], None,
                         f"column(s) {', '.join(map(repr, missing))} not found; "
                         f"columns present: {', '.join(map(str, frame.columns))}")
            problems.raise_if_any(where)
        for column in ("start", "stop", "event") + (("episode",) if "episode" in frame.columns else ()):
            values = frame[column]
            if not pd.api.types.is_numeric_dtype(values) or (column != "event" and pd.api.types.is_bool_dtype(values)):
                problems.add(where, None, column, str(values.dtype), f"column {column!r} must be numeric")
        for column in (subject,) + (() if cluster is None else (cluster,)):
            missing = frame[column].isna().to_numpy()
            if missing.any():  # selecting labels by a mask costs a pass even when none is set
                for label in frame.index[missing][:_LISTED]:
                    problems.add(where, label, column, None, f"{column} is missing")
        problems.raise_if_any(where)

        start = frame["start"].to_numpy(dtype=float)
        stop = frame["stop"].to_numpy(dtype=float)
        event = frame["event"].to_numpy(dtype=float)
        index = frame.index
        for column, values in (("start", start), ("stop", stop)):
            for i in np.flatnonzero(~np.isfinite(values))[:_LISTED]:
                problems.add(where, index[i], column, values[i], f"{column} is missing or infinite")
        for i in np.flatnonzero(~np.isin(event, (0.0, 1.0)))[:_LISTED]:
            problems.add(where, index[i], "event", frame["event"].iloc[i], "event must be 0 or 1")
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(start > stop)[:_LISTED]:
                problems.add(where, index[i], "stop", stop[i],
                             f"the interval (start, stop] = ({start[i]:g}, {stop[i]:g}] ends before it starts")
        if "episode" in frame.columns and not problems:
            given = frame["episode"].to_numpy(dtype=float)
            for i in np.flatnonzero(~(np.isfinite(given) & (given >= 1) & (given == np.round(given))))[:_LISTED]:
                problems.add(where, index[i], "episode", given[i], "episode must be a whole number >= 1")
        problems.raise_if_any(where)

        n_merged = 0
        if timefix:
            new_start, new_stop, n_merged = merge_near_ties(start, stop)
            collapsed = (np.flatnonzero((new_start == new_stop) & (start != stop)) if n_merged
                         else ())  # nothing merged: the times are the same
            for i in collapsed[:_LISTED]:
                problems.add(where, index[i], "stop", stop[i],
                             f"the interval ({start[i]!r}, {stop[i]!r}] is shorter than R's time tolerance "
                             f"({TIME_TOLERANCE:.3g}); give it a real length or merge it with its neighbour")
            problems.raise_if_any(where)
            start, stop = new_start, new_stop

        code, subjects = _sorted_codes(frame[subject])
        if time_scale == "gap":
            # clocks restart within a subject; to_counting_process hands the rows in calendar order
            order = np.argsort(code, kind="stable")
        else:
            given = frame["episode"].to_numpy() if "episode" in frame.columns else np.zeros(len(frame))
            # frames usually arrive sorted already: an O(n) check saves a sort of all rows
            order = (None if _in_order((code, given, start, stop))
                     else _subject_order(code, given, start, stop))
        if order is None:  # copies all the same, so the rows never share memory with the frame
            order = slice(None)
            start, stop = start.copy(), stop.copy()
        code, start, stop, event = code[order], start[order], stop[order], event[order].astype(np.int64)
        labels = index[order]  # an Index: no per-row Python objects for a frame in order
        positions = np.arange(len(code)) if isinstance(order, slice) else np.asarray(order)
        episode = frame["episode"].to_numpy()[order].astype(np.int64) if "episode" in frame.columns else None
        cluster_values = None if cluster is None else np.asarray(frame[cluster].to_numpy()[order], dtype=object)
        skip = {subject, "start", "stop", "event", "episode"}
        covariates = frame.iloc[order][[c for c in frame.columns if c not in skip]]
        covariates.index = pd.RangeIndex(len(covariates))  # a new frame already: no second copy

        keep, n_tied, n_dropped = _zero_length_rows(code, start, stop, event)
        if n_dropped:
            warnings.warn(
                f"{n_dropped} row(s) with start == stop were dropped: they hold no time at risk "
                "(R's Surv() makes them NA and the fit leaves them out)",
                ZeroLengthRowsWarning, stacklevel=3)
        if not keep.all():
            code, start, stop, event, labels = code[keep], start[keep], stop[keep], event[keep], labels[keep]
            positions = positions[keep]
            episode = None if episode is None else episode[keep]
            cluster_values = None if cluster_values is None else cluster_values[keep]
            covariates = covariates[keep]
            covariates.index = pd.RangeIndex(len(covariates))

        same = code[1:] == code[:-1]
        overlaps = ProblemList()
        for i in np.flatnonzero(same & (start[1:] < stop[:-1]))[:_LISTED]:
            overlaps.add(where, _plain(labels[i + 1]), "start", start[i + 1],
                         f"(start, stop] = ({start[i + 1]:g}, {stop[i + 1]:g}] overlaps row {_plain(labels[i])!r} "
                         f"({start[i]:g}, {stop[i]:g}] of subject {subjects[code[i + 1]]!r}, so the subject "
                         "would be at risk twice")
        if episode is None:
            episode = number_episodes(code, event)
        return cls(
            subjects=_frozen(subjects), subject_code=_frozen(code), start=_frozen(start),
            stop=_frozen(stop), event=_frozen(event), episode=_frozen(episode),
            covariates=covariates, cluster=None if cluster_values is None else _frozen(cluster_values),
            cluster_name=cluster, time_scale=time_scale, risk_free_days=risk_free_days,
            carryover_days=carryover_days, origin=MappingProxyType(dict(origin or {})),
            index_episodes=tuple(index_episodes), not_counted=tuple(not_counted),
            n_zero_length_dropped=n_dropped, n_tied_onsets=n_tied, n_near_ties_merged=n_merged,
            overlaps=tuple(overlaps), source_row=_frozen(positions),
            source_label=labels, log=log)

    def require_one_row_at_a_time(self, analysis: str) -> None:
        """Raise unless every subject is at risk through one row at a time.

        A Cox model takes any rows (a WLW layout or a gap-time scale repeats a
        subject's time on purpose); the MCF and gap times count subjects, so
        their rows must not overlap.
        """
        if self.overlaps:
            raise LogValidationError(self.overlaps, f"counting-process data for {analysis}")

    # -- views ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.start)

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_events(self) -> int:
        return int(self.event.sum())

    @property
    def subject(self) -> np.ndarray:
        """The subject label of each row."""
        return self.subjects[self.subject_code]

    @property
    def columns(self) -> list[str]:
        """The columns of :meth:`to_frame`."""
        return ["subject", "start", "stop", "event", "episode", *self.covariates.columns]

    def __getitem__(self, column: str) -> pd.Series:
        """One column of :meth:`to_frame`, e.g. ``cp["event"]``."""
        return self.to_frame()[column]

    def to_frame(self, *, copy: bool = True) -> pd.DataFrame:
        """The rows as a DataFrame: ``subject, start, stop, event, episode`` and the covariates.

        ``attrs`` records how the rows were built (``time_scale``,
        ``risk_free_days``, ``carryover_days``, ``origin``, ``index_episodes``,
        ``not_counted``). ``copy=False`` shares the type's read-only arrays
        (for reading only: writing into a column raises), which saves copying
        every column.
        """
        columns = {"subject": self.subject, "start": self.start, "stop": self.stop,
                   "event": self.event, "episode": self.episode}
        if self.covariates.columns.is_unique:  # one construction: no block per added column
            out = pd.DataFrame({**columns, **{c: self.covariates[c].to_numpy()
                                              for c in self.covariates.columns}},
                               copy=None if copy else False)
        else:
            out = pd.DataFrame(columns)
            for column in self.covariates.columns:
                out[column] = self.covariates[column].to_numpy()
        out.attrs.update(time_scale=self.time_scale, risk_free_days=self.risk_free_days,
                         carryover_days=self.carryover_days, origin=dict(self.origin),
                         index_episodes=list(self.index_episodes), not_counted=list(self.not_counted))
        return out

    def to_source_order(self, *, copy: bool = True) -> pd.DataFrame:
        """:meth:`to_frame` with the rows in the order, and with the index labels, of the
        frame the type was built from (rows dropped as zero-length are absent)."""
        frame = self.to_frame(copy=copy)
        if self.source_row is None:
            return frame
        if _in_order((self.source_row,)):  # the caller's rows were in order: nothing to move
            frame.index = self.source_label
            return frame
        back = np.argsort(self.source_row, kind="stable")
        frame = frame.iloc[back]
        frame.index = self.source_label[back]
        return frame

    def head(self, n: int = 5) -> pd.DataFrame:
        return self.to_frame().head(n)

    def _repr_html_(self) -> str:
        return self.to_frame().head(10)._repr_html_() + f"<p>{self._describe()}</p>"

    def __repr__(self) -> str:
        return f"<CountingProcess: {self._describe()}>"

    def _describe(self) -> str:
        built = f", time scale {self.time_scale}" if self.time_scale else ""
        return f"{len(self)} rows, {self.n_subjects} subjects, {self.n_events} onsets{built}"


def number_episodes(code: np.ndarray, event: np.ndarray) -> np.ndarray:
    """1 + the onsets on the subject's earlier rows (rows sorted by subject and time)."""
    event = np.asarray(event, dtype=np.int64)  # a narrow dtype would overflow in the running count
    earlier = pd.Series(event).groupby(code, sort=False).cumsum().to_numpy() - event
    return (earlier + 1).astype(np.int64)


def _zero_length_rows(code, start, stop, event):
    """Which rows to keep, onsets added to an earlier onset row, rows dropped.

    Rows are sorted by subject, start and stop, so a zero-length row (t, t]
    comes right after the subject's row ending at t. An onset there is a
    second onset at t: its count moves to the nearest earlier row of the
    subject that ends in an onset at t (``event`` is changed in place).
    """
    zero = start == stop
    keep = ~zero
    if not zero.any():
        return keep, 0, 0
    n_tied = 0
    for i in np.flatnonzero(zero & (event > 0)):
        j = i - 1
        while j >= 0 and zero[j] and code[j] == code[i]:
            j -= 1
        if j >= 0 and code[j] == code[i] and stop[j] == stop[i] and event[j] > 0 and not zero[j]:
            event[j] += event[i]
            n_tied += int(event[i])
            event[i] = 0
    return keep, n_tied, int(zero.sum()) - n_tied
