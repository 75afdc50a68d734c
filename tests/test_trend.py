"""Trend tests and the Crow-AMSAA fit against published worked examples.

Sources of the expected values
------------------------------
* NIST/SEMATECH e-Handbook of Statistical Methods, 8.2.3.4 "Trend tests"
  (https://www.itl.nist.gov/div898/handbook/apr/section2/apr234.htm): ten repairs
  at system ages 5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478 hours, observation
  ended at 1500 hours.  The handbook's Military Handbook statistic is 37.23 on
  20 df.  The same data are the handbook's reliability-improvement case study
  (8.4.2 / 8.1.7.2 power-law NHPP), whose R code prints the bias-corrected
  shape 1 - BetaHat = 0.483506 and aHat = 0.2913003 (= r / T^0.483506).
* MIL-HDBK-189 (1981), Appendix C individual failure-time example: 27 failures
  in 300 hours, published estimates beta = 0.716, lambda = 0.454.
* Laplace and Lewis-Robinson values are hand-computed below from the published
  formulas (Kvaloy & Lindqvist 1998, eqs. for Z_LR and the pooled Laplace test),
  with plain arithmetic that does not reuse the package's code.
"""

import math
import statistics

import numpy as np
import pytest
from scipy import stats

import spasm_analysis as sa
from spasm_analysis.personal import crow_amsaa, laplace_test, lewis_robinson_test, mil_hdbk_test

NIST = [5, 40, 43, 175, 389, 712, 747, 795, 1299, 1478]
NIST_END = 1500.0
MIL_1981 = [
    2.6, 16.5, 16.5, 17.0, 21.4, 29.1, 33.3, 56.5, 63.1, 70.6, 73.0, 77.7, 93.9, 95.5,
    98.1, 101.1, 132.0, 142.2, 147.7, 149.0, 167.2, 190.7, 193.0, 198.7, 251.9, 282.5, 286.1,
]


def test_mil_hdbk_matches_nist_8_2_3_4():
    result = mil_hdbk_test(NIST, end=NIST_END)
    assert round(result.statistic, 2) == 37.23  # printed in the handbook
    assert result.df == 20
    assert result.chisq == result.statistic
    hand = 2 * sum(math.log(NIST_END / t) for t in NIST)
    assert result.statistic == pytest.approx(hand, rel=1e-12)
    # 37.23 is above the upper 97.5% point of chi2(20) (34.17): improvement (fewer repairs).
    assert result.p_value == pytest.approx(2 * stats.chi2.sf(hand, 20), rel=1e-10)
    assert result.p_value < 0.05


def test_mil_hdbk_failure_truncated_hand_computed():
    result = mil_hdbk_test(NIST)
    hand = 2 * sum(math.log(1478 / t) for t in NIST[:-1])
    assert result.statistic == pytest.approx(hand, rel=1e-12)
    assert result.df == 18


def test_laplace_hand_computed_and_direction():
    result = laplace_test(NIST, end=NIST_END)
    hand = (sum(NIST) - 10 * NIST_END / 2) / (NIST_END * math.sqrt(10 / 12))
    assert result.statistic == pytest.approx(hand, rel=1e-12)
    assert result.statistic == pytest.approx(-1.32695, abs=1e-5)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(hand)), rel=1e-12)
    # Failure-truncated: first n-1 onsets, T = t_n.
    failure = laplace_test(NIST)
    hand_f = (sum(NIST[:-1]) - 9 * 1478 / 2) / (1478 * math.sqrt(9 / 12))
    assert failure.statistic == pytest.approx(hand_f, rel=1e-12)
    # Positive U means more frequent: onsets crowded towards the end.
    assert laplace_test([80, 90, 95, 99], end=100).statistic > 0


def test_laplace_pooled_hand_computed():
    a, ta = [10.0, 50.0, 70.0], 100.0
    b, tb = [5.0, 150.0], 200.0
    from spasm_analysis.personal.trend import _Process, _laplace_u

    pooled = _laplace_u([_Process(np.array(a), ta, False), _Process(np.array(b), tb, False)])
    hand = ((sum(a) - 3 * ta / 2) + (sum(b) - 2 * tb / 2)) / math.sqrt((3 * ta**2 + 2 * tb**2) / 12)
    assert pooled == pytest.approx(hand, rel=1e-12)


def test_laplace_agrees_with_reliability_package():
    reliability = pytest.importorskip("reliability")
    from reliability.Repairable_systems import ROCOF

    rng = np.random.default_rng(7)
    times = np.sort(rng.uniform(1, 900, size=25)).round(1)
    peer = ROCOF(failure_times=times.copy(), test_end=1000.0, show_plot=False, print_results=False)
    assert laplace_test(times, end=1000.0).statistic == pytest.approx(peer.U, rel=1e-10)
    peer_f = ROCOF(failure_times=times.copy(), show_plot=False, print_results=False)
    assert laplace_test(times).statistic == pytest.approx(peer_f.U, rel=1e-10)
    assert reliability.__version__


def test_lewis_robinson_hand_computed():
    result = lewis_robinson_test(NIST, end=NIST_END)
    gaps = [NIST[0]] + [NIST[i] - NIST[i - 1] for i in range(1, len(NIST))]
    cv = statistics.stdev(gaps) / statistics.mean(gaps)
    u = (sum(NIST) - 10 * NIST_END / 2) / (NIST_END * math.sqrt(10 / 12))
    assert result.details["cv"] == pytest.approx(cv, rel=1e-12)
    assert result.statistic == pytest.approx(u / cv, rel=1e-12)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(u / cv)), rel=1e-12)


def test_crow_amsaa_matches_nist_case_study():
    fit = crow_amsaa(NIST, end=NIST_END)
    sum_log = sum(math.log(NIST_END / t) for t in NIST)
    assert fit.beta == pytest.approx(10 / sum_log, rel=1e-12)
    assert fit.beta_bias_corrected == pytest.approx(0.483506, abs=5e-7)  # NIST R output
    # NIST's aHat uses the bias-corrected shape: r / T^(bias-corrected beta).
    assert 10 / NIST_END**fit.beta_bias_corrected == pytest.approx(0.2913003, abs=5e-8)
    assert fit.lam == pytest.approx(10 / NIST_END**fit.beta, rel=1e-12)
    # CI from 2 n beta / beta_hat ~ chi2(2n).
    assert fit.ci_lower == pytest.approx(fit.beta * stats.chi2.ppf(0.025, 20) / 20, rel=1e-12)
    assert fit.ci_upper == pytest.approx(fit.beta * stats.chi2.ppf(0.975, 20) / 20, rel=1e-12)
    assert fit.ci_upper < 1  # improvement, as the handbook concludes


def test_crow_amsaa_matches_mil_hdbk_189_appendix_c():
    fit = crow_amsaa(MIL_1981, end=300.0)
    assert round(fit.beta, 3) == 0.716
    assert round(fit.lam, 3) == 0.454
    assert fit.beta_bias_corrected == pytest.approx(26 / 27 * fit.beta, rel=1e-12)


def test_crow_amsaa_failure_truncated_conventions():
    fit = crow_amsaa(NIST)
    sum_log = sum(math.log(1478 / t) for t in NIST[:-1])
    assert fit.beta == pytest.approx(10 / sum_log, rel=1e-12)
    assert fit.beta_bias_corrected == pytest.approx(8 / 10 * fit.beta, rel=1e-12)
    assert fit.df == 18
    assert fit.ci_lower == pytest.approx(fit.beta * stats.chi2.ppf(0.025, 18) / 20, rel=1e-12)


def _power_law(rng, beta, expected, end):
    n = rng.poisson(expected)
    return np.sort(end * rng.uniform(size=n) ** (1 / beta))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trend_tests_detect_simulated_increase(seed):
    rng = np.random.default_rng(seed)
    times = _power_law(rng, beta=1.8, expected=150, end=3000.0)
    assert abs(crow_amsaa(times, end=3000.0).beta - 1.8) < 0.45
    assert laplace_test(times, end=3000.0).statistic > 2
    assert lewis_robinson_test(times, end=3000.0).statistic > 2
    assert mil_hdbk_test(times, end=3000.0).statistic < 2 * times.size


def test_crow_amsaa_ci_covers_true_shape_across_seeds():
    hits, estimates = 0, []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        times = _power_law(rng, beta=1.8, expected=60, end=3000.0)
        fit = crow_amsaa(times, end=3000.0)
        hits += fit.ci_lower < 1.8 < fit.ci_upper
        estimates.append(fit.beta_bias_corrected)
    # Exact pivot: coverage 95% (binomial sd over 200 runs ~1.5%).
    assert 0.90 <= hits / 200 <= 0.99
    assert np.mean(estimates) == pytest.approx(1.8, rel=0.04)


def test_pooled_crow_amsaa_solves_score_equation():
    from spasm_analysis.personal.trend import _Process, _pooled_beta

    rng = np.random.default_rng(11)
    procs = [_Process(_power_law(rng, 1.5, 40, e), e, False) for e in (500.0, 800.0, 1200.0)]
    beta = _pooled_beta(procs)
    n = sum(p.times.size for p in procs)
    ends = np.array([p.end for p in procs])
    score = n / beta + sum(np.log(p.times).sum() for p in procs) - n * np.sum(ends**beta * np.log(ends)) / np.sum(ends**beta)
    assert abs(score) < 1e-8
    # With equal ends the pooled MLE has the closed form N / sum ln(T / t).
    same = [_Process(_power_law(rng, 1.5, 40, 900.0), 900.0, False) for _ in range(3)]
    closed = sum(p.times.size for p in same) / sum(np.log(900.0 / p.times).sum() for p in same)
    assert _pooled_beta(same) == pytest.approx(closed, rel=1e-10)


def test_bad_input_messages():
    with pytest.raises(ValueError, match="before the last event"):
        laplace_test([1, 5, 20], end=10)
    with pytest.raises(ValueError, match="element 1"):
        laplace_test([1, float("nan")], end=10)
    with pytest.raises(ValueError, match="> 0"):
        mil_hdbk_test([0, 2, 3], end=10)
    with pytest.raises(ValueError, match="at least 2"):
        laplace_test([3.0])
    with pytest.raises(ValueError, match="confidence_level"):
        crow_amsaa(NIST, end=NIST_END, confidence_level=95)


def test_results_have_plain_interpretation_and_plot():
    result = laplace_test(NIST, end=NIST_END)
    assert "no clear change" in result.interpretation
    assert "should" not in result.interpretation
    fit = crow_amsaa(NIST, end=NIST_END)
    assert "beta = 0.54" in fit.interpretation
    assert "<table" in fit._repr_html_()
    import matplotlib

    matplotlib.use("Agg")
    ax = fit.plot()
    assert ax.get_xlabel().startswith("days")


def test_top_level_names():
    for name in ("laplace_test", "mil_hdbk_test", "lewis_robinson_test", "crow_amsaa"):
        assert callable(getattr(sa, name))


def test_episode_log_input_pools_windows_and_skips_index_onset():
    import pandas as pd

    start = pd.Timestamp("2020-01-01")
    onset = start + pd.to_timedelta([0, 10, 50, 70, 400 + 5, 400 + 150], unit="D")
    episodes = pd.DataFrame({"onset": onset, "end": onset + pd.Timedelta(days=1)})
    follow_up = pd.DataFrame(
        {"start": [start, start + pd.Timedelta(days=400)], "end": [start + pd.Timedelta(days=100), start + pd.Timedelta(days=600)]}
    )
    log = sa.EpisodeLog(episodes, follow_up=follow_up)
    result = laplace_test(log)
    # Two windows, each its own process; the onset on day 0 (why logging began) is not counted.
    a, ta, b, tb = [10.0, 50.0, 70.0], 100.0, [5.0, 150.0], 200.0
    hand = ((sum(a) - 3 * ta / 2) + (sum(b) - 2 * tb / 2)) / math.sqrt((3 * ta**2 + 2 * tb**2) / 12)
    assert result.statistic == pytest.approx(hand, rel=1e-12)
    assert result.details["n_processes"] == 2
    assert "first day" in result.details["notes"]
    hand_mil = 2 * (sum(math.log(ta / t) for t in a) + sum(math.log(tb / t) for t in b))
    assert mil_hdbk_test(log).statistic == pytest.approx(hand_mil, rel=1e-12)
    with pytest.raises(ValueError, match="follow-up"):
        laplace_test(log, end=30)


def test_imprecise_onsets_midpoint_and_exclude():
    import pandas as pd

    start = pd.Timestamp("2010-01-01")
    episodes = pd.DataFrame(
        {"onset": pd.to_datetime(["2010-06-01", "2011-01-01", "2012-03-15", "2013-07-04"]),
         "onset_precision": ["month", "year", "day", "day"]}
    )
    follow_up = pd.DataFrame({"start": [start], "end": [pd.Timestamp("2014-01-01")]})
    log = sa.EpisodeLog(episodes, follow_up=follow_up)
    mid = laplace_test(log, imprecise_onsets="midpoint")
    excl = laplace_test(log, imprecise_onsets="exclude")
    assert mid.details["n_events"] == 4 and excl.details["n_events"] == 2
    assert "mid-month" in mid.details["notes"] and "left out" in excl.details["notes"]
    # Midpoints: June 16 00:00 (30-day month / 2) and 2011-07-02 12:00 (365 / 2 days).
    T = (pd.Timestamp("2014-01-01") - start).days
    days = [
        (pd.Timestamp("2010-06-16") - start).days,
        (pd.Timestamp("2011-07-02 12:00") - start) / pd.Timedelta(days=1),
        (pd.Timestamp("2012-03-15") - start).days,
        (pd.Timestamp("2013-07-04") - start).days,
    ]
    hand = (sum(days) - 4 * T / 2) / (T * math.sqrt(4 / 12))
    assert mid.statistic == pytest.approx(hand, rel=1e-12)
    table = sa.imprecise_onset_sensitivity(laplace_test, log)
    assert list(table["imprecise_onsets"]) == ["midpoint", "exclude"]
    assert table["statistic"].tolist() == pytest.approx([mid.statistic, excl.statistic])
