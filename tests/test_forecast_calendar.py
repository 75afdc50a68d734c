"""The forecast's calendar terms: gap-time hazard with a trend and an annual cycle (R glm), the
reading it follows (step, steady trend, no change), and the true chance the benchmark compares with."""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from personal_simulation import make_log
from spasm_analysis.personal.gap_hazard import _exposure_chunks, _fit_calendar, fit_piecewise_hazard
from spasm_analysis.simulate.scenarios import scenario_days

REFERENCE = "tests/reference/gap_hazard_glm.csv"


@pytest.fixture(scope="module")
def gaps():
    return pd.read_csv("tests/reference/data/gap_hazard_gaps.csv")


@pytest.fixture(scope="module")
def glm():
    return pd.read_csv(REFERENCE, comment="#").set_index(["model", "term"])


def _fit(gaps, trend, season, shrink=True):
    t, d, start = (gaps[c].to_numpy(float) for c in ("duration", "observed", "start"))
    edges = fit_piecewise_hazard(t, d).edges
    return _fit_calendar(t, d, start, edges, float((start + t).max()), trend, season, shrink)


def test_chunks_are_the_ones_r_fitted(gaps):
    chunks = pd.read_csv("tests/reference/data/gap_hazard_chunks.csv")
    t, d, start = (gaps[c].to_numpy(float) for c in ("duration", "observed", "start"))
    piece, days, x, events = _exposure_chunks(t, d, start, fit_piecewise_hazard(t, d).edges)
    np.testing.assert_array_equal(piece, chunks["piece"])
    np.testing.assert_allclose(np.c_[days, x, events], chunks[["days", "x", "events"]].to_numpy(), rtol=0, atol=1e-9)
    assert events.sum() == d.sum() and days.sum() == pytest.approx(t.sum())


@pytest.mark.parametrize("model, trend, season", [("trend", True, False), ("season", False, True), ("both", True, True)])
def test_profile_fit_matches_r_glm(gaps, glm, model, trend, season):
    hazard = _fit(gaps, trend, season, shrink=False)
    r = glm.loc[model]["estimate"]
    # Newton on the profile likelihood and R's IRLS reach the same maximum (R: epsilon 1e-14).
    if trend:
        assert hazard.trend == pytest.approx(r["trend"], rel=1e-7)
    if season:
        assert hazard.season == pytest.approx((r["cos"], r["sin"]), rel=1e-7)
    pieces = r[[k for k in r.index if k.startswith("piece")]].to_numpy()
    np.testing.assert_allclose(np.log(hazard.rates), pieces, rtol=1e-7)


@pytest.mark.parametrize("full, without", [("both", "trend"), ("season", "none")])
def test_season_averaged_with_the_fit_without_it_by_akaike_weights(gaps, glm, full, without):
    a, b = glm.loc[full], glm.loc[without]
    lr = 2 * (float(a["loglik"].iloc[0]) - float(b["loglik"].iloc[0]))  # R logLik of the two glm fits
    weight = 1 / (1 + np.exp(-(lr - 4) / 2))  # Akaike weight of two more parameters
    assert 0.5 < weight < 0.99  # a clear cycle on these gaps: kept, but not whole
    averaged = _fit(gaps, full == "both", True)
    cos, sin = a.at["cos", "estimate"], a.at["sin", "estimate"]
    assert averaged.season == pytest.approx((weight * cos, weight * sin), rel=1e-6)
    if full == "both":
        trend = weight * a.at["trend", "estimate"] + (1 - weight) * b.at["trend", "estimate"]
        assert averaged.trend == pytest.approx(trend, rel=1e-6)


def test_within_integrates_trend_and_cycle_across_the_window():
    hazard = sa.personal.gap_hazard.PiecewiseHazard(np.array([0.0]), np.array([0.02]), trend=np.log(2), season=(0.3, 0.0),
                                                    now=0.0)
    days = np.arange(0, 30, 1e-3) + 5e-4
    exact = 1 - np.exp(-np.sum(0.02 * np.exp(np.log(2) * days / 365.25 + 0.3 * np.cos(2 * np.pi * days / 365.25)) * 1e-3))
    assert hazard.within(10.0, [30.0])[0] == pytest.approx(exact, rel=1e-4)
    flat = sa.personal.gap_hazard.PiecewiseHazard(np.array([0.0]), np.array([0.02]))
    assert flat.within(10.0, [30.0])[0] == pytest.approx(1 - np.exp(-0.6), rel=1e-12)


def _trend_log(seed):
    # Onsets of a log-linear rate from 2 to 24 a year over ten years (no step), two-day episodes.
    rng = np.random.default_rng(seed)
    days = 3650
    rate = 2 / 365.25 * np.exp(np.log(12) * np.arange(days) / days)
    onsets, d = [], 0
    while d < days:
        if rng.uniform() < -np.expm1(-rate[d]):
            onsets.append(d)
            d += 3
        else:
            d += 1
    return make_log(np.array(onsets), days=days, duration=2)


def test_steady_trend_forecasts_from_the_whole_log_with_the_trend():
    log = _trend_log(3)
    reading = sa.trend_summary(log)
    result = sa.forecast_next_episode(log, horizons=(30,), n_bootstrap=0)
    assert reading.verdict == "steady trend" and result.trend_weight == pytest.approx(reading.trend_weight)
    assert result.trend_weight > 0.9 and result.reading.endswith(f"a steady rise {result.trend_weight:.0%}")
    assert 4 < result.trend_hazard.trend_per_year ** 10 < 40  # truth 12 over the ten years
    # The rate at the end is about 24 a year: 1 - exp(-24 * 30 / 365.25) = 0.86; the stretch average would say much less.
    row = result.table.iloc[0]
    assert row["probability"] > row["constant_rate_probability"]
    assert abs(row["probability"] - 0.86) < 0.1 and abs(row["trend_probability"] - 0.86) < 0.1


def test_step_forecasts_from_the_current_stretch_without_a_trend():
    log = sa.simulate_scenario("step", seed=3).log
    reading = sa.trend_summary(log)
    result = sa.forecast_next_episode(log, horizons=(30,), n_bootstrap=0)
    assert reading.verdict == "step" and result.trend_weight == pytest.approx(reading.trend_weight) and result.trend_weight < 0.5
    assert result.stretch_start == reading.change_points.current["start"]
    assert result.hazard.trend == 0.0  # the current stretch's own hazard: no trend inside it
    row = result.table.iloc[0]
    w = result.trend_weight
    assert row["probability"] == pytest.approx((1 - w) * row["stretch_probability"] + w * row["trend_probability"])


def test_a_rise_that_could_be_a_step_is_forecast_from_both_readings():
    # A steady rise (3 to 20 a year) whose stretches fit nearly as well as the trend: the forecast weighs both,
    # which lifts it above the current stretch's level towards the rising rate, and says so.
    result = sa.forecast_next_episode(sa.simulate_scenario("trend", seed=10).log, horizons=(30,), n_bootstrap=0)
    assert 0.6 < result.trend_weight < 0.75
    row = result.summary.iloc[0]
    w = result.trend_weight
    assert row["probability"] == pytest.approx((1 - w) * row["stretch_probability"] + w * row["trend_probability"])
    assert row["trend_probability"] > row["stretch_probability"]
    assert row["reading"] == result.reading == (f"weighted between a step (current stretch) {1 - w:.0%} and a "
                                                f"steady rise {w:.0%}")
    assert f"({1 - w:.0%}), and a steady rise over the whole log, carried on to today ({w:.0%})" in result.interpretation


def test_chance_of_onset_is_the_simulated_frequency():
    # The exact chance the benchmark compares forecasts with, against simulated outcomes.
    chances, hits = [], []
    for seed in range(300):
        h = scenario_days("clustered", seed=seed, years=3)
        cut = h.n_days - 31
        if np.any((h.onset_day <= cut) & (h.end_day >= cut)):
            continue
        chances.append(h.chance_of_onset(cut, 30))
        hits.append(np.any((h.onset_day > cut) & (h.onset_day <= cut + 30)))
    assert abs(np.mean(chances) - np.mean(hits)) < 3 * np.std(hits) / np.sqrt(len(hits))
    h = scenario_days("constant", seed=1)
    cut = int(h.end_day[-2]) + 1
    assert h.chance_of_onset(cut, 30) == pytest.approx(-np.expm1(-10 * 30 / 365.25), rel=1e-12)
    with pytest.raises(ValueError, match="inside an episode"):
        h.chance_of_onset(int(h.onset_day[3]), 30)
    with pytest.raises(ValueError, match="effect='none'"):
        scenario_days("step", effect="harm", seed=1).chance_of_onset(10, 30)


def test_remembered_history_with_year_only_onsets_keeps_its_precision_words():
    # Two year-only onsets stored on the same January 1 clash; the later one is remembered one step
    # more precisely ("month"), which must fit even when no onset of the history was month-known.
    from spasm_analysis.simulate.scenarios import ScenarioDays

    history = ScenarioDays(onset_day=np.array([10, 40, 400]), end_day=np.array([13, 43, 403]),
                           precision=np.array(["year", "year", "day"]), session_day=np.array([], dtype=int),
                           n_days=800, start=pd.Timestamp("2004-01-01"), truth={"scenario": "remembered"})
    assert history.precision.dtype == np.dtype("<U4")
    log = history.to_log()
    assert sorted(log.episodes["onset_precision"]) == ["day", "month", "year"]


def test_an_onset_on_a_cut_ends_the_earlier_piece():
    # (0, 3] holds the ten onsets at exactly 3 days (as R's survSplit and the calendar fit's chunks count them).
    hazard = fit_piecewise_hazard([3.0] * 10 + [5.0] * 10, [1] * 20, cuts=(0.0, 3.0))
    assert hazard.edges.tolist() == [0.0, 3.0]
    np.testing.assert_allclose(hazard.rates, [10 / 60, 10 / 20], rtol=1e-14)
