"""The mid-p rate ratio common to several strata (the default interval of sa.treatment_effect), against R.

R reference: tests/reference/make_rate_ratio_midp_reference.R builds the
conditional distribution of the total window count by convolving the binomial
densities at each rate ratio (no exponential tilting, unlike the Python code)
and solves the limits and the conditional maximum-likelihood estimate with
uniroot; for one stratum it also writes poisson.test's estimate and the mid-p
tails at the limits from pbinom/dbinom.  The strata come from seeded scenario
logs (tests/reference/make_treatment_effect_inputs.py); the test checks that
spasm_analysis still derives exactly those strata.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.personal.poisson_exact import conditional_distribution, midp_rate_ratio
from spasm_analysis.personal.self_controlled import stretch_cuts
from spasm_analysis.simulate.scenarios import scenario_days

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "reference"))
import make_treatment_effect_inputs as inputs  # noqa: E402

REL = 1e-8  # R's uniroot solved to 1e-14 on log(rate ratio); both sides work in double precision
FIELDS = ("rate_ratio", "ci_lower", "ci_upper", "p_value", "expected_in_window")


def _reference():
    return pd.read_csv(HERE / "reference" / "rate_ratio_midp_reference.csv", comment="#").set_index("case")


def _strata():
    return pd.read_csv(HERE / "reference" / "rate_ratio_midp_strata.csv", comment="#")


def _close(mine, theirs, field):
    if np.isinf(theirs) or theirs == 0:
        assert mine == theirs, field
    else:
        assert mine == pytest.approx(theirs, rel=REL), field


@pytest.mark.parametrize("case", [*inputs.ONE_STRATUM, *inputs.MIDP_CASES])
def test_midp_matches_r_convolution(case):
    ref = _reference().loc[case]
    d = _strata().query("case == @case")
    got = midp_rate_ratio(d["window_onsets"], d["window_days"], d["other_onsets"], d["other_days"])
    for field in FIELDS:
        _close(got[field], ref[field], field)
    assert got["onsets_in_window"] == ref["onsets_in_window"]
    assert int(got["informative"].sum()) == ref["strata"]


@pytest.mark.parametrize("case", list(inputs.ONE_STRATUM))
def test_one_stratum_is_poisson_test_with_midp_tails(case):
    ref = _reference().loc[case]
    d = _strata().query("case == @case")
    got = midp_rate_ratio(d["window_onsets"], d["window_days"], d["other_onsets"], d["other_days"])
    # The conditional estimate of one stratum is the ratio of rates, as R poisson.test reports it.
    _close(got["rate_ratio"], ref["poisson_test_estimate"], "poisson.test estimate")
    # The reference itself: R's limits put exactly alpha/2 in each mid-p tail (pbinom/dbinom, independent
    # of the convolution), so the limits that the test above compares with are the mid-p ones.
    for tail in ("pbinom_lower_tail", "pbinom_upper_tail"):
        if np.isfinite(ref[tail]):
            assert ref[tail] == pytest.approx(0.025, abs=1e-12)


@pytest.mark.parametrize("case", list(inputs.MIDP_CASES))
def test_treatment_effect_default_is_this_interval(case):
    ref = _reference().loc[case]
    result = inputs.case_result(case)
    for field in FIELDS:
        _close(getattr(result, field), ref[field], field)
    assert "mid-p" in result.method


def test_strata_are_those_r_used():
    committed = _strata()
    for case in inputs.MIDP_CASES:
        mine = inputs.case_strata(case).reset_index(drop=True)
        theirs = committed[committed["case"] == case].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False, rtol=1e-12)


def test_tilting_equals_direct_convolution():
    # P_psi(T = t) is the psi = 1 distribution tilted by psi^t.
    e, u, n = np.array([30.0, 80.0, 5.0]), np.array([100.0, 20.0, 60.0]), np.array([4, 7, 3])
    psi = 2.7
    direct = np.array([1.0])
    for ei, ui, ni in zip(e, u, n):
        from scipy import stats

        direct = np.convolve(direct, stats.binom.pmf(np.arange(ni + 1), ni, psi * ei / (psi * ei + ui)))
    log_f = conditional_distribution(e, u, n)
    tilted = np.exp(log_f + np.log(psi) * np.arange(len(log_f)))
    np.testing.assert_allclose(tilted / tilted.sum(), direct, rtol=1e-12)


def test_interval_excludes_one_exactly_when_p_below_alpha():
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(1, 6))
        e, u = rng.uniform(5, 100, k), rng.uniform(5, 300, k)
        x, y = rng.poisson(e / 20), rng.poisson(u / 20)
        r = midp_rate_ratio(x, e, y, u)
        if not np.isfinite(r["p_value"]):
            continue
        assert (r["p_value"] < 0.05) == (r["ci_lower"] > 1 or r["ci_upper"] < 1)
        assert r["ci_lower"] <= r["rate_ratio"] <= r["ci_upper"]


def test_uninformative_strata_and_nothing_to_compare():
    # A stratum with window days only, or with no onset, says nothing about the ratio.
    r = midp_rate_ratio([2, 0, 3], [10.0, 10.0, 20.0], [0, 0, 6], [0.0, 50.0, 40.0])
    assert list(r["informative"]) == [False, False, True]
    assert r["onsets_in_window"] == 3
    empty = midp_rate_ratio([0], [10.0], [0], [50.0])
    assert np.isnan(empty["rate_ratio"]) and np.isnan(empty["p_value"])


def test_stretches_follow_the_person_s_own_rate():
    step = scenario_days("step", effect="none", seed=11)
    days = step.at_risk()
    cuts = stretch_cuts(days["lo"], days["hi"], days["event"], float(step.n_days))
    assert len(cuts) == 3 and abs(cuts[1] - step.n_days // 2) < 120  # the step is at the middle of follow-up
    # A constant rate is one stretch in most logs (the test's false-detection rate is about 5%).
    split = 0
    for seed in range(20):
        flat = scenario_days("constant", effect="none", seed=seed)
        days = flat.at_risk()
        cuts = stretch_cuts(days["lo"], days["hi"], days["event"], float(flat.n_days))
        assert cuts[0] == 0.0 and cuts[-1] == flat.n_days and (np.diff(cuts) > 0).all()
        split += len(cuts) > 2
    assert split <= 3


def test_intervals_option():
    log, _ = sa.simulate_scenario("step", effect="70% fewer", seed=11)
    midp = sa.treatment_effect(log, "physiotherapy", window=(4, 14))
    profile = sa.treatment_effect(log, "physiotherapy", window=(4, 14), interval="profile")
    assert "mid-p" in midp.method and "profile-likelihood" in profile.method
    assert midp.rate_ratio != profile.rate_ratio
    with pytest.raises(ValueError, match="'mid-p', 'profile'"):
        sa.treatment_effect(log, "physiotherapy", interval="wald")


def test_clinician_summary_says_what_treatment_effect_says():
    from spasm_analysis.personal.clinician_tables import LOG_SHOWS

    log, _ = sa.simulate_scenario("step", effect="70% fewer", seed=11)
    effect = sa.treatment_effect(log, "physiotherapy")
    summary = sa.clinician_summary(log)
    shown = summary.treatments.set_index("Kind").at["physiotherapy", LOG_SHOWS]
    assert shown.startswith(effect.verdict) and f"{effect.rate_ratio:.2g} ({effect.ci_lower:.2g}-" in shown
    assert f"the log shows: {shown}" in str(summary)
