"""Bearable CSV export -> EpisodeLog (fixture written from Bearable's documented export format)."""

from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import AppDetectedWarning, detect_app

FIXTURES = Path(__file__).parent / "fixtures" / "apps"
T = pd.Timestamp


def read(**options):
    return sa.read_app_export(FIXTURES / "bearable.csv", app="bearable", **options)


def test_detected_and_announced():
    assert detect_app(FIXTURES / "bearable.csv") == "bearable"
    with pytest.warns(AppDetectedWarning, match="bearable"):
        log = sa.read_app_export(FIXTURES / "bearable.csv", symptom="Back (lower) pain")
    assert log.n_episodes == 3


def test_episodes_join_days_bridge_unlogged_hole_and_split_on_logged_day():
    episodes = read(symptom="Back (lower) pain").episodes
    # 1-2 Mar symptom, 3 Mar nothing logged (bridged), 4 Mar symptom; 5 Mar logged without it.
    assert list(episodes["onset"]) == [T("2024-03-01"), T("2024-03-06"), T("2024-03-12")]
    assert list(episodes["end"]) == [T("2024-03-05"), T("2024-03-07"), T("2024-03-14")]
    # Severity = 2.5 x Bearable rating, the label when the rating is empty (Unbearable -> 10).
    assert list(episodes["severity"]) == [7.5, 2.5, 10.0]


def test_follow_up_is_the_logged_days():
    follow_up = read(symptom="Back (lower) pain").follow_up
    assert list(follow_up["start"]) == [T("2024-03-01"), T("2024-03-11")]
    assert list(follow_up["end"]) == [T("2024-03-09"), T("2024-03-15")]


def test_treatments_and_exposures():
    log = read(symptom="Back (lower) pain")
    treatments = log.treatments
    assert list(treatments["modality"]) == ["muscle_relaxant", "nsaid"]
    assert list(treatments["name"]) == ["Cyclobenzaprine 10mg", "Ibuprofen 400mg"]
    assert list(treatments["start"]) == [T("2024-03-01"), T("2024-03-02")]
    assert list(treatments["end"]) == [T("2024-03-02"), T("2024-03-03")]
    exposures = log.exposures
    # Every factor is 0/1 on each of the 11 logged days.
    summary = exposures.groupby("exposure")["value"].agg(["sum", "count"])
    assert summary.loc["Long sitting"].tolist() == [2, 11]
    assert summary.loc["Cold exposure"].tolist() == [1, 11]
    assert summary.loc["Yoga class"].tolist() == [1, 11]
    sitting = exposures[(exposures["exposure"] == "Long sitting") & (exposures["value"] == 1)]
    assert list(sitting["time"]) == [T("2024-03-01"), T("2024-03-07")]


def test_min_severity_turns_mild_days_into_symptom_free_days():
    log = read(symptom="back", min_severity=5)
    assert list(log.episodes["onset"]) == [T("2024-03-01"), T("2024-03-12")]
    assert list(log.episodes["end"]) == [T("2024-03-03"), T("2024-03-14")]
    # 3 Mar is no longer inside an episode, so it is not follow-up either.
    assert list(log.follow_up["start"]) == [T("2024-03-01"), T("2024-03-04"), T("2024-03-11")]


def test_several_symptoms_are_listed():
    with pytest.raises(sa.LogValidationError, match=r"'Back \(lower\) pain' \(6 days\), 'Headache' \(1 day\)"):
        read()
    with pytest.raises(sa.LogValidationError, match="matches none"):
        read(symptom="neck")
    assert read(symptom="head").n_episodes == 1


def test_malformed_file_names_line_and_field():
    with pytest.raises(sa.LogValidationError) as error:
        sa.read_app_export(FIXTURES / "bearable_malformed.csv", app="bearable")
    text = str(error.value)
    assert "line 2, field 'rating/amount', value 'lots': not a number" in text
    assert "line 3, field 'date', value '2024-13-45'" in text
    assert "line 4, field 'detail'" in text
    assert "line 5, field 'rating/amount', value '7': outside the scale 0-4" in text
    assert len(error.value.problems) == 4


def test_unknown_app_option_lists_allowed_values():
    with pytest.raises(ValueError, match="app=.* is not valid; allowed values: 'bearable', 'migraine_buddy', 'flaredown', 'daylio', 'apple_health'"):
        sa.read_app_export(FIXTURES / "bearable.csv", app="fitbit")


def test_meds_supplements_sleep_and_food_diary(recwarn):
    path = Path(__file__).parent / "fixtures" / "apps" / "bearable_2021.csv"
    # Counts are days: the back pain logged morning and evening of 3 May is one day.
    with pytest.raises(sa.LogValidationError, match=r"'Back \(lower\) pain' \(2 days\), 'Headache' \(1 day\)"):
        sa.read_app_export(path, app="bearable")
    with pytest.warns(sa.vocabulary.UnknownModalityWarning, match="'Magnesium glycinate'"):
        log = sa.read_app_export(path, app="bearable", symptom="Back (lower) pain")
    assert log.episodes["onset"].tolist() == [pd.Timestamp("2021-05-03")]
    assert log.episodes["end"].tolist() == [pd.Timestamp("2021-05-05")]
    assert log.episodes["severity"].tolist() == [7.5]  # the worse of the day's two ratings
    treatments = log.treatments
    assert treatments[["name", "dose"]].fillna("").values.tolist() == [
        ["Ibuprofen", "400mg"], ["Magnesium glycinate", "400mg"], ["Ibuprofen", ""]]
    assert treatments["modality"].tolist()[0] == sa.vocabulary.normalize_modality("Ibuprofen")
    exposures = log.exposures.pivot(index="time", columns="exposure", values="value")
    assert exposures["sleep hours"].tolist() == [7.5, 5.5, 8.0]
    assert exposures["food: Coffee"].tolist() == [1.0, 1.0, 0.0]
    assert exposures["food: Toast"].tolist() == [1.0, 0.0, 0.0]
    assert not any(name.startswith("food: Amount") for name in exposures.columns)


def test_seven_column_layout_with_ordinal_dates(tmp_path):
    # Another Bearable layout seen in public readers' tests: no "date formatted", every field quoted, "8th Dec 2021".
    path = tmp_path / "bearable.csv"
    path.write_text(
        'date,weekday,time of day,category,rating/amount,detail,notes\n'
        '"8th Dec 2021","Wednesday","mid","Symptom","2","Neck pain (Moderate)",""\n'
        '"9th Dec 2021","Thursday","am","Mood","3","",""\n'
        '"10th Dec 2021","Friday","pm","Symptom","3","Neck pain (Severe)",""\n', encoding="utf-8")
    log = sa.read_app_export(path, app="bearable")
    assert [str(t.date()) for t in log.episodes["onset"]] == ["2021-12-08", "2021-12-10"]
    assert log.episodes["severity"].tolist() == [5.0, 7.5]  # 2.5 x the 0-4 rating
    assert [str(t.date()) for t in log.follow_up["start"]] == ["2021-12-08"]
