"""Weibull renewal forecast: recovery of known gap distribution, KM check, bootstrap."""

import numpy as np
import pandas as pd
import pytest
from lifelines import WeibullFitter

import spasm_analysis as sa
from personal_simulation import make_log
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
    for h in (7, 30, 90):
        truth = _truth(20, h)
        assert t.at[h, "ci_lower"] < truth < t.at[h, "ci_upper"]
        assert abs(t.at[h, "probability"] - truth) < 0.1
        assert abs(t.at[h, "km_probability"] - t.at[h, "probability"]) < 0.12
    assert abs(result.shape - SHAPE) < 0.35


def test_gaps_come_from_counting_process_and_default_conditioning():
    log = _renewal_log(3)
    result = sa.forecast_next_episode(log, n_bootstrap=0)
    cp = sa.to_counting_process(log)
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
    b = sa.forecast_next_episode(log, n_bootstrap=100, seed=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert "bootstrap [" in capsys.readouterr().err
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
