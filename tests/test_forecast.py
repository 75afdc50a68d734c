"""Forecast from the current stretch: piecewise hazard of the gaps, Weibull and KM checks, bootstrap, sensitivity."""

import numpy as np
import pandas as pd
import pytest
from lifelines import WeibullFitter

import spasm_analysis as sa
from personal_simulation import START, make_log
from spasm_analysis.personal.forecast import _weibull_profile_mle

SHAPE, SCALE = 1.5, 60.0


def _renewal_log(seed, *, days=4000, duration=2):
    rng = np.random.default_rng(seed)
    onsets, t = [], 0.0
    while True:
        t += max(1.0, np.ceil(SCALE * rng.weibull(SHAPE)))
        if t > days:
            break
        onsets.append(int(t))
        t += duration
    return make_log(np.array(onsets), days=days, duration=duration)


def _truth(since, h):
    s = lambda x: np.exp(-((x / SCALE) ** SHAPE))  # noqa: E731
    return 1 - s(since + h) / s(since)


def test_profile_mle_matches_lifelines():
    rng = np.random.default_rng(1)
    t = SCALE * rng.weibull(SHAPE, 80)
    d = (rng.uniform(size=80) < 0.8).astype(int)
    fit = WeibullFitter().fit(t, d)
    k, lam = _weibull_profile_mle(t, d)
    assert k == pytest.approx(fit.rho_, rel=1e-4)
    assert lam == pytest.approx(fit.lambda_, rel=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_conditional_probability(seed):
    result = sa.forecast_next_episode(_renewal_log(seed), days_since_end=20, n_bootstrap=300, seed=seed)
    t = result.table.set_index("horizon_days")
    assert result.model == "piecewise hazard" and result.stretch_start == pd.Timestamp("2015-01-01")
    for h in (7, 30, 90):
        truth = _truth(20, h)
        # Pieces hold at least ten onsets, so a hazard rising within a piece is averaged: a small bias at 7 days.
        assert abs(t.at[h, "probability"] - truth) < (0.05 if h == 7 else 0.06)
        assert abs(t.at[h, "weibull_probability"] - truth) < 0.05  # the Weibull check is the true model here
        assert abs(t.at[h, "km_probability"] - t.at[h, "probability"]) < 0.12
        if h > 7:
            assert t.at[h, "ci_lower"] < truth < t.at[h, "ci_upper"]
    assert abs(result.shape - SHAPE) < 0.35


def test_gaps_come_from_counting_process_and_default_conditioning():
    log = _renewal_log(3)
    result = sa.forecast_next_episode(log, n_bootstrap=0)
    cp = sa.to_counting_process(log).to_frame()
    # All at-risk intervals except the first one (from follow-up start) are gaps.
    assert result.n_gaps == len(cp) - 1
    assert result.n_censored == 1
    last = cp.iloc[-1]
    assert result.days_since_end == pytest.approx(last["stop"] - last["start"])
    assert result.table["ci_lower"].isna().all() and "n_bootstrap=0" in result.notes
    assert "not a prediction" in result.interpretation


def test_bootstrap_is_seeded_and_progress_optional(capsys):
    log = _renewal_log(4)
    a = sa.forecast_next_episode(log, n_bootstrap=100, seed=7, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap: 100%" in err and "100/100" in err
    b = sa.forecast_next_episode(log, n_bootstrap=100, seed=7)
    assert capsys.readouterr().err == ""  # no bar unless asked for
    pd.testing.assert_frame_equal(a.table, b.table)
    c = sa.forecast_next_episode(log, n_bootstrap=100, seed=8)
    assert not np.allclose(a.table["ci_lower"], c.table["ci_lower"])


def test_bad_options():
    log = _renewal_log(5)
    with pytest.raises(ValueError, match="horizons"):
        sa.forecast_next_episode(log, horizons=(0, 30))
    with pytest.raises(ValueError, match="days_since_end"):
        sa.forecast_next_episode(log, days_since_end=-3)
    ax = sa.forecast_next_episode(log, n_bootstrap=0).plot()
    assert ax.get_xlabel().startswith("days since")


def test_forecast_comes_from_the_current_stretch():
    from change_point_logs import step_log

    log = step_log(seed=7)  # once a year 2004-2014, then every three weeks
    result = sa.forecast_next_episode(log, n_bootstrap=200, seed=1, days_since_end=10)
    stretches = sa.change_points(log).segments
    assert result.stretch_start == stretches["start"].iloc[-1] >= pd.Timestamp("2014-10-01")
    origin = log.follow_up["start"].iloc[0]
    assert (result.gaps["start"] >= (result.stretch_start - origin).days).all()
    assert result.stretch_rate_per_year == pytest.approx(stretches["rate_per_year"].iloc[-1])
    thirty = result.table.set_index("horizon_days").loc[30.0]
    # Every three weeks: about 1 - exp(-30/21) = 0.76 within 30 days, not the mixture of quiet years.
    assert thirty["probability"] == pytest.approx(1 - np.exp(-30 / 21), abs=0.12)
    assert thirty["ci_lower"] < thirty["probability"] < thirty["ci_upper"]
    assert "Since" in result.interpretation and "current stretch" in result.interpretation
    assert result.sensitivity.empty  # every onset is known to the day


def test_remembered_onsets_sensitivity_is_in_the_result():
    from change_point_logs import step_log

    log = step_log(seed=7, remembered_before="2013-01-01", n_year=3)
    result = sa.forecast_next_episode(log, n_bootstrap=0, assume_duration_days=3, days_since_end=10)
    choices = result.sensitivity["choice"].tolist()
    assert choices[:3] == ["placed: midpoint", "placed: earliest", "placed: latest"]
    assert choices[-1] == "imprecise_onsets='exclude'"
    assert list(result.sensitivity.columns) == ["choice", "stretch_start", "within_7_days", "within_30_days", "within_90_days"]
    used = result.table.set_index("horizon_days").at[30.0, "probability"]
    assert result.sensitivity.at[0, "within_30_days"] == pytest.approx(used)
    assert "known only to the month or year" in result.interpretation


def test_few_gaps_in_the_stretch_use_its_constant_rate_with_exact_interval():
    onsets = np.array([200, 600, 1000, 1400, 1500, 1530, 1560, 1590, 1620])
    log = make_log(onsets, days=1650, duration=2)
    result = sa.forecast_next_episode(log, horizons=(30,), n_bootstrap=0)
    assert result.model == "constant rate" and result.stretch_events < 10
    row = result.table.iloc[0]
    lo, hi = sa.personal.poisson.poisson_ci(result.stretch_events)
    assert result.stretch_rate_per_year == pytest.approx(result.stretch_events / result.stretch_days_at_risk * 365.25)
    # Every onset is known to the day: the forecast takes each at the middle of its day, half a day less at risk;
    # the stretch starts on an onset (day 1500), whose half day lies before the stretch.
    assert result.stretch_start == START + pd.Timedelta(days=1500)
    exposure = result.stretch_days_at_risk - 0.5 * (result.stretch_events - 1)
    assert result.stretch_exposure_days == pytest.approx(exposure, rel=1e-12)
    rate = result.stretch_events / exposure
    assert row["stretch_probability"] == pytest.approx(-np.expm1(-rate * 30)) == row["constant_rate_probability"]
    assert 1 - result.survival(30.0) == pytest.approx(row["stretch_probability"], rel=1e-12)
    own_lower = -np.expm1(-float(lo) / exposure * 30)
    own_upper = -np.expm1(-float(hi) / exposure * 30)
    assert "exact Poisson interval" in result.notes
    # The whole log has fewer than ten gaps too: the steady-trend reading is its constant rate with its exact interval.
    cp = sa.to_counting_process(log).to_frame()
    days, events = float((cp["stop"] - cp["start"]).sum()) - 0.5 * len(onsets), len(onsets)
    assert row["trend_probability"] == pytest.approx(-np.expm1(-events / days * 30))
    whole_lo, whole_hi = (-np.expm1(-float(x) / days * 30) for x in sa.personal.poisson.poisson_ci(events))
    # Average by Akaike weights; each side of the interval: sum of w_i sqrt(own half-width^2 + (p_i - average)^2).
    w = result.trend_weight
    p = (1 - w) * row["stretch_probability"] + w * row["trend_probability"]
    assert row["probability"] == pytest.approx(p, rel=1e-12)
    pairs = [(1 - w, row["stretch_probability"], own_lower, own_upper), (w, row["trend_probability"], whole_lo, whole_hi)]
    lower = p - sum(wi * np.hypot(pi - a, pi - p) for wi, pi, a, _ in pairs)
    upper = p + sum(wi * np.hypot(b - pi, pi - p) for wi, pi, _, b in pairs)
    assert row["ci_lower"] == pytest.approx(lower, rel=1e-12) and row["ci_upper"] == pytest.approx(upper, rel=1e-12)


def test_onsets_known_to_the_day_are_taken_at_midday():
    log = _renewal_log(3)
    result = sa.forecast_next_episode(log, n_bootstrap=0)
    gaps = sa.to_counting_process(log).to_frame().iloc[1:]
    # Each gap ending in an onset counts half of the onset's day; the open gap at the end is as long as it is.
    expected = (gaps["stop"] - gaps["start"] - 0.5 * gaps["event"]).to_numpy(float)
    np.testing.assert_allclose(result.gaps["duration"], expected, rtol=0, atol=1e-12)
    assert (result.gaps["observed"].to_numpy() == gaps["event"].to_numpy()).all()
    # Onsets with a time of day are taken when they happened.
    onsets = np.arange(20, 2000, 37) + 0.375
    timed = sa.forecast_next_episode(make_log(onsets, days=2010, duration=2), n_bootstrap=0)
    np.testing.assert_allclose(timed.gaps["duration"].iloc[:-1], 35.0, rtol=0, atol=1e-9)


def test_day_grid_rate_is_the_hazard_not_the_daily_chance():
    # Onsets drawn day by day with chance q = 1 - exp(-h) on each day at risk, one-day episodes: counting the
    # onset's whole day at risk estimates q (9% below h here); at midday it estimates the hazard h.
    h, rng = 0.2, np.random.default_rng(7)
    onsets, day = [], 0
    while day < 20000:
        day += 1
        if rng.uniform() < -np.expm1(-h):
            onsets.append(day)
            day += 1  # the episode's one day; the next onset comes the day after it ends
    line = sa.personal.timeline.timeline(make_log(np.array(onsets), days=20001, duration=1), at_risk=True)
    gaps = sa.personal.forecast.gaps_after_episodes(line)
    midday = gaps["observed"].sum() / gaps["duration"].sum()
    whole_days = gaps["observed"].sum() / (gaps["duration"] + 0.5 * gaps["observed"]).sum()
    assert midday == pytest.approx(h, rel=0.04)
    assert whole_days == pytest.approx(-np.expm1(-h), rel=0.04) and whole_days < midday - 0.01  # about 0.018 apart


def _gap_log(onset_days, *, start=START, precision=None, days=1200):
    onset = START + pd.to_timedelta(np.asarray(onset_days, float), unit="D")
    episodes = pd.DataFrame({"subject": "me", "onset": onset, "end": onset + pd.Timedelta(days=2)})
    if precision is not None:
        episodes["onset_precision"] = precision
        # an onset known only to the month ends two days after the month: its end does not pin it down
        month = episodes["onset_precision"].eq("month")
        episodes.loc[month, "end"] = episodes.loc[month, "onset"] + pd.offsets.MonthEnd(0) + pd.Timedelta(days=2)
    follow_up = pd.DataFrame({"subject": ["me"], "start": [start], "end": [START + pd.Timedelta(days=days)]})
    return sa.EpisodeLog(episodes, follow_up=follow_up)


def test_midday_follows_each_onsets_own_precision_not_the_origin():
    onsets = np.arange(20, 1100, 40)
    gaps = lambda log, **kw: sa.personal.forecast.gaps_after_episodes(  # noqa: E731
        sa.personal.timeline.timeline(log, at_risk=True, **kw))
    plain = gaps(_gap_log(onsets))
    assert plain.loc[plain["observed"] == 1, "duration"].eq(37.5).all()  # 38 days from an end to the next onset
    # A follow-up that starts at 08:00 leaves the onsets known to the day (midnight dates) as they were.
    morning = gaps(_gap_log(onsets, start=START + pd.Timedelta(hours=8)))
    np.testing.assert_allclose(morning["duration"], plain["duration"], rtol=0, atol=1e-9)
    # Risk-free days after each episode move the gap's start, not what is known about the onset.
    rested = gaps(_gap_log(onsets), risk_free_days=1.5)
    assert rested.loc[rested["observed"] == 1, "duration"].eq(36.0).all()
    # An onset known only to the month is placed in its month (mid-June: midnight) and taken there, not cut again.
    shifted = onsets.astype(float)
    shifted[4] = (pd.Timestamp("2015-06-01") - START).days  # instead of day 180; between the onsets of days 140 and 220
    precision = np.where(np.arange(len(onsets)) == 4, "month", "day")
    placed = gaps(_gap_log(shifted, precision=precision))
    mid_june = (pd.Timestamp("2015-06-16") - START).days
    ends_in_june = placed["start"] + placed["duration"]
    assert np.isclose(ends_in_june, mid_june).sum() == 1  # the whole gap up to mid-June, no half day off
