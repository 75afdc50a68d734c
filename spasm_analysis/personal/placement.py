"""Placing onsets known only to an interval ("October 2013", "2004", onset..onset_latest).

Dropping such onsets while keeping their time as episode-free invents quiet
stretches; :func:`place_onsets` instead puts each at the ``earliest``,
``midpoint`` or ``latest`` instant of its interval, moving the episode's end
with it (its length is kept), so an analysis can be run under each placement
and report how far its answer moves.

The interval is ``onset`` .. ``onset_latest`` when the log has that column,
otherwise the onset's month or year (``onset_precision``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..options import check_option

__all__ = ["PLACEMENTS", "has_imprecise_onsets", "onset_intervals", "place_onsets"]

PLACEMENTS = ("earliest", "midpoint", "latest")


def onset_intervals(episodes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Earliest and latest possible onset of every episode (equal for day-precise onsets).

    The latest instant of a month or year is its last day (an onset is dated to the day).
    """
    earliest = episodes["onset"]
    latest = earliest.copy()
    precision = episodes["onset_precision"].fillna("day") if "onset_precision" in episodes else pd.Series("day", index=episodes.index)
    for kind, freq in (("month", "M"), ("year", "Y")):
        rows = precision.eq(kind)
        if rows.any():
            latest[rows] = (earliest[rows].dt.to_period(freq) + 1).dt.start_time - pd.Timedelta(days=1)
    if "onset_latest" in episodes:
        given = episodes["onset_latest"].notna()
        latest[given] = episodes.loc[given, "onset_latest"]
    return earliest, latest


def has_imprecise_onsets(episodes: pd.DataFrame) -> bool:
    earliest, latest = onset_intervals(episodes)
    return bool((latest > earliest).any())


def place_onsets(log, how: str):
    """The log with every interval-known onset placed at its ``how`` point (episode lengths kept).

    A placed episode that would run into its neighbour is moved just past it,
    so the log stays valid; day-precise onsets never move.
    """
    check_option("how", how, PLACEMENTS)
    ep = log.episodes.copy()
    earliest, latest = onset_intervals(ep)
    moving = latest > earliest
    if not moving.any():
        return log
    if how == "earliest":
        placed = earliest
    elif how == "latest":
        placed = latest
    else:
        placed = earliest + (latest - earliest + pd.Timedelta(days=1)) / 2
    shift = (placed - ep["onset"]).where(moving, pd.Timedelta(0))
    ep["onset"] = ep["onset"] + shift
    ep["end"] = ep["end"] + shift
    ep = ep.sort_values(["subject", "onset"], kind="stable")
    for subject, rows in ep.groupby("subject", sort=False):
        reach = None
        for label in rows.index:
            onset, end = ep.at[label, "onset"], ep.at[label, "end"]
            if reach is not None and onset <= reach and moving[label]:
                length = end - onset if pd.notna(end) else None
                ep.at[label, "onset"] = reach + pd.Timedelta(days=1)
                if length is not None:
                    ep.at[label, "end"] = ep.at[label, "onset"] + length
            last = ep.at[label, "end"] if pd.notna(ep.at[label, "end"]) else ep.at[label, "onset"]
            reach = last if reach is None else max(reach, last)
    ep["onset_precision"] = np.where(moving.loc[ep.index], "day", ep["onset_precision"]) if "onset_precision" in ep else "day"
    if "onset_latest" in ep:
        ep["onset_latest"] = pd.NaT
    return log.replace(episodes=ep.sort_index())
