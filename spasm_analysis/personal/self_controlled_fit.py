"""The self-controlled Poisson model fitted to :class:`~.self_controlled.Cells`.

Design: one intercept per calendar period, season effects, one effect per
exposure state other than baseline (and "recent episode" when used).  Levels
without any onset are left out with their cells: their coefficient would be
-inf and their cells add nothing to the likelihood, exactly as conditioning on
the person's onsets in each period does (the conditional Poisson likelihood
of the self-controlled case series equals this Poisson fit; Farrington 1995).
"""

from __future__ import annotations

import numpy as np

from .poisson_fit import profile_interval
from .self_controlled import STATES, Cells

__all__ = ["fit_cells", "design_matrix"]


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
    for flag, name in ((cells.state[keep] == 1, "pre-exposure"), (cells.recent[keep] == 1, "recent")):
        if flag.any() and not flag.all():
            columns.append(flag)
            names.append(name)
    columns.append(cells.state[keep] == 2)
    names.append("window")
    return np.column_stack(columns).astype(float), names


def _ratio(result: dict) -> dict:
    return {"rate_ratio": float(np.exp(result["estimate"])), "ci_lower": float(np.exp(result["lower"])),
            "ci_upper": float(np.exp(result["upper"])), "p_value": result["p_value"]}


def fit_cells(cells: Cells, *, confidence_level: float = 0.95, every_state: bool = True) -> dict:
    """Rate ratio of the window (and of the pre-exposure stratum) against baseline.

    Returns
    -------
    dict
        ``rate_ratio, ci_lower, ci_upper, p_value`` of the window,
        ``onsets_in_window``, ``expected_in_window`` (fitted with the ratio
        fixed at 1), ``states`` (per state: ``onsets, days`` and its adjusted
        ratio and limits; the pre-exposure ratio only with ``every_state``)
        and ``reason`` (why nothing could be estimated, or "").
    """
    keep = _informative(cells)
    states = {}
    for code, state in enumerate(STATES):
        here = cells.state == code
        if here.any():
            states[state] = {"onsets": float(cells.events[here].sum()), "days": float(cells.days[here].sum()),
                             "rate_ratio": 1.0 if code == 0 else np.nan, "ci_lower": np.nan, "ci_upper": np.nan}
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
