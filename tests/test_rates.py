"""Rates by calendar year, rolling window and month of year."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spasm_analysis as sa
from personal_simulation import make_log, simulate_onset_days


def _log():
    onset = pd.to_datetime(["2019-03-01", "2019-11-10", "2020-02-01", "2020-02-20", "2020-07-01"])
    episodes = pd.DataFrame({"onset": onset, "end": onset + pd.Timedelta(days=5)})
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2019-01-01")], "end": [pd.Timestamp("2020-12-31")]})
    return sa.EpisodeLog(episodes, follow_up=follow_up)


def test_yearly_rates_by_hand():
    result = sa.yearly_rates(_log())
    t = result.table
    assert list(t["period"]) == [2019, 2020]
    assert list(t["events"]) == [2, 3]
    # 2019: 365 days minus two 5-day episodes; 2020: Jan 1 to Dec 31 (365 days) minus three.
    assert t["days_at_risk"].tolist() == pytest.approx([355.0, 350.0])
    assert t.at[0, "rate_per_year"] == pytest.approx(2 / 355 * 365.25)
    assert t.at[1, "ci_upper"] == pytest.approx(stats.chi2.ppf(0.975, 8) / 2 / 350 * 365.25)
    assert t.at[0, "ci_lower"] == pytest.approx(stats.chi2.ppf(0.025, 4) / 2 / 355 * 365.25)
    assert "per year at risk" in result.interpretation


def test_rolling_rates_sum_months():
    result = sa.rolling_rates(_log(), window_months=12)
    t = result.table
    # The first window is Jan-Dec 2019, the last Jan-Dec 2020.
    assert t["period"].iloc[0] == pd.Timestamp("2020-01-01")
    assert t["events"].iloc[0] == 2 and t["events"].iloc[-1] == 3
    assert t["days_at_risk"].iloc[0] == pytest.approx(355.0)
    with pytest.raises(ValueError, match="window_months"):
        sa.rolling_rates(_log(), window_months=0)


def test_zero_event_period_has_finite_upper_bound():
    t = sa.yearly_rates(_log().replace(episodes=_log().episodes.iloc[2:])).table
    assert t.at[0, "events"] == 0 and t.at[0, "rate_per_year"] == 0
    assert t.at[0, "ci_upper"] == pytest.approx(-np.log(0.025) / 365 * 365.25)


@pytest.mark.parametrize("seed", [0, 1])
def test_seasonality_detects_winter_excess(seed):
    rng = np.random.default_rng(seed)
    days = 365 * 8
    start = pd.Timestamp("2015-01-01")
    winter = lambda d: 3.0 if (start + pd.Timedelta(days=int(d) - 1)).month in (12, 1, 2) else 1.0  # noqa: E731
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 40, duration=2, multiplier=winter)
    result = sa.seasonality(make_log(onsets, days=days, duration=2))
    t = result.table.set_index("month")
    assert result.test.df == 11 and result.test.p_value < 0.01
    assert result.table["period"].tolist()[:3] == ["January", "February", "March"]
    ratio = t.loc[[12, 1, 2], "events"].sum() / t.loc[[12, 1, 2], "days_at_risk"].sum() / (
        t.loc[3:11, "events"].sum() / t.loc[3:11, "days_at_risk"].sum()
    )
    assert 2.0 < ratio < 4.5
    assert "seasonal pattern" in result.interpretation


def test_no_seasonality_under_constant_rate():
    rng = np.random.default_rng(5)
    days = 365 * 8
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 30, duration=2)
    result = sa.seasonality(make_log(onsets, days=days, duration=2))
    assert result.test.p_value > 0.01
    # The LR statistic against the saturated month model is the deviance of the
    # common-rate Poisson GLM (statsmodels as an independent computation).
    import statsmodels.api as sm

    t = result.table
    fit = sm.GLM(t["events"], np.ones((12, 1)), family=sm.families.Poisson(), exposure=t["days_at_risk"]).fit()
    assert result.test.statistic == pytest.approx(fit.deviance, rel=1e-8)


def test_plots():
    ax = sa.yearly_rates(_log()).plot()
    assert ax.get_ylabel() == "onsets per year at risk"
    assert sa.rolling_rates(_log()).plot().get_xlabel().startswith("rolling")


def test_seasonality_counts_month_known_onsets_and_leaves_out_year_only_ones():
    from change_point_logs import step_log

    log = step_log(seed=7, remembered_before="2013-01-01", n_year=2)
    precision = log.episodes["onset_precision"]
    n_month, n_year = int((precision == "month").sum()), int((precision == "year").sum())
    assert (n_month, n_year) == (4, 2)
    result = sa.seasonality(log, assume_duration_days=3)
    assert result.table["events"].sum() == len(log.episodes) - n_year
    # Each month-known onset is counted in its own month.
    day_known = log.episodes[precision == "day"]["onset"].dt.month.value_counts()
    month_known = log.episodes[precision == "month"]["onset"].dt.month.value_counts()
    expected = day_known.add(month_known, fill_value=0).reindex(range(1, 13), fill_value=0)
    assert result.table.set_index("month")["events"].tolist() == expected.astype(int).tolist()
    assert "4 onset(s) known only to the month (or part of it) are counted in their month" in result.notes
    assert "2 onset(s) known only to a season or year are left out" in result.notes
    assert "month is unknown" in result.notes
    named = result.table["period"].tolist()
    assert named[0] == "January" and named[-1] == "December"
    assert any(name in result.interpretation for name in named)
