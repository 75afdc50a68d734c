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


# ------------------------------------------------------------------ Daylio (MichaelCurrin/daylio-csv-parser, MIT)


def _days(series):
    return [str(pd.Timestamp(t).date()) for t in series]


def test_real_daylio_export_current_layout():
    path = REAL / "daylio_currin_sample.csv"
    assert detect_app(path) == "daylio"
    log = sa.read_app_export(path, app="daylio", symptom="stomachache")
    # 26 Sep without it, 27 and 28 Sep with it: one episode of two days.
    assert _days(log.episodes["onset"]) == ["2021-09-27"] and _days(log.episodes["end"]) == ["2021-09-29"]
    assert _days(log.follow_up["start"]) == ["2021-09-26"] and _days(log.follow_up["end"]) == ["2021-09-29"]
    exposures = log.exposures.pivot(index="time", columns="exposure", values="value")
    # Activity names with "/" and the export's doubled spaces ("stressed / frustrated  |") are one activity each.
    assert exposures["stressed / frustrated"].tolist() == [0.0, 1.0, 0.0]
    assert exposures["bad sleep"].tolist() == [1.0, 1.0, 1.0] and exposures["alcohol"].tolist() == [1.0, 0.0, 0.0]
    assert "stomachache" not in exposures.columns


def test_real_daylio_export_custom_moods_and_no_final_newline():
    path = REAL / "daylio_currin_multiple_moods.csv"
    assert not path.read_bytes().endswith(b"\n")
    # "Sleeping " is written with a trailing space; the name matches without it.
    log = sa.read_app_export(path, app="daylio", symptom="Sleeping")
    assert _days(log.episodes["onset"]) == ["2020-07-21", "2020-08-31"]
    assert _days(log.episodes["end"]) == ["2020-07-22", "2020-09-01"]
    # Five separate logged days, each its own follow-up window (a gap in logging is not symptom-free time).
    assert _days(log.follow_up["start"]) == ["2020-07-21", "2020-08-25", "2020-08-28", "2020-08-31", "2021-05-12"]


# ----------------------------------------------------- calendars (collective/icalendar test calendars, BSD-2-Clause)


def _times(episodes, column="onset"):
    return [f"{t:%Y-%m-%d %H:%M}" for t in episodes[column].sort_values()]


def test_real_exchange_every_weekday_rule_with_spaces():
    # Exchange writes BYDAY=MO, TU, WE, TH, FR (spaces) under a Windows zone name, UNTIL in UTC.
    episodes = sa.read_ics(REAL / "calendar_exchange_cdo_weekdays.ics")
    assert len(episodes) == 14
    starts = _times(episodes)
    assert starts[0] == "2015-07-03 10:00" and starts[-1] == "2015-07-22 10:00"  # UNTIL 08:00Z is 10:00 there
    assert all(pd.Timestamp(t).dayofweek < 5 for t in starts)
    assert ((episodes["end"] - episodes["onset"]) == pd.Timedelta(minutes=30)).all()


def test_real_google_weekly_weekdays_needs_an_end():
    path = REAL / "calendar_google_weekdays_zurich.ics"
    with pytest.raises(sa.LogValidationError, match="repeats forever"):
        sa.read_ics(path)
    episodes = sa.read_ics(path, until="2016-11-11 23:59")
    assert len(episodes) == 11 and _times(episodes)[0] == "2016-10-28 14:00" and _times(episodes)[-1] == "2016-11-11 14:00"
    assert episodes["notes"].iloc[0] == "Some Description"


def test_real_exchange_2010_windows_zone_name():
    episodes = sa.read_ics(REAL / "calendar_exchange_2010_windows_zone.ics")
    assert _times(episodes) == ["2017-02-24 12:00"] and _times(episodes, "end") == ["2017-02-24 12:30"]


def test_real_rule_with_exdate_and_period_rdate_in_a_zone():
    episodes = sa.read_ics(REAL / "calendar_rdate_period_exdate_tzid.ics")
    starts = _times(episodes)
    assert len(starts) == 9 and "2023-12-20 12:00" not in starts  # the EXDATE
    # The RDATE is a PERIOD: it ends when it says (15:00), not after the rule's two hours.
    ends = dict(zip(_times(episodes), _times(episodes, "end")))
    assert ends["2023-12-13 12:00"] == "2023-12-13 15:00" and ends["2023-09-20 12:00"] == "2023-09-20 14:00"


def test_real_google_all_day_rule_with_exdate_and_a_broken_one(tmp_path):
    path = REAL / "calendar_google_allday_exdate_broken.ics"
    # The second event's empty EXDATE (line 19) is named, not the valid one above it.
    with pytest.raises(sa.LogValidationError, match=r"row 19, column 'EXDATE', value '': not a valid EXDATE value"):
        sa.read_ics(path)
    # The first event alone: daily 3-23 March 2008 (UNTIL in UTC on all-day dates), 11 March excluded.
    text = path.read_text(encoding="utf-8")
    good = tmp_path / "good.ics"
    good.write_text(text[:text.index("BEGIN:VEVENT\nDESCRIPTION:Wrong")] + "END:VCALENDAR\n", encoding="utf-8")
    days = [f"{t:%Y-%m-%d}" for t in sa.read_ics(good)["onset"].sort_values()]
    assert len(days) == 20 and days[0] == "2008-03-03" and days[-1] == "2008-03-23" and "2008-03-11" not in days
