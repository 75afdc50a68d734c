"""Tests for spasm_analysis.nonparametric.mcf_test (pseudo-score test).

Reference: reda 0.5.6 mcfDiff.test on survival's bladder2 by rx, values quoted in
the test's specification and stored in tests/reference/mcf_test_reda_bladder2.json.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import spasm_analysis as sa

REF = Path(__file__).parent / "reference"


def bladder2():
    return pd.read_csv(REF / "data" / "bladder2.csv", comment="#").rename(columns={"id": "subject"})


REDA = json.loads((REF / "mcf_test_reda_bladder2.json").read_text())


@pytest.mark.parametrize("expected", REDA["results"], ids=lambda r: f"{r['weights']}-{r['variance']}")
def test_matches_reda_to_the_quoted_decimals(expected):
    result = sa.mcf_test(bladder2(), by="rx", weights=expected["weights"], variance=expected["variance"])
    half_unit = 0.5 * 10.0 ** -REDA["decimals"]
    assert abs(result.statistic - expected["statistic"]) <= half_unit
    assert abs(result.variance - expected["variance_value"]) <= half_unit
    if "chisq" in expected:
        assert abs(result.chisq - expected["chisq"]) <= half_unit
        assert abs(result.p_value - expected["p_value"]) <= half_unit
    assert result.df == 1
    assert result.chisq == pytest.approx(result.statistic**2 / result.variance, rel=1e-12)
    assert result.p_value == pytest.approx(stats.chi2.sf(result.chisq, 1), rel=1e-12)
    assert result.details["groups"] == (1, 2)
    assert result.details["tau"] == 59.0


def brute_force(data, by, linear):
    """Straight from the formulas in FORMULAS.md, O(subjects x times)."""
    groups = sorted(data[by].unique())
    ends = data.groupby("subject")["stop"].max()
    grid = np.unique(np.concatenate([data.loc[data["event"] == 1, "stop"], ends]))
    per_group = {}
    for g in groups:
        part = data[data[by] == g]
        subjects = part["subject"].unique()
        y_i = np.zeros((len(subjects), len(grid)))
        dn_i = np.zeros_like(y_i)
        for row, s in enumerate(subjects):
            for start, stop, event in part.loc[part["subject"] == s, ["start", "stop", "event"]].to_numpy():
                y_i[row] += (start < grid) & (grid <= stop)
                dn_i[row] += (grid == stop) * event
        per_group[g] = (y_i, dn_i)
    y = {g: per_group[g][0].sum(0) for g in groups}
    keep = (y[groups[0]] > 0) & (y[groups[1]] > 0)
    if not keep.any():
        return None
    tau = grid[keep].max()
    w = np.where(keep, y[groups[0]] * y[groups[1]] / np.maximum(y[groups[0]] + y[groups[1]], 1), 0.0)
    if linear:
        w = w * (tau - grid) / tau
    d_mu = {g: np.where(y[g] > 0, per_group[g][1].sum(0) / np.maximum(y[g], 1), 0.0) for g in groups}
    u = np.sum(w * (d_mu[groups[0]] - d_mu[groups[1]]))
    robust = 0.0
    for g in groups:
        y_i, dn_i = per_group[g]
        terms = w * y_i / np.maximum(y[g], 1) * (dn_i - d_mu[g])
        robust += np.sum(terms.sum(1) ** 2)
    poisson = np.sum(w**2 * sum(d_mu[g] / np.maximum(y[g], 1) for g in groups))
    return u, robust, poisson


def random_rows(seed, n_subjects=30):
    """Two arms, gaps between a subject's rows, late entry, different follow-up ends."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject in range(n_subjects):
        t = float(rng.integers(0, 8))
        for _ in range(rng.integers(1, 6)):
            stop = t + float(rng.integers(1, 15))
            rows.append((f"s{subject}", subject % 2, t, stop, int(rng.random() < 0.6)))
            t = stop + float(rng.integers(0, 4))
    return pd.DataFrame(rows, columns=["subject", "arm", "start", "stop", "event"])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("linear", [False, True])
def test_equals_brute_force_with_gaps_in_the_risk_set(seed, linear):
    data = random_rows(seed)
    u, robust, poisson = brute_force(data, "arm", linear)
    weights = "linear" if linear else "constant"
    result = sa.mcf_test(data, by="arm", weights=weights)
    assert result.statistic == pytest.approx(u, rel=1e-12, abs=1e-12)
    assert result.variance == pytest.approx(robust, rel=1e-12)
    assert sa.mcf_test(data, by="arm", weights=weights, variance="poisson").variance == pytest.approx(
        poisson, rel=1e-12
    )


def test_swapping_groups_flips_the_sign_only():
    data = bladder2()
    swapped = data.assign(rx=3 - data["rx"])
    a, b = sa.mcf_test(data, by="rx"), sa.mcf_test(swapped, by="rx")
    assert b.statistic == pytest.approx(-a.statistic, rel=1e-12)
    assert b.variance == pytest.approx(a.variance, rel=1e-12)
    assert "more episodes" in a.interpretation and "fewer episodes" in b.interpretation


def test_needs_exactly_two_groups():
    data = bladder2()
    data["site"] = data["subject"] % 3
    with pytest.raises(ValueError, match="exactly two groups; column 'site' has 3: 0, 1, 2"):
        sa.mcf_test(data, by="site")
    data["one"] = "all"
    with pytest.raises(ValueError, match="has 1: 'all'"):
        sa.mcf_test(data, by="one")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"weights": "logrank"}, "'constant', 'linear'"), ({"variance": "lawless-nadeau"}, "'robust', 'poisson'")],
)
def test_bad_options_list_the_allowed_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sa.mcf_test(bladder2(), by="rx", **kwargs)


def test_groups_never_at_risk_together():
    data = pd.DataFrame(
        {"subject": ["a", "b"], "arm": [1, 2], "start": [0.0, 20.0], "stop": [10.0, 30.0], "event": [1, 1]}
    )
    with pytest.raises(ValueError, match="never at risk at the same time"):
        sa.mcf_test(data, by="arm")


def test_no_events_gives_nan_with_a_reason():
    data = random_rows(0).assign(event=0)
    with pytest.warns(RuntimeWarning, match="variance of U is 0"):
        result = sa.mcf_test(data, by="arm")
    assert result.statistic == 0.0 and np.isnan(result.p_value)
    assert "reason" in result.details
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        str(result)


@st.composite
def two_arm_frames(draw):
    """Small two-arm frames on an integer time grid: ties, gaps, late entry."""
    rows = []
    for subject in range(draw(st.integers(2, 8))):
        t = draw(st.integers(0, 3))
        for _ in range(draw(st.integers(1, 4))):
            stop = t + draw(st.integers(1, 5))
            rows.append((f"s{subject}", subject % 2, float(t), float(stop), draw(st.integers(0, 1))))
            t = stop + draw(st.integers(0, 2))
    return pd.DataFrame(rows, columns=["subject", "arm", "start", "stop", "event"])


@settings(max_examples=60, deadline=None)
@given(two_arm_frames(), st.booleans())
def test_pseudo_score_property(data, linear):
    expected = brute_force(data, "arm", linear)
    assume(expected is not None)  # arms never at risk together: an error, tested above
    u, robust, poisson = expected
    assume(robust > 1e-9)
    weights = "linear" if linear else "constant"
    result = sa.mcf_test(data, by="arm", weights=weights)
    assert result.statistic == pytest.approx(u, rel=1e-10, abs=1e-12)
    assert result.variance == pytest.approx(robust, rel=1e-10)
    poisson_result = sa.mcf_test(data, by="arm", weights=weights, variance="poisson")
    assert poisson_result.variance == pytest.approx(poisson, rel=1e-10, abs=1e-14)


def test_episode_log_with_a_baseline_covariate():
    episodes = pd.DataFrame(
        {
            "subject": ["a", "a", "b", "c", "c", "c", "d"],
            "onset": pd.to_datetime(["2020-01-05", "2020-02-01", "2020-01-20", "2020-01-03",
                                     "2020-01-15", "2020-02-10", "2020-02-20"]),
        }
    )
    episodes["end"] = episodes["onset"] + pd.Timedelta(days=2)
    follow_up = pd.DataFrame(
        {"subject": list("abcd"), "start": pd.Timestamp("2020-01-01"),
         "end": pd.to_datetime(["2020-03-01", "2020-03-01", "2020-02-25", "2020-03-01"])}
    )
    covariates = pd.DataFrame({"subject": list("abcd"), "arm": ["x", "y", "x", "y"]})
    log = sa.EpisodeLog(episodes, follow_up=follow_up, covariates=covariates)
    from_log = sa.mcf_test(log, by="arm")
    from_rows = sa.mcf_test(sa.to_counting_process(log), by="arm")
    assert from_log.statistic == from_rows.statistic and from_log.variance == from_rows.variance
    assert from_log.details["groups"] == ("x", "y")
    assert from_log.statistic > 0  # arm x: 5 episodes in 2 subjects, arm y: 2 in 2
