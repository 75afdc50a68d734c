"""EpisodeLog: coercion, every validation rule, merges, follow-up inference, immutability."""

import warnings

import pandas as pd
import pytest

import spasm_analysis as sa

D = pd.Timestamp


def episodes(onsets, ends=None, **extra):
    frame = pd.DataFrame({"onset": pd.to_datetime(onsets)})
    if ends is not None:
        frame["end"] = pd.to_datetime(ends)
    for key, values in extra.items():
        frame[key] = values
    return frame


FOLLOW = pd.DataFrame({"start": [D("2020-01-01")], "end": [D("2020-12-31")]})


def test_single_person_log_gets_one_subject_and_sorted_canonical_columns():
    log = sa.EpisodeLog(episodes(["2020-03-01", "2020-01-05"], ["2020-03-02", "2020-01-07"]), follow_up=FOLLOW)
    eps = log.episodes
    assert list(eps["subject"]) == ["me", "me"]
    assert list(eps["onset"]) == [D("2020-01-05"), D("2020-03-01")]
    assert list(eps.columns[:3]) == ["subject", "onset", "end"]
    assert set(eps["onset_precision"]) == {"day"} and set(eps["n_merged"]) == {1}
    assert log.is_personal and log.n_episodes == 2 and log.subjects == ("me",)


def test_every_problem_is_listed_with_row_column_and_value():
    frame = pd.DataFrame(
        {"onset": ["2020-01-05", "not a date", "2020-03-01"], "end": ["2020-01-01", "2020-02-02", "2020-03-03"], "severity": [3, 12, "bad"]}
    )
    frame.index = [2, 3, 4]  # as a reader numbers file rows
    with pytest.raises(sa.LogValidationError) as info:
        sa.EpisodeLog(frame, follow_up=FOLLOW)
    text = str(info.value)
    assert "row 2, column 'end'" in text and "end is before onset" in text
    assert "row 3, column 'onset', value 'not a date'" in text
    assert "row 3, column 'severity', value 12" in text and "outside 0-10" in text
    assert "row 4, column 'severity', value 'bad'" in text
    assert len(info.value.problems) == 4
    assert isinstance(info.value, ValueError)


def test_duplicate_and_overlapping_episodes_are_errors_naming_rows():
    frame = episodes(["2020-01-05", "2020-01-05", "2020-02-01", "2020-02-03"], ["2020-01-07", "2020-01-07", "2020-02-05", "2020-02-06"])
    with pytest.raises(sa.LogValidationError) as info:
        sa.EpisodeLog(frame, follow_up=FOLLOW)
    messages = [str(p) for p in info.value.problems]
    assert any("row 1" in m and "duplicate of row 0" in m for m in messages)
    assert any("row 3" in m and "overlaps" in m and "merge_overlaps=True" in m for m in messages)


def test_merge_overlaps_merges_and_reports():
    frame = episodes(["2020-02-01", "2020-02-03"], ["2020-02-05", "2020-02-06"], severity=[4, 6], notes=["a", "b"])
    with pytest.warns(sa.LogChangedWarning, match="merged 2 episode rows into 1"):
        log = sa.EpisodeLog(frame, follow_up=FOLLOW, merge_overlaps=True)
    eps = log.episodes
    assert len(eps) == 1
    assert eps.loc[0, "end"] == D("2020-02-06") and eps.loc[0, "severity"] == 6
    assert eps.loc[0, "n_merged"] == 2 and eps.loc[0, "notes"] == "a; b"
    assert any("rows 0+1" in a for a in log.actions)


def test_merge_within_days_is_the_flare_definition():
    frame = episodes(["2020-01-01", "2020-01-05", "2020-02-01", "2020-02-04"], ["2020-01-03", "2020-01-06", "2020-02-02", "2020-02-05"])
    with pytest.warns(sa.LogChangedWarning):
        log = sa.EpisodeLog(frame, follow_up=FOLLOW, merge_within_days=2)
    eps = log.episodes
    # Jan 5 is 2 days after Jan 3 (joins); Feb 4 is 2 days after Feb 2 (joins).
    assert list(eps["n_merged"]) == [2, 2]
    assert list(eps["end"]) == [D("2020-01-06"), D("2020-02-05")]
    tight = sa.EpisodeLog(frame, follow_up=FOLLOW, merge_within_days=1)
    assert list(tight.episodes["n_merged"]) == [1, 1, 1, 1]
    assert not any("merged" in a for a in tight.actions)


def test_merge_keeps_end_unknown_when_the_last_merged_episode_has_none():
    frame = episodes(["2020-01-01", "2020-01-04"], ["2020-01-03", None])
    with pytest.warns(sa.LogChangedWarning):
        log = sa.EpisodeLog(frame, follow_up=FOLLOW, merge_within_days=3)
    assert pd.isna(log.episodes.loc[0, "end"])


def test_onsets_outside_follow_up_are_errors_but_an_ongoing_index_episode_is_allowed():
    frame = episodes(["2019-12-30", "2021-02-01", "2019-06-01"], ["2020-01-03", "2021-02-02", "2019-06-02"])
    with pytest.raises(sa.LogValidationError) as info:
        sa.EpisodeLog(frame, follow_up=FOLLOW)
    rows = sorted(p.row for p in info.value.problems)
    assert rows == [1, 2]
    assert "outside the follow-up window" in str(info.value)


def test_missing_follow_up_is_inferred_with_a_warning():
    frame = episodes(["2020-03-01", "2020-01-05"], ["2020-03-04", "2020-01-07"])
    with pytest.warns(sa.FollowUpInferredWarning, match="first to their last record"):
        log = sa.EpisodeLog(frame)
    fu = log.follow_up
    assert fu.loc[0, "start"] == D("2020-01-05") and fu.loc[0, "end"] == D("2020-03-04")
    assert any("No follow_up given" in a for a in log.actions)


def test_missing_subject_in_a_multi_subject_file_is_an_error():
    frame = episodes(["2020-01-05", "2020-02-05", "2020-03-05"], subject=["a", None, "b"])
    with pytest.raises(sa.LogValidationError, match="row 1, column 'subject'.*several subjects"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sa.EpisodeLog(frame)


def test_numeric_subject_ids_become_text():
    frame = episodes(["2020-01-05", "2020-02-05"], subject=[7.0, 8.0])
    with pytest.warns(sa.FollowUpInferredWarning):
        log = sa.EpisodeLog(frame)
    assert log.subjects == ("7", "8")


def test_treatment_with_single_date_is_a_one_day_session_and_end_before_start_is_an_error():
    tr = pd.DataFrame({"start": pd.to_datetime(["2020-02-01", "2020-03-01"]), "end": pd.to_datetime([None, "2020-02-01"]), "modality": ["massage", "massage"]})
    with pytest.raises(sa.LogValidationError, match="treatments, row 1, column 'end'.*before start"):
        sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=FOLLOW, treatments=tr)
    log = sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=FOLLOW, treatments=tr.iloc[:1])
    assert log.treatments.loc[0, "end"] == D("2020-02-02")


def test_overlapping_follow_up_windows_are_an_error():
    fu = pd.DataFrame({"start": pd.to_datetime(["2020-01-01", "2020-06-01"]), "end": pd.to_datetime(["2020-07-01", "2020-12-01"])})
    with pytest.raises(sa.LogValidationError, match="overlaps the subject's previous follow-up window"):
        sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=fu)


def test_duplicate_covariate_rows_are_an_error():
    cov = pd.DataFrame({"subject": ["me", "me"], "age": [30, 31]})
    with pytest.raises(sa.LogValidationError, match="covariates, row 1, column 'subject'.*more than once"):
        sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=FOLLOW, covariates=cov)


def test_log_is_immutable_and_returns_copies():
    log = sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=FOLLOW)
    with pytest.raises(AttributeError):
        log.episodes = None
    copy = log.episodes
    copy.loc[0, "onset"] = D("2020-06-01")
    assert log.episodes.loc[0, "onset"] == D("2020-01-05")


def test_subset_and_replace_build_new_validated_logs():
    frame = episodes(["2020-01-05", "2020-02-05"], subject=["a", "b"])
    fu = pd.DataFrame({"subject": ["a", "b"], "start": [D("2020-01-01")] * 2, "end": [D("2020-12-31")] * 2})
    log = sa.EpisodeLog(frame, follow_up=fu)
    assert log.subset("a").n_episodes == 1
    with pytest.raises(KeyError, match="'c'"):
        log.subset(["c"])
    bigger = log.replace(episodes=episodes(["2020-01-05", "2020-02-05", "2020-03-05"], subject=["a", "b", "b"]))
    assert bigger.n_episodes == 3
    assert "EpisodeLog(2 subject(s), 2 episodes" in repr(log)


def test_to_folder_writes_canonical_csvs(tmp_path):
    log = sa.EpisodeLog(episodes(["2020-01-05"], ["2020-01-07"], severity=[5]), follow_up=FOLLOW)
    log.to_folder(tmp_path)
    written = pd.read_csv(tmp_path / "episodes.csv")
    assert list(written.columns[:3]) == ["subject", "onset", "end"]
    assert written.loc[0, "onset"] == "2020-01-05"
    assert (tmp_path / "follow_up.csv").exists() and not (tmp_path / "treatments.csv").exists()
    with pytest.raises(ValueError, match="'csv' or 'parquet'"):
        log.to_folder(tmp_path, format="xml")


def test_round_trip_keeps_sub_seconds_carriage_returns_and_empty_text(tmp_path):
    frame = pd.DataFrame(
        {
            "onset": [D("2020-01-05 10:00:00.250"), D("2020-02-05")],
            "end": [D("2020-01-07"), D("2020-02-06")],
            "notes": ["line one\rline two", ""],
            "region": [None, "neck"],
        }
    )
    log = sa.EpisodeLog(frame, follow_up=FOLLOW)
    assert log.episodes["notes"].isna().tolist() == [False, True]
    back = sa.read_log(log.to_folder(tmp_path))
    pd.testing.assert_frame_equal(back.episodes, log.episodes)


def test_n_merged_must_be_a_whole_number():
    frame = episodes(["2020-01-05", "2020-02-05"], n_merged=[float("inf"), 0])
    with pytest.raises(sa.LogValidationError) as info:
        sa.EpisodeLog(frame, follow_up=FOLLOW)
    assert [p.row for p in info.value.problems] == [0, 1]
    assert "whole number of rows" in str(info.value)


def test_treatment_names_map_to_modalities_and_unknown_ones_are_listed():
    tr = pd.DataFrame({"start": pd.to_datetime(["2020-02-01", "2020-03-01", "2020-04-01"]), "name": ["chiro", "Flexeril 10mg", "float tank"]})
    with pytest.warns(sa.UnknownModalityWarning, match="'float tank'"):
        log = sa.EpisodeLog(episodes(["2020-01-05"]), follow_up=FOLLOW, treatments=tr)
    assert list(log.treatments["modality"]) == ["chiropractic", "muscle_relaxant", "float tank"]


def test_lengths_without_an_end_are_not_dropped_silently():
    """EpisodeLog takes end dates; a length column is kept as written, and it says so."""
    episodes = pd.DataFrame({"subject": ["a", "a", "a"], "onset": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-05-01"]),
                             "end": pd.to_datetime(["2020-01-03", None, None]), "Lasted": ["2 days", "a week", None]})
    follow_up = pd.DataFrame({"subject": ["a"], "start": pd.to_datetime(["2020-01-01"]), "end": pd.to_datetime(["2020-12-31"])})
    with pytest.warns(sa.UnreadColumnWarning, match=r"episodes column 'Lasted' .* 1 row\(s\) have a length but no end") as caught:
        log = sa.EpisodeLog(episodes, follow_up=follow_up)
    assert "sa.read_episodes(frame)" in str(caught[0].message)
    assert log.episodes["Lasted"].tolist() == ["2 days", "a week", None]
    read = sa.EpisodeLog(sa.read_episodes(episodes.drop(columns="end").assign(subject="a")), follow_up=follow_up)
    assert read.episodes["end"].iloc[1] == pd.Timestamp("2020-03-08")
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa.UnreadColumnWarning)
        sa.EpisodeLog(episodes.assign(end=episodes["onset"]), follow_up=follow_up)  # every row has its end: nothing to say
