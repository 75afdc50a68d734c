"""Time between episodes (gap times) and time in episodes (durations).

``gap_times`` measures, for each episode order k, the time at risk from
re-entry to the risk set until the k-th counted onset (censored at the end of
follow-up) and estimates its distribution with Kaplan-Meier by episode order.
``episode_durations`` summarises how long episodes last, overall and per
calendar year.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spasm_analysis.options import check_confidence_level, check_number
from spasm_analysis.counting import as_counting_process, to_counting_process
from spasm_analysis.nonparametric.gap_table import gap_table
from spasm_analysis.log import EpisodeLog
from spasm_analysis.partitioned import is_dask_frame

__all__ = ["EpisodeDurations", "GapTimesResult", "episode_durations", "gap_times"]

_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True, eq=False)
class GapTimesResult:
    """Gap times between episodes and their Kaplan-Meier estimates by episode order.

    Attributes
    ----------
    table : DataFrame
        One row per gap: ``subject``, ``episode`` (order k of the onset that
        ends the gap; the last, censored gap has the order the next onset
        would have had), ``gap_days`` (days at risk) and ``censored`` (True for
        a gap ended by the end of follow-up rather than an onset).
    km : dict
        ``lifelines.KaplanMeierFitter`` per episode order (keys as in
        ``summary["episode"]``), fitted to the gap times of that order.
    summary : DataFrame
        Per episode order: ``n_gaps``, ``n_onsets``, ``median_days`` with its
        confidence interval; the median is NaN when fewer than half of the gaps
        ended in an onset, and ``median_reached`` says so.
    confidence_level : float
    max_order : int or None
        Orders above it are pooled into the key ``f"{max_order}+"``.
    """

    table: pd.DataFrame
    km: dict
    summary: pd.DataFrame
    confidence_level: float
    max_order: int | None = None

    def plot(self, ax=None, *, ci: bool = False):
        """Kaplan-Meier curve of gap time for each episode order; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        for order, fitter in self.km.items():
            fitter.plot_survival_function(ax=ax, ci_show=ci, label=f"gap before episode {order}")
        ax.set_xlabel("Days at risk since the previous episode (or start)")
        ax.set_ylabel("Proportion still without an episode")
        ax.set_ylim(0, 1.02)
        return ax

    def _repr_html_(self) -> str:
        head = f"<strong>Gap times by episode order</strong> (Kaplan-Meier, {self.confidence_level:.0%} CI)"
        summary = self.summary.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<div>{head}{summary}</div>"


def gap_times(
    data, *, risk_free_days=0, assume_duration_days=None, max_order=None, confidence_level=0.95
) -> GapTimesResult:
    """Gap times between episodes, with a Kaplan-Meier estimate per episode order.

    The gap before the k-th episode is the time at risk from re-entry to the
    risk set (follow-up start, or the end of episode k-1 plus any risk-free
    window) until the k-th onset; the last gap of each subject ends at the end
    of follow-up and is censored.  Gaps of different orders are estimated
    separately because later gaps are often shorter in people prone to
    episodes (the PWP gap-time view).

    Parameters
    ----------
    data : CountingProcess, EpisodeLog or DataFrame
        An ``EpisodeLog`` (converted with ``to_counting_process`` using
        ``risk_free_days`` and ``assume_duration_days``), a
        :class:`~spasm_analysis.CountingProcess`, or a counting-process frame
        ``subject, start, stop, event`` (``episode`` is used when present,
        otherwise numbered by :class:`~spasm_analysis.CountingProcess`).
    risk_free_days, assume_duration_days
        Passed to ``to_counting_process`` for an ``EpisodeLog``; a frame has
        already been built with them, so they must be left at their defaults.
    max_order : int, optional
        Pool the gaps of order ``max_order`` and above into one curve
        (``"k+"``), useful when few subjects have many episodes.
    confidence_level : float
        Level of the Kaplan-Meier confidence intervals (lifelines'
        exponential Greenwood intervals) and of the median's interval.

    Returns
    -------
    GapTimesResult

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from
    incomplete observations. *JASA* 53, 457-481.
    Prentice, R. L., Williams, B. J. and Peterson, A. V. (1981). On the
    regression analysis of multivariate failure time data. *Biometrika* 68,
    373-379.

    Examples
    --------
    >>> import pandas as pd
    >>> import spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": ["a", "a", "b"], "start": [0.0, 12.0, 0.0],
    ...                      "stop": [10.0, 40.0, 30.0], "event": [1, 0, 1]})
    >>> sa.gap_times(rows).table
      subject  episode  gap_days  censored
    0       a        1      10.0     False
    1       a        2      28.0      True
    2       b        1      30.0     False
    """
    level = check_confidence_level(confidence_level)
    check_number("max_order", max_order, at_least=1, whole=True, none=True)
    if isinstance(data, EpisodeLog):
        data = to_counting_process(data, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    elif risk_free_days != 0 or assume_duration_days is not None:
        raise ValueError(
            "risk_free_days and assume_duration_days apply when converting an EpisodeLog; "
            "counting-process rows were already built, so leave them at their defaults"
        )
    if is_dask_frame(data):
        from spasm_analysis.partitioned.gaps import partitioned_gap_tables

        table, counts = partitioned_gap_tables(data)
    else:
        frame = as_counting_process(data)
        frame.require_one_row_at_a_time("gap times")
        table = gap_table(frame)
        counts = table.assign(count=1)
    km, summary = _km_by_order(counts, level, max_order)
    return GapTimesResult(
        table=table,
        km=km,
        summary=summary,
        confidence_level=level,
        max_order=None if max_order is None else int(max_order),
    )


def _km_by_order(gaps: pd.DataFrame, level: float, max_order) -> tuple[dict, pd.DataFrame]:
    """Kaplan-Meier fit and median per episode order from gaps with a ``count`` column.

    ``count`` is how many gaps share the row's (episode, gap_days, censored),
    passed to lifelines as frequency weights: the estimates and Greenwood
    intervals are those of the gaps listed one by one.
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    order_key = gaps["episode"].astype(object)
    if max_order is not None:
        order_key = order_key.where(gaps["episode"] < max_order, f"{int(max_order)}+")
    km, summary = {}, []
    for order in pd.unique(order_key.sort_values(key=lambda s: s.map(_order_rank))):
        part = gaps[order_key == order]
        fitter = KaplanMeierFitter(alpha=1.0 - level)
        fitter.fit(part["gap_days"], event_observed=~part["censored"], weights=part["count"],
                   label=f"episode {order}")
        km[order] = fitter
        median = float(fitter.median_survival_time_)
        reached = bool(np.isfinite(median))
        bounds = median_survival_times(fitter.confidence_interval_).to_numpy().ravel()
        lower, upper = (float(b) if np.isfinite(b) else np.nan for b in bounds[:2])
        summary.append(
            {
                "episode": order,
                "n_gaps": int(part["count"].sum()),
                "n_onsets": int(part["count"][~part["censored"]].sum()),
                "median_days": median if reached else np.nan,
                "median_ci_lower": lower,
                "median_ci_upper": upper,
                "median_reached": reached,
            }
        )
    return km, pd.DataFrame(summary)


def _order_rank(order) -> float:
    return float(str(order).rstrip("+"))


# ---------------------------------------------------------------------------
# Episode durations


_STAT_COLUMNS = ["n_episodes", "n_known_end", "n_unknown_end", "median_days", "q1_days",
                 "q3_days", "iqr_days", "mean_days", "max_days", "n_long"]


def _duration_stats(durations: pd.Series, long_days: float) -> dict:
    known = durations.dropna().to_numpy(dtype=float)
    stats = dict.fromkeys(_STAT_COLUMNS, np.nan)
    stats.update(n_episodes=len(durations), n_known_end=len(known), n_unknown_end=len(durations) - len(known))
    if len(known):
        q1, median, q3 = np.quantile(known, [0.25, 0.5, 0.75])
        stats.update(median_days=median, q1_days=q1, q3_days=q3, iqr_days=q3 - q1,
                     mean_days=known.mean(), max_days=known.max(), n_long=int((known > long_days).sum()))
    else:
        stats["n_long"] = 0
    return stats


@dataclass(frozen=True, eq=False)
class EpisodeDurations:
    """How long episodes last: per episode, overall and per calendar year.

    Attributes
    ----------
    table : DataFrame
        ``subject, onset, end, duration_days`` (NaN where the end is unknown).
    summary : DataFrame
        One row: ``n_episodes, n_known_end, n_unknown_end, median_days,
        q1_days, q3_days, iqr_days, mean_days, max_days, n_long`` (episodes
        longer than ``long_episode_days``).  Statistics use known ends only.
    by_year : DataFrame
        The same columns per calendar year of onset (column ``year``).
    long_episode_days : float
    notes : tuple of str
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    by_year: pd.DataFrame
    long_episode_days: float = 7.0
    notes: tuple = ()

    def plot(self, ax=None):
        """Each episode's duration against its onset, with the yearly median; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        known = self.table.dropna(subset=["duration_days"])
        ax.scatter(known["onset"], known["duration_days"], s=12, alpha=0.6, label="episode")
        if len(self.by_year):
            middles = pd.to_datetime(self.by_year["year"].astype(str) + "-07-01")
            ax.plot(middles, self.by_year["median_days"], marker="o", color="black", label="median per year")
        ax.axhline(self.long_episode_days, linestyle=":", color="grey",
                   label=f"{self.long_episode_days:g} days")
        ax.set_xlabel("Onset")
        ax.set_ylabel("Duration (days)")
        ax.legend(loc="upper left")
        return ax

    def _repr_html_(self) -> str:
        fmt = {"float_format": lambda v: f"{v:.3g}", "index": False}
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (f"<div><strong>Episode durations</strong>{self.summary.to_html(**fmt)}"
                f"{self.by_year.to_html(**fmt)}{notes}</div>")


def episode_durations(data, *, long_episode_days=7.0) -> EpisodeDurations:
    """Median, interquartile range and per-year summaries of episode length.

    The duration of an episode is ``end - onset`` in days (``end`` being the
    instant the episode is over).  Episodes with an unknown end are counted in
    ``n_unknown_end`` and left out of the statistics, never given a default
    length.  Quartiles use linear interpolation (R's default ``type = 7``).

    Parameters
    ----------
    data : EpisodeLog or DataFrame
        An ``EpisodeLog`` (its ``episodes`` table) or an episodes table with
        columns ``onset`` and ``end`` (datetime) and optionally ``subject``.
    long_episode_days : float
        Episodes longer than this are counted in ``n_long``; 7 days by
        default, as a spasm lasting more than a week deserves attention.

    Returns
    -------
    EpisodeDurations

    References
    ----------
    Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical
    packages. *The American Statistician* 50, 361-365.

    Examples
    --------
    >>> import pandas as pd
    >>> import spasm_analysis as sa
    >>> episodes = pd.DataFrame({
    ...     "onset": pd.to_datetime(["2021-03-01", "2021-09-10", "2022-02-01"]),
    ...     "end": pd.to_datetime(["2021-03-04", "2021-09-12", "2022-02-10"])})
    >>> res = sa.episode_durations(episodes)
    >>> float(res.summary["median_days"].iloc[0]), int(res.summary["n_long"].iloc[0])
    (3.0, 1)
    """
    episodes = data if isinstance(data, pd.DataFrame) else getattr(data, "episodes", None)
    if not isinstance(episodes, pd.DataFrame):
        raise TypeError(f"expected an EpisodeLog or an episodes DataFrame, got {type(data).__name__}")
    missing = [c for c in ("onset", "end") if c not in episodes.columns]
    if missing:
        raise ValueError(f"episodes need column(s) {', '.join(missing)}; found {', '.join(map(str, episodes.columns))}")
    long_days = float(check_number("long_episode_days", long_episode_days, above=0))
    problems = []
    for col in ("onset", "end"):
        if not pd.api.types.is_datetime64_any_dtype(episodes[col]):
            problems.append(f"column {col!r} must hold dates (datetime64), got dtype {episodes[col].dtype}")
    if problems:
        raise ValueError("; ".join(problems))
    bad = episodes.index[episodes["onset"].isna()]
    if len(bad):
        raise ValueError(f"episodes without an onset in row(s) {', '.join(map(repr, bad[:5]))}")
    duration = (episodes["end"] - episodes["onset"]) / _DAY
    bad = episodes.index[duration < 0]
    if len(bad):
        raise ValueError(f"episodes ending before their onset in row(s) {', '.join(map(repr, bad[:5]))}")

    subject = episodes["subject"] if "subject" in episodes.columns else pd.Series("subject", index=episodes.index)
    table = pd.DataFrame({"subject": subject, "onset": episodes["onset"], "end": episodes["end"],
                          "duration_days": duration.astype(float)}).reset_index(drop=True)
    summary = pd.DataFrame([_duration_stats(table["duration_days"], long_days)])
    years = table["onset"].dt.year
    by_year = pd.DataFrame(
        [{"year": int(year), **_duration_stats(part, long_days)}
         for year, part in table["duration_days"].groupby(years, sort=True)],
        columns=["year", *_STAT_COLUMNS],
    )
    notes = []
    n_unknown = int(summary["n_unknown_end"].iloc[0])
    if n_unknown:
        notes.append(f"{n_unknown} episode(s) have no known end and are left out of the duration statistics.")
    return EpisodeDurations(table=table, summary=summary, by_year=by_year,
                            long_episode_days=long_days, notes=tuple(notes))
