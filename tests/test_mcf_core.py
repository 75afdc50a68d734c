"""The MCF core's per-bin sums over partitions of the subjects add up to the whole.

A partitioned (Dask) MCF runs ``count_pass`` and ``variance_pass`` per
partition (a subject's rows in one partition) and reduces the summed per-bin
arrays; here the partitioned result must equal ``sa.mcf`` on all rows, which
tests/test_mcf.py checks against R's survfit.
"""

from pathlib import Path

import numpy as np
import pandas as pd

import spasm_analysis as sa
from spasm_analysis.nonparametric.mcf_core import (count_pass, event_times, lawless_nadeau,
                                                   locate_rows, mcf_increments, variance_pass)

REF = Path(__file__).parent / "reference"


def test_partitioned_sums_reproduce_the_mcf_and_its_variance():
    rows = pd.read_csv(REF / "data" / "bladder2.csv", comment="#").rename(columns={"id": "subject"})
    rows = rows.sort_values(["subject", "start"], kind="stable").reset_index(drop=True)
    whole = sa.mcf(rows).table
    start, stop = rows["start"].to_numpy(float), rows["stop"].to_numpy(float)
    event, subject = rows["event"].to_numpy(np.int64), rows["subject"].to_numpy()
    times = event_times(stop, event)  # the driver's global bins
    lo, hi = locate_rows(times, start, stop)
    parts = np.array_split(np.unique(subject), 3)
    masks = [np.isin(subject, part) for part in parts]
    counts = [count_pass(lo[m], hi[m], event[m], len(times)) for m in masks]
    y, dn, mu = mcf_increments(sum(c[0] for c in counts), sum(c[1] for c in counts))
    passes = [variance_pass(subject[m], lo[m], hi[m], event[m], y, dn) for m in masks]
    var = lawless_nadeau(y, dn, sum(p[0] for p in passes), sum(p[1] for p in passes))
    np.testing.assert_array_equal(times, whole["time"])
    np.testing.assert_array_equal(y, whole["n_at_risk"])
    np.testing.assert_allclose(mu, whole["mcf"], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(var), whole["std_error"], rtol=1e-10)
