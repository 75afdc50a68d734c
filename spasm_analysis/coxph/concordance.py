"""Harrell's concordance of a Cox fit on (start, stop] data, as R's ``concordance(fit)``.

At every event time each event row is compared with every row at risk at
that time in its stratum (``start < t <= stop``, a row censored at t
included) that does not itself have an event at t (those pairs are tied in
time and left out). The pair is concordant when the event row has the larger
linear predictor, discordant when it has the smaller, and counts one half
when they are equal; pairs are weighted by the product of the case weights.

Counting uses a Fenwick tree over the ranks of the linear predictor while
rows enter and leave the risk set in time order, and a second one of the
events passed so far, from which each row's pairs as the row at risk follow
(its influence, for the standard error): O(n log n), compiled with numba.

References
----------
Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982).
Evaluating the yield of medical tests. *JAMA* 247, 2543-2546.
Therneau, T. M. and Atkinson, E. (2024). *Concordance* (survival package vignette).
"""

from __future__ import annotations

import numpy as np
from ..compiled import njit

__all__ = ["concordance_counts"]


@njit(cache=True, nogil=True)
def _add(tree, index, value):
    i = index + 1
    while i < len(tree):
        tree[i] += value
        i += i & -i


@njit(cache=True, nogil=True)
def _below(tree, index):
    """Sum of the values at positions < index."""
    total, i = 0.0, index
    while i > 0:
        total += tree[i]
        i -= i & -i
    return total


@njit(cache=True, nogil=True)
def _events_around(event_tree, rank, n_values, influence, i, sign):
    # as the row at risk: an event with the higher predictor is a concordant pair
    lower, upto = _below(event_tree, rank[i]), _below(event_tree, rank[i] + 1)
    total = _below(event_tree, n_values)
    influence[i, 0] += sign * (total - upto)
    influence[i, 1] += sign * lower
    influence[i, 2] += sign * (upto - lower)


@njit(cache=True, nogil=True)
def _sweep(rank, n_values, w, enter, leave, bin_lo, bin_hi, row_group, deaths, groups,
           group_bin, stratum_bin, n_groups):
    """Counts (concordant, discordant, tied) and the per-row influence (n x 3).

    Groups run from the latest event time back, as the risk sets are built.
    """
    n = len(rank)
    tree = np.zeros(n_values + 1)
    # events already passed, never reset: a row's pairs as the row at risk are the
    # events between its entry and its exit
    event_tree = np.zeros(n_values + 1)
    influence = np.zeros((n, 3))
    counts = np.zeros(3)
    ie = il = k = 0
    current_stratum_bin = -1
    for j in range(n_groups):
        b = group_bin[j]
        if stratum_bin[j] != current_stratum_bin:  # new stratum: start from an empty risk set
            current_stratum_bin = stratum_bin[j]
            tree[:] = 0.0
            while ie < n and bin_lo[enter[ie]] < current_stratum_bin:
                _events_around(event_tree, rank, n_values, influence, enter[ie], -1.0)
                ie += 1
            while il < n and bin_hi[leave[il]] < current_stratum_bin:
                _events_around(event_tree, rank, n_values, influence, leave[il], 1.0)
                il += 1
        while ie < n and bin_lo[enter[ie]] <= b:
            i = enter[ie]
            _add(tree, rank[i], w[i])
            if row_group[i] < 0:  # an event row enters after its own time's events, below
                _events_around(event_tree, rank, n_values, influence, i, -1.0)
            ie += 1
        while il < n and bin_hi[leave[il]] <= b:
            i = leave[il]
            _add(tree, rank[i], -w[i])
            _events_around(event_tree, rank, n_values, influence, i, 1.0)
            il += 1
        start = k
        while k < len(groups) and groups[k] == j:
            k += 1
        for t in range(start, k):  # rows with an event at this time are not compared with each other
            i = deaths[t]
            _add(tree, rank[i], -w[i])
        total = _below(tree, n_values)
        for t in range(start, k):
            i = deaths[t]
            lower, upto = _below(tree, rank[i]), _below(tree, rank[i] + 1)
            counts[0] += w[i] * lower
            counts[1] += w[i] * (total - upto)
            counts[2] += w[i] * (upto - lower)
            influence[i, 0] += lower
            influence[i, 1] += total - upto
            influence[i, 2] += upto - lower
        for t in range(start, k):
            i = deaths[t]
            _add(tree, rank[i], w[i])
            _add(event_tree, rank[i], w[i])
        for t in range(start, k):  # nor, as rows at risk, with the events tied with their own
            _events_around(event_tree, rank, n_values, influence, deaths[t], -1.0)
    while il < n:  # rows still at risk at the earliest event time
        _events_around(event_tree, rank, n_values, influence, leave[il], 1.0)
        il += 1
    return counts, influence


def concordance_counts(state) -> dict:
    """Weighted counts of concordant, discordant and predictor-tied pairs, the concordance
    and its infinitesimal-jackknife variance (R's ``concordance(fit)$var``).

    The variance is R's: each row's influence on Somers' d (the pairs it takes
    part in, as the event row or as the row at risk), times its case weight
    over ``2 * pairs``, summed within the fit's cluster when there is one, then
    squared and summed.
    """
    rs, design = state.risk_sets, state.design
    # column by column, so that equal covariate rows give bitwise equal predictors (a BLAS
    # matrix-vector product may round the last rows differently, splitting ties)
    lp = state.offset.astype(float).copy()
    for column, b in zip(design.X.T, state.evaluation.beta):
        lp += column * b
    values, rank = np.unique(lp, return_inverse=True)
    w = np.asarray(design.weights, dtype=float)
    death_order = np.argsort(rs.death_group, kind="stable")
    (concordant, discordant, tied), influence = _sweep(
        rank.astype(np.int64), len(values), w,
        np.argsort(rs.bin_lo, kind="stable"), np.argsort(rs.bin_hi, kind="stable"),
        rs.bin_lo, rs.bin_hi, rs.row_group, rs.deaths[death_order],
        rs.death_group[death_order], rs.group_bin, rs.stratum_bin, rs.n_groups)
    comparable = concordant + discordant + tied
    if not comparable:
        return {"concordant": 0.0, "discordant": 0.0, "tied_x": 0.0,
                "concordance": np.nan, "variance": np.nan}
    somers_d = (concordant - discordant) / comparable
    dfbeta = ((influence[:, 0] - influence[:, 1]) - influence.sum(axis=1) * somers_d) \
        * w / (2 * comparable)
    if design.cluster is not None and not state.frailty:  # frailty groups are not R clusters
        dfbeta = np.bincount(design.cluster, weights=dfbeta, minlength=design.n_clusters)
    return {"concordant": concordant, "discordant": discordant, "tied_x": tied,
            "concordance": (concordant + tied / 2) / comparable,
            "variance": float(np.sum(dfbeta ** 2))}
