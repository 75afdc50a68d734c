"""Vectorised generator of large recurrent-event cohorts in counting-process form, as Parquet.

Each subject has an arm (0/1), a baseline covariate ``x`` (standard normal),
a gamma frailty with variance 0.5 and a follow-up of 1-3 years; onsets follow a
Poisson process with rate ``0.004 * frailty * exp(-0.4 arm + 0.2 x)`` per day,
every episode lasts 1-6 days (not at risk), and all times are whole days
(start floored, stop ceiled), the shape of real logs. Rows of one subject are
written into the same file, but the files are read back with
``dd.read_parquet`` and nothing in the estimators relies on that.

The generator works chunk by chunk (``subjects_per_file`` subjects at a time),
with numpy only, so 100M rows are written in a few minutes with flat memory.

Usage::

    python benchmarks/scale_cohort.py OUT_DIR --rows 10_000_000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd





def cohort_chunk(rng: np.random.Generator, n_subjects: int, first_id: int,
                 max_onsets: int = 30) -> pd.DataFrame:
    """Counting-process rows (subject, start, stop, event, arm, x) of ``n_subjects`` subjects.

    Gaps at risk are whole days (at least one), drawn for up to ``max_onsets``
    onsets per subject at once as an (n_subjects x max_onsets) array, and
    masked past each subject's follow-up end (30 onsets cover all but a
    handful of the most frail subjects, whose later onsets are left out).
    """
    arm = rng.integers(0, 2, n_subjects)
    x = rng.standard_normal(n_subjects)
    frailty = rng.gamma(2.0, 0.5, n_subjects)
    follow = np.floor(rng.uniform(365, 3 * 365, n_subjects))
    rate = 0.004 * frailty * np.exp(-0.4 * arm + 0.2 * x)
    # float32 draws halve the cost; the times are whole days well inside float32's range
    shape = (n_subjects, max_onsets)
    gaps = np.maximum(np.ceil(rng.standard_exponential(shape, dtype=np.float32)
                              / rate[:, None].astype(np.float32)), 1)
    durations = rng.integers(1, 7, shape, dtype=np.int8).astype(np.float32)
    onset = np.cumsum(gaps, axis=1) + np.cumsum(durations, axis=1) - durations
    end = onset + durations
    inside = end < follow[:, None]          # the onset and its whole episode inside follow-up
    inside &= np.cumprod(inside, axis=1).astype(bool)
    n_onsets = inside.sum(axis=1)
    owner = np.repeat(np.arange(n_subjects), n_onsets)
    onset, end = onset[inside], end[inside]
    same = np.r_[False, owner[1:] == owner[:-1]]
    start = np.where(same, np.r_[0.0, end[:-1]], 0.0)
    last_end = np.zeros(n_subjects)
    last = np.flatnonzero(np.r_[owner[1:] != owner[:-1], True]) if len(owner) else owner
    last_end[owner[last]] = end[last]
    code = np.r_[owner, np.arange(n_subjects)]
    starts = np.r_[start, last_end]
    stops = np.r_[onset, follow]
    events = np.r_[np.ones(len(owner), np.int8), np.zeros(n_subjects, np.int8)]
    order = np.lexsort((starts, code))
    code = code[order]
    return pd.DataFrame({
        "subject": (first_id + code).astype(np.int64),
        "start": starts[order].astype(float),
        "stop": stops[order].astype(float),
        "event": events[order],
        "arm": arm[code].astype(np.int8),
        "x": x[code],
    })


def write_cohort(out: Path, n_rows: int, *, subjects_per_file: int = 500_000, seed: int = 1) -> dict:
    """Write about ``n_rows`` rows as Parquet files under ``out``; returns counts and timing."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written, subjects, part = 0, 0, 0
    t0 = time.perf_counter()
    while written < n_rows:
        chunk = cohort_chunk(rng, subjects_per_file, subjects)
        chunk.to_parquet(out / f"part-{part:05d}.parquet", index=False)
        written += len(chunk)
        subjects += subjects_per_file
        part += 1
    return {"rows": written, "subjects": subjects, "files": part, "seconds": time.perf_counter() - t0}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--subjects-per-file", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(write_cohort(args.out, int(args.rows), subjects_per_file=args.subjects_per_file, seed=args.seed))


if __name__ == "__main__":
    main()
