"""Exact confidence intervals for Poisson counts and for a ratio of two rates.

References
----------
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437-442.
Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26, 404-413.
Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research II,
    section 2.4 (conditional inference for a rate ratio).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..options import check_confidence_level

__all__ = ["poisson_ci", "exact_rate_ratio"]


def poisson_ci(count, *, confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) limits for the mean of a Poisson count.

    lower = chi2(alpha/2; 2k) / 2 (0 when k = 0), upper = chi2(1 - alpha/2; 2k + 2) / 2.

    Examples
    --------
    >>> lo, hi = poisson_ci(0)
    >>> float(lo), round(float(hi), 4)
    (0.0, 3.6889)
    """
    alpha = 1 - check_confidence_level(confidence_level)
    k = np.asarray(count, dtype=float)
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper


def exact_rate_ratio(a: int, time_a: float, b: int, time_b: float, *, confidence_level: float = 0.95):
    """Conditional exact inference for (a / time_a) / (b / time_b).

    Given n = a + b, a ~ Binomial(n, p) with p = RR T1 / (RR T1 + T0).
    Clopper-Pearson limits for p map to RR limits p / (1 - p) * T0 / T1; the
    p-value is the two-sided exact binomial test of p = T1 / (T1 + T0).

    Returns
    -------
    tuple
        ``(rate_ratio, lower, upper, p_value)``; with a = 0 the lower limit is 0 and
        the upper limit finite, with b = 0 the estimate and upper limit are inf,
        with no events at all the estimate is NaN, limits (0, inf) and p = 1.

    Examples
    --------
    >>> rr, lo, hi, p = exact_rate_ratio(0, 100.0, 10, 400.0)
    >>> rr, lo, round(hi, 4)
    (0.0, 0.0, 1.7845)
    """
    alpha = 1 - check_confidence_level(confidence_level)
    n = a + b
    if n == 0:
        return float("nan"), 0.0, float("inf"), 1.0
    odds_scale = time_b / time_a
    p_lower = stats.beta.ppf(alpha / 2, a, n - a + 1) if a > 0 else 0.0
    p_upper = stats.beta.ppf(1 - alpha / 2, a + 1, n - a) if a < n else 1.0
    lower = p_lower / (1 - p_lower) * odds_scale
    upper = p_upper / (1 - p_upper) * odds_scale if p_upper < 1 else float("inf")
    estimate = (a / time_a) / (b / time_b) if b > 0 else float("inf")
    p_value = stats.binomtest(a, n, time_a / (time_a + time_b)).pvalue
    return float(estimate), float(lower), float(upper), float(p_value)
