"""The estimators on a Dask DataFrame: cohorts larger than one machine's memory.

Each estimator keeps the in-memory engine's split of the work (see
:mod:`spasm_analysis.coxph.binned` and :mod:`spasm_analysis.nonparametric.mcf_core`):
every partition turns its rows into small additive per-event-time sums, the
sums are added up, and the driver does the short reductions (cumulative sums
over event times, the Newton step). Only arrays of the length of the event
times, never the rows, reach the driver. Subject-level passes (the
Lawless-Nadeau variance, episode numbering, gap times) need all of a
subject's rows in one partition: the data are shuffled by subject once,
unless their index is already the subject with known divisions.

Dask is an optional dependency (``pip install "spasm_analysis[dask]"``). This
package is imported only when an estimator is handed a Dask DataFrame, so the
in-memory path never imports Dask.
"""

from __future__ import annotations

import sys

__all__ = ["is_dask_frame"]


def is_dask_frame(data) -> bool:
    """Whether ``data`` is a ``dask.dataframe.DataFrame`` (without importing Dask)."""
    module = sys.modules.get("dask.dataframe")
    return module is not None and isinstance(data, module.DataFrame)
