"""sa.trend_summary: one reconciled answer (step, steady trend or no clear change) with the tests beside it."""

import numpy as np
import pytest
from scipy import integrate, optimize

import spasm_analysis as sa
from change_point_logs import step_log
from spasm_analysis.personal.trend_summary import loglinear_loglik, step_loglik
from spasm_analysis.simulate.scenarios import scenario_days


def test_step_up_is_told_as_a_step_not_a_steady_rise():
    result = sa.trend_summary(step_log(seed=7, remembered_before="2013-01-01", n_year=3), assume_duration_days=3)
    assert result.verdict == "step" and result.aic_step < result.aic_trend
    assert result.answer.startswith("A step up around February 2015 rather than a steady rise")
    assert "about once a year" in result.answer and "weeks" in result.answer
    assert list(result.table["test"]) == ["change points", "Laplace", "MIL-HDBK-189", "Lewis-Robinson", "Crow-AMSAA"]
    assert result.table.at[0, "says"].startswith("more frequent (1 change(s)")
    assert result.interpretation.startswith(result.answer)


def test_steady_rise_is_told_as_a_trend():
    result = sa.trend_summary(scenario_days("trend", seed=0).to_log())
    assert result.verdict == "steady trend" and result.aic_trend < result.aic_step
    assert result.answer.startswith("A steady rise rather than a single step")
    assert "All five agree (more frequent)" in result.explanation


def test_constant_rate_is_no_clear_change():
    result = sa.trend_summary(step_log(seed=3, steps=(), base_per_year=6.0))
    assert result.verdict == "no clear change"
    assert result.answer.startswith("No clear change: onsets have come at about 6 times a year")


def test_disagreeing_tests_are_named_and_explained():
    # A late step (3 a year, then 9 a year from 2015): Laplace sees it, the power-law tests spread it thin.
    log = step_log(seed=21, start="2004-01-01", end="2016-12-31", base_per_year=3.0, steps=(("2015-01-01", 3.0),))
    result = sa.trend_summary(log)
    says = dict(zip(result.table["test"], result.table["says"].str.split(" \\(").str[0]))
    assert says == {"change points": "more frequent", "Laplace": "more frequent", "MIL-HDBK-189": "no clear change",
                    "Lewis-Robinson": "more frequent", "Crow-AMSAA": "no clear change"}
    assert result.verdict == "step" and result.answer.startswith("A step up around")
    assert result.explanation.startswith("The tests disagree here (change points, Laplace, Lewis-Robinson: more "
                                         "frequent; MIL-HDBK-189, Crow-AMSAA: no clear change)")
    assert "power law assume the rate changes smoothly" in result.explanation
    assert "the answer above is the step" in result.explanation


def test_loglinear_likelihood_is_the_maximum_of_the_closed_form():
    u = np.array([50.0, 300.0, 420.0, 610.0, 700.0, 760.0, 800.0, 850.0, 880.0, 900.0])
    total = 1000.0
    ll, b = loglinear_loglik(u, total)

    def loglik(params):
        a, slope = params
        integral = integrate.quad(lambda t: np.exp(a + slope * t), 0, total)[0]
        return -(np.sum(a + slope * u) - integral)

    direct = optimize.minimize(loglik, x0=[np.log(len(u) / total), 0.0], method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    assert ll == pytest.approx(-direct.fun, rel=1e-7)
    assert b == pytest.approx(direct.x[1], rel=1e-4)


def test_step_likelihood():
    import pandas as pd

    seg = pd.DataFrame({"events": [2, 10], "days_at_risk": [1000.0, 200.0]})
    assert step_loglik(seg) == pytest.approx(2 * np.log(2 / 1000) + 10 * np.log(10 / 200) - 12)


def test_each_change_costs_six_and_the_weights_follow_the_criterion():
    # Ninomiya (2015): a change location costs 6 in AIC, a rate 2; Akaike weights (Burnham & Anderson 2002).
    import pandas as pd
    from spasm_analysis.personal.trend_summary import aic_of_stretches

    seg = pd.DataFrame({"events": [2, 10], "days_at_risk": [1000.0, 200.0]})
    assert aic_of_stretches(seg) == pytest.approx(-2 * step_loglik(seg) + 2 * 2 + 6)
    assert aic_of_stretches(seg.iloc[:1]) == pytest.approx(-2 * step_loglik(seg.iloc[:1]) + 2)
    result = sa.trend_summary(step_log(seed=7))
    assert result.aic_step == pytest.approx(aic_of_stretches(result.change_points.segments))
    weight = np.exp(-result.aic_trend / 2) / (np.exp(-result.aic_trend / 2) + np.exp(-result.aic_step / 2))
    assert result.trend_weight == pytest.approx(weight, rel=1e-12)
