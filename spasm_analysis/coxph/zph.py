"""Test of proportional hazards, as R's ``cox.zph`` (survival >= 3.0, transform "km").

For every coefficient the model is extended by ``beta(t) = beta + theta g(t)``
with ``g`` the Kaplan-Meier transform of time (``1 - S(t-)`` of all rows,
centred at its mean over the events). At the fitted beta and theta = 0 the
score for theta is ``U_g = sum_events g(t) (x - xbar(t))`` and the
information of (beta, theta) has blocks ``sum V``, ``sum g V``, ``sum g^2 V``
over the event terms (V the risk-set covariance, Efron-corrected). The score
test ``u' I^-1 u`` with ``u = (0, U_g)`` is computed per term (all the
coefficients of a text column together) and for all terms (GLOBAL), without
refitting.

References
----------
Grambsch, P. M. and Therneau, T. M. (1994). Proportional hazards tests and
diagnostics based on weighted residuals. *Biometrika* 81, 515-526.
Therneau, T. M. (2024). survival: ``cox.zph`` (R package, version 3.5-3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .engine import row_interval_sum

__all__ = ["km_transform", "zph_score", "proportional_hazards_test", "scaled_schoenfeld"]


def km_transform(state) -> np.ndarray:
    """``1 - S(t-)`` at every row's stop time, S the Kaplan-Meier curve of all rows (unstratified)."""
    design = state.design
    death_times = design.stop[design.event]
    times, deaths = np.unique(death_times, return_counts=True)
    stops, starts = np.sort(design.stop), np.sort(design.start)
    at_risk = (len(stops) - np.searchsorted(stops, times, side="left")
               - (len(starts) - np.searchsorted(starts, times, side="left")))
    surv = np.cumprod(1 - deaths / at_risk)
    before = np.searchsorted(times, design.stop, side="left")  # event times < stop
    return 1.0 - np.concatenate([[1.0], surv])[before]


def _weighted_information(state, multiplier: np.ndarray) -> np.ndarray:
    """``sum_t m_t * meanwt * V_t`` over event terms, m_t a per-event-group multiplier.

    The engine's information formula with every term scaled by m_t: the
    ``S2 / D`` part as ``X' diag(r G_m) X``, the Efron correction of the tied
    events' own terms, and ``- sum m a a'``.
    """
    rs, design, ev = state.risk_sets, state.design, state.evaluation
    X, XT = design.X, design.X.T
    g, c = rs.term_group, rs.efron_fraction
    hazard = ev.term_hazard * multiplier[g]
    meanwt = (rs.group_weight / rs.group_size)[g] * multiplier[g]
    r = design.weights * ev.risk
    G = row_interval_sum(rs, np.bincount(g, weights=hazard, minlength=rs.n_groups))
    hc = np.take(np.bincount(g, weights=hazard * c, minlength=rs.n_groups), rs.death_group)
    Xd = np.take(XT, rs.deaths, axis=1)
    rd = r[rs.deaths]
    A = ev.term_mean
    return (XT * (r * G)) @ X - (Xd * (rd * hc)) @ Xd.T - (A * meanwt) @ A.T


def zph_score(state) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The time-weighted score U_g (p,), the 2p x 2p information, and g per event group."""
    rs, design, ev = state.risk_sets, state.design, state.evaluation
    transformed = km_transform(state)
    g_row = transformed - transformed[design.event].mean()
    g_group = np.bincount(rs.death_group, weights=g_row[rs.deaths],
                          minlength=rs.n_groups) / rs.group_size
    deaths = rs.deaths
    g, meanwt = rs.term_group, (rs.group_weight / rs.group_size)[rs.term_group]
    u = (design.X[deaths].T @ (design.weights[deaths] * g_row[deaths])
         - ev.term_mean @ (meanwt * g_group[g]))
    p = design.X.shape[1]
    info = np.empty((2 * p, 2 * p))
    info[:p, :p] = _weighted_information(state, np.ones(rs.n_groups))
    info[:p, p:] = info[p:, :p] = _weighted_information(state, g_group)
    info[p:, p:] = _weighted_information(state, g_group ** 2)
    return u, info, g_group


def proportional_hazards_test(state, names, degrees_of_freedom=None) -> pd.DataFrame:
    """R's ``cox.zph(fit)$table``: chisq, df, p_value per term and GLOBAL.

    For a frailty fit R leaves the frailty out of the tested columns (its
    log-frailties stay in the linear predictor) and gives each term its
    effective df from ``fit$df`` and GLOBAL their sum, the frailty's
    included: ``degrees_of_freedom`` (per term, with a ``frailty`` entry).
    """
    if not names:
        raise ValueError("the proportional-hazards test needs at least one fixed covariate "
                         "(R's cox.zph has nothing to test either)")
    u_g, info, _ = zph_score(state)
    p = len(names)
    position = {name: k for k, name in enumerate(names)}
    rows = {}
    for label, columns in state.terms.items():
        idx = [position[c] for c in columns if c in position]  # aliased columns are gone
        if not idx:
            continue
        kk = list(range(p)) + [p + k for k in idx]
        u = np.concatenate([np.zeros(p), u_g[idx]])
        rows[label] = (float(u @ np.linalg.solve(info[np.ix_(kk, kk)], u)),
                       len(idx) if degrees_of_freedom is None else degrees_of_freedom[label])
    u = np.concatenate([np.zeros(p), u_g])
    rows["GLOBAL"] = (float(u @ np.linalg.solve(info, u)),
                      p if degrees_of_freedom is None else float(degrees_of_freedom.sum()))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["chisq", "df"])
    table["p_value"] = stats.chi2.sf(table["chisq"], table["df"])
    table.index.name = "term"
    return table


def scaled_schoenfeld(state, residuals: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Grambsch-Therneau scaled residuals ``d * r V + beta`` (d events, V the model variance)."""
    return len(residuals) * residuals @ state.naive_variance + beta
