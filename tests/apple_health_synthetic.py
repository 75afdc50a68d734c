"""Synthetic Apple Health exports of any size, with a known episode pattern.

Used by ``tests/test_apps_apple_health.py`` (a slow, mid-size streaming test)
and ``benchmarks/bench_apple_health.py`` (about 1 GB).  Real exports are
dominated by automatically recorded quantity samples (heart rate, steps); the
symptom records a person enters are a tiny fraction.  The file mimics that:
``filler`` heart-rate records per day around a repeating 10-day symptom cycle

======  =================================================================
day 0   LowerBackPain, Moderate, 09:00
day 1   LowerBackPain, Severe, 08:00-20:00
day 2   nothing logged (a hole, bridged into the episode)
day 3   LowerBackPain, Mild, 07:30
day 4   LowerBackPain, NotPresent (a logged symptom-free day)
day 5-9 nothing logged
======  =================================================================

so every cycle is one episode (onset day 0 09:00, end day 4 00:00, severity
8.5) and one follow-up window ``[day 0, day 5)``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

__all__ = ["write_synthetic_export", "CYCLE_DAYS"]

CYCLE_DAYS = 10
_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-01-01 00:00:00 -0800"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-05-01"/>
"""
_FILLER = (
    ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Apple Watch" sourceVersion="10.2" '
    'device="&lt;&lt;HKDevice: 0x283e6c0a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, '
    'software:10.2&gt;" unit="count/min" creationDate="{d} {t} -0800" startDate="{d} {t} -0800" '
    'endDate="{d} {t} -0800" value="{v}">\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n'
)
_SYMPTOM = (
    ' <Record type="HKCategoryTypeIdentifierLowerBackPain" sourceName="Health" sourceVersion="17.3" '
    'creationDate="{d} {s} -0800" startDate="{d} {s} -0800" endDate="{d} {e} -0800" value="HKCategoryValueSeverity{v}"/>\n'
)
_CYCLE = {0: ("09:00:00", "09:00:00", "Moderate"), 1: ("08:00:00", "20:00:00", "Severe"),
          3: ("07:30:00", "07:30:00", "Mild"), 4: ("21:00:00", "21:00:00", "NotPresent")}


def _day_block(day: pd.Timestamp, index: int, filler: int) -> str:
    d = f"{day:%Y-%m-%d}"
    parts = [_FILLER.format(d=d, t=f"{(i * 86400 // filler) // 3600:02d}:{(i * 86400 // filler) // 60 % 60:02d}:00",
                            v=60 + (i * 7 + index) % 60) for i in range(filler)]
    if (cycle := index % CYCLE_DAYS) in _CYCLE:
        start, end, value = _CYCLE[cycle]
        parts.append(_SYMPTOM.format(d=d, s=start, e=end, v=value))
    return "".join(parts)


def write_synthetic_export(path, *, size_mb: float, days: int = 3650, start: str = "2014-01-01", zipped: bool = False) -> dict:
    """Write an export of about ``size_mb`` megabytes; return what reading it must give.

    Returns
    -------
    dict
        ``n_episodes``, ``first_onset``, ``last_end``, ``n_windows``, ``bytes``.
    """
    path = Path(path)
    one_record = len(_FILLER.format(d="2014-01-01", t="00:00:00", v=60))
    filler = max(1, int(size_mb * 1e6 / days / one_record))
    first = pd.Timestamp(start)

    def write(handle) -> int:
        written = handle.write(_HEAD.encode())
        for index in range(days):
            written += handle.write(_day_block(first + pd.Timedelta(days=index), index, filler).encode())
        return written + handle.write(b"</HealthData>\n")

    if zipped:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open("apple_health_export/export.xml", "w", force_zip64=True) as handle:
                size = write(handle)
    else:
        with path.open("wb") as handle:
            size = write(handle)
    cycles = [i for i in range(days) if i % CYCLE_DAYS == 0]
    last_cycle = cycles[-1]
    # The last cycle may be cut short by the end of the file.
    complete = days - last_cycle >= 5
    return {
        "n_episodes": len(cycles),
        "n_windows": len(cycles),
        "first_onset": first + pd.Timedelta(hours=9),
        "last_end": first + pd.Timedelta(days=last_cycle + 4) if complete else None,
        "bytes": size,
        "filler_per_day": filler,
    }
