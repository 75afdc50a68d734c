"""Gap times on a Dask DataFrame: gaps per partition, Kaplan-Meier from their counts.

After the subject shuffle each partition lists its subjects' gaps (as
:func:`spasm_analysis.gap_times` does in memory). The Kaplan-Meier curves
need only how many gaps share each (episode order, length, censored)
triple: those counts are summed across partitions and fitted with frequency
weights, which gives the estimates and Greenwood intervals of the gaps listed
one by one.
"""

from __future__ import annotations

import warnings

import pandas as pd

from spasm_analysis.counting_process import CountingProcess
from spasm_analysis.nonparametric.gap_table import gap_table

from .frames import by_subject, compute, require_columns

__all__ = ["partitioned_gap_tables"]

_KEYS = ["episode", "gap_days", "censored"]


def _gaps(part: pd.DataFrame, subject: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = CountingProcess.from_frame(part, subject=subject, timefix=False)
    cp.require_one_row_at_a_time("gap times")
    return gap_table(cp)


def partitioned_gap_tables(ddf, *, subject: str = "subject"):
    """``(gaps, counts)``: the gaps as a lazy Dask frame, and their counts per key (in memory)."""
    require_columns(ddf, [subject, "start", "stop", "event"])
    columns = [c for c in ddf.columns if c in (subject, "start", "stop", "event", "episode")]
    shuffled = by_subject(ddf[columns], subject)
    meta = pd.DataFrame({"subject": pd.Series(dtype=object), "episode": pd.Series(dtype="int64"),
                         "gap_days": pd.Series(dtype=float), "censored": pd.Series(dtype=bool)})
    gaps = shuffled.map_partitions(_gaps, subject, meta=meta)
    counts = gaps.groupby(_KEYS).size().rename("count")
    (counted,) = compute(counts, label="gap counts")
    counted = counted.reset_index().sort_values(_KEYS, kind="stable").reset_index(drop=True)
    return gaps, counted
