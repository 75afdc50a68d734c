"""Personal analyses against R (tests/reference/make_personal_reference.R, R 4.2.2, survival 3.5.3, MASS 7.3-58.2).

The inputs (tests/reference/personal_*.csv) are the data each analysis fits its model to,
derived by spasm_analysis from seeded simulated logs (tests/reference/make_personal_inputs.py).
Each test checks that the analysis still derives the same data and gives R's numbers.
Tolerances: 1e-10 relative for closed forms, 1e-6 for iteratively fitted GLM/conditional
logistic and negative-binomial coefficients (both sides converged tightly), 1e-4 for the
Weibull fit (lifelines' optimiser stops earlier than survreg).
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spasm_analysis as sa
from spasm_analysis.personal.poisson import exact_rate_ratio

REF = Path(__file__).parent / "reference"
sys.path.insert(0, str(REF))
import make_personal_inputs as inputs  # noqa: E402

R = pd.read_csv(REF / "personal_reference.csv", comment="#").set_index("quantity")["value"].astype(float)
Z = stats.norm.ppf(0.975)


def _read(name):
    return pd.read_csv(REF / name, comment="#")


def test_rate_ratio_matches_poisson_test():
    cases = _read("personal_rate_ratio_cases.csv")
    for i, row in enumerate(cases.itertuples(index=False), start=1):
        rr, lo, hi, p = exact_rate_ratio(int(row.a), row.t1, int(row.b), row.t0)
        for name, value in (("estimate", rr), ("lower", lo), ("upper", hi), ("p", p)):
            expected = R[f"rate_ratio_{i}_{name}"]
            if np.isinf(expected):
                assert np.isinf(value)
            else:
                assert value == pytest.approx(expected, rel=1e-10, abs=1e-14), (i, name)


def test_inputs_are_still_derived_the_same_way():
    for name, frame in inputs.inputs().items():
        stored = _read(name)
        fresh = frame.reset_index(drop=True).copy()
        if "period" in fresh and "period" in stored:
            stored["period"] = stored["period"].astype(str)
            fresh["period"] = fresh["period"].astype(str)
        if "after" in fresh:
            stored["after"] = stored["after"].astype(bool)
        pd.testing.assert_frame_equal(fresh, stored, check_dtype=False, rtol=1e-12)


def test_case_crossover_matches_clogit():
    result = sa.case_crossover(inputs.trigger_log(), exposure="cold pool", hazard_days=2)
    assert np.log(result.odds_ratio) == pytest.approx(R["case_crossover_coef"], rel=1e-6)
    se = (np.log(result.ci_upper) - np.log(result.ci_lower)) / (2 * Z)
    assert se == pytest.approx(R["case_crossover_se"], rel=1e-6)


@pytest.mark.parametrize("calendar, prefix", [("stretches", "risk_window"), ("years", "risk_window_years")])
def test_risk_windows_match_poisson_glm(calendar, prefix):
    """R glm on the same cells, adjusted for season, time since the last episode and period."""
    result = sa.risk_windows(inputs.session_log(), exposed="chiropractic", calendar=calendar)
    assert calendar != "years" or result.cells["period"].nunique() > 1
    t = result.table.set_index("window")
    for window in ("(0, 3]", "(3, 14]", "(14, 28]"):
        row = t.loc[window]
        assert np.log(row["relative_incidence"]) == pytest.approx(R[f"{prefix}_{window}_coef"], rel=1e-6)
        se = (np.log(row["ci_upper"]) - np.log(row["ci_lower"])) / (2 * Z)
        assert se == pytest.approx(R[f"{prefix}_{window}_se"], rel=1e-6)


def test_before_after_matches_glm_and_glm_nb():
    log = inputs.change_log()
    p = sa.before_after(log, start="physiotherapy")
    assert np.log(p.level_change) == pytest.approx(R["before_after_poisson_level"], rel=1e-6)
    assert np.log(p.slope_change) == pytest.approx(R["before_after_poisson_slope"], rel=1e-6)
    se = (np.log(p.level_ci_upper) - np.log(p.level_ci_lower)) / (2 * Z)
    assert se == pytest.approx(R["before_after_poisson_level_se"], rel=1e-6)
    nb = sa.before_after(log, start="physiotherapy", family="negative-binomial")
    assert np.log(nb.level_change) == pytest.approx(R["before_after_nb_level"], rel=1e-6)
    assert np.log(nb.slope_change) == pytest.approx(R["before_after_nb_slope"], rel=1e-6)
    assert 1 / nb.dispersion == pytest.approx(R["before_after_nb_theta"], rel=1e-6)


def test_seasonality_matches_glm_deviance():
    result = sa.seasonality(inputs.change_log())
    assert result.test.statistic == pytest.approx(R["seasonality_chisq"], rel=1e-10)


def test_forecast_weibull_matches_survreg():
    result = sa.forecast_next_episode(inputs.renewal_log(), n_bootstrap=0)
    assert result.shape == pytest.approx(R["forecast_weibull_shape"], rel=1e-8)
    assert result.scale == pytest.approx(R["forecast_weibull_scale"], rel=1e-8)
