"""Residuals of a Cox fit, as R's ``residuals.coxph``.

- martingale: per row, ``event - exp(eta) * (hazard over the row's (start, stop])``,
  with the Efron correction for the row's own tied event (R's default type); returned
  with the row's ``subject, start, stop`` since the fit orders rows by subject and time;
- score: the row's score residual ``int (x - xbar(t)) dM(t)`` (unweighted, as R),
  summed within cluster;
- dfbeta: score residuals times the model-based variance and the case
  weight, summed within cluster: the approximate change in each coefficient
  when the cluster is left out (R's ``type = "dfbeta"``; with a cluster R uses
  the naive, not the robust, variance);
- schoenfeld: for each event, ``x - xbar(t)`` with Efron's average of the tied
  terms' means, events in (stratum, time) order as R returns them.

References
----------
Therneau, T. M., Grambsch, P. M. and Fleming, T. R. (1990). Martingale-based
residuals for survival models. *Biometrika* 77, 147-160.
Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data*, chapter 4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .robust import collapse, interval_compensators, score_residuals

__all__ = ["RESIDUAL_KINDS", "cox_residuals", "schoenfeld_residuals"]

RESIDUAL_KINDS = ("martingale", "score", "dfbeta", "schoenfeld")


def _by_cluster(values: np.ndarray, state, names) -> pd.DataFrame:
    design = state.design
    if design.cluster is None:
        return pd.DataFrame(values, columns=names)
    summed = collapse(values, design.cluster, design.n_clusters)
    frame = pd.DataFrame(summed, index=design.cluster_labels, columns=names)
    frame.index.name = "cluster"
    return frame


def schoenfeld_residuals(state) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Schoenfeld residuals (events x p), the event rows and times, in R's order.

    Events are sorted by stratum, then time; tied events keep the data's row
    order (R orders with a stable sort).
    """
    rs, design, ev = state.risk_sets, state.design, state.evaluation
    deaths = rs.deaths
    mean_of_terms = np.vstack([np.bincount(rs.term_group, weights=a, minlength=rs.n_groups)
                               for a in ev.term_mean]) / rs.group_size
    resid = design.X[deaths] - np.take(mean_of_terms, rs.death_group, axis=1).T
    order = np.lexsort((deaths, design.stop[deaths], design.stratum[deaths]))
    return resid[order], deaths[order], design.stop[deaths][order]


def cox_residuals(state, kind: str, names) -> pd.DataFrame | pd.Series:
    """The residuals of one kind (see the module docstring) over the estimable columns."""
    rs, design, ev = state.risk_sets, state.design, state.evaluation
    if kind == "martingale":
        haz, _ = interval_compensators(rs, ev)
        values = design.event - ev.risk * haz
        if state.rows is None:
            return pd.DataFrame({"martingale": values})
        return state.rows.assign(martingale=values)
    if kind == "schoenfeld":
        resid, _, times = schoenfeld_residuals(state)
        frame = pd.DataFrame(resid, columns=names)
        frame.insert(0, "time", times)
        if design.strata_names:
            frame.insert(0, "stratum", design.stratum[schoenfeld_residuals(state)[1]])
        return frame
    score = score_residuals(rs, design.X, ev)
    if kind == "score":
        return _by_cluster(score, state, names)
    dfbeta = (score @ state.naive_variance) * design.weights[:, None]
    return _by_cluster(dfbeta, state, names)
