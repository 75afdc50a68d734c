"""Risk-set sums and Newton-Raphson for the Cox partial likelihood on (start, stop] rows.

Everything here is vectorised: rows are sorted once, risk-set sums at every
event time come from suffix sums over the sorted rows (rows with ``stop >= t``
minus rows with ``start >= t``), and per-row integrals over the row's own
interval come from differences of cumulative sums over event times. The cost
of one likelihood evaluation is O(n p^2) after an O(n log n) set-up, with no
Python loop over rows or event times.

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
    """Sort orders and index ranges that turn risk-set sums into array lookups.

    Built once per data set by :func:`build_risk_sets`; every likelihood
    evaluation reuses it. Event groups are the distinct (stratum, event time)
    pairs, in increasing (stratum, time) order.
    """

    n_rows: int
    order_stop: np.ndarray   # rows sorted by (stratum, stop)
    order_start: np.ndarray  # rows sorted by (stratum, start)
    lo_stop: np.ndarray      # per group: first sorted-by-stop row with stop >= t
    hi_stop: np.ndarray      # per group: end of the group's stratum in that order
    lo_start: np.ndarray     # per group: first sorted-by-start row with start >= t
    hi_start: np.ndarray
    row_lo: np.ndarray       # per row: first event group after the row's start
    row_hi: np.ndarray       # per row: one past the last event group <= the row's stop
    death_rows: np.ndarray   # event rows, grouped by event group
    death_group: np.ndarray  # event group of each entry of death_rows
    group_first: np.ndarray  # offset of each group's first entry in death_rows
    group_size: np.ndarray   # d_j, the number of tied events
    group_weight: np.ndarray  # sum of the tied events' case weights
    efron_fraction: np.ndarray  # k/d_j for the k-th tied event (0 under Breslow)
    group_stratum: np.ndarray
    group_time_rank: np.ndarray

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
    return ranks[:n], ranks[n:], int(rank_of_value[-1]) + 2 if len(values) else 2


def build_risk_sets(start, stop, event, stratum, weights, *, ties: str = "efron") -> RiskSets:
    """Index (start, stop] rows so that risk-set sums become vectorised lookups.

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
    n = len(start)
    start_rank, stop_rank, width = _time_ranks(start, stop)
    if np.any(start_rank >= stop_rank):
        bad = int(np.flatnonzero(start_rank >= stop_rank)[0])
        raise ValueError(
            f"row {bad}: interval (start={start[bad]!r}, stop={stop[bad]!r}] has zero length "
            "once times equal up to rounding are treated as tied"
        )
    stratum = stratum.astype(np.int64)
    key_start = stratum * width + start_rank
    key_stop = stratum * width + stop_rank
    order_stop = np.argsort(key_stop, kind="stable")
    order_start = np.argsort(key_start, kind="stable")
    sorted_stop = key_stop[order_stop]
    sorted_start = key_start[order_start]

    dead = np.flatnonzero(event)
    group_keys, group_of_death = np.unique(key_stop[dead], return_inverse=True)
    group_stratum = group_keys // width
    stratum_end = (group_stratum + 1) * width
    lo_stop = np.searchsorted(sorted_stop, group_keys, side="left")
    hi_stop = np.searchsorted(sorted_stop, stratum_end, side="left")
    lo_start = np.searchsorted(sorted_start, group_keys, side="left")
    hi_start = np.searchsorted(sorted_start, stratum_end, side="left")
    row_lo = np.searchsorted(group_keys, key_start, side="right")
    row_hi = np.searchsorted(group_keys, key_stop, side="right")

    by_group = np.argsort(group_of_death, kind="stable")
    death_rows = dead[by_group]
    death_group = group_of_death[by_group]
    group_size = np.bincount(death_group, minlength=len(group_keys))
    group_first = np.cumsum(group_size) - group_size
    group_weight = np.bincount(death_group, weights=weights[death_rows], minlength=len(group_keys))
    if ties == "efron":
        within = np.arange(len(death_rows)) - group_first[death_group]
        fraction = within / group_size[death_group]
    else:
        fraction = np.zeros(len(death_rows))
    return RiskSets(
        n_rows=n, order_stop=order_stop, order_start=order_start,
        lo_stop=lo_stop, hi_stop=hi_stop, lo_start=lo_start, hi_start=hi_start,
        row_lo=row_lo, row_hi=row_hi, death_rows=death_rows, death_group=death_group,
        group_first=group_first, group_size=group_size, group_weight=group_weight,
        efron_fraction=fraction, group_stratum=group_stratum,
        group_time_rank=group_keys % width,
    )


def _suffix_sums(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Suffix sums of ``values[order]`` with a trailing zero row.

    Suffix (rather than prefix) sums keep rounding error proportional to the
    rows still at or after t, not to everything that already left the risk set.
    """
    out = np.zeros((len(order) + 1,) + values.shape[1:])
    out[:-1] = np.cumsum(values[order][::-1], axis=0)[::-1]
    return out


@dataclass(frozen=True)
class Evaluation:
    """Partial likelihood, score and information at one coefficient vector.

    The per-event-group arrays are kept because score residuals and the
    frailty information need them.
    """

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray | None
    risk: np.ndarray          # exp(eta - shift), without case weights
    shift: float
    term_mean: np.ndarray     # a_t: weighted covariate mean of each tied-event term
    term_hazard: np.ndarray   # meanwt / D_t: hazard increment of each term


def evaluate(rs: RiskSets, X: np.ndarray, weights: np.ndarray, offset: np.ndarray,
             beta: np.ndarray, *, information: bool = True) -> Evaluation:
    """Efron/Breslow log partial likelihood, score and observed information.

    With r_i = w_i exp(eta_i), the risk-set sums S0, S1 at each event group
    and the tied-event sums E0, E1 give, for the k-th tied-event term t,
    ``D_t = S0 - c_t E0`` and ``a_t = (S1 - c_t E1) / D_t``. The information
    ``sum_t mw [(S2 - c_t E2)/D_t - a_t a_t']`` is assembled without forming
    S2 per event time: the ``S2/D`` part is ``X' diag(r G) X`` where G is
    each row's cumulative hazard over its own interval.
    """
    n, p = X.shape
    eta = X @ beta + offset
    shift = float(eta.max()) if n else 0.0
    risk = np.exp(eta - shift)
    r = weights * risk
    Z = np.empty((n, p + 1))
    Z[:, 0] = r
    np.multiply(X, r[:, None], out=Z[:, 1:])
    suf_stop = _suffix_sums(Z, rs.order_stop)
    suf_start = _suffix_sums(Z, rs.order_start)
    S = (suf_stop[rs.lo_stop] - suf_stop[rs.hi_stop]) - (suf_start[rs.lo_start] - suf_start[rs.hi_start])
    deaths = rs.death_rows
    if len(deaths):
        E = np.add.reduceat(Z[deaths], rs.group_first, axis=0)
    else:
        E = np.zeros((0, p + 1))
    g = rs.death_group
    c = rs.efron_fraction
    meanwt = (rs.group_weight / rs.group_size)[g]
    D = S[g, 0] - c * E[g, 0]
    A = (S[g, 1:] - c[:, None] * E[g, 1:]) / D[:, None]
    wd = weights[deaths]
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = float(wd @ (eta[deaths] - shift) - meanwt @ np.log(D))
    U = wd @ X[deaths] - meanwt @ A
    hazard = meanwt / D
    info = None
    if information:
        G = row_interval_sum(rs, np.bincount(g, weights=hazard, minlength=rs.n_groups))
        hc = np.bincount(g, weights=hazard * c, minlength=rs.n_groups)[g]
        Xd = X[deaths]
        info = (X.T * (r * G)) @ X - (Xd.T * (r[deaths] * hc)) @ Xd - (A.T * meanwt) @ A
    return Evaluation(beta=np.array(beta, dtype=float), loglik=loglik, score=U, information=info,
                      risk=risk, shift=shift, term_mean=A, term_hazard=hazard)


def row_interval_sum(rs: RiskSets, per_group: np.ndarray) -> np.ndarray:
    """Sum of a per-event-group quantity over each row's own (start, stop].

    Differences of cumulative sums over event groups, so each row costs O(1);
    this is how compensator terms are restricted to the row's interval.
    """
    cum = np.concatenate([np.zeros((1,) + per_group.shape[1:]), np.cumsum(per_group, axis=0)])
    return cum[rs.row_hi] - cum[rs.row_lo]


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
        from .design import first_dependent_column

        k = first_dependent_column(ev.information)
        which = f" (covariate {names[k]!r} is collinear with the others within risk sets)" if k is not None else ""
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
