"""Stretches of constant onset rate: "it went from once a year to every few weeks".

The onsets of one person are placed on their at-risk clock (episode days and
unlogged time do not count, see :mod:`.risk_clock`), split into stretches of
constant rate by Worsley's likelihood ratio with binary segmentation
(:mod:`.worsley`), and mapped back to calendar dates.  Each stretch gets its
onset count, days at risk and rate per year at risk with an exact Poisson
(Garwood) interval, the interval R's ``poisson.test`` gives.

Onsets known only to the month or year are placed in the middle of their period
(never dropped), and the whole analysis is repeated with them at the start, at
the end and at random positions within their periods; ``sensitivity`` shows how
far the answer moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..results import format_p_value
from .display import result_html
from ..options import check_confidence_level, check_number, check_option
from .rates import PER_YEAR, rate_columns
from .risk_clock import OnsetPositions, RiskClock, onset_positions
from .timeline import is_log_or_counting_process, logged, one_subject, timeline
from .worsley import N_PERMUTATIONS, N_SIMULATIONS, NULLS, segment

__all__ = ["change_points", "ChangePointResult", "describe_rate", "subject_change_points"]

_N_PLACEMENTS = 20


def describe_rate(per_year: float) -> str:
    """A rate per year at risk in everyday words.

    Examples
    --------
    >>> describe_rate(1.1), describe_rate(4.2), describe_rate(13.0), describe_rate(0.3)
    ('about once a year', 'about 4 times a year', 'about every 4 weeks', 'about once every 3 years')
    """
    if not np.isfinite(per_year):
        return "an unknown rate"
    if per_year <= 0:
        return "no onsets"
    if per_year < 0.75:
        return f"about once every {1 / per_year:.0f} years"
    if per_year < 1.5:
        return "about once a year"
    if per_year < 10:
        return f"about {per_year:.0f} times a year"
    if per_year < 52:
        return f"about every {52.18 / per_year:.0f} weeks"
    return f"about every {PER_YEAR / per_year:.0f} days"


@dataclass(frozen=True)
class ChangePointResult:
    """Stretches of constant onset rate and the test of a constant rate.

    Attributes
    ----------
    segments : DataFrame
        ``start, end, events, days_at_risk, rate_per_year, ci_lower, ci_upper``:
        one row per stretch, in time order (one row when no change is found).
        ``start``/``end`` are dates for a log, days for an array of times.  An
        onset on a boundary is counted in the stretch its ``events`` say.  Each
        interval takes its stretch's boundaries as given: it holds the true
        rate about 95% of the time when the stretches are right, but where a
        change is found by chance (about 5% of constant-rate logs) the two
        stretches were chosen because their rates differ, and their intervals
        mostly miss the common rate (see ``benchmarks/RESULTS.md``).
    p_value : float
        Test of a constant rate (Worsley's maximised likelihood ratio against its
        simulated null distribution given the number of onsets).
    statistic : float
        The maximised likelihood ratio over the whole log.
    changes : DataFrame
        ``date, statistic, p_value, rate_before, rate_after``: each accepted change,
        in time order (empty when none).
    sensitivity : DataFrame
        ``placement, p_value, n_changes, changes, current_rate_per_year``: the
        analysis with onsets known only to the month or year placed mid-period,
        at the earliest and latest instants and at random positions (empty when
        every onset is known to the day).
    n_events : int
    days_at_risk : float
    n_imprecise : int
        Onsets whose position is a range.
    alpha : float
        False-detection rate of each accepted change.
    confidence_level : float
    max_changes : int or None
    null : str
        ``"renewal"`` (gap reorderings) or ``"poisson"`` (onsets uniform).
    n_simulations : int
    interpretation : str
    notes : str
    onsets : Series
        The onsets counted (dates for a log, days for an array), in time order.
    onset_days_at_risk : ndarray
        The same onsets on the at-risk clock (days at risk since follow-up began).
    """

    segments: pd.DataFrame
    p_value: float
    statistic: float
    changes: pd.DataFrame
    sensitivity: pd.DataFrame
    n_events: int
    days_at_risk: float
    n_imprecise: int
    alpha: float
    confidence_level: float
    max_changes: int | None
    null: str
    n_simulations: int
    interpretation: str
    notes: str = ""
    onsets: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)
    onset_days_at_risk: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The segments table."""
        return self.segments

    summary = table

    @property
    def current(self) -> pd.Series:
        """The last stretch (the rate the log is in now)."""
        return self.segments.iloc[-1]

    def _repr_html_(self) -> str:
        return result_html("Stretches of constant onset rate", self.segments, self.interpretation, self.notes)

    def plot(self, ax=None):
        """Rate per year at risk in each stretch (line) with its interval (band), onsets as ticks."""
        from ..plotting.style import finish, new_axes

        ax = new_axes(ax, (9, 3.6))
        for row in self.segments.itertuples(index=False):
            ax.fill_between([row.start, row.end], row.ci_lower, row.ci_upper, color="#2166ac", alpha=0.18, lw=0)
            ax.plot([row.start, row.end], [row.rate_per_year] * 2, color="#2166ac", lw=2)
        if len(self.onsets):
            top = float(np.nanmax(self.segments["ci_upper"])) if len(self.segments) else 1.0
            ax.plot(self.onsets, np.full(len(self.onsets), -0.04 * top), "|", color="#b2182b", ms=8, label="onsets")
        for when in self.changes.get("date", []):
            ax.axvline(when, color="grey", ls="--", lw=1)
        finish(ax, title="Onset rate by stretch", ylabel="onsets per year at risk", grid_axis="y")
        return ax


def _segments(found, bounds_to_time, confidence_level) -> pd.DataFrame:
    stretches = found.stretches
    events = np.array([s.n for s in stretches], dtype=float)
    days = np.array([s.hi - s.lo for s in stretches], dtype=float)
    starts = bounds_to_time(np.array([s.lo for s in stretches]))
    ends = bounds_to_time(np.array([s.hi for s in stretches]))
    table = rate_columns(events, days, confidence_level)
    table.insert(0, "start", starts)
    table.insert(1, "end", ends)
    return table


def _changes(found, segments: pd.DataFrame, bounds_to_time) -> pd.DataFrame:
    cuts = sorted(found.cuts, key=lambda c: c.u)
    rows = []
    for k, cut in enumerate(cuts):
        rows.append({"date": bounds_to_time(np.array([cut.u]))[0], "statistic": cut.statistic, "p_value": cut.p_value,
                     "rate_before": segments["rate_per_year"].iloc[k], "rate_after": segments["rate_per_year"].iloc[k + 1]})
    return pd.DataFrame(rows, columns=["date", "statistic", "p_value", "rate_before", "rate_after"])


def _stretch_words(row, confidence_level: float) -> str:
    return (f"{describe_rate(row.rate_per_year)} ({row.rate_per_year:.1f} a year at risk, "
            f"{confidence_level:.0%} CI {row.ci_lower:.1f} to {row.ci_upper:.1f})")


def _when(value, dates: bool) -> str:
    return f"{value:%B %Y}" if dates else f"day {value:.0f}"


def _interpretation(segments, p_value, confidence_level, dates: bool) -> str:
    rows = list(segments.itertuples(index=False))
    if len(rows) == 1:
        return (f"No change in the onset rate was found (test of a constant rate, {format_p_value(p_value)}): "
                f"{_stretch_words(rows[0], confidence_level)} over the whole log. A gradual or smaller change "
                "cannot be ruled out.")
    parts = [f"until {_when(rows[0].end, dates)}, {_stretch_words(rows[0], confidence_level)}"]
    parts += [f"from {_when(r.start, dates)}, {_stretch_words(r, confidence_level)}" for r in rows[1:]]
    last, previous = rows[-1], rows[-2]
    went = "up" if last.rate_per_year > previous.rate_per_year else "down"
    return (f"The onset rate changed {len(rows) - 1} time(s) (test of a constant rate, {format_p_value(p_value)}): "
            + "; ".join(parts) + ". "
            + f"The last change, around {_when(last.start, dates)}, was a step {went}; since then the rate has stayed "
            f"level at {describe_rate(last.rate_per_year)} (no further change found in that stretch). "
            "This describes the record, not its cause.")


def _sensitivity(positions: OnsetPositions, total, clock, *, n_placements, seed, **options):
    if positions.n_imprecise == 0:
        return pd.DataFrame(columns=["placement", "p_value", "n_changes", "changes", "current_rate_per_year"])
    rng = np.random.default_rng(seed)
    placements = [("midpoint", None), ("earliest", 0.0), ("latest", 1.0)]
    placements += [(f"random {k + 1}", rng.uniform(size=positions.placed.size)) for k in range(n_placements)]
    rows = []
    for name, fraction in placements:
        times = positions.placed if fraction is None else positions.draw(fraction)
        found = segment(times, total, **options)
        dates = clock.dates(sorted(c.u for c in found.cuts)) if found.cuts else []
        last = found.stretches[-1]
        rows.append({"placement": name, "p_value": found.test.p_value, "n_changes": len(found.cuts),
                     "changes": ", ".join(f"{d:%Y-%m-%d}" for d in dates),
                     "current_rate_per_year": last.n / (last.hi - last.lo) * PER_YEAR if last.hi > last.lo else np.nan})
    return pd.DataFrame(rows)


def _sensitivity_sentence(sensitivity: pd.DataFrame, n_imprecise: int) -> str:
    if sensitivity.empty:
        return ""
    p_lo, p_hi = sensitivity["p_value"].min(), sensitivity["p_value"].max()
    head = (f"{n_imprecise} onset(s) known only to the month or year were placed mid-period; placing them anywhere "
            f"in their periods ({len(sensitivity)} placements)")
    if sensitivity["changes"].nunique() == 1:
        return head + f" finds the same change(s) every time (p from {p_lo:.3g} to {p_hi:.3g})."
    counts = sensitivity["n_changes"].value_counts().sort_index()
    spread = ", ".join(f"{n} change(s) in {c}" for n, c in counts.items())
    firsts = pd.to_datetime(sensitivity["changes"].str.split(", ").str[0].replace("", np.nan))
    when = ""
    if firsts.notna().any():
        when = f"; the first change falls between {firsts.min():%B %Y} and {firsts.max():%B %Y}"
    return head + f" gives p from {p_lo:.3g} to {p_hi:.3g} and {spread} placements{when}."


def _check_options(max_changes, alpha, n_placements):
    check_number("max_changes", max_changes, at_least=0, whole=True, none=True)
    check_number("alpha", alpha, above=0, below=1)
    check_number("n_placements", n_placements, at_least=0, whole=True)


def change_points(
    data,
    *,
    max_changes: int | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    subject=None,
    end: float | None = None,
    risk_free_days: float = 0.0,
    assume_duration_days: float | None = None,
    n_placements: int = _N_PLACEMENTS,
    seed: int = 0,
    null: str = "renewal",
    n_simulations: int | None = None,
) -> ChangePointResult:
    """Find the stretches of constant onset rate in one person's log.

    Onsets are placed on the at-risk clock (episode days and unlogged stretches
    excluded).  The likelihood ratio for one change of a Poisson rate (Worsley
    1986) is maximised over the onsets and compared with its distribution under
    a constant rate: reorderings of the gaps between onsets (``null="renewal"``,
    valid when episodes cluster) or onsets uniform on the at-risk time given
    their number (``null="poisson"``); both are seeded simulations, so the
    answer is reproducible.  ``p_value`` tests a constant rate.  Further changes are found by binary segmentation, each new stretch
    tested the same way at ``alpha`` times its share of the at-risk time, so
    about ``alpha`` of logs with a constant rate show a (false) change, and
    about ``alpha`` of logs with one true change show a spurious second one.

    Parameters
    ----------
    data : EpisodeLog, CountingProcess (from ``sa.to_counting_process``) or array_like
        A log (one subject, or pass ``subject=``), or onset times in days on an
        at-risk clock with ``end`` its length.
    max_changes : int, optional
        At most this many changes (None: as many as are significant; 0: only the test).
    confidence_level : float
        For the exact Poisson interval of each stretch's rate.
    alpha : float
        False-detection rate (the level of the test of a constant rate).
    subject : str, optional
        Whose log to analyse when it holds several people (each person's rate
        changes are their own, so the analysis is per subject).
    end : float, optional
        Length of the clock for an array of times.
    risk_free_days, assume_duration_days
        Passed to :func:`~spasm_analysis.to_counting_process`.
    n_placements : int
        Random placements of imprecise onsets in the sensitivity table.
    seed : int
        Seed of the random placements.
    null : {"renewal", "poisson"}
        What "a constant rate" means for the test.  ``"renewal"`` (default):
        the gaps between episodes are independent and alike, which allows
        clusters (another episode soon after one); the statistic is compared
        with reorderings of the gaps.  ``"poisson"``: Worsley's test given the
        number of onsets (onsets uniform on the at-risk time), which finds
        spurious changes when episodes cluster.
    n_simulations : int, optional
        Gap reorderings (default 999) or Poisson null draws (default 9,999, cached
        per number of onsets) per test.

    Returns
    -------
    ChangePointResult

    References
    ----------
    Worsley, K. J. (1986). Biometrika 73, 91-104. Killick, Fearnhead & Eckley (2012).
    Garwood (1936) for the intervals (R ``poisson.test``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(4)
    >>> days = np.concatenate([np.sort(rng.uniform(0, 3650, 10)), 3650 + np.sort(rng.uniform(0, 730, 30))])
    >>> result = change_points(days, end=4380.0)
    >>> len(result.segments), result.p_value <= 0.001
    (2, True)
    >>> result.segments["rate_per_year"].round(1).tolist()
    [1.0, 17.3]
    """
    check_confidence_level(confidence_level)
    _check_options(max_changes, alpha, n_placements)
    options = dict(alpha=alpha, max_changes=max_changes, null=null, n_simulations=n_simulations)
    if not is_log_or_counting_process(data):
        return _from_array(data, end, confidence_level, options)
    if end is not None:
        raise ValueError("end applies to an array of times; a log is observed over its follow-up")
    line = timeline(data, at_risk=True, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    who = one_subject(line.origin.index, subject)
    _default_simulations(null, n_simulations)
    return subject_change_points(logged(data), line, who, confidence_level=confidence_level, n_placements=int(n_placements),
                                 seed=seed, **options)


def subject_change_points(log, line, who, *, confidence_level=0.95, alpha=0.05, max_changes=None, null="renewal",
                          n_simulations=None, n_placements=_N_PLACEMENTS, seed=0) -> ChangePointResult:
    """:func:`change_points` for subject ``who`` of a :class:`.Timeline` built with ``at_risk=True``."""
    n_simulations = _default_simulations(null, n_simulations)
    options = dict(alpha=alpha, max_changes=max_changes, null=null, n_simulations=n_simulations)
    rows = line.at_risk[line.at_risk["subject"] == who]
    clock = RiskClock.from_intervals(rows, line.origin[who])
    episodes = log.episodes[log.episodes["subject"] == who]
    positions = onset_positions(clock, rows.loc[rows["event"] == 1, "stop"].to_numpy(float), episodes)
    total = clock.total
    if total <= 0:
        raise ValueError(f"subject {who!r} has no time at risk in the log")
    found = segment(positions.placed, total, **options)
    fu = line.windows[line.windows["subject"] == who]

    def to_dates(clock_values):
        out = clock.dates(clock_values)
        # The ends of the clock are the ends of follow-up, not the ends of at-risk intervals.
        out = out.where(np.asarray(clock_values) > 0, fu["start"].min())
        return out.where(np.asarray(clock_values) < total, fu["end"].max())

    segments = _segments(found, to_dates, confidence_level)
    sensitivity = _sensitivity(positions, total, clock, n_placements=int(n_placements), seed=seed, **options)
    notes = " ".join(n for n in (line.note, _sensitivity_sentence(sensitivity, positions.n_imprecise)) if n)
    return ChangePointResult(
        segments=segments, p_value=found.test.p_value, statistic=found.test.statistic,
        changes=_changes(found, segments, to_dates), sensitivity=sensitivity, n_events=int(positions.placed.size),
        days_at_risk=total, n_imprecise=positions.n_imprecise, alpha=alpha, confidence_level=confidence_level,
        max_changes=max_changes, null=null, n_simulations=n_simulations,
        interpretation=_interpretation(segments, found.test.p_value, confidence_level, dates=True), notes=notes,
        onsets=pd.Series(clock.dates(positions.placed)), onset_days_at_risk=positions.placed,
    )


def _default_simulations(null: str, n_simulations) -> int:
    check_option("null", null, NULLS)
    if n_simulations is None:
        return N_PERMUTATIONS if null == "renewal" else N_SIMULATIONS
    check_number("n_simulations", n_simulations, at_least=99, whole=True)
    return int(n_simulations)


def _from_array(data, end, confidence_level, options) -> ChangePointResult:
    options = dict(options, n_simulations=_default_simulations(options["null"], options["n_simulations"]))
    times = np.sort(np.asarray(data, dtype=float))
    if times.ndim != 1:
        raise ValueError(f"onset times must be a 1-D array, got shape {times.shape}")
    if end is None:
        raise ValueError("an array of onset times needs end= (the length of the at-risk clock)")
    bad = np.flatnonzero(~np.isfinite(times) | (times < 0) | (times > end))
    if bad.size:
        raise ValueError(f"onset times must lie in [0, end={end!r}]; element {bad[0]} is {times[bad[0]]!r}")
    if not (np.isfinite(end) and end > 0):
        raise ValueError(f"end must be a positive number of days, got {end!r}")
    found = segment(times, float(end), **options)
    segments = _segments(found, lambda u: np.asarray(u, dtype=float), confidence_level)
    return ChangePointResult(
        segments=segments, p_value=found.test.p_value, statistic=found.test.statistic,
        changes=_changes(found, segments, lambda u: np.asarray(u, dtype=float)),
        sensitivity=_sensitivity(OnsetPositions(times, times, times, 0), float(end), None, n_placements=0, seed=0, **options),
        n_events=int(times.size), days_at_risk=float(end), n_imprecise=0, alpha=options["alpha"],
        confidence_level=confidence_level, max_changes=options["max_changes"], null=options["null"],
        n_simulations=options["n_simulations"],
        interpretation=_interpretation(segments, found.test.p_value, confidence_level, dates=False),
        onsets=pd.Series(times), onset_days_at_risk=times,
    )
