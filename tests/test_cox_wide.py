"""Many bins x many covariates: the information's x x' part accumulated row by row.

The per-bin r x x' sums grow as bins x p^2; above ``SECOND_MOMENT_BYTES`` the
engine bins the first moments only and adds that part of the information in a
second pass over the rows. Both paths must give the same fit.
"""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.coxph import binned
from spasm_analysis.coxph.design import make_design
from spasm_analysis.coxph.engine import build_risk_sets, evaluate

P = 8  # covariates


def wide_rows(n_subjects=150, seed=11, days=False):
    """Recurrent-event rows with P covariates (continuous times: a bin per event)."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject in range(n_subjects):
        x = rng.normal(size=P)
        follow_up = rng.uniform(50, 200)
        t = 0.0
        while True:
            gap = rng.exponential(40 * np.exp(-0.2 * x[0] + 0.1 * x[1]))
            gap = np.ceil(gap) if days else gap
            stop = min(t + gap, follow_up)
            event = int(t + gap < follow_up)
            rows.append([subject, t, stop, event, subject % 3, *x])
            if not event:
                break
            t = stop
    frame = pd.DataFrame(rows, columns=["subject", "start", "stop", "event", "site",
                                        *[f"x{k}" for k in range(P)]])
    return frame[frame["stop"] > frame["start"]].reset_index(drop=True)


COLUMNS = [f"x{k}" for k in range(P)]


@pytest.mark.parametrize("days", [False, True])
def test_two_pass_information_equals_the_binned_one(monkeypatch, days):
    frame = wide_rows(days=days)
    design = make_design(frame, COLUMNS, strata="site", weights=np.linspace(0.5, 2, len(frame)))
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum, design.weights)
    beta = np.linspace(-0.3, 0.3, P)
    offset = np.zeros(design.n_rows)
    assert binned.keeps_second_moments(rs.n_bins, rs.n_groups, P)
    binned_ev = evaluate(rs, design.X, design.weights, offset, beta)
    monkeypatch.setattr(binned, "SECOND_MOMENT_BYTES", 0)
    assert not binned.keeps_second_moments(rs.n_bins, rs.n_groups, P)
    two_pass = evaluate(rs, design.X, design.weights, offset, beta)
    np.testing.assert_allclose(two_pass.information, binned_ev.information, rtol=1e-11,
                               atol=1e-11 * np.abs(binned_ev.information).max())
    np.testing.assert_allclose(two_pass.score, binned_ev.score, rtol=1e-12, atol=1e-12)
    assert two_pass.loglik == pytest.approx(binned_ev.loglik, rel=1e-14)


def test_wide_fit_agrees_on_both_paths(monkeypatch):
    frame = wide_rows()
    normal = sa.andersen_gill(frame, COLUMNS)
    monkeypatch.setattr(binned, "SECOND_MOMENT_BYTES", 0)
    fallback = sa.andersen_gill(frame, COLUMNS)
    np.testing.assert_allclose(fallback.params, normal.params, rtol=1e-10)
    np.testing.assert_allclose(fallback.std_errors, normal.std_errors, rtol=1e-10)
    np.testing.assert_allclose(fallback.robust_std_errors, normal.robust_std_errors, rtol=1e-10)
    assert fallback.iterations == normal.iterations
    assert fallback.loglik == pytest.approx(normal.loglik, rel=1e-13)


def test_the_guard_counts_what_the_row_pass_allocates():
    """Accumulator (twice net's size), net and tied: the bytes the memory guard compares with its limit."""
    frame = wide_rows()
    design = make_design(frame, COLUMNS, strata="site", weights=np.ones(len(frame)))
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum, design.weights)
    sums = binned.row_sums(rs, design.X.T, design.weights, np.zeros(design.n_rows), np.full(P, 0.1))
    assert binned.row_pass_bytes(rs.n_bins, rs.n_groups, P) == 3 * sums.net.nbytes + sums.tied.nbytes
    # 1.1M distinct event times and 10 covariates would need about 2 GB: the two-pass information
    assert not binned.keeps_second_moments(1_100_000, 1_100_000, 10)
    assert binned.keeps_second_moments(1_100, 1_100, 2)
