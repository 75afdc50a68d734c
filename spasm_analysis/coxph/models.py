"""Public Cox model functions: ``cox`` and the recurrent-event wrappers.

Why our own engine rather than lifelines: lifelines' ``CoxTimeVaryingFitter``
has no cluster-robust variance (``robust=True`` raises NotImplementedError in
lifelines 0.30), and ``CoxPHFitter(entry_col=..., cluster_col=...)``, which
fits the same (start, stop] partial likelihood, builds the score residuals of
its sandwich variance from risk sets that ignore entry times (every row with
stop >= t counts as at risk at t) and ties: on R's ``bladder2`` Andersen-Gill model it
reproduces R's coefficients but reports a robust SE of 0.2105 for ``rx``
where R's ``coxph(..., cluster = id)`` gives 0.2656 (checked with lifelines
0.30.0). Both are also far slower on large counting-process data. Time to a
first episode (one row per subject, no entry times) is an ordinary Cox model
for which lifelines' ``CoxPHFitter`` is fine.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from spasm_analysis.counting import as_counting_process
from spasm_analysis.options import check_confidence_level, check_option
from spasm_analysis.partitioned import is_dask_frame

from .assemble import Estimates, assemble_result, drop_aliased
from .design import TIES, make_design
from .engine import build_risk_sets, evaluate, newton_raphson
from .formula import formula_variables, model_frame
from .frailty import fit_gamma_frailty
from .layouts import to_gap_time, to_marginal_layout
from .result import CoxResult
from .robust import robust_score_test, robust_variance

__all__ = ["cox", "andersen_gill", "pwp", "wlw"]


def _dask(data, covariates, **options) -> CoxResult:
    """The same fit on a Dask DataFrame (see :mod:`spasm_analysis.partitioned.models`)."""
    from spasm_analysis.partitioned.models import dask_cox

    return dask_cox(data, covariates, **options)


def _engine_frame(data, subject: str, cluster):
    """The rows handed to the engine, from the one validated CountingProcess.

    Returns the frame (subject labels in column ``subject``) and the column
    holding the robust-variance clusters (``subject`` unless another column
    was named; None for no robust variance).
    """
    by_subject = cluster is None or cluster in ("subject", subject)
    if isinstance(data, pd.DataFrame) and subject not in data.columns:
        # with clusters of another column (a litter, a family) each row can be its own subject
        if cluster is not None and by_subject:
            raise ValueError(f"subject column {subject!r} not found in the data (columns: "
                             f"{', '.join(map(str, data.columns))}); name it with subject=, or pass "
                             "cluster=None to skip the robust variance (each row is then its own subject)")
        else:
            data = data.assign(**{subject: np.arange(len(data))})
    cp = as_counting_process(data, subject=subject, cluster=None if by_subject else cluster)
    # per-row results (residuals) come back in the caller's row order, as R gives them
    frame = cp.to_source_order(copy=False)  # read here, never written into
    if len(cp) and cp.event.max() > 1:
        tied = int((frame["event"] - 1).clip(lower=0).sum())
        warnings.warn(
            f"{tied} onset(s) fall at the same instant as another onset of the same subject; the Cox "
            "model counts one event there (R's coxph drops such zero-length rows), while mcf counts both",
            UserWarning, stacklevel=3)
        frame["event"] = frame["event"].clip(upper=1)
    return frame, (None if cluster is None else "subject" if by_subject else cluster)


def cox(data, covariates, *, strata=None, subject="subject", cluster="subject", ties="efron", frailty=None,
        weights=None, confidence_level=0.95) -> CoxResult:
    """Cox proportional hazards model for (start, stop] counting-process data.

    Fits the Cox model by maximum partial likelihood (Newton-Raphson with
    step-halving, R's convergence rule) with Efron or Breslow handling of
    tied event times, optional strata, case weights and time-varying
    covariates. A row starting at time t is not at risk at t. With a
    ``cluster`` column the cluster-robust sandwich variance of Lin & Wei
    (1989) is reported next to the model-based one, as R's
    ``coxph(..., cluster = id)`` does. With ``frailty="gamma"`` a shared gamma
    frailty per cluster (per ``subject`` when ``cluster`` is None) is fitted by
    penalized partial likelihood, the frailty variance chosen by R's profile
    (marginal) likelihood search (Therneau, Grambsch & Pankratz 2003).

    Parameters
    ----------
    data : CountingProcess, DataFrame or EpisodeLog
        A :class:`~spasm_analysis.CountingProcess`, counting-process rows with
        columns ``start, stop, event``, the subject column and the
        covariates (validated by ``CountingProcess.from_frame``: zero-length
        rows dropped with a warning, near-tied times merged as R's timefix),
        or an EpisodeLog, converted with ``sa.to_counting_process``.
    covariates : str or list of str
        Covariate columns, or the right-hand side of a formula such as
        ``"treat + age + hos_cat + treat:age"`` (formulaic syntax: ``a:b``
        interaction, ``a*b`` both main effects and the interaction,
        ``C(x)`` a numeric column as a category). Text columns become
        treatment-coded indicators with the first level (sorted) as the
        reference, as R does. Rows with a missing covariate are left out with
        a warning (R's ``na.omit``). Aliased covariates (constant, constant
        within every stratum, or linear combinations of others) get NaN
        coefficients and a warning while the rest are estimated, as in R.
    strata : str or list of str, optional
        Columns defining strata with separate baseline hazards.
    subject : str, default "subject"
        Column saying whose episodes a row holds (episode numbers, gap time
        and the WLW layout are per subject).
    cluster : str or None, default "subject"
        Column identifying independent units for the robust variance (the
        subject, or e.g. a family holding several subjects); None turns the
        robust variance off. The robust variance needs at least two clusters.
    ties : {"efron", "breslow"}
    frailty : {None, "gamma"}
        ``"gamma"``: a shared gamma frailty per cluster; members of a cluster may
        be at risk at the same time (litter-mates, a patient's two catheters).
        ``covariates`` may then be empty (``[]``): a frailty-only model.
    weights : str or array-like, optional
        Positive case weights (a column name or one value per row).
    confidence_level : float, default 0.95

    Returns
    -------
    CoxResult

    References
    ----------
    Andersen, P. K. and Gill, R. D. (1982). Cox's regression model for counting
    processes: a large sample study. *Ann. Statist.* 10, 1100-1120.
    Lin, D. Y. and Wei, L. J. (1989). The robust inference for the Cox
    proportional hazards model. *JASA* 84, 1074-1078.
    Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data:
    Extending the Cox Model*. Springer.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> rows = pd.DataFrame({
    ...     "subject": [1, 1, 2, 3, 3, 4, 5, 6],
    ...     "start":   [0, 5, 0, 0, 3, 0, 0, 0],
    ...     "stop":    [5, 9, 7, 3, 8, 6, 4, 9],
    ...     "event":   [1, 0, 1, 1, 1, 0, 1, 0],
    ...     "treated": [1, 1, 0, 0, 0, 1, 0, 1]})
    >>> fit = sa.cox(rows, ["treated"])
    >>> round(float(fit.params["treated"]), 3)
    -1.63
    """
    if is_dask_frame(data):
        return _dask(data, covariates, model="cox", strata=strata, subject=subject, cluster=cluster,
                     ties=ties, frailty=frailty, weights=weights, confidence_level=confidence_level)
    frame, cluster = _engine_frame(data, subject, cluster)
    return _fit(frame, covariates, strata=strata, cluster=cluster, ties=ties,
                frailty=frailty, weights=weights, confidence_level=confidence_level, model="Cox")


def _fit(frame, covariates, *, strata, cluster, ties, frailty, weights, confidence_level,
         model) -> CoxResult:
    check_option("ties", ties, TIES)
    check_option("frailty", frailty, (None, "gamma"))
    check_confidence_level(confidence_level)
    group = cluster if frailty is None else (cluster or "subject")
    mf = model_frame(frame, covariates, allow_empty=frailty is not None)
    if mf.kept is not None and weights is not None and not isinstance(weights, str):
        weights = np.asarray(weights)[mf.kept]
    design = make_design(mf.frame, mf.columns, strata=strata, cluster=group, weights=weights)
    if design.cluster is not None and design.n_clusters < 2:
        raise ValueError(
            f"the data has a single cluster ({group} = {design.cluster_labels[0]!r}): a robust variance "
            f"{'or a frailty ' if frailty else ''}needs at least two independent clusters; pass "
            "cluster=None for the model-based variance only")
    rs = build_risk_sets(design.start, design.stop, design.event, design.stratum,
                         design.weights, ties=ties)
    start = evaluate(rs, design.X, design.weights, np.zeros(design.n_rows),
                     np.zeros(len(mf.columns)))
    dropped = []
    if mf.columns:
        design, dropped = drop_aliased(design, start.information)
    if frailty == "gamma":
        est = fit_gamma_frailty(design, rs)
    else:
        est = _fixed_effects(design, rs, None if dropped else start)
    # the columns themselves, not a copy (0.7 ms at 240k rows): the engine's frame is never
    # written into, and the CountingProcess's arrays are read-only
    rows = pd.DataFrame({c: mf.frame[c].to_numpy() for c in ("subject", "start", "stop")
                         if c in mf.frame.columns}, copy=False)
    return assemble_result(design, rs, est, all_names=mf.columns, terms=mf.terms, model=model,
                           ties=ties, confidence_level=confidence_level, notes=mf.notes,
                           coding=replace(mf, frame=None), rows=rows)


def _fixed_effects(design, rs, start=None) -> Estimates:
    """Newton-Raphson fit, with the robust variance and score test when there are clusters.

    ``start`` is the evaluation at beta = 0 on the same columns, when already computed.
    """
    X, w = design.X, design.weights
    offset = np.zeros(design.n_rows)
    fit = newton_raphson(rs, X, w, offset, names=list(design.covariates), start=start)
    robust_var = rscore = None
    if design.cluster is not None:
        robust_var = robust_variance(rs, X, w, fit.final, fit.variance, design.cluster,
                                     design.n_clusters)
        rscore = robust_score_test(rs, X, w, fit.initial, design.cluster, design.n_clusters)
    return Estimates(beta=fit.beta, variance=fit.variance, robust_variance=robust_var,
                     loglik=fit.loglik, loglik_null=fit.loglik_null,
                     score_statistic=fit.score_test, robust_score_statistic=rscore,
                     iterations=fit.iterations, converged=fit.converged, evaluation=fit.final,
                     offset=offset)


def andersen_gill(data, covariates, *, subject="subject", cluster="subject", ties="efron", strata=None,
                  frailty=None, weights=None, confidence_level=0.95) -> CoxResult:
    """Andersen-Gill model: one common baseline rate for all episodes.

    Every at-risk interval of a subject contributes to the same risk set, so
    the hazard ratio describes the episode rate, with a cluster-robust variance
    for the dependence between a subject's episodes (Andersen & Gill 1982;
    Lin, Wei, Yang & Ying 2000, *JRSS B* 62, 711-730).

    See :func:`cox` for the parameters.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": [1, 1, 2, 3, 3, 4], "start": [0, 5, 0, 0, 3, 0],
    ...                      "stop": [5, 9, 7, 3, 8, 6], "event": [1, 0, 1, 1, 1, 0],
    ...                      "x": [1, 1, 0, 0, 0, 1]})
    >>> sa.andersen_gill(rows, ["x"]).n_events
    4
    """
    if is_dask_frame(data):
        return _dask(data, covariates, model="andersen_gill", strata=strata, subject=subject,
                     cluster=cluster, ties=ties, frailty=frailty, weights=weights,
                     confidence_level=confidence_level)
    frame, cluster = _engine_frame(data, subject, cluster)
    return _fit(frame, covariates, strata=strata, cluster=cluster, ties=ties,
                frailty=frailty, weights=weights, confidence_level=confidence_level,
                model="Andersen-Gill")


def pwp(data, covariates, *, scale="total", episode="episode", subject="subject", cluster="subject", ties="efron",
        weights=None, confidence_level=0.95) -> CoxResult:
    """Prentice-Williams-Peterson conditional model: strata = episode number.

    The k-th episode's risk set holds only subjects who have had k-1 episodes.
    ``scale="total"`` keeps time since the start of follow-up; ``scale="gap"``
    measures time since the start of the episode's risk period (the
    subject's first start in that stratum). Episodes are numbered per
    ``subject`` by :class:`~spasm_analysis.CountingProcess` (1 + the subject's
    earlier onsets) unless the data has an ``episode`` column; ``cluster``
    (e.g. a family) only groups subjects for the robust variance, as R's
    ``coxph(Surv(...) ~ x + strata(enum), cluster = family)``.

    References
    ----------
    Prentice, R. L., Williams, B. J. and Peterson, A. V. (1981). On the regression
    analysis of multivariate failure time data. *Biometrika* 68, 373-379.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": [1, 1, 2, 3, 3, 4, 5, 5], "start": [0, 5, 0, 0, 3, 0, 0, 2],
    ...                      "stop": [5, 9, 7, 3, 8, 6, 2, 9], "event": [1, 0, 1, 1, 1, 0, 1, 1],
    ...                      "x": [1, 1, 0, 0, 0, 1, 1, 1]})
    >>> sa.pwp(rows, ["x"], scale="gap").strata
    ('episode',)
    """
    check_option("scale", scale, ("total", "gap"))
    if is_dask_frame(data):
        return _dask(data, covariates, model="pwp", scale=scale, episode=episode, subject=subject,
                     cluster=cluster, ties=ties, weights=weights, confidence_level=confidence_level)
    check_option("scale", scale, ("total", "gap"))
    frame, cluster = _engine_frame(data, subject, cluster)
    if episode not in frame.columns:
        raise ValueError(f"episode column {episode!r} not found; columns: {', '.join(map(str, frame.columns))}")
    if scale == "gap":
        frame = to_gap_time(frame, episode=episode, subject="subject")
    return _fit(frame, covariates, strata=episode, cluster=cluster, ties=ties, frailty=None,
                weights=weights, confidence_level=confidence_level,
                model=f"PWP {scale} time")


def wlw(data, covariates, *, max_episodes=None, subject="subject", cluster="subject", ties="efron", weights=None,
        confidence_level=0.95) -> CoxResult:
    """Wei-Lin-Weissfeld marginal model for the first K episodes.

    Builds the marginal layout (every subject at risk for each of episodes
    1..K from entry until its k-th event or end of follow-up, per ``subject``; see
    :func:`~spasm_analysis.coxph.layouts.to_marginal_layout`) and fits a Cox
    model stratified by episode with a common coefficient and the
    cluster-robust variance.

    References
    ----------
    Wei, L. J., Lin, D. Y. and Weissfeld, L. (1989). Regression analysis of
    multivariate incomplete failure time data by modeling marginal
    distributions. *JASA* 84, 1065-1073.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> log = pd.DataFrame({"subject": ["a", "a", "a", "b", "b", "c", "d"],
    ...                     "start": [0, 4, 6, 0, 2, 0, 0], "stop": [4, 6, 10, 2, 12, 7, 9],
    ...                     "event": [1, 1, 0, 1, 0, 1, 0], "x": [1, 1, 1, 0, 0, 1, 0]})
    >>> layout_rows = sa.wlw(log, ["x"]).n  # 4 subjects x 2 episodes
    >>> layout_rows
    8
    """
    if is_dask_frame(data):
        return _dask(data, covariates, model="wlw", max_episodes=max_episodes, subject=subject,
                     cluster=cluster, ties=ties, weights=weights, confidence_level=confidence_level)
    frame, cluster = _engine_frame(data, subject, cluster)
    carry = formula_variables(covariates, frame)
    missing = [c for c in carry if c not in frame.columns]
    if missing:
        raise ValueError(f"covariate column(s) {', '.join(map(repr, missing))} not found in the "
                         f"data; available columns: {', '.join(map(str, frame.columns))}")
    if isinstance(weights, str):
        carry.append(weights)
    elif weights is not None:
        raise ValueError("wlw takes weights as a column name (the layout copies rows)")
    if cluster not in (None, "subject") and cluster not in carry:
        carry.append(cluster)
    layout = to_marginal_layout(frame, carry, max_episodes=max_episodes, subject="subject")
    return _fit(layout, covariates, strata="episode", cluster=cluster, ties=ties, frailty=None,
                weights=weights, confidence_level=confidence_level, model="WLW")
