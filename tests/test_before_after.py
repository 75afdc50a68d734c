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
