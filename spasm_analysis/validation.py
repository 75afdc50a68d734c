"""Coerce user tables to the canonical schema and check each row.

Each ``prepare_*`` function takes a DataFrame as the user gave it, records every
problem in a :class:`~spasm_analysis.schema.ProblemList` (row labels are kept
from the input index, which the readers set to file row numbers) and returns a
copy with canonical dtypes.  Checks that need several rows together (duplicates,
overlaps, follow-up windows) live in :mod:`spasm_analysis.log`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import (
    DATETIME_COLUMNS,
    TEXT_COLUMNS,
    DEFAULT_SUBJECT,
    OPTIONAL_COLUMNS,
    PRECISIONS,
    REQUIRED_COLUMNS,
    SEVERITY_RANGE,
    ProblemList,
)

__all__ = ["prepare_table", "fill_subject"]


def _missing(values: pd.Series) -> pd.Series:
    """True where a cell is empty: NaN/None/NaT or a blank string."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values.isna()
    # Work on the distinct values: a million rows hold few distinct texts.
    codes, uniques = pd.factorize(values)
    blank = np.array([isinstance(u, str) and not u.strip() for u in uniques] + [True], dtype=bool)
    return pd.Series(blank[codes], index=values.index)


def clean_text(values: pd.Series, transform=str.strip) -> pd.Series:
    """Apply a text transform to each distinct value (missing cells stay missing)."""
    codes, uniques = pd.factorize(values)
    cleaned = np.array([transform(str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def coerce_datetimes(
    table: str, frame: pd.DataFrame, column: str, problems: ProblemList, *, required: bool
) -> pd.Series:
    """Return ``frame[column]`` as naive ``datetime64[ns]``, recording unparseable cells.

    Time-zone-aware values keep the wall-clock time they were written in (the
    offset is dropped): for day-level episode data that is the date the person
    meant.
    """
    values = frame[column]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    empty = _missing(values)
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for label, value in values[~empty].items():
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            problems.add(table, label, column, value, "not a date or date-time")
            continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        parsed.loc[label] = stamp
    if required:
        for label in values.index[empty]:
            problems.add(table, label, column, None, "missing (required)")
    return parsed


def fill_subject(frame: pd.DataFrame, table: str, problems: ProblemList, default: str | None) -> pd.Series:
    """Return the subject column as strings.

    A table without a subject column, or with every cell empty, belongs to the
    single person ``default``.  Empty cells among filled ones are an error when
    the table holds several subjects.
    """
    if "subject" not in frame.columns:
        if default is None:
            problems.add(table, None, "subject", None, "column missing, and the log holds several subjects")
            return pd.Series(DEFAULT_SUBJECT, index=frame.index, dtype=object)
        return pd.Series(default, index=frame.index, dtype=object)
    raw = frame["subject"]
    empty = _missing(raw)
    as_text = clean_text(raw, _subject_text)
    if empty.all():
        return pd.Series(default or DEFAULT_SUBJECT, index=frame.index, dtype=object)
    if empty.any():
        distinct = as_text[~empty].unique()
        if len(distinct) > 1 or default is None:
            for label in raw.index[empty]:
                problems.add(table, label, "subject", None, "missing in a log with several subjects")
        else:
            as_text[empty] = distinct[0]
    return as_text.astype(object)


def _subject_text(value: str) -> str:
    """Subject ids are text; ``7`` and ``7.0`` from a spreadsheet are the same person."""
    text = value.strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


# Required columns that can be derived: a session with no end lasted one day, and
# a modality comes from the written name through the vocabulary.
_DERIVABLE = {("treatments", "end"): None, ("treatments", "modality"): "name"}


def _check_columns(table: str, frame: pd.DataFrame, problems: ProblemList) -> None:
    for column in REQUIRED_COLUMNS[table]:
        if column == "subject":
            continue
        if (table, column) in _DERIVABLE and (_DERIVABLE[table, column] is None or _DERIVABLE[table, column] in frame.columns):
            continue
        if column not in frame.columns:
            present = ", ".join(map(str, frame.columns)) or "none"
            problems.add(table, None, column, None, f"required column missing (columns present: {present})")


def _coerce_numeric(table: str, frame: pd.DataFrame, column: str, problems: ProblemList) -> pd.Series:
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & ~_missing(values)
    for label in values.index[bad]:
        problems.add(table, label, column, values[label], "not a number")
    return numeric.astype(float)


def prepare_table(table: str, frame: pd.DataFrame | None, problems: ProblemList, *, default_subject: str | None) -> pd.DataFrame:
    """Coerce one canonical table; returns an empty canonical table for ``None``."""
    columns = REQUIRED_COLUMNS[table] + OPTIONAL_COLUMNS[table]
    if frame is None:
        return _empty(table)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, not {type(frame).__name__}")
    frame = frame.copy()
    if not frame.index.is_unique:
        # Row labels must name one row each; fall back to positions.
        frame = frame.reset_index(drop=True)
    _check_columns(table, frame, problems)
    out = pd.DataFrame(index=frame.index)
    out["subject"] = fill_subject(frame, table, problems, default_subject)
    for column in DATETIME_COLUMNS[table]:
        if column in frame.columns:
            out[column] = coerce_datetimes(table, frame, column, problems, required=column in REQUIRED_COLUMNS[table])
        elif column in REQUIRED_COLUMNS[table]:
            out[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    extra = [c for c in frame.columns if c not in out.columns]
    for column in extra:
        out[column] = frame[column]
    for column in TEXT_COLUMNS.get(table, ()):
        if column in out.columns:
            # Empty text is missing text, whether it came as None, "" or NaN.
            out[column] = out[column].astype(object).where(~_missing(out[column]), np.nan)
    _TABLE_RULES.get(table, lambda *a: None)(frame, out, problems)
    ordered = [c for c in columns if c in out.columns] + [c for c in out.columns if c not in columns]
    return out[ordered]


def _episode_rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
    if "end" not in out.columns:
        out["end"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    before = out["end"].notna() & out["onset"].notna() & (out["end"] < out["onset"])
    for label in out.index[before]:
        problems.add("episodes", label, "end", str(out.at[label, "end"]), f"end is before onset ({out.at[label, 'onset']})")
    if "severity" in frame.columns:
        out["severity"] = _coerce_numeric("episodes", frame, "severity", problems)
        low, high = SEVERITY_RANGE
        outside = out["severity"].notna() & ~out["severity"].between(low, high)
        for label in out.index[outside]:
            problems.add("episodes", label, "severity", out.at[label, "severity"], f"outside {low:g}-{high:g}")
    if "onset_precision" in frame.columns:
        precision = frame["onset_precision"].where(~_missing(frame["onset_precision"]), "day")
        precision = clean_text(precision, lambda text: text.strip().lower())
        for label in out.index[~precision.isin(PRECISIONS)]:
            problems.add("episodes", label, "onset_precision", frame.at[label, "onset_precision"], f"must be one of {', '.join(PRECISIONS)}")
        out["onset_precision"] = precision
    else:
        out["onset_precision"] = "day"
    if "n_merged" in frame.columns:
        merged = _coerce_numeric("episodes", frame, "n_merged", problems).fillna(1)
        whole = np.isfinite(merged) & (merged >= 1) & (merged == np.round(merged))
        for label in merged.index[~whole]:
            problems.add("episodes", label, "n_merged", frame.at[label, "n_merged"], "must be a whole number of rows, at least 1")
        out["n_merged"] = merged.where(whole, 1).astype(int)
    else:
        out["n_merged"] = 1


def _interval_rules(table: str):
    def rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
        if table == "treatments":
            # A session written with a single date is a one-day session.
            one_day = out["end"].isna() & out["start"].notna()
            out.loc[one_day, "end"] = out.loc[one_day, "start"] + pd.Timedelta(days=1)
            _fill_modality(frame, out, problems)
        before = out["end"].notna() & out["start"].notna() & (out["end"] < out["start"])
        for label in out.index[before]:
            problems.add(table, label, "end", str(out.at[label, "end"]), f"end is before start ({out.at[label, 'start']})")
        if table == "follow_up":
            empty = out["end"].notna() & (out["end"] == out["start"])
            for label in out.index[empty]:
                problems.add(table, label, "end", str(out.at[label, "end"]), "follow-up window has zero length")

    return rules


def _fill_modality(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
    """Missing modalities come from the written name through the vocabulary."""
    if "modality" in frame.columns:
        modality = frame["modality"].astype(object)
    else:
        modality = pd.Series(np.nan, index=frame.index, dtype=object)
    empty = _missing(modality)
    if empty.any() and "name" in frame.columns:
        from .vocabulary import map_modalities

        names = frame.loc[empty, "name"]
        named = ~_missing(names)
        modality[names.index[named]] = map_modalities(names[named], stacklevel=5)
        empty = _missing(modality)
    for label in out.index[empty]:
        problems.add("treatments", label, "modality", None, "missing (give a modality or a name to map)")
    out["modality"] = modality.where(empty, clean_text(modality))


def _exposure_rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
    if "exposure" in frame.columns:
        for label in out.index[_missing(frame["exposure"])]:
            problems.add("exposures", label, "exposure", None, "missing (required)")
        out["exposure"] = clean_text(frame["exposure"]).where(~_missing(frame["exposure"]), None)
    if "value" in frame.columns:
        out["value"] = _coerce_numeric("exposures", frame, "value", problems)
    else:
        # A recorded exposure without a value means "exposed that day".
        out["value"] = 1.0


def _covariate_rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
    repeated = out["subject"].duplicated(keep="first")
    for label in out.index[repeated]:
        problems.add("covariates", label, "subject", out.at[label, "subject"], "subject listed more than once")


_TABLE_RULES = {
    "episodes": _episode_rules,
    "follow_up": _interval_rules("follow_up"),
    "treatments": _interval_rules("treatments"),
    "exposures": _exposure_rules,
    "covariates": _covariate_rules,
}


def _empty(table: str) -> pd.DataFrame:
    data = {}
    for column in REQUIRED_COLUMNS[table]:
        if column in DATETIME_COLUMNS[table]:
            data[column] = pd.Series([], dtype="datetime64[ns]")
        else:
            data[column] = pd.Series([], dtype=object)
    if table == "episodes":
        data["end"] = pd.Series([], dtype="datetime64[ns]")
        data["onset_precision"] = pd.Series([], dtype=object)
        data["n_merged"] = pd.Series([], dtype=int)
    if table == "exposures":
        data["value"] = pd.Series([], dtype=float)
    return pd.DataFrame(data)
