"""When is the next one likely?  A Weibull renewal model of the gaps between episodes.

Each gap runs from the end of an episode (plus any risk-free days) to the next
onset; the gap still open at the end of follow-up is censored.  Gaps are fitted
with a Weibull distribution, S(t) = exp(-(t / scale)^shape) (lifelines'
``WeibullFitter``), and the probability of an onset within the next h days,
given s days since the last episode ended, is 1 - S(s + h) / S(s).  A
Kaplan-Meier estimate of the same quantity is shown as a model-free check, and a
seeded bootstrap over gaps gives the confidence interval (refits use the same
maximum-likelihood estimator through its one-dimensional profile, which is much
faster than refitting with lifelines and gives the same estimates).

The renewal model assumes gaps are alike over the years; if the trend tests
show a changing rate, treat the forecast with extra caution.

References
----------
Cook, R. J. & Lawless, J. F. (2007). The Statistical Analysis of Recurrent
    Events, Springer, section 4.1 (renewal processes, gap times).
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13
    (percentile intervals).
Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. JOSS 4(40), 1317.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter, WeibullFitter
from scipy import optimize

from .display import result_html
from .poisson import check_level
from .timeline import one_subject, timeline

__all__ = ["forecast_next_episode", "ForecastResult", "gaps_after_episodes"]

_MIN_GAP = 0.5  # days; dates are day-resolution, so a gap of 0 means "within the day"


@dataclass(frozen=True)
class ForecastResult:
    """Probability of an onset within given horizons under a Weibull renewal model.

    Attributes
    ----------
    table : DataFrame
        ``horizon_days, probability, ci_lower, ci_upper, km_probability``.
    days_since_end : float
        Days since the last episode ended (the conditioning time).
    shape, scale : float
        Weibull parameters (lifelines' ``rho_`` and ``lambda_``), scale in days.
    n_gaps, n_censored : int
    n_bootstrap : int
    seed : int
    confidence_level : float
    gaps : DataFrame
        ``subject, duration, observed`` used for the fit.
    interpretation : str
    notes : str
    """

    table: pd.DataFrame
    days_since_end: float
    shape: float
    scale: float
    n_gaps: int
    n_censored: int
    n_bootstrap: int
    seed: int
    confidence_level: float
    gaps: pd.DataFrame
    interpretation: str
    notes: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """The forecast table."""
        return self.table

    def survival(self, t) -> np.ndarray:
        """Weibull probability that a gap lasts longer than ``t`` days."""
        return np.exp(-((np.asarray(t, float) / self.scale) ** self.shape))

    def _repr_html_(self) -> str:
        return result_html("Chance of a new onset (Weibull renewal model)", self.table, self.interpretation)

    def plot(self, ax=None):
        """Weibull and Kaplan-Meier survival of the gaps between episodes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        km = KaplanMeierFitter().fit(self.gaps["duration"], self.gaps["observed"])
        ax.step(km.survival_function_.index, km.survival_function_.iloc[:, 0], where="post", label="Kaplan-Meier")
        grid = np.linspace(0, self.gaps["duration"].max(), 200)
        ax.plot(grid, self.survival(grid), label=f"Weibull (shape {self.shape:.2f})")
        ax.axvline(self.days_since_end, color="grey", ls="--", lw=1)
        ax.set_xlabel("days since the previous episode ended")
        ax.set_ylabel("share of gaps still without an onset")
        ax.legend()
        return ax


def gaps_after_episodes(line) -> pd.DataFrame:
    """Gaps from an episode's end to the next onset (or censoring), from the at-risk intervals.

    The stretch from the start of a follow-up window to the first onset is not
    a gap after an episode and is left out.
    """
    ar = line.at_risk
    window_starts = set(zip(line.windows["subject"], line.windows["start_day"]))
    after_episode = np.array([(s, lo) not in window_starts for s, lo in zip(ar["subject"], ar["start"])], dtype=bool)
    gaps = ar[after_episode]
    return pd.DataFrame({
        "subject": gaps["subject"].to_numpy(),
        "duration": np.maximum((gaps["stop"] - gaps["start"]).to_numpy(float), _MIN_GAP),
        "observed": gaps["event"].to_numpy(int),
    })


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


def _progress(i: int, total: int) -> None:
    done = int(30 * i / total)
    sys.stderr.write(f"\rbootstrap [{'#' * done}{'.' * (30 - done)}] {i}/{total}")
    if i == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


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
    imprecise_onsets: str = "exclude",
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
) -> ForecastResult:
    """Probability of an onset within the next 7/30/90 days, from past gaps.

    Parameters
    ----------
    log : EpisodeLog
    horizons : sequence of float
        Horizons in days.
    days_since_end : float, optional
        Days since the last episode ended.  By default: from the last episode's
        end (plus risk-free days) to the end of follow-up of ``subject`` (or of
        the only subject).
    subject : str, optional
        Whose open gap to condition on, for a log with several subjects (gaps of
        all subjects are pooled for the fit).
    n_bootstrap : int
        Bootstrap resamples of the gaps for the confidence interval (0 = none).
    seed : int
        Seed of the bootstrap, so the interval is reproducible.
    confidence_level : float
    progress : bool
        Show a text progress bar (works in notebooks and terminals, no extra dependency).
    imprecise_onsets : {"exclude", "midpoint"}
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.

    Returns
    -------
    ForecastResult

    References
    ----------
    Cook & Lawless (2007), section 4.1; Efron & Tibshirani (1993).

    Examples
    --------
    >>> sa.forecast_next_episode(log, n_bootstrap=200).table  # doctest: +SKIP
    """
    check_level(confidence_level)
    horizons = np.asarray(horizons, dtype=float)
    if horizons.ndim != 1 or not np.all(np.isfinite(horizons) & (horizons > 0)):
        raise ValueError(f"horizons must be positive numbers of days, got {horizons.tolist()!r}")
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be a whole number >= 0, got {n_bootstrap!r}")
    line = timeline(log, imprecise_onsets=imprecise_onsets, at_risk=True, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    gaps = gaps_after_episodes(line)
    n_events = int(gaps["observed"].sum())
    if n_events < 3:
        raise ValueError(f"a gap-time model needs at least 3 completed gaps between episodes, got {n_events}")
    since, since_note = _days_since_end(line, gaps, days_since_end, subject)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' convergence chatter; the fit is checked below
        fitter = WeibullFitter().fit(gaps["duration"], gaps["observed"])
    shape, scale = float(fitter.rho_), float(fitter.lambda_)
    probability = _conditional(shape, scale, since, horizons)
    lower = upper = np.full(len(horizons), np.nan)
    notes = [line.note, since_note]
    if n_bootstrap:
        rng = np.random.default_rng(seed)
        t, d = gaps["duration"].to_numpy(float), gaps["observed"].to_numpy(int)
        draws = np.full((int(n_bootstrap), len(horizons)), np.nan)
        for b in range(int(n_bootstrap)):
            idx = rng.integers(0, len(t), len(t))
            k, lam = _weibull_profile_mle(t[idx], d[idx])
            if np.isfinite(k):
                draws[b] = _conditional(k, lam, since, horizons)
            if progress and ((b + 1) % max(1, int(n_bootstrap) // 50) == 0 or b + 1 == n_bootstrap):
                _progress(b + 1, int(n_bootstrap))
        failed = int(np.isnan(draws[:, 0]).sum())
        if failed:
            notes.append(f"{failed} bootstrap resample(s) had no completed gap and were skipped.")
        alpha = 1 - confidence_level
        lower, upper = np.nanquantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    else:
        notes.append("No bootstrap requested (n_bootstrap=0): the interval is not available (NaN).")
    km = KaplanMeierFitter().fit(gaps["duration"], gaps["observed"])
    km_prob = _km_conditional(km, since, horizons)
    if np.isnan(km_prob).any():
        notes.append("The Kaplan-Meier check is NaN where the horizon reaches past the longest observed gap.")
    table = pd.DataFrame({"horizon_days": horizons, "probability": probability, "ci_lower": lower, "ci_upper": upper, "km_probability": km_prob})
    k = int(np.argmin(np.abs(horizons - 30))) if len(horizons) else 0
    interpretation = (
        f"If future gaps resemble the {len(gaps)} past ones, the chance of a new onset within the next "
        f"{horizons[k]:g} days, {since:.0f} days after the last episode ended, is about {probability[k]:.0%}"
        + (f" ({confidence_level:.0%} CI {lower[k]:.0%} to {upper[k]:.0%})" if n_bootstrap else "")
        + "; this is a statistical summary of the log, not a prediction to act on."
    )
    return ForecastResult(
        table=table, days_since_end=float(since), shape=shape, scale=scale, n_gaps=int(len(gaps)),
        n_censored=int(len(gaps) - n_events), n_bootstrap=int(n_bootstrap), seed=int(seed),
        confidence_level=confidence_level, gaps=gaps, interpretation=interpretation,
        notes=" ".join(n for n in notes if n),
    )


def _days_since_end(line, gaps, days_since_end, subject) -> tuple[float, str]:
    if days_since_end is not None:
        if not (np.isfinite(days_since_end) and days_since_end >= 0):
            raise ValueError(f"days_since_end must be a number of days >= 0, got {days_since_end!r}")
        return float(days_since_end), ""
    subject = one_subject(line.origin.index, subject, alternative="days_since_end=")
    last = line.at_risk[line.at_risk["subject"] == subject].iloc[-1]
    if last["event"] == 1:
        raise ValueError(f"subject {subject!r}'s follow-up ends during an episode; pass days_since_end=")
    since = float(last["stop"] - last["start"])
    return since, f"Conditioning on {since:.0f} days since the last episode ended (at the end of follow-up)."


def _km_conditional(km, since: float, horizons: np.ndarray) -> np.ndarray:
    last_time = float(km.survival_function_.index.max())
    s0 = float(km.survival_function_at_times(since).iloc[0])
    out = np.full(len(horizons), np.nan)
    if s0 <= 0:
        return out
    for i, h in enumerate(horizons):
        if since + h <= last_time:
            out[i] = 1 - float(km.survival_function_at_times(since + h).iloc[0]) / s0
    return out
