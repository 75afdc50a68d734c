"""One answer to "is it getting more frequent?", with the trend tests beside it.

The trend tests answer different questions and often disagree on a real log:
the Laplace test compares the average onset time with the middle of follow-up,
MIL-HDBK-189 and the Crow-AMSAA power law assume the rate changes smoothly as a
power of time since logging began, Lewis-Robinson is the Laplace test made
robust to clustered episodes, and change points look for stretches of constant
rate.  This module states one reconciled answer -- a step (or several), a
steady rise or fall, or no clear change -- by comparing the change-point
(piecewise-constant) model with a log-linear trend on the same at-risk clock
by Akaike's information criterion, and explains in plain words why the tests
may say different things.  A change location is not a regular parameter: the
maximised likelihood gains about three times as much from it, so each change
costs 6 in the criterion (Ninomiya 2015) against 2 for each rate.  The Akaike
weights of the two readings (``trend_weight``) say how far the log supports
each; the forecast averages over them rather than choosing one.

References
----------
Worsley (1986); Cox, D. R. & Lewis, P. A. W. (1966). The Statistical Analysis of
    Series of Events, ch. 3 (log-linear trend in a Poisson process);
Akaike, H. (1974). A new look at the statistical model identification. IEEE TAC 19, 716-723.
Ninomiya, Y. (2015). Change-point model selection via AIC. Annals of the Institute of
    Statistical Mathematics 67, 943-961 (the penalty 6m + 2p for m change points and p other parameters).
Burnham, K. P. & Anderson, D. R. (2002). Model Selection and Multimodel Inference, 2nd ed.,
    Springer, section 2.9 (Akaike weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ..results import format_p_value
from .akaike import akaike_weight
from .change_points import ChangePointResult, change_points, describe_rate
from .display import result_html
from .timeline import timeline
from .trend import crow_amsaa, laplace_test, lewis_robinson_test, mil_hdbk_test

__all__ = ["trend_summary", "reconcile", "TrendSummary", "loglinear_loglik", "step_loglik", "aic_of_stretches"]

#: Penalty of each change location in the criterion (Ninomiya 2015); a regular parameter costs 2.
CHANGE_PENALTY = 6.0


def aic_of_stretches(segments: pd.DataFrame) -> float:
    """Akaike's criterion of stretches of constant rate: -2 log L + 2 per rate + 6 per change (Ninomiya 2015).

    Examples
    --------
    >>> seg = pd.DataFrame({"events": [2, 10], "days_at_risk": [1000.0, 200.0]})
    >>> round(aic_of_stretches(seg), 4)  # -2 (2 log(2/1000) + 10 log(10/200) - 12) + 2 * 2 + 6
    118.7731
    """
    changes = len(segments) - 1
    return -2 * step_loglik(segments) + 2 * (changes + 1) + CHANGE_PENALTY * changes


def step_loglik(segments: pd.DataFrame) -> float:
    """Poisson log-likelihood of the stretches (constant rate in each), up to a constant."""
    n, t = segments["events"].to_numpy(float), segments["days_at_risk"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > 0, n * np.log(n / t), 0.0)
    return float(terms.sum() - n.sum())


def loglinear_loglik(times: np.ndarray, total: float) -> tuple[float, float]:
    """Maximised log-likelihood and slope b (per day) of the rate exp(a + b u) on (0, total].

    With a profiled out, l(b) = n log(n b / (exp(b T) - 1)) + b sum(u) - n
    (n log(n / T) - n at b = 0).

    Examples
    --------
    The slope solves n / b - n T exp(b T) / (exp(b T) - 1) + sum(u) = 0 (R:
    ``uniroot(function(b) 5/b - 50*exp(10*b)/(exp(10*b)-1) + 32.5, c(0.001, 5))``
    gives 0.1906):

    >>> ll, b = loglinear_loglik(np.array([1.0, 5.0, 8.0, 9.0, 9.5]), 10.0)
    >>> round(b, 4)
    0.1906
    """
    u = np.asarray(times, dtype=float)
    n, s = u.size, float(u.sum())
    if n == 0:
        return 0.0, 0.0

    def negative(b):
        if abs(b * total) < 1e-8:
            return -(n * np.log(n / total) - n + b * (s - n * total / 2))
        scale = np.expm1(b * total) / b
        return -(n * np.log(n / scale) + b * s - n)

    bound = 50.0 / total
    fit = optimize.minimize_scalar(negative, bounds=(-bound, bound), method="bounded", options={"xatol": 1e-12 / total})
    return float(-fit.fun), float(fit.x)


@dataclass(frozen=True)
class TrendSummary:
    """The reconciled answer to "is it changing?".

    Attributes
    ----------
    verdict : str
        ``"step"``, ``"steady trend"`` or ``"no clear change"``.
    answer : str
        One sentence, e.g. "A step up around November 2014 rather than a steady rise: ...".
    table : DataFrame
        ``test, looks for, statistic, p_value, says``: change points and the four
        trend tests side by side.
    explanation : str
        Why the tests may disagree on this log.
    change_points : ChangePointResult
    aic_step, aic_trend : float
        Akaike's criterion of the stretches (each change location costing 6,
        Ninomiya 2015) and of a log-linear trend on the at-risk clock.
    interpretation : str
        ``answer`` followed by ``explanation``.
    trend_weight : float
        Akaike weight of the steady trend against the stretches,
        ``1 / (1 + exp((aic_trend - aic_step) / 2))`` (Burnham & Anderson 2002,
        section 2.9): how far the log supports a steady trend over stretches of
        constant rate (a single constant rate when no change was found).
    trend_per_day : float
        Slope of the log-linear trend on the at-risk clock (log rate per day
        at risk): positive for a rise.
    """

    verdict: str
    answer: str
    table: pd.DataFrame
    explanation: str
    change_points: ChangePointResult
    aic_step: float
    aic_trend: float
    trend_per_day: float

    @property
    def interpretation(self) -> str:
        return f"{self.answer} {self.explanation}"

    @property
    def trend_weight(self) -> float:
        return akaike_weight(self.aic_trend, self.aic_step)

    summary = property(lambda self: self.table)

    def _repr_html_(self) -> str:
        return result_html("Is it getting more frequent?", self.table, self.answer, self.explanation)

    def plot(self, ax=None):
        """The stretches of constant rate (see :meth:`ChangePointResult.plot`)."""
        return self.change_points.plot(ax=ax)


def _test_data(log, line=None):
    """What the trend tests are run on: the log, or (one follow-up window) its onset days once, which
    gives the same statistics without rebuilding the timeline for every test.  ``line``: the log's
    timeline with imprecise onsets mid-period, when the caller has it already."""
    line = timeline(log) if line is None or line.how != "midpoint" else line
    if len(line.windows) != 1:
        return log, {}
    window = line.windows.iloc[0]
    days = line.onsets["day"].to_numpy(float)
    days = days[(days > window["start_day"]) & (days <= window["end_day"])] - window["start_day"]
    return days, {"end": float(window["end_day"] - window["start_day"])}


def _test_rows(log, risk_free_days, assume_duration_days, line=None) -> list[dict]:
    rows = []
    data, options = _test_data(log, line)
    looks = {
        "Laplace": "onsets later in the log than the middle of follow-up (any monotone trend)",
        "MIL-HDBK-189": "a smooth power-law change since logging began",
        "Lewis-Robinson": "a monotone trend, allowing for clustered episodes",
    }
    for name, test in (("Laplace", laplace_test), ("MIL-HDBK-189", mil_hdbk_test), ("Lewis-Robinson", lewis_robinson_test)):
        try:
            result = test(data, **options)
        except ValueError as error:
            rows.append({"test": name, "looks for": looks[name], "statistic": np.nan, "p_value": np.nan, "says": str(error)})
            continue
        increasing = result.statistic > 0 if name != "MIL-HDBK-189" else result.statistic < result.df
        says = ("more frequent" if increasing else "less frequent") if result.p_value < 0.05 else "no clear change"
        rows.append({"test": name, "looks for": looks[name], "statistic": result.statistic, "p_value": result.p_value,
                     "says": says})
    try:
        fit = crow_amsaa(data, **options)
        says = "more frequent" if fit.ci_lower > 1 else "less frequent" if fit.ci_upper < 1 else "no clear change"
        rows.append({"test": "Crow-AMSAA", "looks for": "a power-law rate (beta = 1: constant)", "statistic": fit.beta,
                     "p_value": np.nan, "says": f"{says} (beta {fit.beta:.2f}, CI {fit.ci_lower:.2f} to {fit.ci_upper:.2f})"})
    except ValueError as error:
        rows.append({"test": "Crow-AMSAA", "looks for": "a power-law rate", "statistic": np.nan, "p_value": np.nan,
                     "says": str(error)})
    return rows


def _change_point_reading(seg: pd.DataFrame) -> str:
    if len(seg) == 1:
        return "no clear change"
    first, last = seg["rate_per_year"].iloc[0], seg["rate_per_year"].iloc[-1]
    way = "more frequent" if last > first else "less frequent"
    return f"{way} ({len(seg) - 1} change(s), {first:.1f} to {last:.1f} a year)"


def _explanation(rows: list[dict], verdict: str, aic_step: float, aic_trend: float) -> str:
    says = {r["test"]: r["says"].split(" (")[0] for r in rows}
    groups = {}
    for test, reading in says.items():
        groups.setdefault(reading, []).append(test)
    if len(groups) == 1:
        return f"All five agree ({next(iter(groups))})."
    text = "The tests disagree here (" + "; ".join(f"{', '.join(v)}: {k}" for k, v in groups.items()) + "). "
    text += ("They ask different questions: Laplace compares the average onset time with the middle of the "
             "follow-up, so a late burst pulls it strongly; MIL-HDBK-189 and the Crow-AMSAA power law assume the rate "
             "changes smoothly as a power of the time since logging began, which fits a sudden late step poorly and "
             "spreads its evidence thin; Lewis-Robinson makes the Laplace test robust to clustered episodes and is "
             "more cautious. Change points look for stretches of constant rate, which is what a step is, and count "
             "only time at risk (not episode days).")
    if verdict == "step" and aic_step <= aic_trend:
        text += " The stretches fit this log better than a steady trend, so the answer above is the step."
    elif verdict == "step":
        text += (" A steady trend fits this log about as well as the stretches, but no trend test finds one, so the "
                 "answer above is the step the change-point test found.")
    elif verdict == "steady trend":
        text += " A steady trend fits this log better than stretches of constant rate."
    return text


def trend_summary(log, *, subject=None, risk_free_days: float = 0.0, assume_duration_days: float | None = None,
                  alpha: float = 0.05) -> TrendSummary:
    """Reconcile change points and the trend tests into one answer.

    The verdict is "step" when at least one change point is found and either
    the stretches have a lower AIC than a log-linear trend on the at-risk clock
    or no trend test finds a trend at ``alpha``; "steady trend" when a change
    (a change point or a trend test) is found and the log-linear trend has the
    lower AIC; and "no clear change" otherwise.  ``trend_weight`` gives the
    support for each reading, which the forecast uses.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
        One person's log (or pass ``subject=``).
    subject, risk_free_days, assume_duration_days, alpha
        As for :func:`~spasm_analysis.change_points`.

    Returns
    -------
    TrendSummary

    Examples
    --------
    >>> sa.trend_summary(log).answer  # doctest: +SKIP
    'A step up around November 2014 rather than a steady rise: ...'
    """
    found = change_points(log, subject=subject, risk_free_days=risk_free_days,
                          assume_duration_days=assume_duration_days, alpha=alpha)
    one = log if subject is None else log.subset([subject])
    return reconcile(found, one, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days, alpha=alpha)


def reconcile(found: ChangePointResult, log, *, risk_free_days: float = 0.0, assume_duration_days: float | None = None,
              alpha: float = 0.05, line=None) -> TrendSummary:
    """:func:`trend_summary` from change points already found on ``log`` (one subject); ``line``: its
    :class:`.Timeline`, when the caller has built it."""
    one = log
    rows = [{"test": "change points", "looks for": "stretches of constant rate (steps)", "statistic": found.statistic,
             "p_value": found.p_value, "says": _change_point_reading(found.segments)}]
    rows += _test_rows(one, risk_free_days, assume_duration_days, line)
    seg = found.segments
    ll_trend, slope = loglinear_loglik(found.onset_days_at_risk, found.days_at_risk)
    k = len(seg) - 1
    aic_step = aic_of_stretches(seg)
    aic_trend = -2 * ll_trend + 2 * 2
    # A steady trend is the answer only when a trend test sees one: a change point alone is evidence of a step.
    trend_test = any(r["p_value"] < alpha for r in rows[1:] if np.isfinite(r["p_value"]))
    if k > 0 and (aic_step <= aic_trend or not trend_test):
        verdict = "step"
    elif (k > 0 or trend_test) and aic_trend < aic_step:
        verdict = "steady trend"
    else:
        verdict = "no clear change"
    answer = _answer(verdict, seg, slope, found)
    table = pd.DataFrame(rows)
    table["p_value"] = [format_p_value(p) if np.isfinite(p) else "" for p in table["p_value"]]
    explanation = _explanation(rows, verdict, aic_step, aic_trend)
    return TrendSummary(verdict, answer, table, explanation, found, float(aic_step), float(aic_trend), float(slope))


def _answer(verdict: str, seg: pd.DataFrame, slope_per_day: float, found: ChangePointResult) -> str:
    first, last = seg.iloc[0], seg.iloc[-1]
    if verdict == "step":
        steps = []
        for before, after in zip(seg.iloc[:-1].itertuples(index=False), seg.iloc[1:].itertuples(index=False)):
            way = "up" if after.rate_per_year > before.rate_per_year else "down"
            steps.append(f"a step {way} around {after.start:%B %Y}")
        overall = "rise" if last.rate_per_year > first.rate_per_year else "fall"
        steps_text = " and ".join(steps)
        return (f"{steps_text[0].upper()}{steps_text[1:]} rather than a steady {overall}: onsets went from "
                f"{describe_rate(first.rate_per_year)} ({first.rate_per_year:.1f} a year) to "
                f"{describe_rate(last.rate_per_year)} ({last.rate_per_year:.1f} a year), and have stayed there since "
                f"(test of a constant rate {format_p_value(found.p_value)}).")
    if verdict == "steady trend":
        factor = float(np.exp(slope_per_day * 365.25))
        way = "rise" if factor > 1 else "fall"
        n, total, b = found.n_events, found.days_at_risk, slope_per_day
        start_rate = n * b / np.expm1(b * total) * 365.25 if b != 0 else n / total * 365.25
        end_rate = start_rate * np.exp(b * total)
        return (f"A steady {way} rather than a single step: the onset rate changed by a factor of about {factor:.2f} "
                f"per year at risk, from {describe_rate(start_rate)} ({start_rate:.1f} a year) at the start of the log "
                f"to {describe_rate(end_rate)} ({end_rate:.1f} a year) at its end.")
    return (f"No clear change: onsets have come at {describe_rate(first.rate_per_year)} "
            f"({first.rate_per_year:.1f} a year at risk) throughout; a modest change cannot be ruled out.")
