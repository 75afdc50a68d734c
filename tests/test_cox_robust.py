"""Score residuals and the robust variance against R's residuals(fit, type = "score").

Reference: tests/reference/cox_score_residuals_bladder2.csv from
tests/reference/make_cox_reference.R (R 4.2.2, survival 3.5.3).
"""

import numpy as np
import pandas as pd
import pytest

from cox_reference import COVARIATES, REF, load_data
from spasm_analysis.coxph.design import make_design
from spasm_analysis.coxph.engine import build_risk_sets, evaluate, newton_raphson
from spasm_analysis.coxph.robust import collapse, robust_variance, score_residuals

RTOL = 1e-6


def _fit(strata, ties):
    data = load_data("bladder2")
    design = make_design(data, COVARIATES["bladder2"], strata=strata, cluster="subject")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum,
                         design.weights, ties=ties)
    fit = newton_raphson(rs, design.X, design.weights, np.zeros(design.n_rows))
    return design, rs, fit


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("strata, model", [(None, "ag"), ("episode", "pwp_total")])
def test_score_residuals_match_r(strata, model, ties):
    ref = pd.read_csv(REF / "cox_score_residuals_bladder2.csv", comment="#")
    ref = ref[(ref.model == model) & (ref.ties == ties)].sort_values("row")
    design, rs, fit = _fit(strata, ties)
    resid = score_residuals(rs, design.X, fit.final)
    expected = ref[COVARIATES["bladder2"]].to_numpy()
    # absolute tolerance relative to the residuals' scale (some residuals are ~0)
    np.testing.assert_allclose(resid, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_weighted_residuals_sum_to_the_score(ties):
    data = load_data("cgd")
    design = make_design(data.assign(w=1 + (data["subject"] % 4) / 3), COVARIATES["cgd"],
                         cluster="subject", weights="w")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum,
                         design.weights, ties=ties)
    beta = np.array([0.3, -0.2, 0.5, 0.01])
    X, w = design.X, design.weights
    ev = evaluate(rs, X, w, np.zeros(design.n_rows), beta)
    resid = score_residuals(rs, X, ev)
    np.testing.assert_allclose((resid * w[:, None]).sum(axis=0), ev.score,
                               rtol=1e-10, atol=1e-10)


def test_score_and_information_are_derivatives_of_the_loglik():
    data = load_data("bladder2")
    design = make_design(data, COVARIATES["bladder2"], strata="episode")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum, design.weights)
    beta = np.array([-0.3, 0.1, 0.05])
    off = np.zeros(design.n_rows)
    X, w = design.X, design.weights
    ev = evaluate(rs, X, w, off, beta)
    h = 1e-5
    for k in range(3):
        step = np.zeros(3)
        step[k] = h
        up = evaluate(rs, X, w, off, beta + step)
        down = evaluate(rs, X, w, off, beta - step)
        np.testing.assert_allclose((up.loglik - down.loglik) / (2 * h), ev.score[k], rtol=1e-6,
                                   atol=1e-7)
        np.testing.assert_allclose((down.score - up.score) / (2 * h), ev.information[k],
                                   rtol=1e-5, atol=1e-8)


def test_robust_variance_is_dfbeta_crossproduct():
    design, rs, fit = _fit(None, "efron")
    X, w, cluster = design.X, design.weights, design.cluster
    resid = score_residuals(rs, X, fit.final)
    dfbeta = collapse(resid, cluster, design.n_clusters) @ fit.variance
    np.testing.assert_allclose(
        robust_variance(rs, X, w, fit.final, fit.variance, cluster, design.n_clusters),
        dfbeta.T @ dfbeta, rtol=1e-12)
