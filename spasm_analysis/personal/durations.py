"""How long do episodes last, and is that changing over the years?

Durations (end minus onset, in days) are summarised per calendar year (by
:func:`spasm_analysis.episode_durations`), and their trend is estimated by regressing log duration on calendar time with
heteroscedasticity-robust (HC3) standard errors: exp(slope) is the factor by
which the typical (geometric-mean) duration changes per year.

References
----------
MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. Journal of
    Econometrics 29, 305-325.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..nonparametric import episode_durations
from ..results import format_p_value
from .display import result_html
from ..options import check_confidence_level
from .timeline import DAY

__all__ = ["duration_trend", "DurationTrendResult"]

_MIN_DURATION = 0.5  # days: an episode over the day it began is logged as lasting 0 days


@dataclass(frozen=True)
class DurationTrendResult:
    """Episode durations by year and their trend.

    Attributes
    ----------
    table : DataFrame
        Per calendar year of onset, as :func:`spasm_analysis.episode_durations` gives it
        (``year, n_episodes, median_days, q1_days, q3_days, ...``), for the episodes used.
    ratio_per_year, ci_lower, ci_upper, p_value : float
        exp(slope) of log duration on calendar years, HC3 interval and p-value.
    n_episodes : int
        Episodes with a known end and a day-precision onset.
    durations : DataFrame
        ``onset, duration_days`` used.
    confidence_level : float
    interpretation : str
    notes : str
    """

    table: pd.DataFrame
    ratio_per_year: float
    ci_lower: float
    ci_upper: float
    p_value: float
    n_episodes: int
    durations: pd.DataFrame
    confidence_level: float
    interpretation: str
    notes: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """The per-year table."""
        return self.table

    def _repr_html_(self) -> str:
        return result_html("Episode duration by year", self.table, self.interpretation)

    def plot(self, ax=None):
        """Durations against onset date (log scale) with the fitted trend."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        d = self.durations
        ax.plot(d["onset"], d["duration_days"], "o", alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("onset")
        ax.set_ylabel("episode length (days)")
        return ax


def duration_trend(log, *, confidence_level: float = 0.95) -> DurationTrendResult:
    """Summarise episode durations per calendar year and estimate their trend.

    Parameters
    ----------
    log : EpisodeLog
    confidence_level : float

    Returns
    -------
    DurationTrendResult

    References
    ----------
    MacKinnon & White (1985).

    Examples
    --------
    >>> sa.duration_trend(log).ratio_per_year  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    ep = log.episodes
    precise = ep["onset_precision"].fillna("day").eq("day") if "onset_precision" in ep.columns else pd.Series(True, index=ep.index)
    known = ep["end"].notna()
    used = ep[precise & known]
    notes = []
    if (~precise).any():
        notes.append(f"{int((~precise).sum())} episode(s) with onset known only to the month or year were left out (their length is unknown).")
    if (precise & ~known).any():
        notes.append(f"{int((precise & ~known).sum())} episode(s) without an end were left out.")
    if len(used) < 3:
        raise ValueError(f"a duration trend needs at least 3 episodes with a known end and day-precision onset, got {len(used)}")
    days = ((used["end"] - used["onset"]) / DAY).to_numpy(float)
    if (days < _MIN_DURATION).any():
        notes.append(f"{int((days < _MIN_DURATION).sum())} episode(s) shorter than half a day were counted as half a day.")
    days = np.maximum(days, _MIN_DURATION)
    onset = used["onset"].reset_index(drop=True)
    years = ((onset - onset.min()) / pd.Timedelta(days=365.25)).to_numpy(float)
    # The per-year summary is the package's episode_durations; this module adds the trend.
    table = episode_durations(used).by_year
    if np.ptp(years) == 0:
        raise ValueError("all episodes with a known length began on the same day; no trend can be estimated")
    fit = sm.OLS(np.log(days), sm.add_constant(years)).fit(cov_type="HC3")
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    ratio, lo, hi, p = np.exp(slope), np.exp(slope - z * se), np.exp(slope + z * se), float(fit.pvalues[1])
    if p < 0.05:
        reading = "longer" if ratio > 1 else "shorter"
        change = f"episodes tended to get {reading} over the years"
    else:
        change = "episode length shows no clear change over the years"
    interpretation = (
        f"In this log {change}: the typical length changed by a factor of {ratio:.2f} per year "
        f"({confidence_level:.0%} CI {lo:.2f} to {hi:.2f}, {format_p_value(p)}); a description of the record, not an explanation."
    )
    return DurationTrendResult(
        table=table, ratio_per_year=float(ratio), ci_lower=float(lo), ci_upper=float(hi), p_value=p,
        n_episodes=int(len(used)), durations=pd.DataFrame({"onset": onset, "duration_days": days}),
        confidence_level=confidence_level, interpretation=interpretation, notes=" ".join(notes),
    )
