"""The gaps of a counting process: one row per subject and episode order.

Shared by :func:`spasm_analysis.gap_times` in memory and by its Dask path,
which lists the gaps partition by partition on whole subjects.
"""

from __future__ import annotations

import pandas as pd

from spasm_analysis.counting_process import CountingProcess

__all__ = ["gap_table"]


def gap_table(cp: CountingProcess) -> pd.DataFrame:
    """One row per (subject, episode order): days at risk and whether an onset ended them."""
    keys = pd.DataFrame({"subject": cp.subject_code, "episode": cp.episode,
                         "gap_days": cp.stop - cp.start, "onset": cp.event})
    per_gap = (
        keys.groupby(["subject", "episode"], sort=True)
        .agg(gap_days=("gap_days", "sum"), onset=("onset", "max"))
        .reset_index()
    )
    return pd.DataFrame(
        {
            "subject": cp.subjects[per_gap["subject"].to_numpy()],
            "episode": per_gap["episode"].to_numpy(),
            "gap_days": per_gap["gap_days"].to_numpy(dtype=float),
            "censored": per_gap["onset"].to_numpy() == 0,
        }
    )
