"""Score residuals and the cluster-robust (sandwich) variance of a Cox fit.

The robust variance of Lin & Wei (1989) is ``D' D`` with ``D`` the score
residuals summed within cluster and multiplied by the model-based variance
(the "dfbeta" residuals), exactly as R's ``coxph(..., cluster = id)``.

For (start, stop] rows the score residual of row i is
``int_(start_i, stop_i] (x_i - xbar(t)) dM_i(t)``: the compensator is taken
over the row's own interval only. Using cumulative sums over event times this
is ``-r_i (x_i G_i - H_i)`` with G_i and H_i the row's increments of the
cumulative hazard and of the hazard-weighted covariate mean, plus the event
term. Efron ties follow R's ``agscore3``: each of the d tied events gets
``x_i`` minus the mean of the d term means, and the tied events themselves
receive only the fraction ``1 - k/d`` of the k-th hazard increment.

References
----------
Lin, D. Y. and Wei, L. J. (1989). The robust inference for the Cox
proportional hazards model. *JASA* 84, 1074-1078.
Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data:
Extending the Cox Model*, sections 7.2 and 8.2.
"""

from __future__ import annotations

import numpy as np

from .engine import Evaluation, RiskSets, row_interval_sum

__all__ = ["score_residuals", "collapse", "robust_variance", "robust_score_test"]


def score_residuals(rs: RiskSets, X: np.ndarray, ev: Evaluation) -> np.ndarray:
    """Unweighted score residuals, one row per data row (R's ``type = "score"``).

    ``sum_i w_i * residual_i`` equals the score vector at ``ev.beta``.
    """
    n, p = X.shape
    g = rs.death_group
    c = rs.efron_fraction
    haz = ev.term_hazard
    A = ev.term_mean
    ng = rs.n_groups
    hazard = np.bincount(g, weights=haz, minlength=ng)
    xhaz = np.column_stack([np.bincount(g, weights=haz * A[:, k], minlength=ng) for k in range(p)])
    risk = ev.risk  # the shift cancels against the one inside ``haz``
    G = row_interval_sum(rs, hazard)
    H = row_interval_sum(rs, xhaz)
    resid = -risk[:, None] * (X * G[:, None] - H)

    deaths = rs.death_rows
    mean_of_terms = np.column_stack([
        np.bincount(g, weights=A[:, k], minlength=ng) for k in range(p)]) / rs.group_size[:, None]
    down = np.bincount(g, weights=haz * c, minlength=ng)[g]
    xdown = np.column_stack([np.bincount(g, weights=haz * c * A[:, k], minlength=ng)
                             for k in range(p)])[g]
    Xd = X[deaths]
    resid[deaths] += (Xd - mean_of_terms[g]) + risk[deaths][:, None] * (Xd * down[:, None] - xdown)
    return resid


def collapse(values: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum rows of ``values`` within cluster codes 0..n_clusters-1."""
    return np.column_stack([np.bincount(cluster, weights=values[:, k], minlength=n_clusters)
                            for k in range(values.shape[1])])


def robust_variance(rs: RiskSets, X: np.ndarray, weights: np.ndarray, ev: Evaluation,
                    variance: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sandwich variance ``D' D`` with D the cluster-summed dfbeta residuals."""
    resid = score_residuals(rs, X, ev) * weights[:, None]
    dfbeta = collapse(resid, cluster, n_clusters) @ variance
    return dfbeta.T @ dfbeta


def robust_score_test(rs: RiskSets, X: np.ndarray, weights: np.ndarray, ev0: Evaluation,
                      cluster: np.ndarray, n_clusters: int) -> float:
    """Robust score test of beta = 0 (R's ``rscore``).

    ``u' (R' R)^-1 u`` with R the cluster-summed weighted score residuals at
    beta = 0 and u their column sums (the score).
    """
    resid = collapse(score_residuals(rs, X, ev0) * weights[:, None], cluster, n_clusters)
    u = resid.sum(axis=0)
    return float(u @ np.linalg.solve(resid.T @ resid, u))
