"""Duplicate and overlapping episodes, and the flare definition that joins close ones.

One person cannot be in two episodes at once, so overlapping episodes of a subject
are an error unless the user asks to merge them.  ``merge_within_days=N`` is the
usual flare definition: an onset within N days of the previous episode's end is
the same flare.  Where an episode's end is unknown, its onset is the only instant
it is known to have lasted to, and that is what the distance is measured from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .grouping import first_in_group, grouped_cummax, sort_by_subject
from .schema import ProblemList

__all__ = ["merge_episodes", "check_time_span", "MAX_SPAN_YEARS"]

_TEXT_COLUMNS = ("region", "side", "trigger", "notes")

#: Records of one subject further apart than this are refused: time differences
#: (nanosecond timestamps) overflow past about 292 years, and no person logs
#: for centuries -- such a span is a mistyped year.
MAX_SPAN_YEARS = 250

_TIME_COLUMNS = {"episodes": ("onset", "end"), "follow_up": ("start", "end"), "treatments": ("start", "end"), "exposures": ("time",)}


def check_time_span(tables: dict[str, pd.DataFrame], problems: ProblemList) -> None:
    """Name the latest record of each subject whose records span more than :data:`MAX_SPAN_YEARS`."""
    pieces = []
    for table, columns in _TIME_COLUMNS.items():
        frame = tables[table]
        for column in columns:
            if column in frame.columns and len(frame):
                pieces.append(pd.DataFrame({"subject": frame["subject"].to_numpy(), "t": frame[column].to_numpy(),
                                            "table": table, "column": column, "row": frame.index.to_numpy()}))
    if not pieces:
        return
    times = pd.concat(pieces, ignore_index=True).dropna(subset=["t"])
    if times.empty:
        return
    years = times["t"].dt.year + (times["t"].dt.dayofyear - 1) / 366.0
    first = years.groupby(times["subject"]).transform("min")
    too_far = years - first > MAX_SPAN_YEARS
    for subject, rows in times.loc[too_far].groupby("subject", sort=False):
        latest = rows.loc[rows["t"].idxmax()]
        earliest = times.loc[times.loc[times["subject"] == subject, "t"].idxmin()]
        problems.add(
            latest["table"], latest["row"], latest["column"], str(latest["t"].date()),
            f"subject {subject!r} has records from {earliest['t'].date()} ({earliest['table']} row {earliest['row']}) to this one, "
            f"more than {MAX_SPAN_YEARS} years apart; a year is probably mistyped",
        )


def merge_episodes(
    episodes: pd.DataFrame,
    problems: ProblemList,
    *,
    merge_overlaps: bool,
    merge_within_days: float | None,
    actions: list[str],
) -> pd.DataFrame:
    """Check duplicates and overlaps; merge when asked, recording each merge in ``actions``."""
    ep = sort_by_subject(episodes, ["onset", "end"])
    codes, _ = pd.factorize(ep["subject"])
    same_subject = pd.Series(~first_in_group(codes), index=ep.index)
    duplicate = same_subject & ep["onset"].eq(ep["onset"].shift()) & (ep["end"].eq(ep["end"].shift()) | (ep["end"].isna() & ep["end"].shift().isna()))
    # The latest instant each earlier episode of the subject is known to have lasted to.
    lasted_to = ep["end"].fillna(ep["onset"])
    reach = pd.Series(grouped_cummax(lasted_to.to_numpy(), codes), index=ep.index).shift().where(same_subject)
    gap_days = pd.Series(_days_between(reach, ep["onset"]), index=ep.index)
    overlap = same_subject & (gap_days < 0)

    merging = merge_overlaps or merge_within_days is not None
    if not merging:
        # The row before, as labelled in the file (a shift would turn line numbers into floats).
        previous = pd.Series([None, *ep.index[:-1]][: len(ep)], index=ep.index, dtype=object)
        for label in ep.index[duplicate | overlap]:
            if duplicate.at[label]:
                problems.add("episodes", label, "onset", str(ep.at[label, "onset"]), f"duplicate of row {previous.at[label]} (same subject, onset and end)")
            else:
                problems.add(
                    "episodes", label, "onset", str(ep.at[label, "onset"]),
                    f"overlaps an earlier episode of subject {ep.at[label, 'subject']!r} (row {previous.at[label]}); "
                    "pass merge_overlaps=True to merge overlapping episodes",
                )
        return episodes

    if merge_within_days is None:
        joins = same_subject & (duplicate | overlap)
    else:
        joins = same_subject & (duplicate | (gap_days <= float(merge_within_days)))
    group = (~joins).cumsum()
    if not joins.any():
        return episodes
    merged = _collapse(ep, group)
    in_merge = group.duplicated(keep=False)
    labels = pd.Series(ep.index[in_merge], index=ep.index[in_merge]).groupby(group[in_merge].to_numpy()).agg(list)
    rule = f"merge_within_days={merge_within_days:g}" if merge_within_days is not None else "merge_overlaps=True"
    combined = list(labels)
    n_rows = sum(len(rows) for rows in combined)
    detail = "; ".join("rows " + "+".join(map(str, rows)) for rows in combined[:20])
    more = f"; and {len(combined) - 20} more" if len(combined) > 20 else ""
    actions.append(f"{rule}: merged {n_rows} episode rows into {len(combined)} episode(s) ({detail}{more})")
    return merged


def _days_between(earlier: pd.Series, later: pd.Series) -> np.ndarray:
    """``later - earlier`` in days (NaN where either is missing), also for dates centuries apart.

    Timestamp subtraction overflows past about 292 years; the nanosecond
    difference is exact up to that span and the float difference (exact
    enough: the gap is then centuries) beyond it.
    """
    a = earlier.to_numpy(dtype="datetime64[ns]").view("int64")
    b = later.to_numpy(dtype="datetime64[ns]").view("int64")
    approximate = b.astype(float) - a.astype(float)
    with np.errstate(over="ignore"):
        exact = (b - a).astype(float)
    days = np.where(np.abs(approximate) < 2.0**62, exact, approximate) / 86_400e9
    return np.where(earlier.isna().to_numpy() | later.isna().to_numpy(), np.nan, days)


def _collapse(ep: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    """One row per group: earliest onset, latest end, worst severity, texts joined."""
    grouped = ep.groupby(group.to_numpy(), sort=False)
    out = grouped.agg(subject=("subject", "first"), onset=("onset", "min"), onset_precision=("onset_precision", "first"), n_merged=("n_merged", "sum"))
    lasted_to = ep["end"].fillna(ep["onset"]).groupby(group.to_numpy()).max()
    # The merged end is known only if the episode that reaches furthest has a known end.
    end = ep["end"].groupby(group.to_numpy()).max()
    out["end"] = end.where(end >= lasted_to)
    if "severity" in ep.columns:
        out["severity"] = grouped["severity"].max()
    # Joining texts is a Python call per group: do it only where rows were merged.
    in_merge = group.duplicated(keep=False).to_numpy()
    for column in _TEXT_COLUMNS:
        if column in ep.columns:
            out[column] = grouped[column].first()
            joined = ep.loc[in_merge, column].groupby(group.to_numpy()[in_merge], sort=False).agg(_join_text)
            out.loc[joined.index, column] = joined
    rest = [c for c in ep.columns if c not in out.columns]
    for column in rest:
        out[column] = grouped[column].first()
    if "end_from_length" in out.columns:
        # A merged episode's end is the furthest of its rows' ends, not its onset plus one length.
        out["end_from_length"] = out["end_from_length"].astype(bool) & (grouped.size() == 1)
    # Each merged episode keeps the row label of its first raw row.
    out.index = pd.Series(ep.index, index=ep.index).groupby(group.to_numpy(), sort=False).first().to_numpy()
    return out[list(ep.columns)]


def _join_text(values: pd.Series):
    seen = []
    for value in values.dropna():
        text = str(value).strip()
        if text and text not in seen:
            seen.append(text)
    return "; ".join(seen) if seen else None
