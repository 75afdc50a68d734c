"""Where an onset known only to a stretch of days is placed: the one rule every analysis uses.

Early years of a personal log are remembered, not recorded ("summer 2004",
"early October 2013", "around Nov 8 2014").  The episode table keeps what the
person said as an interval: ``onset`` (the first day the onset can have been)
to ``onset_latest`` (the last day), see :mod:`spasm_analysis.io.dates`.  An
onset is *imprecise* when ``onset_latest`` is after ``onset``; it then lies
somewhere in ``[onset, onset_latest + 1 day)``.  Dropping such onsets while
keeping their time as episode-free invents quiet stretches, and using the
stored first day piles onsets up on the 1st of the month, so analyses place
them with :func:`place_onsets` and run under several placements to show how
far their answer moves.

What happens to the episode's end depends on what the log knows about it:

* **The end is known apart from the onset** (written as a date, "ended March 5",
  or "Nov 2013", with its own ``end_earliest``/``end_latest``): the end stays
  where it was written, and the onset is placed inside
  ``[onset, min(onset_latest, end)]``; an onset is never placed after the end
  the person wrote.  A tighter stretch than the onset's own is then
  ``[onset, end]`` (its middle is halfway to the end; "latest" is the end
  itself: over at once).
* **The end is known only as onset + length** (a length was written, "3-4
  days", and the readers record ``end_from_length=True``; the simulated
  remembered logs store their ends so too): the whole episode moves with its
  onset, keeping its length (``end`` and ``end_earliest`` shift as the onset
  did; ``end_latest``, the last possible onset plus the longest length, becomes
  the placed onset plus that length; a still-going episode keeps
  ``end_earliest``, the last day it was known to be going).
* **No end** (unknown or still going): only the onset moves.

A person has one episode at a time.  When a placed episode would overlap
another one (or start on the day the one before it ends), it starts the day
after the one it runs into ends; one whose end moves and that would run into a
day-known episode after it instead ends the day before that one begins, if its
stretch allows.  In a crowded stretch a placed onset can so leave its stretch
by the length of its neighbours; if no order of the episodes can avoid an
overlap (two written episodes that overlap whatever the placement) a
``ValueError`` names the rows.

The placements (``how``) are:

``"midpoint"``
    the middle of the interval (the expected position if the true day were
    uniform over it);
``"earliest"`` / ``"latest"``
    its first / last day (the two extremes, for showing how much an answer moves);
``"random"``
    a uniform draw inside the interval, to the second (``seed=`` makes it
    reproducible; run several seeds to see the spread).

Day-known onsets never move.  The placed onsets are stored with
``onset_latest`` equal to ``onset`` (placed); ``onset_precision`` still says
how they were written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..grouping import DAY_NS, as_ns  # DAY_NS: one day in the nanoseconds place_one_person works in
from ..options import check_option

__all__ = [
    "PLACEMENTS",
    "HOW_CHOICES",
    "END_FROM_LENGTH",
    "onset_interval",
    "end_moves_with_onset",
    "has_imprecise_onsets",
    "place_onsets",
    "place_one_person",
]

#: The placements an analysis runs to show how far its answer moves.
PLACEMENTS = ("earliest", "midpoint", "latest")
#: What :func:`place_onsets` accepts.
HOW_CHOICES = ("midpoint", "earliest", "latest", "random")
#: The episodes column saying that an end was computed as onset + a written length.
END_FROM_LENGTH = "end_from_length"
_SECOND_NS = 10**9


def onset_interval(episodes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``(earliest, latest)`` day of each onset (equal for onsets known to the day).

    Tables without ``onset_latest`` (built by hand) fall back on
    ``onset_precision``: "month" spans the month, "year" the year.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"onset": pd.to_datetime(["2013-10-01"]), "onset_precision": ["month"]})
    >>> str(onset_interval(ep)[1][0].date())
    '2013-10-31'
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


def end_moves_with_onset(episodes: pd.DataFrame) -> pd.Series:
    """True where the end is known only as onset + length (``end_from_length``), so it moves with the onset.

    A table without the column (built by hand, or read without a length
    column) has ends known apart from their onsets.
    """
    if END_FROM_LENGTH not in episodes.columns:
        return pd.Series(False, index=episodes.index)
    return episodes[END_FROM_LENGTH].astype("boolean").fillna(False).astype(bool)


def has_imprecise_onsets(episodes: pd.DataFrame) -> bool:
    """Whether any onset is known only to a stretch of days."""
    earliest, latest = onset_interval(episodes)
    return bool((latest > earliest).any())


def place_onsets(data, how: str = "midpoint", *, seed: int | None = None):
    """Episodes with every imprecise onset placed inside its interval, by the rule of the module docstring.

    Parameters
    ----------
    data : DataFrame or EpisodeLog
        Canonical episodes (``onset``, ``onset_latest``; optional ``end``,
        ``end_earliest``, ``end_latest``, ``end_from_length``, ``ongoing``,
        ``subject``), or a log (its episodes are placed).
    how : {"midpoint", "earliest", "latest", "random"}
        Where in its interval to put each onset.
    seed : int, optional
        For ``"random"``.

    Returns
    -------
    DataFrame or EpisodeLog
        The same kind as ``data``: a copy with ``onset`` moved (and the end
        columns where the end moves with the onset); ``onset_latest`` equal to
        the placed onset; the rest unchanged.

    Raises
    ------
    ValueError
        For an unknown ``how``, or when written episodes overlap whatever the placement.

    References
    ----------
    Midpoint placement of an event known only to an interval, and running the
    extremes to bound its effect: Law CG, Brookmeyer R (1992). Effects of
    mid-point imputation on the analysis of doubly censored data. Statistics
    in Medicine 11:1569-1578.

    Examples
    --------
    "Summer 2004" with an end written as June 8: the onset is not placed after
    that end.  The same onset with "a week" written as its length: the week
    moves with it.

    >>> import pandas as pd
    >>> ep = pd.DataFrame({"subject": ["me", "me"],
    ...                    "onset": pd.to_datetime(["2004-06-01", "2005-06-01"]),
    ...                    "onset_latest": pd.to_datetime(["2004-08-31", "2005-08-31"]),
    ...                    "end": pd.to_datetime(["2004-06-08", "2005-06-08"]),
    ...                    "end_from_length": [False, True]})
    >>> placed = place_onsets(ep, "latest")
    >>> [(str(row.onset.date()), str(row.end.date())) for row in placed.itertuples()]
    [('2004-06-08', '2004-06-08'), ('2005-08-31', '2005-09-07')]
    >>> str(place_onsets(ep, "midpoint").onset[0])
    '2004-06-04 12:00:00'
    """
    check_option("how", how, HOW_CHOICES)
    if not isinstance(data, pd.DataFrame) and hasattr(data, "episodes") and hasattr(data, "replace"):
        if not has_imprecise_onsets(data.episodes):
            return data
        return data.replace(episodes=place_onsets(data.episodes, how, seed=seed))
    out = data.copy()
    earliest, latest = (bound.copy() for bound in onset_interval(out))  # not views of the onsets moved below
    imprecise = (latest > earliest).to_numpy()  # False where either is NaT
    if not imprecise.any():
        return out
    known = earliest.notna().to_numpy()
    end = out["end"] if "end" in out.columns else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    moves = end_moves_with_onset(out).to_numpy()
    end_known = end.notna().to_numpy()
    draws = np.zeros(len(out))
    if how == "random":
        draws[imprecise] = np.random.default_rng(seed).random(int(imprecise.sum()))
    first, last, end_ns = (as_ns(column) for column in (earliest, latest, end))
    subject = out["subject"] if "subject" in out.columns else pd.Series(0, index=out.index)
    codes = pd.factorize(subject)[0]
    positions = pd.Series(np.arange(len(out))).groupby(codes, sort=False).indices  # one look-up per person, not a scan
    shift = np.zeros(len(out), dtype=np.int64)
    for code in np.unique(codes[imprecise]):
        rows = positions[code][known[positions[code]]]
        try:
            placed = place_one_person(first[rows], last[rows], end_ns[rows], end_known[rows],
                                      moves[rows], how, draws[rows])
        except _NoRoom as clash:
            a, b = (out.index[rows[k]] for k in clash.args)
            raise ValueError(f"episodes rows {a} and {b} of subject {subject.iloc[rows[0]]!r} overlap wherever "
                             "their onsets are placed; check their dates") from None
        shift[rows] = placed - first[rows]
    delta = pd.Series(pd.to_timedelta(shift, unit="ns"), index=out.index)
    out["onset"] = out["onset"] + delta
    moving = pd.Series(moves & imprecise, index=out.index)
    _move_ends(out, moving, out["onset"] - earliest, out["onset"] - latest)
    if "onset_latest" in out.columns:
        out.loc[imprecise, "onset_latest"] = out.loc[imprecise, "onset"]
    return out


def _move_ends(out: pd.DataFrame, moving: pd.Series, from_earliest: pd.Series, from_latest: pd.Series) -> None:
    """The end columns of the ``moving`` episodes, moved with their placed onsets (in place).

    ``end`` and ``end_earliest`` were the first possible onset plus a length:
    they shift by as much as the onset did (``from_earliest``).  A still-going
    episode keeps ``end_earliest``, the last day it was known to be going.
    ``end_latest`` was the last possible onset plus the longest length (as the
    readers compute it), so it shifts by ``from_latest``; never before the end.
    """
    if not moving.any():
        return
    rows = moving.to_numpy()
    if "end" in out.columns:
        out.loc[rows, "end"] = out.loc[rows, "end"] + from_earliest[rows]
    if "end_earliest" in out.columns:
        still_going = out["ongoing"].astype("boolean").fillna(False).astype(bool) if "ongoing" in out.columns else False
        shifted = rows & ~(still_going & out["end"].isna()).to_numpy() if "end" in out.columns else rows
        out.loc[shifted, "end_earliest"] = out.loc[shifted, "end_earliest"] + from_earliest[shifted]
    if "end_latest" in out.columns:
        latest_end = out.loc[rows, "end_latest"] + from_latest[rows]
        if "end" in out.columns:
            end = out.loc[rows, "end"]
            latest_end = latest_end.where(end.isna() | latest_end.isna() | (latest_end >= end), end)  # NaT: no upper bound
        out.loc[rows, "end_latest"] = latest_end


class _NoRoom(Exception):
    """Two episodes (positions) that overlap wherever they are placed."""


def place_one_person(earliest, latest, end, end_known, end_moves, how: str, draws=None) -> np.ndarray:
    """Placed onsets of one person's episodes, on a time axis in nanoseconds (the rule of the module docstring).

    The arrays (one entry per episode, any order) give the first and last day
    the onset can be (equal when known), the stored end (``end_known`` False:
    none), and whether the end moves with the onset.  ``draws`` are uniform
    numbers for ``how="random"``.  The simulated histories call this directly,
    on day numbers times :data:`DAY_NS`.

    Examples
    --------
    >>> import numpy as np
    >>> day = DAY_NS
    >>> onset = place_one_person(np.array([0, 40]) * day, np.array([30, 40]) * day, np.array([3, 45]) * day,
    ...                          np.array([True, True]), np.array([True, False]), "latest")
    >>> (onset / day).tolist()   # days 30-33 end before the day-known episode of days 40-45
    [30.0, 40.0]
    """
    earliest = np.asarray(earliest, dtype=np.int64)
    latest = np.maximum(np.asarray(latest, dtype=np.int64), earliest)
    end_known = np.asarray(end_known, dtype=bool)
    end = np.where(end_known, np.asarray(end, dtype=np.int64), 0)
    end_moves = np.asarray(end_moves, dtype=bool) & end_known
    imprecise = latest > earliest
    # An end known apart from the onset bounds it: the onset is not placed after it.
    capped = imprecise & end_known & ~end_moves & (end < latest + DAY_NS)
    upper = np.where(capped, np.maximum(end, earliest), latest + DAY_NS)
    last = np.where(capped, np.minimum(np.maximum(end, earliest), latest), latest)
    if how == "earliest":
        onset = earliest.copy()
    elif how == "latest":
        onset = last.copy()
    elif how == "midpoint":
        onset = earliest + (upper - earliest) // 2
    else:
        seconds = np.round(np.asarray(draws, dtype=float) * ((upper - earliest) // _SECOND_NS))
        onset = earliest + seconds.astype(np.int64) * _SECOND_NS
    onset = np.where(imprecise, onset, earliest)
    return _separate(onset, earliest, imprecise, end, end_known, end_moves)


def _separate(onset, stored, movable, end, end_known, end_moves) -> np.ndarray:
    """Move placed episodes apart until no two overlap (see the module docstring); raises _NoRoom if impossible."""
    onset = onset.copy()
    length = np.where(end_moves, end - stored, 0)
    fixed_end = end_known & ~end_moves
    n = len(onset)
    for _ in range(20 * n + 10):
        reach = np.where(fixed_end, end, onset + length)
        order = np.argsort(onset, kind="stable")
        start, until = onset[order], reach[order]
        moved = onset[order] != stored[order]
        before = np.maximum.accumulate(until)
        # Overlapping, or a placed onset on the very instant the episode before it ends.
        clash = (start[1:] < before[:-1]) | ((start[1:] == before[:-1]) & (moved[1:] | moved[:-1]))
        if not clash.any():
            return onset
        k = int(np.flatnonzero(clash)[0])
        first, second = order[np.argmax(until[: k + 1] == before[k])], order[k + 1]
        earlier_reach = np.max(np.delete(until[: k + 1], np.flatnonzero(order[: k + 1] == first))) if k else None
        if movable[first] and not fixed_end[first] and not movable[second]:
            pulled = onset[second] - DAY_NS - length[first]
            if pulled >= stored[first] and (earlier_reach is None or pulled > earlier_reach):
                onset[first] = pulled
                continue
        if movable[second] and (not fixed_end[second] or reach[first] + DAY_NS <= end[second]):
            onset[second] = reach[first] + DAY_NS
            continue
        if movable[first] and not fixed_end[first]:
            onset[first] = reach[second] + DAY_NS
            continue
        raise _NoRoom(first, second)
    raise _NoRoom(order[0], order[-1])
