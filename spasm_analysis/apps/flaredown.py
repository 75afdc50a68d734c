"""Flaredown CSV exports: a person's wide export, or the long multi-user research dump.

**Research dump** (long): ``user_id, age, sex, country, checkin_date,
trackable_id, trackable_type, trackable_name, trackable_value``, one row per
thing rated at a check-in.  It becomes a cohort: one subject per ``user_id``,
covariates ``age``, ``sex``, ``country``, as written: an empty cell is a value
not given, and an age of 0 is kept as 0.  A blank line is spacing.

**Per-user export** (wide), as Flaredown's data export writes it: ``Date``,
one column per condition, then per symptom, then per treatment, ``Tags``,
``Foods``, and six weather columns (``Weather summary``, ``Weather max
temperature``, ``Weather min temperature``, ``Weather pressure``, ``Weather
precipitation intensity``, ``Weather humidity``); one row per check-in.  The
header does not say which column is what.  Treatment cells hold a dose as the
person wrote it (``400 mg``), ``Taken`` or ``Not Taken``, so a column with any
cell that is not a 0-4 number is a treatment, and so is every column after it
(treatments come last); the rest are conditions and symptoms.  Headers written
``Treatment: X``, ``Symptom: X`` or ``Condition: X`` settle it explicitly.
Tags and foods are separated by ``"; "`` (a food named "Coffee, brewed from
grounds" is one food).  Weather columns only mark the day as logged.

In both: conditions and symptoms are rated 0-4 and are the symptoms one can
select; severity is ``2.5 x rating`` and a rating of 0 is a logged symptom-free
day.  A treatment cell ``Taken`` or a dose (``10 mg``) is a one-day treatment
(an empty treatment value in the research dump means taken, dose not given),
``Not Taken`` is skipped.  Tags and foods become 0/1 daily exposures over each
subject's check-in days.  Weather and HBI rows only mark the day as logged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..log import EpisodeLog
from ..schema import DEFAULT_SUBJECT
from .flaredown_research import NOT_TAKEN, read_research_dump
from .daily import build_log, counts, daily_indicator_exposures, one_day_treatments, select_symptoms
from .source import Record, SourceProblems, csv_records, parse_day, parse_number, split_list

__all__ = ["read_flaredown", "RESEARCH_HEADER"]

APP = "Flaredown"
RESEARCH_HEADER = ("user_id", "age", "sex", "country", "checkin_date", "trackable_id", "trackable_type", "trackable_name", "trackable_value")
_SCALE = 2.5  # Flaredown's 0-4 ratings to the 0-10 severity scale
_PREFIXED = re.compile(r"^(?P<kind>treatment|symptom|condition)\s*:\s*(?P<name>.+)$", re.IGNORECASE)


class _Collected:
    """Rows gathered from either layout, in one shape."""

    def __init__(self) -> None:
        self.logged: list[tuple[str, pd.Timestamp]] = []
        self.ratings: list[tuple[str, pd.Timestamp, str, float]] = []
        self.treatments: list[tuple[str, pd.Timestamp, str, str | None]] = []
        self.tags: list[tuple[str, pd.Timestamp, str]] = []

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "logged": pd.DataFrame(self.logged, columns=["subject", "day"]),
            "ratings": pd.DataFrame(self.ratings, columns=["subject", "day", "symptom", "rating"]),
            "treatments": pd.DataFrame(self.treatments, columns=["subject", "day", "name", "dose"]),
            "tags": pd.DataFrame(self.tags, columns=["subject", "day", "exposure"]),
            "covariates": None,
        }

    def treatment(self, subject: str, day, name: str, value: str) -> None:
        if value.lower() in NOT_TAKEN:
            return
        self.treatments.append((subject, day, name, None if value.lower() in ("", "taken") else value))


_DOSE = re.compile(r"\d.*[^\W\d_]|[^\W\d_].*\d")  # a number and a word: "400 mg", "3 x 5mg", "1mg"


def _is_treatment_cell(text: str) -> bool:
    """``Taken``, ``Not Taken`` or a dose; a cell such as "bad" stays a (malformed) rating."""
    return text.lower() in ("taken", "not taken") or bool(_DOSE.search(text))


def _column_kinds(header: list[str], rows: list[Record]) -> dict[str, tuple[str, str]]:
    """Each rated or treatment column -> (kind, name); weather and list columns are left out."""
    lowered = [column.lower() for column in header]
    # Everything after Tags/Foods is weather (the exporter's order).
    last = min((lowered.index(name) for name in ("tags", "foods") if name in lowered), default=len(header))
    kinds, treatments_started = {}, False
    for column in header[:last]:
        low = column.lower()
        if low in ("date", "notes", "") or low.startswith("weather "):
            continue
        if match := _PREFIXED.match(column):
            kind = "treatment" if match["kind"].lower() == "treatment" else "rated"
            kinds[column] = (kind, match["name"].strip())
            continue
        treatments_started = treatments_started or any(_is_treatment_cell(r.get(column)) for r in rows)
        kinds[column] = ("treatment" if treatments_started else "rated", column)
    return kinds


def _wide(records, header: list[str], collected: _Collected, problems: SourceProblems) -> None:
    rows = list(records)
    kinds = _column_kinds(header, rows)
    for record in rows:
        day = parse_day(record, "Date", problems)
        if day is None:
            continue
        collected.logged.append((DEFAULT_SUBJECT, day))
        for column, (kind, name) in kinds.items():
            value = record.get(column)
            if not value:
                continue
            if kind == "treatment":
                collected.treatment(DEFAULT_SUBJECT, day, name, value)
            else:
                rating = parse_number(record, column, problems, low=0, high=4)
                if rating is not None:
                    collected.ratings.append((DEFAULT_SUBJECT, day, name, rating))
        for column in ("Tags", "Foods"):
            collected.tags.extend((DEFAULT_SUBJECT, day, tag) for tag in split_list(record.get(column), ";"))


def read_flaredown(path, *, symptom: str | None = None, min_severity: float | None = None,
                   encoding: str | None = None) -> EpisodeLog:
    """Read a Flaredown export (per-user wide export or research dump) into an :class:`EpisodeLog`.

    Parameters
    ----------
    path : str or Path
        The exported CSV.
    symptom : str, optional
        The condition or symptom defining an episode (name or regular
        expression); required when several are rated in the file.
    min_severity : float, optional
        Ratings below this severity (0-10; a rating r is ``2.5 r``) count as
        symptom-free.
    encoding : str, optional
        The file's text encoding (e.g. ``"cp1252"``); by default from its
        byte-order mark, else UTF-8.

    Returns
    -------
    EpisodeLog
        One subject per ``user_id`` (research dump, with covariates age, sex,
        country) or one subject (wide export).

    Examples
    --------
    >>> cohort = read_flaredown("flaredown_research.csv", symptom="Back spasm")  # doctest: +SKIP
    """
    path = Path(path)
    problems = SourceProblems(path, APP)
    header, _, records = csv_records(path, problems, encoding=encoding)
    fields = {h.lower() for h in header}
    if {"user_id", "checkin_date", "trackable_type"} <= fields:
        tables = read_research_dump(path, problems, encoding=encoding)
    elif "date" in fields:
        collected = _Collected()
        _wide(records, header, collected, problems)
        tables = collected.frames()
    else:
        problems.add_line(1 if header else None, None, None,
                          f"neither Flaredown layout: expected {', '.join(RESEARCH_HEADER)} or Date, <trackables>, Tags, Foods")
    problems.raise_if_any()

    ratings = tables["ratings"]
    chosen = select_symptoms(counts(ratings.loc[ratings["rating"] > 0, "symptom"]), symptom, source=path.name)
    picked = ratings[ratings["symptom"].isin(chosen)]
    records_frame = pd.DataFrame(
        {
            "subject": picked["subject"],
            "start": pd.to_datetime(picked["day"]),
            "end": pd.NaT,
            "severity": _SCALE * picked["rating"].astype(float),
            "present": picked["rating"] > 0,
        }
    )
    logged_days = tables["logged"].drop_duplicates()
    logged_days["day"] = pd.to_datetime(logged_days["day"])
    treatments = one_day_treatments(tables["treatments"]) if len(tables["treatments"]) else None
    exposures = daily_indicator_exposures(tables["tags"], logged_days) if len(tables["tags"]) else None
    return build_log(records_frame, logged_days=logged_days, min_severity=min_severity, treatments=treatments,
                     exposures=exposures, covariates=tables["covariates"])
