"""Read a whole episode log: a folder of table files, or one file.

A folder holds one file per canonical table, named after it
(``episodes.csv``, ``treatments.xlsx``, ``follow_up.parquet``, ...; any
supported format).  It is exactly what :meth:`EpisodeLog.to_folder` writes,
so ``read_log(log.to_folder(path))`` gives back an identical log.  Files with
other names (a README, the simulator's parameters) are not tables and are left
alone.

A single file is the episode table.  A workbook may carry the other tables on
sheets named after them, and a JSON file under keys named after them.  When no
treatment table is given, an episode table's ``Treatment`` column becomes the
treatment table: each name in the cell (several may be separated by ``,``
``;`` ``+`` ``/`` or "and") is a treatment given during that episode, from its
onset to its end (or for one day when the end is unknown).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..log import EpisodeLog
from ..schema import TABLES
from .files import _SUFFIXES
from .ics import read_ics
from ..options import check_reading_options
from .tables import read_covariates, read_episodes, read_exposures, read_follow_up, read_treatments
from .delimited import read_text

__all__ = ["read_log", "find_table_files", "require_file_or_folder"]

_READERS = {
    "episodes": read_episodes,
    "follow_up": read_follow_up,
    "treatments": read_treatments,
    "exposures": read_exposures,
    "covariates": read_covariates,
}
_LOG_OPTIONS = ("merge_overlaps", "merge_within_days")
# Options each reader understands, besides the file reader's own (encoding, sep).
_READER_OPTIONS = {
    "episodes": ("dayfirst", "subject", "tz", "range_rule"),
    "follow_up": ("dayfirst", "subject", "tz"),
    "treatments": ("dayfirst", "subject", "tz", "vocabulary"),
    "exposures": ("dayfirst", "subject", "tz"),
    "covariates": ("subject",),
}
_ALL_READER_OPTIONS = {name for names in _READER_OPTIONS.values() for name in names}


def _table_name(stem: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", stem.strip().lower())
    key = {"followup": "follow_up", "follow_ups": "follow_up"}.get(key, key)
    return key if key in TABLES else None


def require_file_or_folder(source: Path) -> None:
    """Refuse a missing path, and a pipe or device (reading one would wait forever or never end)."""
    if not source.exists():
        raise FileNotFoundError(f"no such file or folder: {source}")
    if not (source.is_file() or source.is_dir()):
        raise ValueError(f"{source} is neither a regular file nor a folder (a pipe or device cannot be read as a log)")


def find_table_files(folder: Path) -> dict[str, Path]:
    """The file of each canonical table in ``folder`` (named after the table)."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in _SUFFIXES and (table := _table_name(path.stem)):
            found.setdefault(table, []).append(path)
    clashes = {t: p for t, p in found.items() if len(p) > 1}
    if clashes:
        listed = "; ".join(f"{t}: {', '.join(x.name for x in p)}" for t, p in clashes.items())
        raise ValueError(f"{folder} holds more than one file for a table ({listed}); keep one per table")
    return {table: paths[0] for table, paths in found.items()}


def read_log(
    path,
    *,
    columns=None,
    merge_overlaps: bool = False,
    merge_within_days: float | None = None,
    **options,
) -> EpisodeLog:
    """Read an episode log from a folder of tables or from one file.

    Parameters
    ----------
    path : path
        A folder holding ``episodes``, and optionally ``follow_up``,
        ``treatments``, ``exposures``, ``covariates`` files (CSV, TSV, XLSX,
        Parquet or JSON), or a single episode file, which may be an iCalendar
        ``.ics`` file (read with :func:`read_ics`; ``match=`` and ``until=``
        are passed on).
    columns : dict, optional
        For one file, *header -> canonical name* for the episode table; for a
        folder (or a file carrying several tables), a dict *table -> that
        mapping*, e.g. ``{"treatments": {"What": "name"}}``.
    merge_overlaps, merge_within_days
        Passed to :class:`~spasm_analysis.EpisodeLog`.
    **options
        Passed to each table reader that takes them: ``dayfirst``, ``subject``,
        ``tz``, ``range_rule`` (episodes), ``vocabulary`` (treatments), and file
        options such as ``encoding``.  ``dayfirst`` defaults to False (month
        first) as in :func:`read_episodes`; ``dayfirst=None`` decides the order
        from each date column, as the command line does.

    Returns
    -------
    EpisodeLog

    Raises
    ------
    LogValidationError
        Listing every problem of the table that failed, with file rows.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa, tempfile, warnings
    >>> log = sa.EpisodeLog(pd.DataFrame({"onset": pd.to_datetime(["2020-01-05"])}),
    ...                     follow_up=pd.DataFrame({"start": [pd.Timestamp("2020-01-01")], "end": [pd.Timestamp("2020-12-31")]}))
    >>> folder = log.to_folder(tempfile.mkdtemp())
    >>> sa.read_log(folder).n_episodes
    1
    """
    source = Path(path)
    require_file_or_folder(source)
    allowed = _ALL_READER_OPTIONS | {"encoding", "sep", "format", "sheet"} | (_ICS_OPTIONS if _is_calendar(source) else set())
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"read_log() got unexpected option(s) {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}")
    check_reading_options(**options)
    per_table = _columns_per_table(columns, folder=source.is_dir())
    if source.is_dir():
        files = find_table_files(source)
        if "episodes" not in files:
            raise FileNotFoundError(f"{source} holds no episodes file (expected e.g. episodes.csv next to the other tables)")
        tables = {name: _read(name, file, per_table.get(name), options) for name, file in files.items()}
    else:
        tables = _read_single_file(source, per_table, options)
    if "treatments" not in tables and "treatment" in tables["episodes"].columns:
        derived = _treatments_from_episodes(tables["episodes"])
        if derived is not None:
            tables["treatments"] = read_treatments(derived, **_pick("treatments", options, file_options=False))
    episodes = tables.pop("episodes")
    return EpisodeLog(episodes, merge_overlaps=merge_overlaps, merge_within_days=merge_within_days, **tables)


def _columns_per_table(columns, *, folder: bool) -> dict:
    if columns is None:
        return {}
    nested = all(isinstance(v, dict) for v in columns.values()) and columns
    if nested:
        unknown = set(columns) - set(TABLES)
        if unknown:
            raise ValueError(f"columns= keys must be table names ({', '.join(TABLES)}), not {sorted(unknown)}")
        return dict(columns)
    if folder:
        raise ValueError("for a folder, columns= maps each table to its mapping, e.g. {'episodes': {'When': 'onset'}}")
    return {"episodes": dict(columns)}


def _pick(table: str, options: dict, *, file_options: bool = True) -> dict:
    keep = set(_READER_OPTIONS[table]) | ({"encoding", "sep", "format", "sheet"} if file_options else set())
    return {k: v for k, v in options.items() if k in keep}


def _read(table: str, source, columns, options) -> pd.DataFrame:
    picked = _pick(table, options)
    if isinstance(source, Path) and source.suffix.lower() not in (".csv", ".txt", ".tsv", ".tab"):
        picked.pop("sep", None)
    return _READERS[table](source, columns=columns, **picked)


_ICS_OPTIONS = {"match", "until", "tz", "subject"}


def _is_calendar(source: Path) -> bool:
    return source.is_file() and source.suffix.lower() == ".ics"


def _read_single_file(source: Path, per_table: dict, options: dict) -> dict[str, pd.DataFrame]:
    if _is_calendar(source):
        if per_table:
            raise ValueError("columns= does not apply to a calendar file")
        return {"episodes": read_ics(source, kind="episodes", **{k: v for k, v in options.items() if k in _ICS_OPTIONS})}
    tables = {"episodes": _read("episodes", source, per_table.get("episodes"), options)}
    for table in _tables_inside(source):
        if table != "episodes":
            tables[table] = _read(table, source, per_table.get(table), options)
    return tables


def _tables_inside(source: Path) -> list[str]:
    """Tables a workbook carries as sheets, or a JSON file as keys, named after them."""
    suffix = source.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(source, read_only=True)
        names = [n.strip().lower() for n in book.sheetnames]
        book.close()
    elif suffix == ".json":
        try:
            content = json.loads(read_text(source))
        except ValueError:  # UnreadableText is one too
            return []  # read_episodes has reported what is wrong with it
        names = list(content) if isinstance(content, dict) else []
    else:
        return []
    return [name for name in TABLES if name in names]


_SPLIT = re.compile(r"\s*(?:[,;+/&]|\band\b)\s*", re.IGNORECASE)


def _treatments_from_episodes(episodes: pd.DataFrame) -> pd.DataFrame | None:
    rows, labels = [], []
    for label, row in episodes.iterrows():
        cell = row["treatment"]
        if not isinstance(cell, str) or not cell.strip():
            continue
        end = row["end"] if pd.notna(row["end"]) else row["onset"] + pd.Timedelta(days=1)
        names = [n for n in _SPLIT.split(cell.strip()) if n]
        for k, name in enumerate(names):
            rows.append({"subject": row["subject"], "start": row["onset"], "end": end, "name": name})
            labels.append(label if len(names) == 1 else f"{label}.{k + 1}")
    if not rows:
        return None
    return pd.DataFrame(rows, index=labels)
