"""Episode duration by year and its trend."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import spasm_analysis as sa


def _log(seed, *, factor_per_year=1.0, years=8):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2015-01-01")
    offsets = np.arange(0, years * 365 - 40, 40) + rng.integers(0, 5, size=len(range(0, years * 365 - 40, 40)))
    n = len(offsets)
    onset = start + pd.to_timedelta(offsets, unit="D")
    t = offsets / 365.25
    length = np.round(np.exp(np.log(3.0) + np.log(factor_per_year) * t + rng.normal(0, 0.4, n)) * 24) / 24
    assert length.max() < 35  # episodes never reach the next onset, so nothing is truncated
    episodes = pd.DataFrame({"onset": onset, "end": onset + pd.to_timedelta(length, unit="D")})
    follow_up = pd.DataFrame({"start": [start], "end": [start + pd.Timedelta(days=years * 365 + 30)]})
    return sa.EpisodeLog(episodes, follow_up=follow_up)


@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_duration_trend(seed):
    result = sa.duration_trend(_log(seed, factor_per_year=1.15))
    assert result.ci_lower < 1.15 < result.ci_upper
    assert "longer" in result.interpretation


def test_no_trend_and_table_by_hand():
    log = _log(2)
    result = sa.duration_trend(log)
    assert result.ci_lower < 1.0 < result.ci_upper
    d = (log.episodes["end"] - log.episodes["onset"]) / pd.Timedelta(days=1)
    by_year = d.groupby(log.episodes["onset"].dt.year).median()
    assert result.table["median_days"].tolist() == pytest.approx(by_year.tolist())
    years = (log.episodes["onset"] - log.episodes["onset"].min()) / pd.Timedelta(days=365.25)
    fit = sm.OLS(np.log(d.to_numpy()), sm.add_constant(years.to_numpy())).fit()
    assert np.log(result.ratio_per_year) == pytest.approx(fit.params[1], rel=1e-10)


def test_imprecise_and_open_episodes_are_left_out_with_a_note():
    log = _log(3)
    ep = log.episodes.copy()
    ep["onset_precision"] = "day"
    ep.loc[0, "onset_precision"] = "month"
    ep.loc[0, "onset"] = ep.loc[0, "onset"].to_period("M").start_time
    ep.loc[1, "end"] = pd.NaT
    result = sa.duration_trend(log.replace(episodes=ep))
    assert result.n_episodes == len(ep) - 2
    assert "month or year" in result.notes and "without an end" in result.notes
