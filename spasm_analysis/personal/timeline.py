"""A person's log on a time line of days since follow-up start.

The analyses for one person work on the same few quantities: when each onset
happened (in days since the subject's follow-up start), how long the subject was
observed, and which stretches of that window they were at risk of a new onset
(not during an episode).  This module computes them once, from an
:class:`~spasm_analysis.log.EpisodeLog`, after the month/year-precision choice
of :mod:`.precision` has been applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .precision import check_choice, resolve_imprecise_onsets

__all__ = ["Timeline", "timeline", "is_episode_log", "DAY"]

DAY = pd.Timedelta(days=1)


def is_episode_log(data) -> bool:
    """True for an EpisodeLog (anything with episode and follow-up tables)."""
    return hasattr(data, "episodes") and hasattr(data, "follow_up")


@dataclass(frozen=True)
class Timeline:
    """Onsets and at-risk time of every subject, in days since follow-up start.

    Attributes
    ----------
    onsets : DataFrame
        ``subject, onset, end, day, end_day`` for onsets inside follow-up (day = days
        since follow-up start; end_day = day the episode is over, equal to ``day``
        when the end is unknown), sorted by subject and day.
    follow_up : DataFrame
        ``subject, start, end, length`` (length in days).
    at_risk : DataFrame
        ``subject, start, stop, event`` intervals (days) when a new onset could be
        counted: follow-up minus episodes (onset to end, plus ``risk_free_days``).
        ``event`` is 1 when the interval ends with an onset.
    note : str
        How month/year-precision onsets were handled.
    how : str
        The imprecise-onset choice.
    """

    onsets: pd.DataFrame
    follow_up: pd.DataFrame
    at_risk: pd.DataFrame
    note: str
    how: str

    def subject_onsets(self, subject) -> np.ndarray:
        """Onset days of one subject, sorted."""
        return self.onsets.loc[self.onsets["subject"] == subject, "day"].to_numpy(float)

    def origin(self, subject) -> pd.Timestamp:
        """Follow-up start of ``subject`` (day 0 of its time line)."""
        return self.follow_up.set_index("subject").loc[subject, "start"]


def _days(stamps: pd.Series, origin: pd.Series) -> np.ndarray:
    return ((stamps - origin) / DAY).to_numpy(float)


def timeline(log, *, imprecise_onsets: str = "midpoint", risk_free_days: float = 0.0) -> Timeline:
    """Build the :class:`Timeline` of an EpisodeLog.

    Onsets outside a subject's follow-up window are not counted (not logged is
    not "no episode", and the window says what was observed).  An onset exactly
    at follow-up start is kept in ``onsets`` (with day 0); analyses that need
    positive times say how they treat it.

    Parameters
    ----------
    log : EpisodeLog
    imprecise_onsets : {"midpoint", "exclude"}
        See :mod:`spasm_analysis.personal.precision`.
    risk_free_days : float
        Days after each episode's end that are not at risk (washout).

    Returns
    -------
    Timeline
    """
    check_choice(imprecise_onsets)
    if risk_free_days < 0:
        raise ValueError(f"risk_free_days must be >= 0, got {risk_free_days!r}")
    resolved = resolve_imprecise_onsets(log.episodes, how=imprecise_onsets)
    fu = log.follow_up[["subject", "start", "end"]].copy()
    fu["length"] = ((fu["end"] - fu["start"]) / DAY).astype(float)
    episodes = resolved.episodes.merge(fu.rename(columns={"start": "fu_start", "end": "fu_end"}), on="subject")
    if "end" not in episodes.columns:
        episodes["end"] = pd.NaT
    day = _days(episodes["onset"], episodes["fu_start"])
    end = episodes["end"].where(episodes["end"].notna(), episodes["onset"])
    end_day = np.maximum(_days(end, episodes["fu_start"]), day)
    inside = (day >= 0) & (day <= episodes["length"].to_numpy(float))
    onsets = pd.DataFrame(
        {
            "subject": episodes["subject"].to_numpy(),
            "onset": episodes["onset"].to_numpy(),
            "end": episodes["end"].to_numpy(),
            "day": day,
            "end_day": end_day,
        }
    )[inside]
    onsets = onsets.sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
    at_risk = _at_risk_intervals(onsets, fu, risk_free_days)
    return Timeline(onsets, fu.reset_index(drop=True), at_risk, resolved.note, imprecise_onsets)


def _at_risk_intervals(onsets: pd.DataFrame, fu: pd.DataFrame, risk_free_days: float) -> pd.DataFrame:
    rows = []
    by_subject = dict(tuple(onsets.groupby("subject", sort=False)))
    for subject, length in zip(fu["subject"], fu["length"]):
        current = 0.0
        group = by_subject.get(subject)
        if group is not None:
            for day, end_day in zip(group["day"], group["end_day"]):
                if day < current:
                    # Onset during an episode or washout: not a new at-risk onset.
                    current = max(current, end_day + risk_free_days)
                    continue
                if day > current:
                    rows.append((subject, current, day, 1))
                elif day == current and current > 0:
                    # Zero-length at-risk stretch: the onset followed the previous
                    # episode's end at once; it still counts as an event.
                    rows.append((subject, current, day, 1))
                current = max(current, end_day + risk_free_days)
        if current < length:
            rows.append((subject, current, length, 0))
    return pd.DataFrame(rows, columns=["subject", "start", "stop", "event"])
