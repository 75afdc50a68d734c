"""Where did the onset rate change?  Worsley's likelihood ratio and binary segmentation.

On an at-risk clock (0, T] with n onsets at t_1 <= ... <= t_n, a single change of
a Poisson rate at u with n1 onsets before it has the likelihood-ratio statistic

    LR(u) = 2 [n1 log(n1 / u) + n2 log(n2 / (T - u)) - n log(n / T)],  0 log 0 = 0.

For fixed n1 the statistic is largest at an end of the stretch between two
onsets, so its maximum over u is attained at an onset, with that onset counted
either before or after the change.  Given n, onsets of a constant-rate process
are independent and uniform on (0, T], and the maximised statistic does not
depend on T; its null distribution is simulated once per n with a fixed seed,
so p-values are reproducible (Monte Carlo p = (1 + #{null >= observed}) / (M + 1)).
That null assumes a Poisson process.  Episodes often come in clusters (a raised
chance of another one soon after an episode), which makes a constant-rate log
look like it has changes under the Poisson null; the default test therefore
compares the statistic with reorderings of the gaps between onsets (a
permutation test, exact for any renewal process, the Poisson process included).

Several changes are found by binary segmentation: the stretch with the most
significant split is cut at its maximising onset, and each new stretch is tested
the same way (conditionally on its own number of onsets).  A stretch is cut when
its p-value is below alpha times its share of the whole at-risk time: the first
test (the whole log) is at alpha, and once the true changes are found the
chance that any of the remaining stretches gets a spurious cut stays about
alpha (a Bonferroni split of alpha in proportion to length), instead of alpha
per stretch.

References
----------
Worsley, K. J. (1986). Confidence regions and tests for a change-point in a
    sequence of exponential family random variables. Biometrika 73, 91-104.
Scott, A. J. & Knott, M. (1974). A cluster analysis method for grouping means in
    the analysis of variance. Biometrics 30, 507-512 (binary segmentation).
Killick, R., Fearnhead, P. & Eckley, I. A. (2012). Optimal detection of
    changepoints with a linear computational cost. JASA 107, 1590-1598.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..options import check_option
from scipy.special import xlogy
from ..compiled import njit

__all__ = ["max_likelihood_ratio", "null_max_lr", "split_p_value", "permutation_p_value", "NULLS", "Stretch", "Split", "Segmentation", "segment"]

#: Draws of the null distribution per number of onsets (Monte Carlo SE of a
#: p-value near 0.05 is about 0.002).
N_SIMULATIONS = 9999
#: Reorderings of the gaps per test under the renewal null.
N_PERMUTATIONS = 999
#: What a constant rate means for the test: ``"renewal"`` (gaps between episodes
#: independent and alike, clusters allowed; gap permutations) or ``"poisson"``
#: (onsets uniform given their number).
NULLS = ("renewal", "poisson")
_NULL_SEED = 19860301


def _lr(n1: np.ndarray, u: np.ndarray, n: int, total: float) -> np.ndarray:
    n2 = n - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 2.0 * (xlogy(n1, n1 / u) + xlogy(n2, n2 / (total - u)) - xlogy(n, n / total))
    return np.where((u > 0) & (u < total), value, -np.inf)


def max_likelihood_ratio(times: np.ndarray, total: float) -> tuple[float, float, int]:
    """Largest LR(u) over the onsets of one stretch.

    Parameters
    ----------
    times : ndarray
        Sorted onset positions in [0, total] on the stretch's own clock.
    total : float
        Length T of the stretch.

    Returns
    -------
    tuple
        ``(statistic, u, n1)``: the maximised statistic, where the change sits and
        how many onsets fall before it (``n1`` is ``times <= u`` or ``times < u``,
        whichever gives the larger statistic).  A stretch without an admissible
        cut gives ``(0.0, nan, 0)``.

    Examples
    --------
    >>> stat, u, n1 = max_likelihood_ratio(np.array([1.0, 2.0, 3.0, 8.0]), 10.0)
    >>> round(stat, 4), u, n1
    (3.4385, 3.0, 3)
    """
    times = np.asarray(times, dtype=float)
    n = times.size
    if n == 0:
        return 0.0, float("nan"), 0
    u = np.unique(times)
    before = np.searchsorted(times, u, side="left")
    through = np.searchsorted(times, u, side="right")
    candidates_u = np.concatenate([u, u])
    candidates_n1 = np.concatenate([before, through])
    lr = _lr(candidates_n1.astype(float), candidates_u, n, float(total))
    k = int(np.argmax(lr))
    if not np.isfinite(lr[k]):
        return 0.0, float("nan"), 0
    return float(max(lr[k], 0.0)), float(candidates_u[k]), int(candidates_n1[k])


@njit(cache=True, nogil=True)
def _row_max_lr_kernel(u, total):
    # n1 log(n1 / u) = n1 log n1 - n1 log u: the n1 log n1 terms are a table, so each
    # position costs two logarithms for both counts (k and k + 1 onsets before it).
    rows, n = u.shape
    out = np.zeros(rows)
    table = np.zeros(n + 1)
    for m in range(1, n + 1):
        table[m] = m * np.log(m)
    whole = table[n] - n * np.log(total)
    for r in range(rows):
        best = 0.0
        for k in range(n):
            at = u[r, k]
            if at <= 0.0 or at >= total:
                continue
            log_before, log_after = np.log(at), np.log(total - at)
            for n1 in (k, k + 1):
                n2 = n - n1
                value = 2.0 * (table[n1] - n1 * log_before + table[n2] - n2 * log_after - whole)
                if value > best:
                    best = value
        out[r] = best
    return out


def _row_max_lr(u: np.ndarray, total: float) -> np.ndarray:
    """Max LR of each row of sorted positions ``u`` (rows: draws, columns: onsets).

    One compiled pass over the draws (no temporaries of draws x onsets); the
    same values as :func:`_lr` evaluated at ``k`` and ``k + 1`` onsets before
    the k-th position, as the doctest of :func:`max_likelihood_ratio` checks.
    """
    return _row_max_lr_kernel(np.ascontiguousarray(u, dtype=float), float(total))


@lru_cache(maxsize=512)
def null_max_lr(n: int, n_simulations: int = N_SIMULATIONS) -> np.ndarray:
    """Sorted draws of max LR for n onsets uniform on (0, 1] (a constant rate, given n).

    The draws depend only on ``n`` and ``n_simulations`` (fixed seed), so every
    p-value computed from them is reproducible.
    """
    if n < 1:
        return np.zeros(1)
    rng = np.random.default_rng([_NULL_SEED, n])
    out = np.empty(n_simulations)
    chunk = max(1, 2_000_000 // (2 * n))
    for lo in range(0, n_simulations, chunk):
        hi = min(n_simulations, lo + chunk)
        out[lo:hi] = _row_max_lr(np.sort(rng.uniform(size=(hi - lo, n)), axis=1), 1.0)
    out.sort()
    return out


def _monte_carlo_p(statistic: float, draws: np.ndarray) -> float:
    # A relative tolerance keeps ties between equal statistics (up to rounding) counted.
    exceed = int(np.sum(draws >= statistic * (1 - 1e-10)))
    return float((1 + exceed) / (draws.size + 1))


def split_p_value(statistic: float, n: int, n_simulations: int = N_SIMULATIONS) -> float:
    """Monte Carlo p-value of a maximised LR against its Poisson null distribution given ``n``."""
    if n < 1:
        return 1.0
    return _monte_carlo_p(statistic, null_max_lr(int(n), int(n_simulations)))


def permutation_p_value(statistic: float, times: np.ndarray, total: float, *, n_permutations: int = N_PERMUTATIONS,
                        seed=0) -> float:
    """P-value of a maximised LR against reorderings of the gaps between the stretch's onsets.

    Under any renewal process (gaps between episodes independent and alike,
    including clustered ones and the Poisson process), the gaps between
    successive onsets are exchangeable; the wait before the first onset and the
    open gap after the last one are kept in place.  Each permutation rebuilds
    the onset positions from reordered gaps and recomputes the statistic.

    Examples
    --------
    >>> onsets = np.array([100.0, 210.0, 330.0, 400.0, 420.0, 445.0, 460.0, 490.0])
    >>> stat = max_likelihood_ratio(onsets, 500.0)[0]
    >>> permutation_p_value(stat, onsets, 500.0) < 0.05
    True
    """
    times = np.sort(np.asarray(times, dtype=float))
    if times.size < 3:
        return 1.0  # fewer than two gaps between onsets: no reordering to compare with
    internal = np.diff(times)
    rng = np.random.default_rng([_NULL_SEED, int(seed), times.size])
    shuffled = rng.permuted(np.broadcast_to(internal, (int(n_permutations), internal.size)), axis=1)
    positions = times[0] + np.concatenate([np.zeros((int(n_permutations), 1)), np.cumsum(shuffled, axis=1)], axis=1)
    return _monte_carlo_p(statistic, _row_max_lr(positions, float(total)))


@dataclass(frozen=True)
class Stretch:
    """One stretch of the at-risk clock: (lo, hi] holding onsets ``first`` .. ``last - 1``."""

    lo: float
    hi: float
    first: int
    last: int

    @property
    def n(self) -> int:
        return self.last - self.first


@dataclass(frozen=True)
class Split:
    """The best cut of a stretch and its test."""

    stretch: Stretch
    statistic: float
    u: float
    n_before: int
    p_value: float


@dataclass(frozen=True)
class Segmentation:
    """Stretches of constant rate found by binary segmentation.

    Attributes
    ----------
    stretches : list of Stretch
        In time order.
    cuts : list of Split
        The accepted cuts, in the order they were made.
    test : Split
        The best cut of the whole clock: its p-value tests a constant rate.
    """

    stretches: list
    cuts: list
    test: Split


def _best_split(times: np.ndarray, stretch: Stretch, null: str, n_simulations: int) -> Split:
    local = times[stretch.first:stretch.last] - stretch.lo
    length = stretch.hi - stretch.lo
    statistic, u, n1 = max_likelihood_ratio(local, length)
    if not np.isfinite(u):
        p = 1.0
    elif null == "poisson":
        p = split_p_value(statistic, stretch.n, n_simulations)
    else:
        p = permutation_p_value(statistic, local, length, n_permutations=n_simulations, seed=stretch.first)
    return Split(stretch, statistic, stretch.lo + u if np.isfinite(u) else float("nan"), n1, p)


def segment(times, total: float, *, alpha: float = 0.05, max_changes: int | None = None, null: str = "renewal",
            n_simulations: int | None = None) -> Segmentation:
    """Binary segmentation of onsets on (0, total] into stretches of constant rate.

    Parameters
    ----------
    times : array_like
        Onset positions on the at-risk clock (sorted or not).
    total : float
        Length of the clock.
    alpha : float
        False-detection rate: the level of the test of the whole clock, shared
        among later stretches in proportion to their length.
    max_changes : int, optional
        Stop after this many cuts (None: until no stretch has a significant cut).
    null : {"renewal", "poisson"}
        The constant-rate model each cut is tested against: gaps between onsets
        reordered (valid when episodes cluster), or onsets uniform given their
        number (Worsley's conditional test for a Poisson process).
    n_simulations : int, optional
        Gap reorderings (default 999) or Poisson null draws (default 9,999) per test.

    Returns
    -------
    Segmentation

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> onsets = np.concatenate([rng.uniform(0, 3000, 8), rng.uniform(3000, 3600, 40)])
    >>> found = segment(onsets, 3600.0)
    >>> len(found.stretches), round(found.cuts[0].u, -2), found.test.p_value <= 0.001
    (2, 3000.0, True)
    """
    check_option("null", null, NULLS)
    if n_simulations is None:
        n_simulations = N_PERMUTATIONS if null == "renewal" else N_SIMULATIONS
    times = np.sort(np.asarray(times, dtype=float))
    total = float(total)
    limit = np.inf if max_changes is None else int(max_changes)
    whole = Stretch(0.0, float(total), 0, times.size)
    first = _best_split(times, whole, null, n_simulations)
    pending = {whole: first}
    accepted: list[Split] = []
    while len(accepted) < limit:
        significant = [s for s in pending.values()
                       if np.isfinite(s.u) and s.p_value < alpha * (s.stretch.hi - s.stretch.lo) / total]
        if not significant:
            break
        best = min(significant, key=lambda s: (s.p_value, -s.statistic))
        accepted.append(best)
        old = best.stretch
        del pending[old]
        cut = old.first + best.n_before
        for part in (Stretch(old.lo, best.u, old.first, cut), Stretch(best.u, old.hi, cut, old.last)):
            pending[part] = _best_split(times, part, null, n_simulations)
    stretches = sorted(pending, key=lambda s: (s.lo, s.first))
    return Segmentation(stretches, accepted, first)
