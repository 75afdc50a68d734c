"""Bearable CSV export: one row per thing logged, in long format.

Columns ``date, date formatted, weekday, time of day, category, rating/amount,
detail, notes``.  What the reader takes from each category:

* ``Symptom``: ``detail`` names the symptom with its intensity in brackets,
  ``Back (lower) pain (Moderate)``; ``rating/amount`` holds the intensity on
  Bearable's 0-4 scale (0 none, 1 mild, 2 moderate, 3 severe, 4 unbearable).
  Severity on the 0-10 scale is ``2.5 x rating``; without a rating the bracketed
  word gives it (None 0, Mild 2.5, Moderate 5, Severe 7.5, Unbearable/Extreme 10).
  A rating of 0 ("None") is a logged symptom-free day.
* ``Medication`` and ``Meds/Supplements``: a one-day treatment for each name
  in ``detail`` (several are separated by ``|``), ``rating/amount`` kept as the
  dose.  Names go through the one modality mapping
  (:func:`~spasm_analysis.vocabulary.map_modalities`); names no rule knows are
  listed in an ``UnknownModalityWarning``.
* ``Factors``: ``detail`` lists factors separated by ``|``; each becomes a 0/1
  exposure on every logged day (1 on the days it was logged).
* ``Food Diary`` (``Nutrition`` in older exports): ``detail`` such as
  ``Meals: Coffee | Toast`` or ``Amount eaten - Moderate``; each food becomes a
  0/1 exposure ``food: <name>`` like a factor.
* ``Sleep``: hours slept, from ``rating/amount`` (``7:30`` or ``7.5``) or from
  ``detail`` (``Asleep 23:30 - 07:00``), becomes the exposure ``sleep hours``
  with the hours as its value, on the day it was logged.
* Every other category (mood, energy, notes, ...) only tells that the day was
  logged.

Symptom counts in messages are days (a symptom logged morning and evening is
one day), as the follow-up and episodes are built from days.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..log import EpisodeLog
from .daily import build_log, counts, daily_indicator_exposures, one_day_treatments, select_symptoms
from .source import SourceProblems, csv_records, parse_day, parse_number, split_list

__all__ = ["read_bearable", "HEADER", "INTENSITY"]

APP = "Bearable"
HEADER = ("date", "date formatted", "weekday", "time of day", "category", "rating/amount", "detail", "notes")
#: Bearable's intensity words on its 0-4 scale.
INTENSITY = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "unbearable": 4, "extreme": 4}
_LABELLED = re.compile(r"^(?P<name>.*?)\s*\((?P<label>" + "|".join(INTENSITY) + r")\)\s*$", re.IGNORECASE)
_SCALE = 2.5  # Bearable's 0-4 intensity to the 0-10 severity scale
_MEDICATION = ("medication", "meds/supplement")
_FOOD = ("food diary", "nutrition")
_ASLEEP = re.compile(r"(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _category(text: str) -> str:
    return text.strip().lower().rstrip("s")


def _symptom_items(record, problems: SourceProblems):
    """(name, severity or NaN) for each symptom written in a Symptom row's detail."""
    detail = record.get("detail")
    if not detail:
        problems.add_line(record.line, "detail", None, "a Symptom row without the symptom's name")
        return []
    items = split_list(detail, "|")
    rating = parse_number(record, "rating/amount", problems, low=0, high=4)
    out = []
    for item in items:
        match = _LABELLED.match(item)
        name = match["name"].strip() if match else item
        level = rating if rating is not None and len(items) == 1 else (INTENSITY[match["label"].lower()] if match else None)
        out.append((name, np.nan if level is None else _SCALE * float(level)))
    return out


def _sleep_hours(record, problems: SourceProblems) -> float | None:
    """Hours slept: ``rating/amount`` as ``7:30`` or ``7.5``, else the ``Asleep 23:30 - 07:00`` span."""
    amount = record.get("rating/amount")
    if amount:
        if clock := _CLOCK.match(amount):
            return int(clock[1]) + int(clock[2]) / 60
        return parse_number(record, "rating/amount", problems, low=0, high=24)
    if span := _ASLEEP.search(record.get("detail")):
        start, end = int(span[1]) * 60 + int(span[2]), int(span[3]) * 60 + int(span[4])
        return ((end - start) % (24 * 60)) / 60
    return None


def _foods(detail: str) -> list[str]:
    """Foods of a Food Diary row: ``Meals: Coffee | Toast`` -> [Coffee, Toast]; an amount eaten is no food."""
    label, _, rest = detail.partition(":")
    if not rest or label.strip().lower().startswith("amount"):
        return [] if detail.lower().startswith("amount") else split_list(detail, "|")
    return split_list(rest, "|")


def read_bearable(path, *, symptom: str | None = None, min_severity: float | None = None,
                  encoding: str | None = None) -> EpisodeLog:
    """Read a Bearable CSV export into an :class:`EpisodeLog`.

    Parameters
    ----------
    path : str or Path
        The exported CSV file.
    symptom : str, optional
        The symptom defining an episode: a name as written in ``detail``
        without the intensity (``"Back (lower) pain"``) or a regular expression.
        Required when the export holds several symptoms.
    min_severity : float, optional
        Symptom days below this severity (0-10) count as symptom-free.
    encoding : str, optional
        The file's text encoding (e.g. ``"cp1252"``); by default from its
        byte-order mark, else UTF-8.

    Returns
    -------
    EpisodeLog
        One subject; follow-up windows are the runs of logged days.

    Examples
    --------
    >>> log = read_bearable("bearable.csv", symptom="Back (lower) pain")  # doctest: +SKIP
    """
    path = Path(path)
    problems = SourceProblems(path, APP)
    header, _, records = csv_records(path, problems, encoding=encoding, is_header=lambda f: {"category", "detail"} <= {x.lower() for x in f})
    if not header:
        problems.add_line(None, None, None, f"no header row with the Bearable columns ({', '.join(HEADER)})")
        problems.raise_if_any()
    symptoms, medications, factors, sleep, logged = [], [], [], [], []
    for record in records:
        day = parse_day(record, "date", problems)
        if day is None:
            continue
        logged.append(day)
        category = _category(record.get("category"))
        if category == "symptom":
            symptoms.extend((day, name, severity, record.line) for name, severity in _symptom_items(record, problems))
        elif category in _MEDICATION:
            if not record.get("detail"):
                problems.add_line(record.line, "detail", None, f"a {record.get('category')} row without the medication's name")
                continue
            dose = record.get("rating/amount") or None
            medications.extend((day, name, dose) for name in split_list(record.get("detail"), "|"))
        elif category == "factor":
            factors.extend((day, factor) for factor in split_list(record.get("detail"), "|"))
        elif category in _FOOD:
            factors.extend((day, f"food: {food}") for food in _foods(record.get("detail")))
        elif category == "sleep":
            hours = _sleep_hours(record, problems)
            if hours is not None:
                sleep.append((day, hours))
    problems.raise_if_any()

    symptom_frame = pd.DataFrame(symptoms, columns=["day", "symptom", "severity", "line"])
    present = symptom_frame[~(symptom_frame["severity"] == 0)].drop_duplicates(["day", "symptom"])
    chosen = select_symptoms(counts(present["symptom"]), symptom, source=path.name, unit="day")
    picked = symptom_frame[symptom_frame["symptom"].isin(chosen)]
    subject = "me"
    records_frame = pd.DataFrame(
        {
            "subject": subject,
            "start": pd.to_datetime(picked["day"]),
            "end": pd.NaT,
            "severity": picked["severity"].astype(float),
            "present": ~(picked["severity"] == 0),
        }
    )
    logged_days = pd.DataFrame({"subject": subject, "day": pd.to_datetime(pd.Series(logged, dtype=object))})
    treatments = None
    if medications:
        treatments = one_day_treatments(pd.DataFrame(medications, columns=["day", "name", "dose"]).assign(subject=subject))
    exposures = []
    if factors:
        tagged = pd.DataFrame(factors, columns=["day", "exposure"]).assign(subject=subject)
        exposures.append(daily_indicator_exposures(tagged, logged_days))
    if sleep:
        # Two sleep rows on a day (a nap) add up.
        hours = pd.DataFrame(sleep, columns=["time", "value"]).groupby("time", as_index=False)["value"].sum()
        exposures.append(hours.assign(subject=subject, exposure="sleep hours", time=pd.to_datetime(hours["time"])))
    exposures = pd.concat(exposures, ignore_index=True)[["subject", "time", "exposure", "value"]] if exposures else None
    return build_log(records_frame, logged_days=logged_days, min_severity=min_severity, treatments=treatments, exposures=exposures)
