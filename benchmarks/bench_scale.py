"""Cohorts beyond one machine's memory: the Dask path on a LocalCluster, and the pandas path.

For each size (default 10M and 100M rows) a cohort of day-scale counting-process
rows is written as Parquet by ``scale_cohort.py`` (vectorised, chunk by chunk),
then read with ``dd.read_parquet`` and fitted on a LocalCluster of this machine
(2 worker processes, one thread each, ``--memory-limit`` per worker, so the
100M-row data, about 6 GB in memory, does not fit in the workers and is read
again at every pass): the Andersen-Gill model with its robust variance, and the
MCF by arm with the Lawless-Nadeau variance. Each worker's resident memory is
sampled every 0.2 s. The pandas path runs in the same script at the sizes that
fit (``--pandas-max``). The per-pass times give a projection to a larger cluster.

Usage::

    python benchmarks/bench_scale.py                 # 10M and 100M rows
    python benchmarks/bench_scale.py --quick         # 1M rows only, no RESULTS.md
"""

from __future__ import annotations

import argparse
import ast
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench_common import markdown_table, write_section
from scale_cohort import write_cohort

#: the projection's cluster: nodes x worker cores, and a fixed cost per pass (scheduling,
#: the driver's reduction) measured here on the small runs
NODES, CORES_PER_NODE = 16, 8


class WorkerMemory:
    """Peak resident memory of each worker process, sampled in a background thread."""

    def __init__(self, client, every: float = 0.2):
        import psutil

        self.processes = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        self.peak = [0] * len(self.processes)
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            for k, process in enumerate(self.processes):
                try:
                    self.peak[k] = max(self.peak[k], process.memory_info().rss)
                except Exception:  # a worker restarting
                    pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def dask_runs(folder: Path, client) -> list[dict]:
    import dask.dataframe as dd

    import spasm_analysis as sa
    from spasm_analysis.partitioned.frames import recording_passes

    out = []
    for name, run in (("AG, Efron, robust", lambda d: sa.andersen_gill(d, ["arm", "x"])),
                      ("MCF by arm, Lawless-Nadeau", lambda d: sa.mcf(d, by="arm"))):
        client.run(lambda: __import__("gc").collect())
        ddf = dd.read_parquet(str(folder))
        with WorkerMemory(client) as memory, recording_passes() as passes:
            start = time.perf_counter()
            result = run(ddf)
            seconds = time.perf_counter() - start
        out.append({"model": name, "path": f"Dask, {len(memory.peak)} workers",
                    "seconds": seconds, "peak_worker_gib": max(memory.peak) / 2**30,
                    "passes": list(passes), "result": result,
                    "partitions": ddf.npartitions})
    return out


def pandas_runs(folder: Path) -> list[dict]:
    import psutil

    import spasm_analysis as sa

    process = psutil.Process()
    out = []
    frame = pd.read_parquet(folder)
    for name, run in (("AG, Efron, robust", lambda d: sa.andersen_gill(d, ["arm", "x"])),
                      ("MCF by arm, Lawless-Nadeau", lambda d: sa.mcf(d, by="arm"))):
        base = process.memory_info().rss
        peak = [base]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], process.memory_info().rss)
                stop.wait(0.1)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        start = time.perf_counter()
        result = run(frame)
        seconds = time.perf_counter() - start
        stop.set()
        thread.join()
        out.append({"model": name, "path": "pandas, in memory", "seconds": seconds,
                    "peak_worker_gib": peak[0] / 2**30, "passes": [], "result": result})
    return out


def projection(run: dict, n_rows: int) -> str:
    """Time of the same fit on NODES x CORES_PER_NODE workers, from this run's per-pass costs."""
    workers_here = 2
    workers_there = NODES * CORES_PER_NODE
    passes = run["passes"]
    total = sum(s for _, s in passes)
    # a pass costs (row work / workers) + a fixed cost; the fixed part is bounded by the
    # driver's reduction over event times, measured here as the smallest pass
    fixed = min(s for _, s in passes) if passes else 0.0
    row_work = max(total - fixed * len(passes), 0.0) * workers_here
    projected = row_work / workers_there + fixed * len(passes)
    return (f"{run['model']}, {n_rows / 1e6:.0f}M rows: {len(passes)} passes, {total:.0f} s here; "
            f"projected {projected:.0f} s on {NODES} nodes x {CORES_PER_NODE} cores "
            f"(row work {row_work:.0f} worker-seconds spread over {workers_there} workers, "
            f"plus {fixed:.1f} s per pass for scheduling and the driver's reduction)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1e7, 1e8])
    parser.add_argument("--quick", action="store_true", help="1M rows, no RESULTS.md")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "spasm_scale")
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--pandas-max", type=float, default=1e7)
    args = parser.parse_args(argv)
    sizes = [1e6] if args.quick else args.rows

    from distributed import Client, LocalCluster

    rows_out, notes = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               memory_limit=args.memory_limit, dashboard_address=None)
        client = Client(cluster)
    try:
        for size in sizes:
            folder = args.data / f"rows_{int(size)}"
            if not (folder / "_DONE").exists():
                info = write_cohort(folder, int(size))
                (folder / "_DONE").write_text(repr(info))
            info = ast.literal_eval((folder / "_DONE").read_text())
            notes.append(f"{info['rows'] / 1e6:.1f}M rows ({info['subjects']:,} subjects, "
                         f"{info['files']} Parquet files) written by scale_cohort.py in "
                         f"{info['seconds']:.0f} s")
            n_rows = sum(pd.read_parquet(f, columns=["event"]).shape[0]
                         for f in sorted(folder.glob("*.parquet")))
            runs = dask_runs(folder, client)
            if size <= args.pandas_max:
                runs += pandas_runs(folder)
            for run in runs:
                rows_out.append({"rows": f"{n_rows / 1e6:.1f}M", **{k: run[k] for k in ("model", "path")},
                                 "seconds": round(run["seconds"], 1),
                                 "peak memory (GiB)": round(run["peak_worker_gib"], 2),
                                 "passes": len(run["passes"]) or "-"})
                print(rows_out[-1], flush=True)
                if run["passes"]:
                    notes.append(projection(run, n_rows))
            fits = [r["result"] for r in runs if r["model"].startswith("AG")]
            if len(fits) == 2:
                diff = np.max(np.abs(fits[0].params.to_numpy() / fits[1].params.to_numpy() - 1))
                notes.append(f"{n_rows / 1e6:.1f}M rows: Dask and pandas AG coefficients agree to "
                             f"{diff:.1e} relative")
    finally:
        client.close()
        cluster.close()
    table = pd.DataFrame(rows_out)
    text = markdown_table(table)
    print(text)
    for note in notes:
        print("-", note)
    if not args.quick:
        label = " and ".join(f"{size / 1e6:g}M" for size in sizes)
        write_section(f"bench_scale_{'_'.join(f'{size:g}' for size in sizes)}", "\n".join([
            f"## Beyond one machine: the Dask path, {label} rows (bench_scale.py)",
            "",
            f"LocalCluster of this 2-core machine: 2 worker processes x 1 thread, memory limit "
            f"{args.memory_limit} each; day-scale cohorts written by `scale_cohort.py`, read with "
            "`dd.read_parquet`. Peak memory: the largest worker's resident set (Dask), or the "
            "process's (pandas). Targets: 10M rows AG with robust variance under 120 s, 100M rows "
            "under 20 minutes, no worker above 4 GB. Load average when the run started: "
            f"{os.getloadavg()[0]:.1f} on 2 cores (other jobs share the machine when above 2).",
            "",
            text,
            "",
            *[f"- {n}" for n in notes],
        ]))


if __name__ == "__main__":
    main()
