"""Write the gap-time exposure chunks that make_gap_hazard_reference.R fits (seeded, reproducible).

Gaps between episodes drawn from a clustered renewal process whose rate rises over the calendar
and peaks in winter; the chunks are those of
spasm_analysis.personal.gap_hazard (piece, days at risk, calendar midpoint, onsets).

Run from the repository root: python tests/reference/make_gap_hazard_inputs.py
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from spasm_analysis.personal.gap_hazard import _exposure_chunks, fit_piecewise_hazard  # noqa: E402

EPOCH_START = 12_000.0  # calendar day of the first gap (days since 1970-01-01)


def gaps(seed: int = 20261202) -> pd.DataFrame:
    """Gaps on a day grid: hazard 3x in the 30 days after an episode, x1.3 a year, winter peak."""
    rng = np.random.default_rng(seed)
    rows, day, end = [], EPOCH_START, EPOCH_START + 8 * 365.25
    while day < end:
        t = 0
        while True:
            t += 1
            x = day + t
            rate = 10 / 365.25 * (3.0 if t <= 30 else 1.0) * 1.3 ** ((x - end) / 365.25) * np.exp(
                0.6 * np.cos(2 * np.pi * x / 365.25))
            if x >= end:
                rows.append((t, 0, day))
                break
            if rng.uniform() < -np.expm1(-rate):
                rows.append((t, 1, day))
                break
        day += t + 3  # a three-day episode
    return pd.DataFrame(rows, columns=["duration", "observed", "start"])


if __name__ == "__main__":
    frame = gaps()
    frame.to_csv(ROOT / "tests/reference/data/gap_hazard_gaps.csv", index=False)
    edges = fit_piecewise_hazard(frame["duration"], frame["observed"]).edges
    piece, days, x, events = _exposure_chunks(frame["duration"].to_numpy(float), frame["observed"].to_numpy(float),
                                              frame["start"].to_numpy(float), edges)
    now = float((frame["start"] + frame["duration"]).max())
    pd.DataFrame({"piece": piece, "days": days, "x": x, "events": events, "now": now}).to_csv(
        ROOT / "tests/reference/data/gap_hazard_chunks.csv", index=False)
