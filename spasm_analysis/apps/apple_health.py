"""Apple Health ``export.xml`` (or the export zip): symptom records, streamed.

A Health export holds every sample the phone and watch recorded (heart rate,
steps, ...) and easily exceeds a gigabyte.  The file is parsed with
``defusedxml.ElementTree.iterparse`` (no entity expansion, no external
references) and every top-level element is dropped from the tree as soon as it
has been read, so memory stays flat whatever the file's size; from a zip the
XML is decompressed while it is parsed.

Symptoms are ``Record`` elements of category types whose value is a severity,
e.g. ``type="HKCategoryTypeIdentifierLowerBackPain"`` with ``startDate`` and
``endDate`` (``2024-03-01 09:00:00 -0800``) and
``value="HKCategoryValueSeverityModerate"``.  A symptom is named by its type
without the ``HKCategoryTypeIdentifier`` prefix (``LowerBackPain``).  Severities
become 0-10 at the midpoints of the usual bands of a numeric rating scale
(mild 1-3, moderate 4-6, severe 7-10):

=========================================  ==========================
``HKCategoryValueSeverityNotPresent``      symptom-free logged day
``HKCategoryValueSeverityMild``            2
``HKCategoryValueSeverityModerate``        5
``HKCategoryValueSeveritySevere``          8.5
``HKCategoryValueSeverityUnspecified``     present, severity unknown
``HKCategoryValuePresencePresent``         present, severity unknown
``HKCategoryValuePresenceNotPresent``      symptom-free logged day
=========================================  ==========================

The presence values are those of symptoms Health records as present or not
(``MoodChanges``, ``SleepChanges``, ``AppetiteChanges``).

Times keep their wall-clock value (the offset is dropped), as everywhere in
spasm_analysis.  A day with any symptom record (of any symptom type, "not
present" included) is a logged day.  ``Workout`` elements become 0/1 daily
exposures (``workout: Running``) on the logged days.  Health exports do not
carry medications in ``export.xml``, so the log has no treatments.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
from defusedxml import ElementTree as SafeET

from ..log import EpisodeLog
from ..schema import DEFAULT_SUBJECT
from .daily import build_log, counts, daily_indicator_exposures, select_symptoms
from .health_stream import open_health_xml
from .source import ExportNoteWarning, SourceProblems

__all__ = ["read_apple_health", "SEVERITY", "TYPE_PREFIX"]

APP = "Apple Health"
TYPE_PREFIX = "HKCategoryTypeIdentifier"
#: Health's severity values on the 0-10 scale; None = not present, NaN = present, severity unknown.
#: Presence-type symptoms (mood changes, sleep changes) are present or not, with no severity.
SEVERITY = {
    "HKCategoryValueSeverityNotPresent": None,
    "HKCategoryValueSeverityMild": 2.0,
    "HKCategoryValueSeverityModerate": 5.0,
    "HKCategoryValueSeveritySevere": 8.5,
    "HKCategoryValueSeverityUnspecified": float("nan"),
    "HKCategoryValuePresenceNotPresent": None,
    "HKCategoryValuePresencePresent": float("nan"),
}
_CATEGORY_PREFIXES = ("HKCategoryValueSeverity", "HKCategoryValuePresence")
_NOT_PRESENT = {value for value, severity in SEVERITY.items() if severity is None}
_WORKOUT_PREFIX = "HKWorkoutActivityType"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: ?[+-]\d{2}:?\d{2}| ?Z)?$")


def _scan(path: Path, max_xml_bytes: int | None):
    """Stream the export; return symptom records and workouts.

    Each symptom record is ``(index, type, start, end, value)`` where index is
    the position of the ``Record`` among all records (used to find its line
    only when it has a problem).  Attributes are read when an element starts,
    and every element is detached from its parent when it ends, so memory
    stays flat whatever the file's size or nesting.
    """
    symptoms, workouts = [], []
    n_records = 0
    with open_health_xml(path, max_xml_bytes=max_xml_bytes) as handle:
        open_elements = []
        for event, element in SafeET.iterparse(handle, events=("start", "end")):
            if event == "end":
                open_elements.pop()
                if open_elements:
                    del open_elements[-1][:]
                continue
            open_elements.append(element)
            tag = element.tag
            if tag == "Record":
                n_records += 1
                attrib = element.attrib
                value = attrib.get("value")
                if value is not None and value.startswith(_CATEGORY_PREFIXES):
                    symptoms.append((n_records, attrib.get("type", ""), attrib.get("startDate"), attrib.get("endDate"), value))
            elif tag == "Workout":
                workouts.append((element.attrib.get("workoutActivityType", ""), element.attrib.get("startDate")))
    return symptoms, workouts


def _record_lines(path: Path, wanted: set[int]) -> dict[int, int]:
    """Line numbers of the n-th ``Record`` start tags (only read again when reporting problems)."""
    found, count = {}, 0
    with open_health_xml(path, filtered=False) as handle:
        for number, raw in enumerate(handle, start=1):
            for _ in range(raw.count(b"<Record ")):
                count += 1
                if count in wanted:
                    found[count] = number
            if len(found) == len(wanted):
                break
    return found


def _wall_clock(values: pd.Series) -> pd.Series:
    """``2024-03-01 09:00:00 -0800`` -> naive 2024-03-01 09:00 (the offset dropped)."""
    return pd.to_datetime(values.str.slice(0, 19), format="%Y-%m-%d %H:%M:%S", errors="coerce")


def _check(frame: pd.DataFrame, problems: SourceProblems, path: Path) -> None:
    bad = []
    for column, field in (("start", "startDate"), ("end", "endDate")):
        text = frame[field]
        wrong = text.isna() | ~text.fillna("").str.match(_STAMP) | frame[column].isna()
        bad += [(i, field, text[i], "not a date-time like '2024-03-01 09:00:00 -0800'") for i in frame.index[wrong]]
    backwards = frame["end"] < frame["start"]
    bad += [(i, "endDate", frame.at[i, "endDate"], f"before startDate {frame.at[i, 'startDate']!r}") for i in frame.index[backwards]]
    unknown = ~frame["value"].isin(list(SEVERITY))
    bad += [(i, "value", frame.at[i, "value"], f"not a severity value (one of {', '.join(SEVERITY)})") for i in frame.index[unknown]]
    if bad:
        lines = _record_lines(path, {int(frame.at[i, "index"]) for i, *_ in bad})
        for i, field, value, message in sorted(bad, key=lambda b: b[0]):
            problems.add_line(lines.get(int(frame.at[i, "index"])), field, value, message)


def read_apple_health(
    path, *, symptom: str | None = None, min_severity: float | None = None, max_xml_bytes: int | None = None
) -> EpisodeLog:
    """Read an Apple Health export (``export.xml``, the zip or its folder) into an :class:`EpisodeLog`.

    Parameters
    ----------
    path : str or Path
        ``export.xml`` (or its localized name, e.g. ``Exportieren.xml``), the
        ``export.zip`` Health writes, or the folder the zip unpacks to.
    symptom : str, optional
        The symptom type: ``"LowerBackPain"`` (the ``HKCategoryTypeIdentifier``
        prefix is optional) or a regular expression.  Required when the export
        holds several symptom types.
    min_severity : float, optional
        Records below this severity (0-10, see :data:`SEVERITY`) count as
        symptom-free.
    max_xml_bytes : int, optional
        The most bytes of XML to read.  From a zip, the default is
        :data:`~spasm_analysis.apps.health_stream.MAX_RATIO` times the
        compressed size (at least 256 MB), which no real export reaches.

    Returns
    -------
    EpisodeLog
        One subject; follow-up windows are the runs of days with any symptom
        record; workouts as 0/1 daily exposures.

    Examples
    --------
    >>> log = read_apple_health("export.zip", symptom="LowerBackPain")  # doctest: +SKIP
    """
    path = Path(path)
    problems = SourceProblems(path, APP)
    try:
        symptoms, workouts = _scan(path, max_xml_bytes)
    except SafeET.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        problems.add_line(line, None, None, f"not well-formed XML ({error})")
        problems.raise_if_any()
    frame = pd.DataFrame(symptoms, columns=["index", "type", "startDate", "endDate", "value"])
    frame["start"] = _wall_clock(frame["startDate"].astype("string"))
    frame["end"] = _wall_clock(frame["endDate"].astype("string"))
    _check(frame, problems, path)
    problems.raise_if_any()

    frame["symptom"] = frame["type"].str.removeprefix(TYPE_PREFIX)
    present = ~frame["value"].isin(_NOT_PRESENT)
    if isinstance(symptom, str) and symptom.startswith(TYPE_PREFIX):
        symptom = symptom[len(TYPE_PREFIX):]
    chosen = select_symptoms(counts(frame.loc[present, "symptom"]), symptom, source=path.name, unit="record")
    picked = frame[frame["symptom"].isin(chosen)]
    presence = sorted(picked.loc[picked["value"].str.startswith("HKCategoryValuePresence"), "symptom"].unique())
    if presence:
        warnings.warn(f"{path.name}: {', '.join(presence)} recorded as present or not present, without a severity; "
                      "its episodes have no severity", ExportNoteWarning, stacklevel=3)
    records = pd.DataFrame(
        {
            "subject": DEFAULT_SUBJECT,
            "start": picked["start"],
            "end": picked["end"],
            "severity": picked["value"].map(lambda v: SEVERITY[v] if SEVERITY[v] is not None else 0.0).astype(float),
            "present": ~picked["value"].isin(_NOT_PRESENT),
        }
    )
    logged_days = pd.DataFrame({"subject": DEFAULT_SUBJECT, "day": frame["start"].dt.normalize()}).drop_duplicates()
    exposures = None
    if workouts:
        tagged = pd.DataFrame(workouts, columns=["type", "startDate"])
        tagged = pd.DataFrame(
            {
                "subject": DEFAULT_SUBJECT,
                "day": _wall_clock(tagged["startDate"].astype("string")).dt.normalize(),
                "exposure": "workout: " + tagged["type"].str.removeprefix(_WORKOUT_PREFIX),
            }
        ).dropna()
        exposures = daily_indicator_exposures(tagged, logged_days)
    return build_log(records, logged_days=logged_days, min_severity=min_severity, exposures=exposures)
