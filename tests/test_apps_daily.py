"""The shared rules turning daily symptom records into episodes and logged days into follow-up."""

import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spasm_analysis as sa
from spasm_analysis.apps import detect_app
from spasm_analysis.apps.daily import build_log, select_symptoms

T = pd.Timestamp
DAY = pd.Timedelta(days=1)


def records(subject, days, severity=5.0, present=True):
    return pd.DataFrame({"subject": subject, "start": pd.to_datetime(days), "end": pd.NaT,
                         "severity": severity, "present": present})


def logged(subject, days):
    return pd.DataFrame({"subject": subject, "day": pd.to_datetime(days)})


def test_two_unlogged_days_split_one_does_not():
    log = build_log(records("a", ["2024-01-01", "2024-01-03", "2024-01-06"]),
                    logged_days=logged("a", ["2024-01-01", "2024-01-03", "2024-01-06"]))
    assert list(log.episodes["onset"]) == [T("2024-01-01"), T("2024-01-06")]
    assert list(log.episodes["end"]) == [T("2024-01-04"), T("2024-01-07")]
    # 2 Jan is inside an episode (bridged), 4-5 Jan are a gap in logging.
    assert list(zip(log.follow_up["start"], log.follow_up["end"])) == [(T("2024-01-01"), T("2024-01-04")), (T("2024-01-06"), T("2024-01-07"))]


def test_subjects_never_join():
    frame = pd.concat([records("a", ["2024-01-01"]), records("b", ["2024-01-02"])])
    days = pd.concat([logged("a", ["2024-01-01"]), logged("b", ["2024-01-02"])])
    log = build_log(frame, logged_days=days)
    assert list(log.episodes["subject"]) == ["a", "b"] and log.n_subjects == 2


def test_unknown_severity_survives_min_severity_and_bad_threshold_is_refused():
    frame = records("a", ["2024-01-01", "2024-01-02"], severity=float("nan"))
    assert build_log(frame, logged_days=logged("a", ["2024-01-01"]), min_severity=5).n_episodes == 1
    with pytest.raises(ValueError, match="0 to 10"):
        build_log(frame, logged_days=logged("a", ["2024-01-01"]), min_severity=11)


def test_symptom_selection():
    found = {"Back (lower) pain": 6, "Back (upper) pain": 2, "Headache": 1}
    assert select_symptoms(found, "back (LOWER) pain", source="f") == ["Back (lower) pain"]
    assert select_symptoms(found, r"^back", source="f") == ["Back (lower) pain", "Back (upper) pain"]
    with pytest.raises(ValueError, match="valid regular expression"):
        select_symptoms(found, "back (", source="f")
    with pytest.raises(sa.LogValidationError, match="no symptom records"):
        select_symptoms({}, None, source="f")


def test_detection_failures_list_the_supported_apps(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("when,what\n2024-01-01,x\n")
    with pytest.raises(ValueError, match="(?s)bearable.*apple_health.*Pass app="):
        detect_app(other)
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(ValueError, match="without an Apple Health export XML.*holds a.txt"):
        detect_app(archive)


def test_parquet_round_trip(tmp_path):
    from pathlib import Path

    log = sa.read_app_export(Path(__file__).parent / "fixtures" / "apps" / "bearable.csv", app="bearable", symptom="Back (lower) pain")
    folder = log.to_folder(tmp_path / "log", format="parquet")
    again = sa.read_log(folder)
    pd.testing.assert_frame_equal(again.episodes, log.episodes)
    pd.testing.assert_frame_equal(again.follow_up, log.follow_up)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["none", "free", "symptom"]), min_size=1, max_size=40))
def test_episode_rules_hold_for_any_day_pattern(pattern):
    start = T("2024-01-01")
    days = {start + i * DAY: kind for i, kind in enumerate(pattern)}
    symptom_days = [d for d, k in days.items() if k == "symptom"]
    logged_days = [d for d, k in days.items() if k != "none"]
    if not logged_days:
        return
    frame = records("a", symptom_days) if symptom_days else records("a", [])
    log = build_log(frame, logged_days=logged("a", logged_days))
    episodes, windows = log.episodes, log.follow_up
    inside = lambda day, frame_, a, b: ((frame_[a] <= day) & (day < frame_[b])).any()  # noqa: E731
    for day, kind in days.items():
        in_episode = inside(day, episodes, "onset", "end")
        if kind == "symptom":
            assert in_episode
        if kind == "free":
            assert not in_episode  # a logged symptom-free day is never inside an episode
        if kind != "none":
            assert inside(day, windows, "start", "end")
        if kind == "none" and in_episode:
            # only a single unlogged day between two symptom days is bridged
            assert days.get(day - DAY) == "symptom" and days.get(day + DAY) == "symptom"
            assert inside(day, windows, "start", "end")
        if kind == "none" and not in_episode:
            assert not inside(day, windows, "start", "end")  # not logged is not follow-up
    # episodes are separated by at least one logged symptom-free day or two unlogged days
    assert (episodes["onset"].iloc[1:].to_numpy() > episodes["end"].iloc[:-1].to_numpy()).all()
