"""Onset rates by calendar year and month, over rolling 12-month windows, and by month of year.

Each rate is onsets per year at risk (episode days are not at risk), with an
exact Poisson (Garwood) confidence interval.  A calendar period only counts the
time a subject was observed and at risk in it, so partly logged years are not
mistaken for quiet ones.  Every function takes an EpisodeLog or a
:class:`~spasm_analysis.CountingProcess` built from one; time at risk is the
counting-process rows either way (:func:`.timeline.split_at_risk`).

References
----------
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437-442.
Ulm, K. (1990). A simple method to calculate the confidence interval of a
    standardized mortality ratio. American Journal of Epidemiology 131, 373-375.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..results import TestResult, format_p_value
from .display import interval_plot, result_html
from ..options import check_confidence_level, check_number
from .poisson import poisson_ci
from .precision import onset_interval
from .timeline import DAY, is_counting_process, logged, split_at_risk, timeline

__all__ = ["yearly_rates", "monthly_rates", "rolling_rates", "seasonality", "RateTable"]

PER_YEAR = 365.25
MONTH_NAMES = tuple(calendar.month_name[1:])


@dataclass(frozen=True)
class RateTable:
    """Onset rates per period.

    Attributes
    ----------
    table : DataFrame
        ``period, events, days_at_risk, rate_per_year, ci_lower, ci_upper``.
    confidence_level : float
    kind : str
        ``"calendar year"``, ``"calendar month"``, ``"rolling 12 months"`` or ``"month of year"``.
    test : TestResult or None
        For seasonality: likelihood-ratio test of equal rates in all months.
    interpretation : str
    notes : str
    """

    table: pd.DataFrame
    confidence_level: float
    kind: str
    interpretation: str
    test: TestResult | None = None
    notes: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """The rate table."""
        return self.table

    def _repr_html_(self) -> str:
        return result_html(f"Onset rate by {self.kind}", self.table, self.interpretation)

    def plot(self, ax=None):
        """Rate per year at risk by period, with its exact confidence interval."""
        t = self.table
        rolling = self.kind.startswith("rolling") or self.kind == "calendar month"
        x = pd.to_datetime(t["period"]) if rolling else np.arange(len(t))
        ax = interval_plot(
            ax, x, t["rate_per_year"], t["ci_lower"], t["ci_upper"], ylabel="onsets per year at risk",
            labels=None if rolling else t["period"], line=rolling,
        )
        ax.set_xlabel(self.kind)
        return ax


def calendar_edges(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Period starts (``"YS"`` years or ``"MS"`` months) from the period holding ``first``
    to the first boundary at or after ``last``."""
    period = "Y" if freq == "YS" else "M"
    lo = first.to_period(period).start_time
    hi = last.to_period(period).start_time
    if hi < last:
        hi = (last.to_period(period) + 1).start_time
    return pd.date_range(lo, hi, freq=freq)


def split_calendar(line, edges: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Events and at-risk days in each period [edges[k], edges[k+1]), summed over subjects."""
    n = len(edges) - 1
    events = np.zeros(n)
    days = np.zeros(n)
    for subject, rows in line.at_risk.groupby("subject", sort=False):
        cut = ((edges - line.origin[subject]) / DAY).to_numpy(float)
        d, e = split_at_risk(rows["start"].to_numpy(float), rows["stop"].to_numpy(float), rows["event"].to_numpy(), cut)
        days += d
        events += e
    return events, days


def rate_columns(events, days, confidence_level) -> pd.DataFrame:
    """``events, days_at_risk, rate_per_year, ci_lower, ci_upper`` with exact (Garwood) limits."""
    events, days = np.asarray(events, dtype=float), np.asarray(days, dtype=float)
    lower, upper = poisson_ci(events, confidence_level=confidence_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(days > 0, PER_YEAR / days, np.nan)
    return pd.DataFrame(
        {
            "events": events.astype(int),
            "days_at_risk": days,
            "rate_per_year": events * scale,
            "ci_lower": lower * scale,
            "ci_upper": upper * scale,
        }
    )


def _rate_frame(period, events, days, confidence_level) -> pd.DataFrame:
    table = rate_columns(events, days, confidence_level)
    table.insert(0, "period", period)
    return table


def _line(log, imprecise_onsets, risk_free_days, assume_duration_days):
    return timeline(
        log, imprecise_onsets=imprecise_onsets, at_risk=True,
        risk_free_days=risk_free_days, assume_duration_days=assume_duration_days,
    )


def _span(line) -> tuple[pd.Timestamp, pd.Timestamp]:
    return line.windows["start"].min(), line.windows["end"].max()


def yearly_rates(
    log, *, confidence_level: float = 0.95, imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0, assume_duration_days: float | None = None,
) -> RateTable:
    """Onsets per year at risk in each calendar year, with exact Poisson CIs.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    confidence_level : float
    imprecise_onsets : {"midpoint", "exclude"}
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.

    Returns
    -------
    RateTable
        Years without time at risk have NaN rates (and are named in ``notes``).

    References
    ----------
    Garwood (1936).

    Examples
    --------
    >>> sa.yearly_rates(log).table  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    line = _line(log, imprecise_onsets, risk_free_days, assume_duration_days)
    first, last = _span(line)
    edges = calendar_edges(first, last, "YS")
    events, days = split_calendar(line, edges)
    table = _rate_frame(edges[:-1].year, events, days, confidence_level)
    notes = line.note
    empty = table.loc[table["days_at_risk"] == 0, "period"].tolist()
    if empty:
        notes += f" No time at risk (not logged) in {', '.join(map(str, empty))}: rates there are NaN."
    return RateTable(table, confidence_level, "calendar year", _rate_sentence(table, "year"), notes=notes)


def monthly_rates(
    log, *, confidence_level: float = 0.95, imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0, assume_duration_days: float | None = None,
) -> RateTable:
    """Onsets per year at risk in each calendar month, with exact Poisson CIs.

    A month's rate is its onsets divided by its days at risk (follow-up
    minus episode days and any ``risk_free_days``), the same definition as
    every other rate here; an onset counts in the month of its date.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
    confidence_level, imprecise_onsets, risk_free_days, assume_duration_days
        As for :func:`yearly_rates`.

    Returns
    -------
    RateTable
        ``period`` is the first day of the month; months without time at
        risk have NaN rates.

    References
    ----------
    Garwood (1936).

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> log = sa.EpisodeLog(
    ...     pd.DataFrame({"subject": "me", "onset": pd.to_datetime(["2020-01-10", "2020-02-03"]),
    ...                   "end": pd.to_datetime(["2020-01-13", "2020-02-05"])}),
    ...     follow_up=pd.DataFrame({"subject": ["me"], "start": pd.to_datetime(["2020-01-01"]),
    ...                             "end": pd.to_datetime(["2020-02-29"])}))
    >>> sa.monthly_rates(log).table[["period", "events", "days_at_risk"]]
          period  events  days_at_risk
    0 2020-01-01       1          28.0
    1 2020-02-01       1          26.0
    """
    check_confidence_level(confidence_level)
    line = _line(log, imprecise_onsets, risk_free_days, assume_duration_days)
    first, last = _span(line)
    edges = calendar_edges(first, last, "MS")
    events, days = split_calendar(line, edges)
    table = _rate_frame(edges[:-1], events, days, confidence_level)
    return RateTable(table, confidence_level, "calendar month", _rate_sentence(table, "month"), notes=line.note)


def rolling_rates(
    log, *, window_months: int = 12, confidence_level: float = 0.95, imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0, assume_duration_days: float | None = None,
) -> RateTable:
    """Onsets per year at risk over a rolling window ending at each month's end.

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    window_months : int
        Window length (12 = rolling year).
    confidence_level, imprecise_onsets, risk_free_days, assume_duration_days
        As for :func:`yearly_rates`.

    Returns
    -------
    RateTable
        ``period`` is the window's end (first instant of the next month).

    Examples
    --------
    >>> sa.rolling_rates(log).plot()  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_number("window_months", window_months, at_least=1, whole=True)
    line = _line(log, imprecise_onsets, risk_free_days, assume_duration_days)
    first, last = _span(line)
    edges = calendar_edges(first, last, "MS")
    events, days = split_calendar(line, edges)
    w = int(window_months)
    if len(events) < w:
        raise ValueError(f"follow-up spans {len(events)} month(s), shorter than the {w}-month window")
    kernel = np.ones(w)
    events_w = np.convolve(events, kernel, mode="valid")
    days_w = np.convolve(days, kernel, mode="valid")
    table = _rate_frame(edges[w:], events_w, days_w, confidence_level)
    kind = "rolling 12 months" if w == 12 else f"rolling {w} months"
    return RateTable(table, confidence_level, kind, _rate_sentence(table, f"{w}-month window"), notes=line.note)


def _without_unknown_month(log) -> tuple[object, int, int]:
    """The log without onsets whose month is unknown, and how many imprecise onsets were kept / left out.

    An imprecise onset whose interval (:func:`.precision.onset_interval`) lies in
    one calendar month is kept (placed mid-interval, inside that month); one
    whose interval spans months (a season, a year) is left out.
    """
    ep = logged(log).episodes
    earliest, latest = onset_interval(ep)
    imprecise = latest > earliest
    same_month = earliest.dt.to_period("M") == latest.dt.to_period("M")
    unknown = imprecise & ~same_month
    n_kept, n_out = int((imprecise & same_month).sum()), int(unknown.sum())
    return (log.replace(episodes=ep[~unknown]) if n_out and not is_counting_process(log) else log), n_kept, n_out


def _season_note(n_month: int, n_year: int) -> str:
    parts = []
    if n_month:
        parts.append(f"{n_month} onset(s) known only to the month (or part of it) are counted in their month "
                     "(placed mid-interval).")
    if n_year:
        parts.append(f"{n_year} onset(s) known only to a season or year are left out here, because their month is "
                     "unknown; their time still counts as observed, which lowers every month's rate by about the "
                     "same share and does not change the comparison between months.")
    return " ".join(parts) or "All onsets have day precision."


def seasonality(
    log, *, confidence_level: float = 0.95,
    risk_free_days: float = 0.0, assume_duration_days: float | None = None,
) -> RateTable:
    """Onset rate by month of year, with a test of equal rates in all months.

    The test compares a Poisson model with one rate per calendar month against
    a single rate (likelihood ratio, chi-square on 11 df), with at-risk days as
    the offset.  Onsets known only to the month count in their month; onsets
    known only to a season or year cannot be given a month and are left out
    (``notes`` says how many).

    Returns
    -------
    RateTable
        ``period`` = month name, ``month`` = its number 1-12; ``test`` holds the
        likelihood-ratio test.

    References
    ----------
    McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models, 2nd ed., ch. 6.

    Examples
    --------
    >>> sa.seasonality(log).test.p_value  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    placed, n_month, n_year = _without_unknown_month(log)
    if n_year and is_counting_process(log):
        raise ValueError(
            f"{n_year} onset(s) of the log this CountingProcess was built from are known only to a season or year, "
            "so their month is unknown; pass the EpisodeLog (they are then left out), or place them with "
            "sa.place_onsets before sa.to_counting_process")
    line = _line(placed, "midpoint", risk_free_days, assume_duration_days)
    first, last = _span(line)
    edges = calendar_edges(first, last, "MS")
    events, days = split_calendar(line, edges)
    month = edges[:-1].month.to_numpy()
    by_events = np.bincount(month, weights=events, minlength=13)[1:]
    by_days = np.bincount(month, weights=days, minlength=13)[1:]
    table = _rate_frame(list(MONTH_NAMES), by_events, by_days, confidence_level)
    table.insert(1, "month", np.arange(1, 13))
    test = _equal_rates_test(by_events, by_days)
    lo, hi = table["rate_per_year"].idxmin(), table["rate_per_year"].idxmax()
    interpretation = (
        f"Onset rates ranged from {table.at[lo, 'rate_per_year']:.1f} per year at risk in {MONTH_NAMES[lo]} "
        f"to {table.at[hi, 'rate_per_year']:.1f} in {MONTH_NAMES[hi]}; a test of equal rates in every month gives "
        f"{format_p_value(test.p_value)}, so "
        + ("the log shows some seasonal pattern" if test.p_value < 0.05 else "the log shows no clear seasonal pattern")
        + " (an association with the time of year, not a cause)."
    )
    return RateTable(table, confidence_level, "month of year", interpretation, test=test,
                     notes=_season_note(n_month, n_year))


def _equal_rates_test(events: np.ndarray, days: np.ndarray) -> TestResult:
    keep = days > 0
    y, exposure = events[keep], days[keep]
    # The one-rate-per-month model is saturated, so its likelihood-ratio statistic
    # against a common rate is the Poisson deviance of the common-rate fit.
    mu = exposure * y.sum() / exposure.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        chisq = float(2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
    df = float(len(y) - 1)
    p = float(stats.chi2.sf(chisq, df))
    return TestResult(
        statistic=chisq, p_value=p, method="likelihood-ratio test of equal monthly rates (Poisson)",
        df=df, chisq=chisq,
        interpretation=f"Equal rates in every month: chi-square = {chisq:.1f} on {df:g} df, {format_p_value(p)}.",
    )


def _rate_sentence(table: pd.DataFrame, unit: str) -> str:
    observed = table[table["days_at_risk"] > 0]
    if observed.empty:
        return "The log has no time at risk, so no rate can be given."
    lo, hi = observed["rate_per_year"].idxmin(), observed["rate_per_year"].idxmax()
    return (
        f"Across {len(observed)} {unit}(s) with time at risk, the onset rate ranged from "
        f"{observed.at[lo, 'rate_per_year']:.1f} to {observed.at[hi, 'rate_per_year']:.1f} per year at risk "
        "(exact intervals in the table); differences between single periods are often within chance."
    )
