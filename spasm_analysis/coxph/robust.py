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

from .binned import cluster_sums
from .engine import Evaluation, RiskSets, _covariate_rows, row_interval_sum

__all__ = ["score_residuals", "collapse", "robust_variance", "robust_score_test",
           "interval_compensators"]


def interval_compensators(rs: RiskSets, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """Each row's hazard and hazard-weighted covariate mean over its own (start, stop].

    Returns ``(haz, xhaz)``: per row, the sum of the hazard increments (n,) and
    of increment times the risk-set covariate mean (p x n) at the event times
    inside the row's interval, with R's Efron correction for a row that is
    itself one of d tied events (it gets ``1 - k/d`` of the k-th increment).
    Multiplied by the row's risk score these are the row's expected events
    and its compensator in the score residual.
    """
    t = ev.terms
    both = row_interval_sum(rs, np.vstack([t.hazard, t.xhazard.T]))
    own = np.vstack([t.own_hazard, t.own_xhazard.T])
    both[:, rs.deaths] -= np.take(own, rs.death_group, axis=1)
    return both[0], both[1:]


def score_residuals(rs: RiskSets, X: np.ndarray, ev: Evaluation) -> np.ndarray:
    """Unweighted score residuals, one row per data row (R's ``type = "score"``).

    Returns an (n, p) array; ``sum_i w_i * residual_i`` equals the score at
    ``ev.beta``.
    """
    n = rs.n_rows
    return cluster_sums(rs, _covariate_rows(X), np.ones(n), ev.risk, ev.terms,
                        np.arange(n), n)


def collapse(values: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum rows of ``values`` (n x p) within cluster codes 0..n_clusters-1."""
    return np.column_stack([np.bincount(cluster, weights=column, minlength=n_clusters)
                            for column in values.T])


def cluster_score_residuals(rs: RiskSets, X: np.ndarray, weights: np.ndarray, ev: Evaluation,
                            cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Weighted score residuals summed within cluster (n_clusters x p), in one pass."""
    return cluster_sums(rs, _covariate_rows(X), weights, ev.risk, ev.terms, cluster, n_clusters)


def robust_variance(rs: RiskSets, X: np.ndarray, weights: np.ndarray, ev: Evaluation,
                    variance: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sandwich variance ``D' D`` with D the cluster-summed dfbeta residuals."""
    resid = cluster_score_residuals(rs, X, weights, ev, cluster, n_clusters)
    return variance @ (resid.T @ resid) @ variance


def robust_score_test(rs: RiskSets, X: np.ndarray, weights: np.ndarray, ev0: Evaluation,
                      cluster: np.ndarray, n_clusters: int) -> float:
    """Robust score test of beta = 0 (R's ``rscore``).

    ``u' (R' R)^-1 u`` with R the cluster-summed weighted score residuals at
    beta = 0 and u their column sums (the score).
    """
    resid = cluster_score_residuals(rs, X, weights, ev0, cluster, n_clusters)
    u = resid.sum(axis=0)
    return float(u @ np.linalg.solve(resid.T @ resid, u))
