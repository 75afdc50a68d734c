# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Cohorts beyond one machine: the same estimators on Dask
#
# Claims and registry cohorts run to millions of patients and billions of (start, stop] rows.
# `sa.to_counting_process`, `sa.mcf`, `sa.mcf_test`, `sa.gap_times`, `sa.cox`,
# `sa.andersen_gill`, `sa.pwp` and `sa.wlw` accept a `dask.dataframe.DataFrame` and return
# the same results, with the same numbers, as for a pandas DataFrame. Each partition turns its
# rows into small per-event-time sums; only those sums travel to the driver, which does the
# cumulative sums and the Newton step. Install with `pip install "spasm_analysis[dask]"`.
#
# Here a cohort is written to Parquet files, read back with `dd.read_parquet`, and analysed on a
# `LocalCluster` of this machine. The rows of one person are deliberately spread over several
# files, as real extracts often are: the estimators handle that (one shuffle by person where a
# per-person pass is needed).

# %%
import sys
import tempfile
import warnings
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster

import spasm_analysis as sa

sys.path.insert(0, str(Path.cwd().parent / "benchmarks"))
from scale_cohort import cohort_chunk  # the benchmark's vectorised cohort generator

# %% [markdown]
# ## A cohort in Parquet files
# 3,000 people, day-scale times, a treatment arm (`arm`) that lowers the episode rate by a
# hazard ratio of exp(-0.4) = 0.67 and a covariate `x` with log hazard ratio 0.2, plus a gamma
# frailty (people differ in their underlying rate).

# %%
rows = cohort_chunk(np.random.default_rng(2026), 3000, 0)
folder = Path(tempfile.mkdtemp()) / "cohort"
folder.mkdir()
shuffled = rows.sample(frac=1.0, random_state=1)
for k in range(4):
    shuffled.iloc[k::4].to_parquet(folder / f"part-{k}.parquet", index=False)
print(f"{len(rows):,} rows of {rows['subject'].nunique():,} people in {len(list(folder.iterdir()))} files")
rows.head()

# %% [markdown]
# ## A local cluster
# Two workers on this machine (threads of this process, so the example starts fast; `processes=True`
# gives each worker its own process and memory limit). On a real cluster only this cell changes
# (see the end).

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    client = Client(cluster)
cohort = dd.read_parquet(str(folder))
cohort

# %% [markdown]
# ## Mean cumulative function by arm
# The expected number of episodes per person by each day, with the Lawless-Nadeau (robust)
# standard error, and the pseudo-score test that the two curves are equal.

# %%
by_arm = sa.mcf(cohort, by="arm")
ax = by_arm.plot()
ax.set_title("Mean cumulative episodes by arm (Dask)")
by_arm.summary

# %%
sa.mcf_test(cohort, by="arm")

# %% [markdown]
# ## Andersen-Gill model with the cluster-robust variance
# Each Newton step is one pass over the partitions; the robust variance is one more.

# %%
fit = sa.andersen_gill(cohort, ["arm", "x"])
fit.summary

# %% [markdown]
# The same numbers as the in-memory fit on the same rows:

# %%
in_memory = sa.andersen_gill(rows, ["arm", "x"])
pd.DataFrame({"Dask": fit.params, "pandas": in_memory.params,
              "relative difference": (fit.params / in_memory.params - 1).abs()})

# %% [markdown]
# PWP (episode-specific baselines) and WLW work the same way; they number each person's
# episodes, so they shuffle the rows by person once.

# %%
sa.pwp(cohort, ["arm", "x"], scale="gap").summary

# %%
client.close()
cluster.close()

# %% [markdown]
# ## Pointing the same code at a real cluster
# Nothing in the analysis changes; only the `Client` does. For example:
#
# - **HPC with a batch scheduler** (Slurm, PBS, SGE) with
#   [dask-jobqueue](https://jobqueue.dask.org):
#   ```python
#   from dask_jobqueue import SLURMCluster
#   cluster = SLURMCluster(cores=8, memory="32GB", walltime="02:00:00")
#   cluster.scale(jobs=16)
#   client = Client(cluster)
#   ```
# - **Kubernetes** with [dask-kubernetes](https://kubernetes.dask.org) (`KubeCluster`), or
#   **a managed service** such as [Coiled](https://coiled.io) (`coiled.Cluster(n_workers=16)`).
# - **An existing scheduler**: `client = Client("tcp://scheduler-address:8786")`.
#
# Then `dd.read_parquet("s3://bucket/cohort/")` (or a shared file system) and the same calls.
# Keep the data next to the workers: only per-event-time sums (arrays the length of the
# distinct event days) travel to your machine. `benchmarks/bench_scale.py` measures 10M and
# 100M rows on this 2-core machine and projects a 16-node cluster from the per-pass costs.
#
# What needs the in-memory path: frailty models (the variance search needs many passes per
# step), formulas with text columns or `C(...)` (make indicator columns first), time-varying
# treatment columns in `to_counting_process`, and residuals or predictions of a fit (the
# result holds no rows).
