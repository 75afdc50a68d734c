"""Plain descriptive numbers of an episode log: counts, gaps, lengths, imprecise dates.

:func:`summarize_log` describes what was logged, without any model: the number
of episodes per calendar year (with the days logged in that year, since a part
year holds fewer episodes), the spasm-free gaps between the end of one episode
and the next onset inside one follow-up window (a gap in logging is not a
spasm-free stretch, so gaps never cross the edge of a window), episode lengths,
and which onsets are known only to the month or year.  For a cohort it gives
subjects, episodes and episodes per person-year of follow-up (crude: days
spent in episodes count as follow-up).

These are descriptions, in the spirit of the exploratory summaries of Cook &
Lawless (2007, ch. 1); they carry no uncertainty and no claim about causes.

References
----------
Cook, R. J. & Lawless, J. F. (2007). *The Statistical Analysis of Recurrent
Events*. Springer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .log import EpisodeLog
from .personal.red_flags import CARE_HEADING, WHEN_TO_GET_CARE, red_flags

__all__ = ["LogSummary", "summarize_log", "LONG_EPISODE_DAYS"]

_DAY = pd.Timedelta(days=1)
DAYS_PER_YEAR = 365.25
#: Episodes longer than this many days are counted separately (a week, as practitioners use).
LONG_EPISODE_DAYS = 7.0


def _days(value: float) -> str:
    """Days for people: whole numbers without decimals."""
    if value is None or not np.isfinite(value):
        return "not available"
    rounded = round(float(value), 1)
    text = f"{rounded:g}" if rounded != int(rounded) else f"{int(rounded)}"
    return f"{text} day" if text == "1" else f"{text} days"


@dataclass(frozen=True)
class LogSummary:
    """Descriptive numbers of an episode log (see :func:`summarize_log`).

    Attributes
    ----------
    is_personal : bool
    n_subjects, n_episodes : int
    follow_up_days : float
        Total days logged (all follow-up windows of all subjects).
    per_year : DataFrame
        ``year, episodes, days_logged`` (by onset year).
    gaps : DataFrame
        ``subject, after_end, next_onset, days, approximate`` for every gap
        between consecutive episodes of a subject inside one follow-up window;
        ``approximate`` when an onset bounding it is known only to the month or year.
    lengths : Series
        Episode lengths in days (episodes with a known end).
    n_unknown_end : int
    imprecise : DataFrame
        ``year, month, year_only``: onsets per year known only to the month / the year.
    imprecise_onsets : DataFrame
        ``onset, onset_precision`` of each such onset.
    red_flags : DataFrame
        :func:`~spasm_analysis.red_flags` of the log (shown first).
    n_ongoing : int
        Episodes still going at the end of the log.
    """

    is_personal: bool
    n_subjects: int
    n_episodes: int
    follow_up_start: pd.Timestamp
    follow_up_end: pd.Timestamp
    follow_up_days: float
    per_year: pd.DataFrame
    gaps: pd.DataFrame
    lengths: pd.Series
    n_unknown_end: int
    imprecise: pd.DataFrame
    imprecise_onsets: pd.DataFrame
    red_flags: pd.DataFrame = None
    n_ongoing: int = 0

    @property
    def table(self) -> pd.DataFrame:
        """Episodes and days logged per calendar year."""
        return self.per_year.copy()

    @property
    def person_years(self) -> float:
        return self.follow_up_days / DAYS_PER_YEAR

    @property
    def episodes_per_person_year(self) -> float:
        return self.n_episodes / self.person_years if self.follow_up_days > 0 else float("nan")

    @property
    def median_gap_days(self) -> float:
        return float(self.gaps["days"].median()) if len(self.gaps) else float("nan")

    @property
    def longest_gap(self) -> pd.Series | None:
        """The row of :attr:`gaps` with the longest gap (the first if tied)."""
        return self.gaps.loc[self.gaps["days"].idxmax()] if len(self.gaps) else None

    @property
    def median_length_days(self) -> float:
        return float(self.lengths.median()) if len(self.lengths) else float("nan")

    @property
    def n_long_episodes(self) -> int:
        return int((self.lengths > LONG_EPISODE_DAYS).sum())

    def lines(self) -> list[str]:
        """The summary in plain words, one line per item."""
        return _personal_lines(self) if self.is_personal else _cohort_lines(self)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def summarize_log(log: EpisodeLog) -> LogSummary:
    """Describe an episode log: counts per year, spasm-free gaps, lengths, imprecise onsets.

    Parameters
    ----------
    log : EpisodeLog

    Returns
    -------
    LogSummary

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> s = sa.summarize_log(sa.simulate_personal_log(seed=1).log)
    >>> int(s.per_year["episodes"].sum()) == s.n_episodes
    True
    """
    if not isinstance(log, EpisodeLog):
        raise TypeError(f"summarize_log needs an EpisodeLog, not {type(log).__name__}")
    ep = log.episodes
    fu = log.follow_up
    precision = ep["onset_precision"].fillna("day") if "onset_precision" in ep.columns else pd.Series("day", index=ep.index)
    known = ep["end"].notna()
    ongoing = ep["ongoing"].astype(bool) & ~known if "ongoing" in ep.columns else pd.Series(False, index=ep.index)
    lengths = ((ep.loc[known, "end"] - ep.loc[known, "onset"]) / _DAY).reset_index(drop=True)
    vague = precision != "day"
    imprecise_onsets = pd.DataFrame({"onset": ep.loc[vague, "onset"], "onset_precision": precision[vague]}).reset_index(drop=True)
    years = imprecise_onsets["onset"].dt.year
    imprecise = pd.DataFrame({
        "month": (imprecise_onsets["onset_precision"] == "month").groupby(years).sum(),
        "year_only": (imprecise_onsets["onset_precision"] == "year").groupby(years).sum(),
    }).rename_axis("year").reset_index().astype(int)
    return LogSummary(
        is_personal=log.is_personal,
        n_subjects=log.n_subjects,
        n_episodes=log.n_episodes,
        follow_up_start=fu["start"].min() if len(fu) else pd.NaT,
        follow_up_end=fu["end"].max() if len(fu) else pd.NaT,
        follow_up_days=float(((fu["end"] - fu["start"]) / _DAY).sum()),
        per_year=_per_year(ep, fu),
        gaps=_gaps(ep, fu, precision),
        lengths=lengths,
        n_unknown_end=int((~known & ~ongoing).sum()),
        imprecise=imprecise,
        imprecise_onsets=imprecise_onsets,
        red_flags=red_flags(log) if log.is_personal else red_flags(log).iloc[0:0],
        n_ongoing=int(ongoing.sum()),
    )


def _per_year(ep: pd.DataFrame, fu: pd.DataFrame) -> pd.DataFrame:
    if not len(fu):
        return pd.DataFrame({"year": [], "episodes": [], "days_logged": []})
    first, last = fu["start"].min().year, (fu["end"].max() - pd.Timedelta(seconds=1)).year
    years = np.arange(first, last + 1)
    starts = pd.to_datetime([f"{y}-01-01" for y in years])
    ends = pd.to_datetime([f"{y + 1}-01-01" for y in years])
    # Days of each window inside each calendar year (windows x years, both small).
    lo = np.maximum(fu["start"].to_numpy()[:, None], starts.to_numpy()[None, :])
    hi = np.minimum(fu["end"].to_numpy()[:, None], ends.to_numpy()[None, :])
    logged = np.clip((hi - lo) / np.timedelta64(1, "D"), 0, None).sum(axis=0)
    counts = ep["onset"].dt.year.value_counts().reindex(years, fill_value=0).to_numpy()
    return pd.DataFrame({"year": years, "episodes": counts.astype(int), "days_logged": logged})


def _gaps(ep: pd.DataFrame, fu: pd.DataFrame, precision: pd.Series) -> pd.DataFrame:
    """Gaps between consecutive episodes of a subject inside the same follow-up window."""
    columns = ["subject", "after_end", "next_onset", "days", "approximate"]
    if len(ep) < 2 or not len(fu):
        return pd.DataFrame(columns=columns)
    frame = ep[["subject", "onset", "end"]].assign(vague=(precision != "day").to_numpy(), order=np.arange(len(ep)))
    windows = fu.sort_values("start").rename(columns={"start": "w_start", "end": "w_end"}).reset_index(drop=True)
    windows["window"] = np.arange(len(windows))
    placed = pd.merge_asof(frame.sort_values("onset"), windows, left_on="onset", right_on="w_start", by="subject", direction="backward")
    placed.loc[~(placed["onset"] <= placed["w_end"]), "window"] = np.nan
    placed = placed.sort_values("order").reset_index(drop=True)
    prev = placed.shift()
    ok = (placed["subject"] == prev["subject"]) & (placed["window"] == prev["window"]) & placed["window"].notna() & prev["end"].notna()
    out = pd.DataFrame({
        "subject": placed.loc[ok, "subject"],
        "after_end": prev.loc[ok, "end"],
        "next_onset": placed.loc[ok, "onset"],
        "days": (placed.loc[ok, "onset"] - prev.loc[ok, "end"]) / _DAY,
        "approximate": placed.loc[ok, "vague"].to_numpy() | prev.loc[ok, "vague"].astype(bool).to_numpy(),
    })
    return out.reset_index(drop=True)


def _flag_lines(s: LogSummary) -> list[str]:
    """Red flags first, then the general guidance, always."""
    flags = s.red_flags if s.red_flags is not None else pd.DataFrame()
    if len(flags):
        out = [f"RED FLAGS: {len(flags)} episode(s) lasted, or have lasted so far, more than {LONG_EPISODE_DAYS:g} days."]
        out += [f"  ! {reason}" for reason in flags["reason"]]
    else:
        out = [f"Red flags: no episode in the log lasted more than {LONG_EPISODE_DAYS:g} days."]
    out.append(f"{CARE_HEADING} (general guidance, not a diagnosis):")
    out += [f"  - {line}" for line in WHEN_TO_GET_CARE]
    out.append("")
    return out


#: Said instead of counts when nothing was logged at all (a table with its header and no rows).
NOTHING_LOGGED = ("No episodes and no logged days: the file holds no episode rows (only a header?), "
                  "so there is nothing to count.")


def _personal_lines(s: LogSummary) -> list[str]:
    out = _flag_lines(s)
    if s.n_episodes == 0 and s.follow_up_days == 0:
        return out + [NOTHING_LOGGED]
    span = f"{s.follow_up_start:%Y-%m-%d} to {s.follow_up_end:%Y-%m-%d}" if s.n_subjects else "no follow-up"
    out.append(f"One person's log, logged from {span} ({s.person_years:.1f} years).")
    out.append(f"Episodes: {s.n_episodes}")
    out.append("Episodes per calendar year (by onset; days logged that year):")
    for row in s.per_year.itertuples(index=False):
        out.append(f"  {row.year}  {row.episodes:4d}   ({row.days_logged:g} days logged)")
    if len(s.gaps):
        longest = s.longest_gap
        out.append(
            f"Spasm-free gaps (end of one episode to the next onset, inside the logged period): {len(s.gaps)}; "
            f"median {_days(s.median_gap_days)}, longest {_days(longest['days'])} "
            f"({longest['after_end']:%Y-%m-%d} to {longest['next_onset']:%Y-%m-%d}"
            f"{', approximate' if longest['approximate'] else ''})."
        )
        n_approx = int(s.gaps["approximate"].sum())
        if n_approx:
            out.append(f"  {n_approx} of these gaps border an onset known only to the month or year, so their length is approximate.")
    else:
        out.append("Spasm-free gaps: none measurable (fewer than two episodes with a known end inside one logged period).")
    if len(s.lengths):
        out.append(
            f"Episode length: median {_days(s.median_length_days)} ({len(s.lengths)} episodes with a known end); "
            f"{s.n_long_episodes} lasted more than {LONG_EPISODE_DAYS:g} days."
        )
    if s.n_ongoing:
        out.append(f"  {s.n_ongoing} episode(s) were still going on the last logged day (see the red flags for how long so far).")
    if s.n_unknown_end:
        out.append(f"  {s.n_unknown_end} episode(s) have no recorded end and are left out of lengths and gaps.")
    out.extend(_imprecise_lines(s))
    return out


_PRECISION_WORDS = {
    "around": "known to within a few days", "part_month": "known to early/mid/late in a month",
    "month": "known only to the month", "season": "known only to the season", "year": "known only to the year",
}


def _imprecise_lines(s: LogSummary) -> list[str]:
    n = len(s.imprecise_onsets)
    if not n:
        return ["Imprecise dates: none; every onset is known to the day."]
    out = [f"Imprecise dates: {n} of {s.n_episodes} onsets are not known to the day."]
    frame = s.imprecise_onsets.assign(year=s.imprecise_onsets["onset"].dt.year)
    order = list(_PRECISION_WORDS)
    for year, group in frame.groupby("year"):
        counts = group["onset_precision"].value_counts()
        parts = [f"{counts[label]} {_PRECISION_WORDS[label]}" for label in sorted(counts.index, key=lambda l: -order.index(l) if l in order else 0)]
        out.append(f"  {year}: {', '.join(parts)}")
    out.append("  Each keeps the stretch of days it can mean; analyses place it inside that stretch (by default in the middle).")
    return out


def _cohort_lines(s: LogSummary) -> list[str]:
    if s.n_episodes == 0 and s.follow_up_days == 0:
        return [NOTHING_LOGGED]
    rate = s.episodes_per_person_year
    return [
        f"Cohort log, {s.follow_up_start:%Y-%m-%d} to {s.follow_up_end:%Y-%m-%d}.",
        f"Subjects: {s.n_subjects}",
        f"Episodes: {s.n_episodes}",
        f"Follow-up: {s.person_years:.1f} person-years",
        f"Episodes per person-year of follow-up: {rate:.3f} (crude: days spent in episodes are included in the follow-up)",
        f"Episode length: median {_days(s.median_length_days)} ({len(s.lengths)} episodes with a known end).",
        *_imprecise_lines(s),
    ]
