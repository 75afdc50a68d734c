"""Can a log-linear count model be estimated from these counts at all?

A Poisson (or negative-binomial) regression of counts y on a design X has no
finite maximum-likelihood estimate when some direction d of the coefficients
never lowers the fit: x_i d = 0 wherever y_i > 0 and x_i d <= 0 wherever
y_i = 0, strictly somewhere (quasi-complete separation; e.g. every onset after
a start falls in its first month, so a falling trend after it fits better and
better without end).  Fitting software then stops at huge coefficients with
huge standard errors, which look like findings ("a yearly factor of 2e10").
:func:`separation_direction` finds such a direction by linear programming, and
:func:`too_wide` flags estimates whose interval is so wide that the data say
nothing about them.

References
----------
Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood
    estimates in logistic regression models. Biometrika 71, 1-10.
Haberman, S. J. (1974). The Analysis of Frequency Data, ch. 2 (existence of
    maximum-likelihood estimates in log-linear models).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

__all__ = ["separation_direction", "too_wide", "MAX_LOG_SE"]

#: A log-scale standard error above this gives a 95% interval wider than a factor of
#: about 10,000 (exp(2 * 1.96 * 2.35)): reported as "cannot be estimated from this log".
MAX_LOG_SE = 2.35


def separation_direction(X: np.ndarray, y: np.ndarray, *, tol: float = 1e-9) -> np.ndarray | None:
    """A direction along which the log-likelihood keeps rising, or None when the MLE is finite.

    Parameters
    ----------
    X : ndarray
        Design matrix (rows: cells, columns: terms).
    y : ndarray
        Counts.

    Returns
    -------
    ndarray or None
        d with |d_j| <= 1 (nonzero entries name the terms that run off to
        infinity), or None.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0, 0, 1, 1]])
    >>> separation_direction(X, np.array([2, 3, 0, 0])).round(3).tolist()
    [0.0, -1.0]
    >>> separation_direction(X, np.array([2, 3, 1, 0])) is None
    True
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    zero = y == 0
    if not zero.any():
        return None
    positive = ~zero
    result = linprog(
        X[zero].sum(axis=0),
        A_ub=X[zero], b_ub=np.zeros(int(zero.sum())),
        A_eq=X[positive] if positive.any() else None, b_eq=np.zeros(int(positive.sum())) if positive.any() else None,
        bounds=[(-1, 1)] * X.shape[1], method="highs",
    )
    if result.status == 0 and result.fun < -tol:
        return np.where(np.abs(result.x) > tol, result.x, 0.0)
    return None


def too_wide(std_errors) -> np.ndarray:
    """True where a log-scale standard error is too large for the estimate to mean anything."""
    se = np.asarray(std_errors, dtype=float)
    return ~np.isfinite(se) | (se > MAX_LOG_SE)
