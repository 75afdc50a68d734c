"""sa.treatment_effect: numbers against R, verdict rules, pre-exposure stratum, imprecise onsets, options.

R reference: tests/reference/make_treatment_effect_reference.R fits the same
Poisson model (glm with a log(days) offset) to the committed cells and solves
the profile-likelihood limits with uniroot; the cells come from seeded scenario
logs (tests/reference/make_treatment_effect_inputs.py), and the test checks that
spasm_analysis still derives exactly those cells.
"""

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "reference"))
import make_treatment_effect_inputs as inputs  # noqa: E402

te = importlib.import_module("spasm_analysis.personal.treatment_effect")
REL = 1e-6  # R's glm converged to 1e-14 and uniroot to 1e-13: differences are far below this


def _reference():
    return pd.read_csv(HERE / "reference" / "treatment_effect_reference.csv", comment="#").set_index("case")


@pytest.mark.parametrize("case", list(inputs.CASES))
def test_matches_r_glm_profile_likelihood(case):
    ref = _reference().loc[case]
    result = inputs.case_result(case)
    for field in ("rate_ratio", "ci_lower", "ci_upper", "p_value"):
        assert getattr(result, field) == pytest.approx(ref[field], rel=REL, abs=1e-12), field
    assert result.expected_in_window == pytest.approx(ref["expected_in_window"], rel=REL)


def test_cells_are_those_r_fitted():
    committed = pd.read_csv(HERE / "reference" / "treatment_effect_cells.csv", comment="#")
    for case in inputs.CASES:
        mine = inputs.case_cells(case).reset_index(drop=True)
        theirs = committed[committed["case"] == case].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False, rtol=1e-12)


def test_profile_interval_is_not_wald():
    # With an empty window the Wald interval does not exist; the profile gives a finite upper limit.
    result = inputs.case_result("step_empty_window")
    assert result.rate_ratio == 0 and result.ci_lower == 0 and 0 < result.ci_upper < 1
    assert result.verdict == "fewer episodes"  # about 5.7 onsets expected there, none seen


def _tiny_log(onset_days, session_days, days=730):
    start = pd.Timestamp("2020-01-01")
    onset = start + pd.to_timedelta(np.asarray(onset_days), unit="D")
    episodes = pd.DataFrame({"subject": "me", "onset": onset, "end": onset + pd.Timedelta(days=2)})
    sessions = start + pd.to_timedelta(np.asarray(session_days), unit="D")
    treatments = pd.DataFrame({"subject": "me", "start": sessions, "end": sessions, "modality": "massage"})
    follow_up = pd.DataFrame({"subject": ["me"], "start": [start], "end": [start + pd.Timedelta(days=days)]})
    return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments)


def test_one_or_two_onsets_never_give_a_verdict():
    one = sa.treatment_effect(_tiny_log([300], [100, 103, 107]), "massage")
    assert one.verdict == "can't tell"
    # Two onsets, both right after sessions, in a log where almost none are expected there.
    two = _tiny_log([105, 250, 420, 600], [100, 103, 415], days=730)
    r = sa.treatment_effect(two, "massage", window=(1, 7), pre_exposure_days=0, since_episode_days=None, season=False)
    assert r.onsets_in_window == 2 and r.expected_in_window < 2
    assert r.verdict == "can't tell"
    assert "too few onsets" in r.interpretation


def test_verdict_rules():
    base = {"onsets_in_window": 10, "expected_in_window": 10.0, "rate_ratio": 0.5}
    assert te.verdict(dict(base, ci_lower=0.2, ci_upper=0.9), 5) == "fewer episodes"
    assert te.verdict(dict(base, ci_lower=1.2, ci_upper=3.0), 5) == "more episodes"
    # Compatible with a worthwhile benefit (0.5) and with harm (1.5): can't tell.
    assert te.verdict(dict(base, ci_lower=0.5, ci_upper=1.5), 5) == "can't tell"
    # Too few onsets seen and expected, however narrow the interval.
    assert te.verdict(dict(base, onsets_in_window=2, expected_in_window=0.1, ci_lower=3.0, ci_upper=90.0), 5) == "can't tell"
    assert te.verdict(dict(base, ci_lower=np.nan, ci_upper=np.nan, rate_ratio=np.nan), 5) == "can't tell"
    # Two onsets where almost none were expected: never "more episodes"...
    assert te.verdict(dict(base, onsets_in_window=2, expected_in_window=0.3, ci_lower=1.5, ci_upper=40.0), 5) == "can't tell"
    # ...but an (almost) empty window where many were expected is a finding.
    assert te.verdict(dict(base, onsets_in_window=0, expected_in_window=12.0, ci_lower=0.0, ci_upper=0.3), 5) == "fewer episodes"


def test_pre_exposure_stratum_takes_the_onset_that_brought_treatment_on():
    # Onset on day 200 (episode to day 202), a course from day 206; earlier onsets on 50 and 120.
    log = _tiny_log([50, 120, 200, 400, 500, 600], [206, 209, 213, 216])
    r = sa.treatment_effect(log, "massage", window=(4, 14), since_episode_days=None, season=False, pre_exposure_days=30)
    table = r.table.set_index("state")
    # The stretch at risk that ended in the day-200 onset (from day 122) and the days after its
    # episode up to the first session (202 to 206): 78 + 4 days, holding that one onset.
    assert table.at["pre-exposure", "days_at_risk"] == pytest.approx(82.0)
    assert table.at["pre-exposure", "onsets"] == 1
    off = sa.treatment_effect(log, "massage", window=(4, 14), since_episode_days=None, season=False, pre_exposure_days=0)
    assert "pre-exposure" not in set(off.table["state"])
    assert off.table["onsets"].sum() == r.table["onsets"].sum() == 6
    # A course starting long after the last onset has no pre-exposure time.
    late = sa.treatment_effect(_tiny_log([50, 120], [300, 303]), "massage", window=(4, 14), season=False, pre_exposure_days=30)
    assert "pre-exposure" not in set(late.table["state"])


def test_imprecise_onsets_are_placed_not_dropped():
    log, _ = sa.simulate_scenario("remembered", effect="none", seed=4)
    n_imprecise = int((log.episodes["onset_precision"] != "day").sum())
    assert n_imprecise > 3
    r = sa.treatment_effect(log, "physiotherapy", window=(4, 14))
    assert list(r.placements["placement"]) == ["earliest", "midpoint", "latest"]
    # Every onset is counted under every placement, none dropped.
    assert r.cells["events"].sum() == len(log.episodes)
    for how in ("earliest", "midpoint", "latest"):
        placed = te.place_onsets(log, how)
        assert len(placed.episodes) == len(log.episodes)
    assert "placed at the start, middle and end" in r.notes
    early = te.place_onsets(log, "earliest").episodes["onset"].sort_values().to_numpy()
    late = te.place_onsets(log, "latest").episodes["onset"].sort_values().to_numpy()
    assert (late >= early).all() and (late > early).sum() >= n_imprecise


def test_month_onset_placements():
    ep = pd.DataFrame({"subject": "me", "onset": pd.to_datetime(["2013-10-01", "2015-03-04"]),
                       "end": pd.to_datetime(["2013-10-04", "2015-03-05"]), "onset_precision": ["month", "day"],
                       "end_from_length": [True, False]})  # "October 2013, 3 days": the end moves with the onset
    fu = pd.DataFrame({"subject": ["me"], "start": [pd.Timestamp("2013-01-01")], "end": [pd.Timestamp("2016-01-01")]})
    log = sa.EpisodeLog(ep, follow_up=fu)
    got = {how: te.place_onsets(log, how).episodes.iloc[0] for how in ("earliest", "midpoint", "latest")}
    assert got["earliest"]["onset"] == pd.Timestamp("2013-10-01")
    assert got["midpoint"]["onset"] == pd.Timestamp("2013-10-16 12:00")
    assert got["latest"]["onset"] == pd.Timestamp("2013-10-31")
    assert got["latest"]["end"] - got["latest"]["onset"] == pd.Timedelta(days=3)  # length kept


def test_bad_options_list_allowed_values():
    log, _ = sa.simulate_scenario("step", seed=1)
    with pytest.raises(ValueError, match="allowed: periods, interval, season"):
        sa.treatment_effect(log, "physiotherapy", carryover_days=14)
    with pytest.raises(ValueError, match="'years', 'half-years', 'quarters'"):
        sa.treatment_effect(log, "physiotherapy", periods="decades")
    with pytest.raises(ValueError, match="'earliest', 'midpoint', 'latest'"):
        sa.treatment_effect(log, "physiotherapy", placements="random")
    with pytest.raises(ValueError, match="0 <= from_day <= to_day"):
        sa.treatment_effect(log, "physiotherapy", window=(9, 2))
    with pytest.raises(ValueError, match="modalities present: physiotherapy"):
        sa.treatment_effect(log, "yoga")
    with pytest.raises(ValueError, match="confidence_level"):
        sa.treatment_effect(log, "physiotherapy", confidence_level=95)


def test_result_shows_itself():
    result = inputs.case_result("step_70_fewer")
    assert result.verdict in te.VERDICTS
    html = result._repr_html_()
    assert "fewer episodes" in html and "<table" in html
    ax = result.plot()
    assert ax.get_yscale() == "log"
    assert "not advice" in result.interpretation and "interval" in result.interpretation
    assert list(result.table["state"]) == ["baseline", "pre-exposure", "window"]


def test_small_simulation_controls_false_positives_and_finds_a_real_reduction():
    """40 fixed-seed logs per arm (the full-size check is benchmarks/bench_personal_validity.py)."""
    def verdicts(effect):
        out = []
        for seed in range(40):
            h = sa.simulate.scenario_days("step", effect=effect, seed=seed)
            s = h.session_day.astype(float)
            fit = te.estimate_from_days(**h.at_risk(), session_start=s, session_end=s, origin=h.start,
                                        end_day=float(h.n_days), window=(4, 14), every_state=False)
            out.append(fit["verdict"])
        return np.array(out)

    null = verdicts("none")
    assert (null != "can't tell").sum() <= 6  # about 5% expected; the old rate_ratio flagged most logs
    reduced = verdicts("70% fewer")
    assert (reduced == "fewer episodes").mean() >= 0.5
    assert (reduced == "more episodes").sum() == 0
