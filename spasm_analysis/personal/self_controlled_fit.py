"""The self-controlled Poisson model fitted to :class:`~.self_controlled.Cells`.

Two ways to get the window's rate ratio and its interval:

``"mid-p"`` (exact conditional)
    Each combination of calendar period, season and recent-episode state is a
    stratum; the window is compared with baseline days of the same stratum
    (pre-exposure days are a stratum of their own).  Given each stratum's
    onsets, the window onsets follow the convolution of binomials of
    :mod:`.poisson_exact`; its mid-p interval keeps close to its nominal
    coverage with the handful of onsets a window holds (Martin & Austin 1991;
    Rothman & Greenland, Modern Epidemiology, ch. 14).
``"profile"``
    The Poisson log-linear model with additive period, season, pre-exposure
    and recent-episode terms, profile-likelihood interval and
    likelihood-ratio p-value (:mod:`.poisson_fit`).

Profile design: one intercept per calendar period, season effects, one effect per
exposure state other than baseline (and "recent episode" when used).  Levels
without any onset are left out with their cells: their coefficient would be
-inf and their cells add nothing to the likelihood, exactly as conditioning on
the person's onsets in each period does (the conditional Poisson likelihood
of the self-controlled case series equals this Poisson fit; Farrington 1995).
"""

from __future__ import annotations

import numpy as np

from .poisson_exact import midp_rate_ratio
from .poisson_fit import profile_interval
from .self_controlled import STATES, Cells

__all__ = ["fit_cells", "design_matrix", "INTERVALS", "strata_counts"]

#: How the window's interval is computed (see the module docstring).
INTERVALS = ("mid-p", "profile")


def _informative(cells: Cells) -> np.ndarray:
    """Cells of levels with at least one onset (baseline and window cells are kept whatever they hold)."""
    keep = np.ones(len(cells.days), dtype=bool)
    for codes, protect in ((cells.period, ()), (cells.season, ()), (cells.state, (0, 2)), (cells.recent, ())):
        totals = np.bincount(codes, weights=cells.events)
        empty = (totals[codes] == 0) & ~np.isin(codes, protect)
        keep &= ~empty
    return keep & (cells.days > 0)


def design_matrix(cells: Cells, keep: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Columns: period intercepts, season contrasts, pre-exposure, recent episode, and the window last."""
    columns, names = [], []
    for p in np.unique(cells.period[keep]):
        columns.append(cells.period[keep] == p)
        names.append(f"period{p}")
    for s in np.unique(cells.season[keep])[1:]:
        columns.append(cells.season[keep] == s)
        names.append(f"season{s}")
    bands = [(cells.recent[keep] == b, "recent" if b == 1 else f"recent{b}") for b in np.unique(cells.recent[keep]) if b > 0]
    for flag, name in ((cells.state[keep] == 1, "pre-exposure"), *bands):
        if flag.any() and not flag.all():
            columns.append(flag)
            names.append(name)
    columns.append(cells.state[keep] == 2)
    names.append("window")
    return np.column_stack(columns).astype(float), names


def _ratio(result: dict) -> dict:
    return {"rate_ratio": float(np.exp(result["estimate"])), "ci_lower": float(np.exp(result["lower"])),
            "ci_upper": float(np.exp(result["upper"])), "p_value": result["p_value"]}


def strata_counts(cells: Cells, state: int) -> dict[str, np.ndarray]:
    """Per stratum (period x season x recent episode): onsets and days in ``state`` and at baseline."""
    key = (cells.period * 4 + cells.season) * (int(cells.recent.max(initial=0)) + 1) + cells.recent
    _, stratum = np.unique(key, return_inverse=True)
    out = {}
    for name, code in (("window", state), ("other", 0)):
        here = cells.state == code
        out[f"{name}_onsets"] = np.bincount(stratum, weights=np.where(here, cells.events, 0.0))
        out[f"{name}_days"] = np.bincount(stratum, weights=np.where(here, cells.days, 0.0))
    return out


def _midp(cells: Cells, state: int, confidence_level: float) -> dict:
    counts = strata_counts(cells, state)
    fit = midp_rate_ratio(**counts, confidence_level=confidence_level)
    # Onsets in a stratum with no baseline days are all expected where they fell.
    e, u = counts["window_days"], counts["other_days"]
    n = counts["window_onsets"] + counts["other_onsets"]
    shown = e > 0
    fit["expected_in_window"] = float(np.sum(n[shown] * e[shown] / (e[shown] + u[shown])))
    fit["onsets_in_window"] = float(counts["window_onsets"].sum())
    fit["strata"] = counts
    return fit


def _fit_midp(cells: Cells, confidence_level: float, every_state: bool, states: dict) -> dict:
    main = _midp(cells, 2, confidence_level)
    keys = ("rate_ratio", "ci_lower", "ci_upper")
    if "window" in states:
        states["window"].update({k: main[k] for k in keys})
    if every_state and "pre-exposure" in states:
        pre = _midp(cells, 1, confidence_level)
        states["pre-exposure"].update({k: pre[k] for k in keys})
    reason = "" if np.isfinite(main["p_value"]) else \
        "no calendar stretch, season and episode state holds both window days and other days with an onset"
    return {k: main[k] for k in keys + ("p_value", "onsets_in_window", "expected_in_window")} | \
        {"states": states, "reason": reason, "strata": main["strata"]}


def fit_cells(cells: Cells, *, confidence_level: float = 0.95, every_state: bool = True, interval: str = "profile") -> dict:
    """Rate ratio of the window (and of the pre-exposure stratum) against baseline.

    Returns
    -------
    dict
        ``rate_ratio, ci_lower, ci_upper, p_value`` of the window,
        ``onsets_in_window``, ``expected_in_window`` (fitted with the ratio
        fixed at 1), ``states`` (per state: ``onsets, days`` and its adjusted
        ratio and limits; the pre-exposure ratio only with ``every_state``)
        and ``reason`` (why nothing could be estimated, or "").  ``interval``
        is ``"profile"`` (additive Poisson model) or ``"mid-p"`` (exact
        conditional within strata; then ``strata`` holds the per-stratum
        counts of :func:`strata_counts`).
    """
    keep = _informative(cells)
    states = {}
    for code, state in enumerate(STATES):
        here = cells.state == code
        if here.any():
            states[state] = {"onsets": float(cells.events[here].sum()), "days": float(cells.days[here].sum()),
                             "rate_ratio": 1.0 if code == 0 else np.nan, "ci_lower": np.nan, "ci_upper": np.nan}
    if interval == "mid-p":
        return _fit_midp(cells, confidence_level, every_state, states)
    observed = float(cells.events[cells.state == 2].sum())
    nan = {"rate_ratio": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "p_value": np.nan}
    window_kept = keep & (cells.state == 2)
    if not window_kept.any() or not (keep & (cells.state != 2)).any() or cells.events[keep].sum() == 0:
        reason = ("no at-risk time after sessions falls in a calendar period with onsets" if not window_kept.any()
                  else "no at-risk time outside the window in the periods that hold onsets")
        return dict(nan, onsets_in_window=observed, expected_in_window=np.nan, states=states, reason=reason)
    X, names = design_matrix(cells, keep)
    y, offset = cells.events[keep], np.log(cells.days[keep])
    main = profile_interval(y, X, offset, len(names) - 1, confidence_level=confidence_level)
    states["window"].update({k: v for k, v in _ratio(main).items() if k != "p_value"})
    if every_state and "pre-exposure" in names:
        pre = profile_interval(y, X, offset, names.index("pre-exposure"), confidence_level=confidence_level)
        states["pre-exposure"].update({k: v for k, v in _ratio(pre).items() if k != "p_value"})
    expected = float(main["mu0"][X[:, -1] == 1].sum())
    return dict(_ratio(main), onsets_in_window=observed, expected_in_window=expected, states=states, reason="",
                design=(y, X, offset, names))
