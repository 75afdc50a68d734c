"""Recognise the column headers people put in their spreadsheets.

"Started", "Date", "Onset date" become ``onset``; "Pain (0-10)" becomes
``severity``; and so on, case- and whitespace-insensitively.  The synonym
tables below are the whole rule set: a header is normalised (lower case,
``_``/``-``/``.`` read as spaces, anything in brackets dropped) and looked up;
failing that, filler words such as "date" or "episode" are dropped and it is
looked up again.  Headers that match nothing are kept as written.

``columns=`` (a mapping *file header -> canonical name*) overrides the
recognition for the headers it names; naming a header the file does not have,
or a canonical name the table does not know, is a validation problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..schema import ProblemList
from ..options import check_option

__all__ = ["CANONICAL_COLUMNS", "SYNONYMS", "normalise_header", "recognise_columns"]

_SUBJECT = ("subject", "patient", "id", "person", "participant", "subject id", "patient id", "pid", "who", "name of person")
_NOTES = ("notes", "note", "comment", "comments", "detail", "details", "description", "remarks", "remark", "memo")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "episodes": {
        "subject": _SUBJECT,
        "onset": ("onset", "started", "start", "date", "began", "begin", "from", "first day", "when", "datetime"),
        "end": ("end", "ended", "stop", "stopped", "until", "to", "finished", "resolved", "last day", "over"),
        "duration": ("duration", "days", "length", "lasted", "how long", "number of days", "n days"),
        "region": ("where", "location", "region", "site", "area", "body region", "body part", "place"),
        "side": ("side", "laterality", "left right"),
        "severity": ("severity", "pain", "intensity", "pain level", "pain score", "vas", "nrs", "how bad"),
        "trigger": ("trigger", "triggers", "cause", "causes", "suspected trigger", "caused by", "reason"),
        "treatment": ("treatment", "treatments", "therapy", "medication", "medications", "meds"),
        "notes": _NOTES,
        "onset_precision": ("onset precision", "precision"),
        "onset_latest": ("onset latest", "latest onset"),
        "end_earliest": ("end earliest", "earliest end"),
        "end_latest": ("end latest", "latest end"),
        "ongoing": ("ongoing", "still going"),
        "n_merged": ("n merged",),
    },
    "treatments": {
        "subject": _SUBJECT,
        "start": ("start", "started", "date", "from", "begin", "began", "first day", "when", "session"),
        "end": ("end", "ended", "stop", "stopped", "until", "to", "last day", "finished"),
        "duration": ("duration", "days", "length", "number of days"),
        "name": ("name", "treatment", "therapy", "medication", "medicine", "drug", "intervention", "what"),
        "modality": ("modality", "type", "kind", "category"),
        "dose": ("dose", "dosage", "strength", "amount"),
        "notes": _NOTES,
    },
    "exposures": {
        "subject": _SUBJECT,
        "time": ("time", "date", "day", "when", "datetime", "timestamp", "start"),
        "exposure": ("exposure", "trigger", "activity", "event", "what", "exposure type"),
        "value": ("value", "amount", "quantity", "count", "level"),
    },
    "follow_up": {
        "subject": _SUBJECT,
        "start": ("start", "from", "begin", "began", "first day", "logging start", "follow up start", "started"),
        "end": ("end", "to", "until", "stop", "last day", "logging end", "follow up end", "ended"),
    },
    "covariates": {"subject": _SUBJECT},
}

#: Canonical column names each reader produces, per table (``duration`` and the
#: episodes' ``treatment`` are read, then turned into ``end`` and treatments).
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {table: tuple(names) for table, names in SYNONYMS.items()}

_FILLER = {"date", "time", "of", "the", "episode", "episodes", "spasm", "flare", "in", "at", "on", "day", "session", "course"}


def normalise_header(header: object) -> str:
    """Lower-case a header, read ``_-.`` as spaces and drop bracketed parts."""
    text = str(header).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"[_\-./#:?]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _lookup(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, names in SYNONYMS[table].items():
        for name in (canonical.replace("_", " "),) + names:
            index.setdefault(name, canonical)
    return index


def _recognise(header: object, index: dict[str, str]) -> str | None:
    key = normalise_header(header)
    if key in index:
        return index[key]
    reduced = " ".join(word for word in key.split() if word not in _FILLER)
    return index.get(reduced) if reduced else None


def recognise_columns(
    headers: Iterable[object],
    table: str,
    *,
    columns: Mapping[object, str] | None = None,
    problems: ProblemList,
) -> dict[object, str]:
    """Map file headers to canonical names for ``table``.

    Parameters
    ----------
    headers : iterable
        The file's headers, as read.
    table : str
        One of ``CANONICAL_COLUMNS``.
    columns : mapping, optional
        Explicit *header -> canonical name* pairs; they win over recognition.
    problems : ProblemList
        Receives a problem for every header in ``columns`` that the file lacks,
        every target that is not a canonical name, and every pair of headers
        that both read as the same canonical column.

    Returns
    -------
    dict
        *header -> canonical name* for every recognised header.  Unrecognised
        headers are absent (the caller keeps them as written).

    Examples
    --------
    >>> recognise_columns(["Started", "Pain (0-10)", "Where"], "episodes", problems=ProblemList())
    {'Started': 'onset', 'Pain (0-10)': 'severity', 'Where': 'region'}
    """
    check_option("table", table, tuple(CANONICAL_COLUMNS))
    headers = list(headers)
    allowed = CANONICAL_COLUMNS[table]
    mapping: dict[object, str] = {}
    taken: dict[str, object] = {}
    for header, target in (columns or {}).items():
        if header not in headers:
            present = ", ".join(repr(h) for h in headers) or "none"
            problems.add(table, None, str(header), None, f"named in columns= but not in the file (columns present: {present})")
            continue
        if target not in allowed:
            problems.add(table, None, str(header), target, f"columns= target must be one of {', '.join(allowed)}")
            continue
        if target in taken:
            problems.add(table, None, str(header), target, f"columns= maps both {taken[target]!r} and {header!r} to {target}")
            continue
        mapping[header] = target
        taken[target] = header
    index = _lookup(table)
    guesses: dict[str, list[object]] = {}
    named = set(columns or {})
    for header in headers:
        if header in named:  # the user's word on a header stands, even when it was wrong
            continue
        target = _recognise(header, index)
        if target is not None and target not in taken:
            guesses.setdefault(target, []).append(header)
    for target, found in guesses.items():
        if len(found) > 1:
            names = " and ".join(repr(str(h)) for h in found)
            problems.add(
                table, None, str(found[1]), None,
                f"columns {names} both read as {target}; pass columns={{{str(found[0])!r}: {target!r}}} to choose",
            )
            continue
        mapping[found[0]] = target
    return mapping
