"""Build a :class:`CoxResult` from the engine's outputs: the one place where results are assembled.

Ordinary and frailty fits both end here, so the coefficient table, the
tests, the NaN entries of aliased terms and the state kept for residuals,
predictions and diagnostics are made the same way for every model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spasm_analysis.results import TestResult

from .design import CoxDesign, aliased_columns
from .engine import Evaluation, RiskSets
from .result import CoxResult, chi_square_test

__all__ = ["FitState", "Estimates", "drop_aliased", "assemble_result"]

_INTERPRETATION = ("Tests whether any covariate is associated with the episode rate; "
                   "an association is not evidence of cause.")


@dataclass(frozen=True)
class FitState:
    """What residuals, predictions and diagnostics need from a fit (estimable columns only)."""

    design: CoxDesign
    risk_sets: RiskSets
    evaluation: Evaluation       # at the estimate, frailty offset included
    offset: np.ndarray           # per row (the log-frailty of its cluster; zeros otherwise)
    naive_variance: np.ndarray   # model-based (for a frailty fit: penalized) variance
    robust_variance: np.ndarray | None
    terms: dict                  # term label -> coefficient names (all, aliased included)
    frailty: bool
    coding: object = None        # the ModelFrame, to code new rows as the data were
    rows: pd.DataFrame | None = None  # subject, start, stop of the rows fitted, in fit order


@dataclass(frozen=True)
class Estimates:
    """The numbers of one fit over the estimable columns."""

    beta: np.ndarray
    variance: np.ndarray
    robust_variance: np.ndarray | None
    loglik: float
    loglik_null: float
    score_statistic: float | None
    robust_score_statistic: float | None
    iterations: int
    converged: bool
    evaluation: Evaluation
    offset: np.ndarray
    frailty_variance: float | None = None
    details: dict | None = None


def drop_aliased(design: CoxDesign, information: np.ndarray) -> tuple[CoxDesign, list]:
    """Remove the columns R's ``cholesky2`` finds aliased at the start, with R's warning.

    Returns the reduced design and the names of the aliased columns.
    """
    aliased = aliased_columns(information)
    if not aliased:
        return design, []
    names = [design.covariates[k] for k in aliased]
    keep = [k for k in range(len(design.covariates)) if k not in set(aliased)]
    if not keep:
        raise ValueError(f"no covariate can be estimated: {', '.join(map(repr, names))} "
                         "are constant within every stratum or risk set")
    warnings.warn(
        f"covariate(s) {', '.join(map(repr, names))} are aliased (constant, constant within "
        "every stratum or risk set, or a linear combination of earlier covariates): their "
        "coefficients are NaN and the others are estimated without them, as R's coxph does "
        "('X matrix deemed to be singular')", RuntimeWarning, stacklevel=4)
    return design.keep_columns(keep), names


def _positions(kept, all_names) -> np.ndarray:
    return pd.Index(all_names).get_indexer(kept)


# values placed with numpy, then wrapped: pandas' label-based .loc assignment cost ~0.5 ms a call
def _full(values, kept, all_names, name):
    out = np.full(len(all_names), np.nan)
    out[_positions(kept, all_names)] = values
    return pd.Series(out, index=list(all_names), name=name)


def _full_matrix(matrix, kept, all_names):
    out = np.full((len(all_names), len(all_names)), np.nan)
    at = _positions(kept, all_names)
    out[np.ix_(at, at)] = matrix
    return pd.DataFrame(out, index=list(all_names), columns=list(all_names))


def assemble_result(design: CoxDesign, rs: RiskSets, est: Estimates, *, all_names, terms,
                    model: str, ties: str, confidence_level: float, notes=(),
                    coding=None, rows=None) -> CoxResult:
    """The CoxResult of a fit on ``design`` (estimable columns) reported over ``all_names``."""
    kept = list(design.covariates)
    p = len(kept)
    frailty = est.frailty_variance is not None
    robust = est.robust_variance
    wald_var = robust if robust is not None else est.variance
    wald = float(est.beta @ np.linalg.solve(wald_var, est.beta))
    if p == 0:
        wald_test = TestResult(statistic=0.0, p_value=1.0, df=0.0, chisq=0.0,
                               method="Wald test (no fixed covariates: nothing to test)")
    elif frailty:
        wald_test = chi_square_test(
            wald, p, "Wald test (penalized variance)",
            "Tests whether any covariate is associated with the episode rate given the "
            "frailty; an association is not evidence of cause.")
    else:
        wald_test = chi_square_test(
            wald, p, "Wald test" + (" (robust variance)" if robust is not None else ""),
            _INTERPRETATION)

    def test(statistic, method):
        return None if statistic is None else chi_square_test(statistic, p, method,
                                                               _INTERPRETATION)

    state = FitState(design=design, risk_sets=rs, evaluation=est.evaluation, offset=est.offset,
                     naive_variance=est.variance, robust_variance=robust, terms=dict(terms),
                     frailty=frailty, coding=coding, rows=rows)
    return CoxResult(
        params=_full(est.beta, kept, all_names, "coef"),
        std_errors=_full(np.sqrt(np.diag(est.variance)), kept, all_names, "se"),
        robust_std_errors=(None if robust is None else
                           _full(np.sqrt(np.diag(robust)), kept, all_names, "robust se")),
        variance=_full_matrix(est.variance, kept, all_names),
        robust_variance=None if robust is None else _full_matrix(robust, kept, all_names),
        loglik=est.loglik, loglik_null=est.loglik_null,
        n=design.n_rows, n_events=design.n_events, n_clusters=design.n_clusters,
        model=model + (" with gamma frailty" if frailty else ""), ties=ties,
        strata=design.strata_names, confidence_level=confidence_level,
        frailty_variance=est.frailty_variance, iterations=est.iterations,
        converged=est.converged, wald_test=wald_test,
        score_test=None if frailty else test(est.score_statistic, "Score (log-rank) test"),
        likelihood_ratio_test=(None if frailty else
                               test(2 * (est.loglik - est.loglik_null), "Likelihood ratio test")),
        robust_score_test=test(est.robust_score_statistic, "Robust score test (Lin-Wei)"),
        details={**(est.details or {}), "model_notes": tuple(notes)},
        state=state,
    )
