"""Which tracking app wrote a file, told from its header or content.

Each app's export has columns (or an XML root) no other one has; the first
rows of the file are enough.  Migraine Buddy puts a preamble before its
header, so up to :data:`_SCAN_ROWS` rows are searched for a header.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from .health_stream import find_health_xml

__all__ = ["APPS", "LABELS", "SIGNATURES", "detect_app"]

#: Apps whose exports can be read, in the order they are tried.
APPS = ("bearable", "migraine_buddy", "flaredown", "daylio", "apple_health")

#: What identifies each app's file (shown when nothing matches).
SIGNATURES = {
    "bearable": "CSV with columns category, rating/amount, detail",
    "migraine_buddy": "CSV (after an optional preamble) with columns Started and Lasted or Pain Level",
    "flaredown": "CSV with columns user_id, checkin_date, trackable_type (research dump) or Date with Tags/Foods",
    "daylio": "CSV with columns full_date (or year, date), mood, activities",
    "apple_health": "export.xml (any localized name) with a <HealthData> root, the export zip or its unzipped folder",
}

#: How each app is called in messages.
LABELS = {
    "bearable": "Bearable",
    "migraine_buddy": "Migraine Buddy",
    "flaredown": "Flaredown",
    "daylio": "Daylio",
    "apple_health": "Apple Health",
}

_SCAN_ROWS = 40
_SCAN_BYTES = 64 * 1024


def _app_of_header(fields: set[str]) -> str | None:
    if {"category", "rating/amount", "detail"} <= fields:
        return "bearable"
    if "started" in fields and ({"lasted"} & fields or {"pain level"} & fields):
        return "migraine_buddy"
    if {"user_id", "checkin_date", "trackable_type"} <= fields:
        return "flaredown"
    if {"mood", "activities"} <= fields and ("full_date" in fields or {"year", "date"} <= fields):
        return "daylio"
    if "date" in fields and {"tags", "foods"} & fields:
        return "flaredown"
    return None


def _starts_like_a_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def detect_app(path) -> str:
    """Name of the app that exported ``path``: one of :data:`APPS`.

    Parameters
    ----------
    path : str or Path
        An export file (CSV, Apple Health ``export.xml`` or its zip).

    Raises
    ------
    ValueError
        When the file matches no known export; the message lists what each app's
        file looks like.

    Examples
    --------
    >>> detect_app("tests/fixtures/apps/daylio.csv")  # doctest: +SKIP
    'daylio'
    """
    path = Path(path)
    if path.is_dir() or zipfile.is_zipfile(path) or _starts_like_a_zip(path):
        # Raises a clear error for a zip or folder without a Health export.
        find_health_xml(path)
        return "apple_health"
    with path.open("rb") as handle:
        head = handle.read(_SCAN_BYTES)
    text = head.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("<?xml") or "<HealthData" in text:
        if "<HealthData" in text:
            return "apple_health"
        raise ValueError(f"{path.name} is an XML file without a <HealthData> element; only Apple Health XML exports are read")
    # The last line of the sample may be cut mid-row; the csv module copes.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader):
            if number >= _SCAN_ROWS:
                break
            app = _app_of_header({field.strip().lower() for field in row})
            if app:
                return app
    except csv.Error:
        pass
    known = "\n".join(f"  - {app}: {signature}" for app, signature in SIGNATURES.items())
    raise ValueError(f"could not tell which app exported {path.name}. Exports that can be read:\n{known}\nPass app= to choose one.")
