"""Write the inputs of make_personal_reference.R (seeded; rerunning gives the same files).

    .venv/bin/python tests/reference/make_personal_inputs.py
    Rscript tests/reference/make_personal_reference.R

Each input is the data one of the personal analyses fits its model to, derived by
spasm_analysis from a seeded simulated log (tests/personal_simulation.py): R then
fits the same model to the same data, and tests/test_personal_reference.py checks
that spasm_analysis gives R's numbers and still derives the same data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import spasm_analysis as sa  # noqa: E402
from personal_simulation import START, make_log, simulate_onset_days  # noqa: E402

RATE_RATIO_CASES = pd.DataFrame(
    {"a": [4, 0, 7, 12, 1], "t1": [200.0, 150.0, 90.5, 400.0, 30.0], "b": [20, 9, 0, 30, 25], "t0": [800.0, 2000.0, 1500.0, 1200.0, 3000.0]}
)


def trigger_log(seed=11, days=3000):
    rng = np.random.default_rng(seed)
    exposed_days = np.flatnonzero(rng.uniform(size=days + 1) < 0.2)
    mask = np.zeros(days + 1, dtype=bool)
    mask[exposed_days] = True
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 20, duration=2, multiplier=lambda d: 3.0 if mask[max(d - 2, 0): d + 1].any() else 1.0)
    exposures = pd.DataFrame({"time": START + pd.to_timedelta(exposed_days[exposed_days >= 1], unit="D"), "exposure": "cold pool"})
    return make_log(onsets, days=days, duration=2, exposures=exposures)


def session_log(seed=12, days=3000):
    rng = np.random.default_rng(seed)
    sessions = np.sort(rng.choice(np.arange(1, days - 30), size=80, replace=False))

    def multiplier(d):
        j = np.searchsorted(sessions, d, side="left") - 1
        return 3.0 if j >= 0 and 0 < d - sessions[j] <= 3 else 1.0

    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 30, duration=2, multiplier=multiplier)
    treatments = pd.DataFrame({"start": START + pd.to_timedelta(sessions, unit="D"), "modality": "chiropractic"})
    treatments["end"] = treatments["start"] + pd.Timedelta(days=1)
    return make_log(onsets, days=days, duration=2, treatments=treatments)


def change_log(seed=13, days=365 * 8):
    rng = np.random.default_rng(seed)
    t0 = 365 * 4
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 15, duration=2, multiplier=lambda d: (0.5 if d > t0 else 1.0) * (1.6 if (START + pd.Timedelta(days=d)).month in (1, 2) else 1.0))
    treatments = pd.DataFrame({"start": [START + pd.Timedelta(days=t0)], "end": [START + pd.Timedelta(days=t0 + 42)], "modality": ["physiotherapy"]})
    return make_log(onsets, days=days, duration=2, treatments=treatments)


def renewal_log(seed=14, days=4000):
    rng = np.random.default_rng(seed)
    onsets, t = [], 0.0
    while True:
        t += max(1.0, np.ceil(60.0 * rng.weibull(1.5)))
        if t > days:
            break
        onsets.append(int(t))
        t += 2 + rng.integers(0, 6)
    return make_log(np.array(onsets), days=days, duration=2)


def inputs() -> dict[str, pd.DataFrame]:
    cc = sa.case_crossover(trigger_log(), exposure="cold pool", hazard_days=2).table
    rw = sa.risk_windows(session_log(), exposed="chiropractic").cells
    rw_years = sa.risk_windows(session_log(), exposed="chiropractic", calendar="years").cells
    ba = sa.before_after(change_log(), start="physiotherapy").table
    season = sa.seasonality(change_log()).table
    gaps = sa.forecast_next_episode(renewal_log(), n_bootstrap=0).gaps
    return {
        "personal_rate_ratio_cases.csv": RATE_RATIO_CASES,
        "personal_case_crossover_design.csv": cc[["stratum", "case", "exposed"]],
        "personal_risk_window_cells.csv": rw,
        "personal_risk_window_cells_years.csv": rw_years,
        "personal_before_after_months.csv": ba[ba["days_at_risk"] > 0][["period", "events", "days_at_risk", "after", "years"]],
        "personal_seasonality_months.csv": season[["month", "events", "days_at_risk"]].rename(columns={"month": "period"}),
        "personal_forecast_gaps.csv": gaps[["duration", "observed"]],
    }


if __name__ == "__main__":
    for name, frame in inputs().items():
        with open(HERE / name, "w") as handle:
            handle.write("# written by tests/reference/make_personal_inputs.py (seeded simulation, spasm_analysis)\n")
            frame.to_csv(handle, index=False)
        print(name, len(frame))
