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

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import spasm_analysis as sa  # noqa: E402

CASES = {
    "step_70_fewer": dict(scenario="step", effect="70% fewer", seed=11, window=(4, 14), options={}),
    "step_none_course_no_recent": dict(scenario="step", effect="none", seed=5, window=None, options={"since_episode_days": None}),
    "step_empty_window": dict(scenario="step", effect="70% fewer", seed=1, window=(4, 5), options={}),
    "seasonal_harm_half_years": dict(scenario="seasonal", effect="harm", seed=2, window=(1, 7), options={"periods": "half-years", "since_episode_days": 30}),
}


def case_result(name):
    case = CASES[name]
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


def main() -> None:
    cells = pd.concat([case_cells(name) for name in CASES], ignore_index=True)
    path = HERE / "treatment_effect_cells.csv"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("# cells of sa.treatment_effect on seeded scenario logs; tests/reference/make_treatment_effect_inputs.py\n")
        cells.to_csv(handle, index=False, float_format="%.17g", lineterminator="\n")


if __name__ == "__main__":
    main()
