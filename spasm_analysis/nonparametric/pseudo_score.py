"""Per-subject pieces of the two-sample pseudo-score test (Cook, Lawless & Nadeau 1996).

Shared by :func:`spasm_analysis.mcf_test` in memory and by its Dask path,
which evaluates them partition by partition on whole subjects.
"""

from __future__ import annotations

import numpy as np

from spasm_analysis.nonparametric.risk_set import CountingRows

__all__ = ["follow_up_ends", "robust_variance"]


def follow_up_ends(rows: CountingRows) -> np.ndarray:
    """Each subject's last ``stop`` (rows are sorted by subject, then start)."""
    last = np.r_[rows.subject[1:] != rows.subject[:-1], True]
    return rows.stop[last]


def robust_variance(rows: CountingRows, grid, at_risk, d_mu, weight) -> float:
    """sum_i [ sum_u w(u) Y_i(u)/Y_k(u) (dN_i(u) - dmu_k(u)) ]^2 over the subjects of one group.

    Each row contributes its onset term w/Y_k at its stop (when on the grid)
    minus the cumulative sum of w dmu_k / Y_k over its own interval; the row
    contributions are then added up per subject.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        per_time = np.where(at_risk > 0, weight / at_risk, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(per_time * d_mu)])
    after_stop = rows.locate(grid, "stop", side="right")
    contribution = -(cum[after_stop] - cum[rows.locate(grid, "start", side="right")])
    # an onset's stop is on the full grid; it counts only if it stayed on the common grid
    index = np.maximum(after_stop - 1, 0)
    on_grid = (rows.event > 0) & (grid[index] == rows.stop)
    contribution[on_grid] += rows.event[on_grid] * per_time[index[on_grid]]
    per_subject = np.bincount(rows.subject, weights=contribution, minlength=rows.n_subjects)
    return float(np.sum(per_subject**2))
