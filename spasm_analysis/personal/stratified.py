"""Rate ratio of exposed periods compared within calendar blocks and season (the safe default of rate_ratio).

The periods (``subject, start, end`` timestamps) are the exposure; each
subject's at-risk time is cut into cells by calendar block, season and
exposure state (with a pre-exposure stratum for periods starting within 30
days after an onset), and the self-controlled Poisson model of
:mod:`.self_controlled_fit` gives the ratio, its profile-likelihood interval
and the likelihood-ratio p-value.  Several subjects each keep their own
calendar-block intercepts.
"""

from __future__ import annotations

import numpy as np

from .self_controlled import Cells, build_cells, calendar_cuts
from .self_controlled_fit import fit_cells
from .timeline import DAY, merge_periods

__all__ = ["stratified_rate_ratio"]


def stratified_rate_ratio(line, periods, within: str, confidence_level: float) -> dict:
    """Fit of :func:`~.self_controlled_fit.fit_cells` on the cells of every subject in ``line``."""
    parts, offset = [], 0
    for subject, rows in line.at_risk.groupby("subject", sort=False):
        origin = line.origin[subject]
        p = periods[periods["subject"] == subject]
        starts, ends = merge_periods(((p["start"] - origin) / DAY).to_numpy(float), ((p["end"] - origin) / DAY).to_numpy(float))
        onsets = line.onsets[line.onsets["subject"] == subject]
        end_day = ((onsets["end"].fillna(onsets["onset"]) - origin) / DAY).to_numpy(float)
        w = line.windows[line.windows["subject"] == subject]
        cells = build_cells(
            lo=rows["start"].to_numpy(float), hi=rows["stop"].to_numpy(float), event=rows["event"].to_numpy() == 1,
            onset_day=onsets["day"].to_numpy(float), episode_end_day=end_day, exposure=(starts, ends, starts),
            period_bounds=calendar_cuts(origin, float(w["end_day"].max()), within), origin=origin,
        )
        parts.append(Cells(cells.period + offset, cells.season, cells.state, cells.recent, cells.days, cells.events,
                           cells.period_bounds))
        offset += len(cells.period_bounds) - 1
    joined = Cells(*(np.concatenate([getattr(c, f) for c in parts]) for f in ("period", "season", "state", "recent", "days", "events")),
                   period_bounds=np.arange(offset + 1, dtype=float))
    return fit_cells(joined, confidence_level=confidence_level, every_state=False)
