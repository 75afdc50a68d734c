"""Formulas and aliased terms, compared with R survival 3.5-3 (make_cox_diagnostics_reference.R).

Cases: cgd with text columns and an interaction (``treat + inherit + age + hos_cat +
treat:age``, cluster-robust), ``treat * sex`` with Breslow ties, R's own
tests/singtest.R (epoch main effects constant within every risk set) and a
constant column on bladder2. Tolerance: 1e-6 relative (R's coefficients are
solutions of the same equations; agreement is ~1e-13).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import diagnostics, load_cgd_text, load_data, load_singtest

RTOL = 1e-6


def _fits():
    cgd, bl2 = load_cgd_text(), load_data("bladder2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "cgd_formula": sa.cox(cgd, "treat + inherit + age + hos_cat + treat:age"),
            "cgd_star": sa.cox(cgd, "treat * sex + steroids", ties="breslow", cluster=None),
            "singtest": sa.cox(load_singtest(), "x * C(epoch)", cluster=None),
            "bladder2_constant": sa.cox(bl2.assign(one=1.0), "rx + one + number"),
        }


FITS = _fits()


@pytest.mark.parametrize("case", sorted(FITS))
def test_coefficients_match_r(case):
    fit, ref = FITS[case], diagnostics("diagnostics_coefficients", case)
    assert len(fit.params) == len(ref)
    np.testing.assert_array_equal(np.isnan(fit.params.to_numpy()), ref["coef"].isna())
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), ref["se"], rtol=RTOL)
    if fit.robust_std_errors is not None:
        np.testing.assert_allclose(fit.robust_std_errors.to_numpy(), ref["robust_se"], rtol=RTOL)


@pytest.mark.parametrize("case", sorted(FITS))
def test_tests_and_aic_match_r(case):
    fit, ref = FITS[case], diagnostics("diagnostics_stats", case).iloc[0]
    assert (fit.n, fit.n_events) == (ref["n"], ref["nevent"])
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], [ref["loglik_null"], ref["loglik"]],
                               rtol=1e-10)
    np.testing.assert_allclose(fit.aic, ref["aic"], rtol=1e-10)
    assert fit.likelihood_ratio_test.df == ref["df"]
    np.testing.assert_allclose(fit.likelihood_ratio_test.chisq, ref["lr"], rtol=RTOL)
    np.testing.assert_allclose(fit.wald_test.chisq, ref["wald"], rtol=RTOL)
    np.testing.assert_allclose(fit.score_test.chisq, ref["score"], rtol=RTOL)
    if fit.robust_score_test is not None:
        np.testing.assert_allclose(fit.robust_score_test.chisq, ref["robust_score"], rtol=RTOL)


def test_text_columns_are_treatment_coded_with_the_first_sorted_level_as_reference():
    names = list(FITS["cgd_formula"].params.index)
    assert names == ["treat[T.rIFN-g]", "inherit[T.autosomal]", "age", "hos_cat[T.Europe:other]",
                     "hos_cat[T.US:NIH]", "hos_cat[T.US:other]", "treat[T.rIFN-g]:age"]
    assert "hos_cat: reference level 'Europe:Amsterdam'." in FITS["cgd_formula"].details["model_notes"]


def test_singtest_warns_naming_the_aliased_terms():
    with pytest.warns(RuntimeWarning, match=r"'C\(epoch\)\[T.2\]', 'C\(epoch\)\[T.3\]', "
                                            r"'C\(epoch\)\[T.4\]' are aliased"):
        sa.cox(load_singtest(), "x * C(epoch)", cluster=None)


def test_formula_and_column_list_agree():
    data = load_data("bladder2")
    by_list = sa.cox(data, ["rx", "number", "size"])
    by_formula = sa.cox(data, "rx + number + size")
    pd.testing.assert_series_equal(by_list.params, by_formula.params, rtol=1e-13)


def test_bad_formula_is_reported():
    with pytest.raises(ValueError, match="not found"):
        sa.cox(load_data("bladder2"), "rx + dose")


def test_formula_in_pwp_and_wlw():
    cgd = load_cgd_text()
    fit = sa.pwp(cgd, "treat + hos_cat")
    assert fit.strata == ("episode",) and len(fit.params) == 4
    bladder = load_data("bladder2").assign(arm=lambda d: np.where(d["rx"] == 1, "a", "b"))
    assert list(sa.wlw(bladder, "arm + number", max_episodes=2).params.index) == ["arm[T.b]",
                                                                                  "number"]
