"""Shared gamma frailty against R's coxph(... + frailty(id, distribution = "gamma")).

Data: cgd (treat, inherit, steroids, age) and bladder2 (rx, number, size).
Reference: tests/reference/cox_frailty_<data>_*.csv from
tests/reference/make_cox_reference.R (R 4.2.2, survival 3.5.3).
Tolerances: coefficients and frailty variance within 1e-3 relative,
standard errors within 2% of R's se(coef).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import COVARIATES, REF, load_data
from spasm_analysis.coxph.frailty import _brent, gamma_frailty_correction, next_theta


DATASETS = ["cgd", "bladder2"]


@pytest.fixture(scope="module", params=DATASETS)
def case(request):
    name = request.param
    return name, sa.cox(load_data(name), COVARIATES[name], frailty="gamma")


@pytest.fixture(scope="module")
def fit():
    return sa.cox(load_data("cgd"), COVARIATES["cgd"], frailty="gamma")


def _read(dataset, name):
    return pd.read_csv(REF / f"cox_frailty_{dataset}_{name}.csv", comment="#")


def test_coefficients_and_variance_match_r(case):
    dataset, fit = case
    ref = _read(dataset, "coefficients").set_index("term")
    stats = _read(dataset, "stats").iloc[0]
    np.testing.assert_allclose(fit.params[ref.index], ref["coef"], rtol=1e-3)
    np.testing.assert_allclose(fit.std_errors[ref.index], ref["se"], rtol=0.02)
    np.testing.assert_allclose(fit.frailty_variance, stats["theta"], rtol=1e-3)
    np.testing.assert_allclose(fit.loglik, stats["loglik"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik_null, stats["loglik_null"], rtol=1e-8)
    np.testing.assert_allclose(fit.details["integrated_loglik"], stats["integrated_loglik"],
                               rtol=1e-6)
    assert fit.iterations == stats["outer_iterations"]
    assert fit.n_events == stats["n_events"] and fit.n == stats["n"]


def test_theta_search_follows_r(case):
    dataset, fit = case
    ref = _read(dataset, "history")
    ours = fit.details["theta_history"]
    assert len(ours) == len(ref)
    np.testing.assert_allclose(ours["theta"], ref["theta"], rtol=1e-4)
    np.testing.assert_allclose(ours["integrated_loglik"], ref["integrated_loglik"], rtol=1e-7)


def test_log_frailties_match_r(case):
    dataset, fit = case
    ref = _read(dataset, "frail").set_index("id")["frail"]
    ours = fit.details["log_frailty"]
    np.testing.assert_allclose(ours[ref.index], ref, atol=1e-3)
    np.testing.assert_allclose(np.mean(np.exp(ours)), 1.0, rtol=1e-10)


def test_result_fields(fit):
    assert fit.robust_std_errors is None and fit.robust_score_test is None
    assert fit.score_test is None and fit.likelihood_ratio_test is None
    assert "frailty" in fit.model
    assert "gamma frailty variance" in str(fit)
    assert fit.summary["robust se"].isna().all()


def test_gamma_correction_matches_closed_form():
    d = np.array([0, 1, 3, 2, 0, 5])
    nu = 1.7
    from scipy.special import gammaln
    expected = np.sum(d + nu * np.log(nu) - (nu + d) * np.log(nu + d)
                      + gammaln(nu + d) - gammaln(nu))
    np.testing.assert_allclose(gamma_frailty_correction(d, nu), expected, rtol=1e-12)


def test_theta_steps_follow_frailty_controlgam():
    assert next_theta([(0.0, -10.0)]) == (1.0, False)
    assert next_theta([(0.0, -10.0), (1.0, -9.5)]) == (0.5, False)    # gain < 1: halve
    assert next_theta([(0.0, -10.0), (1.0, -8.0)]) == (2.0, False)    # gain >= 1: double
    theta, done = next_theta([(0.0, -10.0), (1.0, -8.0), (2.0, -7.0)])
    assert theta == 4.0 and not done                                   # still rising: double
    # parabola through (1, -2), (2, -1), (3, -2) in x has its top at x = 2
    assert _brent([1.0, 2.0, 3.0], [-2.0, -1.0, -2.0]) == pytest.approx(2.0)


def test_frailty_information_counts_rows_of_a_cluster_at_risk_together():
    """The frailty diagonal is sum_t mw [A_g/D - (A_g/D)^2] with A_g the cluster's whole risk
    at t (R's coxfit5), also when two rows of a cluster overlap; checked by brute force."""
    from spasm_analysis.coxph.design import make_design
    from spasm_analysis.coxph.engine import build_risk_sets
    from spasm_analysis.coxph.frailty import _FrailtyProblem

    data = pd.DataFrame({"subject": [1, 1, 2, 2, 3, 4, 4],
                         "start": [0.0, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                         "stop": [3.0, 5.0, 4.0, 3.0, 6.0, 3.0, 5.0],
                         "event": [1, 1, 0, 1, 1, 1, 0],
                         "x": [0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.2]})
    design = make_design(data, ["x"], cluster="subject")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum,
                         design.weights, ties="efron")
    problem = _FrailtyProblem(design, rs)
    beta, w, nu = np.array([0.3]), np.array([0.2, -0.1, 0.05, -0.15]), 2.0
    _, _, d_w, _ = problem.evaluate(beta, w, nu)
    risk = np.exp(design.X[:, 0] * beta[0] + w[design.cluster])
    expected = nu * np.exp(w)
    for t in np.unique(design.stop[design.event]):
        at_risk = (design.start < t) & (design.stop >= t)
        dying = at_risk & design.event & (design.stop == t)
        d = int(dying.sum())
        for k in range(d):
            f = np.where(dying, 1 - k / d, 1.0)
            denominator = np.sum(risk * at_risk * f)
            share = np.bincount(design.cluster, weights=risk * at_risk * f, minlength=4)
            expected += share / denominator - (share / denominator) ** 2
    np.testing.assert_allclose(d_w, expected, rtol=1e-12)


def test_unfinished_theta_search_warns_like_r_stops():
    """R stops the theta search after outer.max = 10 fits; we stop there too, and say so."""
    rng = np.random.default_rng(11)
    n = 600
    frail = rng.gamma(2.0, 0.5, n)
    x = rng.integers(0, 2, n).astype(float)
    rows = []
    for i in range(n):
        t, rate = 0.0, 0.02 * frail[i] * np.exp(0.5 * x[i])
        while True:
            gap = rng.exponential(1 / rate)
            if t + gap >= 365:
                rows.append((i, t, 365.0, 0, x[i]))
                break
            rows.append((i, t, t + gap, 1, x[i]))
            t += gap
    data = pd.DataFrame(rows, columns=["subject", "start", "stop", "event", "x"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sa.cox(data, ["x"], frailty="gamma")
    stopped = [w for w in caught if "outer.max" in str(w.message)]
    # on these data the search is still climbing after R's 10 fits
    assert fit.iterations == 10 and not fit.converged
    assert len(stopped) == 1
    history = fit.details["theta_history"]
    assert fit.frailty_variance == history["theta"].iloc[-1]
