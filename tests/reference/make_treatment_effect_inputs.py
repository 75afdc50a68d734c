"""Write the cells of make_treatment_effect_reference.R (seeded; rerunning gives the same file).

    PYTHONPATH=. /work/venv/bin/python tests/reference/make_treatment_effect_inputs.py
    Rscript tests/reference/make_treatment_effect_reference.R

Each case is a seeded scenario log (spasm_analysis.simulate_scenario) and the
options of sa.treatment_effect; the file holds the cells the model is fitted to
(levels with no onset already left out, as the conditional likelihood does).
R fits the same Poisson model with glm and solves the profile-likelihood
limits with uniroot; tests/test_treatment_effect.py checks both the numbers
and that spasm_analysis still derives the same cells from the same log.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import spasm_analysis as sa  # noqa: E402
from spasm_analysis.personal.self_controlled import SEASONS, STATES, Cells  # noqa: E402
from spasm_analysis.personal.self_controlled_fit import strata_counts  # noqa: E402

# The profile-likelihood interval of the additive model (interval="profile"), checked against glm.
PROFILE = {"interval": "profile", "periods": "years", "pre_exposure_days": 30.0, "since_episode_days": 45.0}
CASES = {
    "step_70_fewer": dict(scenario="step", effect="70% fewer", seed=11, window=(4, 14), options=PROFILE),
    "step_none_course_no_recent": dict(scenario="step", effect="none", seed=5, window=None, options=dict(PROFILE, since_episode_days=None)),
    "step_empty_window": dict(scenario="step", effect="70% fewer", seed=1, window=(4, 5), options=PROFILE),
    "seasonal_harm_half_years": dict(scenario="seasonal", effect="harm", seed=2, window=(1, 7), options=dict(PROFILE, periods="half-years", since_episode_days=30)),
}
# The default mid-p interval (strata of stretch x season x recent episode), checked against
# tests/reference/make_rate_ratio_midp_reference.R.
MIDP_CASES = {
    "midp_step_70_fewer": dict(scenario="step", effect="70% fewer", seed=11, window=(4, 14), options={}),
    "midp_step_none_course": dict(scenario="step", effect="none", seed=5, window=None, options={}),
    "midp_step_empty_window": dict(scenario="step", effect="70% fewer", seed=1, window=(4, 5), options={}),
    "midp_seasonal_harm_years": dict(scenario="seasonal", effect="harm", seed=2, window=(1, 7), options={"periods": "years"}),
    "midp_clustered_none": dict(scenario="clustered", effect="none", seed=3, window=(4, 14), options={}),
}
# One stratum (R poisson.test's comparison of two rates): window onsets and days, other onsets and days.
ONE_STRATUM = {
    "one_3_of_100_vs_20_of_400": (3, 100.0, 20, 400.0),
    "one_0_of_100_vs_20_of_400": (0, 100.0, 20, 400.0),
    "one_7_of_30_vs_2_of_300": (7, 30.0, 2, 300.0),
    "one_5_of_50_vs_0_of_200": (5, 50.0, 0, 200.0),
    "one_12_of_365_vs_30_of_900": (12, 365.25, 30, 912.5),
}


@functools.lru_cache(maxsize=None)
def case_result(name):
    case = CASES[name] if name in CASES else MIDP_CASES[name]
    log, _ = sa.simulate_scenario(case["scenario"], effect=case["effect"], seed=case["seed"])
    return sa.treatment_effect(log, "physiotherapy", window=case["window"], **case["options"])


def case_cells(name) -> pd.DataFrame:
    """The informative cells with 0/1 columns for the pre-exposure, recent-episode and window terms."""
    result = case_result(name)
    cells = result.cells
    keep = cells["events"].groupby(cells["period"]).transform("sum") > 0
    keep &= cells["events"].groupby(cells["season"]).transform("sum") > 0
    keep &= (cells["events"].groupby(cells["state"]).transform("sum") > 0) | (cells["state"] == "window")
    keep &= cells["events"].groupby(cells["recent_episode"]).transform("sum") > 0
    keep &= cells["days"] > 0
    out = cells[keep].reset_index(drop=True)
    return pd.DataFrame({
        "case": name, "period": out["period"], "season": out["season"],
        "pre": (out["state"] == "pre-exposure").astype(int), "recent": out["recent_episode"].astype(int),
        "window": (out["state"] == "window").astype(int), "days": out["days"], "events": out["events"].astype(int),
    })


def case_strata(name) -> pd.DataFrame:
    """Per stratum: window and other (baseline) onsets and at-risk days, as the mid-p interval uses them."""
    if name in ONE_STRATUM:
        x, e, y, u = ONE_STRATUM[name]
        return pd.DataFrame({"case": [name], "window_onsets": [x], "window_days": [e], "other_onsets": [y], "other_days": [u]})
    result = case_result(name)
    counts = strata_counts(cells_of(result), 2)
    return pd.DataFrame({"case": name, "window_onsets": counts["window_onsets"].astype(int), "window_days": counts["window_days"],
                         "other_onsets": counts["other_onsets"].astype(int), "other_days": counts["other_days"]})


def cells_of(result) -> Cells:
    """The Cells behind result.cells (period labels back to codes)."""
    c = result.cells
    code = lambda column, levels: pd.Categorical(c[column], categories=levels).codes.astype(int)  # noqa: E731
    return Cells(period=code("period", sorted(c["period"].unique())), season=code("season", SEASONS),
                 state=code("state", STATES), recent=c["recent_episode"].to_numpy(int), days=c["days"].to_numpy(float),
                 events=c["events"].to_numpy(float), period_bounds=np.arange(c["period"].nunique() + 1.0))


def _write(frame: pd.DataFrame, filename: str, what: str) -> None:
    with (HERE / filename).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(f"# {what}; tests/reference/make_treatment_effect_inputs.py\n")
        frame.to_csv(handle, index=False, float_format="%.17g", lineterminator="\n")


def main() -> None:
    _write(pd.concat([case_cells(name) for name in CASES], ignore_index=True), "treatment_effect_cells.csv",
           "cells of sa.treatment_effect on seeded scenario logs")
    _write(pd.concat([case_strata(name) for name in (*ONE_STRATUM, *MIDP_CASES)], ignore_index=True),
           "rate_ratio_midp_strata.csv", "strata of the mid-p rate ratio (sa.treatment_effect on seeded scenario logs, and single strata)")


if __name__ == "__main__":
    main()
