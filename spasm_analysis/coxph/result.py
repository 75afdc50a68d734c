"""The immutable result of a Cox model fit."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from spasm_analysis.results import TestResult, format_p_value

__all__ = ["CoxResult", "chi_square_test"]


def chi_square_test(chisq: float, df: int, method: str, interpretation: str = "") -> TestResult:
    """A chi-square test of all coefficients being zero, as a shared TestResult."""
    # special.chdtrc is what stats.chi2.sf computes, without 0.3 ms of argument handling
    return TestResult(statistic=float(chisq), p_value=float(special.chdtrc(df, chisq)),
                      method=method, df=float(df), chisq=float(chisq),
                      interpretation=interpretation)


def _term_degrees_of_freedom(variance: np.ndarray, sandwich: np.ndarray, columns) -> float:
    """A fixed term's effective df beside a penalized one, R's ``trace(C_jj^-1 var2_jj)``."""
    j = np.asarray(columns)
    return float(np.trace(np.linalg.solve(variance[np.ix_(j, j)], sandwich[np.ix_(j, j)])))


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
    def degrees_of_freedom(self) -> pd.Series:
        """Degrees of freedom per term, as R's ``fit$df``.

        One per estimated coefficient of a term (aliased ones not counted)
        for an ordinary fit. With a frailty the coefficients are penalized
        towards each other, so each term gets Gray's effective df
        (``trace(C_jj^-1 (H^-1 I H^-1)_jj)``) and a last ``frailty`` entry the
        frailty's (``G - trace of the penalty times H^-1``), as R's
        ``coxpenal.df``; a frailty variance near 0 gives the frailty about 0 df.
        """
        names = self._estimated_names
        terms = {term: [names.index(c) for c in columns if c in names]
                 for term, columns in self._fitted_state("the degrees of freedom").terms.items()}
        terms = {term: columns for term, columns in terms.items() if columns}
        if self.frailty_variance is None:
            return pd.Series({term: float(len(c)) for term, c in terms.items()}, name="df",
                             dtype=float)
        variance = self.variance.loc[names, names].to_numpy()
        df = {term: _term_degrees_of_freedom(variance, self.details["sandwich_variance"], c)
              for term, c in terms.items()}
        df["frailty"] = self.details["frailty_df"]
        return pd.Series(df, name="df", dtype=float)

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 loglik + 2 df``, as R's ``AIC(fit)``.

        ``loglik`` is the partial likelihood; ``df`` the estimated coefficients
        (aliased terms not counted) or, for a frailty fit, the sum of the
        effective degrees of freedom (:attr:`degrees_of_freedom`, R's
        ``sum(fit$df)``), with ``loglik`` the partial likelihood at the
        penalized estimate (without the penalty), as R's ``logLik.coxph``.
        """
        if self.frailty_variance is None:
            return float(-2 * self.loglik + 2 * int(np.isfinite(self.params).sum()))
        return float(-2 * self.loglik + 2 * self.degrees_of_freedom.sum())

    def _fitted_state(self, what: str):
        if self.state is None:
            raise ValueError(f"{what} needs the fitted data, which this result does not hold")
        return self.state

    @property
    def _estimated_names(self) -> list:
        return list(self._fitted_state("this").design.covariates)

    def residuals(self, kind: str = "martingale"):
        """Residuals of the fit, as R's ``residuals.coxph(fit, type, collapse = cluster)``.

        ``kind``: "martingale" (a DataFrame, one row per (start, stop] row fitted,
        in subject and time order, with its ``subject, start, stop`` and
        ``martingale``), "score" and
        "dfbeta" (a DataFrame summed within cluster, clusters in sorted order,
        one column per estimated coefficient; per row without a cluster),
        "schoenfeld" (a DataFrame with one row per event in (stratum, time)
        order, a ``time`` column and one column per estimated coefficient).
        dfbeta is the approximate change in each coefficient when the cluster
        is left out; it uses the model-based variance, as R does.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> rows = pd.DataFrame({"subject": [1, 1, 2, 3, 3, 4, 5, 6],
        ...     "start": [0, 5, 0, 0, 3, 0, 0, 0], "stop": [5, 9, 7, 3, 8, 6, 4, 9],
        ...     "event": [1, 0, 1, 1, 1, 0, 1, 0], "treated": [1, 1, 0, 0, 0, 1, 0, 1]})
        >>> fit = sa.cox(rows, ["treated"])
        >>> round(float(fit.residuals("martingale")["martingale"].sum()), 10)
        0.0
        >>> fit.residuals("dfbeta").shape
        (6, 1)
        """
        from .residuals import RESIDUAL_KINDS, cox_residuals

        if kind not in RESIDUAL_KINDS:
            raise ValueError(f"kind={kind!r} is not valid; allowed values: "
                             + ", ".join(map(repr, RESIDUAL_KINDS)))
        return cox_residuals(self._fitted_state("residuals"), kind, self._estimated_names)

    def test_proportional_hazards(self) -> pd.DataFrame:
        """Score test of proportional hazards per term and jointly, as R's ``cox.zph(fit)``.

        Each coefficient is allowed to drift linearly in the Kaplan-Meier
        transform of time; ``chisq`` tests that drift (``df`` = the term's
        coefficients), the last row ``GLOBAL`` all terms together. A small
        ``p_value`` says the hazard ratio changes over follow-up; a large one
        means no change was detected, not that there is none. With a frailty,
        as R: the fixed terms are tested with the log-frailties held in the
        linear predictor, each with its effective df (:attr:`degrees_of_freedom`)
        and GLOBAL with their sum, the frailty's included. Grambsch &
        Therneau (1994), *Biometrika* 81, 515-526.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> episodes = pd.DataFrame({"subject": [1, 2, 3, 4, 5, 6, 7],
        ...     "start": 0, "stop": [4, 7, 3, 8, 6, 2, 9], "event": [1, 1, 1, 0, 1, 1, 0],
        ...     "treated": [1, 0, 0, 1, 0, 1, 1]})
        >>> list(sa.cox(episodes, ["treated"]).test_proportional_hazards().index)
        ['treated', 'GLOBAL']
        """
        from .zph import proportional_hazards_test

        return proportional_hazards_test(
            self._fitted_state("the proportional-hazards test"), self._estimated_names,
            None if self.frailty_variance is None else self.degrees_of_freedom)

    def plot_proportional_hazards(self, term=None, ax=None):
        """Scaled Schoenfeld residuals against the Kaplan-Meier transform of time.

        A flat smooth (lowess, grey) around the dashed line at the estimate
        is what proportional hazards looks like; a trend means the
        coefficient changes over follow-up (R's ``plot(cox.zph(fit))``).
        ``term``: the coefficient to show (default: the first). Returns the Axes.
        """
        import matplotlib.pyplot as plt
        from statsmodels.nonparametric.smoothers_lowess import lowess

        from .residuals import schoenfeld_residuals
        from .zph import km_transform, scaled_schoenfeld

        state = self._fitted_state("the proportional-hazards plot")
        names = self._estimated_names
        term = names[0] if term is None else term
        if term not in names:
            raise ValueError(f"term={term!r} is not valid; allowed values: "
                             + ", ".join(map(repr, names)))
        resid, rows, _ = schoenfeld_residuals(state)
        k = names.index(term)
        beta = state.evaluation.beta
        y = scaled_schoenfeld(state, resid, beta)[:, k]
        x = km_transform(state)[rows]
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        ax.scatter(x, y, s=10, color="black", alpha=0.5)
        smooth = lowess(y, x, frac=2 / 3)
        ax.plot(smooth[:, 0], smooth[:, 1], color="gray", linewidth=2)
        ax.axhline(beta[k], color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel("time (Kaplan-Meier transform)")
        ax.set_ylabel(f"beta(t) for {term}")
        ax.set_title("Scaled Schoenfeld residuals")
        return ax

    def predict_cumulative_hazard(self, newdata, times=None) -> pd.DataFrame:
        """Expected cumulative hazard for covariate profiles, as R's ``survfit(fit, newdata)``.

        For an Andersen-Gill model this is the expected number of episodes by
        each time for someone with the covariates of a ``newdata`` row. Columns
        ``time, cumhaz, std_error, ci_lower, ci_upper`` (a ``profile`` column,
        the newdata index, for several rows); ``times=None`` gives every event
        time, otherwise the step function at ``times``. The standard error
        includes the uncertainty of the coefficients (the robust variance when
        there is one, as R). ``newdata`` holds the covariate columns as the
        data had them (text columns as text) and, for a stratified model, the
        strata columns.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> rows = pd.DataFrame({"subject": [1, 1, 2, 3, 3, 4, 5, 6],
        ...     "start": [0, 5, 0, 0, 3, 0, 0, 0], "stop": [5, 9, 7, 3, 8, 6, 4, 9],
        ...     "event": [1, 0, 1, 1, 1, 0, 1, 0], "arm": list("bbaaabab")})
        >>> fit = sa.cox(rows, "arm")
        >>> curve = fit.predict_cumulative_hazard(pd.DataFrame({"arm": ["a"]}), times=[4, 8])
        >>> list(curve.columns)
        ['time', 'cumhaz', 'std_error', 'ci_lower', 'ci_upper']
        """
        from .predict import predict_cumulative_hazard

        return predict_cumulative_hazard(self._fitted_state("predictions"), newdata, times,
                                         self.confidence_level)

    def plot_cumulative_hazard(self, newdata, *, ax=None, labels=None):
        """Predicted cumulative hazard of each ``newdata`` row, with its confidence band.

        Draw it on the Axes of :func:`spasm_analysis.plot_mcf` (``ax=``) to
        set the model's expected number of episodes beside the observed mean
        cumulative function. ``labels``: one legend label per row (default:
        the row's covariate values). Returns the Axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        curves = self.predict_cumulative_hazard(newdata)
        if "profile" not in curves.columns:
            curves = curves.assign(profile=newdata.index[0])
        if labels is None:
            labels = [", ".join(f"{c}={v}" for c, v in row.items())
                      for _, row in newdata.iterrows()]
        for (_, curve), label in zip(curves.groupby("profile", sort=False), labels):
            time = np.concatenate([[0.0], curve["time"]])
            lines = ax.step(time, np.concatenate([[0.0], curve["cumhaz"]]), where="post",
                            linestyle="--", label=f"Cox model: {label}")
            ax.fill_between(time, np.concatenate([[0.0], curve["ci_lower"]]),
                            np.concatenate([[0.0], curve["ci_upper"]]), step="post",
                            alpha=0.15, color=lines[0].get_color())
        ax.set_xlabel("time")
        ax.set_ylabel("expected number of episodes")
        ax.legend(fontsize="small")
        return ax

    def _concordance_counts(self) -> dict:
        from .concordance import concordance_counts

        if "concordance_counts" not in self.details:
            self.details["concordance_counts"] = concordance_counts(
                self._fitted_state("concordance"))
        return self.details["concordance_counts"]

    @property
    def concordance(self) -> float:
        """Harrell's concordance of the linear predictor, as R's ``concordance(fit)``.

        The share of comparable pairs (an event row and a row still at risk
        at that time, same stratum) in which the event row has the higher
        predicted rate; ties in the predictor count one half. 0.5 is no
        better than chance. Its standard error is :attr:`concordance_std_error`.
        """
        return float(self._concordance_counts()["concordance"])

    @property
    def concordance_std_error(self) -> float:
        """Standard error of :attr:`concordance`, R's ``sqrt(concordance(fit)$var)``.

        The infinitesimal jackknife: each row's influence on the concordance
        (through the pairs it takes part in), summed within the fit's cluster
        when there is one (as R does for ``coxph(..., cluster = id)``; per row
        for a frailty fit or ``cluster=None``), squared and summed. Therneau
        and Atkinson, *Concordance* (survival package vignette), section 3.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> fit = sa.cox(pd.DataFrame({"subject": range(8), "start": 0,
        ...     "stop": [5, 8, 2, 9, 6, 3, 7, 4], "event": [1, 0, 1, 1, 1, 0, 1, 1],
        ...     "age": [50, 41, 38, 63, 47, 59, 44, 55]}), ["age"])
        >>> round(fit.concordance, 4), round(fit.concordance_std_error, 4)
        (0.5238, 0.2374)
        """
        return float(np.sqrt(self._concordance_counts()["variance"]))

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
        lines.append(f"log partial likelihood = {self.loglik:.6g} (null {self.loglik_null:.6g})"
                     + (f"; AIC = {self.aic:.6g}" if self.state is not None
                        or self.frailty_variance is None else ""))
        if self.state is not None:
            lines.append(f"Concordance = {self.concordance:.3g} (se = {self.concordance_std_error:.3g})")
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
