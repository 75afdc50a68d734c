"""The Cox engine's shared core: rows -> additive per-time-bin sums -> a small reduction.

Everything the Cox fits need is organised around *event groups*: the distinct
(stratum, event time) pairs, numbered by stratum and, within a stratum, from
the latest time to the earliest. With ``G`` groups and ``S`` strata there are
``G + S`` *bins* (each stratum gets one extra bin after its last group). Each
row is described by three integers (see :class:`~.engine.RiskSets`):

- ``bin_lo``/``bin_hi``: the bins where the row enters and leaves the risk set
  (its stop and start located among the event times, shifted by its stratum
  index), so that cumulative sums over the bins of a stratum give the sums
  over the rows at risk at every event time of that stratum;
- ``row_lo``/``row_hi``: the same positions as group indices (a row is at risk
  for the groups ``row_lo <= j < row_hi``);
- ``row_group``: the group of the event the row ends in, or -1.

The contract, which the in-memory fit and a partitioned (Dask) fit share:

1. :func:`row_sums` (one pass over a chunk of rows, at a coefficient vector)
   returns a :class:`BinSums`: per bin, what enters minus what leaves the risk
   set of ``r = w exp(x'b + offset - shift)``, ``r x`` and ``r x x'``; per
   group, the same sums over the tied events (Efron needs them); and two
   totals over the chunk's events. BinSums of disjoint chunks add up with
   :meth:`BinSums.combine` (which rescales to a common ``shift``), so a
   partitioned fit maps ``row_sums`` over partitions and sums.
2. :func:`reduce_sums` turns the summed BinSums (arrays of length G, not n)
   into the Efron/Breslow log partial likelihood, score and information, and
   the per-group :class:`GroupTerms` (hazard increments and hazard-weighted
   covariate means with their tied-event corrections).
3. :func:`cluster_sums` is one more pass over a chunk's rows, with the
   per-group terms broadcast back through cumulative sums: per cluster, the
   summed (weighted) score residuals and, for the gamma frailty, the expected
   events, the squared terms of the frailty information and the
   fixed-by-frailty cross information. With every cluster inside one chunk
   (a shuffle by subject), per-cluster results are final within the chunk and
   the robust variance needs only the p x p sums of their outer products.

The group index itself (which event groups exist, each group's number of
events and their summed case weights) is built once from all rows: it is a
sum over rows too (counts and weights per (stratum, event time)).

Loops over rows are compiled with numba: each is one pass with a few
multiply-adds per row, about as fast as reading the data, where a numpy
formulation needs a dozen passes (one ``bincount`` per sum). Their sources
are generated for each number of covariates (:mod:`.binned_kernels`). The
one exception is ``exp``: numpy's vectorised one is five times faster than
the scalar call a compiled loop makes per row.

Reference: Therneau (2024), *A package for survival analysis in R*,
``agfit4``/``agscore3`` (the tie conventions reproduced here); Andersen and
Gill (1982) for the counting-process formulation.

Example
-------
>>> import numpy as np
>>> from spasm_analysis.coxph.engine import build_risk_sets
>>> start, stop = np.array([0.0, 0.0, 1.0]), np.array([2.0, 3.0, 3.0])
>>> event, stratum, w = np.array([True, True, False]), np.zeros(3, int), np.ones(3)
>>> rs = build_risk_sets(start, stop, event, stratum, w)
>>> X = np.array([[1.0], [0.0], [1.0]])
>>> sums = row_sums(rs, X.T, w, np.zeros(3), np.zeros(1))
>>> round(reduce_sums(rs, sums).loglik, 6)  # log(1/3) + log(1/2)
-1.791759
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .binned_kernels import (cluster_pass_source, linear_predictor_source, n_moments,
                             reduce_source, row_pass_source)
from .kernel_cache import compiled_function
from ..compiled import njit

__all__ = ["BinSums", "GroupTerms", "Reduction", "row_sums", "reduce_sums", "cluster_sums",
           "information_pass", "keeps_second_moments", "n_moments"]


@dataclass(frozen=True)
class BinSums:
    """Additive per-bin and per-group sums of one chunk of rows (see the module docstring).

    ``net`` (bins x m) and ``tied`` (groups x m) hold the moments
    ``r, r x_1..r x_p, r x_a x_b (a <= b)`` with ``r = w exp(eta - shift)``;
    ``death_eta`` is the sum of ``w eta`` and ``death_x`` the sum of ``w x``
    over the chunk's event rows (neither depends on ``shift``).
    """

    net: np.ndarray
    tied: np.ndarray
    death_eta: float
    death_x: np.ndarray
    shift: float

    def combine(self, other: "BinSums") -> "BinSums":
        """Sums over the union of two disjoint chunks, at the larger shift."""
        shift = max(self.shift, other.shift)
        a, b = np.exp(self.shift - shift), np.exp(other.shift - shift)
        return BinSums(net=self.net * a + other.net * b, tied=self.tied * a + other.tied * b,
                       death_eta=self.death_eta + other.death_eta,
                       death_x=self.death_x + other.death_x, shift=shift)


@dataclass(frozen=True)
class GroupTerms:
    """Per event group: the sums over its d tied-event terms that rows need back.

    With ``mw`` the mean case weight of the group's events, ``D_k`` the k-th
    Efron denominator and ``a_k`` the k-th term's covariate mean:
    ``hazard = sum_k mw/D_k``, ``xhazard = sum_k mw a_k/D_k`` (G x p),
    ``own_*`` the same with the extra factor ``c_k = k/d`` (the part a tied
    event itself does not get, R's ``agscore3``), ``mean_term = mean_k a_k``,
    ``squares = sum_k mw/D_k^2`` and ``own_squares = sum_k mw (1-(1-c_k)^2)/D_k^2``
    (frailty information). ``at_risk``/``tied`` hold S0, S1 and E0, E1
    (G x (1+p)) so that per-term values can be rebuilt.
    All quantities scale with ``exp(shift)`` as the sums do, so that
    ``risk * hazard`` is free of it.
    """

    hazard: np.ndarray
    xhazard: np.ndarray
    own_hazard: np.ndarray
    own_xhazard: np.ndarray
    mean_term: np.ndarray
    squares: np.ndarray
    own_squares: np.ndarray
    at_risk: np.ndarray
    tied: np.ndarray


@dataclass(frozen=True)
class Reduction:
    """Log partial likelihood, score, information and per-group terms at one beta."""

    loglik: float
    score: np.ndarray
    information: np.ndarray
    terms: GroupTerms


@lru_cache(maxsize=None)
def _row_pass(p: int, second: bool = True):
    return compiled_function(row_pass_source(p, second), "row_pass")


#: Largest size of the per-bin second moments (bins x p(p+1)/2 doubles, twice: the bins and
#: the tied events) kept in memory; above it the information's x x' part is accumulated
#: row by row in a second pass (:func:`information_pass`) instead.
SECOND_MOMENT_BYTES = 256 * 2**20


def row_pass_bytes(n_bins: int, n_groups: int, p: int) -> int:
    """Memory of the row pass that keeps every moment: its accumulator (2m per bin), ``net`` (m per bin)
    and ``tied`` (m per group), m = :func:`~.binned_kernels.n_moments`."""
    return (3 * n_bins + n_groups) * n_moments(p) * 8


def keeps_second_moments(n_bins: int, n_groups: int, p: int) -> bool:
    """Whether a row pass keeps per-bin ``r x x'`` sums (else the two-pass information).

    The per-bin sums grow as bins x p^2 (:func:`row_pass_bytes`): 1.1M
    distinct event times and 10 covariates would be 2.3 GB. The information's x x' part is linear in them,
    ``sum_j h_j S2_j - sum_j h'_j E2_j`` with ``h_j`` the hazard increment and
    ``h'_j`` its tied-event share, which equals ``sum_i w_i r_i H_i x_i x_i'``
    with ``H_i`` the row's hazard over its own (start, stop] (the same
    quantity the robust pass uses): one more pass over the rows, O(p^2) memory.
    """
    return row_pass_bytes(n_bins, n_groups, p) <= SECOND_MOMENT_BYTES


@lru_cache(maxsize=None)
def _linear_predictor(p: int):
    return compiled_function(linear_predictor_source(p), "linear_predictor")


def _as_rows(XT, weights, offset, beta):
    return (np.ascontiguousarray(XT, dtype=float), np.ascontiguousarray(weights, dtype=float),
            np.ascontiguousarray(offset, dtype=float), np.ascontiguousarray(beta, dtype=float))


def row_sums(rows, XT, weights, offset, beta, *,
             risk_out: np.ndarray | None = None, second_moments: bool = True) -> BinSums:
    """Per-bin moments of a chunk of rows at ``beta`` (step 1 of the module's contract).

    ``rows`` has the per-row integers ``bin_lo``, ``bin_hi``, ``row_group``
    and the index sizes ``n_bins``, ``n_groups`` (a :class:`~.engine.RiskSets`
    or the same fields for a chunk). ``XT`` is p x n (one covariate per
    contiguous row). The linear predictor is shifted by the chunk's largest
    value (``BinSums.shift``), which keeps ``exp`` finite; ``risk_out`` (length n) receives
    ``exp(eta - shift)`` per row when given. ``second_moments=False`` leaves
    out the ``r x x'`` sums (the information then needs :func:`information_pass`).
    """
    XT, weights, offset, beta = _as_rows(XT, weights, offset, beta)
    risk = np.empty(XT.shape[1]) if risk_out is None else risk_out
    if not beta.any() and not offset.any():
        # the start of every fit: each eta is 0, so each risk is exp(0) = 1 (the same bits)
        shift, death_eta = 0.0, 0.0
        risk.fill(1.0)
    else:
        top, death_eta = _linear_predictor(XT.shape[0])(XT, offset, beta, weights,
                                                        rows.row_group, risk)
        shift = float(top) if XT.shape[1] else 0.0
        # numpy's exp is vectorised (SIMD); a compiled loop calls the scalar one per row
        np.subtract(risk, shift, out=risk)
        np.exp(risk, out=risk)
    net, tied, death_x = _row_pass(XT.shape[0], bool(second_moments))(
        rows.bin_lo, rows.bin_hi, rows.row_group, XT, weights, risk, rows.n_bins, rows.n_groups)
    return BinSums(net=net, tied=tied, death_eta=float(death_eta), death_x=death_x,
                   shift=float(shift))


@lru_cache(maxsize=None)
def _reduce(p: int, second: bool = True):
    return compiled_function(reduce_source(p, second), "reduce_groups")


def reduce_sums(index, sums: BinSums) -> Reduction:
    """Loglik, score, information and per-group terms from summed BinSums (step 2).

    ``index`` has ``group_bin``, ``stratum_bin``, ``group_size``,
    ``group_weight`` (per group) and ``efron`` (a :class:`~.engine.RiskSets`).
    Efron's k-th of d tied terms uses ``S - (k/d) E`` for every sum, as R's
    ``agfit4`` does; the information is ``sum_k mw [(S2 - c E2)/D - a a']``.
    Sums without second moments give the information without its
    ``S2``/``E2`` part, which :func:`information_pass` supplies.
    """
    p = len(sums.death_x)
    second = sums.net.shape[1] > 1 + p  # the sums carry r x x' (else information_pass adds it)
    loglik, score, info, rows = _reduce(p, second)(
        sums.net, sums.tied, index.group_bin, index.stratum_bin, index.group_size,
        index.group_weight, bool(index.efron))
    total_weight = float(np.sum(index.group_weight))
    loglik = loglik + sums.death_eta - sums.shift * total_weight
    # one contiguous row per quantity; the per-group x p quantities are views of p rows
    terms = GroupTerms(hazard=rows[0], own_hazard=rows[1], squares=rows[2], own_squares=rows[3],
                       xhazard=rows[4: 4 + p].T, own_xhazard=rows[4 + p: 4 + 2 * p].T,
                       mean_term=rows[4 + 2 * p: 4 + 3 * p].T, at_risk=rows[4 + 3 * p:].T,
                       tied=sums.tied[:, : 1 + p])
    return Reduction(loglik=float(loglik), score=score + sums.death_x, information=info,
                     terms=terms)


@njit(cache=True, nogil=True)
def _cumulate(values):
    """Rows 0..G of cumulative sums over groups (row 0 is zero)."""
    out = np.zeros((values.shape[0] + 1, values.shape[1]))
    for j in range(values.shape[0]):
        for q in range(values.shape[1]):
            out[j + 1, q] = out[j, q] + values[j, q]
    return out


@njit(cache=True, nogil=True)
def _information_rows(row_lo, row_hi, row_group, XT, weights, risk, cum_hazard, own_hazard):
    p, n = XT.shape
    info = np.zeros((p, p))
    for i in range(n):
        g = row_group[i]
        haz = cum_hazard[row_hi[i]] - cum_hazard[row_lo[i]]
        if g >= 0:
            haz -= own_hazard[g]
        c = weights[i] * risk[i] * haz
        if c == 0.0:
            continue
        for u in range(p):
            cu = c * XT[u, i]
            for v in range(u, p):
                info[u, v] += cu * XT[v, i]
    for u in range(p):
        for v in range(u):
            info[u, v] = info[v, u]
    return info


def information_pass(rows, XT, weights, risk, terms: GroupTerms) -> np.ndarray:
    """The ``S2``/``E2`` part of the information, row by row (p x p, O(p^2) memory).

    ``sum_i w_i r_i H_i x_i x_i'`` where ``H_i`` is the hazard over the row's
    own (start, stop] less the share a tied event does not get (R's
    ``agscore3``); ``risk`` and ``terms`` come from the same row pass, so
    ``exp(shift)`` cancels. Added to :func:`reduce_sums`' information of sums
    made with ``second_moments=False`` it gives the same information.
    """
    XT, weights, risk, _ = _as_rows(XT, weights, risk, np.zeros(0))
    cum = np.zeros(len(terms.hazard) + 1)
    np.cumsum(terms.hazard, out=cum[1:])
    return _information_rows(rows.row_lo, rows.row_hi, rows.row_group, XT, weights, risk, cum,
                             np.ascontiguousarray(terms.own_hazard))


@lru_cache(maxsize=None)
def _cluster_pass(p: int, frailty: bool):
    return compiled_function(cluster_pass_source(p, frailty), "cluster_pass")


def cluster_sums(rows, XT, weights, risk, terms: GroupTerms, cluster, n_clusters: int, *,
                 frailty: bool = False):
    """Per-cluster sums of the rows' score residuals (step 3 of the module's contract).

    ``rows`` has ``row_lo``, ``row_hi``, ``row_group``; ``risk`` is
    ``exp(eta - shift)`` per row at the same ``shift`` as the sums that gave
    ``terms``. A row's compensator over its own (start, stop] is a difference
    of cumulative sums over groups; a tied event gets only ``1 - k/d`` of the
    k-th increment (R's ``agscore3``).

    Returns ``(n_clusters x p)`` sums of ``w_i`` times the score residuals.
    With ``frailty=True`` it returns instead ``(cross, expected, squared)``:
    the compensator part only (``-w r (x H - Hx)``, the fixed-by-frailty
    cross information, clusters x p), the expected events ``sum w r H`` and
    ``sum (w r)^2 Q`` with Q the squared terms over the row's interval.
    """
    XT, weights, risk, _ = _as_rows(XT, weights, risk, np.zeros(0))
    per_group = np.column_stack([terms.hazard, terms.xhazard, terms.squares])
    own = np.column_stack([terms.own_hazard, terms.own_xhazard, terms.own_squares])
    kernel = _cluster_pass(XT.shape[0], bool(frailty))
    resid, expected, squared = kernel(
        rows.row_lo, rows.row_hi, rows.row_group, XT, weights, risk,
        np.ascontiguousarray(cluster, dtype=np.int64), int(n_clusters), _cumulate(per_group),
        own, np.ascontiguousarray(terms.mean_term))
    if frailty:
        return -resid, expected, squared
    return resid
