"""Daylio CSV export: mood entries tagged with activities.

Current layout ``full_date,date,weekday,time,mood,activities,note_title,note``
(``full_date`` is ISO, ``2024-05-02``); the older 7-column layout
``year,date,weekday,time,mood,activities,note`` splits the date into ``year``
and ``date`` (``2 May``), written in the phone's language (``7 września``,
``7. Sept.``, ``9月7日``): month names in Daylio's languages are read through
Babel (:mod:`.month_names`), or in the one given as ``language=``.  ``activities`` lists activities separated by
`` | ``.

Daylio has no symptom scale: the activity named by ``symptom`` (e.g. "back
spasm") marks symptom days, and every other activity becomes a 0/1 exposure on
each logged day (1 on the days it was logged, 0 on the other logged days), so
case-crossover and self-controlled analyses can compare episode days with
other days.  Moods are not used.  A day with any entry is a logged day.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..log import EpisodeLog
from ..schema import DEFAULT_SUBJECT
from .daily import build_log, counts, daily_indicator_exposures, select_symptoms
from .month_names import read_day_month
from .source import Record, SourceProblems, csv_records, day_of_text, parse_day

__all__ = ["read_daylio", "HEADER", "OLD_HEADER"]

APP = "Daylio"
HEADER = ("full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note")
OLD_HEADER = ("year", "date", "weekday", "time", "mood", "activities", "note")


def _day(record: Record, old_layout: bool, problems: SourceProblems, months: dict | None):
    if not old_layout:
        return parse_day(record, "full_date", problems)
    year, date = record.get("year"), record.get("date")
    if not year.isdigit():
        problems.add_line(record.line, "year", year or None, "not a year")
        return None
    if months is not None and date in months:
        month, day = months[date]
        try:
            return pd.Timestamp(int(year), month, day)
        except ValueError as error:
            problems.add_line(record.line, "date", date, f"not a day of {year} ({error})")
            return None
    joined = Record(record.line, {"date": f"{date} {year}"})
    return parse_day(joined, "date", problems)


def _month_names(rows: list[Record], language: str | None, problems: SourceProblems) -> dict | None:
    """Month and day of each date text, when the file is not in English (or ``language=`` is given)."""
    texts = {r.get("date") for r in rows if r.get("date")}
    if language is None and all(day_of_text(f"{text} 2000", False)[1] is None for text in texts):
        return None
    months, message = read_day_month(texts, language=language)
    if message:
        first = next(r for r in rows if r.get("date"))
        problems.add_line(first.line, "date", first.get("date"), f"dates written with month names: {message}")
    return months


def read_daylio(path, *, symptom: str | None = None, min_severity: float | None = None, language: str | None = None,
                encoding: str | None = None) -> EpisodeLog:
    """Read a Daylio CSV export into an :class:`EpisodeLog`.

    Parameters
    ----------
    path : str or Path
        The exported CSV (current or older 7-column layout).
    symptom : str
        The activity that marks a symptom day (a name, case-insensitive, or a
        regular expression).  Without it the error lists the activities found.
    min_severity : None
        Daylio records no severity; passing a value is an error.
    language : str, optional
        The language of the older layout's dates, as a CLDR code ("pl", "de");
        found from the month names when omitted.
    encoding : str, optional
        The file's text encoding (e.g. ``"cp1252"``); by default from its
        byte-order mark, else UTF-8.

    Returns
    -------
    EpisodeLog
        One subject; exposures are the other activities as 0/1 per logged day.

    Examples
    --------
    >>> log = read_daylio("daylio_export.csv", symptom="back spasm")  # doctest: +SKIP
    """
    if min_severity is not None:
        raise ValueError("Daylio exports record no severity, so min_severity cannot be applied; leave it None")
    path = Path(path)
    problems = SourceProblems(path, APP)
    header, _, records = csv_records(path, problems, encoding=encoding, is_header=lambda f: {"mood", "activities"} <= {x.lower() for x in f})
    fields = {h.lower() for h in header}
    if not header or not ("full_date" in fields or {"year", "date"} <= fields):
        problems.add_line(None, None, None, f"no Daylio header ({','.join(HEADER)} or {','.join(OLD_HEADER)})")
        problems.raise_if_any()
    old_layout = "full_date" not in fields
    rows = list(records)
    months = _month_names(rows, language, problems) if old_layout else None
    tagged = []
    logged = []
    for record in rows:
        day = _day(record, old_layout, problems, months)
        if day is None:
            continue
        logged.append(day)
        # Daylio writes " | " between activities; an activity name may itself hold "/" or ",".
        tagged.extend((day, activity.strip()) for activity in record.get("activities").split("|") if activity.strip())
    problems.raise_if_any()

    activities = pd.DataFrame(tagged, columns=["day", "exposure"]).drop_duplicates()
    chosen = select_symptoms(counts(activities["exposure"]), symptom, source=path.name, kind="activity")
    is_symptom = activities["exposure"].isin(chosen)
    symptom_days = activities.loc[is_symptom, "day"].drop_duplicates()
    logged_days = pd.DataFrame({"subject": DEFAULT_SUBJECT, "day": pd.to_datetime(pd.Series(logged, dtype=object))})
    records_frame = pd.DataFrame(
        {"subject": DEFAULT_SUBJECT, "start": pd.to_datetime(symptom_days), "end": pd.NaT, "severity": float("nan"), "present": True}
    )
    exposures = daily_indicator_exposures(activities[~is_symptom].assign(subject=DEFAULT_SUBJECT), logged_days)
    return build_log(records_frame, logged_days=logged_days, exposures=exposures if len(exposures) else None)
