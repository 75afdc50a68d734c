"""From daily symptom records to episodes, and from logged days to follow-up windows.

Tracking apps record a symptom per day (or per entry), not episodes.  The rules
that turn days into episodes, shared by every app reader:

* **Symptom days join.**  Consecutive days with the symptom form one episode.
* **A one-day hole with no entry at all does not split an episode.**  A person
  who logged the spasm on Monday and Wednesday but nothing on Tuesday most
  likely still had it; the hole day is counted inside the episode (and inside
  follow-up).
* **A logged symptom-free day does split.**  Any entry on a day (a mood, a
  medication, another symptom, the symptom rated 0 or "not present") says the
  person was logging, and the selected symptom was not recorded.
* **Logged days are the follow-up.**  Consecutive logged days (plus the hole
  days inside episodes) form one follow-up window ``[first day, last day + 1)``;
  a gap in logging ends the window, so "not logged" is never read as
  "no episode" (DOMAIN.md).

An episode's onset is the earliest start among its records (midnight of the
day for day-level apps) and its end is the latest record end: a record with a
duration (Apple Health ``startDate`` to ``endDate``) ends when it says, a record
without one covers its whole day.  The severity is the highest of its days.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..log import EpisodeLog
from ..schema import LogValidationError, Problem

__all__ = ["select_symptoms", "build_log", "daily_indicator_exposures", "follow_up_windows", "one_day_treatments", "counts"]

_DAY = pd.Timedelta(days=1)


def select_symptoms(
    found: Mapping[str, int], symptom: str | None, *, source: str, unit: str = "day", kind: str = "symptom"
) -> list[str]:
    """The symptom names that define an episode.

    Parameters
    ----------
    found : mapping
        Symptom name as written in the export -> how many records or days have it.
    symptom : str or None
        A name (matched case-insensitively) or a regular expression searched in
        each name; every matching name is selected.  ``None`` selects the only
        symptom when there is exactly one.
    source : str
        The file, for messages.
    unit, kind : str
        What the counts count and what the names are ("activity" for Daylio), for messages.

    Raises
    ------
    LogValidationError
        When nothing matches, or ``symptom`` is None and several symptoms were
        found; the message lists every symptom found with its count.
    """
    kinds = "activities" if kind == "activity" else kind + "s"
    listing = ", ".join(f"{name!r} ({n} {unit}{'s' if n != 1 else ''})" for name, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    if not found:
        raise LogValidationError([Problem(source, None, "symptom", None, f"no {kind} records found in the export")])
    if symptom is None:
        if len(found) == 1:
            return list(found)
        message = (
            f"{len(found)} {kinds} found: {listing}. Pass symptom= a name or a regular expression "
            f"to choose which {kind} defines an episode"
        )
        raise LogValidationError([Problem(source, None, "symptom", None, message)])
    if not isinstance(symptom, str) or not symptom.strip():
        raise TypeError(f"symptom must be a non-empty name or regular expression, not {symptom!r}")
    exact = [name for name in found if name.strip().casefold() == symptom.strip().casefold()]
    if exact:
        return exact
    try:
        pattern = re.compile(symptom, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"symptom={symptom!r} is neither a symptom name nor a valid regular expression ({error})") from None
    matched = [name for name in found if pattern.search(name)]
    if not matched:
        raise LogValidationError([Problem(source, None, "symptom", symptom, f"matches none of the {kinds} found: {listing}")])
    return matched


def _record_days(records: pd.DataFrame) -> pd.DataFrame:
    """One row per (record, day it covers), with the record's effective end."""
    first = records["start"].dt.normalize()
    spans = records["end"].notna() & (records["end"] > records["start"])
    last = first.where(~spans, (records["end"] - pd.Timedelta(1, "ns")).dt.normalize())
    effective_end = records["end"].where(spans, first + _DAY)
    n_days = ((last - first) / _DAY).astype(int) + 1
    position = np.repeat(np.arange(len(records)), n_days.to_numpy())
    offsets = np.arange(len(position)) - np.repeat(np.cumsum(n_days.to_numpy()) - n_days.to_numpy(), n_days.to_numpy())
    return pd.DataFrame(
        {
            "record": position,
            "subject": records["subject"].to_numpy()[position],
            "day": first.to_numpy()[position] + offsets * np.timedelta64(1, "D"),
            "start": records["start"].to_numpy()[position],
            "end": effective_end.to_numpy()[position],
            "severity": records["severity"].to_numpy(dtype=float)[position],
            "present": records["present"].to_numpy(dtype=bool)[position],
        }
    )


def _keys(subjects, days) -> pd.Index:
    return pd.MultiIndex.from_arrays([pd.Index(subjects, dtype=object), pd.DatetimeIndex(days)])


def follow_up_windows(days: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive days per subject as windows ``[first, last + 1 day)``."""
    days = days[["subject", "day"]].drop_duplicates().sort_values(["subject", "day"], ignore_index=True)
    new_run = (days["subject"] != days["subject"].shift()) | (days["day"] - days["day"].shift() != _DAY)
    run = new_run.cumsum()
    grouped = days.groupby(run)
    return pd.DataFrame(
        {
            "subject": grouped["subject"].first().to_numpy(),
            "start": grouped["day"].min().to_numpy(),
            "end": (grouped["day"].max() + _DAY).to_numpy(),
        }
    )


def _episodes(record_days: pd.DataFrame, logged: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join symptom days into episodes; also return the hole days bridged inside episodes."""
    present = record_days[record_days["present"]]
    by_day = (
        present.groupby(["subject", "day"], sort=True)
        .agg(start=("start", "min"), end=("end", "max"), severity=("severity", "max"))
        .reset_index()
    )
    if by_day.empty:
        empty = pd.DataFrame({"subject": pd.Series([], dtype=object), "onset": pd.Series([], dtype="datetime64[ns]"),
                              "end": pd.Series([], dtype="datetime64[ns]"), "severity": pd.Series([], dtype=float)})
        return empty, pd.DataFrame({"subject": pd.Series([], dtype=object), "day": pd.Series([], dtype="datetime64[ns]")})
    same = by_day["subject"] == by_day["subject"].shift()
    gap = by_day["day"] - by_day["day"].shift()
    hole_day = by_day["day"] - _DAY
    hole_logged = pd.Series(_keys(by_day["subject"], hole_day).isin(logged), index=by_day.index)
    joins = same & ((gap == _DAY) | ((gap == 2 * _DAY) & ~hole_logged))
    episode = (~joins).cumsum()
    bridged = by_day.loc[joins & (gap == 2 * _DAY), ["subject"]].assign(day=hole_day[joins & (gap == 2 * _DAY)])
    grouped = by_day.groupby(episode)
    episodes = pd.DataFrame(
        {
            "subject": grouped["subject"].first().to_numpy(),
            "onset": grouped["start"].min().to_numpy(),
            "end": grouped["end"].max().to_numpy(),
            # all-NaN severities stay NaN (unknown), not an error
            "severity": grouped["severity"].max().to_numpy(),
        }
    )
    return episodes, bridged


def build_log(
    records: pd.DataFrame,
    *,
    logged_days: pd.DataFrame,
    min_severity: float | None = None,
    treatments: pd.DataFrame | None = None,
    exposures: pd.DataFrame | None = None,
    covariates: pd.DataFrame | None = None,
) -> EpisodeLog:
    """Build a validated :class:`EpisodeLog` from symptom records of the selected symptom.

    Parameters
    ----------
    records : DataFrame
        ``subject, start, end, severity, present``: one row per record of the
        selected symptom.  ``end`` may be NaT (the record covers its day);
        ``present`` False is a logged "symptom not present" record.
    logged_days : DataFrame
        ``subject, day``: every day with any entry in the export.
    min_severity : float, optional
        Records below this severity (0-10) count as symptom-free logged days.
        Records of unknown severity stay symptom days.
    treatments, exposures, covariates : DataFrame, optional
        Passed to :class:`EpisodeLog`.
    """
    records = records.copy()
    if min_severity is not None:
        if not (isinstance(min_severity, (int, float, np.integer, np.floating)) and 0 <= float(min_severity) <= 10):
            raise ValueError(f"min_severity must be a number from 0 to 10, got {min_severity!r}")
        records["present"] = records["present"] & ~(records["severity"] < float(min_severity))
    record_days = _record_days(records)
    logged = logged_days[["subject", "day"]].copy()
    logged["day"] = pd.to_datetime(logged["day"]).dt.normalize()
    all_days = pd.concat([logged, record_days[["subject", "day"]]], ignore_index=True)
    episodes, bridged = _episodes(record_days, _keys(all_days["subject"], all_days["day"]))
    follow_up = follow_up_windows(pd.concat([all_days, bridged], ignore_index=True))
    if episodes["severity"].isna().all():
        episodes = episodes.drop(columns="severity")
    return EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, exposures=exposures, covariates=covariates)


def daily_indicator_exposures(tagged: pd.DataFrame, logged_days: pd.DataFrame) -> pd.DataFrame:
    """0/1 exposures on every logged day: 1 where the day carries the tag, 0 elsewhere.

    Case-crossover and self-controlled analyses compare exposure on episode
    days with exposure on other days, so an exposure must be recorded as 0 on
    the logged days without it, not just as 1 where it was written.

    Parameters
    ----------
    tagged : DataFrame
        ``subject, day, exposure``: the tags as written.
    logged_days : DataFrame
        ``subject, day``: every logged day.

    Returns
    -------
    DataFrame
        ``subject, time, exposure, value`` for each subject's exposures crossed
        with that subject's logged days.
    """
    columns = {"subject": object, "time": "datetime64[ns]", "exposure": object, "value": float}
    if tagged.empty:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})
    tagged = tagged[["subject", "day", "exposure"]].drop_duplicates()
    names = tagged[["subject", "exposure"]].drop_duplicates()
    days = logged_days[["subject", "day"]].drop_duplicates()
    grid = names.merge(days, on="subject")
    grid = grid.merge(tagged.assign(value=1.0), on=["subject", "day", "exposure"], how="left")
    grid["value"] = grid["value"].fillna(0.0)
    out = grid.rename(columns={"day": "time"})[["subject", "time", "exposure", "value"]]
    return out.sort_values(["subject", "exposure", "time"], ignore_index=True)


def one_day_treatments(rows: pd.DataFrame) -> pd.DataFrame:
    """Medication taken on a day: a one-day session, modality from the vocabulary.

    Names go through the one modality mapping (:func:`~spasm_analysis.vocabulary.map_modalities`),
    so names no rule knows are listed in an ``UnknownModalityWarning``, as for a treatment table.
    """
    from ..vocabulary import map_modalities

    out = rows.copy()
    out["start"] = pd.to_datetime(out["day"])
    out["end"] = out["start"] + _DAY
    out["modality"] = map_modalities(out["name"], stacklevel=4)
    keep = ["subject", "start", "end", "modality", "name"] + [c for c in ("dose", "notes") if c in out.columns]
    return out[keep].reset_index(drop=True)


def counts(names: Any) -> dict[str, int]:
    """Distinct values and how often each occurs, as a plain dict."""
    return {str(k): int(v) for k, v in pd.Series(names, dtype=object).value_counts().items()}
