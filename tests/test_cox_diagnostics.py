"""Residuals, cox.zph, concordance and the printed tests, compared with R survival 3.5-3.

References: tests/reference/make_cox_diagnostics_reference.R (residuals.coxph with
collapse = id, cox.zph(fit), concordance(fit)) on bladder2 (Andersen-Gill with
Efron and Breslow ties, PWP total time) and cgd with a formula. Tolerance
1e-6 relative to the largest value of each residual kind (observed ~1e-14).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import REF, diagnostics, load_cgd_text, load_data

RTOL = 1e-6
BLADDER2, CGD = load_data("bladder2"), load_cgd_text()
FITS = {
    "bladder2_ag": sa.cox(BLADDER2, "rx + number + size"),
    "bladder2_pwp": sa.pwp(BLADDER2, "rx + number + size"),
    "bladder2_breslow": sa.cox(BLADDER2, "rx + number + size", ties="breslow"),
    "cgd_formula": sa.cox(CGD, "treat + inherit + age + hos_cat + treat:age"),
    "cgd_star": sa.cox(CGD, "treat * sex + steroids", ties="breslow", cluster=None),
}
# the (case, kind) pairs the R script wrote (fewer kinds for some cases, to keep the file small)
RESIDUAL_CASES = sorted(set(map(tuple, pd.read_csv(
    REF / "cox_residuals.csv", comment="#")[["case", "kind"]].to_numpy())))


def _reference_residuals(case, kind):
    ref = diagnostics("residuals", case)
    return ref[ref["kind"] == kind]


@pytest.mark.parametrize(("case", "kind"), RESIDUAL_CASES)
def test_residuals_match_r(case, kind):
    ref = _reference_residuals(case, kind)
    mine = FITS[case].residuals(kind)
    if kind == "martingale":  # these data are already in subject and time order
        values = mine["martingale"].to_numpy()
    else:
        columns = [c for c in mine.columns if c not in ("time", "stratum")]
        values = mine[columns].to_numpy().ravel(order="F")
        labels = ref.drop_duplicates("index")["label"].astype(str).to_numpy()
        if kind == "schoenfeld":
            np.testing.assert_allclose(mine["time"], labels.astype(float), rtol=0)
        else:  # clusters in sorted order, as R's rowsum
            np.testing.assert_array_equal(mine.index.astype(str), labels)
    np.testing.assert_allclose(values, ref["value"], rtol=0,
                               atol=RTOL * np.abs(ref["value"]).max())


@pytest.mark.parametrize("case", ["bladder2_ag", "bladder2_pwp", "bladder2_breslow",
                                  "cgd_formula", "cgd_star"])
def test_proportional_hazards_test_matches_cox_zph(case):
    ref = diagnostics("zph", case)
    table = FITS[case].test_proportional_hazards()
    assert table.index[-1] == "GLOBAL" and len(table) == len(ref)
    np.testing.assert_array_equal(table["df"], ref["df"])
    np.testing.assert_allclose(table["chisq"], ref["chisq"], rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], ref["p"], rtol=RTOL)


@pytest.mark.parametrize("case", sorted(FITS))
def test_concordance_matches_r(case):
    ref = diagnostics("diagnostics_stats", case).iloc[0]
    np.testing.assert_allclose(FITS[case].concordance, ref["concordance"], rtol=1e-12)


@pytest.mark.parametrize("case", sorted(FITS))
def test_tests_and_aic_match_r(case):
    fit, ref = FITS[case], diagnostics("diagnostics_stats", case).iloc[0]
    np.testing.assert_allclose(fit.aic, ref["aic"], rtol=1e-10)
    np.testing.assert_allclose([fit.likelihood_ratio_test.chisq, fit.wald_test.chisq,
                                fit.score_test.chisq], ref[["lr", "wald", "score"]].astype(float),
                               rtol=RTOL)
    text = str(fit)
    assert "Likelihood ratio test" in text and "AIC" in text


def test_martingale_residuals_sum_to_zero_and_dfbeta_is_score_times_variance():
    fit = FITS["bladder2_ag"]
    assert abs(fit.residuals("martingale")["martingale"].sum()) < 1e-10
    score = fit.residuals("score")
    np.testing.assert_allclose(fit.residuals("dfbeta").to_numpy(),
                               score.to_numpy() @ fit.variance.to_numpy(), atol=1e-14)
    np.testing.assert_allclose(score.sum().to_numpy(), 0, atol=1e-6)  # score at the estimate (converged to 1e-9)


def test_residuals_kind_is_checked():
    with pytest.raises(ValueError, match="allowed values: 'martingale', 'score'"):
        FITS["bladder2_ag"].residuals("deviance")


def test_proportional_hazards_plot_draws_the_scaled_residuals():
    ax = FITS["bladder2_ag"].plot_proportional_hazards("rx")
    assert len(ax.collections[0].get_offsets()) == FITS["bladder2_ag"].n_events
    with pytest.raises(ValueError, match="allowed values"):
        FITS["bladder2_ag"].plot_proportional_hazards("age")


@pytest.mark.parametrize("case", sorted(FITS))
def test_concordance_standard_error_matches_r(case):
    # R: sqrt(concordance(fit)$var), the infinitesimal jackknife summed by cluster = id
    # where the fit has one (cgd_star has none: per row)
    ref = diagnostics("diagnostics_stats", case).iloc[0]
    np.testing.assert_allclose(FITS[case].concordance_std_error, ref["concordance_se"], rtol=RTOL)
    assert f"(se = {FITS[case].concordance_std_error:.3g})" in str(FITS[case])


def test_concordance_standard_error_without_cluster_is_per_row():
    ref = diagnostics("diagnostics_stats", "bladder2_ag_naive").iloc[0]
    fit = sa.cox(BLADDER2, "rx + number + size", cluster=None)
    np.testing.assert_allclose(fit.concordance_std_error, ref["concordance_se"], rtol=RTOL)
    assert fit.concordance_std_error != pytest.approx(FITS["bladder2_ag"].concordance_std_error)
