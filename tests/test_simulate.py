"""The simulators: seeds reproduce, and simple estimators recover the true parameters.

The estimators here are computed independently of the package's estimators:
events divided by at-risk time from ``sa.to_counting_process`` (whose at-risk
time excludes episode days), and a method-of-moments frailty variance.
"""

import math

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.simulate import Simulation, SimulationTruth, simulate_cohort, simulate_personal_log

NO_COVARIATE_EFFECTS = dict(age_hazard_ratio_per_10_years=1.0, sex_hazard_ratio=1.0, arm_hazard_ratio=1.0)


def _frames_equal(a: sa.EpisodeLog, b: sa.EpisodeLog) -> None:
    for name in ("episodes", "follow_up", "treatments", "exposures", "covariates"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def _split_rates(cp: pd.DataFrame, column: str) -> tuple[float, float, int]:
    """Events per year at risk off and on ``column``, and the events on it."""
    days = cp["stop"] - cp["start"]
    on = cp[column] == 1
    off_rate = cp["event"][~on].sum() / days[~on].sum() * 365.25
    on_rate = cp["event"][on].sum() / days[on].sum() * 365.25
    return off_rate, on_rate, int(cp["event"][on].sum())


def test_cohort_same_seed_same_log_other_seed_other_log():
    a = simulate_cohort(150, seed=11)
    b = simulate_cohort(150, seed=11)
    _frames_equal(a.log, b.log)
    pd.testing.assert_series_equal(a.frailty, b.frailty)
    assert a.truth == b.truth
    c = simulate_cohort(150, seed=12)
    assert not a.log.episodes["onset"].equals(c.log.episodes["onset"])


def test_personal_same_seed_same_log():
    _frames_equal(simulate_personal_log(seed=4).log, simulate_personal_log(seed=4).log)
    assert not simulate_personal_log(seed=4).log.episodes.equals(simulate_personal_log(seed=5).log.episodes)


def test_cohort_structure_and_truth():
    sim = simulate_cohort(400, seed=3, follow_up_years=2.0, treatment_hazard_ratio=0.7, frailty_variance=0.25)
    log, truth = sim
    assert isinstance(sim, Simulation) and isinstance(truth, SimulationTruth)
    assert log.n_subjects == 400
    assert list(log.covariates.columns) == ["subject", "age", "sex", "arm"]
    assert set(log.covariates["sex"]) == {0, 1} and set(log.covariates["arm"]) == {0, 1}
    assert log.covariates["age"].between(18, 90).all()
    ep = log.episodes
    assert (ep["end"] > ep["onset"]).all()
    # Episodes occupy time: the next onset of a subject comes after the previous end.
    same = ep["subject"].eq(ep["subject"].shift())
    assert (ep["onset"][same] > ep["end"].shift()[same]).all()
    days = (log.follow_up["end"] - log.follow_up["start"]).dt.total_seconds() / 86400
    assert np.allclose(days, 2.0 * 365.25, atol=1e-4)
    tr = log.treatments
    assert set(tr["modality"]) == {"physiotherapy"}
    assert ((tr["end"] - tr["start"]).dt.total_seconds() / 86400 <= 42 + 1e-6).all()
    assert truth.hazard_ratios["on_physiotherapy"] == 0.7
    assert truth.frailty_variance == 0.25
    assert math.isclose(truth.coefficients["age"], math.log(1.1) / 10)
    assert truth.to_dict()["settings"]["n_subjects"] == 400
    assert sim.frailty.index.equals(pd.Index(log.subjects, name="subject"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cohort_rate_and_treatment_hazard_ratio_recovered(seed):
    log, truth = simulate_cohort(3000, seed=seed, baseline_rate_per_year=4.0, treatment_hazard_ratio=0.5,
                                 frailty_variance=0.0, **NO_COVARIATE_EFFECTS)
    cp = sa.to_counting_process(log, treatments=["physiotherapy"]).to_frame()
    off_rate, on_rate, on_events = _split_rates(cp, "on_physiotherapy")
    assert on_events > 300
    # ~30 000 events off treatment: the rate's relative sd is about 0.6 %.
    assert off_rate == pytest.approx(4.0, rel=0.03)
    # ~1 000 events on treatment: the log rate ratio's sd is about 0.035.
    assert on_rate / off_rate == pytest.approx(0.5, rel=0.12)


def test_cohort_covariate_effect_recovered():
    log, _ = simulate_cohort(4000, seed=8, frailty_variance=0.0, arm_hazard_ratio=0.6, sex_hazard_ratio=1.0,
                             age_hazard_ratio_per_10_years=1.0, courses_per_subject=0)
    cp = sa.to_counting_process(log).to_frame()
    days = cp["stop"] - cp["start"]
    rate = cp["event"].groupby(cp["arm"]).sum() / days.groupby(cp["arm"]).sum()
    assert rate[1] / rate[0] == pytest.approx(0.6, rel=0.06)


def test_frailty_variance_recovered_by_moments():
    theta = 0.5
    log, _ = simulate_cohort(20000, seed=5, frailty_variance=theta, episode_days_mean=2.0, courses_per_subject=0,
                             treatment_hazard_ratio=1.0, **NO_COVARIATE_EFFECTS)
    cp = sa.to_counting_process(log).to_frame()
    per = cp.assign(days=cp["stop"] - cp["start"]).groupby("subject")[["event", "days"]].sum()
    mu = per["event"].sum() / per["days"].sum() * per["days"]
    # Var(N | at-risk time t) = mu + theta mu^2 for a mixed Poisson count (Lawless 1987).
    estimate = ((per["event"] - mu) ** 2 - per["event"]).sum() / (mu**2).sum()
    assert estimate == pytest.approx(theta, rel=0.1)
    no_frailty, _ = simulate_cohort(20000, seed=5, frailty_variance=0.0, episode_days_mean=2.0, courses_per_subject=0,
                                    treatment_hazard_ratio=1.0, **NO_COVARIATE_EFFECTS)
    cp0 = sa.to_counting_process(no_frailty).to_frame()
    per0 = cp0.assign(days=cp0["stop"] - cp0["start"]).groupby("subject")[["event", "days"]].sum()
    mu0 = per0["event"].sum() / per0["days"].sum() * per0["days"]
    assert abs(((per0["event"] - mu0) ** 2 - per0["event"]).sum() / (mu0**2).sum()) < 0.05


def test_cohort_episode_lengths_follow_the_distribution():
    log, truth = simulate_cohort(3000, seed=9, episode_days_mean=5.0, episode_days_sd=4.0)
    ep = log.episodes
    ep = ep[ep["end"] < log.follow_up.set_index("subject")["end"].reindex(ep["subject"]).to_numpy()]
    days = (ep["end"] - ep["onset"]).dt.total_seconds() / 86400
    assert days.mean() == pytest.approx(5.0, rel=0.05)
    assert days.std() == pytest.approx(4.0, rel=0.15)
    assert truth.episode_days["distribution"] == "lognormal"


def test_cohort_options_validated():
    with pytest.raises(ValueError, match="lognormal"):
        simulate_cohort(10, seed=1, episode_days_distribution="gamma")
    with pytest.raises(ValueError, match="treatment_hazard_ratio"):
        simulate_cohort(10, seed=1, treatment_hazard_ratio=0)
    with pytest.raises(ValueError, match="n_subjects"):
        simulate_cohort(0, seed=1)


def test_dropout_shortens_follow_up():
    log, _ = simulate_cohort(500, seed=2, dropout_rate_per_year=0.5)
    days = (log.follow_up["end"] - log.follow_up["start"]).dt.total_seconds() / 86400
    assert days.max() <= 3 * 365.25 + 1e-6
    # P(no drop-out in 3 years) = exp(-1.5) = 0.22
    assert (days < 3 * 365.25 - 1).mean() == pytest.approx(1 - math.exp(-1.5), abs=0.06)


def test_personal_log_contents():
    log, truth = simulate_personal_log(seed=3)
    assert log.is_personal
    ep = log.episodes
    assert {"severity", "region", "side", "trigger"} <= set(ep.columns)
    assert ep["severity"].between(0, 10).all() and (ep["end"] > ep["onset"]).all()
    assert set(log.modalities) >= {"physiotherapy", "chiropractic", "acupuncture", "trigger_point_therapy", "muscle_relaxant"}
    ex = log.exposures
    recorded = pd.date_range("2019-01-01", "2023-12-31", freq="D")
    for name in ("cold_pool", "long_sitting"):
        days = ex.loc[ex["exposure"] == name, "time"]
        assert days.reset_index(drop=True).equals(pd.Series(recorded, name="time"))
    assert set(ex["value"]) == {0.0, 1.0}
    assert truth.hazard_ratios["on_physiotherapy"] == 0.5 and truth.hazard_ratios["on_chiropractic"] == 1.0


def _pooled_personal(seeds, **options):
    """Day-level events and at-risk days pooled over seeds, with the day's exposures."""
    rows = []
    for seed in seeds:
        log, _ = simulate_personal_log(seed=seed, **options)
        treated = "physiotherapy" in log.modalities
        cp = sa.to_counting_process(log, treatments=["physiotherapy"] if treated else None).to_frame()
        if not treated:
            cp["on_physiotherapy"] = 0
        # Every interval has whole-day ends: expand it into the days (d-1, d] it covers.
        lengths = (cp["stop"] - cp["start"]).round().astype(int).to_numpy()
        day = np.concatenate([np.arange(a, b) + 1 for a, b in zip(cp["start"].round().astype(int), cp["stop"].round().astype(int))])
        frame = pd.DataFrame({"day": day, "event": 0, "on": np.repeat(cp["on_physiotherapy"].to_numpy(), lengths)})
        frame.loc[np.cumsum(lengths)[cp["event"].to_numpy() == 1] - 1, "event"] = 1
        start = log.follow_up["start"].iloc[0]
        ex = log.exposures
        for name in ("cold_pool", "long_sitting"):
            happened = ex.loc[(ex["exposure"] == name) & (ex["value"] == 1), "time"]
            happened_day = ((happened - start).dt.days).to_numpy()
            recent = np.isin(frame["day"] - 1, happened_day) | np.isin(frame["day"] - 2, happened_day)
            frame[name] = recent.astype(int)
        first_recorded = (ex["time"].min() - start).days
        frame["recorded"] = frame["day"] - 2 >= first_recorded
        frame["seed"] = seed
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_personal_treatment_rate_ratio_recovered():
    days = _pooled_personal(range(20), trigger_rate_ratios={}, trigger_probabilities={}, n_courses=10, course_days=90,
                            rate_per_year=10)
    rate = days.groupby("on")["event"].mean()
    # ~200 events on a course: log rate ratio sd about 0.075.
    assert days.loc[days["on"] == 1, "event"].sum() > 150
    assert rate[1] / rate[0] == pytest.approx(0.5, rel=0.2)
    assert rate[0] * 365.25 == pytest.approx(10, rel=0.06)


def test_personal_trigger_effects_recovered_within_two_days():
    days = _pooled_personal(range(12), n_courses=0)
    days = days[days["recorded"]]
    for name, ratio in (("cold_pool", 3.0), ("long_sitting", 2.0)):
        other = "long_sitting" if name == "cold_pool" else "cold_pool"
        # Stratify on the other trigger (Mantel-Haenszel rate ratio).
        num = den = 0.0
        for _, g in days.groupby(other):
            exposed, unexposed = g[g[name] == 1], g[g[name] == 0]
            total = len(g)
            num += exposed["event"].sum() * len(unexposed) / total
            den += unexposed["event"].sum() * len(exposed) / total
        assert num / den == pytest.approx(ratio, rel=0.2), name


def test_personal_rising_rate():
    days = _pooled_personal(range(15), rate_trend=3.0, rate_per_year=8.0, trigger_rate_ratios={}, trigger_probabilities={},
                            n_courses=0)
    n_days = days["day"].max()
    early = days[days["day"] <= n_days / 5]["event"].mean()
    late = days[days["day"] > 4 * n_days / 5]["event"].mean()
    # Log-linear rate: the last fifth averages 3**0.8 times the first fifth.
    assert late / early == pytest.approx(3.0**0.8, rel=0.2)


def test_personal_options_validated():
    with pytest.raises(ValueError, match="same triggers"):
        simulate_personal_log(seed=1, trigger_rate_ratios={"cold_pool": 2.0}, trigger_probabilities={})
    with pytest.raises(ValueError, match=r"trigger_probabilities\['x'\]=1.5 is not valid; allowed values: a number >= 0 and <= 1"):
        simulate_personal_log(seed=1, trigger_rate_ratios={"x": 2.0}, trigger_probabilities={"x": 1.5})
    with pytest.raises(ValueError, match="exposures_recorded_from"):
        simulate_personal_log(seed=1, exposures_recorded_from="2030-01-01")
