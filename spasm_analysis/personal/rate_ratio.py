"""Did a treatment help?  Onset rate inside versus outside exposed periods.

Exposed periods are a modality's sessions or courses, each extended by
``carryover_days`` (overlapping periods merged), or periods given explicitly.
Time at risk excludes episode days (see :func:`spasm_analysis.to_counting_process`);
an onset at day t counts as exposed when a period (start, end] contains t, the
same convention as the ``on_<modality>`` columns of the counting process.

References
----------
Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research II,
    IARC, section 2.4.
Rothman, K. J., Greenland, S. & Lash, T. L. (2008). Modern Epidemiology, 3rd ed., ch. 14.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..results import format_p_value
from .display import interval_plot, result_html
from ..options import check_confidence_level, check_number, check_option
from .poisson import exact_rate_ratio, poisson_ci
from .stratified import WITHIN_WORDS, stratified_rate_ratio
from .timeline import DAY, days_at_risk_until, merge_periods, timeline

__all__ = ["rate_ratio", "RateRatioResult", "exposure_periods", "WITHIN_CHOICES"]

#: ``within=`` choices of :func:`rate_ratio`: the person's stretches of constant rate or calendar blocks
#: to compare within, or "all" (crude).
WITHIN_CHOICES = ("stretches", "years", "half-years", "quarters", "all")

_PER = 365.25  # rates are reported per year at risk


@dataclass(frozen=True)
class RateRatioResult:
    """Onset rate inside vs outside exposed periods, with exact conditional inference.

    Attributes
    ----------
    rate_ratio : float
        (events_exposed / time_exposed) / (events_unexposed / time_unexposed).
    ci_lower, ci_upper : float
        Exact conditional confidence limits: mid-p within the strata of
        ``within`` (the default), Clopper-Pearson based for ``within="all"``.
    p_value : float
        Two-sided exact conditional test of a rate ratio of 1 (mid-p within
        strata; the exact binomial test for ``within="all"``).
    events_exposed, events_unexposed : int
    time_exposed, time_unexposed : float
        Days at risk.
    confidence_level : float
    exposure : str
        What "exposed" meant.
    carryover_days : float
    interpretation : str
    notes : str
    """

    rate_ratio: float
    ci_lower: float
    ci_upper: float
    p_value: float
    events_exposed: int
    events_unexposed: int
    time_exposed: float
    time_unexposed: float
    confidence_level: float
    exposure: str
    carryover_days: float
    interpretation: str
    notes: str = ""

    @property
    def table(self) -> pd.DataFrame:
        """One row per arm: events, days at risk, rate per year at risk with exact CI."""
        events = np.array([self.events_exposed, self.events_unexposed])
        days = np.array([self.time_exposed, self.time_unexposed])
        lower, upper = poisson_ci(events, confidence_level=self.confidence_level)
        return pd.DataFrame(
            {
                "period": ["exposed", "unexposed"],
                "events": events,
                "days_at_risk": days,
                "rate_per_year": events / days * _PER,
                "ci_lower": lower / days * _PER,
                "ci_upper": upper / days * _PER,
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One-row table of the rate ratio."""
        return pd.DataFrame(
            [
                {
                    "exposure": self.exposure,
                    "rate_ratio": self.rate_ratio,
                    "ci_lower": self.ci_lower,
                    "ci_upper": self.ci_upper,
                    "confidence_level": self.confidence_level,
                    "p_value": self.p_value,
                    "events_exposed": self.events_exposed,
                    "events_unexposed": self.events_unexposed,
                    "time_exposed": self.time_exposed,
                    "time_unexposed": self.time_unexposed,
                }
            ]
        )

    def _repr_html_(self) -> str:
        return result_html(f"Rate ratio, {self.exposure}", self.table, self.interpretation)

    def plot(self, ax=None):
        """Rates per year at risk inside and outside the exposed periods, with exact CIs."""
        t = self.table
        ax = interval_plot(ax, [0, 1], t["rate_per_year"], t["ci_lower"], t["ci_upper"], ylabel="onsets per year at risk", labels=t["period"])
        ax.set_xlim(-0.5, 1.5)
        ax.set_title(self.exposure)
        return ax


def exposure_periods(log, exposed, *, carryover_days: float = 0.0) -> tuple[pd.DataFrame, str]:
    """Exposed periods (``subject, start, end``) from a modality name or a table.

    Raises
    ------
    ValueError
        For an unknown modality (listing those in the log) or a malformed table.
    """
    check_number("carryover_days", carryover_days, at_least=0)
    if isinstance(exposed, str):
        known = tuple(log.modalities)
        if exposed not in known:
            raise ValueError(
                f"treatment modality {exposed!r} is not in the log; modalities present: {', '.join(known) or 'none'}"
            )
        tr = log.treatments[log.treatments["modality"] == exposed]
        periods = tr[["subject", "start", "end"]].copy()
        label = f"{exposed} sessions/courses"
    elif isinstance(exposed, pd.DataFrame):
        missing = [c for c in ("subject", "start", "end") if c not in exposed.columns]
        if missing and not (missing == ["subject"] and len(log.subjects) == 1):
            raise ValueError(f"exposed periods need columns subject, start, end; missing: {', '.join(missing)}")
        periods = exposed.copy()
        if "subject" not in periods.columns:
            periods["subject"] = log.subjects[0]
        periods = periods[["subject", "start", "end"]]
        for column in ("start", "end"):
            periods[column] = pd.to_datetime(periods[column])
        bad = periods.index[~(periods["end"] >= periods["start"])]
        if len(bad):
            row = bad[0]
            raise ValueError(
                f"exposed periods row {row}: end {periods.at[row, 'end']} is missing or before start {periods.at[row, 'start']}"
            )
        label = "the given exposed periods"
    else:
        raise TypeError(f"exposed must be a modality name (str) or a DataFrame of periods, not {type(exposed).__name__}")
    periods["end"] = periods["end"] + pd.to_timedelta(carryover_days, unit="D")
    if carryover_days:
        label += f" plus {carryover_days:g} carry-over day(s)"
    return periods.reset_index(drop=True), label


def split_exposed(line, periods: pd.DataFrame) -> tuple[int, int, float, float]:
    """Events and at-risk days inside / outside the periods (given as timestamps)."""
    a = b = 0
    t1 = t0 = 0.0
    for subject, rows in line.at_risk.groupby("subject", sort=False):
        p = periods[periods["subject"] == subject]
        origin = line.origin[subject]
        starts, ends = merge_periods(((p["start"] - origin) / DAY).to_numpy(float), ((p["end"] - origin) / DAY).to_numpy(float))
        lo, hi = rows["start"].to_numpy(float), rows["stop"].to_numpy(float)
        inside = float(np.sum(days_at_risk_until(lo, hi, ends) - days_at_risk_until(lo, hi, starts)))
        t1 += inside
        t0 += (hi - lo).sum() - inside
        stop = hi[rows["event"].to_numpy() == 1]
        if len(starts):
            j = np.searchsorted(starts, stop, side="left") - 1
            exposed = (j >= 0) & (stop <= ends[np.maximum(j, 0)])
        else:
            exposed = np.zeros(len(stop), dtype=bool)
        a += int(exposed.sum())
        b += int((~exposed).sum())
    return a, b, float(t1), float(t0)


def _interpretation(r: RateRatioResult, within: str = "all") -> str:
    level = f"{r.confidence_level:.0%}"
    other = "at other times" if within == "all" else (
        f"at other times in the same {WITHIN_WORDS[within]}, season and time since the last episode")
    tail = "this is an association in the record, not proof that the exposure caused the difference."
    if r.events_exposed + r.events_unexposed == 0:
        return "No onsets occurred in the time at risk, so the log cannot compare the two periods."
    if r.events_exposed == 0:
        return (
            f"No onsets occurred during {r.exposure} ({r.time_exposed:.0f} days at risk); the data are compatible "
            f"with a rate there of up to {r.ci_upper:.2f} times the rate {other} ({level} upper limit); {tail}"
        )
    if r.events_unexposed == 0:
        return (
            f"All {r.events_exposed} onsets fell during {r.exposure}; the rate there is at least {r.ci_lower:.2f} "
            f"times the rate {other} ({level} lower limit); {tail}"
        )
    return (
        f"Onsets were {r.rate_ratio:.2f} times as frequent during {r.exposure} as {other} "
        f"({level} CI {r.ci_lower:.2f} to {r.ci_upper:.2f}, {format_p_value(r.p_value)}); {tail}"
    )


def rate_ratio(
    log,
    *,
    exposed,
    carryover_days: float = 0,
    confidence_level: float = 0.95,
    imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
    within: str = "stretches",
) -> RateRatioResult:
    """Onsets per at-risk day inside vs outside exposed periods, with an exact CI.

    Conditional on the total number of onsets n = a + b, the number a inside the
    exposed periods is Binomial(n, RR T1 / (RR T1 + T0)); Clopper-Pearson limits
    for that proportion give exact limits for RR, and the exact binomial test of
    RR = 1 gives the p-value (``within="all"``).  By default the same
    conditioning is done within strata (see ``within``) and combined into one
    mid-p interval and test (Martin & Austin 1991).  Zero onsets in one arm is a normal answer (RR = 0
    with a finite upper limit, or RR = inf with a finite lower limit).

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    exposed : str or DataFrame
        A treatment modality (its sessions or courses) or periods
        ``subject, start, end`` (``subject`` optional for one person).
    carryover_days : float
        Days each period is extended after its end.
    confidence_level : float
    imprecise_onsets : {"midpoint", "exclude"}
        Month/year-precision onsets are placed mid-period by default: leaving
        them out while keeping their time as episode-free would invent quiet
        stretches.  :func:`~spasm_analysis.treatment_effect` also shows how
        far the answer moves between placements.
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.
    within : {"stretches", "years", "half-years", "quarters", "all"}
        Compare exposed with unexposed time within the same period, season
        and band of time since the last episode ended (0-10, 10-20, 20-40,
        40-80 days, later), the comparison of
        :func:`~spasm_analysis.treatment_effect`: treatment taken in a bad
        stretch is then not compared with quiet years, and treatment started
        because of an episode is not credited with the lull that follows any
        episode.  The periods are the person's own stretches of constant onset
        rate (``"stretches"``, found by the change-point engine) or calendar
        blocks.  The rate ratio, interval and p-value are the exact
        conditional mid-p ones within those strata (the counts and days stay
        the totals).  ``"all"``: the crude comparison with all other time and
        its exact conditional interval -- it finds "effects" in most logs
        where treatment follows bad stretches.  For "did it help?" use
        :func:`~spasm_analysis.treatment_effect`, which also shows how far
        the answer moves with the placement of remembered onsets.

    Returns
    -------
    RateRatioResult

    Raises
    ------
    ValueError
        When the exposed (or unexposed) periods contain no time at risk, or the
        modality is unknown (the message lists the known ones).

    References
    ----------
    Breslow & Day (1987), section 2.4.

    Examples
    --------
    >>> r = sa.rate_ratio(log, exposed="massage", carryover_days=14)  # doctest: +SKIP
    >>> r.rate_ratio, r.ci_lower, r.ci_upper                            # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_option("within", within, WITHIN_CHOICES)
    line = timeline(
        log, imprecise_onsets=imprecise_onsets, at_risk=True,
        risk_free_days=risk_free_days, assume_duration_days=assume_duration_days,
    )
    periods, label = exposure_periods(line.log, exposed, carryover_days=carryover_days)
    a, b, t1, t0 = split_exposed(line, periods)
    if t1 <= 0:
        raise ValueError(
            f"no time at risk falls inside {label}: there is nothing to compare "
            "(check the periods lie inside follow-up and outside episodes)"
        )
    if t0 <= 0:
        raise ValueError(f"all time at risk falls inside {label}: there is no unexposed time to compare with")
    estimate, lower, upper, p = exact_rate_ratio(a, t1, b, t0, confidence_level=confidence_level)
    notes = line.note
    if within != "all" and a + b > 0:

        fit = stratified_rate_ratio(line, periods, within, confidence_level)
        estimate, lower, upper, p = fit["rate_ratio"], fit["ci_lower"], fit["ci_upper"], fit["p_value"]
        notes += (f" Compared within the same {WITHIN_WORDS[within]}, season and time since the last episode "
                  "(exact conditional mid-p interval); within='all' gives the crude comparison with all other time.")
        if fit["reason"]:
            notes += f" Not estimable: {fit['reason']}."
    if a + b == 0:
        warnings.warn("no onsets in the time at risk: the rate ratio is undefined (NaN)", RuntimeWarning, stacklevel=2)
        notes += " No onsets in the time at risk: the rate ratio is undefined."
    elif b == 0:
        notes += " No onsets outside the exposed periods: the rate ratio and its upper limit are infinite."
    result = RateRatioResult(
        rate_ratio=estimate, ci_lower=lower, ci_upper=upper, p_value=p,
        events_exposed=a, events_unexposed=b, time_exposed=t1, time_unexposed=t0,
        confidence_level=confidence_level, exposure=label, carryover_days=float(carryover_days),
        interpretation="", notes=notes,
    )
    return _with_interpretation(result, within)


def _with_interpretation(result: RateRatioResult, within: str = "all") -> RateRatioResult:
    from dataclasses import replace

    return replace(result, interpretation=_interpretation(result, within))
