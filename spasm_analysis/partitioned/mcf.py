"""The MCF and the pseudo-score test on a Dask DataFrame.

MCF (:mod:`spasm_analysis.nonparametric.mcf_core`): pass 1 bins each
partition's rows at the global event times (rows entering minus leaving the
risk set, onsets); the summed bins give ``Y``, ``dN`` and the MCF. Pass 2 is
the Lawless-Nadeau pass over each subject's rows (all in one partition after
the subject shuffle), whose per-bin sums add up to ``V(t)``.

Pseudo-score test: pass 1 collects the event times and follow-up ends of both
groups (the test's time grid), pass 2 counts who is at risk on the grid, pass
3 sums each subject's squared influence term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spasm_analysis.nonparametric.pseudo_score import follow_up_ends, robust_variance
from spasm_analysis.nonparametric.mcf_core import (count_pass, lawless_nadeau, locate_rows,
                                                   mcf_increments, variance_pass)

from .frames import compute, tree_sum
from .subjects import group_grids, snapped, subject_partitions

__all__ = ["partitioned_mcf_tables", "partitioned_mcf_test_parts"]


def _add(a, b):
    return {g: tuple(x + y for x, y in zip(a[g], b[g])) if g in b else a[g]
            for g in a} | {g: b[g] for g in b if g not in a}


def _add_counts(a, b):
    """Sum the per-bin counts and subjects of two partitions; keep the larger last stop."""
    out = dict(a)
    for g, (net, events, n, last) in b.items():
        if g in out:
            net0, events0, n0, last0 = out[g]
            out[g] = (net0 + net, events0 + events, n0 + n, max(last0, last))
        else:
            out[g] = (net, events, n, last)
    return out


def _counts(part, grids, grid):
    out = {}
    for g, rows in part.groups.items():
        rows = snapped(rows, grid)
        lo, hi = locate_rows(grids[g], rows.start, rows.stop)
        net, events = count_pass(lo, hi, rows.event, len(grids[g]))
        out[g] = (net, events, rows.n_subjects, float(rows.stop.max(initial=-np.inf)))
    return out


def _variances(part, grids, grid, increments):
    out = {}
    for g, rows in part.groups.items():
        rows = snapped(rows, grid)
        lo, hi = locate_rows(grids[g], rows.start, rows.stop)
        y, dn = increments[g]
        out[g] = variance_pass(rows.subject, lo, hi, rows.event, y, dn)
    return out


def partitioned_mcf_tables(ddf, *, by, variance: str, subject: str = "subject"):
    """Per group the MCF table (``time, n_at_risk, n_events, mcf, std_error``), subjects, last stop."""
    import dask

    parts = subject_partitions(ddf, subject=subject, by=by, analysis="the MCF")
    grids, grid = group_grids(parts)
    counted = [dask.delayed(_counts, pure=True)(p, grids, grid) for p in parts]
    (totals,) = compute(tree_sum(counted, _add_counts), label="MCF counts")
    increments, tables, n_subjects, last_stop = {}, {}, {}, {}
    for g in grids:
        net, events, n, stop_max = totals[g]
        y, dn, mu = mcf_increments(net, events)
        increments[g] = (y, dn)
        tables[g] = (y, dn, mu)
        n_subjects[g] = int(n)
        last_stop[g] = stop_max
    if variance == "poisson":
        variances = {g: np.cumsum(dn / y**2) for g, (y, dn) in increments.items()}
    else:
        passes = [dask.delayed(_variances, pure=True)(p, grids, grid, increments) for p in parts]
        (sums,) = compute(tree_sum(passes, _add), label="Lawless-Nadeau pass")
        variances = {g: lawless_nadeau(*increments[g], *sums[g]) for g in grids}
    out = {}
    for g, (y, dn, mu) in tables.items():
        out[g] = pd.DataFrame({"time": grids[g], "n_at_risk": y.astype(np.int64),
                               "n_events": dn.astype(np.int64), "mcf": mu,
                               "std_error": np.sqrt(variances[g])})
    return out, n_subjects, last_stop


def _distinct_counts(times, counts):
    """Distinct times and the summed counts at each."""
    values, inverse = np.unique(times, return_inverse=True)
    return values, np.bincount(inverse, weights=counts, minlength=len(values))


def _grid_pieces(part, grid):
    """Per group: distinct onset times with their counts, and distinct follow-up ends."""
    out = {}
    for g, rows in part.groups.items():
        rows = snapped(rows, grid)
        onset = rows.event > 0
        times, counts = _distinct_counts(rows.stop[onset], rows.event[onset].astype(float))
        out[g] = (times, counts, np.unique(follow_up_ends(rows)))
    return out


def _merge_pieces(a, b):
    out = dict(a)
    for g, (times, counts, ends) in b.items():
        if g in out:
            t0, c0, e0 = out[g]
            times, counts = _distinct_counts(np.r_[t0, times], np.r_[c0, counts])
            ends = np.union1d(e0, ends)
        out[g] = (times, counts, ends)
    return out


def _at_risk(part, grid, full_grid):
    return {g: (snapped(rows, grid).at_risk(full_grid).astype(float),)
            for g, rows in part.groups.items()}


def _robust(part, grid, test_grid, per_group, weight):
    out = {}
    for g, rows in part.groups.items():
        y, d_mu = per_group[g]
        out[g] = (np.array([robust_variance(snapped(rows, grid), test_grid, y, d_mu,
                                                         weight)]),)
    return out


def partitioned_mcf_test_parts(ddf, *, by, subject: str = "subject"):
    """The two groups' rows as passes: returns a callable-free summary for :func:`mcf_test`.

    Returns ``(labels, full_grid, n_events, at_risk, robust)`` where
    ``robust(grid, y, d_mu, weight)`` runs the variance pass on the kept grid.
    """
    import dask

    parts = subject_partitions(ddf, subject=subject, by=by, analysis="the MCF test")
    _, grid = group_grids(parts)
    pieces = [dask.delayed(_grid_pieces, pure=True)(p, grid) for p in parts]
    (merged,) = compute(tree_sum(pieces, _merge_pieces), label="test grid")
    labels = sorted(merged, key=lambda v: (str(type(v)), v))
    full_grid = np.unique(np.concatenate([np.r_[merged[g][0], merged[g][2]] for g in labels]
                                         + [np.zeros(0)]))
    n_events = {g: np.bincount(np.searchsorted(full_grid, merged[g][0]), weights=merged[g][1],
                               minlength=len(full_grid))
                for g in labels}
    risk = [dask.delayed(_at_risk, pure=True)(p, grid, full_grid) for p in parts]
    (at_risk,) = compute(tree_sum(risk, _add), label="at risk on the grid")
    at_risk = {g: at_risk[g][0] for g in labels}

    def robust(test_grid, per_group, weight):
        runs = [dask.delayed(_robust, pure=True)(p, grid, test_grid, per_group, weight)
                for p in parts]
        (total,) = compute(tree_sum(runs, _add), label="robust variance")
        return float(sum(total[g][0][0] for g in total))

    return labels, full_grid, n_events, at_risk, robust

