"""Per-partition counting processes: every subject's rows in one partition, validated once.

After one shuffle by subject (:func:`~.frames.by_subject`), each partition is
turned into a :class:`~spasm_analysis.CountingProcess` (the same validation,
zero-length and tied-onset rules and episode numbering as in memory) and,
for the group-wise estimators, split by group. Near-tied times are merged
afterwards against the global event-time grid (:func:`~.frames.snap_to`), since
one partition does not see the others' times.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spasm_analysis.counting_process import CountingProcess
from spasm_analysis.nonparametric.risk_set import CountingRows, split_by_group

from .frames import by_subject, compute, event_time_grid, fits_in_memory, require_columns, snap_to

__all__ = ["SubjectPartition", "subject_partitions", "group_grids", "snapped"]


@dataclass(frozen=True)
class SubjectPartition:
    """One partition's rows split by group, and what the validation did there."""

    groups: dict              # group label -> CountingRows
    n_zero_length_dropped: int
    n_tied_onsets: int


def _build(part: pd.DataFrame, subject: str, by, analysis: str) -> SubjectPartition:
    with warnings.catch_warnings():
        # counted here and reported once by the driver
        warnings.simplefilter("ignore")
        cp = CountingProcess.from_frame(part, subject=subject, timefix=False)
    cp.require_one_row_at_a_time(analysis)
    groups = split_by_group(cp, by) if len(cp) else {}
    return SubjectPartition(groups=groups, n_zero_length_dropped=cp.n_zero_length_dropped,
                            n_tied_onsets=cp.n_tied_onsets)


def subject_partitions(ddf, *, subject: str = "subject", by=None, analysis: str = "the MCF",
                       persist: bool | None = None) -> list:
    """Delayed :class:`SubjectPartition` objects, one per partition after the subject shuffle.

    ``persist=None`` keeps them in the workers' memory when they take under a
    third of it (each pass over them then skips reading and validating the
    data again); otherwise every pass rebuilds them from the source.
    """
    import dask

    require_columns(ddf, [subject, "start", "stop", "event", by])
    columns = list(dict.fromkeys([subject, "start", "stop", "event"] + ([by] if by else [])))
    shuffled = by_subject(ddf[columns], subject)
    parts = [dask.delayed(_build, pure=True)(p, subject, by, analysis)
             for p in shuffled.to_delayed()]
    if persist is None:
        (n_rows,) = compute(ddf.shape[0], label="rows")
        persist = fits_in_memory(int(n_rows) * 48)
    if persist:
        parts = list(dask.persist(*parts))
    counts = [dask.delayed(lambda s: (s.n_zero_length_dropped, s.n_tied_onsets))(p) for p in parts]
    (totals,) = compute(counts, label="by subject")
    dropped = sum(t[0] for t in totals)
    if dropped:
        warnings.warn(f"{dropped} row(s) with start == stop were dropped: they hold no time at risk "
                      "(R's Surv() makes them NA and the fit leaves them out)",
                      UserWarning, stacklevel=3)
    return parts


def _event_times(part: SubjectPartition) -> dict:
    return {g: np.unique(rows.stop[rows.event > 0]) for g, rows in part.groups.items()}


def group_grids(parts) -> tuple[dict, np.ndarray]:
    """Per group the sorted distinct event times (near-ties merged globally), and all of them."""
    import dask

    (per_part,) = compute([dask.delayed(_event_times)(p) for p in parts], label="event times")
    labels = sorted({g for d in per_part for g in d}, key=_sort_key)
    everything = np.concatenate([t for d in per_part for t in d.values()] + [np.zeros(0)])
    grid = event_time_grid(everything)
    grids = {}
    for g in labels:
        times = np.concatenate([d[g] for d in per_part if g in d] + [np.zeros(0)])
        grids[g] = np.unique(snap_to(grid, times))
    return grids, grid


def _sort_key(label):
    return (label is None, str(type(label)), label if label is not None else 0)


def snapped(rows: CountingRows, grid: np.ndarray) -> CountingRows:
    """The rows with times near an event time (within R's tolerance) moved onto it."""
    return CountingRows(rows.subject, snap_to(grid, rows.start), snap_to(grid, rows.stop),
                        rows.event, rows.labels)
