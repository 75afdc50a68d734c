"""Self-controlled risk windows (SCCS style) after treatment sessions.

Each person is their own control: the onset rate in windows after each
session (by default (0, 3], (3, 14] and (14, 28] days after it starts) is
compared with the rate in other time at risk of the same person in the same
calendar year (``calendar=``), adjusted for season or calendar month, by
conditional Poisson regression (a Poisson GLM with one intercept per person
and year, which gives the same relative incidences as the conditional
likelihood).  Windows are half-open day intervals after the
session's start: an onset dated on the session day itself counts as before it
(a date is read as its midnight, and at-risk intervals are (start, stop]).
When windows of successive sessions overlap, the most recent session counts.

The design assumes that treatment timing does not depend on past episodes.
Sessions booked because of an onset break it; :func:`risk_windows` checks
whether sessions start within ``clustering_days`` after an onset more often
than random timing would give, and flags the result when they do.

References
----------
Farrington, C. P. (1995). Relative incidence estimation from case series for
    vaccine safety evaluation. Biometrics 51, 228-235.
Whitaker, H. J., Farrington, C. P., Spiessens, B. & Musonda, P. (2006). Tutorial
    in biostatistics: the self-controlled case series method. Statistics in
    Medicine 25, 1768-1797.
Farrington, C. P., Whitaker, H. J. & Hocine, M. N. (2009). Case series analysis
    for censored, perturbed, or curtailed post-event exposures. Biostatistics 10, 3-16.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..results import format_p_value
from .display import interval_plot, result_html
from ..options import check_confidence_level, check_number, check_option
from .poisson import exact_rate_ratio
from .rate_ratio import exposure_periods
from .self_controlled import SINCE_EPISODE_BANDS, check_band_edges, since_episode_band
from .stratified import WITHIN_WORDS, period_bounds
from .timeline import DAY, cut_rows, merge_periods, timeline

__all__ = ["risk_windows", "RiskWindowResult", "ADJUSTMENTS"]

ADJUSTMENTS = ("season", "month", "none")
CALENDARS = ("stretches", "years", "half-years", "quarters")
_SEASON = {12: "Dec-Feb", 1: "Dec-Feb", 2: "Dec-Feb", 3: "Mar-May", 4: "Mar-May", 5: "Mar-May",
           6: "Jun-Aug", 7: "Jun-Aug", 8: "Jun-Aug", 9: "Sep-Nov", 10: "Sep-Nov", 11: "Sep-Nov"}
_CONTROL = "control"


@dataclass(frozen=True)
class RiskWindowResult:
    """Relative incidence in risk windows after sessions.

    Attributes
    ----------
    table : DataFrame
        One row per window (and the control period): ``window, events,
        days_at_risk, relative_incidence, ci_lower, ci_upper, p_value, method``.
    confidence_level : float
    exposure : str
    adjust : str
    n_sessions : int
    sessions_after_onset : float
        Share of sessions starting within ``clustering_days`` after an onset.
    expected_after_onset : float
        The share expected if session timing ignored onsets (share of follow-up
        time lying within ``clustering_days`` after an onset).
    clustering_p_value : float
        One-sided binomial test of the observed share against the expected one.
    assumption_flag : bool
        True when sessions cluster right after onsets (p < 0.05).
    assumption : str
        The design's assumption and what the check found.
    interpretation : str
    notes : str
    cells : DataFrame
        The aggregated data the model was fitted to: ``subject, window, adjust,
        days, events`` (windows without onsets are fitted separately, see ``method``).
    """

    table: pd.DataFrame
    confidence_level: float
    exposure: str
    adjust: str
    n_sessions: int
    sessions_after_onset: float
    expected_after_onset: float
    clustering_p_value: float
    assumption_flag: bool
    assumption: str
    interpretation: str
    notes: str = ""
    cells: pd.DataFrame | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """The window table."""
        return self.table

    def _repr_html_(self) -> str:
        return result_html(f"Risk windows after {self.exposure}", self.table, self.interpretation, self.assumption)

    def plot(self, ax=None):
        """Relative incidence per window with confidence intervals (log scale)."""
        t = self.table[self.table["window"] != _CONTROL].reset_index(drop=True)
        ax = interval_plot(
            ax, np.arange(len(t)), t["relative_incidence"], t["ci_lower"], t["ci_upper"],
            ylabel="relative incidence vs other time", labels=t["window"], floor=1e-3,
        )
        ax.axhline(1.0, color="grey", lw=1, ls="--")
        ax.set_yscale("log")
        ax.set_xlabel("days after session start")
        return ax


def _check_windows(windows) -> list[tuple[float, float]]:
    out = []
    for w in windows:
        try:
            a, b = float(w[0]), float(w[1])
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"each window must be a pair (from_day, to_day), got {w!r}") from None
        if not (0 <= a < b):
            raise ValueError(f"window {w!r} must satisfy 0 <= from_day < to_day")
        out.append((a, b))
    out.sort()
    for (a1, b1), (a2, _) in zip(out, out[1:]):
        if a2 < b1:
            raise ValueError(f"windows {(a1, b1)} and {(a2, _)} overlap")
    return out


def _label(a: float, b: float) -> str:
    return f"({a:g}, {b:g}]"


def _adjust_labels(stamps: pd.DatetimeIndex, adjust: str) -> np.ndarray:
    if adjust == "none":
        return np.full(len(stamps), "all", dtype=object)
    month = stamps.month
    if adjust == "month":
        return np.asarray([f"{m:02d}" for m in month], dtype=object)
    return np.asarray([_SEASON[m] for m in month], dtype=object)


def _cells(line, sessions: pd.DataFrame, windows, adjust: str, calendar: str | None = None, since_episode_days=()) -> pd.DataFrame:
    """Events and at-risk days per (subject, period, window, adjustment level, band of time since an episode)."""
    frames = []
    labels = [_label(a, b) for a, b in windows]
    edges = np.sort(np.asarray(since_episode_days or (), dtype=float))
    for subject, rows in line.at_risk.groupby("subject", sort=False):
        origin = line.origin[subject]
        s = np.sort(((sessions.loc[sessions["subject"] == subject, "start"] - origin) / DAY).to_numpy(float))
        lo_all, hi_all, event_all = rows["start"].to_numpy(float), rows["stop"].to_numpy(float), rows["event"].to_numpy() == 1
        span = pd.date_range(origin + pd.to_timedelta(lo_all.min(), unit="D"), origin + pd.to_timedelta(hi_all.max(), unit="D"), freq="MS")
        month_cuts = ((span - origin) / DAY).to_numpy(float)
        end_day = float(hi_all.max())
        blocks = period_bounds(lo_all, hi_all, event_all, origin, end_day, calendar) if calendar else np.array([0.0, end_day])
        onsets = line.onsets[line.onsets["subject"] == subject]
        episode_end = np.sort(onsets["end_day"].to_numpy(float))
        cuts = np.unique(np.concatenate([lo_all, hi_all, month_cuts, blocks, *[s + a for a, _ in windows], *[s + b for _, b in windows],
                                         (episode_end[:, None] + edges[None, :]).ravel()]))
        _, lo, hi, is_event = cut_rows(lo_all, hi_all, event_all, cuts)
        mid = (lo + hi) / 2
        j = np.searchsorted(s, mid, side="left") - 1  # most recent session starting before mid
        since = np.where(j >= 0, mid - s[np.maximum(j, 0)], np.inf)
        window = np.full(len(mid), _CONTROL, dtype=object)
        for (a, b), name in zip(windows, labels):
            window[(since > a) & (since <= b)] = name
        stamps = pd.DatetimeIndex(origin + pd.to_timedelta(mid, unit="D"))
        period = np.clip(np.searchsorted(blocks, mid, side="right") - 1, 0, len(blocks) - 2)
        frames.append(pd.DataFrame({
            "subject": subject, "period": period, "window": window, "adjust": _adjust_labels(stamps, adjust),
            "since_episode": since_episode_band(mid, episode_end, edges), "days": hi - lo, "events": is_event.astype(int),
        }))
    cells = pd.concat(frames, ignore_index=True)
    cells = cells.groupby(["subject", "period", "window", "adjust", "since_episode"], as_index=False)[["days", "events"]].sum()
    # Blocks without an onset add nothing to the conditional likelihood (their intercept is -inf).
    informative = cells.groupby(["subject", "period"])["events"].transform("sum") > 0
    cells = cells[informative]
    if calendar is None:
        cells = cells.drop(columns="period")
    if not len(edges):
        cells = cells.drop(columns="since_episode")
    return cells.reset_index(drop=True)


def _fit(cells: pd.DataFrame, labels: list[str], level: float) -> dict[str, tuple[float, float, float, float]]:
    """Relative incidence (estimate, lower, upper, p) per window from the Poisson GLM."""
    cells = cells[cells["days"] > 0]
    design = pd.DataFrame(index=cells.index)
    for name in labels:
        design[name] = (cells["window"] == name).astype(float)
    if "period" in cells.columns:
        cells = cells.assign(block=cells["subject"].astype(str) + ":" + cells["period"].astype(str))
    adjusters = ("adjust", "since_episode") if "since_episode" in cells.columns else ("adjust",)
    for column in (*adjusters, "block" if "period" in cells.columns else "subject"):
        dummies = pd.get_dummies(cells[column], prefix=column, drop_first=True, dtype=float)
        design = design.join(dummies)
    design.insert(0, "const", 1.0)
    model = sm.GLM(cells["events"], design, family=sm.families.Poisson(), offset=np.log(cells["days"]))
    with warnings.catch_warnings():
        if design.shape[1] >= len(cells):
            # A saturated model (e.g. one person, no adjustment) fits the counts
            # exactly; statsmodels then warns about separation and a zero residual
            # df, neither of which matters for the Poisson estimates.
            warnings.simplefilter("ignore")
        fit = model.fit(tol=1e-12, maxiter=200)
    z = stats.norm.ppf(0.5 + level / 2)
    out = {}
    for name in labels:
        b, se = fit.params[name], fit.bse[name]
        out[name] = (float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)), float(fit.pvalues[name]))
    return out


def _clustering(line, sessions: pd.DataFrame, clustering_days: float) -> tuple[int, int, float]:
    """Sessions starting within clustering_days after an onset, and the share expected by chance."""
    hits = n = 0
    covered = total = 0.0
    for subject, win in line.windows.groupby("subject", sort=False):
        origin = line.origin[subject]
        onset = line.onsets.loc[line.onsets["subject"] == subject, "day"].to_numpy(float)
        s = ((sessions.loc[sessions["subject"] == subject, "start"] - origin) / DAY).to_numpy(float)
        starts, ends = merge_periods(onset, onset + clustering_days)
        for w_lo, w_hi in zip(win["start_day"], win["end_day"]):
            inside = s[(s >= w_lo) & (s <= w_hi)]
            n += len(inside)
            if len(starts):
                j = np.searchsorted(starts, inside, side="right") - 1
                hits += int(np.sum((j >= 0) & (inside < ends[np.maximum(j, 0)])))
            total += w_hi - w_lo
            covered += float(np.clip(np.minimum(ends, w_hi) - np.maximum(starts, w_lo), 0, None).sum())
    return hits, n, covered / total if total > 0 else float("nan")


def risk_windows(
    log,
    *,
    exposed,
    windows=((0, 3), (3, 14), (14, 28)),
    adjust: str = "season",
    confidence_level: float = 0.95,
    clustering_days: float = 7.0,
    imprecise_onsets: str = "midpoint",
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
    calendar: str | None = "stretches",
    since_episode_days=SINCE_EPISODE_BANDS,
) -> RiskWindowResult:
    """Relative incidence of onsets in windows after each session (self-controlled).

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
    exposed : str or DataFrame
        A treatment modality (each session's start opens the windows) or a table
        of session times ``subject, start`` (``end`` optional).
    windows : sequence of (from_day, to_day)
        Non-overlapping windows (from_day, to_day] after a session starts.
    adjust : {"season", "month", "none"}
        Time-varying adjustment for time of year.
    confidence_level : float
    clustering_days : float
        A session within this many days after an onset counts as "right after"
        it for the check of the design's assumption.
    imprecise_onsets : {"midpoint", "exclude"}
        Month/year-precision onsets are placed mid-period by default (leaving
        them out while keeping their time would invent quiet stretches).
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.
    calendar : {"stretches", "years", "half-years", "quarters"} or None
        Compare the windows with other time in the same period (one intercept
        per period and person), so that sessions taken in a bad stretch are
        not compared with quiet years: the person's own stretches of constant
        onset rate (``"stretches"``, found by the change-point engine, the
        periods of :func:`~spasm_analysis.treatment_effect`) or calendar
        blocks.  ``None``: all other time (which finds "effects" in most logs
        where sessions follow bad stretches).
    since_episode_days : sequence of float or None
        Edges (days after an episode ended) of the bands of time since the
        last episode, adjusted for like the season: sessions booked because
        of an episode fall in the lull or the cluster that follows any
        episode, which is not the session's doing.  ``None`` or ``()``: no
        such adjustment.  For "did it help?" use
        :func:`~spasm_analysis.treatment_effect`, which also shows how far
        the answer moves with the placement of remembered onsets.

    Returns
    -------
    RiskWindowResult

    References
    ----------
    Farrington (1995); Whitaker et al. (2006).

    Examples
    --------
    >>> sa.risk_windows(log, exposed="chiropractic").table  # doctest: +SKIP
    """
    check_confidence_level(confidence_level)
    check_option("adjust", adjust, ADJUSTMENTS)
    check_option("calendar", calendar, (*CALENDARS, None))
    check_number("clustering_days", clustering_days, above=0)
    windows = _check_windows(windows)
    line = timeline(log, imprecise_onsets=imprecise_onsets, at_risk=True, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    if isinstance(exposed, pd.DataFrame) and "end" not in exposed.columns:
        exposed = exposed.assign(end=exposed["start"])
    sessions, label = exposure_periods(line.log, exposed)
    if sessions.empty:
        raise ValueError(f"no sessions found for {label}")
    since_episode_days = check_band_edges(since_episode_days)
    since_episode_days = () if since_episode_days is None else tuple(np.atleast_1d(since_episode_days).astype(float))
    cells = _cells(line, sessions, windows, adjust, calendar, since_episode_days)
    labels = [_label(a, b) for a, b in windows]
    by_window = cells.groupby("window")[["events", "days"]].sum()
    if by_window.loc[by_window.index != _CONTROL, "days"].sum() <= 0:
        raise ValueError(f"no time at risk falls in any window after {label}: there is nothing to compare")
    if _CONTROL not in by_window.index or by_window.at[_CONTROL, "days"] <= 0:
        raise ValueError("all time at risk falls inside the windows: there is no control time")
    estimable = [w for w in labels if w in by_window.index and by_window.at[w, "events"] > 0]
    fitted_cells = cells[cells["window"].isin(estimable + [_CONTROL])]
    fitted = _fit(fitted_cells, estimable, confidence_level) if estimable else {}
    adjusted = ", ".join(word for word, used in ((adjust, adjust != "none"), (WITHIN_WORDS.get(calendar), calendar),
                                                 ("time since the last episode", since_episode_days)) if used) or "nothing"
    rows = []
    for name in labels + [_CONTROL]:
        events = int(by_window.at[name, "events"]) if name in by_window.index else 0
        days = float(by_window.at[name, "days"]) if name in by_window.index else 0.0
        if name == _CONTROL:
            rows.append((name, events, days, 1.0, np.nan, np.nan, np.nan, "reference"))
        elif name in fitted:
            rows.append((name, events, days, *fitted[name], f"conditional Poisson, adjusted for {adjusted}"))
        elif days > 0:
            # No onsets in the window: the Wald interval does not exist; give the exact
            # (unadjusted) conditional interval against control time instead.
            _, lo, hi, p = exact_rate_ratio(0, days, int(by_window.at[_CONTROL, "events"]), float(by_window.at[_CONTROL, "days"]), confidence_level=confidence_level)
            rows.append((name, events, days, 0.0, lo, hi, p, "exact conditional, unadjusted (no onsets in window)"))
        else:
            rows.append((name, events, days, np.nan, np.nan, np.nan, np.nan, "no time at risk in window"))
    table = pd.DataFrame(rows, columns=["window", "events", "days_at_risk", "relative_incidence", "ci_lower", "ci_upper", "p_value", "method"])
    hits, n_sessions, expected = _clustering(line, sessions, clustering_days)
    observed = hits / n_sessions if n_sessions else float("nan")
    p_cluster = float(stats.binomtest(hits, n_sessions, expected, alternative="greater").pvalue) if n_sessions and 0 < expected < 1 else 1.0
    flag = p_cluster < 0.05
    assumption = (
        "This design assumes session timing does not depend on past episodes. "
        f"{hits} of {n_sessions} sessions began within {clustering_days:g} days after an onset "
        f"({observed:.0%}, vs {expected:.0%} expected if timing ignored onsets; one-sided {format_p_value(p_cluster)}). "
        + ("Sessions cluster right after onsets, so the relative incidences may be biased." if flag else "No sign that sessions cluster right after onsets.")
    )
    return RiskWindowResult(
        table=table, confidence_level=confidence_level, exposure=label, adjust=adjust, n_sessions=n_sessions,
        sessions_after_onset=observed, expected_after_onset=expected, clustering_p_value=p_cluster,
        assumption_flag=flag, assumption=assumption, interpretation=_sentence(table, label, confidence_level, flag, adjusted),
        notes=line.note, cells=fitted_cells.reset_index(drop=True),
    )


def _sentence(table: pd.DataFrame, label: str, level: float, flag: bool, adjusted: str) -> str:
    first = table.iloc[0]
    if first["method"].startswith("no time"):
        text = f"No time at risk fell in the first window after {label}."
    else:
        text = (
            f"In the {first['window']} days after {label}, onsets were {first['relative_incidence']:.2f} times as frequent "
            f"as at other times (adjusted for {adjusted}; {level:.0%} CI {first['ci_lower']:.2f} to {first['ci_upper']:.2f})"
        )
        text += "; an association within one record, not evidence of cause" if not flag else "; sessions cluster after onsets, so read this with caution"
        text += "."
    return text
