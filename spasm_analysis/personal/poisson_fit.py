"""Poisson log-linear fit of cell counts with profile-likelihood inference for one term.

Onsets in cell c: n_c ~ Poisson(t_c exp(x_c' beta)).  The model is small (a
few dozen columns), so a Newton-Raphson fit with step halving on the
log-likelihood is exact and fast; it is the fit of R's
``glm(events ~ ..., family = poisson, offset = log(days))``.  The confidence
interval of the term of interest comes from the profile likelihood (the
deviance rises by the chi-square quantile; as R ``confint`` for a GLM, but with
the limits solved exactly rather than interpolated), and the p-value is the
likelihood-ratio test: with few onsets both behave far better than Wald
intervals, and they stay defined when the term's estimate is 0 or infinite.

References
----------
McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models, 2nd ed., ch. 6.
Venzon, D. J. & Moolgavkar, S. H. (1988). A method for computing
    profile-likelihood-based confidence intervals. Applied Statistics 37, 87-94.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, stats

__all__ = ["PoissonFit", "fit_poisson", "profile_interval"]

_FAR = 30.0  # |log rate ratio| beyond which a limit is taken as 0 or infinite


@dataclass(frozen=True)
class PoissonFit:
    """Maximum-likelihood fit: coefficients, log-likelihood and fitted means."""

    beta: np.ndarray
    loglik: float
    mu: np.ndarray
    converged: bool


def _loglik(y, eta):
    """Poisson log-likelihood without the constant -sum(log y!) (it cancels in every comparison)."""
    eta = np.minimum(eta, 700.0)  # a wild trial step must lose the line search, not overflow
    return float(np.sum(y * eta - np.exp(eta)))


def _newton_step(info: np.ndarray, score: np.ndarray) -> np.ndarray:
    try:
        return linalg.cho_solve(linalg.cho_factor(info, check_finite=False), score, check_finite=False)
    except linalg.LinAlgError:  # aliased columns: the minimum-norm step
        return np.linalg.pinv(info, rcond=1e-12, hermitian=True) @ score


def fit_poisson(y: np.ndarray, X: np.ndarray, offset: np.ndarray, *, start: np.ndarray | None = None,
                tol: float = 1e-10, max_iter: int = 200) -> PoissonFit:
    """Newton-Raphson for the Poisson log-linear model (a pseudo-inverse copes with aliased columns).

    ``loglik`` omits the constant -sum(log y!), as it cancels in likelihood ratios.
    """
    y = np.asarray(y, float)
    p = X.shape[1]
    if p == 0:
        return PoissonFit(np.empty(0), _loglik(y, offset), np.exp(offset), True)
    if start is None:
        # Start every cell at its overall rate: only the intercept-like columns move first.
        rate = max(y.sum(), 0.5) / np.exp(offset).sum()
        beta = np.linalg.lstsq(X, np.full(len(y), np.log(rate)), rcond=None)[0]
    else:
        beta = np.array(start, float)
    eta = offset + X @ beta
    ll = _loglik(y, eta)
    converged = False
    for _ in range(max_iter):
        mu = np.exp(eta)
        score = X.T @ (y - mu)
        info = (X * mu[:, None]).T @ X
        step = _newton_step(info, score)
        for _ in range(40):
            new_eta = offset + X @ (beta + step)
            new_ll = _loglik(y, new_eta)
            if new_ll >= ll - 1e-12:
                break
            step /= 2
        beta = beta + step
        eta = new_eta
        gain, ll = new_ll - ll, new_ll
        if np.max(np.abs(step)) < tol or 0 <= gain < tol * 1e-2:
            converged = True
            break
    return PoissonFit(beta, ll, np.exp(eta), converged)


def profile_interval(y, X, offset, column: int, *, confidence_level: float = 0.95):
    """Estimate, profile-likelihood limits and likelihood-ratio p-value for ``beta[column]``.

    Returns
    -------
    dict
        ``estimate, lower, upper, p_value`` on the log scale (limits may be
        -inf or +inf when the profile never rises far enough), ``loglik``,
        ``mu0`` (fitted means with the term fixed at 0) and ``full`` (the fit).
    """
    y = np.asarray(y, float)
    x = X[:, column]
    rest = np.delete(X, column, axis=1)
    # With no onset where the term applies, the likelihood keeps rising as its
    # coefficient goes to -inf; the supremum is the fit without those cells.
    if y[x != 0].sum() == 0:
        keep = x == 0
        sup = fit_poisson(y[keep], rest[keep], offset[keep])
        estimate, loglik, full = -np.inf, sup.loglik, sup
    else:
        full = fit_poisson(y, X, offset)
        estimate, loglik = float(full.beta[column]), full.loglik
    cache: dict[float, PoissonFit] = {}

    def profile(value: float) -> PoissonFit:
        if value not in cache:
            # Warm start from the nuisance estimates at the nearest value tried so far.
            near = min(cache, key=lambda v: abs(v - value)) if cache else None
            cache[value] = fit_poisson(y, rest, offset + value * x, start=None if near is None else cache[near].beta)
        return cache[value]

    crit = stats.chi2.ppf(confidence_level, 1)

    def excess(value: float) -> float:
        return 2 * (loglik - profile(value).loglik) - crit

    null = profile(0.0)
    lr = max(2 * (loglik - null.loglik), 0.0)
    p_value = float(stats.chi2.sf(lr, 1))
    centre = estimate if np.isfinite(estimate) else -_FAR / 2
    centre = float(np.clip(centre, -_FAR + 1, _FAR - 1))
    # A first step of about two Wald standard errors brackets most limits at once.
    n_term = max(float(y[x != 0].sum()), 0.5)
    step0 = 2.5 * np.sqrt(1 / n_term + 1 / max(float(y.sum() - y[x != 0].sum()), 0.5))
    limits = []
    for direction in (-1.0, 1.0):
        if excess(centre) > 0:  # the estimate sits beyond the range searched
            limits.append(direction * np.inf if direction * estimate > 0 else centre)
            continue
        inner, step = centre, step0
        while True:
            outer = float(np.clip(inner + direction * step, -_FAR, _FAR))
            if excess(outer) >= 0:
                limits.append(optimize.brentq(excess, *sorted((inner, outer)), xtol=1e-12, rtol=1e-14))
                break
            if abs(outer) >= _FAR:
                limits.append(direction * np.inf)
                break
            inner, step = outer, step * 2
    return {"estimate": estimate, "lower": limits[0], "upper": limits[1], "p_value": p_value,
            "loglik": loglik, "mu0": null.mu, "full": full}
