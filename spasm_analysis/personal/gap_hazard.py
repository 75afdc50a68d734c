"""The hazard of a new onset by time since the last episode ended, piecewise constant.

Gaps between episodes (right-censored at the end of follow-up) are split at
fixed times since the last episode ended; the hazard in each piece is its
onsets divided by its days at risk, the maximum-likelihood estimate of a
piecewise-exponential model.  Pieces are joined, left to right, until each holds
at least ``min_events`` onsets, so every hazard rests on enough onsets for the
forecast built on it to be close to unbiased.  With a single piece it is the
constant-rate (exponential) model; with several it follows clusters (a raised
hazard soon after an episode) without assuming a parametric shape.

Given the gaps' calendar positions, the hazard can also vary over calendar
time: ``h(s, x) = h0(s) exp(z(x) theta)`` with ``s`` the days since the last
episode ended, ``x`` the calendar day and ``z(x)`` a log-linear trend
``(x - x_ref) / 365.25`` and/or an annual cycle ``cos, sin(2 pi x / 365.25)``
(a modulated renewal process, Cook & Lawless 2007, section 4.2).  The piece
rates are profiled out (each piece's rate is its onsets over its weighted days
at risk) and the concave profile log-likelihood is maximised in ``theta`` by
Newton's method (the annual cycle then averaged with the fit without it by
their Akaike weights, so a cycle that is only noise hardly moves a forecast); ``x_ref`` is the end of follow-up, so the fitted rates are
today's.  A steadily rising onset rate then does not make the forecast lag
behind the log, and a winter-heavy log gets a higher chance in winter.

References
----------
Lawless, J. F. (2003). Statistical Models and Methods for Lifetime Data, 2nd ed.,
    section 3.6 / 4.1 (piecewise-constant hazards).
Burnham, K. P. & Anderson, D. R. (2002). Model Selection and Multimodel Inference, 2nd ed.,
    Springer, section 2.9 and chapter 4 (Akaike weights, model averaging).
Cook, R. J. & Lawless, J. F. (2007). The Statistical Analysis of Recurrent
    Events, section 4.1 (renewal processes, gap times).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .akaike import akaike_weight

__all__ = ["PiecewiseHazard", "fit_piecewise_hazard", "CUTS"]

#: Candidate cuts in days since the last episode ended.
CUTS = (0.0, 3.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0)
MIN_EVENTS = 10
#: Exposure is cut into chunks of at most this many days, so the calendar terms
#: are evaluated at each chunk's midpoint (a fine grid for a yearly cycle).
_CHUNK_DAYS = 15.0
#: Largest accepted calendar effect (log scale): beyond it the onsets sit at one
#: end of the data or one season only, and the terms are not estimable.
_MAX_LOG_EFFECT = np.log(20.0)
_STEP_DAYS = 0.25  # integration step of the forecast window
YEAR = 365.25


@dataclass(frozen=True)
class PiecewiseHazard:
    """Hazard ``rates[k]`` (onsets per day) on ``[edges[k], edges[k + 1])``, the last piece open-ended.

    With calendar terms, ``rates`` are the hazards at the reference day ``now``
    (the end of follow-up) without the season, ``trend`` the change in log
    hazard per year and ``season`` the coefficients of ``cos, sin(2 pi x /
    365.25)`` (``x``: calendar day, days since 1970-01-01); the probabilities
    of :meth:`within` are then for a window that starts on ``now``.
    """

    edges: np.ndarray
    rates: np.ndarray
    trend: float = 0.0
    season: tuple = (0.0, 0.0)
    now: float = 0.0

    @property
    def trend_per_year(self) -> float:
        """Multiplicative change of the hazard per year of calendar time (1: no trend)."""
        return float(np.exp(self.trend))

    @property
    def seasonal_ratio(self) -> float:
        """Highest over lowest hazard across the year (1: no season)."""
        return float(np.exp(2 * np.hypot(*self.season)))

    def _calendar(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        angle = 2 * np.pi * x / YEAR
        return self.trend * (x - self.now) / YEAR + self.season[0] * np.cos(angle) + self.season[1] * np.sin(angle)

    def cumulative(self, t) -> np.ndarray:
        """Expected onsets by ``t`` days after an episode ended, if none came before."""
        t = np.asarray(t, dtype=float)
        upper = np.append(self.edges[1:], np.inf)
        inside = np.clip(t[..., None] - self.edges, 0, None)
        return (np.minimum(inside, upper - self.edges) * self.rates).sum(axis=-1)

    def survival(self, t) -> np.ndarray:
        """Probability that a gap lasts longer than ``t`` days."""
        return np.exp(-self.cumulative(t))

    def within(self, since: float, horizons) -> np.ndarray:
        """Probability of an onset within each horizon, ``since`` days after the last episode ended.

        The window starts at the reference day; with a trend the hazard keeps
        changing across it (exactly integrated piece by piece).
        """
        horizons = np.asarray(horizons, dtype=float)
        if self.trend == 0.0 and self.season == (0.0, 0.0):
            return -np.expm1(-(self.cumulative(since + horizons) - self.cumulative(since)))
        # Midpoint rule on a quarter-day grid across the window (the calendar terms are smooth).
        steps = np.arange(0.0, float(horizons.max()), _STEP_DAYS) + _STEP_DAYS / 2
        piece = np.searchsorted(self.edges, since + steps, side="right") - 1
        rate = self.rates[piece] * np.exp(self._calendar(self.now + steps))
        cumulative = np.concatenate([[0.0], np.cumsum(rate * _STEP_DAYS)])
        index = np.clip(np.round(horizons / _STEP_DAYS).astype(int), 0, len(steps))
        return -np.expm1(-cumulative[index])


def fit_piecewise_hazard(duration, observed, *, min_events: int = MIN_EVENTS, cuts=CUTS, start=None,
                         now: float | None = None, trend: bool = False, season: bool = False) -> PiecewiseHazard:
    """Maximum-likelihood piecewise-constant hazard of right-censored gaps, optionally with a calendar trend.

    Parameters
    ----------
    duration : array_like
        Gap lengths in days.
    observed : array_like
        1 when the gap ended with an onset, 0 when it was censored.
    min_events : int
        Pieces are joined until each has at least this many onsets.
    cuts : sequence of float
        Candidate piece boundaries, starting at 0.
    start : array_like, optional
        Calendar day each gap began (days since 1970-01-01); needed for
        ``trend`` and ``season``.
    now : float, optional
        The calendar day the forecast window starts (default: the latest gap end).
    trend, season : bool
        Fit a log-linear calendar trend and/or an annual cycle with the pieces
        (see the module docstring).  Terms that cannot be estimated (onsets at
        one end of the data, Newton's method not converging) are left out.

    Returns
    -------
    PiecewiseHazard

    Examples
    --------
    >>> h = fit_piecewise_hazard([2, 2, 5, 40, 50, 60], [1, 1, 1, 1, 1, 0], min_events=2)
    >>> h.edges.tolist(), [round(float(r), 4) for r in h.rates]
    ([0.0, 3.0], [0.125, 0.021])
    >>> rising = fit_piecewise_hazard([600, 500, 400, 300, 200, 100, 50], [1] * 7, start=[0, 600, 1100, 1500, 1800, 2000, 2100],
    ...                               min_events=2, cuts=(0.0,), trend=True)
    >>> rising.trend_per_year > 1
    True
    """
    t = np.asarray(duration, dtype=float)
    d = np.asarray(observed, dtype=float)
    edges = np.asarray(cuts, dtype=float)
    upper = np.append(edges[1:], np.inf)
    exposure = np.clip(np.minimum(t[:, None], upper) - edges, 0, None).sum(axis=0)
    # An onset at t lies in the piece (edges[k], edges[k + 1]] that ends at or after it (R's survSplit
    # convention, and that of the calendar fit's exposure chunks): one exactly on a cut ends the earlier piece.
    piece = np.maximum(np.searchsorted(edges, t, side="left") - 1, 0)
    events = np.bincount(piece, weights=d, minlength=len(edges))[: len(edges)]
    keep = exposure > 0
    edges, events, exposure = edges[keep], events[keep], exposure[keep]
    groups, current = [], [0]
    for k in range(1, len(edges)):
        if events[current].sum() >= min_events:
            groups.append(current)
            current = [k]
        else:
            current.append(k)
    if groups and events[current].sum() < min_events:
        groups[-1] = groups[-1] + current
    else:
        groups.append(current)
    starts = np.array([edges[g[0]] for g in groups])
    rates = np.array([events[g].sum() / exposure[g].sum() for g in groups])
    if not (trend or season):
        return PiecewiseHazard(starts, rates)
    if start is None:
        raise ValueError("a calendar trend or season needs start= (the calendar day each gap began)")
    start = np.asarray(start, dtype=float)
    now = float(np.max(start + t)) if now is None else float(now)
    return _fit_calendar(t, d, start, starts, now, trend, season) or PiecewiseHazard(starts, rates, now=now)


def _exposure_chunks(t, d, start, edges):
    """Per (gap, piece, chunk of at most _CHUNK_DAYS): piece index, days at risk, calendar midpoint, onsets."""
    upper = np.append(edges[1:], np.inf)
    lo = np.minimum(edges[None, :], t[:, None])
    hi = np.minimum(upper[None, :], t[:, None])
    gap, piece = np.nonzero(hi > lo)
    lo, hi = lo[gap, piece], hi[gap, piece]
    n_chunks = np.ceil((hi - lo) / _CHUNK_DAYS).astype(int)
    row = np.repeat(np.arange(len(lo)), n_chunks)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n_chunks) - n_chunks, n_chunks)
    a = np.minimum(lo[row] + k * _CHUNK_DAYS, hi[row])
    b = np.minimum(a + _CHUNK_DAYS, hi[row])
    ends_gap = (b == hi[row]) & (hi[row] == t[gap[row]])
    return piece[row], b - a, start[gap[row]] + (a + b) / 2, np.where(ends_gap, d[gap[row]], 0.0)


def _fit_calendar(t, d, start, edges, now, trend, season, shrink: bool = True):
    """Newton's method on the profile log-likelihood of the calendar terms; None when not estimable.

    With ``season`` and ``shrink``, the calendar coefficients are the model
    average of the fits with and without the annual cycle, weighted by their
    Akaike weights (Burnham & Anderson 2002, chapter 4: a term absent from a
    model counts as 0), so a cycle that is only noise hardly moves a forecast
    while a clear one is kept nearly whole.
    """
    piece, days, x, events = _exposure_chunks(t, d, start, edges)
    angle = 2 * np.pi * x / YEAR
    columns = ([(x - now) / YEAR] if trend else []) + ([np.cos(angle), np.sin(angle)] if season else [])
    z = np.column_stack(columns)
    n_pieces = len(edges)
    fit = _maximise(piece, days, events, z, n_pieces)
    if fit is None:
        return None
    theta, loglik = fit
    if season and shrink:
        without = (_maximise(piece, days, events, z[:, :-2], n_pieces) if trend
                   else (np.zeros(0), _profile(piece, days, events, z[:, :0], n_pieces, np.zeros(0))[0]))
        if without is not None:
            # Akaike weight of the cycle: its two coefficients cost 2 each; about 0.27 for a cycle that is only
            # noise (likelihood-ratio statistic about 2), 0.73 at 6, 0.95 at 10.
            weight = akaike_weight(-2.0 * loglik + 2 * 2, -2.0 * without[1])
            theta = weight * theta + (1 - weight) * np.r_[without[0], 0.0, 0.0]
    total = _profile(piece, days, events, z, n_pieces, theta)[3]
    piece_events = np.bincount(piece, weights=events, minlength=n_pieces)
    rates = np.divide(piece_events, total, out=np.zeros(n_pieces), where=total > 0)
    coefficient = list(theta)
    trend_value = coefficient.pop(0) if trend else 0.0
    season_value = (coefficient[0], coefficient[1]) if season else (0.0, 0.0)
    return PiecewiseHazard(edges, rates, float(trend_value), tuple(float(c) for c in season_value), now)


def _profile(piece, days, events, z, n_pieces, theta):
    """Profile log-likelihood (piece rates profiled out), its gradient and information, and the weighted days per piece."""
    piece_events = np.bincount(piece, weights=events, minlength=n_pieces)
    w = days * np.exp(z @ theta)
    total = np.bincount(piece, weights=w, minlength=n_pieces)
    mean = np.column_stack([np.bincount(piece, weights=w * z[:, j], minlength=n_pieces) for j in range(z.shape[1])]
                           ) if z.shape[1] else np.zeros((n_pieces, 0))
    safe = np.where(total > 0, total, 1.0)
    loglik = float(events @ z @ theta - (piece_events * np.log(safe)).sum())
    mean = mean / safe[:, None]
    grad = events @ z - piece_events @ mean
    second = (np.einsum("c,ci,cj->ij", w * (piece_events / safe)[piece], z, z)
              - np.einsum("k,ki,kj->ij", piece_events, mean, mean))
    return loglik, grad, second, total


def _maximise(piece, days, events, z, n_pieces):
    """(theta, log-likelihood) maximising the concave profile log-likelihood; None when not estimable."""
    theta = np.zeros(z.shape[1])
    loglik, grad, info, _ = _profile(piece, days, events, z, n_pieces, theta)
    for _ in range(50):
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        while scale > 1e-4:
            new = _profile(piece, days, events, z, n_pieces, theta + scale * step)
            if new[0] >= loglik - 1e-12:
                break
            scale /= 2
        theta = theta + scale * step
        loglik, grad, info, _ = new
        if np.max(np.abs(scale * step)) < 1e-9:
            break
    else:
        return None
    if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > _MAX_LOG_EFFECT:
        return None
    return theta, loglik


