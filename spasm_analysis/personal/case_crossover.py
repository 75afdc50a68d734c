"""What sets it off?  Time-stratified case-crossover for a suspected trigger.

For each onset (the *case* day) the exposure in a hazard window just before it
(the onset day and the ``hazard_days`` days before) is compared with the same
window before *referent* days of the same person: the other days with the same
weekday in the same calendar month (the time-stratified design, which avoids
the overlap bias of other referent schemes).  Conditional logistic regression
over these strata gives an odds ratio that approximates the rate ratio of
onsets after exposure versus not.

Referent days inside an episode (not at risk) or whose hazard window leaves
follow-up, or leaves the span over which the exposure was logged (first to
last record, value-0 records included), are not used.  A day counts as exposed when the exposures table holds
a record of the trigger in its window; days without a record count as
unexposed.  That only works when the trigger was logged on ordinary days too:
if every record lies on or just before an episode day, the data cannot answer
the question and :func:`case_crossover` refuses.

References
----------
Maclure, M. (1991). The case-crossover design: a method for studying transient
    effects on the risk of acute events. American Journal of Epidemiology 133, 144-153.
Janes, H., Sheppard, L. & Lumley, T. (2005). Case-crossover analyses of air
    pollution exposure data: referent selection strategies and their implications
    for bias. Epidemiology 16, 717-726.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.discrete.conditional_models import ConditionalLogit

from ..results import format_p_value
from .display import result_html
from ..options import check_confidence_level, check_number
from .timeline import DAY, timeline

__all__ = ["case_crossover", "CaseCrossoverResult", "ExposureNotInformativeError"]


class ExposureNotInformativeError(ValueError):
    """The exposure data cannot answer a trigger question (e.g. logged only on episode days)."""


@dataclass(frozen=True)
class CaseCrossoverResult:
    """Odds ratio of exposure before onsets vs before referent days.

    Attributes
    ----------
    odds_ratio, ci_lower, ci_upper, p_value : float
        Conditional-logistic estimate, Wald interval and p-value.
    exposure : str
    hazard_days : int
    n_cases : int
        Onsets used (day-precision onsets with at least one referent day).
    n_referents : int
    n_informative : int
        Strata where exposure differs between case and referent days.
    exposed_cases, exposed_referents : float
        Share of case days / referent days with exposure in the window.
    table : DataFrame
        One row per case or referent day: ``stratum, day, case, exposed``.
    confidence_level : float
    interpretation : str
    notes : str
    """

    odds_ratio: float
    ci_lower: float
    ci_upper: float
    p_value: float
    exposure: str
    hazard_days: int
    n_cases: int
    n_referents: int
    n_informative: int
    exposed_cases: float
    exposed_referents: float
    table: pd.DataFrame
    confidence_level: float
    interpretation: str
    notes: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """One-row table of the estimate."""
        return pd.DataFrame([{
            "exposure": self.exposure, "hazard_days": self.hazard_days, "odds_ratio": self.odds_ratio,
            "ci_lower": self.ci_lower, "ci_upper": self.ci_upper, "confidence_level": self.confidence_level,
            "p_value": self.p_value, "n_cases": self.n_cases, "n_referents": self.n_referents,
            "n_informative": self.n_informative,
        }])

    def _repr_html_(self) -> str:
        return result_html(f"Case-crossover: {self.exposure}", self.summary, self.interpretation)

    def plot(self, ax=None):
        """Share of case and referent days with the exposure in their window."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        ax.bar(["before onsets", "referent days"], [self.exposed_cases, self.exposed_referents])
        ax.set_ylabel(f"share exposed within {self.hazard_days} day(s) before")
        ax.set_title(self.exposure)
        return ax


def _exposure_days(log, exposure: str) -> tuple[pd.DataFrame, tuple[pd.Timestamp, pd.Timestamp]]:
    ex = log.exposures
    known = sorted(ex["exposure"].dropna().unique()) if len(ex) else []
    if exposure not in known:
        triggers = log.episodes["trigger"] if "trigger" in log.episodes.columns else pd.Series(dtype=object)
        mentioned = triggers.astype(str).str.contains(exposure, case=False, regex=False).sum() if len(triggers) else 0
        if mentioned:
            raise ExposureNotInformativeError(
                f"{exposure!r} appears only as the suspected trigger of {mentioned} episode(s), i.e. it was noted only "
                "on episode days. Comparing exposure before onsets with other days needs a record of the exposure "
                "(or of its absence) on ordinary days too; add those to the exposures table."
            )
        if not known:
            raise ValueError(
                f"this log has no exposures table, so {exposure!r} cannot be studied as a trigger: that needs a record "
                "of when you were exposed (e.g. a file with a date and an exposure per row, such as 'cold pool' or "
                "'long sitting'), kept on days with and without an episode"
            )
        raise ValueError(f"exposure {exposure!r} is not in the exposures table; exposures present: {', '.join(known)}")
    rows = ex[ex["exposure"] == exposure].copy()
    # Days outside the span the exposure was logged over are unknown, not unexposed.
    span = (rows["time"].min().normalize(), rows["time"].max().normalize())
    if "value" in rows.columns:
        value = rows["value"]
        off = value.isin([0, False]) | value.astype(str).str.strip().str.lower().isin(["0", "no", "false", "n"])
        rows = rows[~off.to_numpy()]
    rows["date"] = rows["time"].dt.normalize()
    return rows[["subject", "date"]].drop_duplicates(), span


def _episode_days(line, hazard_days: int) -> dict:
    """Per subject, sorted (first_day, last_day) of each episode, with and without the hazard lead-in."""
    out = {}
    for subject, ep in line.log.episodes.groupby("subject", sort=False):
        onset = ep["onset"].dt.normalize()
        end = ep["end"].where(ep["end"].notna(), ep["onset"]).dt.normalize()
        out[subject] = (onset.to_numpy(), end.to_numpy(), (onset - hazard_days * DAY).to_numpy())
    return out


def _check_informative(exposed: pd.DataFrame, episodes: dict, exposure: str, hazard_days: int) -> None:
    outside = 0
    for subject, days in exposed.groupby("subject"):
        if subject not in episodes:
            outside += len(days)
            continue
        _, end, lead = episodes[subject]
        d = days["date"].to_numpy()
        near = ((d[:, None] >= lead[None, :]) & (d[:, None] <= end[None, :])).any(axis=1)
        outside += int((~near).sum())
    if outside == 0:
        raise ExposureNotInformativeError(
            f"every record of {exposure!r} ({len(exposed)} day(s)) lies on an episode day or in the {hazard_days} day(s) "
            "before one. That is how triggers logged only when a flare happens look, and it cannot show an effect: "
            "exposure would appear before every episode by construction. The case-crossover comparison needs the "
            "exposure logged on ordinary days as well (days without a record are then read as unexposed)."
        )


def _design(line, exposed: pd.DataFrame, episodes: dict, hazard_days: int, span) -> pd.DataFrame:
    rows = []
    stratum = 0
    for subject, onsets in line.onsets.groupby("subject", sort=False):
        ex_days = np.sort(exposed.loc[exposed["subject"] == subject, "date"].to_numpy())
        win = line.windows[line.windows["subject"] == subject]
        onset_day, end_day, _ = episodes[subject]
        for case in onsets["onset"].dt.normalize():
            if case - hazard_days * DAY < span[0] or case > span[1]:
                continue
            month = pd.date_range(case.to_period("M").start_time, case.to_period("M").end_time.normalize(), freq="D")
            same = month[(month.weekday == case.weekday()) & (month != case)]
            observed = (same - hazard_days * DAY >= span[0]) & (same <= span[1])
            in_window = np.zeros(len(same), dtype=bool)
            for lo, hi in zip(win["start"], win["end"]):
                in_window |= (same - hazard_days * DAY >= lo.normalize()) & (same <= hi)
            observed &= in_window
            in_episode = ((same.to_numpy()[:, None] >= onset_day[None, :]) & (same.to_numpy()[:, None] <= end_day[None, :])).any(axis=1)
            referents = same[observed & ~in_episode]
            if len(referents) == 0:
                continue
            days = pd.DatetimeIndex([case]).append(referents)
            lo_idx = np.searchsorted(ex_days, (days - hazard_days * DAY).to_numpy(), side="left")
            hi_idx = np.searchsorted(ex_days, days.to_numpy(), side="right")
            flag = (hi_idx > lo_idx).astype(int)
            for k, (day, e) in enumerate(zip(days, flag)):
                rows.append((subject, stratum, day, int(k == 0), int(e)))
            stratum += 1
    return pd.DataFrame(rows, columns=["subject", "stratum", "day", "case", "exposed"])


def case_crossover(
    log,
    *,
    exposure: str,
    hazard_days: int = 2,
    confidence_level: float = 0.95,
    imprecise_onsets: str = "exclude",
) -> CaseCrossoverResult:
    """Time-stratified case-crossover estimate for a suspected trigger.

    Parameters
    ----------
    log : EpisodeLog
    exposure : str
        A name in the exposures table's ``exposure`` column.
    hazard_days : int
        The hazard window is the onset day and this many days before it.
    confidence_level : float
    imprecise_onsets : {"exclude", "midpoint"}
        Month/year-precision onsets have no weekday to match; they are left out
        by default.

    Returns
    -------
    CaseCrossoverResult

    Raises
    ------
    ExposureNotInformativeError
        When the trigger was recorded only on (or just before) episode days, or
        only as an episode's suspected ``trigger``: the data cannot answer the question.
    ValueError
        For an unknown exposure (the message lists the known ones) or when no
        stratum has both exposed and unexposed days.

    References
    ----------
    Maclure (1991); Janes, Sheppard & Lumley (2005).

    Examples
    --------
    >>> sa.case_crossover(log, exposure="cold pool", hazard_days=1)  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_number("hazard_days", hazard_days, at_least=0, whole=True)
    hazard_days = int(hazard_days)
    line = timeline(log, imprecise_onsets=imprecise_onsets)
    exposed, span = _exposure_days(line.log, exposure)
    episodes = _episode_days(line, hazard_days)
    _check_informative(exposed, episodes, exposure, hazard_days)
    data = _design(line, exposed, episodes, hazard_days, span)
    if data.empty:
        raise ValueError("no onset has a usable referent day (same weekday and month, at risk, inside follow-up)")
    varies = data.groupby("stratum")["exposed"].transform(lambda e: e.nunique() > 1)
    informative = data[varies]
    n_informative = int(informative["stratum"].nunique())
    if n_informative == 0:
        raise ValueError(
            f"no onset's stratum has both exposed and unexposed days for {exposure!r}, so the odds ratio is not estimable"
        )
    _check_not_separated(informative, exposure)
    fit = ConditionalLogit(informative["case"].to_numpy(), informative[["exposed"]].to_numpy(float), groups=informative["stratum"].to_numpy()).fit(disp=0, method="newton", tol=1e-12)
    beta, se = float(fit.params[0]), float(fit.bse[0])
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    odds, lo, hi, p = np.exp(beta), np.exp(beta - z * se), np.exp(beta + z * se), float(fit.pvalues[0])
    cases, refs = data[data["case"] == 1], data[data["case"] == 0]
    interpretation = (
        f"Onsets were preceded by {exposure} (same day or up to {hazard_days} day(s) before) with an odds ratio of "
        f"{odds:.2f} compared with matched days of the same month ({confidence_level:.0%} CI {lo:.2f} to {hi:.2f}, "
        f"{format_p_value(p)}); this is an association in the log, not proof that it sets episodes off."
    )
    notes = line.note + (
        f" Exposure was logged from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}; onsets and referent days whose "
        "window falls outside that span were not used."
    )
    if n_informative < 10:
        notes += f" Only {n_informative} stratum(s) carry information; the estimate is imprecise."
    return CaseCrossoverResult(
        odds_ratio=float(odds), ci_lower=float(lo), ci_upper=float(hi), p_value=p, exposure=exposure,
        hazard_days=hazard_days, n_cases=int(len(cases)), n_referents=int(len(refs)), n_informative=n_informative,
        exposed_cases=float(cases["exposed"].mean()), exposed_referents=float(refs["exposed"].mean()),
        table=data, confidence_level=confidence_level, interpretation=interpretation, notes=notes,
    )


def _check_not_separated(informative: pd.DataFrame, exposure: str) -> None:
    """Refuse when the odds ratio has no finite estimate (complete separation).

    If every onset in a stratum with mixed exposure was exposed (or every one
    unexposed), the conditional likelihood keeps rising as the log odds ratio goes
    to +/- infinity, and the information matrix is singular at any finite value.
    """
    case_exposure = informative.loc[informative["case"] == 1, "exposed"]
    if case_exposure.nunique() == 1:
        state = "exposed" if case_exposure.iloc[0] else "unexposed"
        bound = "infinite" if case_exposure.iloc[0] else "zero"
        raise ValueError(
            f"every onset with a matched day of different exposure was {state} to {exposure!r} "
            f"({len(case_exposure)} onsets), so the odds ratio estimate is {bound} and has no finite "
            "confidence interval; more onsets, or a longer logged span, are needed"
        )
