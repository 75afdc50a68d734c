"""Self-controlled risk windows: recovery of a known relative incidence, the assumption check."""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from personal_simulation import START, make_log, simulate_onset_days


def _session_log(seed, *, ri=3.0, days=3000, n_sessions=80, after_onsets=False):
    rng = np.random.default_rng(seed)
    sessions = np.sort(rng.choice(np.arange(1, days - 30), size=n_sessions, replace=False))

    def multiplier(d):
        j = np.searchsorted(sessions, d, side="left") - 1  # most recent session before day d
        return ri if j >= 0 and 0 < d - sessions[j] <= 3 else 1.0

    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 30, duration=2, multiplier=multiplier)
    if after_onsets:
        sessions = np.unique(onsets[onsets < days - 5] + rng.integers(1, 3, size=(onsets < days - 5).sum()))
    treatments = pd.DataFrame({"start": START + pd.to_timedelta(sessions, unit="D"), "modality": "chiropractic"})
    treatments["end"] = treatments["start"] + pd.Timedelta(days=1)
    return make_log(onsets, days=days, duration=2, treatments=treatments)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_relative_incidence(seed):
    result = sa.risk_windows(_session_log(seed), exposed="chiropractic")
    t = result.table.set_index("window")
    first = t.loc["(0, 3]"]
    assert first["ci_lower"] < 3.0 < first["ci_upper"]
    assert abs(np.log(first["relative_incidence"] / 3.0)) < 0.5
    later = t.loc["(14, 28]"]
    assert later["ci_lower"] < 1.0 < later["ci_upper"]
    assert not result.assumption_flag
    assert "assumes session timing does not depend" in result.assumption
    assert "association" in result.interpretation


def test_no_effect_gives_relative_incidence_near_one():
    result = sa.risk_windows(_session_log(3, ri=1.0), exposed="chiropractic", adjust="month")
    first = result.table.set_index("window").loc["(0, 3]"]
    assert first["ci_lower"] < 1.0 < first["ci_upper"]


def test_counts_and_days_add_up():
    log = _session_log(4)
    result = sa.risk_windows(log, exposed="chiropractic", adjust="none")
    cp = sa.to_counting_process(log).to_frame()
    assert result.table["events"].sum() == cp["event"].sum()
    assert result.table["days_at_risk"].sum() == pytest.approx((cp["stop"] - cp["start"]).sum())


def test_flags_sessions_booked_after_onsets():
    result = sa.risk_windows(_session_log(5, after_onsets=True), exposed="chiropractic")
    assert result.assumption_flag
    assert result.sessions_after_onset > result.expected_after_onset
    assert "cluster right after onsets" in result.assumption
    assert "caution" in result.interpretation


def test_refusals_and_options():
    log = _session_log(6)
    with pytest.raises(ValueError, match="modalities present: chiropractic"):
        sa.risk_windows(log, exposed="massage")
    with pytest.raises(ValueError, match="adjust"):
        sa.risk_windows(log, exposed="chiropractic", adjust="weather")
    with pytest.raises(ValueError, match="overlap"):
        sa.risk_windows(log, exposed="chiropractic", windows=[(0, 5), (3, 10)])
    ax = sa.risk_windows(log, exposed="chiropractic").plot()
    assert ax.get_yscale() == "log"


def test_several_people_get_their_own_baseline():
    a, b = _session_log(7), _session_log(8, ri=3.0)
    tables = {}
    for name in ("episodes", "follow_up", "treatments"):
        tables[name] = pd.concat([getattr(a, name).assign(subject="ann"), getattr(b, name).assign(subject="bob")], ignore_index=True)
    both = sa.EpisodeLog(tables["episodes"], follow_up=tables["follow_up"], treatments=tables["treatments"])
    result = sa.risk_windows(both, exposed="chiropractic", adjust="none")
    assert (result.cells["subject"].unique() == ["ann", "bob"]).all()
    first = result.table.set_index("window").loc["(0, 3]"]
    assert first["ci_lower"] < 3.0 < first["ci_upper"]
    assert result.n_sessions == len(a.treatments) + len(b.treatments)


def test_time_since_an_episode_is_adjusted_for():
    """Clustered episodes, courses booked after onsets, no true effect: without the bands of time since
    the last episode, the first window picks up the cluster that follows every episode."""
    false = {"bands": 0, "no bands": 0}
    for seed in range(40):
        log, _ = sa.simulate_scenario("clustered", effect="none", seed=seed)
        for name, bands in (("bands", sa.personal.self_controlled.SINCE_EPISODE_BANDS), ("no bands", None)):
            row = sa.risk_windows(log, exposed="physiotherapy", since_episode_days=bands).table.iloc[0]
            false[name] += row["p_value"] < 0.05
    assert false["bands"] <= 5 and false["no bands"] >= 10, false  # 4 and 14 of 40 here
    result = sa.risk_windows(log, exposed="physiotherapy")
    assert "time since the last episode" in result.table["method"].iloc[0]
    assert {"since_episode", "period"} <= set(result.cells.columns)
    plain = sa.risk_windows(log, exposed="physiotherapy", calendar=None, since_episode_days=None, adjust="none")
    assert plain.table["method"].iloc[0] == "conditional Poisson, adjusted for nothing"
    assert "since_episode" not in plain.cells and "period" not in plain.cells
    years = sa.risk_windows(log, exposed="physiotherapy", calendar="years", since_episode_days=None)
    assert years.table["method"].iloc[0] == "conditional Poisson, adjusted for season, year"
    with pytest.raises(ValueError, match="since_episode_days"):
        sa.risk_windows(log, exposed="physiotherapy", since_episode_days=(10, 10))
    with pytest.raises(ValueError, match="since_episode_days"):
        sa.risk_windows(log, exposed="physiotherapy", since_episode_days=(-1,))
    with pytest.raises(ValueError, match="'stretches', 'years'"):
        sa.risk_windows(log, exposed="physiotherapy", calendar="decades")
