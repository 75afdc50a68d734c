"""Where an onset known only to a stretch of days is placed in an analysis.

Early years of a personal log are remembered, not recorded ("summer 2004",
"early October 2013", "around Nov 8 2014").  The episode table keeps what the
person said as an interval: ``onset`` (the first day the onset can have been)
to ``onset_latest`` (the last day), see :mod:`spasm_analysis.io.dates`.  An
onset is *imprecise* when ``onset_latest`` is after ``onset``; the onset then
lies somewhere in ``[onset, onset_latest + 1 day)``.  Using the stored first
day as if it were the true day would pile onsets up on the 1st of the month,
so every analysis places them with :func:`place_onsets` and says how:

``"midpoint"``
    the middle of the interval (the expected position if the true day were
    uniform over it);
``"earliest"`` / ``"latest"``
    its first / last day (the two extremes, for showing how much an answer moves);
``"random"``
    a uniform draw inside the interval (``seed=`` makes it reproducible; run
    several seeds to see the spread);
``"exclude"``
    leave the episode out (its interval still counts as observed time, which
    biases rates down a little).

A placed episode keeps its length: its end moves with its onset, inside what
was written for the end (``end_earliest`` to ``end_latest``).
:func:`imprecise_onset_sensitivity` runs an analysis under several placements
and tabulates the headline numbers side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..options import check_option

__all__ = [
    "IMPRECISE_CHOICES",
    "ANALYSIS_CHOICES",
    "PLACEMENTS",
    "ImpreciseOnsets",
    "onset_interval",
    "place_onsets",
    "resolve_imprecise_onsets",
    "imprecise_onset_sensitivity",
]

#: The two handlings every analysis reports side by side.
IMPRECISE_CHOICES = ("midpoint", "exclude")
#: Allowed values of every ``imprecise_onsets=`` option in :mod:`spasm_analysis.personal`.
ANALYSIS_CHOICES = ("midpoint", "exclude", "earliest", "latest")
#: The placements :func:`place_onsets` accepts (every choice but "exclude").
PLACEMENTS = ("midpoint", "earliest", "latest", "random")
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class ImpreciseOnsets:
    """Episodes after the imprecise-onset choice, and a sentence saying what was done.

    Attributes
    ----------
    episodes : DataFrame
        The log's episodes with imprecise onsets placed or removed.
    how : str
        One of :data:`ANALYSIS_CHOICES` or "random".
    n_month, n_year : int
        How many imprecise onsets span at most about a month / more than that.
    note : str
        Plain-language account of the handling, for results' ``notes``.
    """

    episodes: pd.DataFrame
    how: str
    n_month: int
    n_year: int
    note: str


def check_choice(how: str) -> str:
    """Validate an ``imprecise_onsets`` option, listing the allowed values."""
    check_option("imprecise_onsets", how, ANALYSIS_CHOICES)
    return how


def onset_interval(episodes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``(earliest, latest)`` day of each onset.

    Tables without ``onset_latest`` (built by hand) fall back on
    ``onset_precision``: "month" spans the month, "year" the year.
    """
    earliest = episodes["onset"]
    if "onset_latest" in episodes.columns:
        latest = episodes["onset_latest"].where(episodes["onset_latest"].notna(), earliest)
        return earliest, latest
    latest = earliest.copy()
    if "onset_precision" in episodes.columns:
        precision = episodes["onset_precision"]
        for name, offset in (("month", pd.offsets.MonthEnd(0)), ("year", pd.offsets.YearEnd(0))):
            chosen = precision.eq(name) & earliest.notna()
            if chosen.any():
                latest[chosen] = np.maximum(earliest[chosen], earliest[chosen].dt.normalize() + offset)
    return earliest, latest


def place_onsets(episodes: pd.DataFrame, how: str = "midpoint", *, seed: int | None = None) -> pd.DataFrame:
    """Episodes with every imprecise onset placed inside its interval.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes (``onset``, ``onset_latest``; optional ``end``,
        ``end_earliest``, ``end_latest``).
    how : {"midpoint", "earliest", "latest", "random"}
        Where in ``[onset, onset_latest + 1 day)`` to put it (see the module docstring).
    seed : int, optional
        For ``"random"``.

    Returns
    -------
    DataFrame
        A copy with ``onset`` (and ``end``) moved; ``onset_latest`` equal to the
        placed onset; the rest unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"subject": ["me"], "onset": pd.to_datetime(["2004-06-01"]),
    ...                    "onset_latest": pd.to_datetime(["2004-08-31"]),
    ...                    "end": pd.to_datetime(["2004-06-08"])})
    >>> placed = place_onsets(ep, "latest")
    >>> str(placed.onset[0].date()), str(placed.end[0].date())
    ('2004-08-31', '2004-09-07')
    """
    check_option("how", how, PLACEMENTS)
    out = episodes.copy()
    earliest, latest = (bound.copy() for bound in onset_interval(out))  # not views of the onsets moved below
    imprecise = (latest > earliest).to_numpy()
    if not imprecise.any():
        return out
    width = (latest + _DAY - earliest)[imprecise]
    if how == "midpoint":
        offset = width / 2
    elif how == "earliest":
        offset = width * 0
    elif how == "latest":
        offset = width - _DAY
    else:
        draws = np.random.default_rng(seed).random(int(imprecise.sum()))
        offset = pd.to_timedelta((width.dt.total_seconds().to_numpy() * draws).round(), unit="s")
        offset = pd.Series(offset, index=width.index)
    placed = earliest[imprecise] + offset
    out.loc[imprecise, "onset"] = placed
    if "end" in out.columns:
        out["end"] = _moved_end(out, episodes, imprecise, offset)
        out = _avoid_collisions(out, imprecise, earliest)
    if "onset_latest" in out.columns:
        out.loc[imprecise, "onset_latest"] = out.loc[imprecise, "onset"]
    return out


def _avoid_collisions(out: pd.DataFrame, imprecise: np.ndarray, earliest: pd.Series) -> pd.DataFrame:
    """A placed episode never overlaps another one: a person has one episode at a time.

    When the placed position would run into another episode (a month-only
    onset placed mid-month where a dated episode was going on), the placed
    episode starts the day after the one it hits ends, as
    :func:`spasm_analysis.personal.placement.place_onsets` does; one placed
    before a dated episode it would run into ends the day before that one
    begins if its own interval allows.  Two dated episodes that overlap are
    left for the log's own check to report.
    """
    moved = pd.Series(imprecise, index=out.index)
    subject = out["subject"] if "subject" in out.columns else pd.Series(0, index=out.index)
    for _ in range(2 * len(out)):
        order = out.assign(_s=subject).sort_values(["_s", "onset"], kind="stable").index
        onset, end = out.loc[order, "onset"], out.loc[order, "end"].fillna(out.loc[order, "onset"])
        reach_before = end.shift()
        clash = (subject.loc[order].to_numpy()[1:] == subject.loc[order].to_numpy()[:-1]) & (
            onset.to_numpy()[1:] <= reach_before.to_numpy()[1:])
        hits = [(order[k], order[k + 1]) for k in np.flatnonzero(clash) if moved[order[k]] or moved[order[k + 1]]]
        if not hits:
            return out
        first, second = hits[0]
        if moved[first] and not moved[second] and onset[second] - _DAY - (end[first] - onset[first]) >= earliest[first]:
            shift, target = onset[second] - _DAY - end[first], first
        elif moved[second]:
            shift, target = end[first] + _DAY - onset[second], second
        else:
            shift, target = end[second] + _DAY - onset[first], first
        out.loc[target, "onset"] = out.at[target, "onset"] + shift
        if pd.notna(out.at[target, "end"]):
            out.loc[target, "end"] = out.at[target, "end"] + shift
    return out


def _moved_end(out: pd.DataFrame, episodes: pd.DataFrame, imprecise: np.ndarray, offset: pd.Series) -> pd.Series:
    """The end moves with the onset, inside what was written for it, and never before the onset."""
    end = out["end"].copy()
    written = episodes.loc[imprecise, "end"]
    moved = written + offset
    # Without bounds the end is taken as written: it stays where it is.
    low = episodes.loc[imprecise, "end_earliest"] if "end_earliest" in episodes.columns else written
    high = episodes.loc[imprecise, "end_latest"] if "end_latest" in episodes.columns else written
    moved = moved.where(low.isna() | (moved >= low), low)
    moved = moved.where(high.isna() | (moved <= high), high)
    onset = out.loc[imprecise, "onset"]
    moved = moved.where(moved.isna() | (moved >= onset), onset)
    end[imprecise] = moved
    return end


def resolve_imprecise_onsets(episodes: pd.DataFrame, *, how: str = "midpoint", seed: int | None = None) -> ImpreciseOnsets:
    """Apply an imprecise-onset choice to an episodes table.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes.  Without ``onset_latest`` or ``onset_precision``
        every onset is taken as day-precise.
    how : {"midpoint", "exclude", "earliest", "latest", "random"}
        See the module docstring (analyses take all but "random", which
        needs ``seed`` to be reproducible).
    seed : int, optional
        For ``"random"``.

    Returns
    -------
    ImpreciseOnsets

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"subject": ["me", "me"],
    ...                    "onset": pd.to_datetime(["2013-10-01", "2015-03-04"]),
    ...                    "onset_precision": ["month", "day"]})
    >>> str(resolve_imprecise_onsets(ep).episodes.onset.iloc[0])
    '2013-10-16 12:00:00'
    """
    if how != "random":
        check_choice(how)
    out = episodes.copy()
    earliest, latest = onset_interval(out)
    imprecise = latest > earliest
    span_days = (latest - earliest) / _DAY
    n_month = int((imprecise & (span_days < 32)).sum())
    n_year = int((imprecise & (span_days >= 32)).sum())
    if n_month + n_year == 0:
        return ImpreciseOnsets(out, how, 0, 0, "All onsets have day precision.")
    counts = (
        f"{n_month + n_year} onset(s) known only to a stretch of days "
        f"({n_month} of up to a month, {n_year} longer, such as a season or a year)"
    )
    if how == "exclude":
        out = out.loc[~imprecise].copy()
        note = f"{counts} were left out (their stretches still count as observed time)."
    else:
        out = place_onsets(out, how, seed=seed)
        where = {"midpoint": "in the middle of (mid-month, mid-season, mid-year)", "earliest": "on the first day of", "latest": "on the last day of",
                 "random": "at a random day inside"}[how]
        note = f"{counts} were placed {where} their stretch."
    return ImpreciseOnsets(out, how, n_month, n_year, note)


def imprecise_onset_sensitivity(
    analysis: Callable, log, *, fields: tuple[str, ...] | None = None,
    choices: tuple[str, ...] = ("midpoint", "exclude"), **options
) -> pd.DataFrame:
    """Run ``analysis(log, imprecise_onsets=...)`` under several placements and compare.

    Parameters
    ----------
    analysis : callable
        Any analysis of :mod:`spasm_analysis.personal` that accepts an
        ``imprecise_onsets`` keyword (e.g. ``sa.laplace_test``, ``sa.rate_ratio``).
    log : EpisodeLog
    choices : tuple of str
        The placements to run (any of :data:`ANALYSIS_CHOICES`).
    fields : tuple of str, optional
        Result attributes to tabulate; by default the numeric fields the result
        has among ``statistic, p_value, rate_ratio, odds_ratio, level_change,
        ci_lower, ci_upper, beta, lam, shape, scale``.
    **options
        Passed on to ``analysis``.

    Returns
    -------
    DataFrame
        One row per choice (``imprecise_onsets``), one column per field; a
        ``note`` column says why a placement was impossible (episodes that
        would overlap), its fields then NaN.

    Examples
    --------
    >>> import spasm_analysis as sa                       # doctest: +SKIP
    >>> sa.imprecise_onset_sensitivity(sa.laplace_test, log)  # doctest: +SKIP
    """
    default_fields = (
        "statistic", "p_value", "rate_ratio", "odds_ratio", "level_change", "ci_lower", "ci_upper", "beta", "lam", "shape", "scale",
    )
    rows = []
    for how in choices:
        try:
            result = analysis(log, imprecise_onsets=how, **options)
        except ValueError as error:
            if how == choices[0]:
                raise
            # A placement can make two episodes collide (e.g. a year-only onset put on Dec 31
            # where a dated one began): that placement is impossible, not an error of the log.
            rows.append({"imprecise_onsets": how, "note": f"not possible: {str(error).splitlines()[0]}"})
            continue
        names = fields or tuple(f for f in default_fields if hasattr(result, f))
        row = {"imprecise_onsets": how}
        row.update({name: getattr(result, name) for name in names})
        rows.append(row)
    return pd.DataFrame(rows)
