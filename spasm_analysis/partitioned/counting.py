"""``to_counting_process`` for a log held in Dask DataFrames: one shuffle by subject.

The tables of the log (episodes, and where given follow-up windows,
covariates and treatments) are stacked into one frame with a column naming
the table, shuffled by subject once, and split again inside each partition,
which then holds every record of its subjects: the in-memory
:class:`~spasm_analysis.EpisodeLog` validation and
:func:`~spasm_analysis.to_counting_process` run there unchanged. The result
is a Dask DataFrame in counting-process form whose partitions each hold all
rows of their subjects.
"""

from __future__ import annotations

import warnings

import pandas as pd

from .frames import require_columns

__all__ = ["partitioned_counting_process"]

_TABLE = "_spasm_table"


def _as_dask(table, npartitions: int):
    import dask.dataframe as dd

    from . import is_dask_frame

    if table is None or is_dask_frame(table):
        return table
    if isinstance(table, pd.DataFrame):
        return dd.from_pandas(table, npartitions=max(1, min(npartitions, len(table) or 1)))
    raise TypeError(f"expected a DataFrame or a Dask DataFrame, not {type(table).__name__}")


def _partition_rows(part: pd.DataFrame, dtypes: dict, convert, options: dict, empty) -> pd.DataFrame:
    from spasm_analysis.log import EpisodeLog

    tables = {name: part.loc[part[_TABLE] == name, list(types)].astype(types).reset_index(drop=True)
              for name, types in dtypes.items()}
    if not len(tables["episodes"]) and not len(tables.get("follow_up", ())):
        return empty
    with warnings.catch_warnings():
        # the driver says once what the partitions would each have said
        warnings.simplefilter("ignore")
        log = EpisodeLog(tables["episodes"], follow_up=tables.get("follow_up"),
                         covariates=tables.get("covariates"))
        rows = convert(log, **options).to_frame()
    rows.attrs = {}
    return rows.astype(empty.dtypes.to_dict())


def partitioned_counting_process(episodes, *, convert, follow_up=None, covariates=None, **options):
    """Counting-process rows of a log whose tables are Dask (or pandas) DataFrames.

    Each partition's subjects go through ``convert`` (the in-memory
    :func:`spasm_analysis.to_counting_process`, handed in by its caller so that
    this module does not import it back) with ``options``, except
    ``treatments`` (time-varying treatment columns need the in-memory path).
    Returns a Dask DataFrame with the columns of ``CountingProcess.to_frame()``.
    """
    import dask.dataframe as dd

    if options.get("treatments"):
        raise ValueError("treatments= (time-varying on_<modality> columns) is not available for a "
                         "log held in Dask DataFrames; add the columns to the counting-process "
                         "rows per subject, or use the in-memory EpisodeLog")
    n = episodes.npartitions
    tables = {"episodes": episodes, "follow_up": _as_dask(follow_up, n),
              "covariates": _as_dask(covariates, n)}
    tables = {k: v for k, v in tables.items() if v is not None}
    for name, table in tables.items():
        require_columns(table, ["subject"], where=name)
    if follow_up is None:
        warnings.warn("no follow-up table was given: each subject's follow-up is taken to run from "
                      "their first to their last record", UserWarning, stacklevel=3)
    dtypes = {name: {**table.dtypes.to_dict(), "subject": object} for name, table in tables.items()}
    stacked = dd.concat([t.assign(**{_TABLE: name}).astype({"subject": str})
                         for name, t in tables.items()])
    shuffled = stacked.shuffle(on="subject", npartitions=n)
    empty = pd.DataFrame({"subject": pd.Series(dtype=object), "start": pd.Series(dtype=float),
                          "stop": pd.Series(dtype=float), "event": pd.Series(dtype="int64"),
                          "episode": pd.Series(dtype="int64")})
    if "covariates" in tables:
        for column, dtype in tables["covariates"].dtypes.items():
            if column != "subject":
                empty[column] = pd.Series(dtype=dtype)
    return shuffled.map_partitions(_partition_rows, dtypes, convert, options, empty, meta=empty)
