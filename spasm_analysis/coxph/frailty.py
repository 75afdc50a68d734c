"""Shared gamma frailty Cox model, fitted the way R's ``frailty(id, distribution = "gamma")`` is.

At a fixed frailty variance theta (nu = 1/theta) the log-frailties w_g and
the coefficients maximise the penalized partial likelihood
``PL(beta, w) + nu * sum_g (w_g - exp(w_g))``, whose solution equals the EM
solution of the gamma frailty model (Klein 1992; Therneau, Grambsch &
Pankratz 2003). theta is then chosen by maximising the profile marginal
("integrated") log-likelihood

    PL(beta, w) + nu * sum_g w_g + sum_g [d_g + nu log nu - (nu + d_g) log(nu + d_g)
                                         + log Gamma(nu + d_g) - log Gamma(nu)]

(d_g = events of group g, w centred so that mean(exp(w)) = 1) with R's
search: theta = 0, 1, then 2 or 0.5, then parabolic steps in sqrt(theta)
until the integrated log-likelihood changes by a relative 1e-5 (R's
``frailty.controlgam`` and ``frailty.brent``). Newton steps use R's sparse
approximation (only the diagonal of the frailty-by-frailty information), and
the reported variance of the coefficients is the fixed-effect block of the
inverse of that penalized information, R's ``se(coef)``. Members of a cluster
may be at risk at the same time (litter-mates, a patient's two catheters):
the diagonal then includes the products of their risks (R's coxfit5/agfit5).

References
----------
Klein, J. P. (1992). Semiparametric estimation of random effects using the Cox
model based on the EM algorithm. *Biometrics* 48, 795-806.
Therneau, T. M., Grambsch, P. M. and Pankratz, V. S. (2003). Penalized survival
models and frailty. *J. Comput. Graph. Statist.* 12, 156-175.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy.special import gammaln

from .design import CoxDesign
from .assemble import Estimates
from .binned import cluster_sums
from .engine import RiskSets, _covariate_rows, evaluate, newton_raphson

__all__ = ["fit_gamma_frailty", "gamma_frailty_correction", "next_theta",
           "penalized_degrees_of_freedom"]

OUTER_MAX = 10       # R's coxph.control(outer.max)
OUTER_EPS = 1e-5     # R's frailty.gamma(eps)
INNER_EPS = 1e-12    # tighter than R's 1e-9 so the result does not depend on start values
INNER_MAX = 200


def gamma_frailty_correction(events_per_group: np.ndarray, nu: float) -> float:
    """R's ``frailty.gammacon``: integrated minus penalized log-likelihood (gamma frailty)."""
    d = np.asarray(events_per_group, dtype=float)
    maxd = d.max()
    if nu > 1e7 * maxd:
        term1 = float(np.sum(d * d) / nu)
    else:
        term1 = float(np.sum(d + nu * np.log(nu / (nu + d))))
    # sum_g [log Gamma(nu + d_g) - log Gamma(nu) - d_g log(nu + d_g)]
    term2 = float(np.sum(gammaln(nu + d) - gammaln(nu) - d * np.log(nu + d)))
    return term1 + term2


def _brent(x, y, lower=0.0):
    """R's ``frailty.brent``: next point of a parabolic search for the maximum of y(x)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < 3:
        return float(np.mean(x))
    order = np.argsort(x, kind="stable")
    xx, yy = x[order], y[order]
    best = np.flatnonzero(yy == y.max())
    if len(best) > 1:
        raise RuntimeError("ties for the maximum of the profile likelihood; cannot choose theta")
    best = int(best[0])
    if best == 0:
        new = xx[0] - 3 * (xx[1] - xx[0])
        if new < lower:
            new = lower + (np.min(xx[xx > lower]) - lower) / 10
        return float(new)
    if best == n - 1:
        return float(xx[-1] + 3 * (xx[-1] - xx[-2]))
    x1, x2, x3 = xx[best - 1: best + 2]
    y1, y2, y3 = yy[best - 1: best + 2]
    temp1 = (x2 - x1) ** 2 * (y2 - y3) - (x2 - x3) ** 2 * (y2 - y1)
    temp2 = (x2 - x1) * (y2 - y3) - (x2 - x3) * (y2 - y1)
    new = x2 - 0.5 * temp1 / temp2
    if new < x1 or new > x3 or (n > 4 and (new - x[n - 1]) > 0.5 * abs(x[n - 2] - x[n - 3])):
        if (x2 - x1) > (x3 - x2):
            return float(x2 - 0.38 * (x2 - x1))
        return float(x2 + 0.32 * (x3 - x2))
    return float(new)


def next_theta(history: list[tuple[float, float]]) -> tuple[float, bool]:
    """R's ``frailty.controlgam`` step: the next theta and whether the search is done.

    ``history`` holds (theta, integrated log-likelihood) of the fits so far.
    """
    it = len(history)
    x = np.array([h[0] for h in history])
    y = np.array([h[1] for h in history])
    if it == 1:
        return 1.0, False
    if it == 2:
        return (float(np.mean(x)) if y[1] < y[0] + 1 else 2 * x[1]), False
    done = abs(1 - y[-1] / y[-2]) < OUTER_EPS
    if y[-1] == y.max() and x[-1] == x.max():
        return 2 * float(x.max()), done
    return _brent(np.sqrt(x), y, lower=0.0) ** 2, done


def penalized_degrees_of_freedom(info) -> tuple[float, np.ndarray]:
    """The frailty term's effective degrees of freedom and ``H^-1 I H^-1`` for the coefficients.

    R's ``coxpenal.df`` (Gray 1992, *JASA* 87, 942-951) for a sparse frailty
    term: with H the penalized information (frailty block diagonal, penalty
    P = nu exp(w) on it) and I = H - P the unpenalized one, the frailty's df
    is ``G - sum_g (H^-1)_gg P_g`` and the fixed effects' sandwich is
    ``C - B' P B`` (C, B the fixed-by-fixed and frailty-by-fixed blocks of H^-1).
    """
    d, cross, pen, C = info.frailty_info, info.cross, info.penalty, info.variance
    scaled = cross / d                       # p x G: D^-1 B' as rows
    inverse_diag = 1 / d + np.einsum("kg,kl,lg->g", scaled, C, scaled)
    B = -(scaled.T @ C)                       # G x p block of H^-1
    return float(len(d) - np.sum(inverse_diag * pen)), C - B.T @ (pen[:, None] * B)


class _FrailtyProblem:
    """Penalized partial likelihood pieces at fixed theta, vectorised over rows."""

    def __init__(self, design: CoxDesign, rs: RiskSets):
        self.pairs = _overlapping_pairs(design, rs)
        self.rs = rs
        self.X = design.X
        self.XT = _covariate_rows(design.X)
        self.weights = design.weights
        self.group = design.cluster
        self.n_groups = design.n_clusters
        event = design.event
        self.events = np.bincount(self.group, weights=event.astype(float),
                                  minlength=self.n_groups)
        self.weighted_events = np.bincount(self.group, weights=self.weights * event,
                                           minlength=self.n_groups)

    def evaluate(self, beta, w, nu):
        """Partial likelihood, scores and the sparse information blocks at (beta, w).

        Returns the engine's evaluation (fixed-effect score and information),
        the frailty score, the diagonal of the frailty information and the
        p x G fixed-by-frailty information block, all including the penalty.
        """
        rs, grp, G = self.rs, self.group, self.n_groups
        ev = evaluate(rs, self.X, self.weights, w[grp], beta)
        # one pass over the rows with the per-time terms broadcast back: the
        # expected events, the squared terms of the frailty diagonal (a tied
        # event's own terms weighted by (1 - k/d)^2) and the cross information
        cross, expected, squared = cluster_sums(rs, self.XT, self.weights, ev.risk, ev.terms,
                                                grp, G, frailty=True)
        u_w = self.weighted_events - expected + nu * (1 - np.exp(w))
        d_w = expected - squared + nu * np.exp(w)
        if self.pairs is not None:
            # the diagonal is sum_t mw (A_g(t) / D_t)^2 with A_g the cluster's whole risk at t
            # (R's coxfit5/agfit5): add twice the products of two rows at risk together
            g, c = rs.term_group, rs.efron_fraction
            meanwt = (rs.group_weight / rs.group_size)[g]
            D = meanwt / ev.term_hazard
            per_group = lambda v: np.bincount(g, weights=v, minlength=rs.n_groups)  # noqa: E731
            d_w -= self.pairs.cross_squares(
                self.weights * ev.risk, per_group(meanwt / D**2),
                per_group(meanwt * (1 - (1 - c) ** 2) / D**2), per_group(meanwt * c / D**2), G)
        cross = cross.T  # p x G
        return ev, u_w, d_w, cross

    def fit(self, theta, beta, w):
        """Maximise the penalized partial likelihood at fixed theta > 0."""
        nu = 1.0 / theta
        best = None
        old_beta, old_w = beta, w
        halving = False
        # recentring w rounds at ~eps per cluster, and the penalty nu * sum(w) multiplies
        # that by nu: near theta = 0 plik cannot settle closer than this
        noise = 16 * nu * self.n_groups * np.finfo(float).eps
        for _ in range(INNER_MAX):
            w = w - math.log(np.mean(np.exp(w)))  # R recentres so that mean(exp(w)) = 1
            ev, u_w, d_w, cross = self.evaluate(beta, w, nu)
            plik = ev.loglik + nu * float(np.sum(w))  # R's penalized loglik (drops -nu * G)
            if best is not None and (
                    (not halving and abs(1 - best / plik) <= INNER_EPS)
                    or abs(best - plik) <= noise):
                break
            if best is not None and plik < best:
                halving = True
                beta, w = (old_beta + beta) / 2, (old_w + w) / 2
                continue
            halving = False
            best = plik
            schur = ev.information - (cross / d_w) @ cross.T
            step_beta = np.linalg.solve(schur, ev.score - cross @ (u_w / d_w))
            step_w = (u_w - cross.T @ step_beta) / d_w
            old_beta, old_w = beta, w
            beta, w = beta + step_beta, w + step_w
        else:
            warnings.warn(f"frailty inner loop did not converge at theta = {theta:.4g}",
                          RuntimeWarning, stacklevel=4)
        schur = ev.information - (cross / d_w) @ cross.T
        variance = np.linalg.inv(schur)
        return beta, w, ev, plik, variance, SimpleNamespace(
            frailty_info=d_w, cross=cross, penalty=nu * np.exp(w), variance=variance)


class _OverlappingPairs:
    """Pairs of rows of one cluster and stratum whose intervals overlap (e.g. litter-mates).

    For such a pair the frailty information has the cross term
    ``2 r_i r_j sum_t mw f_i(t) f_j(t) / D_t^2`` over the event times both are
    at risk for, ``f = 1 - k/d`` for a row's own k-th tied-event term and 1
    otherwise. Both rows can only end in an event inside the overlap at its
    first (latest) event group ``lo``.
    """

    def __init__(self, first, second, lo, hi, first_dies, second_dies, cluster):
        self.first, self.second, self.lo, self.hi = first, second, lo, hi
        self.first_dies, self.second_dies, self.cluster = first_dies, second_dies, cluster

    def cross_squares(self, r, sq, sq_own, sq_one, n_clusters) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(sq)])
        total = cum[self.hi] - cum[self.lo]
        both = self.first_dies & self.second_dies
        one = self.first_dies ^ self.second_dies
        total -= np.where(both, sq_own[self.lo], 0.0) + np.where(one, sq_one[self.lo], 0.0)
        products = 2 * r[self.first] * r[self.second] * total
        return np.bincount(self.cluster, weights=products, minlength=n_clusters)


def _overlapping_pairs(design: CoxDesign, rs: RiskSets) -> _OverlappingPairs | None:
    """All pairs of rows of one cluster and stratum at risk together at some event time."""
    order = np.lexsort((design.stratum, design.cluster))
    block = design.cluster[order] * (int(design.stratum.max()) + 1) + design.stratum[order]
    starts = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(order)]]))
    first, second = [], []
    for m in np.unique(sizes[sizes > 1]):
        i, j = np.triu_indices(m, 1)
        at = starts[sizes == m]
        first.append((at[:, None] + i).ravel())
        second.append((at[:, None] + j).ravel())
    if not first:
        return None
    first, second = order[np.concatenate(first)], order[np.concatenate(second)]
    lo = np.maximum(rs.row_lo[first], rs.row_lo[second])
    hi = np.minimum(rs.row_hi[first], rs.row_hi[second])
    keep = lo < hi
    if not keep.any():
        return None
    first, second, lo, hi = first[keep], second[keep], lo[keep], hi[keep]
    event = design.event
    return _OverlappingPairs(first, second, lo, hi,
                             event[first] & (rs.row_lo[first] == lo),
                             event[second] & (rs.row_lo[second] == lo),
                             design.cluster[first])


def fit_gamma_frailty(design: CoxDesign, rs: RiskSets) -> Estimates:
    """Shared gamma frailty Cox fit with theta chosen by R's profile-likelihood search."""
    problem = _FrailtyProblem(design, rs)
    names = list(design.covariates)
    if names:
        base = newton_raphson(rs, problem.X, problem.weights, np.zeros(design.n_rows),
                              names=names)
    else:  # no fixed covariates: theta = 0 is the null model itself
        null = evaluate(rs, problem.X, problem.weights, np.zeros(design.n_rows), np.zeros(0))
        base = SimpleNamespace(beta=np.zeros(0), final=null, loglik=null.loglik,
                               loglik_null=null.loglik, variance=np.zeros((0, 0)))
    beta, w = base.beta, np.zeros(problem.n_groups)
    history = [(0.0, base.loglik)]
    saved = [(0.0, beta, w)]
    fits = {0.0: (beta, w, base.final, base.loglik, base.variance, None)}
    theta, done = next_theta(history)
    last = 0.0
    outer = 1
    while not done and outer < OUTER_MAX:
        outer += 1
        start = min(saved, key=lambda s: (s[0] - theta) ** 2)
        beta_t, w_t, ev, plik, variance, info = problem.fit(theta, start[1], start[2])
        integrated = plik + gamma_frailty_correction(problem.events, 1.0 / theta)
        history.append((theta, integrated))
        saved.append((theta, beta_t, w_t))
        fits[theta] = (beta_t, w_t, ev, plik, variance, info)
        last = theta
        theta, done = next_theta(history)
    beta_t, w_t, ev, plik, variance, info = fits[last]
    frailty_df, sandwich = (0.0, variance) if info is None else penalized_degrees_of_freedom(info)
    integrated = history[-1][1]
    if not done:
        change = abs(1 - history[-1][1] / history[-2][1])
        warnings.warn(
            f"the frailty variance search stopped after {OUTER_MAX} fits without converging, "
            f"as R's coxph does (outer.max = {OUTER_MAX}); the integrated log-likelihood still "
            f"changed by a relative {change:.1e} at theta = {last:.4g}, so the frailty variance "
            "is only approximately the maximiser", RuntimeWarning, stacklevel=3)
    return Estimates(
        beta=beta_t, variance=variance, robust_variance=None, loglik=ev.loglik,
        loglik_null=base.loglik_null, score_statistic=None, robust_score_statistic=None,
        iterations=outer, converged=bool(done), evaluation=ev, offset=w_t[problem.group],
        frailty_variance=float(last),
        details={"integrated_loglik": integrated, "penalized_loglik": plik,
                 "log_frailty": pd.Series(w_t, index=design.cluster_labels, name="log_frailty"),
                 "theta_history": pd.DataFrame(history, columns=["theta", "integrated_loglik"]),
                 "frailty_df": frailty_df, "sandwich_variance": sandwich},
    )
