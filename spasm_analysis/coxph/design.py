"""Validate a counting-process frame and turn it into the arrays the Cox engine uses.

Every problem is reported with the column (and row, where there is one) that
caused it; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from spasm_analysis.sorted_codes import sorted_codes
from ..compiled import njit

__all__ = ["CoxDesign", "make_design", "first_dependent_column", "aliased_columns", "TIES"]

TIES = ("efron", "breslow")
#: Relative size below which a covariate's residual variance, after removing
#: the strata means and the earlier covariates, counts as zero (collinear).
COLLINEARITY_TOLERANCE = 1e-10


@dataclass(frozen=True)
class CoxDesign:
    """Validated arrays for one Cox fit (rows in the frame's order)."""

    covariates: tuple
    X: np.ndarray            # covariates centred within stratum (weighted means, as R)
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray        # bool
    stratum: np.ndarray      # int codes
    weights: np.ndarray
    cluster: np.ndarray | None  # int codes
    cluster_labels: pd.Index | None
    strata_names: tuple
    means: np.ndarray | None = None  # stratum x covariate means removed from X
    strata_labels: pd.Index | None = None  # stratum values in code order

    def keep_columns(self, keep) -> "CoxDesign":
        """The same design with only the covariate columns at positions ``keep``."""
        keep = list(keep)
        return replace(self, covariates=tuple(self.covariates[k] for k in keep),
                       X=np.asfortranarray(self.X[:, keep]),
                       means=None if self.means is None else self.means[:, keep])

    @property
    def n_clusters(self) -> int:
        return 0 if self.cluster_labels is None else len(self.cluster_labels)

    @property
    def n_rows(self) -> int:
        return len(self.start)

    @property
    def n_events(self) -> int:
        return int(self.event.sum())


def _require_columns(frame: pd.DataFrame, columns, role: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hint = "; pass cluster=None to skip the robust variance" if role == "cluster" else ""
        raise ValueError(
            f"{role} column(s) {', '.join(repr(c) for c in missing)} not found in the data; "
            f"available columns: {', '.join(map(str, frame.columns))}{hint}")


def _numeric(frame: pd.DataFrame, column: str, role: str) -> np.ndarray:
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(float)
    if not pd.api.types.is_numeric_dtype(series):
        bad = series[pd.to_numeric(series, errors="coerce").isna() & series.notna()]
        example = f" (row {bad.index[0]!r} has {bad.iloc[0]!r})" if len(bad) else ""
        raise ValueError(
            f"{role} column {column!r} must be numeric (0/1 for a category), "
            f"but has dtype {series.dtype}{example}; encode it as indicator columns first")
    values = series.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = list(frame.index[bad][:5])
        raise ValueError(
            f"{role} column {column!r} has {int(bad.sum())} missing or infinite value(s), "
            f"e.g. at row(s) {rows}; remove or impute those rows explicitly")
    return values


def _codes(frame: pd.DataFrame, columns, role: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of the (combined) column values, and the labels in code order."""
    _require_columns(frame, columns, role)
    single = frame[columns[0]] if len(columns) == 1 else None
    kind = single.dtype.kind if single is not None and isinstance(single.dtype, np.dtype) else None
    if kind not in ("i", "u"):  # integers (subject ids, episode numbers) cannot be missing: no scan
        missing = frame[list(columns)].isna()
        if missing.any().any():
            col = missing.columns[missing.any()][0]
            rows = list(frame.index[missing[col]][:5])
            raise ValueError(f"{role} column {col!r} has missing values at row(s) {rows}")
    if kind in ("i", "u", "f"):
        labels, codes = sorted_codes(single.to_numpy())  # no sort of all rows, no copy
        return codes, pd.Index(labels)
    if single is not None:
        codes, labels = pd.factorize(single, sort=True)
        return codes.astype(np.int64), pd.Index(labels)
    part = frame[list(columns)]
    codes = part.groupby(list(columns), sort=True, observed=True).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    labels = pd.MultiIndex.from_frame(part.iloc[first])
    return codes.astype(np.int64), labels


def first_dependent_column(gram: np.ndarray, tolerance: float = COLLINEARITY_TOLERANCE):
    """Index of the first column of a Gram matrix that depends linearly on earlier ones.

    Sequential Cholesky: column k's squared residual after projecting on
    columns 0..k-1 is compared with its own sum of squares.
    Returns ``None`` when the matrix has full rank.
    """
    p = len(gram)
    for k in range(p):
        sub = gram[: k + 1, : k + 1]
        if k == 0:
            residual = sub[0, 0]
        else:
            try:
                residual = sub[k, k] - sub[k, :k] @ np.linalg.solve(sub[:k, :k], sub[:k, k])
            except np.linalg.LinAlgError:
                return k
        if not residual > tolerance * max(gram[k, k], np.finfo(float).tiny):
            return k
    return None


def make_design(frame: pd.DataFrame, covariates, *, strata=None, cluster=None, weights=None,
                start: str = "start", stop: str = "stop", event: str = "event") -> CoxDesign:
    """Check a counting-process frame and build the engine's arrays.

    Raises ValueError naming the column (and rows) for: missing columns,
    non-numeric or missing covariate values, intervals with ``start >= stop``,
    event values other than 0/1, non-positive weights and no events. Aliased
    covariates (constant, or linear combinations of others) are not an error
    here: :func:`aliased_columns` finds them on the information matrix.
    """
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"covariates contain duplicates: {covariates}")
    _require_columns(frame, [start, stop, event], "time")
    _require_columns(frame, covariates, "covariate")
    if len(frame) == 0:
        raise ValueError("the data has no rows")

    t0 = _numeric(frame, start, "start")
    t1 = _numeric(frame, stop, "stop")
    bad = np.flatnonzero(t0 >= t1)
    if len(bad):
        i = bad[0]
        raise ValueError(
            f"{len(bad)} row(s) have start >= stop, e.g. row {frame.index[i]!r}: "
            f"({start}={t0[i]:g}, {stop}={t1[i]:g}]; every interval must have positive length")
    ev = _numeric(frame, event, "event")
    bad = np.flatnonzero((ev != 0) & (ev != 1))
    if len(bad):
        raise ValueError(f"event column {event!r} must be 0 or 1; row {frame.index[bad[0]]!r} "
                         f"has {ev[bad[0]]:g}")
    ev = ev.astype(bool)

    w = _weights(frame, weights)
    if strata is None:
        stratum, n_strata, strata_names = np.zeros(len(frame), np.int64), 1, ()
        strata_labels = None
    else:
        strata_names = (strata,) if isinstance(strata, str) else tuple(strata)
        stratum, strata_labels = _codes(frame, strata_names, "strata")
        n_strata = len(strata_labels)
    if cluster is None:
        cluster_codes, cluster_labels = None, None
    else:
        cluster_codes, cluster_labels = _codes(frame, [cluster], "cluster")

    # one covariate per contiguous column: the engine reads X.T, and w @ X stays a fast gemv
    X = np.empty((len(frame), len(covariates)), order="F")
    for k, c in enumerate(covariates):
        X[:, k] = _numeric(frame, c, "covariate")
    n_events = int(ev.sum())
    if n_events == 0:
        raise ValueError("the data has no events (event == 1); a Cox model needs events")
    if n_events < len(covariates):
        raise ValueError(f"too few events: {n_events} event(s) for {len(covariates)} covariates "
                         f"({', '.join(covariates)}); use fewer covariates")
    Xc, means = _centred(X, w, stratum, n_strata)
    return CoxDesign(covariates=tuple(covariates), X=np.asfortranarray(Xc), start=t0, stop=t1,
                     event=ev, stratum=stratum, weights=w, cluster=cluster_codes,
                     cluster_labels=cluster_labels, strata_names=strata_names, means=means,
                     strata_labels=strata_labels)


def _weights(frame: pd.DataFrame, weights) -> np.ndarray:
    """Case weights from a column name or one value per row; ones when None."""
    if weights is None:
        return np.ones(len(frame))
    if isinstance(weights, str):
        w = _numeric(frame, weights, "weights")
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(frame),):
            raise ValueError(f"weights must have one value per row ({len(frame)}), "
                             f"got shape {w.shape}")
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if len(bad):
        raise ValueError(f"weights must be positive and finite; row {frame.index[bad[0]]!r} "
                         f"has {w[bad[0]]:g}")
    return w


def _centred(X, w, stratum, n_strata) -> tuple[np.ndarray, np.ndarray]:
    """Covariates centred within stratum (weighted, as R does), and the stratum means.

    Centring removes what stratification absorbs: a covariate constant within
    every stratum becomes a zero column, which :func:`aliased_columns` then
    finds (R gives it an NA coefficient).
    """
    if n_strata == 1:  # one weighted mean per column; broadcasting keeps X's layout
        means = (w @ X / w.sum())[None, :]
        return X - means[0], means
    centred = np.empty_like(X, order="F")
    means = _centre_within_strata(np.asfortranarray(X), w, stratum, n_strata, centred)
    return centred, means


@njit(cache=True, nogil=True, error_model="numpy")
def _centre_within_strata(X, w, stratum, n_strata, out):
    """Weighted stratum means of X's columns, and X less its row's stratum mean into ``out``.

    Two passes over the rows instead of numpy's five (a product, a bincount,
    a division, a gather, a subtraction) per column; the sums run in row order,
    as ``np.bincount`` adds them, so the means are the same to the bit.
    """
    n, p = X.shape
    totals = np.zeros(n_strata)
    sums = np.zeros((n_strata, p))
    for i in range(n):
        s = stratum[i]
        totals[s] += w[i]
    for k in range(p):
        for i in range(n):
            sums[stratum[i], k] += w[i] * X[i, k]
    means = np.empty((n_strata, p))
    for s in range(n_strata):
        for k in range(p):
            means[s, k] = sums[s, k] / totals[s]
    for k in range(p):
        for i in range(n):
            out[i, k] = X[i, k] - means[stratum[i], k]
    return means


#: R's ``coxph.control(toler.chol)``: a pivot below this fraction of the largest
#: diagonal element of the information matrix marks an aliased column.
TOLER_CHOL = np.finfo(float).eps ** 0.75


def aliased_columns(information: np.ndarray, toler: float = TOLER_CHOL) -> list:
    """Columns R's ``cholesky2`` declares singular in an information matrix.

    A generalized Cholesky decomposition in column order: a column whose pivot,
    after removing the earlier columns, is below ``toler`` times the largest
    diagonal element is aliased (a constant, a column constant within every
    stratum or risk set, or a linear combination of earlier columns) and is
    skipped. R then reports NA for its coefficient and fits the rest.
    """
    m = np.array(information, dtype=float)
    p = len(m)
    eps = float(np.max(np.abs(np.diag(m)))) if p else 0.0
    eps = toler if eps == 0 else eps * toler
    out = []
    for i in range(p):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            out.append(i)
            continue
        for j in range(i + 1, p):
            temp = m[j, i] / pivot
            m[j, i] = temp
            m[j, j] -= temp * temp * pivot
            m[j + 1:, j] -= temp * m[j + 1:, i]
    return out
