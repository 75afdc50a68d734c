"""Harrell's concordance of a Cox fit on (start, stop] data, as R's ``concordance(fit)``.

At every event time each event row is compared with every row at risk at
that time in its stratum (``start < t <= stop``, a row censored at t
included) that does not itself have an event at t (those pairs are tied in
time and left out). The pair is concordant when the event row has the larger
linear predictor, discordant when it has the smaller, and counts one half
when they are equal; pairs are weighted by the product of the case weights.

Counting uses a Fenwick tree over the ranks of the linear predictor while
rows enter and leave the risk set in time order: O(n log n).

References
----------
Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982).
Evaluating the yield of medical tests. *JAMA* 247, 2543-2546.
Therneau, T. M. and Atkinson, E. (2024). *Concordance* (survival package vignette).
"""

from __future__ import annotations

import numpy as np

__all__ = ["concordance_counts"]


class _Fenwick:
    def __init__(self, size: int):
        self.tree = np.zeros(size + 1)

    def add(self, index: int, value: float) -> None:
        i = index + 1
        tree = self.tree
        while i < len(tree):
            tree[i] += value
            i += i & -i

    def below(self, index: int) -> float:
        """Sum of the values at positions < index."""
        total, i, tree = 0.0, index, self.tree
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total


def concordance_counts(state) -> dict:
    """Weighted counts of concordant, discordant and predictor-tied pairs, and the concordance."""
    rs, design = state.risk_sets, state.design
    # column by column, so that equal covariate rows give bitwise equal predictors (a BLAS
    # matrix-vector product may round the last rows differently, splitting ties)
    lp = state.offset.astype(float).copy()
    for column, b in zip(design.X.T, state.evaluation.beta):
        lp += column * b
    values, rank = np.unique(lp, return_inverse=True)
    w = design.weights
    enter = np.argsort(rs.bin_lo, kind="stable")
    leave = np.argsort(rs.bin_hi, kind="stable")
    death_order = np.argsort(rs.death_group, kind="stable")
    deaths = rs.deaths[death_order]
    groups = rs.death_group[death_order]
    bin_of_group = rs.group_bin
    tree = _Fenwick(len(values))
    concordant = discordant = tied = 0.0
    ie = il = k = 0
    n = len(lp)
    current_stratum_bin = -1
    for j in range(rs.n_groups):
        b = bin_of_group[j]
        if rs.stratum_bin[j] != current_stratum_bin:  # new stratum: start from an empty risk set
            current_stratum_bin = rs.stratum_bin[j]
            tree = _Fenwick(len(values))
            while ie < n and rs.bin_lo[enter[ie]] < current_stratum_bin:
                ie += 1
            while il < n and rs.bin_hi[leave[il]] < current_stratum_bin:
                il += 1
        while ie < n and rs.bin_lo[enter[ie]] <= b:
            i = enter[ie]
            tree.add(rank[i], w[i])
            ie += 1
        while il < n and rs.bin_hi[leave[il]] <= b:
            i = leave[il]
            tree.add(rank[i], -w[i])
            il += 1
        start = k
        while k < len(groups) and groups[k] == j:
            k += 1
        tied_rows = deaths[start:k]
        for i in tied_rows:  # rows with an event at this time are not compared with each other
            tree.add(rank[i], -w[i])
        total = tree.below(len(values))
        for i in tied_rows:
            lower, upto = tree.below(rank[i]), tree.below(rank[i] + 1)
            concordant += w[i] * lower
            tied += w[i] * (upto - lower)
            discordant += w[i] * (total - upto)
        for i in tied_rows:
            tree.add(rank[i], w[i])
    comparable = concordant + discordant + tied
    return {"concordant": concordant, "discordant": discordant, "tied_x": tied,
            "concordance": (concordant + tied / 2) / comparable if comparable else np.nan}
