"""Risk-set sums and Newton-Raphson for the Cox partial likelihood on (start, stop] rows.

Everything here is vectorised and rows are never sorted: each row is binned at
the first event time it covers and at the first one it no longer covers, so a
cumulative sum over event times gives every risk-set sum at once (what
entered minus what left), and per-row integrals over the row's own interval
come from differences of cumulative sums over event times. Set-up is
O(n log n) (one ``np.unique`` of the times); each likelihood evaluation is
O(n p^2), with no Python loop over rows or event times.

Conventions follow R's ``survival::agfit4`` (Therneau 2024, *A package for
survival analysis in R*): a row starting at t is not at risk at t; Efron's
approximation gives the k-th of d tied events (k = 0..d-1) the denominator
``S0 - (k/d) E0`` where E0 sums the tied events' risk scores; case weights
enter the tied-event terms through their mean weight; convergence is declared
when ``|1 - loglik_old / loglik_new| <= eps`` and the step is not being halved.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .design import first_dependent_column

__all__ = [
    "RiskSets", "Evaluation", "NewtonFit", "build_risk_sets", "evaluate", "newton_raphson",
    "row_interval_sum",
]

#: R's ``aeqSurv`` tolerance: times closer than this (absolutely or relative to
#: their mean magnitude) are treated as tied, so that e.g. computed gap times
#: that differ only by rounding tie exactly as they do in R.
TIME_TOLERANCE = np.sqrt(np.finfo(float).eps)


@dataclass(frozen=True)
class RiskSets:
    """Event groups and, for every row, the range of event groups it is at risk for.

    Event groups are the distinct (stratum, event time) pairs, ordered by
    stratum and, within a stratum, from the latest time to the earliest. A
    row is at risk for groups ``row_lo <= j < row_hi``: ``row_lo`` is the
    first group with time <= stop, ``row_hi`` the first with time <= start.
    Risk-set sums then need no sorting of rows at all: binning each row's
    values at ``row_lo`` (and at ``row_hi``) and taking cumulative sums over
    the groups of a stratum gives, for group j, the sum over rows with
    ``stop >= t_j`` (and ``start >= t_j``); their difference is the risk set.
    Bins carry one extra slot per stratum so that strata never mix.
    """

    row_lo: np.ndarray        # per row: first event group with time <= stop
    row_hi: np.ndarray        # per row: first event group with time <= start
    bin_lo: np.ndarray        # row_lo shifted by the row's stratum index
    bin_hi: np.ndarray
    n_bins: int
    group_bin: np.ndarray     # per group: its bin (group index + stratum index)
    stratum_bin: np.ndarray   # per group: first bin of its stratum
    deaths: np.ndarray        # rows ending in an event, ascending
    death_group: np.ndarray   # event group of each of those rows
    term_group: np.ndarray    # event group of each tied-event term (d_j terms per group)
    group_size: np.ndarray    # d_j, the number of tied events
    group_weight: np.ndarray  # sum of the tied events' case weights
    efron_fraction: np.ndarray  # k/d_j for the k-th term of a group (0 under Breslow)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)

    @property
    def n_groups(self) -> int:
        return len(self.group_size)


def _time_ranks(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer ranks of start and stop times, with R's ``aeqSurv`` near-tie merging."""
    n = len(start)
    values, inverse = np.unique(np.concatenate([start, stop]), return_inverse=True)
    gaps = np.diff(values)
    scale = np.mean(np.abs(values)) if len(values) else 0.0
    tied = (gaps <= TIME_TOLERANCE) | (gaps <= TIME_TOLERANCE * scale)
    rank_of_value = np.concatenate([[0], np.cumsum(~tied)])
    ranks = rank_of_value[inverse]
    return ranks[:n], ranks[n:], int(rank_of_value[-1]) + 1 if len(values) else 1


def build_risk_sets(start, stop, event, stratum, weights, *, ties: str = "efron") -> RiskSets:
    """Index (start, stop] rows so that risk-set sums become vectorised lookups.

    O(n log n): one ``np.unique`` of the times (and, with strata, one of the
    (stratum, time) keys), then table lookups; rows are never reordered.

    Parameters
    ----------
    start, stop : ndarray of float
        Interval ends; a row is at risk at t when ``start < t <= stop``.
    event : ndarray of bool
        Whether the row ends in an event at ``stop``.
    stratum : ndarray of int
        Stratum codes (0..S-1); risk sets never cross strata.
    weights : ndarray of float
        Case weights (only used to total the tied events' weights).
    ties : {"efron", "breslow"}
    """
    start_rank, stop_rank, width = _time_ranks(start, stop)
    if np.any(start_rank >= stop_rank):
        bad = int(np.flatnonzero(start_rank >= stop_rank)[0])
        raise ValueError(
            f"row {bad}: interval (start={start[bad]:g}, stop={stop[bad]:g}] has zero length "
            "once times equal up to rounding are treated as tied")
    stratum = stratum.astype(np.int64)
    n_strata = int(stratum.max()) + 1 if len(stratum) else 1
    # keys increase with stratum and *decrease* with time
    base = stratum * width + (width - 1)
    key_stop = base - stop_rank
    key_start = base - start_rank
    if n_strata == 1:
        domain, code_stop, code_start = width, key_stop, key_start
        keys = None
    else:  # compact the (stratum, time) keys so the lookup table below stays O(n)
        keys, codes = np.unique(np.concatenate([key_stop, key_start]), return_inverse=True)
        domain, code_stop, code_start = len(keys), codes[: len(key_stop)], codes[len(key_stop):]
    deaths = np.flatnonzero(event)
    is_group = np.zeros(domain, dtype=bool)
    is_group[code_stop[deaths]] = True
    groups_before = np.concatenate([[0], np.cumsum(is_group)])
    # the first group at or after a key: counting groups with a smaller key
    row_lo = groups_before[code_stop]
    row_hi = groups_before[code_start]
    death_group = row_lo[deaths]
    group_codes = np.flatnonzero(is_group)
    group_keys = group_codes if keys is None else keys[group_codes]
    group_size = np.bincount(death_group, minlength=len(group_codes))
    group_stratum = group_keys // width
    group_index = np.arange(len(group_keys))
    stratum_first_group = np.searchsorted(group_stratum, group_stratum, side="left")
    group_weight = np.bincount(death_group, weights=weights[deaths], minlength=len(group_keys))
    term_group = np.repeat(group_index, group_size)
    if ties == "efron":
        within = np.arange(len(term_group)) - np.repeat(np.cumsum(group_size) - group_size,
                                                        group_size)
        fraction = within / group_size[term_group]
    else:
        fraction = np.zeros(len(term_group))
    return RiskSets(
        row_lo=row_lo, row_hi=row_hi, bin_lo=row_lo + stratum, bin_hi=row_hi + stratum,
        n_bins=len(group_keys) + n_strata, group_bin=group_index + group_stratum,
        stratum_bin=stratum_first_group + group_stratum, deaths=deaths,
        death_group=death_group, term_group=term_group, group_size=group_size,
        group_weight=group_weight, efron_fraction=fraction)


@dataclass(frozen=True)
class Evaluation:
    """Partial likelihood, score and information at one coefficient vector.

    The per-term arrays are kept because score residuals and the frailty
    information need them.
    """

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray | None
    risk: np.ndarray          # exp(eta - shift), without case weights
    term_mean: np.ndarray     # a_t: weighted covariate mean of each tied-event term (p x T)
    term_hazard: np.ndarray   # meanwt / D_t: hazard increment of each term


def _at_risk_cumsum(rs: RiskSets, Z: np.ndarray) -> np.ndarray:
    """Cumulative sums over event-group bins of what enters minus what leaves the risk set.

    Each row of Z is added at the row's stop bin and removed at its start bin
    (bins run from the latest time to the earliest), so the cumulative sum at
    group j is the sum over the rows at risk at t_j: ``start < t_j <= stop``.
    """
    out = np.zeros((Z.shape[0], rs.n_bins + 1))
    for k in range(Z.shape[0]):  # loop over the p + 1 sums, not over rows
        net = np.bincount(rs.bin_lo, weights=Z[k], minlength=rs.n_bins)
        net -= np.bincount(rs.bin_hi, weights=Z[k], minlength=rs.n_bins)
        np.cumsum(net, out=out[k, 1:])
    return out


def evaluate(rs: RiskSets, X: np.ndarray, weights: np.ndarray, offset: np.ndarray,
             beta: np.ndarray, *, information: bool = True) -> Evaluation:
    """Efron/Breslow log partial likelihood, score and observed information.

    With r_i = w_i exp(eta_i), the risk-set sums S0, S1 at each event group
    and the tied-event sums E0, E1 give, for the k-th tied-event term t,
    ``D_t = S0 - c_t E0`` and ``a_t = (S1 - c_t E1) / D_t``. The information
    ``sum_t mw [(S2 - c_t E2)/D_t - a_t a_t']`` is assembled without forming
    S2 per event time: the ``S2/D`` part is ``X' diag(r G) X`` where G is
    each row's cumulative hazard over its own interval.

    Arrays are handled one covariate per contiguous row (``X.T``) because
    gathers along such rows are several times faster than gathers of small
    rows of an (n, p) array; ``X`` in Fortran order makes ``X.T`` free.
    """
    n, p = X.shape
    XT = X.T if X.flags.f_contiguous else np.ascontiguousarray(X.T)
    eta = X @ beta
    eta += offset
    shift = float(eta.max()) if n else 0.0
    risk = np.exp(eta - shift)
    r = weights * risk
    Z = np.empty((p + 1, n))  # one contiguous row per sum: r, r x_1, ..., r x_p
    Z[0] = r
    np.multiply(XT, r, out=Z[1:])
    at_risk = _at_risk_cumsum(rs, Z)

    def at(values, index):
        return np.take(values, index, axis=1)

    S = at(at_risk, rs.group_bin + 1) - at(at_risk, rs.stratum_bin)
    deaths = rs.deaths
    Zd = at(Z, deaths)
    E = np.vstack([np.bincount(rs.death_group, weights=Zd[k], minlength=rs.n_groups)
                   for k in range(p + 1)])

    g = rs.term_group
    c = rs.efron_fraction
    meanwt = np.take(rs.group_weight / rs.group_size, g)
    # without tied event times every group has one term: no gathering needed
    Sg, Eg = (S, E) if rs.n_groups == len(g) else (at(S, g), at(E, g))
    D = Sg[0] - c * Eg[0]
    A = (Sg[1:] - c * Eg[1:]) / D  # p x n_terms
    wd = np.take(weights, deaths)
    Xd = at(XT, deaths)
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = float(wd @ (np.take(eta, deaths) - shift) - meanwt @ np.log(D))
    U = Xd @ wd - A @ meanwt
    hazard = meanwt / D
    info = None
    if information:
        G = row_interval_sum(rs, np.bincount(g, weights=hazard, minlength=rs.n_groups))
        hc = np.take(np.bincount(g, weights=hazard * c, minlength=rs.n_groups), rs.death_group)
        info = (XT * (r * G)) @ X - (Xd * (Zd[0] * hc)) @ Xd.T - (A * meanwt) @ A.T
    return Evaluation(beta=np.array(beta, dtype=float), loglik=loglik, score=U, information=info,
                      risk=risk, term_mean=A, term_hazard=hazard)


def row_interval_sum(rs: RiskSets, per_group: np.ndarray) -> np.ndarray:
    """Sum of per-event-group quantities over each row's own (start, stop].

    ``per_group`` is (G,) or (k, G); the result is (n,) or (k, n).
    Differences of cumulative sums over event groups, so each row costs O(1);
    this is how compensator terms are restricted to the row's interval.
    """
    values = np.atleast_2d(per_group)
    cum = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=cum[:, 1:])
    out = np.take(cum, rs.row_hi, axis=1) - np.take(cum, rs.row_lo, axis=1)
    return out[0] if per_group.ndim == 1 else out


@dataclass(frozen=True)
class NewtonFit:
    """Outcome of :func:`newton_raphson`."""

    beta: np.ndarray
    variance: np.ndarray
    loglik_null: float
    loglik: float
    score_test: float
    iterations: int
    converged: bool
    final: Evaluation
    initial: Evaluation


def _solve(info: np.ndarray, u: np.ndarray) -> np.ndarray | None:
    try:
        factor = scipy.linalg.cho_factor(info, lower=True, check_finite=True)
    except (np.linalg.LinAlgError, ValueError):
        return None
    return scipy.linalg.cho_solve(factor, u)


def _inverse(info: np.ndarray) -> np.ndarray:
    factor = scipy.linalg.cho_factor(info, lower=True)
    return scipy.linalg.cho_solve(factor, np.eye(len(info)))


def newton_raphson(rs: RiskSets, X, weights, offset, *, init=None, max_iter: int = 20,
                   eps: float = 1e-9, names=None) -> NewtonFit:
    """Maximise the partial likelihood as R's ``agfit4`` does.

    Newton-Raphson from ``init`` (zeros), step-halving whenever the
    log-likelihood falls (``beta = (h * old + beta) / (h + 1)`` at the h-th
    halving), stopping when ``|1 - loglik_best / loglik_new| <= eps`` outside a
    halving. Warns, naming the covariates, when iterations run out or the
    likelihood converged while a coefficient was still moving (monotone
    likelihood: the estimate is infinite), with R's criterion
    ``|U' V| > sqrt(eps) (1 + |beta|)``.
    """
    p = X.shape[1]
    names = list(names) if names is not None else [f"x{i}" for i in range(p)]
    beta = np.zeros(p) if init is None else np.asarray(init, dtype=float).copy()
    ev = evaluate(rs, X, weights, offset, beta)
    loglik_null = best = ev.loglik
    step = _solve(ev.information, ev.score)
    if step is None:
        k = first_dependent_column(ev.information)
        which = ("" if k is None else
                 f" (covariate {names[k]!r} is collinear with the others within risk sets)")
        raise ValueError(f"the information matrix at the starting values is singular{which}")
    initial = ev
    score_test = float(ev.score @ step)
    old = beta.copy()
    beta = beta + step
    halving = 0
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        ev = evaluate(rs, X, weights, offset, beta)
        fail = not np.isfinite(ev.loglik) or not np.all(np.isfinite(ev.information))
        newton = None if fail else _solve(ev.information, ev.score)
        fail = fail or newton is None
        if not fail and halving == 0 and abs(1 - best / ev.loglik) <= eps:
            converged = True
            break
        if iteration == max_iter:
            if fail or (ev.loglik - best) / abs(best) < -eps:
                # the last attempt was worse than the best point: report the best point
                beta = old
                ev = evaluate(rs, X, weights, offset, beta)
            break
        if fail or ev.loglik < best:
            halving += 1
            beta = (old * halving + beta) / (halving + 1)
        else:
            halving = 0
            best = ev.loglik
            old = beta
            beta = beta + newton
    try:
        variance = _inverse(ev.information)
    except np.linalg.LinAlgError as err:
        raise np.linalg.LinAlgError("the information matrix at the estimate is singular") from err
    if not converged:
        warnings.warn(f"Cox fit ran out of iterations ({max_iter}) and did not converge; "
                      "estimates may be unreliable", RuntimeWarning, stacklevel=3)
    else:
        moving = np.abs(ev.score @ variance) > np.sqrt(eps) * (1 + np.abs(ev.beta))
        if np.any(moving):
            which = ", ".join(str(names[i]) for i in np.flatnonzero(moving))
            warnings.warn(
                f"monotone likelihood: the log-likelihood converged while the coefficient of "
                f"{which} was still moving; its estimate may be infinite (e.g. all events in one "
                "group) and its standard error meaningless", RuntimeWarning, stacklevel=3)
    return NewtonFit(beta=ev.beta, variance=variance, loglik_null=loglik_null, loglik=ev.loglik,
                     score_test=score_test, iterations=iteration, converged=converged, final=ev,
                     initial=initial)
