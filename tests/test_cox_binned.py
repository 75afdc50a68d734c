"""The engine's shared core: per-bin sums of chunks of rows add up to the whole.

This is the contract a partitioned (Dask) fit relies on: ``row_sums`` over the
pieces of any partition of the rows, combined, reduce to the same log
likelihood, score and information as the in-memory ``evaluate``; per-cluster
score residuals computed piece by piece add up to the in-memory ones.
"""

import numpy as np
import pytest

from cox_reference import COVARIATES, load_data
from spasm_analysis.coxph import kernel_cache
from spasm_analysis.coxph.binned import cluster_sums, reduce_sums, row_sums
from spasm_analysis.coxph.design import make_design
from spasm_analysis.coxph.engine import _covariate_rows, build_risk_sets, evaluate
from spasm_analysis.coxph.robust import cluster_score_residuals
import spasm_analysis as sa


def _cgd(ties="efron", strata=None):
    data = load_data("cgd")
    design = make_design(data.assign(w=1 + (data["subject"] % 3) / 2), COVARIATES["cgd"],
                         strata=strata, cluster="subject", weights="w")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum,
                         design.weights, ties=ties)
    return design, rs


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("strata", [None, "episode"])
def test_chunk_sums_combine_to_the_whole(ties, strata):
    design, rs = _cgd(ties, strata)
    beta = np.array([-1.0, 0.4, 0.8, -0.02])
    offset = np.linspace(-0.5, 0.5, design.n_rows)
    whole = evaluate(rs, design.X, design.weights, offset, beta)
    XT = _covariate_rows(design.X)
    # an arbitrary partition of the rows: subjects split across pieces
    pieces = np.array_split(np.random.default_rng(1).permutation(design.n_rows), 3)
    total = None
    for rows in pieces:
        part = row_sums(rs.take(rows), XT[:, rows], design.weights[rows], offset[rows], beta)
        total = part if total is None else total.combine(part)
    combined = reduce_sums(rs, total)
    assert combined.loglik == pytest.approx(whole.loglik, rel=1e-12)
    np.testing.assert_allclose(combined.score, whole.score, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(combined.information, whole.information, rtol=1e-10)

    # the robust pass, piece by piece, with the per-group terms broadcast back
    expected = cluster_score_residuals(rs, design.X, design.weights, whole, design.cluster,
                                       design.n_clusters)
    got = np.zeros_like(expected)
    for rows in pieces:
        risk = np.exp(design.X[rows] @ beta + offset[rows] - whole.shift)
        got += cluster_sums(rs.take(rows), XT[:, rows], design.weights[rows], risk,
                            whole.terms, design.cluster[rows], design.n_clusters)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=0), whole.score, rtol=1e-8, atol=1e-9)


def test_whole_number_times_and_general_times_give_the_same_fit():
    """Day-scale times take the sort-free path; any monotone rescaling must not matter."""
    data = load_data("cgd")
    days = sa.andersen_gill(data, COVARIATES["cgd"])
    scaled = sa.andersen_gill(data.assign(start=data["start"] / 7.3, stop=data["stop"] / 7.3),
                              COVARIATES["cgd"])
    np.testing.assert_allclose(scaled.params, days.params, rtol=1e-12)
    np.testing.assert_allclose(scaled.robust_std_errors, days.robust_std_errors, rtol=1e-10)
    assert scaled.loglik == pytest.approx(days.loglik, rel=1e-12)


def test_kernels_compile_without_a_writable_cache(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("SPASM_ANALYSIS_CACHE", str(blocked / "kernels"))
    twice = kernel_cache.compiled_function("def twice(x):\n    return 2 * x\n", "twice")
    assert twice(21) == 42


@pytest.mark.parametrize("scale", [1e200, 1e303, 1e-302])
def test_log_likelihood_is_free_of_the_scale_of_the_sums(scale):
    """Sums scaled by c at a shift lowered by log(c) give the same log-likelihood and score.

    The Efron denominators then lie far outside the range in which the
    reduction multiplies them before taking one log: above 1e150 a product is
    closed at once, and past 1e300 (or below 1e-300) the logs are taken term
    by term; each path must give the same log-likelihood. (The information
    is not compared: its squared denominators would leave the range of a
    double, which is why the row pass shifts the linear predictor.)
    """
    design, rs = _cgd("efron", "episode")
    beta = np.array([-1.0, 0.4, 0.8, -0.02])
    sums = row_sums(rs, _covariate_rows(design.X), design.weights, np.zeros(design.n_rows),
                    beta)
    scaled = type(sums)(net=sums.net * scale, tied=sums.tied * scale,
                        death_eta=sums.death_eta, death_x=sums.death_x,
                        shift=sums.shift - np.log(scale))
    plain, far = reduce_sums(rs, sums), reduce_sums(rs, scaled)
    assert far.loglik == pytest.approx(plain.loglik, rel=1e-12)
    np.testing.assert_allclose(far.score, plain.score, rtol=1e-9, atol=1e-9)
