"""CountingProcess: the rules it owns (zero-length rows, tied onsets, near ties, episode
numbers, subject apart from cluster), checked by hand and against R (survival 3.5.3)."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import spasm_analysis as sa

REF = Path(__file__).parent / "reference"
COX_RTOL = 1e-6   # the Cox tolerance of the project
MCF_RTOL = 1e-8   # the MCF tolerance of the project


def read(name):
    return pd.read_csv(REF / name, comment="#")


# ------------------------------------------------------------------ wrong answers, fixed
def test_gap_times_with_subjects_out_of_order():
    """Subject "b" rows before "a": a's first gap is 3, and a censored gap is never an onset."""
    rows = pd.DataFrame({"subject": ["b", "b", "a", "a"], "start": [0.0, 5.0, 0.0, 3.0],
                         "stop": [5.0, 9.0, 3.0, 10.0], "event": [1, 0, 1, 0], "episode": [1, 2, 1, 2]})
    table = sa.gap_times(rows).table.set_index(["subject", "episode"])
    assert table.loc[("a", 1), "gap_days"] == 3.0 and not table.loc[("a", 1), "censored"]
    assert table.loc[("a", 2), "gap_days"] == 7.0 and table.loc[("a", 2), "censored"]
    assert table.loc[("b", 1), "gap_days"] == 5.0 and not table.loc[("b", 1), "censored"]
    assert table.loc[("b", 2), "gap_days"] == 4.0 and table.loc[("b", 2), "censored"]


def _bladder1():
    return read("data/bladder1.csv")


def test_bladder1_zero_length_rows_dropped_cox_matches_r():
    ref = read("bladder1_coxph.csv").set_index("term")
    with pytest.warns(sa.ZeroLengthRowsWarning, match="2 row"):
        fit = sa.andersen_gill(_bladder1(), list(ref.index))
    assert fit.n == ref["n"].iloc[0] == 292 and fit.n_events == ref["n_events"].iloc[0]
    np.testing.assert_allclose(fit.params[ref.index], ref["coef"], rtol=COX_RTOL)
    np.testing.assert_allclose(fit.std_errors[ref.index], ref["se"], rtol=COX_RTOL)
    np.testing.assert_allclose(fit.robust_std_errors[ref.index], ref["robust_se"], rtol=COX_RTOL)


def test_bladder1_zero_length_rows_dropped_mcf_matches_survfit():
    ref = read("bladder1_survfit.csv")
    ref = ref[ref["n_event"] > 0].reset_index(drop=True)
    with pytest.warns(sa.ZeroLengthRowsWarning, match="2 row"):
        table = sa.mcf(_bladder1()).table
    np.testing.assert_array_equal(table["time"], ref["time"])
    np.testing.assert_array_equal(table["n_at_risk"], ref["n_risk"])
    np.testing.assert_allclose(table["mcf"], ref["cumhaz"], rtol=MCF_RTOL)
    np.testing.assert_allclose(table["std_error"], ref["std_chaz"], rtol=MCF_RTOL)


@pytest.mark.parametrize("model", ["pwp-total", "pwp-gap", "wlw"])
def test_families_subject_apart_from_cluster_matches_r(model):
    """coxph(Surv(...) ~ x + strata(enum), cluster = family): episodes per subject, clusters per family."""
    data = read("data/families.csv").drop(columns="enum")
    ref = read("families_coxph.csv").set_index("model").loc[model]
    if model == "wlw":
        fit = sa.wlw(data, ["x"], cluster="family")
    else:
        fit = sa.pwp(data, ["x"], scale=model.split("-")[1], cluster="family")
    assert fit.n == ref["n"] and fit.n_events == ref["n_events"]
    assert fit.n_clusters == data["family"].nunique()
    np.testing.assert_allclose(fit.params["x"], ref["coef"], rtol=COX_RTOL)
    np.testing.assert_allclose(fit.std_errors["x"], ref["se"], rtol=COX_RTOL)
    np.testing.assert_allclose(fit.robust_std_errors["x"], ref["robust_se"], rtol=COX_RTOL)


def test_two_onsets_at_one_instant_count_twice():
    """reda::mcf counts dN = 2 for a subject with two onsets at t (valveSeats has such ties)."""
    rows = pd.DataFrame({"subject": ["a", "a", "a", "b", "c"], "start": [0.0, 4.0, 4.0, 0.0, 0.0],
                         "stop": [4.0, 4.0, 10.0, 8.0, 6.0], "event": [1, 1, 0, 1, 0]})
    cp = sa.CountingProcess.from_frame(rows)
    assert cp.n_tied_onsets == 1 and cp.n_zero_length_dropped == 0 and cp.n_events == 3
    table = sa.mcf(rows).table
    # t = 4: 3 subjects at risk, a has 2 onsets; t = 8: a and b at risk (c left at 6)
    np.testing.assert_allclose(table["mcf"], [2 / 3, 2 / 3 + 1 / 2], rtol=1e-15)
    assert list(table["n_events"]) == [2, 1]
    # Lawless-Nadeau by hand: S_i(t) = sum Y_i/Y (dN_i - dN/Y)
    s_a = (2 - 2 / 3) / 3 + (0 - 1 / 2) / 2
    s_b = (0 - 2 / 3) / 3 + (1 - 1 / 2) / 2
    s_c = (0 - 2 / 3) / 3
    np.testing.assert_allclose(table["std_error"].iloc[-1], np.sqrt(s_a**2 + s_b**2 + s_c**2), rtol=1e-12)
    gaps = sa.gap_times(rows).table
    assert list(gaps.loc[gaps["subject"] == "a", "episode"]) == [1, 3]


def test_near_ties_one_rule_for_mcf_and_cox():
    """2 and sqrt(2)**2 are one time for the MCF as for the Cox model (R's timefix)."""
    near = np.sqrt(2.0) ** 2
    assert near != 2.0
    rows = pd.DataFrame({"subject": ["a", "b", "c", "d"], "start": 0.0,
                         "stop": [2.0, near, 3.0, 5.0], "event": [1, 1, 1, 0], "x": [0, 1, 0, 1]})
    table = sa.mcf(rows).table
    assert list(table["n_events"]) == [2, 1] and table["time"].iloc[0] == 2.0
    exact = sa.cox(rows.assign(stop=[2.0, 2.0, 3.0, 5.0]), ["x"])
    nudged = sa.cox(rows, ["x"])
    assert nudged.params["x"] == exact.params["x"]
    assert sa.CountingProcess.from_frame(rows).n_near_ties_merged == 1


def test_single_cluster_is_a_clear_error():
    rows = pd.DataFrame({"subject": ["a", "a", "b", "b", "c"], "family": "f1",
                         "start": [0.0, 2.0, 0.0, 3.0, 0.0], "stop": [2.0, 9.0, 3.0, 8.0, 7.0],
                         "event": [1, 0, 1, 1, 1], "x": [0, 0, 1, 1, 0]})
    with pytest.raises(ValueError, match="single cluster .*family = 'f1'.*cluster=None"):
        sa.andersen_gill(rows, ["x"], cluster="family")
    assert np.isfinite(sa.andersen_gill(rows, ["x"], cluster=None).params["x"])
    assert sa.andersen_gill(rows, ["x"]).n_clusters == 3


def test_type_is_frozen_and_records_how_it_was_built():
    log, _ = sa.simulate_cohort(5, seed=1)
    cp = sa.to_counting_process(log, risk_free_days=2)
    assert isinstance(cp, sa.CountingProcess)
    assert cp.time_scale == "calendar" and cp.risk_free_days == 2 and set(cp.origin) == set(cp.subjects)
    assert list(cp.subjects) == sorted(cp.subjects)
    with pytest.raises(ValueError):
        cp.event[0] = 5
    with pytest.raises(AttributeError):
        cp.time_scale = "gap"
    frame = cp.to_frame()
    assert list(frame.columns[:5]) == ["subject", "start", "stop", "event", "episode"]
    assert sa.CountingProcess.from_frame(frame).to_frame().drop(columns=[]).equals(frame)


def test_overlapping_rows_refused_by_mcf_not_by_cox():
    rows = pd.DataFrame({"subject": ["a", "a", "b", "c"], "start": [0.0, 3.0, 0.0, 0.0],
                         "stop": [5.0, 9.0, 7.0, 4.0], "event": [1, 0, 1, 1], "x": [1, 1, 0, 1]})
    with pytest.raises(sa.LogValidationError, match="overlaps row .* of subject 'a'"):
        sa.mcf(rows)
    sa.cox(rows, ["x"], cluster=None)


# ------------------------------------------------------------------ invariance property
def _cohort(seed):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(12):
        t, x, arm = 0.0, int(rng.integers(0, 2)), s % 2
        end = float(rng.integers(30, 60))
        while True:
            t_next = t + float(rng.integers(1, 15))
            if t_next >= end:
                rows.append((f"s{s:02d}", t, end, 0, x, arm))
                break
            rows.append((f"s{s:02d}", t, t_next, 1, x, arm))
            t = t_next + float(rng.integers(0, 2))
    return pd.DataFrame(rows, columns=["subject", "start", "stop", "event", "x", "arm"])


def _results(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ag = sa.andersen_gill(frame, ["x"])
        pwp = sa.pwp(frame, ["x"])
        wlw = sa.wlw(frame, ["x"], max_episodes=3)
    gaps = sa.gap_times(frame).table.copy()
    return {
        "mcf": sa.mcf(frame, by="arm").table[["group", "time", "mcf", "std_error"]].to_numpy(float),
        "mcf_test": np.array([sa.mcf_test(frame, by="arm").statistic, sa.mcf_test(frame, by="arm").variance]),
        "gaps": gaps.sort_values(["episode", "gap_days", "censored"])[["episode", "gap_days", "censored"]].to_numpy(float),
        "cox": np.array([m.params["x"] for m in (ag, pwp, wlw)] + [m.robust_std_errors["x"] for m in (ag, pwp, wlw)]),
    }


@settings(max_examples=8, derandomize=True, deadline=None)
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_permuting_rows_or_relabelling_subjects_changes_nothing(seed, rnd):
    frame = _cohort(seed % 50)
    expected = _results(frame)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    names = sorted(frame["subject"].unique())
    new_names = names[:]
    rnd.shuffle(new_names)
    relabel = {old: f"z{new}" for old, new in zip(names, new_names)}
    changed = frame.iloc[order].assign(subject=lambda d: d["subject"].map(relabel)).reset_index(drop=True)
    got = _results(changed)
    for key in ("mcf", "mcf_test", "cox"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-10, atol=1e-13, err_msg=key)
    np.testing.assert_array_equal(got["gaps"], expected["gaps"])


def test_every_estimator_takes_the_counting_process_as_the_frame_or_the_log():
    """mcf, mcf_test, gap_times and the Cox wrappers give the same numbers from a
    CountingProcess as from its frame, and from a log as from its to_counting_process."""
    frame = _cohort(3)
    cp = sa.CountingProcess.from_frame(frame)
    from_frame, from_cp = _results(frame), _results(cp)
    for key in from_frame:
        np.testing.assert_array_equal(from_cp[key], from_frame[key], err_msg=key)
    log, _ = sa.simulate_cohort(30, seed=4)
    built = sa.to_counting_process(log)
    arm = "arm"
    pairs = [
        (lambda d: sa.mcf(d).table[["time", "mcf", "std_error"]].to_numpy(float)),
        (lambda d: np.array([sa.mcf_test(d, by=arm).statistic, sa.mcf_test(d, by=arm).variance])),
        (lambda d: sa.gap_times(d).table[["episode", "gap_days"]].to_numpy(float)),
        (lambda d: sa.andersen_gill(d, [arm]).robust_std_errors.to_numpy()),
        (lambda d: sa.pwp(d, [arm], scale="gap").params.to_numpy()),
        (lambda d: sa.wlw(d, [arm], max_episodes=3).params.to_numpy()),
    ]
    for k, analysis in enumerate(pairs):
        np.testing.assert_array_equal(analysis(built), analysis(log), err_msg=str(k))
