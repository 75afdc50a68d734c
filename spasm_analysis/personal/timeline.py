"""A person's log on a time line of days since follow-up start.

The analyses for one person work on the same few quantities: when each onset
happened (days since the subject's first follow-up start), which windows the
subject was observed in, and which stretches they were at risk of a new onset
(not during an episode).  This module computes them once, after the
month/year-precision choice of :mod:`.precision`; at-risk time comes from
:func:`spasm_analysis.to_counting_process`, so every analysis counts it the
same way as the cohort estimators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .precision import check_choice, resolve_imprecise_onsets

__all__ = ["Timeline", "timeline", "is_episode_log", "DAY", "one_subject"]

DAY = pd.Timedelta(days=1)


def is_episode_log(data) -> bool:
    """True for an EpisodeLog (anything with episode and follow-up tables)."""
    return hasattr(data, "episodes") and hasattr(data, "follow_up")


@dataclass(frozen=True)
class Timeline:
    """Onsets, observation windows and at-risk time, in days since follow-up start.

    Attributes
    ----------
    log : EpisodeLog
        The log after the imprecise-onset choice.
    onsets : DataFrame
        ``subject, onset, end, day`` for every onset inside a follow-up window
        (``day`` = days since the subject's first follow-up start), sorted.
    windows : DataFrame
        ``subject, start, end, start_day, end_day``: the follow-up windows.
    at_risk : DataFrame or None
        ``subject, start, stop, event`` from :func:`~spasm_analysis.to_counting_process`
        (None unless requested).
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
    """Build the :class:`Timeline` of an EpisodeLog.

    Parameters
    ----------
    log : EpisodeLog
    imprecise_onsets : {"midpoint", "exclude"}
        See :mod:`spasm_analysis.personal.precision`.
    at_risk : bool
        Also compute the at-risk intervals (needs every episode's end, or
        ``assume_duration_days``).
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.

    Returns
    -------
    Timeline
    """
    check_choice(imprecise_onsets)
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
    onsets = pd.DataFrame({"subject": ep["subject"], "onset": ep["onset"], "end": ep["end"], "day": day})
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


def overlap_days(lo: np.ndarray, hi: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Length of each interval (lo, hi] inside the union of disjoint periods [start, end)."""
    total = np.zeros(len(lo))
    for s, e in zip(starts, ends):
        total += np.clip(np.minimum(hi, e) - np.maximum(lo, s), 0, None)
    return total


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
