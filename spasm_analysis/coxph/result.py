"""The immutable result of a Cox model fit."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from spasm_analysis.results import TestResult, format_p_value

__all__ = ["CoxResult", "chi_square_test"]


def chi_square_test(chisq: float, df: int, method: str, interpretation: str = "") -> TestResult:
    """A chi-square test of all coefficients being zero, as a shared TestResult."""
    return TestResult(statistic=float(chisq), p_value=float(stats.chi2.sf(chisq, df)),
                      method=method, df=float(df), chisq=float(chisq),
                      interpretation=interpretation)


@dataclass(frozen=True)
class CoxResult:
    """Cox proportional hazards fit on (start, stop] recurrent-event data.

    Attributes
    ----------
    params : pandas.Series
        Log hazard ratios, indexed by covariate.
    std_errors : pandas.Series
        Model-based standard errors (inverse information; with a frailty, the
        inverse penalized information, R's ``se(coef)``).
    robust_std_errors : pandas.Series or None
        Cluster-robust (sandwich) standard errors; None when ``cluster=None``
        or with a frailty term.
    variance, robust_variance : pandas.DataFrame or None
        The corresponding covariance matrices.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at zero (R's ``loglik``).
    n, n_events, n_clusters : int
        Rows, events and clusters used.
    model : str
        ``"Cox"``, ``"Andersen-Gill"``, ``"PWP total time"``, ``"PWP gap time"``, ``"WLW"``.
    ties : str
        ``"efron"`` or ``"breslow"``.
    strata : tuple of str
        Stratification columns (empty when unstratified).
    confidence_level : float
        Level of the intervals in :attr:`summary`.
    frailty_variance : float or None
        Variance of the shared gamma frailty; None without a frailty term.
    iterations : int
        Newton-Raphson iterations (outer theta iterations with a frailty).
    converged : bool
    wald_test, score_test, likelihood_ratio_test : TestResult
        Tests of all coefficients being zero; the Wald test uses the robust
        variance when there is one (as R's ``coxph`` reports it). With a
        frailty the score and likelihood-ratio tests are None (their degrees
        of freedom are not those of the fixed effects).
    robust_score_test : TestResult or None
        R's robust score test (score residuals at zero, summed by cluster).
    details : dict
        Further numbers (e.g. the frailty fit's integrated log-likelihood and
        estimated log-frailties).
    state : FitState
        The fitted design, risk sets and evaluation that residuals, predictions
        and diagnostics are computed from (internal).
    """

    params: pd.Series
    std_errors: pd.Series
    robust_std_errors: pd.Series | None
    variance: pd.DataFrame
    robust_variance: pd.DataFrame | None
    loglik: float
    loglik_null: float
    n: int
    n_events: int
    n_clusters: int
    model: str
    ties: str
    strata: tuple
    confidence_level: float
    frailty_variance: float | None
    iterations: int
    converged: bool
    wald_test: TestResult
    score_test: TestResult | None
    likelihood_ratio_test: TestResult | None
    robust_score_test: TestResult | None
    details: dict = field(default_factory=dict)
    state: object = field(default=None, repr=False, compare=False)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 loglik + 2 k`` with k the estimated coefficients.

        As R's ``AIC(fit)`` for a Cox model (partial likelihood; aliased terms
        not counted). Not defined for a frailty fit, whose degrees of freedom
        are not those of the fixed effects: raises ValueError there.
        """
        if self.frailty_variance is not None:
            raise ValueError("AIC is not defined here for a frailty fit (its effective degrees "
                             "of freedom are not the number of fixed coefficients)")
        return float(-2 * self.loglik + 2 * int(np.isfinite(self.params).sum()))

    @property
    def hazard_ratios(self) -> pd.Series:
        """exp(coef): the multiplicative change in the episode rate per unit of each covariate."""
        return np.exp(self.params).rename("exp(coef)")

    @property
    def _se_for_inference(self) -> pd.Series:
        return self.robust_std_errors if self.robust_std_errors is not None else self.std_errors

    @property
    def summary(self) -> pd.DataFrame:
        """Coefficient table.

        Columns ``coef, exp(coef), se, robust se, z, p, ci_lower, ci_upper,
        exp_ci_lower, exp_ci_upper``; z, p and the intervals use the robust
        standard error when there is one (as R does). The intervals' level is
        :attr:`confidence_level`.
        """
        se = self._se_for_inference
        z = self.params / se
        q = stats.norm.ppf(0.5 + self.confidence_level / 2)
        lower = self.params - q * se
        upper = self.params + q * se
        robust = (self.robust_std_errors if self.robust_std_errors is not None
                  else pd.Series(np.nan, index=self.params.index))
        table = pd.DataFrame({
            "coef": self.params, "exp(coef)": np.exp(self.params), "se": self.std_errors,
            "robust se": robust, "z": z, "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": lower, "ci_upper": upper,
            "exp_ci_lower": np.exp(lower), "exp_ci_upper": np.exp(upper),
        })
        table.index.name = "covariate"
        return table

    @property
    def table(self) -> pd.DataFrame:
        """Alias of :attr:`summary`."""
        return self.summary

    def _footer(self) -> list[str]:
        lines = [f"n = {self.n} rows, {self.n_events} events"
                 + (f", {self.n_clusters} clusters" if self.n_clusters else "")
                 + (f"; strata: {', '.join(self.strata)}" if self.strata else "")
                 + f"; ties: {self.ties}"]
        if self.frailty_variance is not None:
            lines.append(f"gamma frailty variance = {self.frailty_variance:.4g}")
        lines.append(f"log partial likelihood = {self.loglik:.6g} (null {self.loglik_null:.6g})")
        for test in (self.likelihood_ratio_test, self.wald_test, self.score_test,
                     self.robust_score_test):
            if test is not None:
                lines.append(f"{test.method}: chisq = {test.chisq:.4g} on {test.df:g} df, "
                             f"{format_p_value(test.p_value)}")
        if not self.converged:
            lines.append("WARNING: the fit did not converge")
        return lines

    def __str__(self) -> str:
        head = f"{self.model} Cox model ({self.confidence_level:.0%} intervals)"
        body = self.summary.to_string(float_format=lambda v: f"{v:.4g}")
        return "\n".join([head, body, *self._footer()])

    def _repr_html_(self) -> str:
        table = self.summary.to_html(float_format=lambda v: f"{v:.4g}")
        footer = "".join(f"<li>{html.escape(line)}</li>" for line in self._footer())
        return (f"<div><strong>{html.escape(self.model)} Cox model</strong> "
                f"({self.confidence_level:.0%} intervals){table}<ul>{footer}</ul>"
                "<p>Hazard ratios describe associations with the episode rate, "
                "not causes.</p></div>")

    def plot(self, ax=None):
        """Forest plot of hazard ratios with their confidence intervals (log scale).

        Returns the matplotlib Axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.5 * len(self.params) + 1.5))
        table = self.summary
        y = np.arange(len(table))[::-1]
        hr = table["exp(coef)"].to_numpy()
        ax.errorbar(hr, y, xerr=[hr - table["exp_ci_lower"].to_numpy(),
                                 table["exp_ci_upper"].to_numpy() - hr],
                    fmt="o", color="black", ecolor="gray", capsize=3)
        ax.axvline(1.0, color="gray", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_yticks(y)
        ax.set_yticklabels([str(i) for i in table.index])
        ax.set_xlabel(f"hazard ratio ({self.confidence_level:.0%} CI)")
        ax.set_title(f"{self.model} Cox model")
        return ax
