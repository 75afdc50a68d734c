"""Month/year-precision onsets: midpoint placement, exclusion, and the sensitivity helper."""

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.personal.precision import resolve_imprecise_onsets


def _episodes():
    return pd.DataFrame({
        "subject": "me",
        "onset": pd.to_datetime(["2012-02-01", "2013-01-01", "2013-03-01", "2014-05-20"]),
        "end": pd.to_datetime([pd.NaT, pd.NaT, "2013-03-05", "2014-05-23"]),
        "onset_precision": ["month", "year", "month", "day"],
    })


def test_midpoints_by_hand():
    r = resolve_imprecise_onsets(_episodes(), how="midpoint")
    onset = r.episodes["onset"].tolist()
    assert onset[0] == pd.Timestamp("2012-02-15 12:00")  # leap February: 29 / 2 days
    assert onset[1] == pd.Timestamp("2013-07-02 12:00")  # 365 / 2 days into 2013
    # "March 2013" with its end written as March 5: the onset is not placed after that end, and
    # the end stays; the middle of March 1-5 is March 3.
    assert onset[2] == pd.Timestamp("2013-03-03")
    assert r.episodes["end"].iloc[2] == pd.Timestamp("2013-03-05")
    assert onset[3] == pd.Timestamp("2014-05-20")
    assert (r.n_month, r.n_year) == (2, 1)
    assert "placed in the middle of" in r.note
    assert "1 of them have an end written as a date, which bounds them" in r.note


def test_exclude_and_bad_choice():
    r = resolve_imprecise_onsets(_episodes(), how="exclude")
    assert len(r.episodes) == 1 and "left out" in r.note
    with pytest.raises(ValueError, match="'midpoint', 'exclude'"):
        resolve_imprecise_onsets(_episodes(), how="first-day")
    day_only = _episodes().drop(columns="onset_precision")
    assert resolve_imprecise_onsets(day_only).note == "All onsets have day precision."


def test_sensitivity_runs_both_choices_for_rate_ratio():
    episodes = pd.DataFrame({
        "onset": pd.to_datetime(["2020-02-01", "2020-03-10", "2020-06-01", "2020-09-15"]),
        "end": pd.to_datetime([pd.NaT, "2020-03-12", "2020-06-03", "2020-09-17"]),
        "onset_precision": ["month", "day", "day", "day"],
    })
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2020-01-01")], "end": [pd.Timestamp("2020-12-31")]})
    treatments = pd.DataFrame({"start": pd.to_datetime(["2020-02-10"]), "end": pd.to_datetime(["2020-03-20"]), "modality": ["massage"]})
    log = sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments)
    table = sa.imprecise_onset_sensitivity(sa.rate_ratio, log, exposed="massage", assume_duration_days=1, within="all",
                                          choices=("midpoint", "exclude", "earliest", "latest"))
    assert list(table["imprecise_onsets"]) == ["midpoint", "exclude", "earliest", "latest"]
    # Midpoint puts the February onset at Feb 15, inside the massage period: 2 exposed onsets.
    mid = sa.rate_ratio(log, exposed="massage", imprecise_onsets="midpoint", assume_duration_days=1, within="all")
    excl = sa.rate_ratio(log, exposed="massage", imprecise_onsets="exclude", assume_duration_days=1, within="all")
    assert (mid.events_exposed, excl.events_exposed) == (2, 1)
    assert table["rate_ratio"].tolist()[:2] == pytest.approx([mid.rate_ratio, excl.rate_ratio])
    # On its first day (Feb 1) the onset is before the massage; on its last (Feb 29) inside it.
    first = sa.rate_ratio(log, exposed="massage", imprecise_onsets="earliest", assume_duration_days=1, within="all")
    assert first.events_exposed == 1 and first.events_unexposed == excl.events_unexposed + 1
    assert table["rate_ratio"].tolist()[2:] == pytest.approx([first.rate_ratio, mid.rate_ratio])
    assert "mid-month" in mid.notes and "left out" in excl.notes


def test_midpoint_that_collides_with_a_recorded_episode_moves_beside_it():
    # "March 2020", lasted 2 days (the length is what was written, so the end moves with the
    # onset), placed mid-month would fall inside the dated March 15-20 episode: it starts the
    # day after that one ends; one episode at a time.
    episodes = pd.DataFrame({
        "onset": pd.to_datetime(["2020-03-01", "2020-03-15"]),
        "end": pd.to_datetime(["2020-03-03", "2020-03-20"]),
        "onset_precision": ["month", "day"],
        "end_from_length": [True, False],
    })
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2020-01-01")], "end": [pd.Timestamp("2020-12-31")]})
    log = sa.EpisodeLog(episodes, follow_up=follow_up)
    placed = sa.place_onsets(log.episodes, "midpoint").sort_values("onset")
    assert placed["onset"].tolist() == [pd.Timestamp("2020-03-15"), pd.Timestamp("2020-03-21")]
    assert placed["end"].tolist() == [pd.Timestamp("2020-03-20"), pd.Timestamp("2020-03-23")]  # 2 days kept
    # The analyses' timeline (imprecise onsets mid-period) places them the same way.
    assert sa.personal.timeline.timeline(log).onsets["onset"].tolist() == placed["onset"].tolist()
    assert sa.laplace_test(log, imprecise_onsets="midpoint").details["n_events"] == 2
    assert sa.laplace_test(log, imprecise_onsets="exclude").details["n_events"] == 1


def test_placed_episode_before_a_dated_one_ends_the_day_before_it_when_its_interval_allows():
    from spasm_analysis.personal.precision import place_onsets

    # "2013" (5 days) placed mid-year (July 2) would run into a dated July 4-9 episode that
    # sorts after it: it ends the day before (June 28 - July 3), still in 2013.
    episodes = pd.DataFrame({"subject": "me",
                             "onset": pd.to_datetime(["2013-01-01", "2013-07-04"]),
                             "onset_latest": pd.to_datetime(["2013-12-31", "2013-07-04"]),
                             "end": pd.to_datetime(["2013-01-06", "2013-07-09"]),
                             "end_from_length": [True, False]})  # the length, not the end date, is known
    placed = place_onsets(episodes, "midpoint").sort_values("onset")
    assert placed["end"].iloc[0] == pd.Timestamp("2013-07-03")
    assert placed["end"].iloc[0] - placed["onset"].iloc[0] == pd.Timedelta(days=5)
    # Early October (days 1-10) placed on Oct 5 hits a dated Oct 3-12 episode that sorts first:
    # it starts the day after that one ends.
    episodes = pd.DataFrame({"subject": "me",
                             "onset": pd.to_datetime(["2013-10-01", "2013-10-03"]),
                             "onset_latest": pd.to_datetime(["2013-10-10", "2013-10-03"]),
                             "end": pd.to_datetime(["2013-10-06", "2013-10-12"]),
                             "end_from_length": [True, False]})
    placed = place_onsets(episodes, "midpoint").sort_values("onset")
    assert placed["onset"].tolist() == [pd.Timestamp("2013-10-03"), pd.Timestamp("2013-10-13")]


def test_place_onsets_keeps_lengths_inside_the_written_ends():
    from spasm_analysis.personal.precision import place_onsets

    ep = pd.DataFrame({"subject": ["me", "me"], "onset": pd.to_datetime(["2004-06-01", "2015-03-02"]),
                       "onset_latest": pd.to_datetime(["2004-08-31", "2015-03-02"]),
                       "end": pd.to_datetime(["2004-06-08", "2015-03-05"]),
                       "end_earliest": pd.to_datetime(["2004-06-04", "2015-03-05"]),
                       "end_latest": pd.to_datetime(["2004-09-07", "2015-03-05"]),
                       "end_from_length": [True, False]})  # "several days": a length
    first, mid, last = (place_onsets(ep, how) for how in ("earliest", "midpoint", "latest"))
    assert first["onset"][0] == pd.Timestamp("2004-06-01") and last["onset"][0] == pd.Timestamp("2004-08-31")
    assert mid["onset"][0] == pd.Timestamp("2004-07-17")  # 92 days (June-August) / 2 after June 1
    assert (last["end"][0] - last["onset"][0]) == pd.Timedelta(days=7)  # the length "several days" (upper) kept
    assert (mid["onset"][1], mid["end"][1]) == (ep["onset"][1], ep["end"][1])  # day-known episodes stay
    a, b = place_onsets(ep, "random", seed=3), place_onsets(ep, "random", seed=3)
    assert a["onset"][0] == b["onset"][0] and pd.Timestamp("2004-06-01") <= a["onset"][0] < pd.Timestamp("2004-09-01")
    with pytest.raises(ValueError, match="'midpoint', 'earliest', 'latest', 'random'"):
        place_onsets(ep, "somewhere")


def test_sensitivity_places_an_onset_that_would_collide_beside_the_dated_episode():
    # "2019, 2 days": placed on its last day it would land on the episode of 2019-12-31; it
    # ends the day before that one instead (still in 2019), so the placement is possible.
    episodes = pd.DataFrame({"onset": ["2019", "2019-12-31", "2020-05-01", "2020-09-01"],
                             "end": ["2019-01-03", "2020-01-02", "2020-05-03", "2020-09-03"],
                             "end_earliest": ["2019-01-03", None, None, None], "end_latest": ["2020-01-03", "2020-01-02", "2020-05-03", "2020-09-03"],
                             "end_from_length": [True, False, False, False]})
    log = sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2019-01-01"], "end": ["2021-01-01"]}))
    table = sa.imprecise_onset_sensitivity(sa.laplace_test, log, choices=("midpoint", "latest"))
    assert "note" not in table.columns and table["statistic"].notna().all()
    latest = sa.laplace_test(log, imprecise_onsets="latest")
    assert latest.details["n_events"] == 4 and latest.statistic != table.loc[0, "statistic"]
