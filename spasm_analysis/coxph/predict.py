"""Predicted cumulative hazard for covariate profiles, as R's ``survfit(fit, newdata)``.

For a profile x in stratum s, ``Lambda(t | x) = sum_{t_j <= t} dLambda_0(t_j) exp(x b)``
with the Breslow increments of the fit (Efron-corrected for Efron ties:
``sum_k meanwt / D_k`` over the k-th of the d tied events). Its variance is
R's: the hazard term ``sum_j exp(2 x b) sum_k meanwt / D_k^2`` plus
``d(t)' V d(t)`` with ``d(t) = sum_{t_j <= t} exp(x b) dLambda_0 (x - xbar(t_j))``
for the uncertainty in b, V being the variance R stores in ``fit$var`` (the
cluster-robust one when there is a cluster). Limits are R's default
``conf.type = "log"`` on the survival scale: ``Lambda -/+ z se``, the lower
one floored at 0.

For an Andersen-Gill fit, Lambda(t | x) is the expected number of episodes by
time t for someone with covariates x who stays under observation.

References
----------
Tsiatis, A. A. (1981). A large sample study of Cox's regression model.
*Ann. Statist.* 9, 93-108.
Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data*,
section 10.2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["predict_cumulative_hazard"]


def _profiles(state, newdata: pd.DataFrame):
    """Coded rows of newdata (estimable columns) and their strata codes."""
    design = state.design
    coded = state.coding.code(newdata)[list(design.covariates)].to_numpy(dtype=float)
    if not design.strata_names:
        return coded, np.zeros(len(coded), dtype=np.int64)
    missing = [c for c in design.strata_names if c not in newdata.columns]
    if missing:
        raise ValueError(f"the model is stratified: newdata needs the strata column(s) "
                         f"{', '.join(map(repr, missing))}")
    labels = design.strata_labels
    keys = (newdata[list(design.strata_names)].itertuples(index=False, name=None))
    keys = [key[0] if len(design.strata_names) == 1 else key for key in keys]
    codes = []
    for row, key in zip(newdata.index, keys):
        if key not in labels:
            raise ValueError(f"newdata row {row!r}: stratum {key!r} is not in the fitted data")
        codes.append(labels.get_loc(key))
    return coded, np.asarray(codes, dtype=np.int64)


def _group_times(rs, design) -> np.ndarray:
    times = np.zeros(rs.n_groups)
    times[rs.death_group] = design.stop[rs.deaths]
    return times


def predict_cumulative_hazard(state, newdata: pd.DataFrame, times=None,
                              confidence_level: float = 0.95) -> pd.DataFrame:
    """Cumulative hazard, standard error and interval for each row of ``newdata``."""
    if state.frailty:
        raise ValueError("predictions from a frailty fit are not available: they would need "
                         "a value for the frailty of a new cluster")
    design, rs, ev = state.design, state.risk_sets, state.evaluation
    beta = ev.beta
    variance = state.robust_variance if state.robust_variance is not None else state.naive_variance
    shift = ev.shift  # the scale of the fit's hazard increments
    coded, strata = _profiles(state, newdata)
    g = rs.term_group
    meanwt = (rs.group_weight / rs.group_size)[g]
    hazard, hazard_sq = ev.term_hazard, ev.term_hazard ** 2 / meanwt
    group_stratum = np.zeros(rs.n_groups, dtype=np.int64)
    group_stratum[rs.death_group] = design.stratum[rs.deaths]
    group_time = _group_times(rs, design)
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    pieces = []
    for k, (x, s) in enumerate(zip(coded, strata)):
        xc = x - design.means[s]
        risk = np.exp(xc @ beta - shift)
        # per event group of the profile's stratum, in time order (groups run latest first)
        groups = np.flatnonzero(group_stratum == s)[::-1]
        terms_in = np.isin(g, groups)
        per_group = lambda v: np.bincount(g[terms_in], weights=v[terms_in],  # noqa: E731
                                          minlength=rs.n_groups)[groups]
        inc = per_group(hazard) * risk
        var_h = per_group(hazard_sq) * risk ** 2
        d = np.column_stack([per_group(hazard * (xc[j] - ev.term_mean[j])) * risk
                             for j in range(len(beta))])
        cum_d = np.cumsum(d, axis=0)
        cumhaz = np.cumsum(inc)
        se = np.sqrt(np.cumsum(var_h) + np.einsum("ij,jk,ik->i", cum_d, variance, cum_d))
        curve = pd.DataFrame({"time": group_time[groups], "cumhaz": cumhaz, "std_error": se})
        if times is not None:
            curve = _at_times(curve, times)
        curve["ci_lower"] = np.maximum(curve["cumhaz"] - z * curve["std_error"], 0.0)
        curve["ci_upper"] = curve["cumhaz"] + z * curve["std_error"]
        if len(coded) > 1:
            curve.insert(0, "profile", newdata.index[k])
        pieces.append(curve)
    return pd.concat(pieces, ignore_index=True)


def _at_times(curve: pd.DataFrame, times) -> pd.DataFrame:
    """The step functions evaluated at ``times`` (0 and 0 before the first event)."""
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or not np.all(np.isfinite(times)):
        raise ValueError("times must be a one-dimensional sequence of finite numbers")
    index = np.searchsorted(curve["time"].to_numpy(), times, side="right") - 1
    out = {"time": times}
    for column in ("cumhaz", "std_error"):
        values = np.concatenate([[0.0], curve[column].to_numpy()])
        out[column] = values[index + 1]
    return pd.DataFrame(out)
