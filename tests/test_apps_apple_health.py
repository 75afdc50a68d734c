"""Apple Health export.xml / export zip -> EpisodeLog, streamed with defusedxml."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import ExportNoteWarning, detect_app
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


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_localized_names_and_the_unzipped_folder(tmp_path):
    expected = read(symptom="LowerBackPain").episodes
    data = EXPORT.read_bytes()
    for name in ("apple_health_export/Exportieren.xml", "apple_health_export/Export.xml", "exportar.xml"):
        path = _zip(tmp_path / "export.zip", {"apple_health_export/export_cda.xml": "<ClinicalDocument/>", name: data})
        assert detect_app(path) == "apple_health"
        pd.testing.assert_frame_equal(read(path, symptom="LowerBackPain").episodes, expected)
    folder = tmp_path / "unzipped" / "apple_health_export"
    (folder / "workout-routes").mkdir(parents=True)
    (folder / "export_cda.xml").write_text("<ClinicalDocument/>")
    (folder / "Exportieren.xml").write_bytes(data)
    assert detect_app(tmp_path / "unzipped") == "apple_health"
    pd.testing.assert_frame_equal(read(tmp_path / "unzipped", symptom="LowerBackPain").episodes, expected)
    (folder / "Exportieren.xml").unlink()
    with pytest.raises(ValueError, match="holds no Apple Health XML"):
        read(tmp_path / "unzipped")
    with pytest.raises(ValueError, match="zip without an Apple Health export XML.*notes.txt"):
        read(_zip(tmp_path / "other.zip", {"notes.txt": "hello"}))


def test_ios16_broken_dtd_and_control_characters_are_tolerated(tmp_path):
    text = EXPORT.read_text()
    # iOS 16 left an ATTLIST unclosed; stray vertical tabs appear in device names.
    broken_dtd = text.replace("]>", "<!ATTLIST VisionPrescription\n  type CDATA #REQUIRED\n  dateIssued CDATA #REQUIRED\n]>", 1)
    broken = broken_dtd.replace('sourceName="Health"', 'sourceName="Health\x0b phone"', 1)
    path = tmp_path / "export.xml"
    path.write_text(broken)
    pd.testing.assert_frame_equal(read(path, symptom="LowerBackPain").episodes, read(symptom="LowerBackPain").episodes)
    # A real syntax error after the DTD still names its own line (the DTD's lines are kept).
    lines = broken.splitlines()
    lines[30] = lines[30].replace("/>", ">", 1) if lines[30].endswith("/>") else lines[30] + "<"
    path.write_text("\n".join(lines))
    with pytest.raises(sa.LogValidationError, match=r"line \d+: not well-formed XML"):
        read(path)


def test_presence_symptoms_are_read(tmp_path):
    text = EXPORT.read_text().replace(
        "</HealthData>",
        ' <Record type="HKCategoryTypeIdentifierMoodChanges" sourceName="Health" startDate="2024-03-01 09:00:00 -0800" '
        'endDate="2024-03-01 09:00:00 -0800" value="HKCategoryValuePresencePresent"/>\n'
        ' <Record type="HKCategoryTypeIdentifierMoodChanges" sourceName="Health" startDate="2024-03-02 09:00:00 -0800" '
        'endDate="2024-03-02 09:00:00 -0800" value="HKCategoryValuePresencePresent"/>\n'
        ' <Record type="HKCategoryTypeIdentifierMoodChanges" sourceName="Health" startDate="2024-03-04 09:00:00 -0800" '
        'endDate="2024-03-04 09:00:00 -0800" value="HKCategoryValuePresenceNotPresent"/>\n</HealthData>',
    )
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(sa.LogValidationError, match=r"'MoodChanges' \(2 records\)"):
        read(path)
    with pytest.warns(ExportNoteWarning, match="MoodChanges recorded as present or not present, without a severity"):
        episodes = read(path, symptom="MoodChanges").episodes
    assert episodes["onset"].tolist() == [T("2024-03-01 09:00")]
    assert episodes["end"].tolist() == [T("2024-03-03")]
    # Present, severity unknown: no severity is made up.
    assert "severity" not in episodes or episodes["severity"].isna().all()


def test_size_limits_stop_early_with_a_named_error(tmp_path):
    head, tail = EXPORT.read_text().split("</HealthData>")
    padding = " <Note/>\n" * 200_000  # 1.8 MB of XML that compresses to a few kB
    path = _zip(tmp_path / "export.zip", {"apple_health_export/export.xml": head + padding + "</HealthData>" + tail})
    with pytest.raises(sa.LogValidationError, match="unpacks to more than 100,000 bytes.*max_xml_bytes="):
        read(path, max_xml_bytes=100_000)
    assert read(path, symptom="LowerBackPain").n_episodes == 4
    long_attribute = tmp_path / "export.xml"
    long_attribute.write_text(head + ' <Record type="x" note="' + "a" * 3_000_000 + '"/>\n</HealthData>\n')
    with pytest.raises(sa.LogValidationError, match="run of more than 1,048,576 bytes without a tag end"):
        read(long_attribute)


def test_corrupt_truncated_and_encrypted_zips_are_named(tmp_path, export_zip):
    data = export_zip.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    corrupt = tmp_path / "corrupt.zip"
    start = data.index(b"export.xml") + 200
    corrupt.write_bytes(data[:start] + bytes(b ^ 0x55 for b in data[start : start + 300]) + data[start + 300 :])
    encrypted = tmp_path / "encrypted.zip"
    # Set the "encrypted" flag bit in the local and central headers, as a password-protected zip has.
    flagged = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = flagged.find(signature)
        while position >= 0:
            flagged[position + offset] |= 1
            position = flagged.find(signature, position + 4)
    encrypted.write_bytes(bytes(flagged))
    for path, message in ((truncated, "not a readable zip file"), (corrupt, "not a readable zip file|compressed data is damaged"), (encrypted, "encrypted")):
        with pytest.raises(sa.LogValidationError, match=message):
            sa.read_app_export(path, symptom="LowerBackPain")
