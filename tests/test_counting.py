"""to_counting_process: hand-checked layouts and hypothesis invariants."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import spasm_analysis as sa

D = pd.Timestamp


@pytest.fixture
def two_subject_log():
    ep = pd.DataFrame(
        {
            "subject": ["a", "a", "a", "b"],
            "onset": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-03-06", "2020-02-01"]),
            "end": pd.to_datetime(["2020-01-08", "2020-03-03", "2020-03-09", "2020-02-03"]),
        }
    )
    fu = pd.DataFrame(
        {
            "subject": ["a", "a", "b"],
            "start": pd.to_datetime(["2020-01-02", "2020-06-01", "2020-01-01"]),
            "end": pd.to_datetime(["2020-04-30", "2020-07-01", "2020-12-31"]),
        }
    )
    tr = pd.DataFrame(
        {
            "subject": ["a", "b", "b"],
            "start": pd.to_datetime(["2020-02-01", "2020-03-01", "2020-03-10"]),
            "end": pd.to_datetime(["2020-02-15", None, None]),
            "modality": ["massage", "chiropractic", "chiropractic"],
        }
    )
    cov = pd.DataFrame({"subject": ["a", "b"], "age": [30, 40]})
    return sa.EpisodeLog(ep, follow_up=fu, treatments=tr, covariates=cov)


def test_calendar_layout_by_hand(two_subject_log):
    cp = sa.to_counting_process(two_subject_log).to_frame()
    # a: follow-up starts inside the Jan 1-8 episode (index episode): at risk from Jan 8 = day 6.
    expected = pd.DataFrame(
        {
            "subject": ["a", "a", "a", "a", "b", "b"],
            "start": [6.0, 61.0, 67.0, 151.0, 0.0, 33.0],
            "stop": [59.0, 64.0, 119.0, 181.0, 31.0, 365.0],
            "event": [1, 1, 0, 0, 1, 0],
            "episode": [1, 2, 3, 3, 1, 2],
            "age": [30, 30, 30, 30, 40, 40],
        }
    )
    pd.testing.assert_frame_equal(cp, expected)
    index = cp.attrs["index_episodes"]
    assert [(e["subject"], e["onset"]) for e in index] == [("a", D("2020-01-01"))]


def test_index_episode_can_count_in_the_numbering(two_subject_log):
    cp = sa.to_counting_process(two_subject_log, count_index_episode=True).to_frame()
    assert list(cp.loc[cp["subject"] == "a", "episode"]) == [2, 3, 4, 4]
    assert list(cp.loc[cp["subject"] == "b", "episode"]) == [1, 2]


def test_risk_free_days_and_uncounted_onsets_are_reported(two_subject_log):
    with pytest.warns(sa.counting.EpisodesNotCountedWarning, match="1 episode"):
        cp = sa.to_counting_process(two_subject_log, risk_free_days=3).to_frame()
    # Mar 3 + 3 days = Mar 6: the Mar 6 onset falls at the end of the risk-free window.
    assert cp["event"].sum() == 2
    lost = cp.attrs["not_counted"]
    assert [e["onset"] for e in lost] == [D("2020-03-06")]
    # attrs hold plain values, so frames still concatenate.
    assert len(pd.concat([cp, cp])) == 2 * len(cp)
    a = cp[cp["subject"] == "a"]
    assert list(a["start"]) == [9.0, 70.0, 151.0]


def test_gap_time_restarts_at_each_re_entry(two_subject_log):
    cp = sa.to_counting_process(two_subject_log, time_scale="gap").to_frame()
    assert list(cp["start"]) == [0.0] * 6
    assert list(cp["stop"]) == [53.0, 3.0, 52.0, 30.0, 31.0, 332.0]


def test_time_varying_treatments_split_intervals_with_carryover(two_subject_log):
    cp = sa.to_counting_process(two_subject_log, treatments="all", carryover_days=2).to_frame()
    a = cp[cp["subject"] == "a"].reset_index(drop=True)
    # Massage Feb 1-15 plus 2 days: days 30 to 46 since Jan 2.
    assert list(a["start"][:3]) == [6.0, 30.0, 46.0] and list(a["stop"][:3]) == [30.0, 46.0, 59.0]
    assert list(a["on_massage"][:3]) == [0, 1, 0] and list(a["event"][:3]) == [0, 0, 1]
    b = cp[cp["subject"] == "b"].reset_index(drop=True)
    # One-day chiropractic sessions Mar 1 and Mar 10 (days 60, 69) plus 2 days.
    assert list(zip(b["start"], b["stop"], b["on_chiropractic"])) == [
        (0.0, 31.0, 0), (33.0, 60.0, 0), (60.0, 63.0, 1), (63.0, 69.0, 0), (69.0, 72.0, 1), (72.0, 365.0, 0)
    ]
    with pytest.raises(ValueError, match="modalities present: chiropractic, massage"):
        sa.to_counting_process(two_subject_log, treatments=["yoga"])


def test_unknown_end_needs_an_assumed_duration():
    ep = pd.DataFrame({"onset": pd.to_datetime(["2020-02-01", "2020-05-01"]), "end": pd.to_datetime(["2020-02-03", None])})
    fu = pd.DataFrame({"start": [D("2020-01-01")], "end": [D("2020-12-31")]})
    log = sa.EpisodeLog(ep, follow_up=fu)
    with pytest.raises(sa.LogValidationError, match="row 1, column 'end'.*assume_duration_days"):
        sa.to_counting_process(log)
    cp = sa.to_counting_process(log, assume_duration_days=3).to_frame()
    assert list(cp["start"]) == [0.0, 33.0, 124.0]


def test_ongoing_episode_at_follow_up_end_leaves_no_final_interval():
    ep = pd.DataFrame({"onset": pd.to_datetime(["2020-12-20"]), "end": pd.to_datetime(["2021-01-10"])})
    fu = pd.DataFrame({"start": [D("2020-01-01")], "end": [D("2020-12-31")]})
    cp = sa.to_counting_process(sa.EpisodeLog(ep, follow_up=fu)).to_frame()
    assert len(cp) == 1 and cp.loc[0, "event"] == 1 and cp.loc[0, "stop"] == 354.0


def test_onset_on_the_follow_up_end_day_is_an_event():
    ep = pd.DataFrame({"onset": pd.to_datetime(["2020-12-31"]), "end": pd.to_datetime(["2021-01-02"])})
    fu = pd.DataFrame({"start": [D("2020-01-01")], "end": [D("2020-12-31")]})
    cp = sa.to_counting_process(sa.EpisodeLog(ep, follow_up=fu)).to_frame()
    assert list(cp["event"]) == [1] and cp.loc[0, "stop"] == 365.0


def test_options_are_validated(two_subject_log):
    with pytest.raises(ValueError, match="'calendar', 'gap'"):
        sa.to_counting_process(two_subject_log, time_scale="age")
    with pytest.raises(ValueError, match="risk_free_days"):
        sa.to_counting_process(two_subject_log, risk_free_days=-1)
    with pytest.raises(TypeError, match="EpisodeLog"):
        sa.to_counting_process(pd.DataFrame())


# ----------------------------------------------------------------- invariants
@st.composite
def logs(draw):
    n_subjects = draw(st.integers(1, 4))
    episodes, follow = [], []
    for s in range(n_subjects):
        start = D("2020-01-01") + pd.Timedelta(days=draw(st.integers(0, 30)))
        length = draw(st.integers(20, 400))
        end = start + pd.Timedelta(days=length)
        follow.append((f"s{s}", start, end))
        t = start - pd.Timedelta(days=draw(st.integers(0, 3)))
        while True:
            t = t + pd.Timedelta(days=draw(st.integers(1, 60)))
            if t > end:
                break
            duration = pd.Timedelta(hours=draw(st.integers(1, 24 * 6)))
            if t + duration <= start:  # over before follow-up began: not part of the log
                continue
            episodes.append((f"s{s}", t, t + duration))
            t = t + duration
    ep = pd.DataFrame(episodes, columns=["subject", "onset", "end"])
    if ep.empty:
        ep = pd.DataFrame({"subject": pd.Series([], dtype=object), "onset": pd.Series([], dtype="datetime64[ns]"), "end": pd.Series([], dtype="datetime64[ns]")})
    fu = pd.DataFrame(follow, columns=["subject", "start", "end"])
    n_tr = draw(st.integers(0, 5))
    tr = pd.DataFrame(
        {
            "subject": [f"s{draw(st.integers(0, n_subjects - 1))}" for _ in range(n_tr)],
            "start": pd.to_datetime([D("2020-01-01") + pd.Timedelta(days=draw(st.integers(0, 400))) for _ in range(n_tr)]),
            "modality": [draw(st.sampled_from(["massage", "heat"])) for _ in range(n_tr)],
        }
    )
    tr["end"] = tr["start"] + pd.Timedelta(days=draw(st.integers(1, 30)))
    return sa.EpisodeLog(ep, follow_up=fu, treatments=tr)


@given(logs(), st.sampled_from([0, 2.5]), st.booleans())
def test_counting_process_invariants(log, risk_free_days, with_treatments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.counting.EpisodesNotCountedWarning)
        cp = sa.to_counting_process(log, risk_free_days=risk_free_days, treatments="all" if with_treatments else None, carryover_days=1).to_frame()
    # No zero-length rows.
    assert (cp["stop"] > cp["start"]).all()
    # Events out == counted episodes in.
    eps = log.episodes
    uncounted = len(cp.attrs["not_counted"]) + len(cp.attrs["index_episodes"])
    assert cp["event"].sum() == len(eps) - uncounted
    # Intervals of a subject never overlap.
    ordered = cp.sort_values(["subject", "start"])
    same = ordered["subject"].eq(ordered["subject"].shift())
    assert (ordered["start"][same] >= ordered["stop"].shift()[same] - 1e-9).all()
    # At-risk time == follow-up time minus time in episodes and risk-free windows.
    origin = cp.attrs["origin"]
    for subject, rows in cp.groupby("subject"):
        fu = log.follow_up.query("subject == @subject").iloc[0]
        t0, t1 = (fu["start"] - origin[subject]).days, (fu["end"] - origin[subject]) / pd.Timedelta(days=1)
        grid = np.linspace(t0, t1, 2001)[1:]
        mine = eps[eps["subject"] == subject]
        on = ((mine["onset"] - origin[subject]) / pd.Timedelta(days=1)).to_numpy()
        off = ((mine["end"] - origin[subject]) / pd.Timedelta(days=1)).to_numpy() + risk_free_days
        blocked = ((grid[:, None] > on) & (grid[:, None] <= off)).any(axis=1)
        at_risk = ((grid[:, None] > rows["start"].to_numpy()) & (grid[:, None] <= rows["stop"].to_numpy())).any(axis=1)
        # Away from boundaries, at risk exactly when not blocked (never covers episode days).
        assert not (at_risk & blocked).any()
        total = (rows["stop"] - rows["start"]).sum()
        step = (t1 - t0) / 2000
        assert abs(total - (~blocked).sum() * step) <= step * (2 * len(mine) + 2) + 1e-9


def test_index_episodes_of_two_windows_shift_the_numbering_once_each():
    # Two follow-up windows, each starting while an episode is going on: with
    # count_index_episode=True each index episode takes a number, so the onsets inside
    # the windows are numbered after them (and the windows' last rows after those).
    episodes = pd.DataFrame({
        "subject": ["a"] * 4,
        "onset": pd.to_datetime(["2019-12-30", "2020-02-01", "2020-06-29", "2020-08-01"]),
        "end": pd.to_datetime(["2020-01-03", "2020-02-03", "2020-07-03", "2020-08-02"]),
    })
    follow_up = pd.DataFrame({
        "subject": ["a", "a"],
        "start": pd.to_datetime(["2020-01-01", "2020-07-01"]),
        "end": pd.to_datetime(["2020-03-31", "2020-09-30"]),
    })
    log = sa.EpisodeLog(episodes, follow_up=follow_up)
    counted = sa.to_counting_process(log, count_index_episode=True).to_frame()
    assert counted["episode"].tolist() == [2, 3, 4, 5]
    assert counted["event"].tolist() == [1, 0, 1, 0]
    plain = sa.to_counting_process(log).to_frame()
    assert plain["episode"].tolist() == [1, 2, 2, 3]
