"""Cox models (Andersen-Gill, PWP, WLW) against R's coxph.

Reference values: tests/reference/cox_coefficients.csv and cox_fit_stats.csv,
produced by tests/reference/make_cox_reference.R (R 4.2.2, survival 3.5.3).
Tolerances: coefficients, model SE and robust SE within 1e-6
relative; log-likelihood within 1e-8 relative.
"""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import COVARIATES, coefficients, fit_stats, load_data

RTOL = 1e-6
LOGLIK_RTOL = 1e-8

CASES = [
    # (dataset, R model name, how to fit it)
    ("bladder2", "ag", lambda d, ties: sa.andersen_gill(d, COVARIATES["bladder2"], ties=ties)),
    ("bladder2", "pwp_total", lambda d, ties: sa.pwp(d, COVARIATES["bladder2"], ties=ties)),
    ("bladder2", "pwp_gap",
     lambda d, ties: sa.pwp(d, COVARIATES["bladder2"], scale="gap", ties=ties)),
    ("bladder2", "ag_weighted",
     lambda d, ties: sa.cox(d.assign(w=1 + (d["subject"] % 3) / 2), COVARIATES["bladder2"],
                            ties=ties, weights="w")),
    # WLW built by us from the counting-process bladder2 frame, compared with R's
    # fit on its own marginal data set `bladder`
    ("bladder", "wlw", lambda d, ties: sa.wlw(load_data("bladder2"), COVARIATES["bladder"],
                                              ties=ties)),
    ("cgd", "ag", lambda d, ties: sa.andersen_gill(d, COVARIATES["cgd"], ties=ties)),
]


def _check_against_r(fit, dataset, model, ties):
    ref = coefficients(dataset, model, ties)
    stats = fit_stats(dataset, model, ties)
    names = list(ref.index)
    np.testing.assert_allclose(fit.params[names], ref["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.std_errors[names], ref["se"], rtol=RTOL)
    np.testing.assert_allclose(fit.robust_std_errors[names], ref["robust_se"], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, stats["loglik"], rtol=LOGLIK_RTOL)
    np.testing.assert_allclose(fit.loglik_null, stats["loglik_null"], rtol=LOGLIK_RTOL)
    assert fit.n == stats["n"]
    assert fit.n_events == stats["n_events"]
    assert fit.iterations == stats["iterations"]
    np.testing.assert_allclose(fit.wald_test.chisq, stats["robust_wald_chisq"], rtol=RTOL)
    np.testing.assert_allclose(fit.score_test.chisq, stats["score_chisq"], rtol=RTOL)
    np.testing.assert_allclose(fit.robust_score_test.chisq, stats["robust_score_chisq"], rtol=RTOL)
    np.testing.assert_allclose(fit.likelihood_ratio_test.chisq,
                               2 * (stats["loglik"] - stats["loglik_null"]), rtol=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("dataset, model, fit", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_matches_r_coxph(dataset, model, fit, ties):
    result = fit(load_data(dataset), ties)
    _check_against_r(result, dataset, model, ties)
    assert result.ties == ties
    assert result.converged


def test_wlw_on_r_marginal_data_matches_r():
    """The engine alone on R's own WLW rows (strata = enum) gives R's numbers."""
    data = load_data("bladder")
    fit = sa.cox(data, COVARIATES["bladder"], strata="episode")
    _check_against_r(fit, "bladder", "wlw", "efron")


def test_andersen_gill_equals_cox_without_strata():
    data = load_data("bladder2")
    a = sa.andersen_gill(data, COVARIATES["bladder2"])
    b = sa.cox(data, COVARIATES["bladder2"])
    pd.testing.assert_series_equal(a.params, b.params)
    assert a.model == "Andersen-Gill" and b.model == "Cox"


def test_pwp_computes_episode_when_column_missing():
    data = load_data("bladder2")
    with_column = sa.pwp(data, COVARIATES["bladder2"])
    without = sa.pwp(data.drop(columns="episode"), COVARIATES["bladder2"])
    np.testing.assert_allclose(without.params, with_column.params, rtol=1e-12)


def test_cluster_none_turns_robust_variance_off():
    data = load_data("bladder2")
    fit = sa.andersen_gill(data, COVARIATES["bladder2"], cluster=None)
    assert fit.robust_std_errors is None and fit.robust_score_test is None
    ref = coefficients("bladder2", "ag", "efron")
    np.testing.assert_allclose(fit.std_errors[ref.index], ref["se"], rtol=RTOL)
    assert fit.summary["robust se"].isna().all()
    # without a robust variance the Wald test uses the model-based one
    np.testing.assert_allclose(fit.wald_test.chisq,
                               fit_stats("bladder2", "ag", "efron")["wald_chisq"], rtol=RTOL)


def test_row_order_does_not_matter():
    data = load_data("cgd")
    shuffled = data.sample(frac=1.0, random_state=7)
    a = sa.andersen_gill(data, COVARIATES["cgd"])
    b = sa.andersen_gill(shuffled, COVARIATES["cgd"])
    np.testing.assert_allclose(b.params, a.params, rtol=1e-10)
    np.testing.assert_allclose(b.robust_std_errors, a.robust_std_errors, rtol=1e-10)


def test_splitting_rows_leaves_the_fit_unchanged():
    """A row split in two at a time inside it has the same risk sets (time-varying form)."""
    data = load_data("bladder2")
    long_rows = data[(data["stop"] - data["start"]) > 2]
    row = long_rows.index[0]
    mid = (data.at[row, "start"] + data.at[row, "stop"]) / 2
    left = data.loc[[row]].assign(stop=mid, event=0)
    right = data.loc[[row]].assign(start=mid)
    split = pd.concat([data.drop(index=row), left, right], ignore_index=True)
    a = sa.andersen_gill(data, COVARIATES["bladder2"])
    b = sa.andersen_gill(split, COVARIATES["bladder2"])
    assert b.n == a.n + 1
    np.testing.assert_allclose(b.params, a.params, rtol=1e-10)
    np.testing.assert_allclose(b.robust_std_errors, a.robust_std_errors, rtol=1e-10)
    np.testing.assert_allclose(b.loglik, a.loglik, rtol=1e-12)


def test_row_starting_at_event_time_is_not_at_risk():
    """(start, stop]: a row entering at t is not in the risk set of an event at t."""
    data = pd.DataFrame({"subject": [1, 2, 3, 4], "start": [0.0, 0.0, 2.0, 0.0],
                         "stop": [2.0, 3.0, 5.0, 4.0], "event": [1, 1, 1, 0],
                         "x": [1.0, 0.0, 5.0, 1.0]})
    fit = sa.cox(data, ["x"], cluster=None)
    # hand computation of the log partial likelihood at beta = 0:
    # t=2: risk set {1,2,4} (row 3 starts at 2) -> log 3; t=3: {2,3,4} -> log 3; t=5: {3} -> 0
    np.testing.assert_allclose(fit.loglik_null, -2 * np.log(3), rtol=1e-14)


def test_episode_log_is_converted_to_counting_process():
    rng = np.random.default_rng(3)
    subjects = [f"s{i}" for i in range(30)]
    onsets, follow = [], []
    for i, s in enumerate(subjects):
        count = int(rng.integers(1, 6))
        days = np.sort(rng.choice(np.arange(5, 360, 7), size=count, replace=False))
        onsets += [(s, pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(d))) for d in days]
        follow.append((s, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31")))
    episodes = pd.DataFrame(onsets, columns=["subject", "onset"])
    episodes["end"] = episodes["onset"] + pd.Timedelta(days=2)
    follow_up = pd.DataFrame(follow, columns=["subject", "start", "end"])
    covariates = pd.DataFrame({"subject": subjects, "x": np.arange(30) % 2})
    log = sa.EpisodeLog(episodes, follow_up=follow_up, covariates=covariates)
    from_log = sa.andersen_gill(log, ["x"])
    from_frame = sa.andersen_gill(sa.to_counting_process(log), ["x"])
    pd.testing.assert_series_equal(from_log.params, from_frame.params)
    assert from_log.n_events == len(episodes)


def test_strata_from_two_columns():
    data = load_data("bladder2")
    data["late"] = (data["episode"] > 2).astype(int)
    two = sa.cox(data, ["number", "size"], strata=["rx", "late"])
    combined = sa.cox(data.assign(both=data["rx"] * 10 + data["late"]), ["number", "size"],
                      strata="both")
    np.testing.assert_allclose(two.params, combined.params, rtol=1e-12)
    assert two.strata == ("rx", "late")


def test_stratum_without_events_contributes_nothing():
    data = load_data("bladder2")
    data.loc[data["episode"] == 4, "event"] = 0
    with_empty = sa.pwp(data, COVARIATES["bladder2"])
    without = sa.pwp(data[data["episode"] != 4], COVARIATES["bladder2"])
    np.testing.assert_allclose(with_empty.params, without.params, rtol=1e-10)
    np.testing.assert_allclose(with_empty.robust_std_errors, without.robust_std_errors, rtol=1e-10)
    np.testing.assert_allclose(with_empty.loglik, without.loglik, rtol=1e-12)
