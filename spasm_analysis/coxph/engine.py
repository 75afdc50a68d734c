"""Risk-set sums and Newton-Raphson for the Cox partial likelihood on (start, stop] rows.

Rows are never sorted: each row is located among the distinct event times of
its stratum (where it enters and where it leaves the risk set), and every
Newton step is one compiled pass over the rows that adds each row's
``w exp(x'b)`` (the exp taken beforehand by numpy, vectorised), its first and
second moments into per-event-time bins, followed by a reduction over the
short per-time arrays
(:mod:`spasm_analysis.coxph.binned`, the core a partitioned fit shares).
Set-up costs one ``np.unique`` of the times, or none when the times are whole
numbers in a modest range (days), the common case for logs; each likelihood
evaluation is O(n p^2) with no Python loop over rows or event times.

Conventions follow R's ``survival::agfit4`` (Therneau 2024, *A package for
survival analysis in R*): a row starting at t is not at risk at t; Efron's
approximation gives the k-th of d tied events (k = 0..d-1) the denominator
``S0 - (k/d) E0`` where E0 sums the tied events' risk scores; case weights
enter the tied-event terms through their mean weight; convergence is declared
when ``|1 - loglik_old / loglik_new| <= eps`` and the step is not being halved.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.linalg

from spasm_analysis.counting_process import near_tie_ranks
from spasm_analysis.sorted_codes import sorted_codes

from .binned import GroupTerms, information_pass, keeps_second_moments, reduce_sums, row_sums
from .design import first_dependent_column
from ..compiled import njit

__all__ = [
    "RiskSets", "Evaluation", "NewtonFit", "build_risk_sets", "evaluate", "newton_raphson",
    "maximise_partial_likelihood",
    "row_interval_sum",
]

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
    row_group: np.ndarray     # per row: its event group, -1 without an event
    group_size: np.ndarray    # d_j, the number of tied events
    group_weight: np.ndarray  # sum of the tied events' case weights
    efron: bool               # Efron's approximation for ties (else Breslow)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)

    @property
    def n_groups(self) -> int:
        return len(self.group_size)

    def take(self, rows) -> "RiskSets":
        """The same event groups with only some rows: what one partition of the data sees.

        Per-row sums over the pieces of a partition of the rows add up to the
        sums over all rows (see :mod:`spasm_analysis.coxph.binned`).
        """
        rows = np.asarray(rows)
        row_group = self.row_group[rows]
        deaths = np.flatnonzero(row_group >= 0)
        return RiskSets(
            row_lo=self.row_lo[rows], row_hi=self.row_hi[rows], bin_lo=self.bin_lo[rows],
            bin_hi=self.bin_hi[rows], n_bins=self.n_bins, group_bin=self.group_bin,
            stratum_bin=self.stratum_bin, deaths=deaths, death_group=row_group[deaths],
            row_group=row_group, group_size=self.group_size, group_weight=self.group_weight,
            efron=self.efron)

    @cached_property
    def term_group(self) -> np.ndarray:
        """Event group of each tied-event term (d_j terms per group)."""
        return np.repeat(np.arange(self.n_groups), self.group_size)

    @cached_property
    def efron_fraction(self) -> np.ndarray:
        """k/d_j for the k-th term of a group (0 under Breslow)."""
        if not self.efron:
            return np.zeros(len(self.term_group))
        size = self.group_size
        within = np.arange(len(self.term_group)) - np.repeat(np.cumsum(size) - size, size)
        return within / size[self.term_group]


def _time_ranks(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Ranks of start and stop times among the distinct times, and how many there are.

    Near-ties are merged by the one rule of the package, R's ``aeqSurv``
    (:func:`~spasm_analysis.counting_process.near_tie_ranks`), applied here to
    the times the model sees: a gap-time or marginal layout makes new times.
    Whole-day times are ranked without sorting.
    """
    n = len(start)
    ranks, firsts, _ = near_tie_ranks(np.concatenate([start, stop]))
    return ranks[:n], ranks[n:], max(len(firsts), 1)


@njit(cache=True, nogil=True)
def _locate(code_stop, code_start, stratum, width, event, weights, domain, like):
    """Per row: its first group at or after its stop and start keys, and its event group.

    Groups are the keys holding an event's stop; ``groups_before[k]`` counts
    groups with a key below k (one table over the key domain, no sort). With
    ``width`` > 0 the codes are time ranks and the keys are made here,
    ``stratum * width + width - 1 - rank`` (made inside this kernel, not by numpy beforehand); with 0 they are
    the keys' codes already.
    Returns ``row_lo, row_hi`` (group positions), ``bin_lo, bin_hi`` (shifted by
    the stratum), ``row_group`` (-1 without an event) in ``like``'s integer
    type, the keys of the groups, ascending, the event rows ascending, and per
    group its number of events and their summed weights (added in row order,
    as ``np.bincount`` adds them).
    """
    n = len(code_stop)
    if width > 0:
        key_stop = np.empty(n, dtype=np.int64)
        key_start = np.empty(n, dtype=np.int64)
        for i in range(n):
            base = stratum[i] * width + width - 1
            key_stop[i] = base - code_stop[i]
            key_start[i] = base - code_start[i]
    else:
        key_stop = code_stop
        key_start = code_start
    is_group = np.zeros(domain + 1, dtype=np.bool_)
    n_deaths = 0
    for i in range(n):
        if event[i]:
            is_group[key_stop[i]] = True
            n_deaths += 1
    groups_before = np.empty(domain + 1, dtype=like.dtype)
    count = 0
    for k in range(domain + 1):
        groups_before[k] = count
        if is_group[k]:
            count += 1
    group_codes = np.empty(count, dtype=np.int64)
    count = 0
    for k in range(domain + 1):
        if is_group[k]:
            group_codes[count] = k
            count += 1
    row_lo = np.empty(n, dtype=like.dtype)
    row_hi = np.empty(n, dtype=like.dtype)
    bin_lo = np.empty(n, dtype=like.dtype)
    bin_hi = np.empty(n, dtype=like.dtype)
    row_group = np.empty(n, dtype=like.dtype)
    deaths = np.empty(n_deaths, dtype=np.int64)
    group_size = np.zeros(count, dtype=np.int64)
    group_weight = np.zeros(count)
    d = 0
    for i in range(n):
        lo = groups_before[key_stop[i]]
        hi = groups_before[key_start[i]]
        row_lo[i] = lo
        row_hi[i] = hi
        bin_lo[i] = lo + stratum[i]
        bin_hi[i] = hi + stratum[i]
        if event[i]:
            row_group[i] = lo
            deaths[d] = i
            d += 1
            group_size[lo] += 1
            group_weight[lo] += weights[i]
        else:
            row_group[i] = -1
    return (row_lo, row_hi, bin_lo, bin_hi, row_group, group_codes, deaths, group_size,
            group_weight)


def build_risk_sets(start, stop, event, stratum, weights, *, ties: str = "efron") -> RiskSets:
    """Index (start, stop] rows so that risk-set sums become vectorised lookups.

    O(n) for whole-number times in a modest range (a lookup table over the
    (stratum, time) keys), otherwise O(n log n) (one ``np.unique`` of the
    times, and one of the keys when strata make the table too large); rows
    are never reordered.

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
    stratum = np.asarray(stratum, dtype=np.int64)
    n = len(stratum)
    n_strata = int(stratum.max()) + 1 if n else 1
    # keys increase with stratum and *decrease* with time: stratum * width + width - 1 - rank
    direct = n_strata * width <= 8 * n + 65536
    if direct:  # the keys index the lookup table themselves (made inside _locate)
        domain, code_stop, code_start, keys = n_strata * width, stop_rank, start_rank, None
    else:  # compact the (stratum, time) keys so the lookup table below stays O(n)
        base = stratum * width + (width - 1)
        keys, codes = sorted_codes(np.concatenate([base - stop_rank, base - start_rank]))
        domain, code_stop, code_start = len(keys), codes[:n], codes[n:]
    # 32-bit row positions halve the bytes each Newton step reads per row
    index = np.int32 if n + n_strata < np.iinfo(np.int32).max else np.int64
    (row_lo, row_hi, bin_lo, bin_hi, row_group, group_codes, deaths, group_size,
     group_weight) = _locate(code_stop, code_start, stratum, width if direct else 0,
                             np.asarray(event, dtype=np.bool_), np.asarray(weights, dtype=float),
                             domain, np.empty(0, dtype=index))
    death_group = row_group[deaths]
    group_keys = group_codes if keys is None else keys[group_codes]
    n_groups = len(group_keys)
    group_stratum = group_keys // width
    stratum_first_group = np.searchsorted(group_stratum, group_stratum, side="left")  # groups ascend by stratum
    return RiskSets(
        row_lo=row_lo, row_hi=row_hi, bin_lo=bin_lo, bin_hi=bin_hi,
        n_bins=n_groups + n_strata, group_bin=np.arange(n_groups) + group_stratum,
        stratum_bin=stratum_first_group + group_stratum, deaths=deaths,
        death_group=death_group, row_group=row_group, group_size=group_size,
        group_weight=group_weight, efron=ties == "efron")


@dataclass(frozen=True)
class Evaluation:
    """Partial likelihood, score and information at one coefficient vector.

    ``terms`` holds the per-event-group sums that score residuals, the
    frailty information and predictions need; ``term_mean``/``term_hazard``
    expand them to one value per tied-event term.
    """

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray | None
    risk: np.ndarray          # exp(eta - shift), without case weights
    terms: GroupTerms
    shift: float
    risk_sets: RiskSets = field(repr=False)

    def _term_sums(self):
        rs, t = self.risk_sets, self.terms
        g, c = rs.term_group, rs.efron_fraction
        D = t.at_risk[g, 0] - c * t.tied[g, 0]
        return g, c, D

    @cached_property
    def term_mean(self) -> np.ndarray:
        """a_t: weighted covariate mean of each tied-event term (p x T)."""
        g, c, D = self._term_sums()
        t = self.terms
        return ((t.at_risk[g, 1:] - c[:, None] * t.tied[g, 1:]) / D[:, None]).T

    @cached_property
    def term_hazard(self) -> np.ndarray:
        """meanwt / D_t: hazard increment of each term (scaled by exp(shift) like ``risk``)."""
        g, _, D = self._term_sums()
        rs = self.risk_sets
        return (rs.group_weight / rs.group_size)[g] / D


def _covariate_rows(X: np.ndarray) -> np.ndarray:
    """X as p x n with one covariate per contiguous row (free for a Fortran-ordered X)."""
    return X.T if X.T.flags.c_contiguous else np.ascontiguousarray(X.T)


def evaluate(rs: RiskSets, X: np.ndarray, weights: np.ndarray, offset: np.ndarray,
             beta: np.ndarray, *, information: bool = True) -> Evaluation:
    """Efron/Breslow log partial likelihood, score and observed information.

    With r_i = w_i exp(eta_i), the risk-set sums S0, S1, S2 at each event
    group and the tied-event sums E0, E1, E2 give, for the k-th tied-event
    term, ``D = S0 - c E0``, ``a = (S1 - c E1) / D`` and the information
    ``sum mw [(S2 - c E2)/D - a a']`` (c = k/d under Efron, 0 under Breslow).
    One compiled pass over the rows bins the moments; the rest works on
    per-group arrays (:mod:`spasm_analysis.coxph.binned`). When bins x p^2
    per-bin sums would be too large, the pass bins the first moments only and
    a second pass adds the x x' part of the information (same result).
    ``information`` is accepted for compatibility; the information costs
    nothing extra and is always returned.
    """
    XT = _covariate_rows(X)
    risk = np.empty(X.shape[0])
    second = keeps_second_moments(rs.n_bins, rs.n_groups, XT.shape[0])
    sums = row_sums(rs, XT, weights, offset, beta, risk_out=risk, second_moments=second)
    red = reduce_sums(rs, sums)
    info = red.information
    if not second:  # many bins x many covariates: the x x' part row by row, O(p^2) memory
        info = info + information_pass(rs, XT, weights, risk, red.terms)
    return Evaluation(beta=np.array(beta, dtype=float), loglik=red.loglik, score=red.score,
                      information=info, risk=risk, terms=red.terms,
                      shift=sums.shift, risk_sets=rs)


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
                   eps: float = 1e-9, names=None, start: Evaluation | None = None) -> NewtonFit:
    """Maximise the partial likelihood as R's ``agfit4`` does.

    Newton-Raphson from ``init`` (zeros), step-halving whenever the
    log-likelihood falls (``beta = (h * old + beta) / (h + 1)`` at the h-th
    halving), stopping when ``|1 - loglik_best / loglik_new| <= eps`` outside a
    halving. Warns, naming the covariates, when iterations run out or the
    likelihood converged while a coefficient was still moving (monotone
    likelihood: the estimate is infinite), with R's criterion
    ``|U' V| > sqrt(eps) (1 + |beta|)``. ``start``, the evaluation at
    ``init`` when the caller already has it, saves one pass over the rows.
    """
    def evaluate_at(beta):
        if start is not None and np.array_equal(start.beta, beta) and len(start.score) == len(beta):
            return start
        return evaluate(rs, X, weights, offset, beta)

    return maximise_partial_likelihood(evaluate_at, X.shape[1], init=init, max_iter=max_iter,
                                       eps=eps, names=names)


def maximise_partial_likelihood(evaluate_at, p: int, *, init=None, max_iter: int = 20,
                                eps: float = 1e-9, names=None) -> NewtonFit:
    """R's ``agfit4`` Newton-Raphson around any evaluator of the partial likelihood.

    ``evaluate_at(beta)`` returns an object with ``beta``, ``loglik``,
    ``score`` and ``information`` (an :class:`Evaluation` in memory; the
    partitioned path sums per-partition bins first). See :func:`newton_raphson`.
    """
    names = list(names) if names is not None else [f"x{i}" for i in range(p)]
    beta = np.zeros(p) if init is None else np.asarray(init, dtype=float).copy()
    ev = evaluate_at(beta)
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
        ev = evaluate_at(beta)
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
                ev = evaluate_at(beta)
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
