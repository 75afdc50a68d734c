"""Apple Health export.xml / export zip -> EpisodeLog, streamed with defusedxml."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import detect_app
from spasm_analysis.apps.apple_health import SEVERITY

from apple_health_synthetic import write_synthetic_export

FIXTURES = Path(__file__).parent / "fixtures" / "apps"
EXPORT = FIXTURES / "apple_health_export.xml"
T = pd.Timestamp


def read(path=EXPORT, **options):
    return sa.read_app_export(path, app="apple_health", **options)


@pytest.fixture
def export_zip(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(EXPORT, "apple_health_export/export.xml")
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    return path


def test_severity_mapping_is_documented_scale():
    assert SEVERITY["HKCategoryValueSeverityMild"] == 2.0
    assert SEVERITY["HKCategoryValueSeverityModerate"] == 5.0
    assert SEVERITY["HKCategoryValueSeveritySevere"] == 8.5
    assert SEVERITY["HKCategoryValueSeverityNotPresent"] is None


def test_episodes_from_symptom_records():
    episodes = read(symptom="LowerBackPain").episodes
    # 1 Mar + 2 Mar (08-20h) + 3 Mar not logged (bridged) + 4 Mar; 5 Mar logged (a headache) splits.
    assert list(episodes["onset"]) == [T("2024-03-01 09:00"), T("2024-03-06 10:00"), T("2024-03-08 22:00"), T("2024-03-12 12:00")]
    # Instant records cover their day; the overnight record ends when it says (wall clock, offset dropped).
    assert list(episodes["end"]) == [T("2024-03-05"), T("2024-03-07"), T("2024-03-09 06:00"), T("2024-03-13")]
    severity = episodes["severity"].tolist()
    assert severity[0] == 8.5 and pd.isna(severity[1]) and severity[2:] == [5.0, 8.5]
    assert read(symptom="HKCategoryTypeIdentifierLowerBackPain").n_episodes == 4


def test_follow_up_and_workout_exposures():
    log = read(symptom="LowerBackPain")
    # Days with any symptom record; a step count on 3 Mar is not symptom logging.
    assert list(log.follow_up["start"]) == [T("2024-03-01"), T("2024-03-12")]
    assert list(log.follow_up["end"]) == [T("2024-03-10"), T("2024-03-13")]
    exposures = log.exposures
    summary = exposures.groupby("exposure")["value"].agg(["sum", "count"])
    assert summary.to_dict("index") == {"workout: Running": {"sum": 2, "count": 8}, "workout: Yoga": {"sum": 1, "count": 8}}
    running = exposures[(exposures["exposure"] == "workout: Running") & (exposures["value"] == 1)]
    assert list(running["time"]) == [T("2024-03-05"), T("2024-03-07")]
    assert log.treatments.empty


def test_min_severity():
    log = read(symptom="LowerBackPain", min_severity=5)
    # Mild (2) on 4 Mar becomes symptom-free: the first episode ends with 2 Mar's record at 20:00.
    assert list(log.episodes["onset"]) == [T("2024-03-01 09:00"), T("2024-03-06 10:00"), T("2024-03-08 22:00"), T("2024-03-12 12:00")]
    assert log.episodes["end"].iloc[0] == T("2024-03-02 20:00")


def test_zip_is_read_and_detected(export_zip):
    assert detect_app(export_zip) == "apple_health"
    assert detect_app(EXPORT) == "apple_health"
    from_zip = read(export_zip, symptom="LowerBackPain")
    pd.testing.assert_frame_equal(from_zip.episodes, read(symptom="LowerBackPain").episodes)


def test_symptoms_listed():
    with pytest.raises(sa.LogValidationError, match=r"'LowerBackPain' \(6 records\), 'Headache' \(1 record\)"):
        read()


def test_malformed_records_name_line_and_attribute():
    with pytest.raises(sa.LogValidationError) as error:
        read(FIXTURES / "apple_health_malformed.xml")
    text = str(error.value)
    assert "line 5, field 'startDate', value '2024-03-02T09:00'" in text
    assert "line 7, field 'value', value 'HKCategoryValueSeverityExtreme'" in text
    assert "line 8, field 'endDate', value '2024-03-04 08:00:00 -0800': before startDate" in text
    assert len(error.value.problems) == 3


def test_broken_xml_and_entities_are_refused(tmp_path):
    broken = tmp_path / "export.xml"
    broken.write_text('<?xml version="1.0"?>\n<HealthData>\n <Record type="x"\n</HealthData>\n')
    with pytest.raises(sa.LogValidationError, match="line 4: not well-formed XML"):
        read(broken)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa">]>\n<HealthData>&a;</HealthData>\n')
    with pytest.raises(Exception, match="EntitiesForbidden|[Ee]ntit"):
        read(bomb)


@pytest.mark.slow
def test_streams_a_large_zipped_export(tmp_path):
    path = tmp_path / "export.zip"
    expected = write_synthetic_export(path, size_mb=60, days=730, zipped=True)
    log = read(path)
    assert log.n_episodes == expected["n_episodes"] == 73
    assert len(log.follow_up) == expected["n_windows"]
    assert log.episodes["onset"].iloc[0] == expected["first_onset"]
    assert log.episodes["end"].iloc[-1] == expected["last_end"]
    assert (log.episodes["severity"] == 8.5).all()
