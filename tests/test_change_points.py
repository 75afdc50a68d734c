"""sa.change_points: Worsley's likelihood ratio, binary segmentation, stretches on the at-risk clock.

Reference numbers: tests/reference/make_change_point_reference.R (R 4.2.2): the
maximised statistic and the cut on the coal-mining explosions (boot::coal), the
stretches' exact intervals from stats::poisson.test, and quantiles of the null
distribution from 200,000 draws made in R.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from change_point_logs import step_log
from spasm_analysis.personal.worsley import max_likelihood_ratio, segment, split_p_value

REF = Path(__file__).parent / "reference"
R = pd.read_csv(REF / "change_point_reference.csv", comment="#").set_index("name")["value"].astype(float)
COAL = pd.read_csv(REF / "data" / "coal_explosions.csv", comment="#")["day"].to_numpy(float)


def test_coal_statistic_and_cut_match_r():
    statistic, u, n1 = max_likelihood_ratio(COAL, R["coal_total"])
    assert statistic == pytest.approx(R["coal_statistic"], rel=1e-12)
    assert u == pytest.approx(R["coal_u"], rel=1e-12)
    assert n1 == R["coal_n1"]


@pytest.mark.parametrize("level, suffix", [(0.95, ""), (0.9, "_90")])
def test_coal_stretches_match_r_poisson_test(level, suffix):
    result = sa.change_points(COAL, end=R["coal_total"], max_changes=1, confidence_level=level, null="poisson")
    seg = result.segments
    assert seg["events"].tolist() == [R["coal_n1"], R["coal_n"] - R["coal_n1"]]
    assert seg["start"].tolist() == [0.0, pytest.approx(R["coal_u"], rel=1e-12)]
    assert seg.at[0, "ci_lower"] == pytest.approx(R["before_lower" + suffix], rel=1e-10)
    assert seg.at[0, "ci_upper"] == pytest.approx(R["before_upper" + suffix], rel=1e-10)
    if not suffix:
        for k, name in enumerate(("before", "after")):
            for column, key in (("rate_per_year", "rate"), ("ci_lower", "lower"), ("ci_upper", "upper")):
                assert seg.at[k, column] == pytest.approx(R[f"{name}_{key}"], rel=1e-10)
    assert result.p_value == pytest.approx(1 / 10000)  # nothing in 9,999 null draws comes near 71.9


def test_coal_rate_dropped_around_1890():
    result = sa.change_points(COAL, end=R["coal_total"])
    first = result.changes.sort_values("p_value").iloc[0]
    assert 1851 + first["date"] / 365.25 == pytest.approx(1890.19, abs=0.01)
    assert first["rate_before"] > 3 * first["rate_after"]


def test_one_stretch_matches_r_poisson_test_when_max_changes_is_zero():
    result = sa.change_points(COAL, end=R["coal_total"], max_changes=0)
    row = result.segments.iloc[0]
    assert (row["rate_per_year"], row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (R["whole_rate"], R["whole_lower"], R["whole_upper"]), rel=1e-10)
    assert result.p_value <= 0.001 and result.changes.empty  # 1 / (999 + 1): nothing in the reorderings comes near


@pytest.mark.parametrize("n", [5, 10, 50])
@pytest.mark.parametrize("prob", [0.5, 0.9, 0.95, 0.99])
def test_null_distribution_agrees_with_r_simulation(n, prob):
    """Our p-value at R's quantile is 1 - prob, within 4 Monte Carlo standard errors of both simulations."""
    q = R[f"null_n{n}_q{round(100 * prob):02d}"]
    tail = 1 - prob
    se = np.sqrt(tail * prob / 9999) + np.sqrt(tail * prob / R["null_draws"])
    assert split_p_value(q, n) == pytest.approx(tail, abs=4 * se)


def test_false_detection_rate_on_constant_rate_is_about_alpha():
    rng = np.random.default_rng(20261201)
    detected = [segment(rng.uniform(0, 1000, rng.poisson(30)), 1000.0).test.p_value < 0.05 for _ in range(400)]
    assert 0.025 <= np.mean(detected) <= 0.08


def _clustered_gaps(rng, n):
    """Renewal gaps with a raised hazard soon after an episode (3x for 30 days), base 6 a year."""
    base = 6 / 365.25
    first = rng.exponential(1 / (3 * base), n)
    return np.where(first <= 30, first, 30 + rng.exponential(1 / base, n))


def test_clustered_constant_rate_is_not_a_change_under_the_renewal_null():
    rng = np.random.default_rng(5)
    renewal, poisson = [], []
    for _ in range(150):
        onsets = np.cumsum(_clustered_gaps(rng, 80))
        total = onsets[-1] + 20.0
        renewal.append(segment(onsets, total).test.p_value < 0.05)
        poisson.append(segment(onsets, total, null="poisson").test.p_value < 0.05)
    assert np.mean(renewal) <= 0.09
    assert np.mean(poisson) > 2 * np.mean(renewal)  # the Poisson null mistakes clusters for changes


def test_renewal_null_keeps_its_level_on_poisson_onsets():
    rng = np.random.default_rng(6)
    detected = [segment(rng.uniform(0, 1000, 40), 1000.0).test.p_value < 0.05 for _ in range(200)]
    assert 0.02 <= np.mean(detected) <= 0.09


def test_step_up_from_once_a_year_to_every_few_weeks():
    log = step_log(seed=7, remembered_before="2013-01-01", n_year=3)
    result = sa.change_points(log, assume_duration_days=3)
    seg = result.segments
    assert len(seg) == 2 and result.p_value <= 0.001
    assert pd.Timestamp("2014-10-01") <= seg.at[1, "start"] <= pd.Timestamp("2015-03-01")
    assert seg.at[1, "start"] in set(log.episodes["onset"])  # a change sits at an onset
    assert seg["start"].iloc[0] == pd.Timestamp("2004-01-01") and seg["end"].iloc[-1] == pd.Timestamp("2016-12-31")
    assert seg.at[0, "rate_per_year"] == pytest.approx(10 / seg.at[0, "days_at_risk"] * 365.25)
    assert seg.at[0, "ci_lower"] < 1 < seg.at[0, "ci_upper"]
    assert seg.at[1, "ci_lower"] > 10
    assert "about once a year" in result.interpretation and "weeks" in result.interpretation
    assert "step up" in result.interpretation


def test_imprecise_onsets_are_placed_not_dropped_and_their_sensitivity_shown():
    log = step_log(seed=7, remembered_before="2013-01-01", n_year=3)
    result = sa.change_points(log, assume_duration_days=3)
    assert result.n_events == len(log.episodes)  # every onset is an event
    assert result.n_imprecise == int((log.episodes["onset_precision"] != "day").sum()) == 6
    assert list(result.sensitivity["placement"][:3]) == ["midpoint", "earliest", "latest"]
    assert len(result.sensitivity) == 23
    assert (result.sensitivity["n_changes"] == 1).all()
    assert "placed mid-period" in result.notes


def test_days_at_risk_exclude_episode_days():
    log = step_log(seed=7)
    result = sa.change_points(log)
    cp = sa.to_counting_process(log)
    assert result.segments["days_at_risk"].sum() == pytest.approx((cp["stop"] - cp["start"]).sum())
    assert result.segments["events"].sum() == cp["event"].sum() == result.n_events


def test_constant_rate_log_gives_one_stretch():
    log = step_log(seed=3, steps=(), base_per_year=6.0)
    result = sa.change_points(log)
    assert len(result.segments) == 1 and result.p_value > 0.05
    assert result.changes.empty
    assert "No change in the onset rate was found" in result.interpretation


def test_progress_plateaued_after_a_step_down():
    log = step_log(seed=11, start="2010-01-01", end="2020-12-31", base_per_year=12.0,
                   steps=(("2014-01-01", 3 / 12),))
    result = sa.change_points(log)
    assert len(result.segments) == 2
    assert result.segments["rate_per_year"].iloc[0] > 3 * result.segments["rate_per_year"].iloc[1]
    assert "step down" in result.interpretation and "stayed level" in result.interpretation
    assert result.current["start"] == result.segments["start"].iloc[-1]


def test_several_changes_are_found_in_time_order():
    log = step_log(seed=5, start="2005-01-01", end="2020-12-31", base_per_year=1.0,
                   steps=(("2010-01-01", 12.0), ("2015-01-01", 3.0)))
    result = sa.change_points(log)
    seg = result.segments
    assert len(seg) == 3
    assert seg["start"].is_monotonic_increasing and (seg["start"].iloc[1:].values == seg["end"].iloc[:-1].values).all()
    assert list(result.changes["date"]) == list(seg["start"].iloc[1:])
    limited = sa.change_points(log, max_changes=1)
    assert len(limited.segments) == 2


def test_results_are_deterministic():
    log = step_log(seed=7, remembered_before="2013-01-01")
    a = sa.change_points(log, assume_duration_days=3)
    b = sa.change_points(log, assume_duration_days=3)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    assert a.p_value == b.p_value


def test_several_people_must_be_analysed_one_at_a_time():
    one, two = step_log(seed=1, subject="ann"), step_log(seed=2, subject="bob")
    both = sa.EpisodeLog(pd.concat([one.episodes, two.episodes]), follow_up=pd.concat([one.follow_up, two.follow_up]))
    with pytest.raises(ValueError, match="holds 2 people; pass subject="):
        sa.change_points(both)
    alone = sa.change_points(both, subject="bob")
    pd.testing.assert_frame_equal(alone.segments, sa.change_points(two).segments)


@pytest.mark.parametrize("options, message", [
    ({"max_changes": -1}, "max_changes"), ({"max_changes": 1.5}, "max_changes"), ({"alpha": 0}, "alpha"),
    ({"confidence_level": 95}, "confidence_level"), ({"n_placements": -2}, "n_placements"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        sa.change_points(step_log(seed=1), **options)


def test_array_input_checks():
    with pytest.raises(ValueError, match="end="):
        sa.change_points([1.0, 2.0])
    with pytest.raises(ValueError, match="element 1"):
        sa.change_points([1.0, 20.0], end=10.0)


def test_display_and_plot():
    result = sa.change_points(step_log(seed=7))
    assert "<table" in result._repr_html_() and "Stretches of constant onset rate" in result._repr_html_()
    ax = result.plot()
    assert len(ax.lines) >= 2 * len(result.segments)
    assert result.table is result.segments


def test_docstring_examples_run():
    import doctest
    import importlib

    for name in ("change_points", "risk_clock", "worsley"):
        module = importlib.import_module(f"spasm_analysis.personal.{name}")
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module.__name__
