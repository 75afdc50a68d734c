"""When is the next one likely?  A forecast from the stretch the log is in now.

A person's onset rate changes over the years ("once a year, then every few
weeks"), so the gaps of quiet years say little about the next few weeks.  The
forecast averages two readings of the log (:func:`~spasm_analysis.trend_summary`,
from the change points of :func:`~spasm_analysis.change_points`): stretches of
constant rate, which forecast from the current stretch (the whole log when no
change was found), and a steady log-linear trend over the whole log, carried on
to the forecast window.  Each reading's probability is weighted by its Akaike
weight (Burnham & Anderson 2002: the change locations cost 6 each, Ninomiya
2015), so a log that is clearly a step uses its current stretch, a clear steady
rise its trend, and a log that could be either a share of both; choosing one
reading instead made the forecast lag behind a steadily rising rate whenever the
rise happened to fit stretches a little better.  Each gap runs from the end of
an episode (plus any risk-free days) to the next onset, the gap still open at
the end of follow-up is censored; an onset known to the day is taken at the
middle of its day (:func:`_midday`), since counting its whole day at risk
would estimate the chance per day rather than the hazard and forecast a
frequent or rising log low by about 0.01.  The hazard of a new onset by time since the
last episode ended is estimated as piecewise constant (:mod:`.gap_hazard`,
pieces of at least ten onsets), a renewal model that follows clusters (a raised
hazard soon after an episode) without assuming a shape, modulated by the trend
and, when the data cover at least two years, an annual cycle (averaged with no
cycle by their Akaike weights, so a cycle that is only noise hardly moves the
answer); the probability of an onset within the next h days, s days after the
last episode ended, is one minus the survival of the modulated hazard across
the window.  With fewer than ten completed gaps a reading uses the constant-rate
answer 1 - exp(-rate h) with its exact interval.  A constant-rate answer, a
Weibull renewal fit (maximum likelihood through the profile in the shape; the
same estimates as lifelines' ``WeibullFitter`` and R's ``survreg``) and a
Kaplan-Meier estimate of the current stretch are shown beside it as checks; a
seeded bootstrap over the gaps gives each reading's interval, and the two are
combined with the spread between the readings added (Burnham & Anderson 2002,
section 4.3.2).  On simulated logs (``benchmarks/validity_trend.py``, 4,000 per
kind) the mean 30-day probability is within 0.035 of the observed frequency for
constant, step, steady-rise, seasonal, clustered and remembered histories, and
within 0.03 of the mean true chance; a steady rise is still forecast a little
low (0.025 below the true chance), because about a quarter of the weight of such
logs goes to the current stretch's level, a seasonal log near its winter peak
too (0.027: a cycle is partly averaged away), and a step a little high (0.02).  A
single log's forecast is off by about 0.09 (root mean square against its true
chance).

Onsets known only to the month or year move the change points and so the
current stretch: ``sensitivity`` repeats the forecast with them placed at the
start, the end and at random positions of their periods, and with them left
out, so the reader sees how much the answer depends on them.

References
----------
Cook, R. J. & Lawless, J. F. (2007). The Statistical Analysis of Recurrent
    Events, Springer, sections 4.1-4.2 (renewal and modulated renewal processes, gap times).
Worsley, K. J. (1986). Biometrika 73, 91-104 (the change points).
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13
    (percentile intervals).
Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. JOSS 4(40), 1317.
Burnham, K. P. & Anderson, D. R. (2002). Model Selection and Multimodel Inference, 2nd ed.,
    Springer, section 2.9 (Akaike weights), chapter 4 (model-averaged prediction and its
    unconditional interval).
Ninomiya, Y. (2015). Change-point model selection via AIC. Ann. Inst. Stat. Math. 67, 943-961.
Allison, P. D. (1982). Discrete-time methods for the analysis of event histories. Sociological
    Methodology 13, 61-98 (events over whole periods at risk estimate the discrete-time hazard).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy import optimize

from .change_points import describe_rate, subject_change_points
from .display import result_html
from .gap_hazard import MIN_EVENTS, PiecewiseHazard, fit_piecewise_hazard
from ..options import check_confidence_level, check_number
from .poisson import poisson_ci
from .precision import check_choice
from .rates import PER_YEAR
from .timeline import DAY, logged, one_subject, timeline
from .trend_summary import reconcile

__all__ = ["forecast_next_episode", "ForecastResult", "gaps_after_episodes"]

_MIN_GAP = 0.5  # days; dates are day-resolution, so a gap of 0 means "within the day"
_MIN_PIECE_EVENTS = MIN_EVENTS  # completed gaps in the current stretch needed for the renewal model
_SEASON_YEARS = 2.0  # an annual cycle needs at least this many years of the stretch to be told from a trend
_EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class ForecastResult:
    """Probability of an onset within given horizons, from the current stretch of the log.

    Attributes
    ----------
    table : DataFrame
        ``horizon_days, probability, ci_lower, ci_upper, stretch_probability,
        trend_probability, constant_rate_probability, weibull_probability,
        km_probability``: ``probability`` is the average of the two readings'
        probabilities (``stretch_probability``: stretches of constant rate, from
        the current stretch; ``trend_probability``: a steady trend over the whole
        log) weighted by their Akaike weights.
    days_since_end : float
        Days since the last episode ended (the conditioning time).
    model : str
        The current stretch's model: ``"piecewise hazard"`` or ``"constant
        rate"`` (too few gaps in the stretch).
    hazard : PiecewiseHazard or None
        The current stretch's fitted hazard by days since the last episode
        ended, with its annual cycle (``seasonal_ratio``); None for the
        constant-rate model.
    reading : str
        Which readings the forecast used and their weights, e.g. "weighted
        between a step (current stretch) 81% and a steady rise 19%".
    trend_weight : float
        Akaike weight of the steady trend (:attr:`TrendSummary.trend_weight`);
        the current stretch has ``1 - trend_weight``.
    trend_hazard : PiecewiseHazard or None
        The steady-trend reading's hazard over the whole log, with its
        ``trend_per_year``; None for the constant-rate model.
    shape, scale : float
        The Weibull check's parameters (lifelines' ``rho_`` and ``lambda_``),
        scale in days (NaN when it cannot be fitted).
    stretch_start : Timestamp
        Start of the current stretch of constant rate (the follow-up start
        when no change was found).
    stretch_rate_per_year : float
        Its onset rate per year at risk.
    stretch_events : int
    stretch_days_at_risk : float
    n_gaps, n_censored : int
        Gaps of the current stretch used by the model.
    n_bootstrap : int
    seed : int
    confidence_level : float
    gaps : DataFrame
        ``subject, start, duration, observed``: the gaps used for the fit.
    sensitivity : DataFrame
        ``choice, stretch_start`` and one ``within_<h>_days`` column per horizon:
        the forecast with onsets known only to the month or year placed
        differently or left out (empty when every onset is known to the day).
    interpretation : str
    notes : str
    stretch_exposure_days : float
        The current stretch's days at risk with each onset known to the day
        taken at the middle of its day: the constant-rate model's rate is
        ``stretch_events / stretch_exposure_days`` per day.
    """

    table: pd.DataFrame
    days_since_end: float
    model: str
    hazard: PiecewiseHazard | None
    shape: float
    scale: float
    stretch_start: pd.Timestamp
    stretch_rate_per_year: float
    stretch_events: int
    stretch_days_at_risk: float
    n_gaps: int
    n_censored: int
    n_bootstrap: int
    seed: int
    confidence_level: float
    gaps: pd.DataFrame
    reading: str
    trend_weight: float
    trend_hazard: PiecewiseHazard | None
    interpretation: str
    notes: str = ""
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    stretch_exposure_days: float = float("nan")

    @property
    def summary(self) -> pd.DataFrame:
        """The forecast table with the readings it used (``reading``) in a last column."""
        return self.table.assign(reading=self.reading)

    def survival(self, t) -> np.ndarray:
        """Model probability that a gap lasts longer than ``t`` days."""
        t = np.asarray(t, float)
        if self.hazard is None:
            return np.exp(-self.stretch_events / self.stretch_exposure_days * t)
        return self.hazard.survival(t)

    def _repr_html_(self) -> str:
        return result_html(f"Chance of a new onset ({self.reading})", self.table,
                           self.interpretation, self.notes)

    def plot(self, ax=None):
        """Model and Kaplan-Meier survival of the gaps of the current stretch."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        if len(self.gaps):
            km = KaplanMeierFitter().fit(self.gaps["duration"], self.gaps["observed"])
            ax.step(km.survival_function_.index, km.survival_function_.iloc[:, 0], where="post", label="Kaplan-Meier")
        longest = float(self.gaps["duration"].max()) if len(self.gaps) else self.days_since_end + 90
        grid = np.linspace(0, max(longest, self.days_since_end + 1), 200)
        ax.plot(grid, self.survival(grid), label=self.model)
        if np.isfinite(self.shape):
            ax.plot(grid, np.exp(-((grid / self.scale) ** self.shape)), ls=":", label=f"Weibull (shape {self.shape:.2f})")
        ax.axvline(self.days_since_end, color="grey", ls="--", lw=1)
        ax.set_xlabel("days since the previous episode ended")
        ax.set_ylabel("share of gaps still without an onset")
        ax.legend()
        return ax


def gaps_after_episodes(line) -> pd.DataFrame:
    """Gaps from an episode's end to the next onset (or censoring), from the at-risk intervals.

    The stretch from the start of a follow-up window to the first onset is not
    a gap after an episode and is left out.  ``start`` is the gap's first day
    (days since the subject's origin).  An onset known to the day is taken at
    the middle of its day (see :func:`_midday`); a gap within the day counts
    half a day.
    """
    ar = line.at_risk
    window_starts = pd.MultiIndex.from_arrays([line.windows["subject"], line.windows["start_day"]])
    after_episode = ~pd.MultiIndex.from_arrays([ar["subject"], ar["start"]]).isin(window_starts)
    gaps = ar[after_episode]
    start, stop = gaps["start"].to_numpy(float), gaps["stop"].to_numpy(float)
    observed = gaps["event"].to_numpy(int)
    return pd.DataFrame({
        "subject": gaps["subject"].to_numpy(),
        "start": start,
        "duration": np.maximum(stop - start - _midday(line, gaps), _MIN_GAP),
        "observed": observed,
    })


_SECOND = 1 / 86400  # days; onset days are matched to the at-risk rows' stops to the second


def _midday(line, rows: pd.DataFrame) -> np.ndarray:
    """Days to take off the time at risk of each at-risk row ending in an onset known to the day: 1/2, else 0.

    The at-risk rows count the onset's whole day (an interval from day e to
    an onset dated day o lasts o - e days), but the onset came at some point
    of that day; taken at its middle, like an onset known only to the month at
    the middle of its month, the interval lasts o - e - 1/2 days.  Counting
    the whole day would make the rate the chance of an onset per day at risk
    (the discrete-time hazard q, Allison 1982) rather than the hazard
    -log(1 - q), about q/2 lower: 2.7% at 20 onsets a year, which made the
    forecast of a frequent or rising log low by about 0.01.  An onset counts
    as known to the day when its precision is the day (``onset_precision``)
    and it has no time of day (midnight); onsets with a time of day, and
    onsets known only to the month or year (placed within their periods), are
    taken where they are.  An onset dated on a cut of the gap hazard (3, 7,
    14, ... days after an episode ended) then falls in the piece before the
    cut, where its time (during that day) lies.
    """
    episodes = line.log.episodes
    precise = episodes["onset"].eq(episodes["onset"].dt.normalize())
    if "onset_precision" in episodes:
        precise &= episodes["onset_precision"].fillna("day").eq("day")
    known = episodes[precise]
    days = ((known["onset"] - known["subject"].map(line.origin)) / DAY).to_numpy(float)
    key = pd.MultiIndex.from_arrays([known["subject"].to_numpy(), np.round(days / _SECOND).astype(np.int64)])
    row_key = pd.MultiIndex.from_arrays([rows["subject"].to_numpy(),
                                         np.round(rows["stop"].to_numpy(float) / _SECOND).astype(np.int64)])
    ends_in_onset = rows["event"].to_numpy(int) == 1
    return np.where(ends_in_onset & row_key.isin(key), 0.5, 0.0)


def _weibull_profile_mle(t: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """Weibull MLE with right censoring via the profile score in the shape."""
    n_events = d.sum()
    if n_events == 0:
        return float("nan"), float("nan")
    log_t = np.log(t)
    sum_d_log = float((d * log_t).sum())
    scaled = log_t - log_t.max()

    def score(k):
        w = np.exp(k * scaled)
        return n_events / k + sum_d_log - n_events * float((w * log_t).sum() / w.sum())

    lo, hi = 1e-3, 1.0
    while score(hi) > 0 and hi < 1e3:
        hi *= 2
    if score(hi) > 0 or score(lo) < 0:
        return float("nan"), float("nan")
    k = optimize.brentq(score, lo, hi, xtol=1e-12)
    scale = float(np.exp(log_t.max()) * (np.exp(k * scaled).sum() / n_events) ** (1 / k))
    return float(k), scale


def _conditional(shape, scale, since, horizons) -> np.ndarray:
    surv = lambda t: np.exp(-((t / scale) ** shape))  # noqa: E731
    return 1 - surv(since + horizons) / surv(since)


def _constant_rate(events: float, days: float, horizons: np.ndarray) -> np.ndarray:
    return -np.expm1(-events / days * horizons) if days > 0 else np.full(len(horizons), np.nan)


@dataclass(frozen=True)
class _Stretch:
    """The gaps and counts of the current stretch of one subject."""

    start: pd.Timestamp
    start_day: float
    events: int
    days: float
    gaps: pd.DataFrame
    now: float
    epoch: float
    trend: bool = False
    midday_days: float = 0.0

    @property
    def exposure(self) -> float:
        """Days at risk with each onset known to the day at the middle of its day (see :func:`_midday`)."""
        return self.days - self.midday_days

    @property
    def season(self) -> bool:
        """An annual cycle is fitted when the stretch covers at least two years."""
        return self.now - self.start_day >= _SEASON_YEARS * PER_YEAR


def _follow_up_end(line, who) -> float:
    """Day (since the subject's origin) the forecast window starts: the end of follow-up."""
    return float(line.at_risk.loc[line.at_risk["subject"] == who, "stop"].max())


def _current_stretch(line, who, start: pd.Timestamp, segment=None, trend: bool = False, gaps=None) -> _Stretch:
    """The stretch from ``start`` to the end of follow-up; counts from ``segment`` (a row of
    the change-point segments) when given, else with an onset on ``start`` counted in it;
    ``trend``: the model lets the rate drift over calendar time; ``gaps``: the line's
    :func:`gaps_after_episodes`, when the caller has them."""
    start_day = float((start - line.origin[who]) / DAY)
    rows = line.at_risk[line.at_risk["subject"] == who]
    inside = (rows["stop"] - np.maximum(rows["start"], start_day)).clip(lower=0).to_numpy(float)  # days in the stretch
    if segment is not None:
        events, days = int(segment["events"]), float(segment["days_at_risk"])
    else:
        days = float(inside.sum())
        events = int(((rows["event"] == 1) & (rows["stop"] >= start_day)).sum())
    gaps = gaps_after_episodes(line) if gaps is None else gaps
    gaps = gaps[(gaps["subject"] == who) & (gaps["start"] >= start_day)].reset_index(drop=True)
    epoch = float((line.origin[who] - _EPOCH) / DAY)
    # Half a day off for each onset known to the day, but no more than its row has inside the stretch (a stretch
    # starts on an onset, whose row ends there).
    midday = float(np.minimum(_midday(line, rows), inside).sum())
    return _Stretch(start, start_day, events, days, gaps, _follow_up_end(line, who), epoch, trend, midday)


@dataclass(frozen=True)
class _Reading:
    """One reading of the log the forecast averages over: its words, Akaike weight and data."""

    words: str
    weight: float
    stretch: _Stretch


def _readings(line, who, found, reading, gaps=None) -> tuple[_Reading, _Reading]:
    """Stretches of constant rate (the current stretch) and a steady trend (the whole log), with their Akaike weights."""
    gaps = gaps_after_episodes(line) if gaps is None else gaps
    current = _current_stretch(line, who, found.current["start"], found.current, gaps=gaps)
    whole = _current_stretch(line, who, found.segments["start"].iloc[0], trend=True, gaps=gaps)
    stretches = "a step (current stretch)" if len(found.segments) > 1 else "no change"
    w = reading.trend_weight
    return (_Reading(stretches, 1.0 - w, current),
            _Reading("a steady rise" if reading.trend_per_day >= 0 else "a steady fall", w, whole))


def _reading_words(readings) -> str:
    step, trend = readings
    return f"weighted between {step.words} {step.weight:.0%} and {trend.words} {trend.weight:.0%}"


def _averaged(readings, since, horizons) -> tuple[np.ndarray, list]:
    """The readings' point forecasts (probability, hazard) and their average by Akaike weights."""
    points = [_point_forecast(r.stretch, since, horizons) for r in readings]
    return sum(r.weight * p for r, (p, _) in zip(readings, points)), points


def _combined_interval(readings, points, mean, limits):
    """Model-averaged interval: each side's half-width is the weighted sum of sqrt(own half-width^2 +
    (own estimate - average)^2), Burnham & Anderson (2002) eq. 4.9 applied to each side."""
    lower_width = sum(r.weight * np.sqrt((p - lo) ** 2 + (p - mean) ** 2) for r, (p, _), (lo, _) in zip(readings, points, limits))
    upper_width = sum(r.weight * np.sqrt((hi - p) ** 2 + (p - mean) ** 2) for r, (p, _), (_, hi) in zip(readings, points, limits))
    return np.clip(mean - lower_width, 0.0, 1.0), np.clip(mean + upper_width, 0.0, 1.0)


def _fit(stretch: _Stretch, duration, observed, start) -> PiecewiseHazard:
    return fit_piecewise_hazard(duration, observed, start=np.asarray(start, float) + stretch.epoch,
                                now=stretch.now + stretch.epoch, trend=stretch.trend, season=stretch.season)


def _point_forecast(stretch: _Stretch, since: float, horizons: np.ndarray):
    """Probabilities and the fitted hazard (None for the constant-rate model)."""
    if int(stretch.gaps["observed"].sum()) >= _MIN_PIECE_EVENTS:
        hazard = _fit(stretch, stretch.gaps["duration"], stretch.gaps["observed"], stretch.gaps["start"])
        return hazard.within(since, horizons), hazard
    return _constant_rate(stretch.events, stretch.exposure, horizons), None


def _weibull_check(gaps, since, horizons) -> tuple[np.ndarray, float, float]:
    shape, scale = (_weibull_profile_mle(gaps["duration"].to_numpy(float), gaps["observed"].to_numpy(int))
                    if int(gaps["observed"].sum()) >= 2 else (float("nan"), float("nan")))
    if not np.isfinite(shape):
        return np.full(len(horizons), np.nan), shape, scale
    return _conditional(shape, scale, since, horizons), shape, scale


def forecast_next_episode(
    log,
    *,
    horizons=(7, 30, 90),
    days_since_end: float | None = None,
    subject=None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence_level: float = 0.95,
    progress: bool = False,
    imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
) -> ForecastResult:
    """Probability of an onset within the next 7/30/90 days, from the current stretch of the log.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    horizons : sequence of float
        Horizons in days.
    days_since_end : float, optional
        Days since the last episode ended.  By default: from the last episode's
        end (plus risk-free days) to the end of follow-up.
    subject : str, optional
        Whose log to forecast, for a log with several people.
    n_bootstrap : int
        Bootstrap resamples of the stretch's gaps for the confidence interval
        (0 = none).
    seed : int
        Seed of the bootstrap and of the random placements, so results are reproducible.
    confidence_level : float
    progress : bool
        Show a tqdm progress bar of the bootstrap on stderr.
    imprecise_onsets : {"midpoint", "exclude"}
        How onsets known only to the month or year enter the main answer; the
        other choice and other placements are always in ``sensitivity``.
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.

    Returns
    -------
    ForecastResult

    References
    ----------
    Cook & Lawless (2007), section 4.1; Worsley (1986); Efron & Tibshirani (1993).

    Examples
    --------
    >>> sa.forecast_next_episode(log, n_bootstrap=200).table  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_choice(imprecise_onsets)
    horizons = np.asarray(horizons, dtype=float)
    if horizons.ndim != 1 or not np.all(np.isfinite(horizons) & (horizons > 0)):
        raise ValueError(f"horizons must be positive numbers of days, got {horizons.tolist()!r}")
    check_number("n_bootstrap", n_bootstrap, at_least=0, whole=True)
    counting = dict(risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    line = timeline(log, imprecise_onsets=imprecise_onsets, at_risk=True, **counting)
    who = one_subject(line.origin.index, subject)
    all_gaps = gaps_after_episodes(line)
    completed = int(all_gaps.loc[all_gaps["subject"] == who, "observed"].sum())
    if completed < 3:
        raise ValueError(f"a forecast needs at least 3 completed gaps between episodes, got {completed}")
    since, since_note = _days_since_end(line, who, days_since_end)
    found = subject_change_points(logged(log), line, who, seed=seed)
    one = logged(log).subset([who]) if len(line.origin) > 1 else log
    reading = reconcile(found, one, line=None if len(line.origin) > 1 else line, **counting)
    readings = _readings(line, who, found, reading, all_gaps)
    probability, points = _averaged(readings, since, horizons)
    stretch = readings[0].stretch
    hazard = points[0][1]
    model = "constant rate" if hazard is None else "piecewise hazard"
    notes = [line.note, since_note]
    limits = [_interval(r, point_hazard, since, horizons, int(n_bootstrap), seed, confidence_level, progress, notes)
              for r, (_, point_hazard) in zip(readings, points)]
    lower, upper = _combined_interval(readings, points, probability, limits)
    if not n_bootstrap and any(h is not None for _, h in points):
        notes.append("No bootstrap requested (n_bootstrap=0): the interval is not available (NaN).")
    weibull, shape, scale = _weibull_check(stretch.gaps, since, horizons)
    km_prob = _km_conditional(stretch.gaps, since, horizons)
    if np.isnan(km_prob).any():
        notes.append("The Kaplan-Meier check is NaN where the horizon reaches past the longest observed gap.")
    table = pd.DataFrame({"horizon_days": horizons, "probability": probability, "ci_lower": lower, "ci_upper": upper,
                          "stretch_probability": points[0][0], "trend_probability": points[1][0],
                          "constant_rate_probability": _constant_rate(stretch.events, stretch.exposure, horizons),
                          "weibull_probability": weibull, "km_probability": km_prob})
    sensitivity = _sensitivity(log, line, who, found, since, horizons, imprecise_onsets, counting, seed, readings, points)
    k = int(np.argmin(np.abs(horizons - 30)))
    interpretation = _interpretation(readings, found, since, horizons[k], probability[k], lower[k], upper[k],
                                     confidence_level, sensitivity)
    return ForecastResult(
        table=table, days_since_end=float(since), model=model, hazard=hazard, shape=shape, scale=scale,
        stretch_start=stretch.start,
        stretch_rate_per_year=stretch.events / stretch.days * PER_YEAR if stretch.days > 0 else float("nan"),
        stretch_events=stretch.events, stretch_days_at_risk=stretch.days,
        n_gaps=int(len(stretch.gaps)), n_censored=int(len(stretch.gaps) - stretch.gaps["observed"].sum()),
        n_bootstrap=int(n_bootstrap), seed=int(seed), confidence_level=confidence_level, gaps=stretch.gaps,
        reading=_reading_words(readings), trend_weight=readings[1].weight, trend_hazard=points[1][1],
        interpretation=interpretation, notes=" ".join(n for n in notes if n), sensitivity=sensitivity,
        stretch_exposure_days=stretch.exposure,
    )


#: A reading with less weight than this hardly moves the average: its bootstrap is skipped.
_NEGLIGIBLE_WEIGHT = 1e-3


def _interval(reading, hazard, since, horizons, n_bootstrap, seed, confidence_level, progress, notes):
    """One reading's interval: the bootstrap of its hazard, or the exact Poisson one for its constant rate."""
    stretch = reading.stretch
    if hazard is not None:
        if reading.weight < _NEGLIGIBLE_WEIGHT and n_bootstrap:
            point = hazard.within(since, horizons)
            return point, point
        return _bootstrap(stretch, since, horizons, n_bootstrap, seed, confidence_level, progress)
    low, high = poisson_ci(stretch.events, confidence_level=confidence_level)
    where = "current stretch" if not stretch.trend else "whole log (the steady-trend reading)"
    notes.append(f"The {where} has fewer than {_MIN_PIECE_EVENTS} completed gaps, so that reading uses its constant "
                 "rate with the exact Poisson interval.")
    return _constant_rate(low, stretch.exposure, horizons), _constant_rate(high, stretch.exposure, horizons)


def _bootstrap(stretch, since, horizons, n_bootstrap, seed, confidence_level, progress):
    if not n_bootstrap:
        return np.full(len(horizons), np.nan), np.full(len(horizons), np.nan)
    from tqdm import tqdm  # imported here: the package imports (and computes) without tqdm installed

    rng = np.random.default_rng(seed)
    gaps = stretch.gaps
    t, d, start = (gaps[c].to_numpy(float) for c in ("duration", "observed", "start"))
    draws = np.empty((n_bootstrap, len(horizons)))
    for b in tqdm(range(n_bootstrap), desc="bootstrap", disable=not progress):
        idx = rng.integers(0, len(t), len(t))
        draws[b] = _fit(stretch, t[idx], d[idx], start[idx]).within(since, horizons)
    alpha = 1 - confidence_level
    lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    return lower, upper


def _sensitivity(log, line, who, found, since, horizons, how, counting, seed, readings, points) -> pd.DataFrame:
    """The point forecast with the current stretch of every placement, and with the other imprecise-onset choice.

    A placement moves the change points and so the current stretch; the steady-trend reading and the
    weights stay those of the main answer.
    """
    columns = [f"within_{h:g}_days" for h in horizons]
    if found.sensitivity.empty:
        return pd.DataFrame(columns=["choice", "stretch_start", *columns])
    step, trend = readings
    rows, by_start, gaps = [], {}, gaps_after_episodes(line)
    for placement in found.sensitivity.itertuples(index=False):
        changes = [c for c in placement.changes.split(", ") if c]
        start = pd.Timestamp(changes[-1]) if changes else found.segments["start"].iloc[0]
        if start not in by_start:
            stretch_p = _point_forecast(_current_stretch(line, who, start, gaps=gaps), since, horizons)[0]
            by_start[start] = step.weight * stretch_p + trend.weight * points[1][0]
        rows.append([f"placed: {placement.placement}", start, *by_start[start]])
    # The placements are the rows above; the other whole-log choice is leaving imprecise onsets out.
    for other in (c for c in ("midpoint", "exclude") if c != how):
        other_line = timeline(log, imprecise_onsets=other, at_risk=True, **counting)
        other_found = subject_change_points(logged(log), other_line, who, n_placements=0, seed=seed)
        other_reading = reconcile(other_found, logged(log).subset([who]) if len(line.origin) > 1 else log,
                                  line=None if len(line.origin) > 1 else other_line, **counting)
        other_readings = _readings(other_line, who, other_found, other_reading)
        rows.append([f"imprecise_onsets={other!r}", other_readings[0].stretch.start,
                     *_averaged(other_readings, since, horizons)[0]])
    return pd.DataFrame(rows, columns=["choice", "stretch_start", *columns])


def _interpretation(readings, found, since, horizon, p, lower, upper, confidence_level, sensitivity) -> str:
    step, trend = readings
    stretch = step.stretch
    rate = stretch.events / stretch.days * PER_YEAR if stretch.days > 0 else float("nan")
    if len(found.segments) > 1:
        where = (f"Since {stretch.start:%B %Y} (the current stretch; the rate changed then) onsets have come "
                 f"{describe_rate(rate)} ({rate:.1f} a year at risk)")
    else:
        where = f"No change in the onset rate was found; onsets have come {describe_rate(rate)} ({rate:.1f} a year at risk)"
    weighing = (f"The forecast weighs two readings of the log by how well each fits it (Akaike weights): "
                f"{'a step to the current stretch' if len(found.segments) > 1 else 'no change'}, which would stay at "
                f"that rate ({step.weight:.0%}), and {trend.words} over the whole log, carried on to today "
                f"({trend.weight:.0%}).")
    interval = f" ({confidence_level:.0%} CI {lower:.0%} to {upper:.0%})" if np.isfinite(lower) else ""
    text = (f"{where}. {weighing} On that footing, the chance of a new onset within the next {horizon:g} days, "
            f"{since:.0f} days after the last episode ended, is about {p:.0%}{interval}; this is a statistical "
            "summary of the log, not a prediction to act on.")
    if not sensitivity.empty:
        column = f"within_{horizon:g}_days"
        lo, hi = sensitivity[column].min(), sensitivity[column].max()
        text += (f" Onsets known only to the month or year matter here: placed elsewhere in their periods, or left "
                 f"out, they give {lo:.0%} to {hi:.0%}." if hi - lo >= 0.005 else
                 " Placing the onsets known only to the month or year elsewhere in their periods, or leaving them "
                 "out, does not change this.")
    return text


def _days_since_end(line, who, days_since_end) -> tuple[float, str]:
    if days_since_end is not None:
        check_number("days_since_end", days_since_end, at_least=0)
        return float(days_since_end), ""
    last = line.at_risk[line.at_risk["subject"] == who].iloc[-1]
    if last["event"] == 1:
        # The log ends during (or at the end of) an episode: count from when it is over.
        return 0.0, ("The log ends while an episode is still going (or just as it ended), so the forecast starts "
                     "from its end: each probability is for a new episode within that many days after it is over.")
    since = float(last["stop"] - last["start"])
    return since, f"Conditioning on {since:.0f} days since the last episode ended (at the end of follow-up)."


def _km_conditional(gaps, since: float, horizons: np.ndarray) -> np.ndarray:
    out = np.full(len(horizons), np.nan)
    if not len(gaps):
        return out
    km = KaplanMeierFitter().fit(gaps["duration"], gaps["observed"])
    last_time = float(km.survival_function_.index.max())
    s0 = float(km.survival_function_at_times(since).iloc[0])
    if s0 <= 0:
        return out
    for i, h in enumerate(horizons):
        if since + h <= last_time:
            out[i] = 1 - float(km.survival_function_at_times(since + h).iloc[0]) / s0
    return out
