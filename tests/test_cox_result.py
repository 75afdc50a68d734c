"""CoxResult: summary table, tests, HTML, text and forest plot."""

import dataclasses

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy import stats

import spasm_analysis as sa
from cox_reference import COVARIATES, coefficients, fit_stats, load_data


@pytest.fixture(scope="module")
def fit():
    return sa.andersen_gill(load_data("bladder2"), COVARIATES["bladder2"], confidence_level=0.9)


def test_summary_columns_and_numbers(fit):
    table = fit.summary
    assert list(table.columns) == ["coef", "exp(coef)", "se", "robust se", "z", "p",
                                   "ci_lower", "ci_upper", "exp_ci_lower", "exp_ci_upper"]
    ref = coefficients("bladder2", "ag", "efron")
    np.testing.assert_allclose(table["robust se"], ref["robust_se"], rtol=1e-6)
    z = ref["coef"] / ref["robust_se"]
    np.testing.assert_allclose(table["z"], z, rtol=1e-6)
    np.testing.assert_allclose(table["p"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-5)
    q = stats.norm.ppf(0.95)
    np.testing.assert_allclose(table["ci_upper"], ref["coef"] + q * ref["robust_se"], rtol=1e-6)
    np.testing.assert_allclose(table["exp_ci_lower"], np.exp(table["ci_lower"]), rtol=1e-12)
    assert fit.confidence_level == 0.9


def test_result_is_frozen(fit):
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.loglik = 0.0


def test_tests_are_test_results(fit):
    assert isinstance(fit.wald_test, sa.TestResult)
    assert fit.wald_test.df == 3
    reference = fit_stats("bladder2", "ag", "efron")
    assert fit.robust_score_test.p_value == pytest.approx(stats.chi2.sf(reference["robust_score_chisq"], 3), rel=1e-6)
    assert "robust" in fit.wald_test.method.lower()


def test_text_and_html(fit):
    text = str(fit)
    assert "Andersen-Gill" in text and "90%" in text and "112 events" in text
    html = fit._repr_html_()
    assert "<table" in html and "Andersen-Gill" in html and "not causes" in html


def test_forest_plot_returns_axes(fit):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = fit.plot(ax=ax)
    assert out is ax
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == COVARIATES["bladder2"]
    plt.close(fig)
    ax2 = fit.plot()
    assert ax2.get_title().startswith("Andersen-Gill")
    plt.close(ax2.figure)
