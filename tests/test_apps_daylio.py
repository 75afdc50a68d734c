"""Daylio CSV export (current and older layout) -> EpisodeLog."""

from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import detect_app

FIXTURES = Path(__file__).parent / "fixtures" / "apps"
T = pd.Timestamp


def read(name="daylio.csv", **options):
    return sa.read_app_export(FIXTURES / name, app="daylio", **options)


def test_detection_of_both_layouts():
    assert detect_app(FIXTURES / "daylio.csv") == "daylio"
    assert detect_app(FIXTURES / "daylio_old.csv") == "daylio"


def test_activity_defines_episodes():
    log = read(symptom="back spasm")
    episodes = log.episodes
    # 2 May (two entries), 3 May not logged (bridged), 4 May; 5 May logged without it.
    assert list(episodes["onset"]) == [T("2024-05-02"), T("2024-05-06"), T("2024-05-10")]
    assert list(episodes["end"]) == [T("2024-05-05"), T("2024-05-07"), T("2024-05-11")]
    assert "severity" not in episodes.columns
    assert log.treatments.empty


def test_follow_up_windows_are_runs_of_logged_days():
    follow_up = read(symptom="back spasm").follow_up
    assert list(follow_up["start"]) == [T("2024-05-01"), T("2024-05-09"), T("2024-05-13")]
    assert list(follow_up["end"]) == [T("2024-05-08"), T("2024-05-11"), T("2024-05-14")]


def test_other_activities_are_daily_exposures_with_zeros():
    exposures = read(symptom="back spasm").exposures
    summary = exposures.groupby("exposure")["value"].agg(["sum", "count"])
    # 9 logged days; each activity 1 on its days and 0 on the other logged days.
    assert summary.to_dict("index") == {
        "heat pack": {"sum": 1, "count": 9},
        "long sitting": {"sum": 3, "count": 9},
        "swimming": {"sum": 3, "count": 9},
        "work": {"sum": 3, "count": 9},
    }
    swimming = exposures[exposures["exposure"] == "swimming"].set_index("time")["value"]
    assert swimming[T("2024-05-06")] == 1 and swimming[T("2024-05-07")] == 0
    assert T("2024-05-03") not in swimming.index  # not logged: no zero either


def test_older_seven_column_layout():
    log = read("daylio_old.csv", symptom="BACK SPASM")
    assert list(log.episodes["onset"]) == [T("2023-01-03")]
    assert list(log.episodes["end"]) == [T("2023-01-05")]
    assert list(log.follow_up["start"]) == [T("2023-01-02"), T("2023-01-07")]
    assert list(log.follow_up["end"]) == [T("2023-01-06"), T("2023-01-08")]
    cold = log.exposures.set_index("time")["value"]
    assert cold.to_dict() == {T("2023-01-02"): 1, T("2023-01-03"): 1, T("2023-01-04"): 0, T("2023-01-05"): 0, T("2023-01-07"): 1}


def test_activities_listed_without_symptom():
    with pytest.raises(sa.LogValidationError, match=r"5 activities found: 'back spasm' \(4 days\)"):
        read()


def test_min_severity_is_refused():
    with pytest.raises(ValueError, match="no severity"):
        read(symptom="back spasm", min_severity=3)


def test_malformed_file_names_line_and_field():
    with pytest.raises(sa.LogValidationError) as error:
        read("daylio_malformed.csv", symptom="back spasm")
    text = str(error.value)
    assert "line 2, field 'full_date', value '2024-02-30'" in text
    assert "line 4, field 'full_date': missing date" in text


def test_dates_in_other_languages(tmp_path):
    path = Path(__file__).parent / "fixtures" / "apps" / "daylio_polish.csv"
    log = sa.read_app_export(path, app="daylio", symptom="skurcz pleców")
    assert log.episodes["onset"].tolist() == [pd.Timestamp("2017-09-07")]
    assert log.episodes["end"].tolist() == [pd.Timestamp("2017-09-09")]
    assert log.follow_up["start"].tolist() == [pd.Timestamp("2017-08-30"), pd.Timestamp("2017-09-05"), pd.Timestamp("2017-09-07")]
    for language, rows in (("de", ["2017,7. Sept.,Do,20:00,gut,Rückenkrampf,", "2017,3. März,Fr,20:00,gut,Schwimmen,"]),
                           ("ja", ["2017,9月7日,木,20:00,良い,腰痛,", "2017,3月3日,金,20:00,良い,水泳,"])):
        other = tmp_path / f"daylio_{language}.csv"
        other.write_text("year,date,weekday,time,mood,activities,note\n" + "\n".join(rows) + "\n")
        days = sa.read_app_export(other, app="daylio", symptom=rows[0].split(",")[5]).episodes["onset"]
        assert days.tolist() == [pd.Timestamp("2017-09-07")], language
    # A name that two languages read as different months needs language=.
    ambiguous = tmp_path / "daylio_ambiguous.csv"
    ambiguous.write_text("year,date,weekday,time,mood,activities,note\n2017,7 listopada,,20:00,,ból,\n")
    with pytest.raises(sa.LogValidationError, match="read differently in 'pl' and 'hr'.*pass language="):
        sa.read_app_export(ambiguous, app="daylio", symptom="ból")
    assert sa.read_app_export(ambiguous, app="daylio", symptom="ból", language="pl").episodes["onset"].tolist() == [
        pd.Timestamp("2017-11-07")]
    unknown = tmp_path / "daylio_unknown.csv"
    unknown.write_text("year,date,weekday,time,mood,activities,note\n2017,7 Brumaire,,20:00,,ból,\n")
    with pytest.raises(sa.LogValidationError, match="line 2, field 'date', value '7 Brumaire'.*'brumaire' not recognised"):
        sa.read_app_export(unknown, app="daylio", symptom="ból")
