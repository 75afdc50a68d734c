"""Time-stratified case-crossover: recovery of a known trigger effect, referents, refusals."""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from personal_simulation import START, make_log, simulate_onset_days
from spasm_analysis.personal.case_crossover import ExposureNotInformativeError


def _trigger_log(seed, *, effect=3.0, days=3000, p_exposed=0.2):
    rng = np.random.default_rng(seed)
    exposed_days = np.flatnonzero(rng.uniform(size=days + 1) < p_exposed)
    mask = np.zeros(days + 1, dtype=bool)
    mask[exposed_days] = True

    def multiplier(d):
        return effect if mask[max(d - 2, 0): d + 1].any() else 1.0

    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 20, duration=2, multiplier=multiplier)
    exposures = pd.DataFrame({"time": START + pd.to_timedelta(exposed_days[exposed_days >= 1], unit="D"), "exposure": "cold pool"})
    return make_log(onsets, days=days, duration=2, exposures=exposures)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_trigger_effect(seed):
    result = sa.case_crossover(_trigger_log(seed), exposure="cold pool", hazard_days=2)
    assert result.ci_lower < 3.0 < result.ci_upper
    assert abs(np.log(result.odds_ratio / 3.0)) < 0.5
    assert result.exposed_cases > result.exposed_referents
    assert "association" in result.interpretation


def test_null_trigger():
    result = sa.case_crossover(_trigger_log(3, effect=1.0), exposure="cold pool", hazard_days=2)
    assert result.ci_lower < 1.0 < result.ci_upper


def test_referents_share_weekday_and_month_and_are_at_risk():
    log = _trigger_log(4)
    result = sa.case_crossover(log, exposure="cold pool")
    t = result.table
    case_day = t[t["case"] == 1].set_index("stratum")["day"]
    refs = t[t["case"] == 0]
    anchor = case_day.loc[refs["stratum"]].to_numpy()
    assert (refs["day"].dt.weekday.to_numpy() == pd.DatetimeIndex(anchor).weekday).all()
    assert (refs["day"].dt.month.to_numpy() == pd.DatetimeIndex(anchor).month).all()
    assert (refs["day"].to_numpy() != anchor).all()
    ep = log.episodes
    for day in refs["day"].head(200):
        assert not ((ep["onset"].dt.normalize() <= day) & (day <= ep["end"].dt.normalize())).any()
    # Exposure flag by hand for one stratum.
    ex = set(log.exposures["time"].dt.normalize())
    row = t.iloc[0]
    hand = any(row["day"] - pd.Timedelta(days=k) in ex for k in range(3))
    assert row["exposed"] == int(hand)


def test_refuses_when_exposure_logged_only_on_episode_days():
    log = _trigger_log(5)
    on_episode_days = pd.DataFrame({"time": log.episodes["onset"], "exposure": "long sitting"})
    only_episodes = log.replace(exposures=on_episode_days)
    with pytest.raises(ExposureNotInformativeError, match="ordinary days"):
        sa.case_crossover(only_episodes, exposure="long sitting")


def test_refuses_trigger_known_only_from_episode_notes():
    log = _trigger_log(6)
    episodes = log.episodes.assign(trigger=np.where(np.arange(log.n_episodes) % 3 == 0, "yoga class", None))
    with pytest.raises(ExposureNotInformativeError, match="suspected trigger"):
        sa.case_crossover(log.replace(episodes=episodes), exposure="yoga class")


def test_unknown_exposure_lists_known_ones():
    with pytest.raises(ValueError, match="exposures present: cold pool"):
        sa.case_crossover(_trigger_log(7), exposure="stress")
    with pytest.raises(ValueError, match="hazard_days"):
        sa.case_crossover(_trigger_log(7), exposure="cold pool", hazard_days=-1)


def test_complete_separation_is_a_clear_refusal():
    days = 2000
    rng = np.random.default_rng(5)
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 25, duration=2, multiplier=lambda d: 1.0)
    background = np.flatnonzero(rng.uniform(size=days + 1) < 0.2)
    exposed_days = np.union1d(background, np.asarray(onsets))
    exposed_days = exposed_days[(exposed_days >= 1) & (exposed_days <= days)]
    exposures = pd.DataFrame({"time": START + pd.to_timedelta(exposed_days, unit="D"), "exposure": "cold pool"})
    log = make_log(onsets, days=days, duration=2, exposures=exposures)
    with pytest.raises(ValueError, match="every onset .* was exposed .* infinite"):
        sa.case_crossover(log, exposure="cold pool", hazard_days=0)
