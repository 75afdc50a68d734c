"""Before/after a treatment start: segmented regression of monthly onset counts.

Monthly onset counts (the month of the start split at the start date) are
modelled with at-risk days as exposure:

    log E[count_m] = log(days_m) + b0 + b1 t_m + b2 after_m + b3 t_m after_m,

t_m the month's midpoint in years since the start.  exp(b2) is the immediate
change in rate at the start (level change), exp(b3) the change in the yearly
trend (slope change).  Poisson, or negative binomial (NB2, dispersion estimated)
when months vary more than Poisson allows.

Treatment is usually started *because* of a bad stretch, and a bad stretch is
usually followed by a better one whatever is done (regression to the mean).
The result always carries that caveat and flags it explicitly when the months
just before the start had more onsets than the earlier baseline.

References
----------
Wagner, A. K., Soumerai, S. B., Zhang, F. & Ross-Degnan, D. (2002). Segmented
    regression analysis of interrupted time series studies in medication use
    research. Journal of Clinical Pharmacy and Therapeutics 27, 299-309.
Bernal, J. L., Cummins, S. & Gasparrini, A. (2017). Interrupted time series
    regression for the evaluation of public health interventions: a tutorial.
    International Journal of Epidemiology 46, 348-355.
Barnett, A. G., van der Pols, J. C. & Dobson, A. J. (2005). Regression to the
    mean: what it is and how to deal with it. International Journal of
    Epidemiology 34, 215-220.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..results import format_p_value
from .display import result_html
from .estimable import separation_direction, too_wide
from ..options import check_confidence_level, check_number, check_option
from .poisson import exact_rate_ratio
from .rates import calendar_edges, split_calendar
from .timeline import timeline

__all__ = ["before_after", "BeforeAfterResult", "FAMILIES"]

FAMILIES = ("poisson", "negative-binomial")


@dataclass(frozen=True)
class BeforeAfterResult:
    """Segmented regression around a treatment start.

    Attributes
    ----------
    start : Timestamp
    family : str
    level_change, level_ci_lower, level_ci_upper, level_p_value : float
        Rate ratio just after vs just before the start (exp(b2)).
    slope_change, slope_ci_lower, slope_ci_upper, slope_p_value : float
        Change in the yearly rate ratio trend (exp(b3)); NaN when the log cannot
        estimate it (``notes`` and ``interpretation`` say why).
    pre_trend : float
        Yearly rate ratio before the start (exp(b1)); NaN when not estimable.
    dispersion : float or None
        NB2 alpha (None for Poisson).
    rate_before, rate_after : float
        Crude onsets per year at risk before and after.
    rtm_flag : bool
        True when the start followed a stretch worse than the earlier baseline.
    caveat : str
        The regression-to-the-mean caveat, with what the check found.
    table : DataFrame
        Monthly ``period, events, days_at_risk, after, years, fitted``.
    confidence_level : float
    interpretation : str
    notes : str
    terms : tuple of str
        The terms of the model used: the full model has ``baseline, pre_trend,
        level, slope``; a term the log cannot estimate (no finite maximum-likelihood
        estimate, or an interval wider than a factor of 10,000) is dropped and the
        simpler model fitted, never reported as a number.
    """

    start: pd.Timestamp
    family: str
    level_change: float
    level_ci_lower: float
    level_ci_upper: float
    level_p_value: float
    slope_change: float
    slope_ci_lower: float
    slope_ci_upper: float
    slope_p_value: float
    pre_trend: float
    dispersion: float | None
    rate_before: float
    rate_after: float
    rtm_flag: bool
    caveat: str
    table: pd.DataFrame
    confidence_level: float
    interpretation: str
    notes: str = ""
    terms: tuple = ("baseline", "pre_trend", "level", "slope")

    @property
    def summary(self) -> pd.DataFrame:
        """Level and slope change with confidence limits."""
        return pd.DataFrame(
            {
                "term": ["level change (rate ratio at start)", "slope change (per year)"],
                "estimate": [self.level_change, self.slope_change],
                "ci_lower": [self.level_ci_lower, self.slope_ci_lower],
                "ci_upper": [self.level_ci_upper, self.slope_ci_upper],
                "p_value": [self.level_p_value, self.slope_p_value],
                "confidence_level": self.confidence_level,
            }
        )

    def _repr_html_(self) -> str:
        return result_html(f"Before/after {self.start:%Y-%m-%d} ({self.family})", self.summary, self.interpretation, self.caveat)

    def plot(self, ax=None):
        """Monthly onset rates (points) with the fitted segmented trend and the start marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        t = self.table[self.table["days_at_risk"] > 0]
        when = pd.to_datetime(t["period"])
        ax.plot(when, t["events"] / t["days_at_risk"] * 30.4375, "o", alpha=0.6, label="observed")
        for after in (False, True):
            part = t[t["after"] == after]
            ax.plot(pd.to_datetime(part["period"]), part["fitted"] / part["days_at_risk"] * 30.4375, "-", label="fitted" if after else None)
        ax.axvline(self.start, color="grey", ls="--", lw=1)
        ax.set_ylabel("onsets per 30 days at risk")
        ax.legend()
        return ax


def _resolve_start(log, start) -> tuple[pd.Timestamp, str]:
    if isinstance(start, str) and start in tuple(log.modalities):
        first = log.treatments.loc[log.treatments["modality"] == start, "start"].min()
        return pd.Timestamp(first), f"the first {start} session"
    try:
        stamp = pd.Timestamp(start)
    except (TypeError, ValueError):
        known = ", ".join(log.modalities) or "none"
        raise ValueError(f"start={start!r} is neither a date nor a treatment modality in the log (modalities present: {known})") from None
    return stamp, f"{stamp:%Y-%m-%d}"


def _monthly(line, start: pd.Timestamp) -> pd.DataFrame:
    first, last = line.windows["start"].min(), line.windows["end"].max()
    if not (first < start < last):
        raise ValueError(f"the start {start:%Y-%m-%d} must fall inside follow-up ({first:%Y-%m-%d} to {last:%Y-%m-%d})")
    months = calendar_edges(first, last, "MS")
    edges = months.union(pd.DatetimeIndex([start]))
    events, days = split_calendar(line, edges)
    mid = edges[:-1] + (edges[1:] - edges[:-1]) / 2
    table = pd.DataFrame({
        "period": edges[:-1], "events": events.astype(int), "days_at_risk": days,
        "after": edges[:-1] >= start, "years": (mid - start) / pd.Timedelta(days=365.25),
    })
    return table


#: Terms of the full model (column order of the design), and the simpler models tried in turn
#: when a term cannot be estimated from the log.
_TERMS = ("baseline", "pre_trend", "level", "slope")
_MODELS = ((0, 1, 2, 3), (0, 1, 2), (0, 2))
_TERM_WORDS = {"pre_trend": "the yearly trend before the start", "level": "the change in rate at the start",
               "slope": "the change in the yearly trend after the start"}


@dataclass(frozen=True)
class _Fit:
    """One fitted model: full-length parameter arrays, NaN for terms left out."""

    params: np.ndarray
    bse: np.ndarray
    pvalues: np.ndarray
    dispersion: float | None
    fitted: np.ndarray
    terms: tuple


def _fit_model(y, X, offset, family: str, columns) -> _Fit:
    Xs = X[:, list(columns)]
    if family == "poisson":
        fit = sm.GLM(y, Xs, family=sm.families.Poisson(), offset=offset).fit(tol=1e-12, maxiter=200)
        params, bse, pvalues, dispersion, fitted = fit.params, fit.bse, fit.pvalues, None, fit.predict()
    else:
        model = sm.NegativeBinomial(y, Xs, offset=offset)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NB2 iteration warnings; convergence is checked below
            fit = model.fit(disp=0, maxiter=500)
            # Polish with Newton steps from the BFGS optimum (BFGS stops early); near the
            # Poisson boundary (dispersion -> 0) Newton can fail, and BFGS is kept.
            polished = model.fit(start_params=fit.params, disp=0, method="newton", maxiter=100)
        if (np.all(np.isfinite(polished.params)) and np.all(np.isfinite(polished.bse))
                and polished.mle_retvals.get("converged", False)):
            fit = polished
        if not fit.mle_retvals.get("converged", True):
            raise RuntimeError("the negative-binomial fit did not converge; try family='poisson'")
        k = len(columns)
        params, bse, pvalues = fit.params[:k], fit.bse[:k], fit.pvalues[:k]
        dispersion, fitted = float(fit.params[k]), fit.predict(which="mean")
    full = [np.full(len(_TERMS), np.nan) for _ in range(3)]
    for arr, values in zip(full, (params, bse, pvalues)):
        arr[list(columns)] = np.asarray(values, dtype=float)
    return _Fit(*full, dispersion, np.asarray(fitted, dtype=float), tuple(_TERMS[c] for c in columns))


def _fit(table: pd.DataFrame, family: str) -> tuple[_Fit, pd.Index, list[str]]:
    """The richest model whose terms the log can estimate, and why richer ones were dropped."""
    used = table[table["days_at_risk"] > 0]
    after = used["after"].astype(float).to_numpy()
    X = np.column_stack([np.ones(len(used)), used["years"], after, used["years"] * after])
    y = used["events"].to_numpy()
    offset = np.log(used["days_at_risk"].to_numpy())
    reasons = []
    for columns in _MODELS:
        direction = separation_direction(X[:, list(columns)], y)
        if direction is not None:
            names = [_TERMS[c] for c, d in zip(columns, direction) if d != 0 and c > 0]
            reasons.append(_separation_words(names))
            continue
        fit = _fit_model(y, X, offset, family, columns)
        wide = [t for t in fit.terms[1:] if too_wide(fit.bse[_TERMS.index(t)])]
        if wide:
            reasons.append("the log holds too little information about "
                           + " and ".join(_TERM_WORDS[t] for t in wide)
                           + " (its interval would span more than a factor of 10,000)")
            continue
        return fit, used.index, reasons
    return None, used.index, reasons


def _separation_words(names) -> str:
    what = " and ".join(_TERM_WORDS.get(t, t) for t in names) or "the model"
    return (f"{what} cannot be estimated: the onsets are arranged so that a steeper and steeper fit keeps "
            "matching them better (for example, none on one side of the start, or all of them in its first months)")


def before_after(
    log,
    *,
    start,
    family: str = "poisson",
    lookback_months: int = 3,
    confidence_level: float = 0.95,
    imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
) -> BeforeAfterResult:
    """Segmented regression of monthly onset counts around a treatment start.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    start : date-like or str
        The start date, or a treatment modality (its first session).
    family : {"poisson", "negative-binomial"}
    lookback_months : int
        The stretch before the start compared with the earlier baseline for the
        regression-to-the-mean flag.
    confidence_level : float
    imprecise_onsets : {"midpoint", "exclude"}
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.

    Returns
    -------
    BeforeAfterResult

    References
    ----------
    Wagner et al. (2002); Bernal et al. (2017); Barnett et al. (2005).

    Examples
    --------
    >>> sa.before_after(log, start="massage").summary  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_option("family", family, FAMILIES)
    check_number("lookback_months", lookback_months, at_least=1, whole=True)
    line = timeline(log, imprecise_onsets=imprecise_onsets, at_risk=True, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    stamp, label = _resolve_start(line.log, start)
    table = _monthly(line, stamp)
    before, after = table[~table["after"]], table[table["after"]]
    if before["days_at_risk"].sum() <= 0 or after["days_at_risk"].sum() <= 0:
        raise ValueError(f"there must be time at risk both before and after {label}")
    fit, used, reasons = _fit(table, family)
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    table["fitted"] = np.nan
    rate_before = before["events"].sum() / before["days_at_risk"].sum() * 365.25
    rate_after = after["events"].sum() / after["days_at_risk"].sum() * 365.25
    if fit is None:
        # Not even a level change fits (no onsets on one side): the exact ratio of the two rates.
        ratio_exact = exact_rate_ratio(int(after["events"].sum()), float(after["days_at_risk"].sum()),
                                       int(before["events"].sum()), float(before["days_at_risk"].sum()),
                                       confidence_level=confidence_level)
        level, slope, pre_trend, dispersion = ratio_exact, (np.nan,) * 4, np.nan, None
        reasons.append("the level change is the exact ratio of the rates after and before the start")
    else:
        table.loc[used, "fitted"] = fit.fitted

        def ratio(k):
            b, se, p = fit.params[k], fit.bse[k], fit.pvalues[k]
            return float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)), float(p)

        level, slope, pre_trend, dispersion = ratio(2), ratio(3), float(np.exp(fit.params[1])), fit.dispersion
    flag, caveat = _rtm_check(before, stamp, int(lookback_months))
    level_text = (
        f"Around {label}, the onset rate changed by a factor of {level[0]:.2f} "
        f"({confidence_level:.0%} CI {level[1]:.2f} to {level[2]:.2f}, {format_p_value(level[3])})"
    )
    if np.isfinite(slope[0]):
        level_text += f", and the yearly trend by a factor of {slope[0]:.2f} ({slope[1]:.2f} to {slope[2]:.2f})"
    else:
        level_text += ("; the change in the yearly trend after the start cannot be estimated from this log (too few "
                       "months or onsets on one side of the start), so no number is given for it (see notes)")
    level_text += "; a before/after difference in one record does not show that the treatment caused it"
    interpretation = level_text + (", and the start followed a bad stretch (see caveat)." if flag else ".")
    notes = " ".join([line.note] + [f"Simpler model used: {r}." for r in reasons])
    return BeforeAfterResult(
        start=stamp, family=family,
        level_change=level[0], level_ci_lower=level[1], level_ci_upper=level[2], level_p_value=level[3],
        slope_change=slope[0], slope_ci_lower=slope[1], slope_ci_upper=slope[2], slope_p_value=slope[3],
        pre_trend=pre_trend, dispersion=dispersion,
        rate_before=float(rate_before), rate_after=float(rate_after), rtm_flag=flag, caveat=caveat,
        table=table, confidence_level=confidence_level, interpretation=interpretation, notes=notes,
        terms=fit.terms if fit is not None else ("level",),
    )


def _rtm_check(before: pd.DataFrame, start: pd.Timestamp, lookback_months: int) -> tuple[bool, str]:
    general = (
        "Treatments are often started because of a bad stretch, and bad stretches tend to be followed by "
        "better ones anyway (regression to the mean), so part of any improvement may have happened without it."
    )
    cut = start - pd.DateOffset(months=lookback_months)
    recent = before[before["period"] >= cut]
    earlier = before[before["period"] < cut]
    a, t1 = int(recent["events"].sum()), float(recent["days_at_risk"].sum())
    b, t0 = int(earlier["events"].sum()), float(earlier["days_at_risk"].sum())
    if t1 <= 0 or t0 <= 0:
        return False, general + " There is too little time before the start to check for a preceding bad stretch."
    if a + b == 0 or b == 0:
        return a > 0, general + f" Onsets before the start: {a} in the last {lookback_months} months, {b} earlier."
    rr, lo, _, p = exact_rate_ratio(a, t1, b, t0)
    flag = bool(a > 0 and (lo > 1 or rr >= 1.5))
    found = (
        f" In the {lookback_months} months before the start the onset rate was {rr:.2f} times the earlier rate "
        f"(exact {format_p_value(p)})"
    )
    found += ": the start followed a bad stretch, so this caveat applies with force." if flag else "."
    return flag, general + found
