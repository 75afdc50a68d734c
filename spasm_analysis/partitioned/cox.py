"""Cox models on a Dask DataFrame: each Newton step is one pass of per-event-time sums.

The in-memory engine's contract (:mod:`spasm_analysis.coxph.binned`) carries
over unchanged: a partition's rows become additive per-bin sums at a
coefficient vector (:func:`~spasm_analysis.coxph.binned.row_sums`), the
driver adds them up and reduces them to the log partial likelihood, score and
information (:func:`~spasm_analysis.coxph.binned.reduce_sums`), and R's
Newton-Raphson rules run on the driver
(:func:`~spasm_analysis.coxph.engine.maximise_partial_likelihood`). The
robust variance is one more pass: per partition, the rows' score residuals
summed by cluster (:func:`~spasm_analysis.coxph.binned.cluster_sums`), added
up across partitions when a cluster's rows sit in several of them.

Passes over the data: one to check it and collect the strata, the event
times and the covariate means; one per Newton step (about five); two for the
robust variance and the robust score test. What reaches the driver has the
length of the event times (or the clusters' p-vectors), never the rows.

Reference: Therneau (2024), *A package for survival analysis in R*
(``agfit4``, ``agscore3``); Lin and Wei (1989), *JASA* 84, 1074-1078.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from spasm_analysis.coxph.assemble import Estimates, assemble_result, drop_aliased
from spasm_analysis.coxph.binned import BinSums, cluster_sums, reduce_sums, row_sums
from spasm_analysis.coxph.design import TIES
from spasm_analysis.coxph.engine import maximise_partial_likelihood
from spasm_analysis.coxph.result import CoxResult
from spasm_analysis.options import check_confidence_level, check_option

from .frames import (compute, event_time_grid, fits_in_memory, partitions_disjoint,
                     require_columns, snap_to, tree_sum, validated)

__all__ = ["fit_cox", "parse_covariates"]


def parse_covariates(covariates) -> tuple[list, dict]:
    """Column products from a list of names or a formula of ``+`` and ``:`` terms.

    Returns the coefficient names and, for each, the columns multiplied to
    make it. Text columns and other formula syntax need the in-memory path
    (or indicator columns made beforehand).
    """
    if isinstance(covariates, str):
        terms = [t.strip() for t in covariates.split("+")]
    else:
        terms = [str(t).strip() for t in covariates]
    bad = [t for t in terms if not t or any(ch in t for ch in "*()-~^/|")]
    if bad:
        raise ValueError(
            f"covariate term(s) {', '.join(map(repr, bad))} cannot be used on a Dask DataFrame: "
            "name numeric columns, joined by '+', with ':' for a product (make indicator "
            "columns for text variables first)")
    return terms, {t: [c.strip() for c in t.split(":")] for t in terms}


@dataclass(frozen=True)
class GroupIndex:
    """The event groups of all partitions (what :class:`~spasm_analysis.coxph.engine.RiskSets` holds per group)."""

    times: tuple              # per stratum: ascending distinct event times
    first_group: np.ndarray   # per stratum: index of its first (latest) group
    n_bins: int
    n_groups: int
    group_bin: np.ndarray
    stratum_bin: np.ndarray
    group_size: np.ndarray
    group_weight: np.ndarray
    efron: bool


@dataclass(frozen=True)
class Chunk:
    """One partition's rows located among the event groups, with centred covariates."""

    bin_lo: np.ndarray
    bin_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_group: np.ndarray
    n_bins: int
    n_groups: int
    XT: np.ndarray            # p x n
    weights: np.ndarray
    cluster: np.ndarray | None  # labels


@dataclass(frozen=True)
class PartitionedDesign:
    """What the result assembly needs to know about the rows it never held."""

    covariates: tuple
    n_rows: int
    n_events: int
    n_clusters: int
    strata_names: tuple

    def keep_columns(self, keep) -> "PartitionedDesign":
        return replace(self, covariates=tuple(self.covariates[k] for k in keep))


@dataclass(frozen=True)
class PartitionedEvaluation:
    """Partial likelihood, score, information and per-group terms at one beta."""

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray
    terms: object
    shift: float


def _covariate_matrix(part: pd.DataFrame, products: dict) -> np.ndarray:
    return np.vstack([np.prod([part[c].to_numpy(dtype=float) for c in columns], axis=0)
                      for columns in products.values()] + [np.empty((0, len(part)))])


def _stratum_codes(part: pd.DataFrame, strata, labels: pd.Index | None) -> np.ndarray:
    if not strata:
        return np.zeros(len(part), dtype=np.int64)
    keys = pd.MultiIndex.from_frame(part[list(strata)]) if len(strata) > 1 else pd.Index(part[strata[0]])
    return np.asarray(labels.get_indexer(keys), dtype=np.int64)


def _summaries(part: pd.DataFrame, products, strata, labels, weights, n_strata):
    """Per partition: event (stratum, stop) counts and weights; per-stratum sums of w and w x."""
    stratum = _stratum_codes(part, strata, labels)
    w = np.ones(len(part)) if weights is None else part[weights].to_numpy(dtype=float)
    X = _covariate_matrix(part, products)
    event = part["event"].to_numpy() != 0
    events = _event_counts(pd.DataFrame({"stratum": stratum[event],
                                         "stop": part["stop"].to_numpy(float)[event],
                                         "n": 1, "w": w[event]}))
    totals = np.bincount(stratum, weights=w, minlength=n_strata)
    xsum = np.vstack([np.bincount(stratum, weights=w * x, minlength=n_strata) for x in X]
                     + [np.empty((0, n_strata))])
    return events, totals, xsum, len(part), int(event.sum())


def _event_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Events and their summed weights per distinct (stratum, stop): what the index needs."""
    return events.groupby(["stratum", "stop"], sort=False)[["n", "w"]].sum().reset_index()


def _add_summaries(a, b):
    return (_event_counts(pd.concat([a[0], b[0]], ignore_index=True)), a[1] + b[1], a[2] + b[2],
            a[3] + b[3], a[4] + b[4])


def _group_index(events: pd.DataFrame, n_strata: int, efron: bool) -> tuple[GroupIndex, np.ndarray]:
    grid = event_time_grid(events["stop"].to_numpy(float))
    events = events.assign(stop=snap_to(grid, events["stop"].to_numpy(float)))
    per = events.groupby(["stratum", "stop"], sort=True)[["n", "w"]].sum().reset_index()
    times, sizes, weights = [], [], []
    for s in range(n_strata):
        rows = per[per["stratum"] == s]
        times.append(rows["stop"].to_numpy(float))
        # groups run from the latest time to the earliest within a stratum
        sizes.append(rows["n"].to_numpy(np.int64)[::-1])
        weights.append(rows["w"].to_numpy(float)[::-1])
    counts = np.array([len(t) for t in times], dtype=np.int64)
    first = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    group_stratum = np.repeat(np.arange(n_strata), counts)
    n_groups = int(counts.sum())
    index = GroupIndex(
        times=tuple(times), first_group=first, n_bins=n_groups + n_strata, n_groups=n_groups,
        group_bin=np.arange(n_groups) + group_stratum,
        stratum_bin=first[group_stratum] + group_stratum,
        group_size=np.concatenate(sizes + [np.zeros(0, np.int64)]),
        group_weight=np.concatenate(weights + [np.zeros(0)]), efron=efron)
    return index, grid


def _prepare(part: pd.DataFrame, index: GroupIndex, grid, products, strata, labels, weights,
             means, cluster) -> Chunk:
    stratum = _stratum_codes(part, strata, labels)
    start = snap_to(grid, part["start"].to_numpy(float))
    stop = snap_to(grid, part["stop"].to_numpy(float))
    row_lo = np.empty(len(part), dtype=np.int64)
    row_hi = np.empty(len(part), dtype=np.int64)
    for s, times in enumerate(index.times):
        rows = stratum == s
        top = index.first_group[s] + len(times)
        row_lo[rows] = top - np.searchsorted(times, stop[rows], side="right")
        row_hi[rows] = top - np.searchsorted(times, start[rows], side="right")
    event = part["event"].to_numpy() != 0
    row_group = np.where(event, row_lo, -1).astype(np.int64)
    w = np.ones(len(part)) if weights is None else part[weights].to_numpy(dtype=float)
    X = _covariate_matrix(part, products)
    XT = np.ascontiguousarray(X - means[stratum].T) if len(X) else X
    return Chunk(bin_lo=row_lo + stratum, bin_hi=row_hi + stratum, row_lo=row_lo, row_hi=row_hi,
                 row_group=row_group, n_bins=index.n_bins, n_groups=index.n_groups, XT=XT,
                 weights=w, cluster=None if cluster is None else part[cluster].to_numpy())


def _chunk_sums(chunk: Chunk, beta, keep) -> BinSums:
    return row_sums(chunk, chunk.XT[keep], chunk.weights, np.zeros(len(chunk.weights)), beta)


def _combine(a: BinSums, b: BinSums) -> BinSums:
    return a.combine(b)


def _cluster_residuals(chunk: Chunk, beta, keep, shift, terms) -> pd.DataFrame:
    """Weighted score residuals of a partition's rows summed by cluster label."""
    XT = chunk.XT[keep]
    eta = beta @ XT if len(beta) else np.zeros(XT.shape[1])
    risk = np.exp(eta - shift)
    codes, labels = pd.factorize(chunk.cluster, sort=False)
    resid = cluster_sums(chunk, XT, chunk.weights, risk, terms, codes, len(labels))
    out = pd.DataFrame(resid, columns=[f"r{k}" for k in range(resid.shape[1])])
    out.insert(0, "cluster", labels)
    return out


def _outer_sum(frame: pd.DataFrame) -> np.ndarray:
    R = frame.drop(columns="cluster").to_numpy(float)
    return R.T @ R


def _robust_pieces(chunks, beta, keep, ev, clusters_whole: bool):
    """``(R'R, column sums of R, number of clusters)`` for the cluster-summed residuals R."""
    import dask
    import dask.dataframe as dd

    p = len(beta)
    meta = pd.DataFrame({"cluster": pd.Series(dtype=object),
                         **{f"r{k}": pd.Series(dtype=float) for k in range(p)}})
    parts = [dask.delayed(_cluster_residuals, pure=True)(c, beta, keep, ev.shift, ev.terms)
             for c in chunks]
    frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
    if not clusters_whole:
        frame = frame.groupby("cluster").sum(split_out=max(1, frame.npartitions // 4)).reset_index()
    outer = frame.map_partitions(lambda f: pd.Series([_outer_sum(f)]), meta=(None, object))
    sums = frame.drop(columns="cluster").sum()
    count = frame.shape[0]
    outer_list, total, n = compute(outer, sums, count, label="robust variance")
    RtR = np.sum(list(outer_list), axis=0) if len(outer_list) else np.zeros((p, p))
    return np.asarray(RtR, dtype=float).reshape(p, p), total.to_numpy(float), int(n)


def fit_cox(ddf, covariates, *, strata=None, cluster="subject", ties="efron", weights=None,
            confidence_level=0.95, model="Cox", persist=None) -> CoxResult:
    """Cox model on (start, stop] rows held in a Dask DataFrame; the numbers of :func:`sa.cox`.

    ``persist=True`` keeps the located rows in the workers' memory between
    Newton steps; ``persist=False`` reads the data again at every step (out
    of core); ``None`` persists when the rows take under a third of the
    workers' memory.
    The fitted result holds no rows: residuals, predictions and diagnostics
    that need them raise a ValueError saying so.
    """
    import dask

    check_option("ties", ties, TIES)
    check_confidence_level(confidence_level)
    names, products = parse_covariates(covariates)
    strata = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    used = sorted({c for cols in products.values() for c in cols})
    require_columns(ddf, ["start", "stop", "event", *used, *strata, cluster, weights])
    numeric = ["start", "stop", "event", *used] + ([weights] if weights else [])
    n_zero = validated(ddf, numeric)
    if n_zero:
        zero = ddf["start"] == ddf["stop"]
        warnings.warn(f"{int(n_zero)} row(s) with start == stop were dropped: they hold no time at "
                      "risk (R's Surv() makes them NA and the fit leaves them out)",
                      UserWarning, stacklevel=3)
        ddf = ddf[~zero]
    columns = list(dict.fromkeys(["start", "stop", "event", *used, *strata]
                                 + ([cluster] if cluster else []) + ([weights] if weights else [])))
    ddf = ddf[columns]

    labels = None
    if strata:
        (distinct,) = compute(ddf[strata].drop_duplicates(), label="strata")
        distinct = distinct.sort_values(strata).reset_index(drop=True)
        labels = (pd.MultiIndex.from_frame(distinct) if len(strata) > 1
                  else pd.Index(distinct[strata[0]]))
    n_strata = 1 if labels is None else len(labels)
    parts = ddf.to_delayed()
    summaries = [dask.delayed(_summaries, pure=True)(p, products, strata, labels, weights, n_strata)
                 for p in parts]
    (events, totals, xsum, n_rows, n_events), = compute(tree_sum(summaries, _add_summaries),
                                                          label="event times and means")
    if n_events == 0:
        raise ValueError("the data has no events (event == 1); a Cox model needs events")
    if n_events < len(names):
        raise ValueError(f"too few events: {n_events} event(s) for {len(names)} covariates")
    means = (xsum / totals).T if len(names) else np.zeros((n_strata, 0))
    index, grid = _group_index(events, n_strata, ties == "efron")
    chunks = [dask.delayed(_prepare, pure=True)(p, index, grid, products, strata, labels, weights,
                                                 means, cluster) for p in parts]
    if persist is None:
        persist = fits_in_memory(int(n_rows) * (8 * (len(names) + 7)))
    if persist:
        chunks = list(dask.persist(*chunks))

    def evaluate_at(beta, keep):
        sums = [dask.delayed(_chunk_sums, pure=True)(c, beta, keep) for c in chunks]
        (total,) = compute(tree_sum(sums, _combine), label="Newton step")
        red = reduce_sums(index, total)
        return PartitionedEvaluation(beta=np.array(beta, dtype=float), loglik=red.loglik,
                                     score=red.score, information=red.information,
                                     terms=red.terms, shift=total.shift)

    whole = partitions_disjoint(ddf, cluster) if cluster else True
    design = PartitionedDesign(covariates=tuple(names), n_rows=int(n_rows),
                               n_events=int(n_events), n_clusters=0,
                               strata_names=tuple(strata))
    all_keep = np.arange(len(names))
    initial = evaluate_at(np.zeros(len(names)), all_keep)
    design, _ = drop_aliased(design, initial.information)
    keep = np.array([names.index(c) for c in design.covariates], dtype=np.int64)
    fit = maximise_partial_likelihood(lambda b: evaluate_at(b, keep), len(keep),
                                      names=list(design.covariates))
    robust_var = rscore = None
    if cluster:
        RtR, _, n_clusters = _robust_pieces(chunks, fit.beta, keep, fit.final, whole)
        if n_clusters < 2:
            raise ValueError(f"the data has a single cluster ({cluster}): a robust variance needs "
                             "at least two independent clusters; pass cluster=None for the "
                             "model-based variance only")
        robust_var = fit.variance @ RtR @ fit.variance
        start = fit.initial if len(keep) == len(names) else evaluate_at(np.zeros(len(keep)), keep)
        RtR0, u, _ = _robust_pieces(chunks, np.zeros(len(keep)), keep, start, whole)
        rscore = float(u @ np.linalg.solve(RtR0, u))
        design = replace(design, n_clusters=n_clusters)
    est = Estimates(beta=fit.beta, variance=fit.variance, robust_variance=robust_var,
                    loglik=fit.loglik, loglik_null=fit.loglik_null,
                    score_statistic=fit.score_test, robust_score_statistic=rscore,
                    iterations=fit.iterations, converged=fit.converged, evaluation=fit.final,
                    offset=np.zeros(0))
    result = assemble_result(design, index, est, all_names=names, terms={n: [n] for n in names},
                             model=model, ties=ties, confidence_level=confidence_level,
                             notes=(f"fitted on a Dask DataFrame of {ddf.npartitions} partitions",))
    return replace(result, state=None)
