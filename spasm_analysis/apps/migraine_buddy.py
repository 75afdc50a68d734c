"""Migraine Buddy CSV export: one row per attack.

An optional preamble block (export title, name, export date), a blank line,
then a header with columns including ``Started``, ``Lasted`` (``01h 00m``,
``1d 02h 15m``), ``Pain Level`` (0-10), ``Pain Positions``, ``Potential
Triggers``, ``Helpful Medication``, ``Somewhat Helpful Medication``,
``Unhelpful Medication``, ``Unsure Medication``, the same four ratings of
``Non Drug Relief Methods`` (ice, dark room, sleep) and ``Notes``; list fields
are comma-separated.  The preamble may list ongoing health events over many
lines; the header is found wherever it starts.
Newer exports add time-zone offset columns, older ones do not; the reader
keeps the wall-clock time of ``Started`` either way (as the rest of
spasm_analysis does), so the offset columns are not needed.

``Started`` is written in the phone's locale: ``03/15/24 22:10`` (month first)
or ``15/03/24 22:10`` (day first).  The order is inferred from the data when
some first field exceeds 12 (day first) or some second field does (month
first), and a :class:`~spasm_analysis.apps.DateOrderInferredWarning` says which
and why.  When every date fits both orders the file is ambiguous and
``dayfirst=`` must be given.

Each attack is an episode (onset ``Started``, end ``Started + Lasted``,
severity ``Pain Level``, region ``Pain Positions``, trigger ``Potential
Triggers``).  Medications and non-drug relief methods become one-day
treatments on the attack's day, with the person's rating ("helpful",
"somewhat helpful", "unhelpful", "unsure", with "(non-drug)" for relief
methods) in ``notes``.
Triggers become exposures on the attack's day; Migraine Buddy records them only
for attacks, so they cannot show a trigger effect on their own (a warning says
so).  The app does not record attack-free days: the follow-up window is the
first to the last record unless ``follow_up=`` is given.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.dates import decide_date_order
from ..io.durations import parse_duration
from ..log import EpisodeLog
from ..schema import DEFAULT_SUBJECT
from .daily import counts, one_day_treatments, select_symptoms
from .registry import REGISTRY
from .source import Record, SourceProblems, csv_records, parse_number, split_list

__all__ = ["read_migraine_buddy", "MEDICATION_COLUMNS", "TriggersOnEpisodeDaysOnlyWarning"]

APP = "Migraine Buddy"
#: Medication and relief columns and the rating each stands for (kept in the treatment's ``notes``).
MEDICATION_COLUMNS = {
    "Helpful Medication": "helpful",
    "Somewhat Helpful Medication": "somewhat helpful",
    "Unhelpful Medication": "unhelpful",
    "Unsure Medication": "unsure",
    "Helpful Non Drug Relief Methods": "helpful (non-drug)",
    "Somewhat Helpful Non Drug Relief Methods": "somewhat helpful (non-drug)",
    "Unhelpful Non Drug Relief Methods": "unhelpful (non-drug)",
    "Unsure Non Drug Relief Methods": "unsure (non-drug)",
}
#: What the app writes in a medication column when nothing was taken.
_NOTHING_TAKEN = {"no medication", "none"}
_SLASHED = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{2}|\d{4})(?:[ ,T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?$", re.IGNORECASE)


class TriggersOnEpisodeDaysOnlyWarning(UserWarning):
    """Triggers were recorded only on episode days, which cannot show a trigger effect."""


def _infer_dayfirst(started: list[tuple[int, str]], dayfirst: bool | None, source: str) -> bool:
    """Day-first or month-first from the slashed dates (one rule for every reader), or the caller's choice."""
    try:
        order, reason = decide_date_order(started, dayfirst, short_years=True, row_word="line")
    except ValueError as error:
        raise ValueError(f"{source}: 'Started' {error}") from None
    if reason is not None:
        from . import DateOrderInferredWarning

        said = reason.replace("read ", "read 'Started' dates as ", 1)
        warnings.warn(f"{source}: {said}; pass dayfirst= to override",
                      DateOrderInferredWarning, stacklevel=4)
    return bool(order)


def _started(record: Record, dayfirst: bool, problems: SourceProblems):
    text = record.get("Started")
    if not text:
        problems.add_line(record.line, "Started", None, "missing (required)")
        return None
    match = _SLASHED.match(text)
    try:
        if match is None:
            stamp = pd.Timestamp(text)
            return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
        day, month = (int(match["a"]), int(match["b"])) if dayfirst else (int(match["b"]), int(match["a"]))
        year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
        hour = int(match["h"] or 0)
        if match["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} with am/pm")
            hour = hour % 12 + (12 if match["ampm"].lower().startswith("p") else 0)
        return pd.Timestamp(year, month, day, hour, int(match["m"] or 0), int(match["s"] or 0))
    except ValueError as error:
        order = "dd/mm/yy" if dayfirst else "mm/dd/yy"
        problems.add_line(record.line, "Started", text, f"not a date-time read as {order} ({error})")
        return None


def _lasted(record: Record, problems: SourceProblems):
    text = record.get("Lasted")
    if not text:
        return pd.NaT  # still going or not recorded
    try:
        return parse_duration(text)
    except ValueError as error:
        problems.add_line(record.line, "Lasted", text, str(error))
        return pd.NaT


def _follow_up(option, source: str) -> pd.DataFrame | None:
    if option is None or isinstance(option, pd.DataFrame):
        return option
    try:
        start, end = option
        return pd.DataFrame({"subject": [DEFAULT_SUBJECT], "start": [pd.Timestamp(start)], "end": [pd.Timestamp(end)]})
    except (TypeError, ValueError) as error:
        raise ValueError(f"follow_up must be a (start, end) pair or a follow_up DataFrame, got {option!r} ({error})") from None


def read_migraine_buddy(
    path, *, symptom: str | None = None, min_severity: float | None = None, dayfirst: bool | None = None, follow_up=None,
    encoding: str | None = None,
) -> EpisodeLog:
    """Read a Migraine Buddy CSV export into an :class:`EpisodeLog`.

    Parameters
    ----------
    path : str or Path
        The exported CSV, with or without its preamble.
    symptom : str, optional
        Keep the attacks with a pain position matching this name or regular
        expression (e.g. ``"neck"``); all attacks when omitted.
    min_severity : float, optional
        Drop attacks with a ``Pain Level`` below this.
    dayfirst : bool, optional
        How ``Started`` dates are written; inferred from the data when possible.
    follow_up : (start, end) or DataFrame, optional
        When the person was using the app.  Default: first to last record, with
        a :class:`~spasm_analysis.log.FollowUpInferredWarning`.
    encoding : str, optional
        The file's text encoding (e.g. ``"cp1252"``); by default from its
        byte-order mark, else UTF-8.

    Returns
    -------
    EpisodeLog

    Examples
    --------
    >>> log = read_migraine_buddy("migraine_buddy.csv", dayfirst=True)  # doctest: +SKIP
    """
    path = Path(path)
    problems = SourceProblems(path, APP)
    # The same test as detection: a preamble line of health events may have a "Started" column too.
    sniff = REGISTRY["migraine_buddy"].sniff
    header, _, records = csv_records(path, problems, encoding=encoding, is_header=lambda f: sniff({x.lower() for x in f}))
    if not header:
        problems.add_line(None, "Started", None, "no header row with columns 'Started' and 'Lasted' or 'Pain Level' (after the optional preamble)")
        problems.raise_if_any()
    rows = list(records)
    order = _infer_dayfirst([(r.line, r.get("Started")) for r in rows], dayfirst, path.name)
    attacks, medications, triggers = [], [], []
    for record in rows:
        onset = _started(record, order, problems)
        lasted = _lasted(record, problems)
        level = parse_number(record, "Pain Level", problems, low=0, high=10)
        if onset is None:
            continue
        if min_severity is not None and level is not None and level < min_severity:
            continue
        positions = split_list(record.get("Pain Positions"), ",")
        found = split_list(record.get("Potential Triggers"), ",")
        attacks.append((onset, onset + lasted, np.nan if level is None else level, ", ".join(positions) or None,
                        ", ".join(found) or None, record.get("Notes") or None, positions))
        day = onset.normalize()
        for column, rating in MEDICATION_COLUMNS.items():
            medications.extend((day, name, rating) for name in split_list(record.get(column), ",")
                               if name.lower() not in _NOTHING_TAKEN)
        triggers.extend((onset, name) for name in found)
    problems.raise_if_any()
    if min_severity is not None and not 0 <= min_severity <= 10:
        raise ValueError(f"min_severity must be a number from 0 to 10, got {min_severity!r}")

    columns = ["onset", "end", "severity", "region", "trigger", "notes", "positions"]
    episodes = pd.DataFrame(attacks, columns=columns)
    if symptom is not None:
        chosen = select_symptoms(counts(episodes["positions"].explode().dropna()), symptom, source=path.name,
                                 unit="attack", kind="pain position")
        keep = episodes["positions"].map(lambda p: bool(set(p) & set(chosen)))
        kept_days = set(episodes.loc[keep, "onset"].dt.normalize())
        episodes = episodes[keep]
        medications = [m for m in medications if m[0] in kept_days]
        triggers = [t for t in triggers if t[0].normalize() in kept_days]
    episodes = episodes.drop(columns="positions").assign(subject=DEFAULT_SUBJECT)
    treatments = None
    if medications:
        frame = pd.DataFrame(medications, columns=["day", "name", "notes"]).assign(subject=DEFAULT_SUBJECT)
        treatments = one_day_treatments(frame)
    exposures = None
    if triggers:
        exposures = pd.DataFrame(triggers, columns=["time", "exposure"]).assign(subject=DEFAULT_SUBJECT, value=1.0)
        exposures["time"] = exposures["time"].dt.normalize()
        warnings.warn(
            f"{path.name}: Migraine Buddy records potential triggers only for attacks, so the exposures are all on "
            "attack days; without exposure on attack-free days they cannot show a trigger effect "
            "(a case-crossover comparison needs both)", TriggersOnEpisodeDaysOnlyWarning, stacklevel=3)
    return EpisodeLog(episodes, follow_up=_follow_up(follow_up, path.name), treatments=treatments, exposures=exposures)
