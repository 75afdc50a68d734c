"""EpisodeLog.to_folder -> read_log gives back an identical log."""

import warnings

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa

T = pd.Timestamp


def personal_log() -> sa.EpisodeLog:
    episodes = pd.DataFrame(
        {
            "onset": [T(2004, 1, 1), T(2008, 6, 1), T(2013, 10, 1), T(2015, 3, 2, 7, 30), T(2016, 5, 9), T(2017, 1, 2)],
            "end": [T(2004, 1, 8), pd.NaT, T(2013, 10, 5), T(2015, 3, 5, 19), T(2016, 5, 12), pd.NaT],
            "onset_precision": ["year", "month", "month", "day", "day", "day"],
            "severity": [7.0, np.nan, 8.0, 5.5, 3.0, 10.0],
            # Missing text is NaN: a CSV cannot tell None, NaN and "" apart.
            "region": ["lower back", "neck", "mid back / ribs", "hip/glute", "lower back", np.nan],
            "side": ["left", "right", "both", np.nan, "left", "right"],
            "trigger": ["lifting", np.nan, "cold pool", "long sitting", np.nan, "yoga, then sitting"],
            "notes": ['said "never again"', "NA", np.nan, "line one\nline two", "ends with a space?", "None"],
        }
    )
    follow_up = pd.DataFrame({"start": [T(2004, 1, 1)], "end": [T(2018, 1, 1)]})
    treatments = pd.DataFrame(
        {
            "start": [T(2013, 10, 2), T(2015, 3, 3), T(2016, 1, 4), T(2016, 5, 10)],
            "end": [T(2013, 10, 3), T(2015, 3, 4), T(2016, 2, 15), T(2016, 5, 11)],
            "modality": ["chiropractic", "trigger_point_therapy", "muscle_relaxant", "float tank"],
            "name": ["chiro", "trigger point massage", "Flexeril", "float tank"],
            "dose": [np.nan, np.nan, "10 mg", np.nan],
        }
    )
    exposures = pd.DataFrame(
        {
            "time": [T(2016, 5, 7), T(2016, 5, 8), T(2016, 5, 7), T(2016, 5, 8)],
            "exposure": ["cold pool", "cold pool", "sitting hours", "sitting hours"],
            "value": [1.0, 0.0, 4.0, 9.5],
        }
    )
    return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, exposures=exposures)


def cohort_log() -> sa.EpisodeLog:
    rng = np.random.default_rng(7)
    rows = []
    for subject in ["007", "12", "a-3"]:
        t = T(2010, 1, 1)
        for _ in range(4):
            t = t + pd.Timedelta(days=int(rng.integers(10, 90)))
            rows.append({"subject": subject, "onset": t, "end": t + pd.Timedelta(hours=int(rng.integers(6, 120)))})
            t = rows[-1]["end"]
    episodes = pd.DataFrame(rows)
    follow_up = pd.DataFrame({"subject": ["007", "12", "a-3"], "start": [T(2010, 1, 1)] * 3, "end": [T(2013, 1, 1)] * 3})
    covariates = pd.DataFrame({"subject": ["007", "12", "a-3"], "age": [54, 61, 38], "sex": ["F", "M", "F"], "bmi": [22.5, 31.0, np.nan]})
    return sa.EpisodeLog(episodes, follow_up=follow_up, covariates=covariates)


def assert_same_log(a: sa.EpisodeLog, b: sa.EpisodeLog) -> None:
    for table in ("episodes", "follow_up", "treatments", "exposures", "covariates"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True, obj=table)


@pytest.mark.parametrize("make", [personal_log, cohort_log])
def test_round_trip_is_identical(tmp_path, make):
    log = make()
    folder = log.to_folder(tmp_path / "log")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no inferred follow-up, no unknown-modality noise on the way back
        again = sa.read_log(folder)
    assert_same_log(log, again)
    # And again: writing what was read gives the same files.
    second = again.to_folder(tmp_path / "again")
    for file in sorted(p.name for p in folder.iterdir()):
        assert (folder / file).read_text() == (second / file).read_text()


def test_round_trip_parquet(tmp_path):
    log = personal_log()
    folder = log.to_folder(tmp_path / "log", format="parquet")
    assert_same_log(log, sa.read_log(folder))


def test_round_trip_keeps_merged_counts(tmp_path):
    episodes = pd.DataFrame({"onset": [T(2020, 1, 1), T(2020, 1, 4), T(2020, 3, 1)], "end": [T(2020, 1, 3), T(2020, 1, 6), T(2020, 3, 2)]})
    follow_up = pd.DataFrame({"start": [T(2020, 1, 1)], "end": [T(2020, 12, 31)]})
    with pytest.warns(sa.LogChangedWarning):
        log = sa.EpisodeLog(episodes, follow_up=follow_up, merge_within_days=2)
    assert log.episodes["n_merged"].tolist() == [2, 1]
    again = sa.read_log(log.to_folder(tmp_path / "log"))
    assert_same_log(log, again)


def test_read_log_passes_log_options(tmp_path):
    (tmp_path / "episodes.csv").write_text("Date,Until\n2020-01-01,2020-01-03\n2020-01-02,2020-01-05\n")
    (tmp_path / "follow_up.csv").write_text("From,To\n2020-01-01,2020-12-31\n")
    with pytest.raises(sa.LogValidationError, match="overlap"):
        sa.read_log(tmp_path)
    with pytest.warns(sa.LogChangedWarning):
        log = sa.read_log(tmp_path, merge_overlaps=True)
    assert log.n_episodes == 1 and log.episodes["end"].tolist() == [T(2020, 1, 5)]
