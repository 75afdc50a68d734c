"""The one placement rule for imprecise onsets: what the log knows about each end decides whether it moves."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import spasm_analysis as sa
from spasm_analysis.personal.placement import DAY_NS, HOW_CHOICES, place_one_person
from spasm_analysis.simulate.scenarios import scenario_days

DAY = pd.Timedelta(days=1)
FOLLOW_UP = pd.DataFrame({"start": ["2003-01-01"], "end": ["2016-01-01"]})


def _log(episodes):
    return sa.EpisodeLog(episodes, follow_up=FOLLOW_UP)


def test_readers_record_which_ends_come_from_a_length():
    sheet = pd.DataFrame({"Started": ["summer 2004", "Oct 2013", "early Mar 2014"],
                          "Duration": ["a week", None, "3-4 days"], "Ended": [None, "2013-10-20", None]})
    episodes = sa.read_episodes(sheet)
    assert episodes["end_from_length"].tolist() == [True, False, True]
    log = _log(episodes)
    latest = sa.place_onsets(log, "latest").episodes
    # The week moves with "summer 2004"; "Oct 2013" is not placed after the end written for it.
    assert (latest.onset[0], latest.end[0]) == (pd.Timestamp("2004-08-31"), pd.Timestamp("2004-09-07"))
    assert (latest.onset[1], latest.end[1]) == (pd.Timestamp("2013-10-20"), pd.Timestamp("2013-10-20"))
    assert latest.onset_latest.tolist() == latest.onset.tolist()
    # Placed on its first day, "summer 2004, a week" ends a week later at the latest.
    assert sa.place_onsets(log, "earliest").episodes["end_latest"][0] == pd.Timestamp("2004-06-08")
    mid = sa.place_onsets(log, "midpoint").episodes
    assert (mid.onset[1], mid.end[1]) == (pd.Timestamp("2013-10-10 12:00"), pd.Timestamp("2013-10-20"))
    # The range of the length moves too: "a week" is known to the day; "3-4 days" stays 3-4 days.
    assert (mid.end_earliest[0] - mid.onset[0], mid.end_latest[0] - mid.onset[0]) == (7 * DAY, 7 * DAY)
    assert mid.onset[2] == pd.Timestamp("2014-03-06")  # the middle of March 1-10
    assert (mid.end_earliest[2] - mid.onset[2], mid.end[2] - mid.onset[2], mid.end_latest[2] - mid.onset[2]) == (3 * DAY, 4 * DAY, 4 * DAY)
    # A file without a length column has no ends from a length.
    assert "end_from_length" not in sa.read_episodes(pd.DataFrame({"Started": ["2013"], "Ended": ["2013-03-01"]})).columns


def test_end_from_length_survives_writing_the_log_and_merging(tmp_path):
    sheet = pd.DataFrame({"Started": ["summer 2004", "2014-03-02"], "Duration": ["a week", None], "Ended": [None, "2014-03-05"]})
    log = _log(sa.read_episodes(sheet))
    again = sa.read_log(log.to_folder(tmp_path / "log"))
    assert again.episodes["end_from_length"].tolist() == [True, False]
    assert sa.place_onsets(again, "latest").episodes["end"].tolist() == sa.place_onsets(log, "latest").episodes["end"].tolist()
    # Merged rows: the end is the furthest of their ends, not the first onset plus one length.
    ep = pd.DataFrame({"onset": ["2004-06-01", "2004-06-03"], "onset_latest": ["2004-06-10", "2004-06-03"],
                       "end": ["2004-06-05", "2004-06-09"], "end_from_length": [True, False]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merged = sa.EpisodeLog(ep, follow_up=FOLLOW_UP, merge_overlaps=True).episodes
    assert merged["end_from_length"].tolist() == [False]


def test_an_end_without_upper_bound_keeps_none():
    ep = pd.DataFrame({"onset": ["2010-05-01"], "onset_latest": ["2010-05-31"], "end": ["2010-05-09"],
                       "end_earliest": ["2010-05-09"], "end_latest": [None], "end_from_length": [True]})
    placed = sa.place_onsets(_log(ep), "latest").episodes
    assert (placed["onset"][0], placed["end"][0]) == (pd.Timestamp("2010-05-31"), pd.Timestamp("2010-06-08"))
    assert placed["end_earliest"][0] == pd.Timestamp("2010-06-08") and pd.isna(placed["end_latest"][0])


def test_still_going_keeps_the_last_day_it_was_known_to_be_going():
    ep = pd.DataFrame({"onset": ["2015-11-01"], "onset_latest": ["2015-11-30"], "ongoing": [True], "end_from_length": [True]})
    log = _log(ep)
    placed = sa.place_onsets(log, "latest").episodes
    assert placed["onset"][0] == pd.Timestamp("2015-11-30") and pd.isna(placed["end"][0])
    assert placed["end_earliest"][0] == log.episodes["end_earliest"][0] == pd.Timestamp("2016-01-01")


def test_logs_without_imprecise_onsets_are_returned_unchanged():
    log = _log(pd.DataFrame({"onset": ["2010-05-01", "2011-02-03"], "end": ["2010-05-04", "2011-02-05"]}))
    assert sa.place_onsets(log, "latest") is log
    pd.testing.assert_frame_equal(sa.place_onsets(log.episodes, "random", seed=1), log.episodes)


def test_episodes_that_overlap_wherever_placed_are_named():
    # "2013" whose written end (Jul 9) reaches over a dated Jul 4-5 episode: no placement helps.
    ep = pd.DataFrame({"subject": "me", "onset": pd.to_datetime(["2013-01-01", "2013-07-04"]),
                       "onset_latest": pd.to_datetime(["2013-12-31", "2013-07-04"]),
                       "end": pd.to_datetime(["2013-07-09", "2013-07-05"])}, index=[7, 8])
    with pytest.raises(ValueError, match="rows 7 and 8 of subject 'me' overlap wherever"):
        sa.place_onsets(ep, "earliest")


def test_simulated_histories_are_placed_by_the_same_rule_as_their_logs():
    for seed in (2, 4):
        h = scenario_days("remembered", seed=seed)
        log = h.to_log()
        assert log.episodes["end_from_length"].all()
        for how in ("earliest", "midpoint", "latest"):
            placed = sa.place_onsets(log, how).episodes.sort_values("onset")
            days = h.at_risk(how)
            assert np.allclose((placed["onset"] - h.start) / DAY, days["onset_day"])
            assert np.allclose((placed["end"] - h.start) / DAY, days["episode_end_day"])


def test_a_placed_episode_running_into_a_dated_one_no_longer_stops_treatment_effect():
    # Remembered log where "latest" put a month-known episode into the dated one after it: the
    # placement used to leave them overlapping and treatment_effect raised LogValidationError.
    h = scenario_days("remembered", effect="70% fewer", seed=80)
    log = h.to_log()
    r = sa.treatment_effect(log, "physiotherapy", window=(4, 14))
    assert list(r.placements["placement"]) == ["earliest", "midpoint", "latest"]
    assert r.placements["rate_ratio"].notna().all() and r.cells["events"].sum() == len(log.episodes)
    latest = sa.place_onsets(log, "latest").episodes.sort_values("onset")
    assert np.allclose((latest["onset"] - h.start) / DAY, h.at_risk("latest")["onset_day"])


def test_place_one_person_pulls_a_placed_episode_back_before_a_day_known_one():
    day = DAY_NS
    onset = place_one_person(np.array([0, 40]) * day, np.array([30, 40]) * day, np.array([12, 45]) * day,
                             np.array([True, True]), np.array([True, False]), "latest")
    assert (onset / day).tolist() == [27.0, 40.0]  # days 27-39: ends the day before, not on days 30-42


@st.composite
def _people(draw):
    """Valid logs: episodes that do not overlap with every onset on its first possible day."""
    rows, start = [], pd.Timestamp("2004-01-01")
    for subject in ("a", "b")[: draw(st.integers(1, 2))]:
        day = 0
        for _ in range(draw(st.integers(1, 7))):
            day += draw(st.integers(1, 50))
            width = draw(st.sampled_from([0, 0, 2, 9, 30, 91, 364]))
            length = draw(st.integers(0, 12))
            kind = draw(st.sampled_from(["length", "written", "unknown"]))
            onset = start + day * DAY
            rows.append({"subject": subject, "onset": onset, "onset_latest": onset + width * DAY,
                         "end": onset + length * DAY if kind != "unknown" else pd.NaT, "end_from_length": kind == "length"})
            day += length
    return pd.DataFrame(rows)


@settings(derandomize=True, max_examples=120, deadline=None)
@given(_people(), st.sampled_from(HOW_CHOICES), st.integers(0, 3))
def test_placed_onsets_never_overlap_and_never_end_before_they_start(episodes, how, seed):
    placed = sa.place_onsets(episodes, how, seed=seed)
    imprecise = episodes["onset_latest"] > episodes["onset"]
    assert (placed["onset"] >= episodes["onset"]).all()
    assert (placed["end"].isna() | (placed["end"] >= placed["onset"])).all()
    day_known = ~imprecise
    assert placed.loc[day_known, ["onset", "end"]].equals(episodes.loc[day_known, ["onset", "end"]])
    written = imprecise & ~episodes["end_from_length"] & episodes["end"].notna()
    assert placed.loc[written, "end"].equals(episodes.loc[written, "end"])  # a written end stays
    length = episodes["end_from_length"] & episodes["end"].notna()
    assert ((placed["end"] - placed["onset"])[length] == (episodes["end"] - episodes["onset"])[length]).all()
    for _, person in placed.sort_values(["subject", "onset"]).groupby("subject"):
        reach = person["end"].fillna(person["onset"]).cummax().shift()
        assert (person["onset"].iloc[1:] >= reach.iloc[1:]).all()
    if how == "earliest":
        assert placed[["onset", "end"]].equals(episodes[["onset", "end"]])
