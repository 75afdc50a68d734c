"""Real export files from public repositories (see tests/fixtures/apps/PROVENANCE.md)."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import detect_app

REAL = Path(__file__).parent / "fixtures" / "apps" / "real"
HEALTH = REAL / "healthkit_to_sqlite_export.xml"


def test_real_health_export_without_symptoms_says_so(tmp_path):
    assert detect_app(HEALTH) == "apple_health"
    with pytest.raises(sa.LogValidationError, match="no symptom records found"):
        sa.read_app_export(HEALTH, app="apple_health")
    # The same file zipped as the phone does, with a workout route beside it and a localized name.
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(HEALTH, "apple_health_export/Export.xml")
        archive.writestr("apple_health_export/workout-routes/route_2016-11-14.gpx", "<gpx/>")
    with pytest.raises(sa.LogValidationError, match="no symptom records found"):
        sa.read_app_export(path, app="apple_health")


def test_real_health_export_with_a_symptom_record_added(tmp_path):
    # One symptom record added on the day of the file's (nested) running workout.
    text = HEALTH.read_text(encoding="utf-8").replace(
        "</HealthData>",
        '    <Record type="HKCategoryTypeIdentifierLowerBackPain" sourceName="Health" '
        'startDate="2016-11-14 19:00:00 -0700" endDate="2016-11-14 19:00:00 -0700" '
        'value="HKCategoryValueSeverityModerate"/>\n</HealthData>')
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    log = sa.read_app_export(path, app="apple_health")
    assert log.episodes["onset"].tolist() == [pd.Timestamp("2016-11-14 19:00")]
    assert log.episodes["severity"].tolist() == [5.0]
    # The workout (holding a WorkoutRoute with Locations) is an exposure on that day; the
    # quantity records with MetadataEntry children and the activity summaries are not symptoms.
    assert log.exposures[["time", "exposure", "value"]].values.tolist() == [
        [pd.Timestamp("2016-11-14"), "workout: Running", 1.0]]
