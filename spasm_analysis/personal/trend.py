"""Is it getting more frequent?  Trend tests and the Crow-AMSAA power law.

Each test treats onsets as the events of one process observed on (0, T]
(time-truncated) or up to its last event (failure-truncated), or pools several
processes (the follow-up windows of an EpisodeLog, each one process).  As in the
published tests, time is calendar time: days spent in an episode are part of
(0, T]; only onsets count as events.

References
----------
NIST/SEMATECH e-Handbook of Statistical Methods, section 8.2.3.4 "Trend tests"
    (Laplace and Military Handbook tests) and 8.1.7 / 8.4.2 (power-law NHPP).
MIL-HDBK-189, Reliability Growth Management (1981; revision C 2011).
Crow, L. H. (1974). Reliability analysis for complex, repairable systems.
    In Reliability and Biometry, SIAM, 379-410.
Kvaloy, J. T. & Lindqvist, B. H. (1998). TTT-based tests for trend in repairable
    systems data. Reliability Engineering & System Safety 60, 13-28
    (Laplace and Lewis-Robinson tests, pooled versions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..options import check_confidence_level
from ..results import TestResult, format_p_value
from .display import result_html
from .timeline import is_log_or_counting_process, timeline

__all__ = ["laplace_test", "mil_hdbk_test", "lewis_robinson_test", "crow_amsaa", "CrowAMSAAResult"]


@dataclass(frozen=True)
class _Process:
    times: np.ndarray  # onsets used by the test, sorted, in (0, end]
    end: float
    failure_truncated: bool
    last: float | None = None  # the terminating event of a failure-truncated process


def _from_array(data, end) -> list[_Process]:
    times = np.asarray(data, dtype=float)
    if times.ndim != 1:
        raise ValueError(f"event times must be a 1-D array, got shape {times.shape}")
    bad = np.flatnonzero(~np.isfinite(times) | (times < 0))
    if bad.size:
        raise ValueError(
            f"event times must be finite and >= 0; element {bad[0]} is {times[bad[0]]!r}"
        )
    times = np.sort(times)
    if end is None:
        if times.size < 2:
            raise ValueError("a failure-truncated trend test needs at least 2 event times")
        return [_Process(times[:-1], float(times[-1]), True, float(times[-1]))]
    end = float(end)
    if not np.isfinite(end) or end <= 0:
        raise ValueError(f"end must be a positive number of days, got {end!r}")
    if times.size and times[-1] > end:
        raise ValueError(f"end={end!r} is before the last event time {times[-1]!r}")
    return [_Process(times, end, False)]


def _from_log(log, end, imprecise_onsets) -> tuple[list[_Process], str]:
    if end is not None:
        raise ValueError("end applies to an array of event times; an EpisodeLog is observed over its follow-up")
    line = timeline(log, imprecise_onsets=imprecise_onsets)
    processes = []
    n_at_start = 0
    for subject, start_day, end_day in line.windows[["subject", "start_day", "end_day"]].itertuples(index=False):
        days = line.onsets.loc[line.onsets["subject"].eq(subject), "day"].to_numpy(float)
        days = days[(days >= start_day) & (days <= end_day)] - start_day
        n_at_start += int(np.sum(days <= 0))
        # An onset at the start of a window is usually why logging began; it says
        # nothing about the rate afterwards (and ln(T/0) is undefined).
        processes.append(_Process(days[days > 0], float(end_day - start_day), False))
    note = line.note
    if len(processes) > len(line.origin):
        note += " Each follow-up window is one observed process (gaps in logging are not counted as time)."
    if n_at_start:
        note += f" {n_at_start} onset(s) on the first day of a follow-up window were not counted."
    return processes, note


def _processes(data, end, imprecise_onsets="midpoint") -> tuple[list[_Process], str]:
    if is_log_or_counting_process(data):
        return _from_log(data, end, imprecise_onsets)
    return _from_array(data, end), ""


def _truncation(processes) -> str:
    return "failure-truncated" if processes[0].failure_truncated else "time-truncated"


def _n_events(processes) -> int:
    return int(sum(p.times.size for p in processes))


def _require_events(processes, minimum: int, name: str) -> None:
    if _n_events(processes) < minimum:
        raise ValueError(f"{name} needs at least {minimum} event(s) after truncation, got {_n_events(processes)}")


def _direction_sentence(increasing: bool | None, p: float, label: str) -> str:
    if p >= 0.05 or increasing is None:
        return (
            f"In this log the rate of onsets shows no clear change over time ({label}, {format_p_value(p)}); "
            "the record is compatible with a constant rate, though a modest change cannot be ruled out."
        )
    trend = "more" if increasing else "less"
    return (
        f"In this log, onsets tended to become {trend} frequent over time ({label}, {format_p_value(p)}); "
        "this describes a pattern in the record, not its cause."
    )


def _details(processes, note) -> dict:
    details = {
        "n_events": _n_events(processes),
        "n_processes": len(processes),
        "truncation": _truncation(processes),
        "end": [p.end for p in processes] if len(processes) > 1 else processes[0].end,
    }
    if note:
        details["notes"] = note
    return details


def _laplace_u(processes) -> float:
    numerator = sum(p.times.sum() - p.times.size * p.end / 2.0 for p in processes)
    variance = sum(p.times.size * p.end**2 / 12.0 for p in processes)
    return numerator / np.sqrt(variance)


def laplace_test(data, *, end=None, imprecise_onsets: str = "midpoint") -> TestResult:
    """Laplace (centroid) test for a trend in the rate of onsets.

    U = (sum t_i - n T / 2) / (T sqrt(n / 12)) is approximately N(0, 1) when the
    rate is constant.  Failure-truncated data (``end=None``) use the first n - 1
    onsets with T = t_n.  Pooled over processes q:
    U = sum_q (sum_i t_iq - n_q T_q / 2) / sqrt(sum_q n_q T_q^2 / 12).
    Positive U: onsets are becoming more frequent.

    Parameters
    ----------
    data : array_like, EpisodeLog or CountingProcess
        Event times in days from the start of observation, or a log (each
        subject one process over its follow-up; onsets on the first day of
        follow-up are not counted).
    end : float, optional
        End of observation for an array (time-truncated); ``None`` =
        failure-truncated at the last event.
    imprecise_onsets : {"midpoint", "exclude"}
        How month/year-precision onsets of a log are used.

    Returns
    -------
    TestResult
        ``statistic`` = U, two-sided normal ``p_value``.

    References
    ----------
    NIST/SEMATECH e-Handbook, 8.2.3.4; Kvaloy & Lindqvist (1998).

    Examples
    --------
    >>> r = laplace_test([5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478], end=1500)
    >>> round(r.statistic, 4)
    -1.3269
    """
    processes, note = _processes(data, end, imprecise_onsets)
    _require_events(processes, 1, "The Laplace test")
    u = float(_laplace_u(processes))
    p = float(2 * stats.norm.sf(abs(u)))
    return TestResult(
        statistic=u,
        p_value=p,
        method=f"Laplace trend test ({_truncation(processes)})",
        variance=1.0,
        interpretation=_direction_sentence(u > 0 if u != 0 else None, p, f"Laplace U = {u:.2f}"),
        details=_details(processes, note),
    )


def mil_hdbk_test(data, *, end=None, imprecise_onsets: str = "midpoint") -> TestResult:
    """MIL-HDBK-189 test for a power-law trend.

    Time-truncated: 2 sum ln(T / t_i) ~ chi2(2n) under a constant rate;
    failure-truncated: 2 sum_{i<n} ln(t_n / t_i) ~ chi2(2(n - 1)).  Pooled over
    processes, the statistics and degrees of freedom add.  Small values mean
    onsets are becoming more frequent.

    Parameters
    ----------
    data, end, imprecise_onsets
        As for :func:`laplace_test`.

    Returns
    -------
    TestResult
        ``statistic`` = ``chisq`` = the chi-square statistic, ``df``, two-sided p-value.

    References
    ----------
    MIL-HDBK-189 (1981); NIST/SEMATECH e-Handbook, 8.2.3.4.

    Examples
    --------
    >>> r = mil_hdbk_test([5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478], end=1500)
    >>> round(r.statistic, 2), r.df
    (37.23, 20.0)
    """
    processes, note = _processes(data, end, imprecise_onsets)
    _require_events(processes, 1, "The MIL-HDBK-189 test")
    if any(np.any(p.times <= 0) for p in processes):
        raise ValueError("the MIL-HDBK-189 test needs event times > 0 (ln(T/0) is undefined)")
    chisq = float(sum(2.0 * np.log(p.end / p.times).sum() for p in processes))
    df = float(2 * _n_events(processes))
    p = float(min(1.0, 2 * min(stats.chi2.cdf(chisq, df), stats.chi2.sf(chisq, df))))
    increasing = None if chisq == df else chisq < df
    return TestResult(
        statistic=chisq,
        p_value=p,
        method=f"MIL-HDBK-189 trend test ({_truncation(processes)})",
        df=df,
        chisq=chisq,
        interpretation=_direction_sentence(increasing, p, f"MIL-HDBK-189 chi-square = {chisq:.1f} on {df:g} df"),
        details=_details(processes, note),
    )


def _gaps(process: _Process) -> np.ndarray:
    times = process.times if process.last is None else np.append(process.times, process.last)
    return np.diff(np.concatenate([[0.0], times]))


def lewis_robinson_test(data, *, end=None, imprecise_onsets: str = "midpoint") -> TestResult:
    """Lewis-Robinson test: the Laplace U divided by the gaps' coefficient of variation.

    Dividing by CV = sd(gaps) / mean(gaps) (sd with n - 1, the first gap
    measured from 0) keeps the test's size when the process is a renewal
    process rather than Poisson.  Pooled over processes, the pooled Laplace U is
    divided by the CV of all gaps together.

    Parameters
    ----------
    data, end, imprecise_onsets
        As for :func:`laplace_test`.

    Returns
    -------
    TestResult
        ``statistic`` = U_LR, two-sided normal p-value; ``details["cv"]``.

    References
    ----------
    Lewis, P. A. W. & Robinson, D. W. (1974). Testing for a monotone trend in a
    modulated renewal process. In Reliability and Biometry, SIAM, 163-182.
    Kvaloy & Lindqvist (1998), section 2.

    Examples
    --------
    >>> r = lewis_robinson_test([5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478], end=1500)
    >>> round(r.statistic, 4)
    -1.2011
    """
    processes, note = _processes(data, end, imprecise_onsets)
    _require_events(processes, 1, "The Lewis-Robinson test")
    gaps = np.concatenate([_gaps(p) for p in processes])
    if gaps.size < 2:
        raise ValueError("the Lewis-Robinson test needs at least 2 gaps between onsets")
    cv = float(np.std(gaps, ddof=1) / np.mean(gaps))
    if cv == 0:
        raise ValueError("all gaps between onsets are equal (CV = 0); the Lewis-Robinson statistic is undefined")
    u = float(_laplace_u(processes) / cv)
    p = float(2 * stats.norm.sf(abs(u)))
    details = _details(processes, note)
    details["cv"] = cv
    return TestResult(
        statistic=u,
        p_value=p,
        method=f"Lewis-Robinson trend test ({_truncation(processes)})",
        interpretation=_direction_sentence(u > 0 if u != 0 else None, p, f"Lewis-Robinson U = {u:.2f}"),
        details=details,
    )


@dataclass(frozen=True)
class CrowAMSAAResult:
    """Power-law (Crow-AMSAA) NHPP fit: intensity lam * beta * t^(beta - 1), t in days.

    Attributes
    ----------
    beta : float
        Maximum-likelihood shape; above 1 means onsets arrive faster over time.
    lam : float
        Maximum-likelihood scale (expected onsets by day t: lam * t^beta).
    beta_bias_corrected : float
        (n - 1) beta / n time-truncated, (n - 2) beta / n failure-truncated.
    ci_lower, ci_upper : float
        Confidence interval for beta from 2 n beta / beta_hat ~ chi2(df).
    confidence_level : float
    n_events : int
    df : float
        Degrees of freedom of the pivot: 2n time-truncated, 2(n - 1) failure-truncated.
    truncation : str
    n_processes : int
    ci_exact : bool
        False for pooled processes with unequal follow-up, where the chi-square
        pivot is an approximation.
    interpretation : str
    notes : str
    """

    beta: float
    lam: float
    beta_bias_corrected: float
    ci_lower: float
    ci_upper: float
    confidence_level: float
    n_events: int
    df: float
    truncation: str
    n_processes: int
    ci_exact: bool
    interpretation: str
    notes: str = ""
    _events: tuple = field(default=(), repr=False, compare=False)
    _ends: tuple = field(default=(), repr=False, compare=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One-row table of the fit."""
        return pd.DataFrame(
            [
                {
                    "beta": self.beta,
                    "beta_bias_corrected": self.beta_bias_corrected,
                    "ci_lower": self.ci_lower,
                    "ci_upper": self.ci_upper,
                    "confidence_level": self.confidence_level,
                    "lam": self.lam,
                    "n_events": self.n_events,
                    "truncation": self.truncation,
                }
            ]
        )

    table = summary

    def expected_events(self, t) -> np.ndarray:
        """Expected number of onsets per process by day ``t``: lam * t^beta."""
        return self.lam * np.asarray(t, dtype=float) ** self.beta

    def _repr_html_(self) -> str:
        return result_html("Crow-AMSAA power-law fit", self.summary, self.interpretation)

    def plot(self, ax=None):
        """Cumulative onsets against time (one process) with the fitted lam t^beta."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        events = np.sort(np.concatenate([np.asarray(e, float) for e in self._events])) if self._events else np.array([])
        if events.size:
            ax.step(events, np.arange(1, events.size + 1) / max(self.n_processes, 1), where="post", label="observed (per process)")
        grid = np.linspace(0, max(self._ends) if self._ends else 1.0, 200)
        ax.plot(grid, self.expected_events(grid), label=f"power law, beta = {self.beta:.2f}")
        ax.set_xlabel("days since start of observation")
        ax.set_ylabel("cumulative onsets")
        ax.legend()
        return ax


def _pooled_beta(processes) -> float:
    n = _n_events(processes)
    sum_log_t = float(sum(np.log(p.times).sum() for p in processes))
    ends = np.array([p.end for p in processes])
    log_ends = np.log(ends)

    def score(beta):
        # Profile score with lam = N / sum T_q^beta substituted; scaled to avoid overflow.
        w = np.exp(beta * (log_ends - log_ends.max()))
        return n / beta + sum_log_t - n * np.dot(w, log_ends) / w.sum()

    lo, hi = 1e-6, 1.0
    while score(hi) > 0:
        hi *= 2.0
        if hi > 1e6:
            raise ValueError("the power-law shape has no finite maximum-likelihood estimate for these data")
    return float(optimize.brentq(score, lo, hi, xtol=1e-14, rtol=1e-14))


def crow_amsaa(data, *, end=None, confidence_level: float = 0.95, imprecise_onsets: str = "midpoint") -> CrowAMSAAResult:
    """Fit the Crow-AMSAA (power-law non-homogeneous Poisson) model.

    Time-truncated: beta = n / sum ln(T / t_i), lam = n / T^beta;
    failure-truncated: beta = n / sum_{i<n} ln(t_n / t_i), lam = n / t_n^beta.
    Several processes with common (lam, beta): lam = N / sum T_q^beta and beta
    solves the profile score equation numerically.  The confidence interval for
    beta uses 2 n beta / beta_hat ~ chi2(2n) (time-truncated) or chi2(2(n - 1))
    (failure-truncated); it is exact for one process and for pooled processes
    with equal follow-up, approximate otherwise (``ci_exact``).

    Parameters
    ----------
    data, end, imprecise_onsets
        As for :func:`laplace_test`.
    confidence_level : float

    Returns
    -------
    CrowAMSAAResult

    References
    ----------
    Crow (1974); MIL-HDBK-189 (1981), Appendix C; NIST/SEMATECH e-Handbook 8.1.7.2.

    Examples
    --------
    >>> fit = crow_amsaa([5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478], end=1500)
    >>> round(fit.beta, 4), round(fit.beta_bias_corrected, 6)
    (0.5372, 0.483506)
    """
    check_confidence_level(confidence_level)
    processes, note = _processes(data, end, imprecise_onsets)
    failure = processes[0].failure_truncated
    n = _n_events(processes) + (1 if failure else 0)
    if n < (3 if failure else 2):
        raise ValueError(f"the Crow-AMSAA fit needs at least {3 if failure else 2} events, got {n}")
    if any(np.any(p.times <= 0) for p in processes):
        raise ValueError("the Crow-AMSAA fit needs event times > 0")
    if len(processes) == 1:
        p = processes[0]
        beta = n / float(np.log(p.end / p.times).sum())
        lam = n / p.end**beta
    else:
        beta = _pooled_beta(processes)
        lam = n / float(sum(p.end**beta for p in processes))
    corrected = (n - 2) * beta / n if failure else (n - 1) * beta / n
    df = 2.0 * (n - 1) if failure else 2.0 * n
    alpha = 1 - confidence_level
    ci_lower = beta * stats.chi2.ppf(alpha / 2, df) / (2 * n)
    ci_upper = beta * stats.chi2.ppf(1 - alpha / 2, df) / (2 * n)
    ci_exact = len({p.end for p in processes}) == 1
    if ci_lower > 1:
        reading = "onsets arriving faster over time"
    elif ci_upper < 1:
        reading = "onsets arriving more slowly over time"
    else:
        reading = "no clear change in the rate (the interval includes 1, a constant rate)"
    interpretation = (
        f"A power-law fit gives beta = {beta:.2f} ({confidence_level:.0%} CI {ci_lower:.2f} to {ci_upper:.2f}), "
        f"consistent with {reading}; it summarises the record and does not explain it."
    )
    notes = note
    if not ci_exact:
        notes = (notes + " " if notes else "") + "Follow-up lengths differ, so the chi-square CI is approximate."
    return CrowAMSAAResult(
        beta=float(beta),
        lam=float(lam),
        beta_bias_corrected=float(corrected),
        ci_lower=float(ci_lower),
        ci_upper=float(ci_upper),
        confidence_level=confidence_level,
        n_events=int(n),
        df=df,
        truncation=_truncation(processes),
        n_processes=len(processes),
        ci_exact=ci_exact,
        interpretation=interpretation,
        notes=notes,
        _events=tuple(tuple(p.times) + ((p.last,) if p.last is not None else ()) for p in processes),
        _ends=tuple(p.end for p in processes),
    )
