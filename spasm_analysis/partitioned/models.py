"""``cox``, ``andersen_gill``, ``pwp`` and ``wlw`` on a Dask DataFrame.

Andersen-Gill and a plain Cox model need no subject grouping: the rows go
straight to :func:`~.cox.fit_cox`. PWP needs episode numbers (and, on the gap
scale, each episode's origin) and WLW its marginal layout: both are per
subject, so the rows are shuffled by subject once and each partition goes
through the in-memory :class:`~spasm_analysis.CountingProcess` and layout
functions.
"""

from __future__ import annotations

import warnings

import pandas as pd

from spasm_analysis.coxph.layouts import to_gap_time, to_marginal_layout
from spasm_analysis.counting_process import CountingProcess
from spasm_analysis.options import check_option

from .cox import fit_cox, parse_covariates
from .frames import by_subject, compute, require_columns

__all__ = ["dask_cox"]


def _numbered(part: pd.DataFrame, subject: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = CountingProcess.from_frame(part, subject=subject, timefix=False).to_frame()
    frame.attrs = {}
    if subject != "subject":
        frame = frame.rename(columns={"subject": subject})
    return frame


def _episode_rows(ddf, subject: str):
    """Rows with episode numbers per subject (as CountingProcess numbers them), by subject."""
    shuffled = by_subject(ddf, subject)
    if "episode" in ddf.columns:
        return shuffled
    meta = _numbered(ddf._meta.iloc[:0], subject)
    return shuffled.map_partitions(_numbered, subject, meta=meta)


def _events_per_subject_max(rows, subject: str) -> int:
    per_part = rows.map_partitions(lambda p: p.groupby(subject)["event"].sum().max() if len(p) else 0,
                                   meta=(None, "int64"))
    (values,) = compute(per_part, label="episodes per subject")
    return int(max(list(values) + [0]))


def dask_cox(ddf, covariates, *, model: str, strata=None, subject="subject", cluster="subject",
             ties="efron", frailty=None, weights=None, confidence_level=0.95, scale=None,
             episode="episode", max_episodes=None):
    """The Dask path of the public Cox functions (``model`` names which)."""
    if frailty is not None:
        raise ValueError("frailty= is not available on a Dask DataFrame: the frailty variance "
                         "search needs many passes per step; fit it on a sample in memory")
    if weights is not None and not isinstance(weights, str):
        raise ValueError("on a Dask DataFrame, weights must name a column")
    cluster_column = subject if cluster == "subject" else cluster
    require_columns(ddf, [subject, "start", "stop", "event", cluster_column])
    label = {"cox": "Cox", "andersen_gill": "Andersen-Gill"}.get(model)
    if label is not None:
        return fit_cox(ddf, covariates, strata=strata, cluster=cluster_column, ties=ties,
                       weights=weights, confidence_level=confidence_level, model=label)
    rows = _episode_rows(ddf, subject)
    if model == "pwp":
        check_option("scale", scale, ("total", "gap"))
        if scale == "gap":
            rows = rows.map_partitions(to_gap_time, episode=episode, subject=subject,
                                       meta=rows._meta)
        return fit_cox(rows, covariates, strata=episode, cluster=cluster_column, ties=ties,
                       weights=weights, confidence_level=confidence_level,
                       model=f"PWP {scale} time")
    if model != "wlw":
        raise ValueError(f"unknown model {model!r}")
    _, products = parse_covariates(covariates)
    carry = sorted({c for cols in products.values() for c in cols})
    carry += [c for c in (weights, cluster_column) if c and c != subject and c not in carry]
    K = _events_per_subject_max(rows, subject) if max_episodes is None else int(max_episodes)
    meta = pd.DataFrame({subject: rows._meta[subject], "start": pd.Series(dtype=float),
                         "stop": pd.Series(dtype=float), "event": pd.Series(dtype="int64"),
                         "episode": pd.Series(dtype="int64"),
                         **{c: rows._meta[c] for c in carry}})
    layout = rows.map_partitions(
        lambda p: (to_marginal_layout(p, carry, max_episodes=max(K, 1), subject=subject)
                   if len(p) else meta), meta=meta)
    return fit_cox(layout, covariates, strata="episode", cluster=cluster_column, ties=ties,
                   weights=weights, confidence_level=confidence_level, model="WLW")
