"""Episode-rate regression per subject: Poisson and negative binomial models of counts over time at risk.

Each subject contributes its number of onsets ``y_i`` over its days at risk
``t_i`` (sums over its counting-process rows) and its baseline covariates
``x_i``: ``E y_i = t_i exp(x_i' b)``. The Poisson model takes
``Var y_i = E y_i``; the negative binomial (NB2) model allows between-subject
heterogeneity, ``Var y_i = mu_i + mu_i^2 / theta``, with theta estimated by
maximum likelihood, as R's ``MASS::glm.nb`` does.

Both are fitted by iteratively reweighted least squares, whose every step
needs only the sums ``X'WX`` and ``X'Wz`` over subjects (and, for theta, sums
of digamma and trigamma terms): the same code runs on a pandas frame and, one
pass per step, on a Dask DataFrame (a map over partitions and a sum).

References
----------
McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed.
Venables, W. N. and Ripley, B. D. (2002). *Modern Applied Statistics with S*,
section 7.4 (``glm.nb``). Lawless, J. F. (1987). Negative binomial and mixed
Poisson regression. *Canadian Journal of Statistics* 15, 209-225.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from .counting import as_counting_process
from .options import check_confidence_level, check_option
from .partitioned import is_dask_frame

__all__ = ["RateRegressionResult", "rate_regression", "subject_counts"]

FAMILIES = ("poisson", "negative-binomial")
INTERCEPT = "(Intercept)"


@dataclass(frozen=True, eq=False)
class RateRegressionResult:
    """A fitted per-subject rate model.

    Attributes
    ----------
    params, std_errors : Series
        Log rate ratios (``(Intercept)``: the log rate per day at zero
        covariates) and their model-based standard errors (R's ``glm`` /
        ``glm.nb`` ``Std. Error``).
    family : str
    theta : float or None
        The negative binomial's shape (R's ``theta``; ``1/theta`` is the
        squared coefficient of variation of the subjects' rates); None for Poisson.
    loglik : float
    n_subjects, n_events : int
    iterations : int
    confidence_level : float
    """

    params: pd.Series
    std_errors: pd.Series
    family: str
    theta: float | None
    loglik: float
    n_subjects: int
    n_events: int
    iterations: int
    confidence_level: float = 0.95

    @property
    def summary(self) -> pd.DataFrame:
        """Coefficients with Wald intervals, rate ratios and p-values."""
        z = stats.norm.ppf(0.5 + self.confidence_level / 2)
        lower, upper = self.params - z * self.std_errors, self.params + z * self.std_errors
        wald = self.params / self.std_errors
        return pd.DataFrame({"coef": self.params, "se": self.std_errors, "z": wald,
                             "p": 2 * stats.norm.sf(np.abs(wald)), "rate_ratio": np.exp(self.params),
                             "ci_lower": np.exp(lower), "ci_upper": np.exp(upper)})

    @property
    def interpretation(self) -> str:
        rows = [f"{name}: episode rate x{np.exp(c):.3g} per unit"
                for name, c in self.params.items() if name != INTERCEPT]
        what = "; ".join(rows) if rows else "no covariates"
        return (f"{self.family.capitalize()} model of each subject's episodes over their days at "
                f"risk ({self.n_subjects} subjects, {self.n_events} episodes): {what}. These are "
                "associations, not evidence of cause.")

    def __str__(self) -> str:
        extra = "" if self.theta is None else f", theta = {self.theta:.4g}"
        return (f"Rate regression ({self.family}{extra})\n{self.summary.to_string()}\n"
                f"log-likelihood {self.loglik:.6g}")

    def _repr_html_(self) -> str:
        head = html.escape(f"Rate regression ({self.family})")
        return f"<div><strong>{head}</strong>{self.summary.to_html()}<p>{html.escape(self.interpretation)}</p></div>"


def _per_subject(frame: pd.DataFrame, subject: str, covariates: list) -> pd.DataFrame:
    """Onsets, days at risk and the (constant) covariates of each subject in ``frame``."""
    grouped = frame.assign(_days=frame["stop"] - frame["start"]).groupby(subject, sort=True)
    out = grouped.agg(events=("event", "sum"), days=("_days", "sum"))
    for column in covariates:
        low, high = grouped[column].min(), grouped[column].max()
        varying = low.index[(low != high).to_numpy()]
        if len(varying):
            raise ValueError(f"covariate {column!r} changes within subject(s) "
                             f"{', '.join(map(repr, list(varying)[:5]))}; a per-subject rate model "
                             "needs baseline covariates (use a Cox model for time-varying ones)")
        out[column] = low
    return out.reset_index()


def subject_counts(data, covariates, *, subject: str = "subject"):
    """Per subject: ``events``, ``days`` at risk and the covariates (a Dask frame stays lazy)."""
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if is_dask_frame(data):
        from spasm_analysis.partitioned.frames import by_subject

        rows = by_subject(data[[subject, "start", "stop", "event", *covariates]], subject)
        meta = _per_subject(rows._meta, subject, covariates)
        return rows.map_partitions(_per_subject, subject, covariates, meta=meta)
    frame = as_counting_process(data, subject=subject).to_frame()
    return _per_subject(frame, "subject", covariates)


def _design(part: pd.DataFrame, covariates):
    X = np.column_stack([np.ones(len(part))] + [part[c].to_numpy(dtype=float) for c in covariates])
    return X, part["events"].to_numpy(dtype=float), np.log(part["days"].to_numpy(dtype=float))


def _irls_sums(part: pd.DataFrame, covariates, beta, theta):
    """``(X'WX, X'Wz, deviance-free loglik pieces)`` of one chunk at ``beta`` (and theta)."""
    X, y, offset = _design(part, covariates)
    eta = X @ beta + offset
    mu = np.exp(eta)
    w = mu if theta is None else mu / (1.0 + mu / theta)
    z = eta - offset + (y - mu) / mu
    xtwx = X.T @ (w[:, None] * X)
    xtwz = X.T @ (w * z)
    if theta is None:
        loglik = float(np.sum(y * np.log(mu) - mu - special.gammaln(y + 1)))
        return xtwx, xtwz, loglik, 0.0, 0.0
    # NB2 log-likelihood and its first two derivatives in theta (MASS::theta.ml)
    loglik = float(np.sum(special.gammaln(theta + y) - special.gammaln(theta) - special.gammaln(y + 1)
                          + theta * np.log(theta) + y * np.log(mu) - (theta + y) * np.log(theta + mu)))
    score = float(np.sum(special.digamma(theta + y) - special.digamma(theta) + np.log(theta)
                         + 1 - np.log(theta + mu) - (y + theta) / (mu + theta)))
    info = float(np.sum(-special.polygamma(1, theta + y) + special.polygamma(1, theta) - 1 / theta
                        + 2 / (mu + theta) - (y + theta) / (mu + theta) ** 2))
    return xtwx, xtwz, loglik, score, info


def _sums(counts, covariates, beta, theta):
    if is_dask_frame(counts):
        import dask

        from spasm_analysis.partitioned.frames import compute, tree_sum

        parts = [dask.delayed(_irls_sums, pure=True)(p, covariates, beta, theta)
                 for p in counts.to_delayed()]
        (total,) = compute(tree_sum(parts, lambda a, b: tuple(x + y for x, y in zip(a, b))),
                           label="rate model step")
        return total
    return _irls_sums(counts, covariates, beta, theta)


def _fit_beta(counts, covariates, beta, theta, max_iter, tol):
    """IRLS at a fixed theta, stopping on the relative change of the log-likelihood (as glm)."""
    old = None
    for iteration in range(1, max_iter + 1):
        xtwx, xtwz, loglik, *_ = _sums(counts, covariates, beta, theta)
        beta = np.linalg.solve(xtwx, xtwz)
        if old is not None and abs(loglik - old) <= tol * (abs(loglik) + 0.1):
            break
        old = loglik
    return beta, iteration


def rate_regression(data, covariates, *, family: str = "poisson", subject: str = "subject",
                    confidence_level: float = 0.95, max_iter: int = 100,
                    tol: float = 1e-12) -> RateRegressionResult:
    """Poisson or negative binomial regression of each subject's episode rate.

    Parameters
    ----------
    data : CountingProcess, DataFrame, EpisodeLog or dask DataFrame
        Counting-process rows; each subject's onsets and days at risk are
        summed (a subject is not at risk during an episode).
    covariates : str or list of str
        Baseline covariates (numeric, constant within subject).
    family : {"poisson", "negative-binomial"}
        ``"negative-binomial"`` (NB2) lets subjects' rates differ beyond the
        covariates, theta estimated by maximum likelihood as ``MASS::glm.nb``.
    subject : str, default "subject"
    confidence_level : float, default 0.95

    Returns
    -------
    RateRegressionResult
        Coefficients and standard errors equal to R's
        ``glm(events ~ x + offset(log(days)), family = poisson)`` and
        ``MASS::glm.nb(events ~ x + offset(log(days)))`` (checked in
        ``tests/reference/make_rate_regression_reference.R``).

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": [1, 1, 2, 3, 3, 4], "start": [0, 5, 0, 0, 3, 0],
    ...                      "stop": [5, 9, 7, 3, 8, 6], "event": [1, 0, 1, 1, 1, 0],
    ...                      "x": [1, 1, 0, 0, 0, 1]})
    >>> fit = sa.rate_regression(rows, ["x"])
    >>> round(float(fit.params["x"]), 4)  # log(1/15 / (3/15))
    -1.0986
    """
    check_option("family", family, FAMILIES)
    level = check_confidence_level(confidence_level)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    counts = subject_counts(data, covariates, subject=subject)
    if is_dask_frame(counts):
        counts = counts.persist()
        from spasm_analysis.partitioned.frames import compute

        n_subjects, n_events, days = compute(counts.shape[0], counts["events"].sum(),
                                             counts["days"].sum(), label="subject totals")
    else:
        n_subjects, n_events, days = len(counts), counts["events"].sum(), counts["days"].sum()
    if n_events == 0:
        raise ValueError("the data has no episodes (event == 1); a rate model needs some")
    beta = np.r_[np.log(n_events / days), np.zeros(len(covariates))]
    beta, iterations = _fit_beta(counts, covariates, beta, None, max_iter, tol)
    theta = None
    if family == "negative-binomial":
        # MASS::glm.nb: start theta from the Poisson fit's moments, then alternate
        theta = _theta_moments(counts, covariates, beta, n_subjects)
        for _ in range(max_iter):
            for _ in range(max_iter):
                _, _, _, score, info = _sums(counts, covariates, beta, theta)
                step = score / info
                theta = max(theta + step, theta / 10)
                if abs(step) <= tol ** 0.5 * theta:
                    break
            new_beta, more = _fit_beta(counts, covariates, beta, theta, max_iter, tol)
            iterations += more
            moved = np.max(np.abs(new_beta - beta))
            beta = new_beta
            if moved <= tol ** 0.5:
                break
    xtwx, _, loglik, *_ = _sums(counts, covariates, beta, theta)
    names = [INTERCEPT, *covariates]
    se = np.sqrt(np.diag(np.linalg.inv(xtwx)))
    return RateRegressionResult(
        params=pd.Series(beta, index=names, name="coef"),
        std_errors=pd.Series(se, index=names, name="se"), family=family,
        theta=None if theta is None else float(theta), loglik=float(loglik),
        n_subjects=int(n_subjects), n_events=int(n_events), iterations=iterations,
        confidence_level=level)


def _theta_moments(counts, covariates, beta, n_subjects) -> float:
    """MASS's starting value: n / sum((y/mu - 1)^2) at the Poisson fit."""
    def piece(part):
        X, y, offset = _design(part, covariates)
        mu = np.exp(X @ beta + offset)
        return float(np.sum((y / mu - 1.0) ** 2))

    if is_dask_frame(counts):
        import dask

        from spasm_analysis.partitioned.frames import compute

        (values,) = compute([dask.delayed(piece)(p) for p in counts.to_delayed()],
                            label="rate model start")
        total = sum(values)
    else:
        total = piece(counts)
    return float(n_subjects) / total if total > 0 else 1.0
