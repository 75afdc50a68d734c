"""The "did it help?" scenario generator: seeded, shaped as documented, true effect recoverable."""

import numpy as np
import pytest

import spasm_analysis as sa
from spasm_analysis.simulate.scenarios import EFFECTS, SCENARIOS, scenario_days


def _window_days(h, a, b):
    """Boolean per grid day: inside days a..b after some session."""
    inside = np.zeros(h.n_days + b + 2, dtype=bool)
    for s in h.session_day:
        inside[s + a:s + b + 1] = True
    return inside[: h.n_days + 1]


def _at_risk(h):
    risk = np.ones(h.n_days + 1, dtype=bool)
    risk[0] = False
    for o, e in zip(h.onset_day, h.end_day):
        risk[o + 1:e + 1] = False  # the onset day itself ends the at-risk interval holding the onset
    return risk


def test_same_seed_same_history_and_seeds_differ():
    a = scenario_days("step", effect="70% fewer", seed=5)
    b = scenario_days("step", effect="70% fewer", seed=5)
    c = scenario_days("step", effect="70% fewer", seed=6)
    np.testing.assert_array_equal(a.onset_day, b.onset_day)
    np.testing.assert_array_equal(a.session_day, b.session_day)
    assert not np.array_equal(a.onset_day, c.onset_day)


def test_step_rates_and_courses_follow_onsets():
    before, after, gaps = [], [], []
    for seed in range(40):
        h = scenario_days("step", seed=seed)
        half = h.truth["treated_from_day"]
        before.append(np.sum(h.onset_day < half))
        after.append(np.sum(h.onset_day >= half))
        assert np.all(h.session_day >= half)
        # Every course's first session comes 1-10 days after an onset.
        firsts = h.session_day[np.r_[True, np.diff(h.session_day) > 20]]
        last_onset = h.onset_day[np.searchsorted(h.onset_day, firsts) - 1]
        gaps.extend(firsts - last_onset)
        assert np.all(np.diff(h.onset_day) > 0) and np.all(h.end_day > h.onset_day)
        assert np.all(h.onset_day[1:] > h.end_day[:-1])  # no onset during an episode
    years = 5 * 365.25 / 365.25
    # Rates per year at risk are a little above onsets per calendar year (episodes take ~4 days).
    assert 1.2 < np.mean(before) / years < 1.9
    assert 10.0 < np.mean(after) / years < 12.5
    assert min(gaps) >= 1 and max(gaps) <= 10


def test_true_effect_recovered_pooled_over_logs():
    """Onsets per at-risk day in the window vs other treated-years time, pooled (constant rate: no confounding)."""
    for effect in ("none", "70% fewer", "harm"):
        n_in = t_in = n_out = t_out = 0.0
        for seed in range(40):
            h = scenario_days("constant", effect=effect, seed=seed)
            a, b = h.truth["window"]
            inside = _window_days(h, a, b)
            risk = _at_risk(h)
            treated = np.arange(h.n_days + 1) >= h.truth["treated_from_day"]
            onset = np.zeros(h.n_days + 1, dtype=bool)
            onset[h.onset_day] = True
            n_in += np.sum(onset & inside & treated)
            t_in += np.sum(risk & inside & treated)
            n_out += np.sum(onset & ~inside & treated)
            t_out += np.sum(risk & ~inside & treated)
        ratio = (n_in / t_in) / (n_out / t_out)
        assert abs(np.log(ratio) - np.log(EFFECTS[effect])) < 0.3, (effect, ratio)


def test_every_scenario_runs_and_records_truth():
    for scenario in SCENARIOS:
        h = scenario_days(scenario, effect="50% fewer", seed=1)
        assert h.truth["scenario"] == scenario and h.truth["rate_ratio"] == 0.5
        assert h.truth["onsets_in_treated_years"] > 20
        assert len(h.session_day) >= 6


def test_sessions_scenario_has_single_sessions():
    h = scenario_days("sessions", seed=3)
    gaps = np.diff(h.session_day)
    groups = np.split(h.session_day, np.flatnonzero(gaps > 20) + 1)
    sizes = {len(g) for g in groups}
    assert 1 in sizes and 6 in sizes


def test_remembered_onsets_become_imprecise_in_the_log():
    log, truth = sa.simulate_scenario("remembered", seed=4)
    ep = log.episodes
    h = scenario_days("remembered", seed=4)
    assert len(ep) == len(h.onset_day)
    early = ep["onset"] < log.follow_up["start"].iloc[0] + np.timedelta64(truth.settings["treated_from_day"], "D")
    assert ep.loc[early, "onset_precision"].isin(["month", "year"]).mean() > 0.5
    assert (ep.loc[~early, "onset_precision"] == "day").all()
    month = ep["onset_precision"] == "month"
    assert (ep.loc[month, "onset"].dt.day == 1).all()
    assert truth.hazard_ratios == {"window_physiotherapy": 1.0}


def test_bad_options_list_allowed_values():
    with pytest.raises(ValueError, match="'constant'"):
        scenario_days("weekly")
    with pytest.raises(ValueError, match="'70% fewer'"):
        scenario_days("step", effect="a lot")
    with pytest.raises(ValueError, match="window"):
        scenario_days("step", window=(5, 2))
