"""Which tracking app wrote a file, told from its header or content.

Each app's export has columns (or an XML root) no other one has, so the first
header-like row that one app's sniffer (:mod:`.registry`) recognises names
the app.  Migraine Buddy puts a preamble of health events before its header,
so every row of the first :data:`_SCAN_BYTES` bytes is tried, not just the first.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from ..io.delimited import detect_encoding
from .health_stream import find_health_xml
from .registry import APPS, LABELS, REGISTRY, SIGNATURES

__all__ = ["APPS", "LABELS", "SIGNATURES", "detect_app"]

_SCAN_BYTES = 4 << 20


def _app_of_header(fields: set[str]) -> str | None:
    return next((app.name for app in REGISTRY.values() if app.sniff is not None and app.sniff(fields)), None)


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
    # Decoded as the readers will (byte-order mark, else UTF-8); an odd byte must not hide the header.
    text = head.decode(detect_encoding(head), errors="replace")
    if text.lstrip().startswith("<?xml") or "<HealthData" in text:
        if "<HealthData" in text:
            return "apple_health"
        raise ValueError(f"{path.name} is an XML file without a <HealthData> element; only Apple Health XML exports are read")
    # The last line of the sample may be cut mid-row; the csv module copes.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            app = _app_of_header({field.strip().lower() for field in row})
            if app:
                return app
    except csv.Error:
        pass
    known = "\n".join(f"  - {app}: {signature}" for app, signature in SIGNATURES.items())
    raise ValueError(f"could not tell which app exported {path.name}. Exports that can be read:\n{known}\nPass app= to choose one.")
