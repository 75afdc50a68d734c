"""The trend answers on a history written from a real account (tests/fixtures/real_account):
remembered years, "early Oct 2013", "around Nov 8 2014", then dated spasms in 2015."""

import warnings

import numpy as np
import pytest

import spasm_analysis as sa

ACCOUNT = "tests/fixtures/real_account"


@pytest.fixture(scope="module")
def log():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sa.read_log(ACCOUNT)


def test_before_after_gives_no_number_for_a_trend_it_cannot_estimate(log):
    # Two onsets after November 2014: the change in the yearly trend is not estimable, and the
    # full model would run off to an absurd factor; the answer says so instead of printing one.
    result = sa.before_after(log, start="2014-11-01")
    assert "slope" not in result.terms and np.isnan(result.slope_change) and np.isnan(result.slope_ci_upper)
    assert "cannot be estimated from this log" in result.interpretation
    assert np.isfinite(result.level_change) and result.level_ci_upper / result.level_ci_lower < 1e3
    for value in (result.level_change, result.level_ci_lower, result.level_ci_upper):
        assert 0 < value < 1e3


def test_seasonality_counts_month_known_onsets_and_names_the_months(log):
    result = sa.seasonality(log)
    by_month = result.table.set_index("period")["events"]
    # Early Oct 2013 and around Nov 8 2014 are counted in their months, March and June 2015 are
    # dated; the summer of 2004 and the eight remembered years are left out, and the note says so.
    assert by_month[["March", "June", "October", "November"]].tolist() == [1, 1, 1, 1]
    assert by_month.sum() == 4 and list(by_month.index[:2]) == ["January", "February"]
    assert "2 onset(s) known only to the month (or part of it) are counted in their month" in result.notes
    assert "9 onset(s) known only to a season or year are left out" in result.notes


def test_reconciled_answer_and_forecast_from_the_current_stretch(log):
    summary = sa.trend_summary(log)
    assert summary.verdict == "step" and summary.answer.startswith("A step up around November 2014")
    # Three onsets after the step: a log-linear rise fits about as well (each change location costs 6 in
    # the criterion), but no trend test finds a trend, so the answer is the step, and the explanation says so.
    assert 0.5 < summary.trend_weight < 0.8 and summary.aic_trend < summary.aic_step
    assert "no trend test finds one, so the answer above is the step" in summary.explanation
    forecast = sa.forecast_next_episode(log, n_bootstrap=0)
    assert forecast.stretch_start.year == 2014 and forecast.hazard is None  # too few gaps: the stretch's rate
    assert forecast.trend_weight == pytest.approx(summary.trend_weight)
    assert forecast.reading.startswith("weighted between a step (current stretch)")
    table = forecast.table
    assert table["probability"].between(0, 1).all()
    w = forecast.trend_weight
    np.testing.assert_allclose(table["probability"], (1 - w) * table["stretch_probability"] + w * table["trend_probability"])
    # Where the remembered onsets go decides the stretch, and the sensitivity table shows how much (leaving
    # them out most of all).
    thirty = forecast.sensitivity["within_30_days"]
    assert thirty.min() < 0.1 < 0.3 < thirty.max()
    assert "Onsets known only to the month or year matter here" in forecast.interpretation
