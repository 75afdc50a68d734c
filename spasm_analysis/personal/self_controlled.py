"""Cells of constant covariates for a self-controlled comparison within one person's log.

The person's at-risk time (episode days excluded, as produced by
:func:`spasm_analysis.to_counting_process`) is cut wherever a covariate changes:

* calendar period -- the person's own stretches of constant rate, or short
  calendar blocks, so that a treatment taken in a bad stretch is compared with
  other time in that stretch, not with quiet years;
* season (December-February, March-May, June-August, September-November);
* exposure state -- ``"window"`` (the days after sessions in which an effect is
  looked for), ``"pre-exposure"`` (from an onset to the first session that
  followed it, when treatment started because of that episode; Farrington,
  Whitaker & Hocine 2009) or ``"baseline"`` (everything else);
* optionally time since the last episode ended, in bands (``since_episode_days``:
  one edge gives "within that many days" and "later"; several edges give finer
  bands, for episodes that come in clusters).

Each cell holds its onsets and at-risk days; the Poisson model fitted to them
is :mod:`.poisson_fit`.  Everything works on day numbers since follow-up
start (the package's ``(start, stop]`` convention: an onset dated day d ends
the interval (d - 1, d]), vectorised so that a benchmark can build thousands.

References
----------
Farrington, C. P. (1995). Relative incidence estimation from case series for
    vaccine safety evaluation. Biometrics 51, 228-235.
Whitaker, H. J., Farrington, C. P., Spiessens, B. & Musonda, P. (2006). The
    self-controlled case series method. Statistics in Medicine 25, 1768-1797.
Farrington, C. P., Whitaker, H. J. & Hocine, M. N. (2009). Case series analysis
    for censored, perturbed, or curtailed post-event exposures. Biostatistics 10, 3-16.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..options import check_number
from .timeline import cut_rows
from .worsley import segment

__all__ = ["STATES", "SEASONS", "SINCE_EPISODE_BANDS", "Cells", "exposure_periods_days", "build_cells", "calendar_cuts", "stretch_cuts", "since_episode_band", "check_band_edges"]

STATES = ("baseline", "pre-exposure", "window")
#: Edges (days after an episode ended) of the default bands of time since the last episode.
SINCE_EPISODE_BANDS = (10.0, 20.0, 40.0, 80.0)
SEASONS = ("Dec-Feb", "Mar-May", "Jun-Aug", "Sep-Nov")
_SEASON_OF_MONTH = np.array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0])  # January ... December
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Cells:
    """Onsets and at-risk days per combination of covariates.

    Attributes are parallel arrays: ``period`` (index into ``period_bounds``),
    ``season`` (index into :data:`SEASONS`), ``state`` (index into :data:`STATES`),
    ``recent`` (the band of time since the last episode ended: 0 after the
    last edge of ``since_episode_days``, up to the number of edges within the first),
    ``days`` and ``events``.  ``period_bounds`` holds the periods' edges in days.
    """

    period: np.ndarray
    season: np.ndarray
    state: np.ndarray
    recent: np.ndarray
    days: np.ndarray
    events: np.ndarray
    period_bounds: np.ndarray

    def to_frame(self, origin: pd.Timestamp | None = None) -> pd.DataFrame:
        """The cells as a table (period labelled by its first day when ``origin`` is given)."""
        if origin is None:
            period = self.period
        else:
            first = origin + pd.to_timedelta(self.period_bounds[:-1], unit="D")
            period = np.asarray([f"{d:%Y-%m-%d}" for d in first], dtype=object)[self.period]
        return pd.DataFrame({
            "period": period, "season": np.asarray(SEASONS, dtype=object)[self.season],
            "state": np.asarray(STATES, dtype=object)[self.state], "recent_episode": self.recent,
            "days": self.days, "events": self.events,
        })


def _merge(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of intervals (lo, hi]: disjoint sorted starts and ends, and each input's component."""
    if not len(lo):
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi)
    new = np.r_[True, lo[1:] > reach[:-1]]
    component = np.cumsum(new) - 1
    starts = lo[new]
    ends = np.maximum.reduceat(hi, np.flatnonzero(new))
    out = np.empty(len(order), dtype=int)
    out[order] = component
    return starts, ends, out


def exposure_periods_days(session_start: np.ndarray, session_end: np.ndarray, window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exposed periods (lo, hi] in days, and the first session of each.

    ``window=(a, b)``: the days a..b after each session (an onset dated on a
    session's day counts as before it, so day 0 and day 1 both start the
    window at the session); a course row (end more than a day after its
    start) is a session every day from start to end.  ``window=None``: from
    the first to the last session of a course plus 14 days (sessions less
    than 14 days apart form one course).

    Returns ``(starts, ends, first_session)``, one entry per disjoint period.
    """
    s = np.asarray(session_start, float)
    e = np.asarray(session_end, float)
    e = np.where(e - s <= 1.0, s, e)  # a session recorded as lasting one day is that day's session
    if window is None:
        lo, hi = s, e + 14.0
    else:
        a, b = window
        lo, hi = s + max(a - 1.0, 0.0), e + float(b)
    starts, ends, component = _merge(lo, hi)
    first = np.full(len(starts), np.inf)
    np.minimum.at(first, component, s)
    return starts, ends, first


def calendar_cuts(origin: pd.Timestamp, end_day: float, how: str) -> np.ndarray:
    """Edges (days) of calendar blocks: ``"years"``, ``"half-years"`` or ``"quarters"`` from follow-up start.

    A last block shorter than half a block is joined to the one before it.
    """
    length = {"years": 365.25, "half-years": 365.25 / 2, "quarters": 365.25 / 4}[how]
    inner = np.arange(length, end_day, length)
    if len(inner) and end_day - inner[-1] < length / 2:
        inner = inner[:-1]
    return np.r_[0.0, inner, end_day]


def stretch_cuts(lo: np.ndarray, hi: np.ndarray, event: np.ndarray, end_day: float, *, alpha: float = 0.05) -> np.ndarray:
    """Edges (days) of the person's own stretches of constant onset rate.

    Binary segmentation of the onsets on the at-risk clock (Worsley's
    likelihood ratio, gaps between onsets reordered for the p-value; the
    engine of :func:`~spasm_analysis.change_points`), each change mapped back
    to the calendar day where the clock reaches it.  With no significant
    change the whole follow-up is one period.  Compared with fixed calendar
    years, a stretch holds many more onsets, so a period's rate is not pulled
    towards the treatment windows that its own onsets brought on.
    """
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    order = np.argsort(hi, kind="stable")
    lo, hi, event = lo[order], hi[order], np.asarray(event, bool)[order]
    clock = np.r_[0.0, np.cumsum(hi - lo)]
    if clock[-1] <= 0 or event.sum() < 2:
        return np.array([0.0, float(end_day)])
    found = segment(clock[1:][event], float(clock[-1]), alpha=alpha)
    onset_days = hi[event]
    inner = []
    for stretch in found.stretches[1:]:
        j = int(np.clip(np.searchsorted(clock, stretch.lo, side="left") - 1, 0, len(lo) - 1))
        # The first onset of the later stretch must fall after the cut, the last of the earlier one before it.
        k = stretch.first
        before = onset_days[k - 1] if k > 0 else 0.0
        after = onset_days[k] - 0.5 if k < len(onset_days) else float(end_day)
        inner.append(float(np.clip(lo[j] + (stretch.lo - clock[j]), before, after)))
    return np.r_[0.0, np.sort(inner), float(end_day)]


def _season_cuts(origin: pd.Timestamp, end_day: float) -> np.ndarray:
    months = pd.date_range(origin.normalize() - pd.DateOffset(months=3), origin + pd.Timedelta(days=end_day) + pd.DateOffset(months=3), freq="MS")
    months = months[months.month.isin([3, 6, 9, 12])]
    return ((months - origin) / pd.Timedelta(days=1)).to_numpy(float)


def _season_of(origin: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    stamps = np.datetime64(origin.to_datetime64(), "ns") + (days * _NS_PER_DAY).astype("timedelta64[ns]")
    month = stamps.astype("datetime64[M]").astype(int) % 12
    return _SEASON_OF_MONTH[month]


def _inside(starts: np.ndarray, ends: np.ndarray, t: np.ndarray) -> np.ndarray:
    """t inside one of the disjoint sorted periods (start, end]."""
    if not len(starts):
        return np.zeros(len(t), dtype=bool)
    j = np.searchsorted(starts, t, side="left") - 1
    return (j >= 0) & (t <= ends[np.maximum(j, 0)])


def check_band_edges(value):
    """``since_episode_days`` checked: None or one number > 0 as given, distinct numbers > 0 as a sorted tuple."""
    if value is None or np.ndim(value) == 0:
        check_number("since_episode_days", value, above=0, none=True)
        return value
    edges = [check_number("since_episode_days (each band edge)", e, above=0) for e in value]
    if not edges or len(set(edges)) < len(edges):
        raise ValueError(f"since_episode_days={value!r} is not valid; allowed values: None, a number > 0 or distinct band edges > 0")
    return tuple(sorted(float(e) for e in edges))


def since_episode_band(t: np.ndarray, episode_end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Band of the time since the last episode ended before each ``t``: 0 within the first edge, ...,
    ``len(edges)`` after the last one (or before any episode).  ``episode_end`` and ``edges`` sorted."""
    j = np.searchsorted(episode_end, t, side="left") - 1
    since = np.where(j >= 0, t - episode_end[np.maximum(j, 0)], np.inf)
    return np.searchsorted(edges, since, side="left")


def build_cells(
    *,
    lo: np.ndarray,
    hi: np.ndarray,
    event: np.ndarray,
    onset_day: np.ndarray,
    episode_end_day: np.ndarray,
    exposure: tuple[np.ndarray, np.ndarray, np.ndarray],
    period_bounds: np.ndarray,
    origin: pd.Timestamp,
    season: bool = True,
    pre_exposure_days: float = 30.0,
    since_episode_days=None,
) -> Cells:
    """Split at-risk intervals (lo, hi] (``event``: an onset at hi) into cells.

    Parameters
    ----------
    lo, hi, event : arrays
        At-risk intervals in days since follow-up start.
    onset_day, episode_end_day : arrays
        Every onset and episode end (days), for the pre-exposure stratum and
        the time since the last episode.
    exposure : (starts, ends, first_session)
        From :func:`exposure_periods_days`.
    period_bounds : array
        Edges of the calendar periods (days), increasing.
    origin : Timestamp
        Day 0 (for seasons).
    season : bool
    pre_exposure_days : float
        An onset followed by a course's first session within this many days
        makes the days between them pre-exposure time (0: no pre-exposure stratum).
    since_episode_days : float or sequence of floats, optional
        Edges (days after each episode's end) of the bands of time since the
        last episode; one number splits off the first days as "recent".
    """
    lo, hi, event = np.asarray(lo, float), np.asarray(hi, float), np.asarray(event, bool)
    starts, ends, first = exposure
    onset_day = np.sort(np.asarray(onset_day, float))
    pre_lo = pre_hi = np.empty(0)
    if pre_exposure_days > 0 and len(first) and len(onset_day):
        k = np.searchsorted(onset_day, first, side="right") - 1  # last onset on or before the first session
        last = np.where(k >= 0, onset_day[np.maximum(k, 0)], -np.inf)
        keep = (first - last <= pre_exposure_days) & (first > last)
        # The stratum reaches back over the at-risk stretch that ended in the
        # onset which brought the treatment on: counting that onset (and the
        # wait for it) as ordinary time makes the period's rate depend on the
        # treatment windows it spawned, and biases the window's ratio down.
        j = np.searchsorted(hi, last[keep], side="left")
        found = (j < len(hi)) & (hi[np.minimum(j, len(hi) - 1)] == last[keep])
        back = np.where(found, lo[np.minimum(j, len(hi) - 1)], last[keep])
        pre_lo, pre_hi, _ = _merge(back, first[keep])
    ep_end = np.sort(np.asarray(episode_end_day, float))
    cuts = [period_bounds, starts, ends, pre_lo, pre_hi]
    if season:
        cuts.append(_season_cuts(origin, float(hi.max(initial=0.0))))
    edges = np.empty(0) if since_episode_days is None else np.sort(np.atleast_1d(np.asarray(since_episode_days, float)))
    if len(edges):
        cuts.append((ep_end[:, None] + edges[None, :]).ravel())
    _, left, right, ev = cut_rows(lo, hi, event, np.concatenate(cuts))
    mid = (left + right) / 2
    state = np.where(_inside(starts, ends, mid), 2, np.where(_inside(pre_lo, pre_hi, mid), 1, 0))
    period = np.clip(np.searchsorted(period_bounds, mid, side="right") - 1, 0, len(period_bounds) - 2)
    season_code = _season_of(origin, mid) if season else np.zeros(len(mid), dtype=int)
    if len(edges) and len(ep_end):
        recent = len(edges) - since_episode_band(mid, ep_end, edges)  # bands counted from the last edge
    else:
        recent = np.zeros(len(mid), dtype=int)
    bands = len(edges) + 1
    key = ((period * 4 + season_code) * 3 + state) * bands + recent
    unique, inverse = np.unique(key, return_inverse=True)
    days = np.bincount(inverse, weights=right - left)
    events = np.bincount(inverse, weights=ev.astype(float))
    return Cells(
        period=unique // (12 * bands), season=(unique // (3 * bands)) % 4, state=(unique // bands) % 3, recent=unique % bands,
        days=days, events=events, period_bounds=np.asarray(period_bounds, float),
    )
