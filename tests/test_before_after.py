"""Segmented regression around a treatment start, and the regression-to-the-mean flag."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import spasm_analysis as sa
from personal_simulation import START, make_log, simulate_onset_days

DAYS = 365 * 8
T0 = 365 * 4  # treatment starts after four years


def _log(seed, *, level=0.5, bad_stretch=False):
    rng = np.random.default_rng(seed)

    def multiplier(d):
        if bad_stretch and T0 - 90 < d <= T0:
            return 5.0
        return level if d > T0 else 1.0

    onsets = simulate_onset_days(rng, days=DAYS, base_rate=1 / 15, duration=2, multiplier=multiplier)
    treatments = pd.DataFrame({"start": [START + pd.Timedelta(days=T0)], "end": [START + pd.Timedelta(days=T0 + 42)], "modality": ["physiotherapy"]})
    return make_log(onsets, days=DAYS, duration=2, treatments=treatments)


def test_recovers_level_change_across_seeds():
    hits, logs = 0, []
    for seed in range(12):
        result = sa.before_after(_log(seed), start="physiotherapy")
        hits += result.level_ci_lower < 0.5 < result.level_ci_upper
        logs.append(np.log(result.level_change))
    assert hits >= 9  # nominal 95% coverage
    assert 0.35 < np.exp(np.mean(logs)) < 0.75


@pytest.mark.parametrize("seed", [0, 1])
def test_result_fields_and_caveat(seed):
    result = sa.before_after(_log(seed), start="physiotherapy")
    assert result.start == START + pd.Timedelta(days=T0)
    assert result.slope_ci_lower < 1.0 < result.slope_ci_upper
    assert result.rate_after < result.rate_before
    assert "regression to the mean" in result.caveat
    assert "does not show that the treatment caused it" in result.interpretation
    # The flag compares the last 3 months before the start with the earlier baseline.
    t = result.table[~result.table["after"]]
    recent = t["period"] >= result.start - pd.DateOffset(months=3)
    ratio = (t.loc[recent, "events"].sum() / t.loc[recent, "days_at_risk"].sum()) / (
        t.loc[~recent, "events"].sum() / t.loc[~recent, "days_at_risk"].sum()
    )
    lower = sa.personal.poisson.exact_rate_ratio(
        int(t.loc[recent, "events"].sum()), t.loc[recent, "days_at_risk"].sum(),
        int(t.loc[~recent, "events"].sum()), t.loc[~recent, "days_at_risk"].sum(),
    )[1]
    assert result.rtm_flag == bool(ratio >= 1.5 or lower > 1)


def test_matches_statsmodels_on_the_monthly_table():
    result = sa.before_after(_log(3), start=START + pd.Timedelta(days=T0))
    t = result.table
    assert t["events"].sum() == sa.to_counting_process(_log(3)).to_frame()["event"].sum()
    X = np.column_stack([np.ones(len(t)), t["years"], t["after"].astype(float), t["years"] * t["after"]])
    fit = sm.GLM(t["events"], X, family=sm.families.Poisson(), exposure=t["days_at_risk"]).fit()
    assert result.level_change == pytest.approx(np.exp(fit.params.iloc[2]), rel=1e-6)
    assert result.slope_change == pytest.approx(np.exp(fit.params.iloc[3]), rel=1e-6)


def test_negative_binomial_close_to_poisson_without_overdispersion():
    log = _log(4)
    p = sa.before_after(log, start="physiotherapy")
    nb = sa.before_after(log, start="physiotherapy", family="negative-binomial")
    assert nb.dispersion is not None and nb.dispersion >= 0
    assert nb.level_change == pytest.approx(p.level_change, rel=0.15)


def test_flags_start_after_a_bad_stretch():
    result = sa.before_after(_log(5, level=1.0, bad_stretch=True), start="physiotherapy")
    assert result.rtm_flag
    assert "bad stretch" in result.caveat and "bad stretch" in result.interpretation


def test_bad_options():
    log = _log(6)
    with pytest.raises(ValueError, match="neither a date nor a treatment modality.*physiotherapy"):
        sa.before_after(log, start="yoga")
    with pytest.raises(ValueError, match="family"):
        sa.before_after(log, start="physiotherapy", family="gaussian")
    with pytest.raises(ValueError, match="inside follow-up"):
        sa.before_after(log, start="2030-01-01")
    ax = sa.before_after(log, start="physiotherapy").plot()
    assert ax.get_ylabel().startswith("onsets per 30 days")


def _short_after_log():
    from change_point_logs import step_log

    return step_log(seed=7, end="2015-03-31")  # once a year, then every three weeks for four months


def test_unidentifiable_trend_is_never_reported_as_a_number():
    result = sa.before_after(_short_after_log(), start="2014-11-20")
    assert result.terms == ("baseline", "pre_trend", "level")
    assert np.isnan(result.slope_change) and np.isnan(result.slope_ci_upper)
    assert "cannot be estimated from this log" in result.interpretation and "no number is given" in result.interpretation
    assert "factor of 10,000" in result.notes
    assert result.level_ci_upper / result.level_ci_lower < 1e4
    # The full model, fitted anyway, runs off to a yearly factor in the millions with an interval to 1e17.
    t = result.table[result.table["days_at_risk"] > 0]
    X = np.column_stack([np.ones(len(t)), t["years"], t["after"].astype(float), t["years"] * t["after"]])
    full = sm.GLM(t["events"], X, family=sm.families.Poisson(), exposure=t["days_at_risk"]).fit()
    assert np.exp(full.params.iloc[3]) > 1e6 and full.bse.iloc[3] > 5


def test_separated_trend_is_detected_and_the_simpler_model_used():
    from spasm_analysis.personal.estimable import separation_direction

    start = START + pd.Timedelta(days=1461)  # 2019-01-01: the after months start on the start
    onsets = np.array([100, 400, 700, 1000, 1300, 1461 + 5, 1461 + 12, 1461 + 20])  # after it: first month only
    log = make_log(onsets, days=1461 + 400, duration=2)
    result = sa.before_after(log, start=start)
    t = result.table[result.table["days_at_risk"] > 0]
    X = np.column_stack([np.ones(len(t)), t["years"], t["after"].astype(float), t["years"] * t["after"]])
    assert separation_direction(X, t["events"].to_numpy()) is not None
    assert "slope" not in result.terms and np.isnan(result.slope_change)
    assert np.isfinite(result.level_change) and result.level_ci_upper < np.inf


def test_no_onsets_after_the_start_gives_the_exact_rate_ratio():
    onsets = np.array([100, 400, 700, 1000, 1300])
    log = make_log(onsets, days=1460 + 400, duration=2)
    result = sa.before_after(log, start=START + pd.Timedelta(days=1460))
    assert result.terms == ("level",) and result.level_change == 0.0
    before = result.table[~result.table["after"]]
    after = result.table[result.table["after"]]
    expected = sa.personal.poisson.exact_rate_ratio(0, after["days_at_risk"].sum(), 5, before["days_at_risk"].sum())
    assert (result.level_change, result.level_ci_lower, result.level_ci_upper) == pytest.approx(expected[:3])
    assert np.isnan(result.pre_trend) and "exact ratio" in result.notes
