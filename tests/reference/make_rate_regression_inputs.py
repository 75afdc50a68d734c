"""Write the per-subject counts that make_rate_regression_reference.R fits (seeded, reproducible).

Run from the repository root: python tests/reference/make_rate_regression_inputs.py
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from scale_cohort import cohort_chunk  # noqa: E402

rows = cohort_chunk(np.random.default_rng(20261201), 400, 0)
rows.to_csv(ROOT / "tests/reference/data/rate_regression_rows.csv", index=False)
