"""A one-page summary of a personal log for a clinician visit.

Episodes and episode-days per month over the last 3, 6 and 12 months against a
baseline period, the percentage change, the longest episode-free stretch, and
flags: any episode longer than a week, and rising frequency.  Months are
30.4375-day months of *observed* time (follow-up), so a period without logging
does not look quiet.  The numbers describe the log; they are not a diagnosis
or a recommendation.

References
----------
Rates and the rising-frequency flag use the exact Poisson comparison of
:mod:`.poisson` (Breslow & Day 1987, section 2.4) and the reconciled reading of
:func:`~spasm_analysis.trend_summary` (stretches of constant rate against a
steady trend; Worsley 1986, Cox & Lewis 1966), the answer the report's trend
section gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .display import result_html
from .poisson import exact_rate_ratio
from .timeline import DAY, one_subject, timeline
from ..results import format_p_value
from .trend_summary import trend_summary

__all__ = ["clinician_summary", "ClinicianSummary"]

MONTH = 30.4375


@dataclass(frozen=True)
class ClinicianSummary:
    """Recent activity of one person's log against a baseline.

    Attributes
    ----------
    table : DataFrame
        One row per recent window (``last 3 months`` ...) and the baseline:
        ``period, start, end, observed_days, episodes, episodes_per_month,
        episode_days, episode_days_per_month, pct_change_episodes, pct_change_episode_days``.
    as_of : Timestamp
    longest_free_days : float
        Longest stretch between episodes inside follow-up.
    longest_free_start, longest_free_end : Timestamp
    longest_free_open : bool
        True when that stretch is still going on at ``as_of``.
    long_episodes : DataFrame
        Episodes longer than ``long_episode_days``: ``onset, end, duration_days, recent``
        (``recent``: within the longest recent window; only those are flagged).
    rising : bool
        Rising-frequency flag.
    flags : tuple of str
    interpretation : str
    notes : str
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    longest_free_days: float
    longest_free_start: pd.Timestamp
    longest_free_end: pd.Timestamp
    longest_free_open: bool
    long_episodes: pd.DataFrame
    rising: bool
    flags: tuple
    interpretation: str
    notes: str = ""
    red_flags: pd.DataFrame | None = None
    recent_episodes: pd.DataFrame | None = None
    per_month: pd.DataFrame | None = None
    treatments: pd.DataFrame | None = None
    lengths: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """The window table."""
        return self.table

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self) -> str:
        """Plain-text version for printing or pasting into a message: red flags first."""
        from .clinician_tables import LOG_SHOWS
        from .red_flags import CARE_HEADING, WHEN_TO_GET_CARE

        lines = [f"Episode log summary as of {self.as_of:%Y-%m-%d}"]
        if self.red_flags is not None and len(self.red_flags):
            lines.append("RED FLAGS:")
            lines += [f"  ! {reason}" for reason in self.red_flags["reason"]]
        else:
            lines.append("Red flags: no episode lasted more than a week.")
        lines.append(f"{CARE_HEADING} (general guidance, not a diagnosis):")
        lines += [f"  - {line}" for line in WHEN_TO_GET_CARE]
        if self.recent_episodes is not None and len(self.recent_episodes):
            lines.append("Recent episodes:")
            for row in self.recent_episodes.itertuples(index=False):
                extra = "; ".join(str(v) for v in (row.Trigger, row.Notes) if isinstance(v, str) and v)
                lines.append(f"  {row.Began}  {row.Length}" + (f"  ({extra})" if extra else ""))
        if self.lengths:
            lines.append(self.lengths)
        if self.treatments is not None and len(self.treatments):
            lines.append("Treatments and medications tried:")
            for row in self.treatments.to_dict("records"):
                helped = f"; helped: {row['Helped']}" if isinstance(row["Helped"], str) and row["Helped"] else ""
                shows = f"; the log shows: {row[LOG_SHOWS]} (rate ratio, 95% CI)" if row.get(LOG_SHOWS) else ""
                lines.append(f"  {row['Treatment']}: {row['Sessions']} time(s), {row['First']} to {row['Last']}{helped}{shows}")
        for row in self.table.itertuples(index=False):
            change = "" if np.isnan(row.pct_change_episodes) else f" ({row.pct_change_episodes:+.0f}% vs baseline)"
            lines.append(
                f"  {row.period}: {row.episodes} episode(s), {row.episodes_per_month:.2f}/month{change}; "
                f"{row.episode_days_per_month:.1f} episode-days/month"
            )
        state = "ongoing" if self.longest_free_open else f"to {self.longest_free_end:%Y-%m-%d}"
        lines.append(f"  Longest episode-free stretch: {self.longest_free_days:.0f} days from {self.longest_free_start:%Y-%m-%d} ({state})")
        lines += [f"  Flag: {f}" for f in self.flags] or ["  Rising-frequency flag: none"]
        lines.append(self.interpretation)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return result_html("Clinician summary", self.table, *self.flags, self.interpretation)

    def plot(self, ax=None):
        """Episodes per month of observed time, recent windows against the baseline."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        ax.bar(self.table["period"], self.table["episodes_per_month"])
        ax.set_ylabel("episodes per month")
        ax.tick_params(axis="x", rotation=30)
        return ax


def _overlap(lo: np.ndarray, hi: np.ndarray, a: pd.Timestamp, b: pd.Timestamp) -> float:
    return float(np.clip(np.minimum(hi, b.value) - np.maximum(lo, a.value), 0, None).sum()) / DAY.value


def _window_row(name, a, b, windows, onsets, ends):
    observed = _overlap(windows["start"].to_numpy("int64"), windows["end"].to_numpy("int64"), a, b)
    n = int(((onsets >= a) & (onsets < b)).sum())
    ep_days = _overlap(onsets.to_numpy("int64"), ends.to_numpy("int64"), a, b)
    months = observed / MONTH
    per = (lambda x: x / months) if months > 0 else (lambda x: np.nan)
    return {"period": name, "start": a, "end": b, "observed_days": observed, "episodes": n,
            "episodes_per_month": per(n), "episode_days": ep_days, "episode_days_per_month": per(ep_days)}


def _longest_free(windows: pd.DataFrame, onsets: pd.Series, ends: pd.Series, as_of: pd.Timestamp):
    best = (-1.0, None, None, False)
    for lo, hi in zip(windows["start"], windows["end"]):
        hi = min(hi, as_of)
        inside = (onsets >= lo) & (onsets <= hi)
        starts = [lo] + list(ends[inside])
        stops = list(onsets[inside]) + [hi]
        reach = lo
        for s, e in zip(starts, stops):
            reach = max(reach, s)
            length = (e - reach) / DAY
            if length > best[0]:
                best = (float(length), reach, e, e == hi and hi == as_of)
    return best


def clinician_summary(
    log,
    *,
    subject=None,
    as_of=None,
    recent_months=(3, 6, 12),
    baseline=None,
    long_episode_days: float = 7.0,
    assume_duration_days: float | None = None,
    imprecise_onsets: str = "midpoint",
) -> ClinicianSummary:
    """Summarise recent episodes against a baseline, with flags, for one person.

    Parameters
    ----------
    log : EpisodeLog
    subject : str, optional
        Required when the log holds several people.
    as_of : date-like, optional
        End of the recent windows; default the end of follow-up.
    recent_months : sequence of int
        Lengths of the recent windows, in calendar months.
    baseline : (start, end), optional
        Baseline period; default the 12 months before the longest recent window.
    long_episode_days : float
        Episodes longer than this are flagged.
    assume_duration_days : float, optional
        Length given to episodes with unknown end (otherwise they count one day).
    imprecise_onsets : {"midpoint", "exclude"}

    Returns
    -------
    ClinicianSummary

    Examples
    --------
    >>> print(sa.clinician_summary(log).to_text())  # doctest: +SKIP
    """
    subjects = tuple(log.subjects)
    subject = one_subject(subjects, subject)
    months = sorted({int(m) for m in recent_months})
    if not months or months[0] < 1 or any(int(m) != m for m in recent_months):
        raise ValueError(f"recent_months must be positive whole numbers of months, got {recent_months!r}")
    one = log.subset([subject]) if len(subjects) > 1 else log
    line = timeline(one, imprecise_onsets=imprecise_onsets)
    windows = line.windows
    as_of = pd.Timestamp(as_of) if as_of is not None else windows["end"].max()
    ep = line.log.episodes
    onsets = ep["onset"].reset_index(drop=True)
    unknown = ep["end"].isna().to_numpy()
    fill = pd.Timedelta(days=assume_duration_days if assume_duration_days is not None else 1.0)
    ends = ep["end"].where(~unknown, ep["onset"] + fill).reset_index(drop=True)
    rows = [_window_row(f"last {m} months", as_of - pd.DateOffset(months=m), as_of, windows, onsets, ends) for m in months]
    if baseline is None:
        b_end = as_of - pd.DateOffset(months=months[-1])
        b_start = b_end - pd.DateOffset(months=12)
    else:
        b_start, b_end = (pd.Timestamp(x) for x in baseline)
        if not b_start < b_end:
            raise ValueError(f"baseline must be (start, end) with start before end, got {baseline!r}")
    base = _window_row("baseline", b_start, b_end, windows, onsets, ends)
    table = pd.DataFrame(rows + [base])
    for column, source in (("pct_change_episodes", "episodes_per_month"), ("pct_change_episode_days", "episode_days_per_month")):
        ref = base[source]
        with np.errstate(divide="ignore", invalid="ignore"):
            table[column] = np.where(np.isfinite(ref) & (ref > 0), (table[source] / ref - 1) * 100, np.nan)
        table.loc[table["period"] == "baseline", column] = np.nan
    notes = [line.note]
    if base["observed_days"] == 0:
        notes.append("The baseline period holds no logged time, so percentage changes are NaN.")
    elif base["episodes"] == 0:
        notes.append("No episodes in the baseline period, so percentage changes of episode counts are NaN (division by zero).")
    if unknown.any():
        notes.append(f"{int(unknown.sum())} episode(s) with unknown end counted as lasting {fill / DAY:g} day(s).")
    durations = (ends - onsets) / DAY
    recent_start = as_of - pd.DateOffset(months=months[-1])
    long_eps = pd.DataFrame({"onset": onsets, "end": ends, "duration_days": durations})[durations > long_episode_days].reset_index(drop=True)
    long_eps["recent"] = (long_eps["onset"] >= recent_start) & (long_eps["onset"] < as_of)
    older = int((~long_eps["recent"]).sum())
    if older:
        notes.append(f"{older} earlier episode(s) also lasted more than {long_episode_days:g} days (see long_episodes).")
    free_days, free_start, free_end, free_open = _longest_free(windows, onsets, ends, as_of)
    rising, rising_text = _rising(one, table, base, assume_duration_days)
    flags = [
        f"Episode longer than {long_episode_days:g} days in the last {months[-1]} months: began {r.onset:%Y-%m-%d}, lasted {r.duration_days:.0f} days."
        for r in long_eps[long_eps["recent"]].itertuples()
    ]
    if rising:
        flags.append(rising_text)
    last12 = table.iloc[len(months) - 1]
    interpretation = (
        f"In the last {months[-1]} months the log shows {last12['episodes']} episode(s) "
        f"({last12['episodes_per_month']:.2f} per month) against {base['episodes_per_month']:.2f} per month in the baseline; "
        "these are counts from the record, to support a conversation, not a clinical assessment."
    )
    from .clinician_tables import length_sentence, per_month_counts, recent_episode_table, treatment_table
    from .red_flags import red_flags

    flagged = red_flags(one, as_of=as_of, min_days=long_episode_days)
    return ClinicianSummary(
        table=table, as_of=as_of, longest_free_days=free_days, longest_free_start=free_start, longest_free_end=free_end,
        longest_free_open=bool(free_open), long_episodes=long_eps, rising=rising, flags=tuple(flags),
        interpretation=interpretation, notes=" ".join(n for n in notes if n),
        red_flags=flagged, recent_episodes=recent_episode_table(one.episodes, as_of),
        per_month=per_month_counts(one, as_of), treatments=treatment_table(one.treatments, one),
        lengths=length_sentence(one.episodes, long_episode_days),
    )


def _rising(log, table: pd.DataFrame, base: dict, assume_duration_days) -> tuple[bool, str]:
    """Rising frequency: last 12 months clearly above baseline, or the log's reconciled reading is a rise.

    The reading is :func:`~spasm_analysis.trend_summary`'s: a last step that
    went up, or a steady rise; a step up long ago with a level rate since is
    said as such ("... and have stayed there since").
    """
    recent = table[table["period"] == "last 12 months"]
    if len(recent) and base["observed_days"] > 0 and recent["observed_days"].iloc[0] > 0:
        a, t1 = int(recent["episodes"].iloc[0]), float(recent["observed_days"].iloc[0])
        _, lower, _, p = exact_rate_ratio(a, t1, int(base["episodes"]), float(base["observed_days"]))
        if lower > 1:
            return True, f"Rising frequency: the last 12 months had more episodes per month than the baseline (exact {format_p_value(p)})."
    try:
        reading = trend_summary(log, assume_duration_days=assume_duration_days)
    except ValueError:
        return False, ""
    seg = reading.change_points.segments
    if reading.verdict == "step":
        up = seg["rate_per_year"].iloc[-1] > seg["rate_per_year"].iloc[-2]
    elif reading.verdict == "steady trend":
        up = reading.trend_per_day > 0
    else:
        up = False
    if up:
        return True, f"Rising frequency: {reading.answer[0].lower()}{reading.answer[1:]}"
    return False, ""
