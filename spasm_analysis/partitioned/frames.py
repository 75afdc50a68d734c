"""Checks, small global summaries and the subject shuffle for Dask DataFrames.

Everything here returns either a Dask collection or a small in-memory value
(distinct event times, strata, totals); rows are never collected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spasm_analysis.counting_process import TIME_TOLERANCE, near_tie_ranks
from spasm_analysis.schema import LogValidationError, ProblemList

__all__ = ["fits_in_memory", "require_columns", "validated", "tree_sum", "by_subject", "event_time_grid",
           "snap_to", "compute"]

_LISTED = 5


#: (label, seconds) of each pass while :func:`recording_passes` is active
_PASSES: list | None = None


class recording_passes:
    """Context manager recording the wall time of every pass over the data (for benchmarks).

    >>> with recording_passes() as passes:  # doctest: +SKIP
    ...     sa.andersen_gill(ddf, ["arm"])
    >>> passes  # doctest: +SKIP
    [('check', 1.2), ('summaries', 0.9), ...]
    """

    def __enter__(self) -> list:
        global _PASSES
        _PASSES = []
        return _PASSES

    def __exit__(self, *exc) -> None:
        global _PASSES
        _PASSES = None


def compute(*collections, label: str = "pass"):
    """``dask.compute`` on whatever scheduler is active (a distributed Client if one exists)."""
    import time

    import dask

    start = time.perf_counter()
    out = dask.compute(*collections)
    if _PASSES is not None:
        _PASSES.append((label, time.perf_counter() - start))
    return out


def require_columns(ddf, columns, where: str = "counting-process data") -> None:
    """Raise a LogValidationError naming the columns a Dask frame lacks."""
    missing = [c for c in columns if c is not None and c not in ddf.columns]
    if missing:
        problems = ProblemList()
        problems.add(where, None, missing[0], None,
                     f"column(s) {', '.join(map(repr, missing))} not found; columns present: "
                     f"{', '.join(map(str, ddf.columns))}")
        problems.raise_if_any(where)


def _partition_problems(part: pd.DataFrame, numeric) -> pd.DataFrame:
    """Problems of one partition as rows (row label, column, value, message), at most a few."""
    found = []
    for column in numeric:
        values = pd.to_numeric(part[column], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isfinite(values))[:_LISTED]:
            found.append((str(part.index[i]), column, repr(part[column].iloc[i]),
                          f"{column} is missing, not a number or infinite"))
    if "event" in part.columns:
        event = pd.to_numeric(part["event"], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isin(event, (0.0, 1.0)))[:_LISTED]:
            found.append((str(part.index[i]), "event", repr(part["event"].iloc[i]),
                          "event must be 0 or 1"))
    if "start" in part.columns and "stop" in part.columns:
        start = pd.to_numeric(part["start"], errors="coerce").to_numpy(dtype=float)
        stop = pd.to_numeric(part["stop"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(start > stop)[:_LISTED]:
                found.append((str(part.index[i]), "stop", repr(stop[i]),
                              f"the interval (start, stop] = ({start[i]:g}, {stop[i]:g}] ends "
                              "before it starts"))
    return pd.DataFrame(found, columns=["row", "column", "value", "problem"])


def validated(ddf, numeric, where: str = "counting-process data") -> int:
    """Check every partition (finite numbers, 0/1 events, start <= stop); raise listing problems.

    One pass over the data; only the problems (a few per partition) and the
    number of zero-length rows (start == stop) come back. Returns that number.
    """
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in ("row", "column", "value", "problem")})
    found = ddf.map_partitions(_partition_problems, list(numeric), meta=meta)
    zero = (ddf["start"] == ddf["stop"]).sum() if "start" in ddf.columns else 0
    problems_frame, n_zero = compute(found, zero, label="check")
    if len(problems_frame):
        problems = ProblemList()
        for row in problems_frame.head(20).itertuples(index=False):
            problems.add(where, row.row, row.column, row.value, row.problem)
        problems.raise_if_any(where)
    return int(n_zero)


def tree_sum(items, combine):
    """Pairwise reduction of a list of Dask delayed values (depth log2 of the count)."""
    import dask

    combine = dask.delayed(combine, pure=True)
    items = list(items)
    while len(items) > 1:
        paired = [combine(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]


def partitions_disjoint(ddf, column: str) -> bool:
    """Whether no value of ``column`` occurs in two partitions (their value ranges do not overlap).

    One pass over that column only: files written in blocks of subjects (as
    exports and most generators write them) pass, shuffled rows do not.
    """
    meta = pd.DataFrame({"lo": ddf[column]._meta, "hi": ddf[column]._meta,
                         "n": pd.Series(dtype="int64")})
    ranges = ddf[column].map_partitions(
        lambda s: pd.DataFrame({"lo": [s.min()], "hi": [s.max()], "n": [len(s)]}), meta=meta)
    (r,) = compute(ranges, label="subject ranges")
    r = r[r["n"] > 0]
    try:
        r = r.sort_values("lo")
        return bool(np.all(r["lo"].to_numpy()[1:] > r["hi"].to_numpy()[:-1]))
    except TypeError:  # labels of mixed types cannot be ordered
        return False


def by_subject(ddf, subject: str):
    """A frame whose partitions each hold all rows of their subjects, in (subject, start) order.

    A frame indexed by the subject with known divisions, or whose partitions
    already hold disjoint ranges of subjects, is only sorted within
    partitions; otherwise it is shuffled by the subject column once.
    """
    if ddf.index.name == subject and ddf.known_divisions:
        ddf = ddf.reset_index()
    elif subject not in ddf.columns:
        raise LogValidationError([], f"subject column {subject!r} not found")
    elif not partitions_disjoint(ddf, subject):
        ddf = ddf.shuffle(on=subject)
    return ddf.map_partitions(
        lambda part: part.sort_values([subject, "start", "stop"], kind="stable"), meta=ddf._meta)


def event_time_grid(times: np.ndarray) -> np.ndarray:
    """Sorted distinct event times with R's ``aeqSurv`` near-tie merging among them.

    The partitioned path merges near-ties among the event times only (the
    driver never sees all row times). Where a row starts or stops relative to
    the event times is all that any estimate depends on, so this differs from
    merging over all times only when three or more times form a chain of
    near-ties, which real data do not have.
    """
    _, firsts, _ = near_tie_ranks(np.unique(times[np.isfinite(times)]))
    return firsts


def snap_to(grid: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` with those within R's time tolerance of a grid time replaced by it."""
    if len(grid) == 0:
        return values
    scale = np.mean(np.abs(grid)) or 1.0
    pos = np.clip(np.searchsorted(grid, values), 1, len(grid) - 1) if len(grid) > 1 else np.zeros(len(values), int)
    out = values.copy()
    for candidate in (pos - 1, pos) if len(grid) > 1 else (pos,):
        near = grid[candidate]
        gap = np.abs(values - near)
        close = (gap <= TIME_TOLERANCE) | (gap / scale <= TIME_TOLERANCE)
        out = np.where(close, near, out)
    return out


def fits_in_memory(n_bytes: int) -> bool:
    """Whether ``n_bytes`` take under a third of the distributed workers' (or this machine's) memory."""
    try:
        from distributed import get_client

        workers = get_client().scheduler_info()["workers"].values()
        available = sum(w.get("memory_limit") or 0 for w in workers)
    except (ImportError, ValueError):
        import psutil

        available = psutil.virtual_memory().available
    return n_bytes < available / 3
