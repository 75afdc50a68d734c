"""A person's log on a time line of days since follow-up start.

The analyses for one person work on the same few quantities: when each onset
happened (days since the subject's first follow-up start), which windows the
subject was observed in, and which stretches they were at risk of a new onset
(not during an episode).  This module computes them once, after the
month/year-precision choice of :mod:`.precision`; at-risk time comes from
:func:`spasm_analysis.to_counting_process`, so every analysis counts it the
same way as the cohort estimators.  Given a :class:`~spasm_analysis.CountingProcess`
instead of a log, the analyses take its rows as the time at risk, so a
person's rates, rate ratios and trend tests use exactly the rows (risk-free
days, merged near-ties) that the cohort estimators used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .precision import check_choice, resolve_imprecise_onsets

__all__ = ["Timeline", "timeline", "episode_end_days", "is_episode_log", "is_log_or_counting_process", "logged", "DAY", "one_subject",
           "days_at_risk_until", "split_at_risk", "cut_rows"]

DAY = pd.Timedelta(days=1)


def is_episode_log(data) -> bool:
    """True for an EpisodeLog (anything with episode and follow-up tables)."""
    return hasattr(data, "episodes") and hasattr(data, "follow_up")


def is_counting_process(data) -> bool:
    from ..counting_process import CountingProcess

    return isinstance(data, CountingProcess)


def is_log_or_counting_process(data) -> bool:
    """True for what :func:`timeline` takes: an EpisodeLog or a CountingProcess."""
    return is_episode_log(data) or is_counting_process(data)


def logged(data):
    """The EpisodeLog as logged: ``data`` itself, or the log a CountingProcess was built from."""
    return data.log if is_counting_process(data) else data


@dataclass(frozen=True)
class Timeline:
    """Onsets, observation windows and at-risk time, in days since follow-up start.

    Attributes
    ----------
    log : EpisodeLog
        The log after the imprecise-onset choice.
    onsets : DataFrame
        ``subject, onset, end, day, end_day`` for every onset inside a follow-up
        window (``day`` = days since the subject's first follow-up start;
        ``end_day`` when the episode ended, see :func:`episode_end_days`), sorted.
    windows : DataFrame
        ``subject, start, end, start_day, end_day``: the follow-up windows.
    at_risk : DataFrame or None
        ``subject, start, stop, event`` from :func:`~spasm_analysis.to_counting_process`
        (None unless requested), or the rows of the CountingProcess given.
    origin : Series
        Day 0 (first follow-up start) per subject.
    note : str
        How month/year-precision onsets were handled.
    how : str
        The imprecise-onset choice.
    """

    log: object
    onsets: pd.DataFrame
    windows: pd.DataFrame
    at_risk: pd.DataFrame | None
    origin: pd.Series
    note: str
    how: str

    def to_dates(self, subject, days) -> pd.DatetimeIndex:
        """Days since ``subject``'s origin back to timestamps."""
        return pd.DatetimeIndex(self.origin[subject] + pd.to_timedelta(np.asarray(days, float), unit="D"))


def timeline(
    log,
    *,
    imprecise_onsets: str = "midpoint",
    at_risk: bool = False,
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
) -> Timeline:
    """Build the :class:`Timeline` of an EpisodeLog or of a CountingProcess.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess must come from :func:`~spasm_analysis.to_counting_process`
        on the calendar time scale (it then knows each subject's dates); its
        rows are the time at risk and its events the onsets, as they were
        counted when it was built (imprecise onsets at their earliest date
        unless placed first with :func:`~spasm_analysis.place_onsets`).
    imprecise_onsets : {"midpoint", "exclude"}
        See :mod:`spasm_analysis.personal.precision` (an EpisodeLog only).
    at_risk : bool
        Also compute the at-risk intervals (needs every episode's end, or
        ``assume_duration_days``).
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process` (an EpisodeLog
        only: a CountingProcess was built with its own).

    Returns
    -------
    Timeline
    """
    check_choice(imprecise_onsets)
    if is_counting_process(log):
        return _from_counting_process(log, risk_free_days, assume_duration_days)
    resolved = resolve_imprecise_onsets(log.episodes, how=imprecise_onsets)
    if resolved.n_month + resolved.n_year:
        from ..schema import LogValidationError

        try:
            log = log.replace(episodes=log.label_rows(resolved.episodes))
        except LogValidationError as error:
            other = "exclude" if imprecise_onsets == "midpoint" else "midpoint"
            raise ValueError(
                f"with imprecise_onsets={imprecise_onsets!r} the log is no longer valid ({error}); "
                f"try imprecise_onsets={other!r}"
            ) from error
    fu = log.follow_up
    origin = fu.groupby("subject")["start"].min()
    windows = fu[["subject", "start", "end"]].copy()
    windows["start_day"] = ((windows["start"] - windows["subject"].map(origin)) / DAY).astype(float)
    windows["end_day"] = ((windows["end"] - windows["subject"].map(origin)) / DAY).astype(float)
    ep = log.episodes
    day = ((ep["onset"] - ep["subject"].map(origin)) / DAY).astype(float)
    onsets = pd.DataFrame({"subject": ep["subject"], "onset": ep["onset"], "end": ep["end"], "day": day,
                           "end_day": episode_end_days(ep, ep["subject"].map(origin), assume_duration_days)})
    inside = np.zeros(len(onsets), dtype=bool)
    for subject, start_day, end_day in zip(windows["subject"], windows["start_day"], windows["end_day"]):
        inside |= (onsets["subject"].eq(subject) & onsets["day"].between(start_day, end_day)).to_numpy()
    onsets = onsets[inside].sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
    intervals = None
    if at_risk:
        from ..counting import to_counting_process

        intervals = to_counting_process(
            log, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days
        )[["subject", "start", "stop", "event"]]
    return Timeline(log, onsets, windows.reset_index(drop=True), intervals, origin, resolved.note, imprecise_onsets)


def episode_end_days(episodes: pd.DataFrame, origin, assume_duration_days: float | None = None) -> np.ndarray:
    """Day (since ``origin``) each episode ended: its end, else its onset plus ``assume_duration_days`` (as
    :func:`~spasm_analysis.to_counting_process` counts an unknown end), else its onset."""
    end = episodes["end"]
    if assume_duration_days is not None:
        end = end.fillna(episodes["onset"] + pd.to_timedelta(assume_duration_days, unit="D"))
    return ((end.fillna(episodes["onset"]) - origin) / DAY).to_numpy(float)


def _from_counting_process(cp, risk_free_days, assume_duration_days) -> Timeline:
    """The Timeline of the log a CountingProcess was built from, at risk on its rows."""
    if cp.log is None or cp.time_scale != "calendar":
        raise ValueError(
            "the analyses of one person need a CountingProcess built by sa.to_counting_process(log) on the "
            "calendar time scale (it holds each subject's dates and follow-up); "
            + ("this one was built from a DataFrame" if cp.log is None else f"this one is on the {cp.time_scale!r} scale"))
    if risk_free_days or assume_duration_days is not None:
        raise ValueError(
            "risk_free_days and assume_duration_days are fixed when the CountingProcess is built "
            f"(this one has risk_free_days={cp.risk_free_days:g}); pass them to sa.to_counting_process")
    # to_counting_process counts each onset at `onset`, the earliest day it can have been
    line = timeline(cp.log, imprecise_onsets="earliest")
    rows = pd.DataFrame({"subject": cp.subject, "start": cp.start, "stop": cp.stop, "event": cp.event})
    # the onsets are every episode that began (as with a log); the events are the rows' own
    return Timeline(line.log, line.onsets, line.windows, rows, line.origin, line.note, "earliest")


def one_subject(subjects, subject, *, alternative: str = "") -> str:
    """The one person an analysis is about: ``subject``, or the only subject of the log."""
    subjects = tuple(subjects)
    if subject is None:
        if len(subjects) != 1:
            other = f" or {alternative}" if alternative else ""
            raise ValueError(f"the log holds {len(subjects)} people; pass subject= (one of {', '.join(map(str, subjects[:5]))}, ...){other}")
        return subjects[0]
    if subject not in subjects:
        raise ValueError(f"subject {subject!r} is not in the log; subjects: {', '.join(map(str, subjects[:10]))}")
    return subject


def days_at_risk_until(lo: np.ndarray, hi: np.ndarray, instants) -> np.ndarray:
    """Days at risk from the origin up to each instant, for one subject's at-risk rows.

    The rows (lo, hi] are one subject's rows of a counting process: disjoint,
    in time order.  This cumulative clock is the one way the analyses of one
    person measure time at risk: the days in a period [a, b) are
    ``days_at_risk_until(.., b) - days_at_risk_until(.., a)``.

    Examples
    --------
    >>> days_at_risk_until(np.array([0.0, 10.0]), np.array([4.0, 20.0]), [2.0, 4.0, 12.0, 30.0]).tolist()
    [2.0, 4.0, 6.0, 14.0]
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    instants = np.asarray(instants, dtype=float)
    before = np.concatenate([[0.0], np.cumsum(hi - lo)])
    whole = np.searchsorted(hi, instants, side="right")  # rows over by each instant
    partial = np.minimum(whole, max(len(lo) - 1, 0))
    inside = np.clip(instants - lo[partial], 0, None) if len(lo) else np.zeros(instants.shape)
    return before[whole] + np.where(whole < len(lo), inside, 0.0)


def cut_rows(lo, hi, event, cuts) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At-risk rows (lo, hi] cut at every cut point strictly inside them.

    Returns, per piece, the row it came from, its left and right ends and
    whether it ends in the row's onset (only a row's last piece can).  The
    analyses that give each piece a covariate value (exposure window, season,
    calendar block) cut the rows here and then label each piece by its middle.

    Examples
    --------
    >>> row, left, right, onset = cut_rows([0.0, 10.0], [4.0, 20.0], [1, 0], [2.0, 4.0, 15.0])
    >>> row.tolist(), left.tolist(), right.tolist(), onset.tolist()
    ([0, 0, 1, 1], [0.0, 2.0, 10.0, 15.0], [2.0, 4.0, 15.0, 20.0], [False, True, False, False])
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    event = np.asarray(event).astype(bool)
    cut = np.unique(np.asarray(cuts, dtype=float))
    k0 = np.searchsorted(cut, lo, side="right")
    k1 = np.searchsorted(cut, hi, side="left")
    n_pieces = np.maximum(k1 - k0, 0) + 1
    row = np.repeat(np.arange(len(lo)), n_pieces)
    pos = np.arange(n_pieces.sum()) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    last_piece = pos == n_pieces[row] - 1
    last_cut = max(len(cut) - 1, 0)
    inner = cut if len(cut) else np.zeros(1)
    left = np.where(pos == 0, lo[row], inner[np.clip(k0[row] + pos - 1, 0, last_cut)])
    right = np.where(last_piece, hi[row], inner[np.clip(k0[row] + pos, 0, last_cut)])
    return row, left, right, last_piece & event[row]


def split_at_risk(lo: np.ndarray, hi: np.ndarray, event, cuts) -> tuple[np.ndarray, np.ndarray]:
    """Days at risk and onsets of one subject's rows in each period [cuts[k], cuts[k+1]).

    An onset at the last cut (the end of follow-up) counts in the last period.
    """
    cuts = np.asarray(cuts, dtype=float)
    days = np.diff(days_at_risk_until(lo, hi, cuts))
    onsets = np.asarray(hi, dtype=float)[np.asarray(event) >= 1]
    weights = np.asarray(event, dtype=float)[np.asarray(event) >= 1]
    k = np.searchsorted(cuts, onsets, side="right") - 1
    k = np.where(onsets == cuts[-1], len(cuts) - 2, k)
    inside = (k >= 0) & (k < len(cuts) - 1)
    events = np.bincount(k[inside], weights=weights[inside], minlength=len(cuts) - 1)
    return days, events


def merge_periods(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of periods [start, end) as disjoint sorted periods."""
    order = np.argsort(starts, kind="stable")
    merged_s, merged_e = [], []
    for s, e in zip(np.asarray(starts, float)[order], np.asarray(ends, float)[order]):
        if merged_e and s <= merged_e[-1]:
            merged_e[-1] = max(merged_e[-1], e)
        else:
            merged_s.append(s)
            merged_e.append(e)
    return np.array(merged_s), np.array(merged_e)
