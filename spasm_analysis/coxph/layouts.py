"""Data layouts for the recurrent-event Cox models: gap time and WLW.

Both work on the frame of a :class:`~spasm_analysis.CountingProcess`
(``subject, start, stop, event, episode`` rows, (start, stop] intervals; the
episode numbers come from the type) and are vectorised over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["to_gap_time", "to_marginal_layout"]

#: Every row is copied once per later stratum, so K must stay modest.
MAX_LAYOUT_ROWS = 50_000_000


def _check(frame: pd.DataFrame, subject: str) -> None:
    missing = [c for c in (subject, "start", "stop", "event") if c not in frame.columns]
    if missing:
        raise ValueError(f"column(s) {', '.join(map(repr, missing))} not found in the data; "
                         f"available columns: {', '.join(map(str, frame.columns))}")


def to_gap_time(frame: pd.DataFrame, *, episode: str = "episode",
                subject: str = "subject") -> pd.DataFrame:
    """Shift each row's times to time since the start of its episode's risk.

    The origin is the earliest start of the subject's rows in that episode
    stratum, so a subject re-enters the risk set at gap time 0 after each
    episode (the PWP gap-time scale, R's ``Surv(stop - start, event)`` when
    each episode has one row).
    """
    _check(frame, subject)
    if episode not in frame.columns:
        raise ValueError(f"episode column {episode!r} not found in the data")
    origin = frame.groupby([subject, episode], sort=False, observed=True)["start"].transform("min")
    out = frame.copy()
    out["start"] = frame["start"] - origin
    out["stop"] = frame["stop"] - origin
    return out


def to_marginal_layout(frame: pd.DataFrame, carry, *, max_episodes: int | None = None,
                       subject: str = "subject") -> pd.DataFrame:
    """Wei-Lin-Weissfeld marginal layout: every subject at risk for each of episodes 1..K.

    In stratum k the subject is at risk from its entry (first start) until its
    k-th event, or until the end of follow-up when it has fewer than k events;
    at-risk gaps of the counting-process frame (e.g. risk-free windows) stay
    gaps. Rows of the same subject and stratum that are contiguous with equal
    ``carry`` values are merged, so with baseline covariates each (subject, k)
    is one row, as in R's ``bladder`` data.

    Parameters
    ----------
    frame : DataFrame
        Counting-process rows ``subject, start, stop, event, episode``.
    carry : list of str
        Columns carried into the layout (covariates, weights).
    max_episodes : int, optional
        K; default: the largest number of events of any subject.
    """
    _check(frame, subject)
    if "episode" not in frame.columns:
        raise ValueError("the marginal layout needs the episode numbers of a CountingProcess (column 'episode')")
    k_row = frame["episode"].to_numpy(dtype=np.int64)
    events_per_subject = frame.groupby(subject, sort=False, observed=True)["event"].sum()
    K = int(events_per_subject.max()) if max_episodes is None else int(max_episodes)
    if K < 1:
        raise ValueError(f"max_episodes must be at least 1, got {max_episodes!r}")
    keep = k_row <= K
    src = np.flatnonzero(keep)
    copies = K - k_row[src] + 1
    if copies.sum() > MAX_LAYOUT_ROWS:
        raise ValueError(
            f"the marginal layout for K = {K} episodes would have {int(copies.sum())} rows "
            f"(more than {MAX_LAYOUT_ROWS}); choose a smaller max_episodes")
    rows = np.repeat(src, copies)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(copies) - copies, copies)
    stratum = k_row[rows] + offsets
    # a row ending in the k-th event is an event only in stratum k; in later strata
    # the subject stays at risk through it
    event = frame["event"].to_numpy()[rows].astype(bool) & (stratum == k_row[rows])

    subj = pd.factorize(frame[subject])[0][rows]
    start = frame["start"].to_numpy(dtype=float)[rows]
    stop = frame["stop"].to_numpy(dtype=float)[rows]
    carried = [frame[c].to_numpy()[rows] for c in carry]
    order = np.lexsort((start, subj, stratum))
    subj, start, stop, stratum, event = (a[order] for a in (subj, start, stop, stratum, event))
    carried = [a[order] for a in carried]

    new = np.ones(len(order), dtype=bool)
    if len(order):
        same = (subj[1:] == subj[:-1]) & (stratum[1:] == stratum[:-1]) & (start[1:] == stop[:-1])
        for values in carried:
            same &= pd.Series(values[1:]).eq(pd.Series(values[:-1])).to_numpy()
        new[1:] = ~same
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(order)] - 1
    subject_values = pd.Index(frame[subject].to_numpy()[rows][order])
    out = pd.DataFrame({
        subject: subject_values[first],
        "start": start[first], "stop": stop[last],
        "event": event[last].astype(np.int64), "episode": stratum[first],
    })
    for name, values in zip(carry, carried):
        out[name] = values[first]
    return out.sort_values([subject, "episode"], kind="stable").reset_index(drop=True)
