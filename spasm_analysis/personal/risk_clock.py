"""The at-risk clock of one person: calendar days <-> time at risk, and where onsets sit on it.

A person is not at risk of a new onset during an episode (nor in a risk-free
window after it) and is not observed outside their follow-up windows, so rates
and change points are computed on a clock that only runs while they are at
risk.  The clock is built from the at-risk intervals of
:func:`~spasm_analysis.to_counting_process` (through :func:`.timeline`), and maps
back to calendar dates for people to read.

Onsets known only to the month or year have a range of possible positions on
the clock; :func:`onset_bounds` gives each onset's earliest and latest possible
instant (from ``onset_latest``, the last day it can have been).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .precision import onset_interval, resolve_imprecise_onsets
from .timeline import DAY, days_at_risk_until

__all__ = ["RiskClock", "onset_bounds", "OnsetPositions", "onset_positions"]


@dataclass(frozen=True)
class RiskClock:
    """Piecewise-linear map from days since the subject's origin to days at risk.

    Attributes
    ----------
    starts, stops : ndarray
        The subject's at-risk intervals (start, stop], in days since origin, sorted.
    origin : Timestamp
        Day 0.
    """

    starts: np.ndarray
    stops: np.ndarray
    origin: pd.Timestamp

    @classmethod
    def from_intervals(cls, intervals: pd.DataFrame, origin) -> "RiskClock":
        rows = intervals.sort_values("start", kind="stable")
        return cls(rows["start"].to_numpy(float), rows["stop"].to_numpy(float), pd.Timestamp(origin))

    @property
    def cumulative(self) -> np.ndarray:
        """Days at risk by the end of each interval."""
        return np.cumsum(self.stops - self.starts)

    @property
    def total(self) -> float:
        """All days at risk."""
        return float((self.stops - self.starts).sum())

    def at(self, days) -> np.ndarray:
        """Days at risk from the origin up to each calendar day (days since origin)."""
        return days_at_risk_until(self.starts, self.stops, days)

    def day_of(self, clock) -> np.ndarray:
        """Calendar day (since origin) at which the clock reads ``clock``.

        A reading that ends an at-risk interval maps to that interval's stop (the
        day of the onset that ended it), not to the start of the next one.
        """
        clock = np.asarray(clock, dtype=float)
        cumulative = self.cumulative
        k = np.clip(np.searchsorted(cumulative, clock, side="left"), 0, len(cumulative) - 1)
        return self.stops[k] - (cumulative[k] - clock)

    def dates(self, clock) -> pd.DatetimeIndex:
        """Calendar timestamps of clock readings."""
        return pd.DatetimeIndex(self.origin + pd.to_timedelta(np.atleast_1d(self.day_of(clock)), unit="D"))


def onset_bounds(episodes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Earliest and latest possible instant of each onset: [onset, onset_latest + 1 day).

    The day interval comes from :func:`~spasm_analysis.personal.precision.onset_interval`
    (``onset_latest``, or the month/year of ``onset_precision`` for tables built by hand).

    Examples
    --------
    >>> ep = pd.DataFrame({"onset": pd.to_datetime(["2013-10-01", "2004-01-01", "2015-03-04"]),
    ...                    "onset_precision": ["month", "year", "day"]})
    >>> [f"{t:%Y-%m-%d}" for t in onset_bounds(ep)[1]]
    ['2013-11-01', '2005-01-01', '2015-03-04']
    """
    earliest, latest = onset_interval(episodes)
    ranged = latest > earliest
    return earliest, latest.where(~ranged, latest + DAY)


@dataclass(frozen=True)
class OnsetPositions:
    """Onsets counted as events, on the at-risk clock.

    Attributes
    ----------
    placed : ndarray
        Clock reading of each event as the analysis places it (imprecise onsets
        mid-period), sorted.
    earliest, latest : ndarray
        The range each event could lie in (equal to ``placed`` for onsets known
        to the day).
    n_imprecise : int
        Events whose position is a range.
    """

    placed: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    n_imprecise: int

    def draw(self, fraction) -> np.ndarray:
        """Positions with every imprecise onset at ``fraction`` (0 earliest, 1 latest) of its range."""
        return np.sort(self.earliest + np.asarray(fraction, dtype=float) * (self.latest - self.earliest))


def onset_positions(clock: RiskClock, event_days: np.ndarray, episodes: pd.DataFrame) -> OnsetPositions:
    """Where the events of one subject sit on its clock, with the range of each imprecise onset.

    Parameters
    ----------
    clock : RiskClock
    event_days : ndarray
        Days since origin of the onsets counted as events (stops of event intervals).
    episodes : DataFrame
        The subject's episodes as logged (before placing imprecise onsets).
    """
    event_days = np.sort(np.asarray(event_days, dtype=float))
    placed = clock.at(event_days)
    earliest, latest = placed.copy(), placed.copy()
    resolved = resolve_imprecise_onsets(episodes, how="midpoint").episodes
    low, high = onset_bounds(episodes)
    day = ((resolved["onset"] - clock.origin) / DAY).to_numpy(float)
    ranged = (high > low).to_numpy()
    n_imprecise = 0
    if ranged.any() and event_days.size:
        wanted = day[ranged]
        right = np.clip(np.searchsorted(event_days, wanted), 0, event_days.size - 1)
        left = np.clip(right - 1, 0, event_days.size - 1)
        k = np.where(np.abs(event_days[left] - wanted) < np.abs(event_days[right] - wanted), left, right)
        matched = np.abs(event_days[k] - wanted) < 1e-6
        lo_days = ((low[ranged] - clock.origin) / DAY).to_numpy(float)[matched]
        hi_days = ((high[ranged] - clock.origin) / DAY).to_numpy(float)[matched]
        earliest[k[matched]] = clock.at(lo_days)
        latest[k[matched]] = clock.at(hi_days)
        n_imprecise = int(np.sum(latest > earliest))
    return OnsetPositions(placed, earliest, latest, n_imprecise)
