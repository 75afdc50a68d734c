"""Exact rate ratio: the FORMULAS.md math, edge cases, and recovery on simulated logs."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spasm_analysis as sa
from personal_simulation import START, in_any, make_log, simulate_onset_days
from spasm_analysis.personal.poisson import exact_rate_ratio, poisson_ci


def test_exact_ci_matches_clopper_pearson_by_hand():
    a, t1, b, t0 = 4, 200.0, 20, 800.0
    rr, lo, hi, p = exact_rate_ratio(a, t1, b, t0)
    assert rr == pytest.approx((4 / 200) / (20 / 800))
    n = 24
    ci = stats.binomtest(a, n).proportion_ci(confidence_level=0.95, method="exact")
    assert lo == pytest.approx(ci.low / (1 - ci.low) * t0 / t1, rel=1e-10)
    assert hi == pytest.approx(ci.high / (1 - ci.high) * t0 / t1, rel=1e-10)
    assert p == pytest.approx(stats.binomtest(a, n, t1 / (t1 + t0)).pvalue, rel=1e-12)


def test_zero_exposed_events_gives_finite_upper_bound():
    rr, lo, hi, p = exact_rate_ratio(0, 100.0, 10, 400.0)
    assert rr == 0 and lo == 0
    p_upper = 1 - 0.025 ** (1 / 10)  # FORMULAS.md: a = 0 gives p_U = 1 - (alpha/2)^(1/n)
    assert hi == pytest.approx(p_upper / (1 - p_upper) * 400 / 100, rel=1e-10)
    assert np.isfinite(hi)
    assert p == pytest.approx(stats.binomtest(0, 10, 0.2).pvalue, rel=1e-12)


def test_zero_unexposed_events_and_no_events():
    rr, lo, hi, _ = exact_rate_ratio(5, 100.0, 0, 400.0)
    assert rr == np.inf and hi == np.inf and 0 < lo < np.inf
    rr, lo, hi, p = exact_rate_ratio(0, 100.0, 0, 400.0)
    assert np.isnan(rr) and lo == 0 and hi == np.inf and p == 1


def test_poisson_ci_garwood():
    lo, hi = poisson_ci(np.array([0, 3]))
    assert lo[0] == 0 and hi[0] == pytest.approx(-np.log(0.025), rel=1e-10)
    assert lo[1] == pytest.approx(stats.chi2.ppf(0.025, 6) / 2)
    assert hi[1] == pytest.approx(stats.chi2.ppf(0.975, 8) / 2)


def _small_log(treatments=None):
    onset = pd.to_datetime(["2020-01-11", "2020-02-21", "2020-03-11", "2020-06-01"])
    episodes = pd.DataFrame({"onset": onset, "end": onset + pd.Timedelta(days=2)})
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2020-01-01")], "end": [pd.Timestamp("2020-12-31")]})
    return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments)


def test_counts_and_time_by_hand():
    treatments = pd.DataFrame(
        {"start": pd.to_datetime(["2020-02-01"]), "end": pd.to_datetime(["2020-03-01"]), "modality": ["massage"]}
    )
    log = _small_log(treatments)
    r = sa.rate_ratio(log, exposed="massage", carryover_days=10, within="all")
    # Exposed (2020-02-01, 2020-03-11]: 39 days minus the episode 02-21..02-23 = 37 days at risk;
    # onsets 02-21 and 03-11 (end of the period, included) are exposed.
    assert r.events_exposed == 2 and r.events_unexposed == 2
    assert r.time_exposed == pytest.approx(37.0)
    follow_up_days = 365.0
    assert r.time_exposed + r.time_unexposed == pytest.approx(follow_up_days - 4 * 2)
    expected = exact_rate_ratio(2, r.time_exposed, 2, r.time_unexposed)
    assert (r.rate_ratio, r.ci_lower, r.ci_upper, r.p_value) == pytest.approx(expected)
    assert "association" in r.interpretation
    assert list(r.table["period"]) == ["exposed", "unexposed"]


def test_explicit_periods_and_zero_events_arm():
    log = _small_log()
    periods = pd.DataFrame({"start": [pd.Timestamp("2020-07-01")], "end": [pd.Timestamp("2020-09-01")]})
    r = sa.rate_ratio(log, exposed=periods, within="all")
    assert r.events_exposed == 0 and r.rate_ratio == 0
    assert np.isfinite(r.ci_upper) and r.ci_upper > 1
    assert "No onsets occurred" in r.interpretation


def test_zero_exposed_time_is_a_clear_error():
    log = _small_log()
    outside = pd.DataFrame({"start": [pd.Timestamp("2022-01-01")], "end": [pd.Timestamp("2022-02-01")]})
    with pytest.raises(ValueError, match="no time at risk falls inside"):
        sa.rate_ratio(log, exposed=outside, within="all")


def test_unknown_modality_lists_known_ones():
    treatments = pd.DataFrame(
        {"start": pd.to_datetime(["2020-02-01", "2020-04-01"]), "end": pd.to_datetime(["2020-02-02", "2020-04-02"]),
         "modality": ["massage", "chiropractic"]}
    )
    log = _small_log(treatments)
    with pytest.raises(ValueError, match="modalities present: chiropractic, massage"):
        sa.rate_ratio(log, exposed="acupuncture", within="all")


def test_bad_options():
    log = _small_log()
    periods = pd.DataFrame({"start": [pd.Timestamp("2020-07-01")], "end": [pd.Timestamp("2020-09-01")]})
    with pytest.raises(ValueError, match="carryover_days"):
        sa.rate_ratio(log, exposed=periods, carryover_days=-1, within="all")
    with pytest.raises(ValueError, match="confidence_level"):
        sa.rate_ratio(log, exposed=periods, confidence_level=1.5, within="all")
    with pytest.raises(ValueError, match="imprecise_onsets"):
        sa.rate_ratio(log, exposed=periods, imprecise_onsets="drop", within="all")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_simulated_rate_ratio(seed):
    rng = np.random.default_rng(seed)
    days = 4000
    course_starts = np.sort(rng.choice(np.arange(0, days - 60, 100), size=20, replace=False))
    periods = [(int(s), int(s) + 42) for s in course_starts]
    onsets = simulate_onset_days(
        rng, days=days, base_rate=1 / 20, duration=3, multiplier=lambda d: 0.4 if in_any(d, periods) else 1.0
    )
    treatments = pd.DataFrame(
        {"start": [START + pd.Timedelta(days=s) for s, _ in periods],
         "end": [START + pd.Timedelta(days=e) for _, e in periods], "modality": "massage"}
    )
    log = make_log(onsets, days=days, duration=3, treatments=treatments)
    r = sa.rate_ratio(log, exposed="massage", within="all")
    assert r.ci_lower < 0.4 < r.ci_upper
    assert abs(np.log(r.rate_ratio / 0.4)) < 0.6
    assert r.ci_upper < 1


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.tuples(st.integers(0, 360), st.integers(1, 60)), min_size=1, max_size=6), st.integers(0, 30))
def test_exposed_and_unexposed_partition_time_and_events(periods, carryover):
    log = _small_log()
    table = pd.DataFrame({
        "start": [pd.Timestamp("2020-01-01") + pd.Timedelta(days=s) for s, _ in periods],
        "end": [pd.Timestamp("2020-01-01") + pd.Timedelta(days=s + n) for s, n in periods],
    })
    cp = sa.to_counting_process(log).to_frame()
    try:
        r = sa.rate_ratio(log, exposed=table, carryover_days=carryover, within="all")
    except ValueError as error:  # all or none of the at-risk time exposed
        assert "time at risk" in str(error) or "unexposed time" in str(error)
        return
    assert r.time_exposed + r.time_unexposed == pytest.approx((cp["stop"] - cp["start"]).sum())
    assert r.events_exposed + r.events_unexposed == cp["event"].sum()
    assert 0 <= r.ci_lower <= r.ci_upper


def test_default_compares_within_the_persons_own_stretches():
    """A course in the bad stretch of a log whose rate stepped up eightfold, with no true effect."""
    log, truth = sa.simulate_scenario("step", effect="none", seed=3)
    crude = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14, within="all")
    safe = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14)
    assert crude.p_value < 0.05 and crude.ci_lower > 1  # the bad years against the quiet ones
    assert safe.ci_lower < 1 < safe.ci_upper
    assert (safe.events_exposed, safe.time_exposed) == (crude.events_exposed, crude.time_exposed)
    assert "same stretch of the person's own onset rate, season and time since the last episode" in safe.interpretation
    assert "within='all'" in safe.notes
    years = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14, within="years")
    assert "same year, season" in years.interpretation and years.rate_ratio != safe.rate_ratio
    with pytest.raises(ValueError, match="'stretches', 'years', 'half-years', 'quarters', 'all'"):
        sa.rate_ratio(log, exposed="physiotherapy", within="decade")


@pytest.mark.parametrize("scenario, seed", [("step", 3), ("clustered", 5), ("sessions", 8)])
def test_default_is_the_treatment_effect_comparison(scenario, seed):
    """Sessions plus 14 carry-over days are treatment_effect's default window: the same cells, the same answer."""
    log, _ = sa.simulate_scenario(scenario, effect="none", seed=seed)
    block = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14)
    answer = sa.treatment_effect(log, "physiotherapy")
    for field in ("rate_ratio", "ci_lower", "ci_upper", "p_value"):
        assert getattr(block, field) == pytest.approx(getattr(answer, field), rel=1e-12), field


def test_default_is_the_treatment_effect_comparison_when_ends_are_assumed():
    """Episodes with no written end: both take onset + assume_duration_days as the end (not the onset)."""
    log, _ = sa.simulate_scenario("clustered", effect="none", seed=5)
    episodes = log.episodes.copy()
    episodes.loc[episodes.index[::2], "end"] = pd.NaT
    log = log.replace(episodes=episodes)
    block = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14, assume_duration_days=5)
    answer = sa.treatment_effect(log, "physiotherapy", assume_duration_days=5)
    for field in ("rate_ratio", "ci_lower", "ci_upper", "p_value"):
        assert getattr(block, field) == pytest.approx(getattr(answer, field), rel=1e-12), field
