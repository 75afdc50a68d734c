"""Rate ratio of exposed periods compared within the person's own stretches (the safe default of rate_ratio).

The periods (``subject, start, end`` timestamps) are the exposure; each
subject's at-risk time is cut into cells by period (the person's own
stretches of constant onset rate, or calendar blocks), season, exposure state
and time since the last episode ended, the comparison that
:func:`~spasm_analysis.treatment_effect` makes (:mod:`.self_controlled`).  The
exact conditional mid-p estimate, interval and p-value of
:mod:`.self_controlled_fit` give the ratio.  Several subjects each keep their
own period intercepts.

References
----------
Farrington, C. P. (1995). Relative incidence estimation from case series for
    vaccine safety evaluation. Biometrics 51, 228-235.
Martin, D. O. & Austin, H. (1991). Exact estimates for a rate ratio.
    Epidemiology 2, 359-362.
"""

from __future__ import annotations

import numpy as np

from .self_controlled import SINCE_EPISODE_BANDS, Cells, build_cells, calendar_cuts, stretch_cuts
from .self_controlled_fit import fit_cells
from .timeline import DAY, merge_periods

__all__ = ["stratified_rate_ratio", "period_bounds", "WITHIN_WORDS"]

#: How each ``within=`` choice reads in a sentence ("in the same ...").
WITHIN_WORDS = {"stretches": "stretch of the person's own onset rate", "years": "year",
                "half-years": "half-year", "quarters": "quarter"}


def period_bounds(lo, hi, event, origin, end_day: float, within: str) -> np.ndarray:
    """Edges (days) of the periods compared within: the person's stretches of constant rate or calendar blocks."""
    if within == "stretches":
        return stretch_cuts(lo, hi, event, end_day)
    return calendar_cuts(origin, end_day, within)


def stratified_rate_ratio(line, periods, within: str, confidence_level: float) -> dict:
    """Fit of :func:`~.self_controlled_fit.fit_cells` (mid-p) on the cells of every subject in ``line``."""
    parts, offset = [], 0
    for subject, rows in line.at_risk.groupby("subject", sort=False):
        origin = line.origin[subject]
        p = periods[periods["subject"] == subject]
        starts, ends = merge_periods(((p["start"] - origin) / DAY).to_numpy(float), ((p["end"] - origin) / DAY).to_numpy(float))
        onsets = line.onsets[line.onsets["subject"] == subject]
        w = line.windows[line.windows["subject"] == subject]
        lo, hi, event = rows["start"].to_numpy(float), rows["stop"].to_numpy(float), rows["event"].to_numpy() == 1
        cells = build_cells(
            lo=lo, hi=hi, event=event, onset_day=onsets["day"].to_numpy(float), episode_end_day=onsets["end_day"].to_numpy(float),
            exposure=(starts, ends, starts), origin=origin, pre_exposure_days=0.0, since_episode_days=SINCE_EPISODE_BANDS,
            period_bounds=period_bounds(lo, hi, event, origin, float(w["end_day"].max()), within),
        )
        parts.append(Cells(cells.period + offset, cells.season, cells.state, cells.recent, cells.days, cells.events,
                           cells.period_bounds))
        offset += len(cells.period_bounds) - 1
    joined = Cells(*(np.concatenate([getattr(c, f) for c in parts]) for f in ("period", "season", "state", "recent", "days", "events")),
                   period_bounds=np.arange(offset + 1, dtype=float))
    return fit_cells(joined, confidence_level=confidence_level, every_state=False, interval="mid-p")
