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
    HEADERS_ATTR,
    OPTIONAL_COLUMNS,
    PRECISIONS,
    REQUIRED_COLUMNS,
    SEVERITY_RANGE,
    ProblemList,
)

__all__ = ["prepare_table", "fill_subject"]


def is_missing(values: pd.Series) -> pd.Series:
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
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``frame[column]`` as naive ``datetime64[ns]``: ``(earliest, latest, precision)``.

    Values go through the same date parser as files
    (:func:`spasm_analysis.io.dates.parse_date_column`): a number is a year,
    "summer 2004" a stretch, the day/month order is decided for the whole
    column, and words such as "today" are refused.  Time-zone-aware values keep
    the wall-clock time they were written in (the offset is dropped): for
    day-level episode data that is the date the person meant.
    """
    from .io.dates import parse_date_column

    values = frame[column]
    earliest, latest, precision = parse_date_column(values, table=table, column=column, problems=problems, with_latest=True)
    if required:
        for label in values.index[is_missing(values)]:
            problems.add(table, label, column, None, "missing (required)")
    return earliest, latest, precision


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
    empty = is_missing(raw)
    as_text = clean_text(raw, subject_text)
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


def subject_text(value) -> str:
    """Subject ids are text; ``7`` and ``7.0`` from a spreadsheet are the same person.

    The one rule for every reader (files and DataFrames); empty cells are found with :func:`is_missing`.
    """
    text = str(value).strip()
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
    bad = numeric.isna() & ~is_missing(values)
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
    # Problems name the columns as the file's header wrote them, when a reader recorded it.
    problems.name_columns(table, frame.attrs.get(HEADERS_ATTR, {}))
    if not frame.index.is_unique:
        # Row labels must name one row each; fall back to positions.
        frame = frame.reset_index(drop=True)
    _check_columns(table, frame, problems)
    out = pd.DataFrame(index=frame.index)
    out["subject"] = fill_subject(frame, table, problems, default_subject)
    written = {}
    for column in DATETIME_COLUMNS[table]:
        if column in frame.columns:
            required = column in REQUIRED_COLUMNS[table] and (table, column) not in _DERIVABLE
            earliest, latest, precision = coerce_datetimes(table, frame, column, problems, required=required)
            written[column] = (latest, precision)
            out[column] = earliest
        elif column in REQUIRED_COLUMNS[table]:
            out[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    extra = [c for c in frame.columns if c not in out.columns]
    if extra:
        # One concat, not a column insert each: a wide file has thousands of extras.
        out = pd.concat([out, frame[extra]], axis=1)
    for column in TEXT_COLUMNS.get(table, ()):
        if column in out.columns:
            # Empty text is missing text, whether it came as None, "" or NaN.
            out[column] = out[column].astype(object).where(~is_missing(out[column]), np.nan)
    if table == "episodes":
        _episode_rules(frame, out, problems, written)
    else:
        _TABLE_RULES.get(table, lambda *a: None)(frame, out, problems)
    ordered = [c for c in columns if c in out.columns] + [c for c in out.columns if c not in columns]
    return out[ordered]


_DAY = pd.Timedelta(days=1)
_TRUE = {"true", "yes", "y", "1", "x", "ongoing", "still going"}
_FALSE = {"false", "no", "n", "0", "", "-"}


def _episode_rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList, written: dict) -> None:
    _onset_interval(frame, out, problems, written)
    _end_interval(frame, out, problems, written)
    if "severity" in frame.columns:
        out["severity"] = _coerce_numeric("episodes", frame, "severity", problems)
        low, high = SEVERITY_RANGE
        outside = out["severity"].notna() & ~out["severity"].between(low, high)
        for label in out.index[outside]:
            problems.add("episodes", label, "severity", out.at[label, "severity"], f"outside {low:g}-{high:g}")
    if "n_merged" in frame.columns:
        merged = _coerce_numeric("episodes", frame, "n_merged", problems).fillna(1)
        whole = np.isfinite(merged) & (merged >= 1) & (merged == np.round(merged))
        for label in merged.index[~whole]:
            problems.add("episodes", label, "n_merged", frame.at[label, "n_merged"], "must be a whole number of rows, at least 1")
        out["n_merged"] = merged.where(whole, 1).astype(int)
    else:
        out["n_merged"] = 1


def _onset_interval(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList, written: dict) -> None:
    """``onset_precision`` and ``onset_latest``: as given, else as the onset was written."""
    latest, parsed_precision = written.get("onset", (out["onset"], pd.Series("day", index=out.index)))
    if "onset_precision" in frame.columns:
        given = frame["onset_precision"]
        precision = clean_text(given.where(~is_missing(given), parsed_precision.fillna("day")), lambda text: text.strip().lower())
        for label in out.index[~precision.isin(PRECISIONS)]:
            problems.add("episodes", label, "onset_precision", given[label], f"must be one of {', '.join(PRECISIONS)}")
    else:
        precision = parsed_precision.where(parsed_precision.notna(), "day").astype(object)
    out["onset_precision"] = precision
    if "onset_latest" in frame.columns:
        given_latest = out["onset_latest"]
        latest = given_latest.where(given_latest.notna(), latest)
    else:
        # A table that says "month" or "year" without onset_latest (as older files do) spans that period.
        for name, offset in (("month", pd.offsets.MonthEnd(0)), ("year", pd.offsets.YearEnd(0))):
            chosen = precision.eq(name) & latest.eq(out["onset"]) & out["onset"].notna()
            if chosen.any():
                latest = latest.copy()
                onset = out.loc[chosen, "onset"]
                latest[chosen] = np.maximum(onset, onset.dt.normalize() + offset)
    out["onset_latest"] = latest.astype("datetime64[ns]")
    before = out["onset_latest"] < out["onset"]
    for label in out.index[before]:
        problems.add("episodes", label, "onset_latest", str(out.at[label, "onset_latest"]), f"before onset ({out.at[label, 'onset']})")


def _end_interval(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList, written: dict) -> None:
    """``end``, ``end_earliest``, ``end_latest`` and ``ongoing``, checked against each other."""
    if "end" not in out.columns:
        out["end"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    earliest = out["end"].copy()
    if "end" in written:
        # An end written as a stretch ("Nov 2013") was over by the stretch's end at the latest.
        latest, precision = written["end"]
        vague = precision.notna() & ~precision.eq("day")
        out.loc[vague, "end"] = latest[vague] + _DAY
    out["end_earliest"] = out["end_earliest"].fillna(earliest) if "end_earliest" in out.columns else earliest
    # A given end_latest left empty means "no upper bound known" (e.g. "over a week").
    if "end_latest" not in out.columns:
        out["end_latest"] = out["end"]
    out["ongoing"] = _booleans(frame, "ongoing", problems) if "ongoing" in frame.columns else False
    if "end_from_length" in frame.columns:
        out["end_from_length"] = _booleans(frame, "end_from_length", problems)
    before = out["end"].notna() & out["onset"].notna() & (out["end"] < out["onset"])
    for label in out.index[before]:
        problems.add("episodes", label, "end", str(out.at[label, "end"]), f"end is before onset ({out.at[label, 'onset']})")
    inverted = out["end_earliest"].notna() & out["end_latest"].notna() & (out["end_latest"] < out["end_earliest"])
    for label in out.index[inverted]:
        problems.add("episodes", label, "end_latest", str(out.at[label, "end_latest"]), f"before end_earliest ({out.at[label, 'end_earliest']})")


def _booleans(frame: pd.DataFrame, column: str, problems: ProblemList) -> pd.Series:
    values = frame[column]
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(bool)
    out = []
    for label, value in values.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(False)
        elif isinstance(value, (bool, np.bool_, int, np.integer)) and value in (0, 1):
            out.append(bool(value))
        elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            out.append(value.strip().lower() in _TRUE)
        else:
            problems.add("episodes", label, column, value, "must be true or false (yes/no)")
            out.append(False)
    return pd.Series(out, index=values.index, dtype=bool)


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
    empty = is_missing(modality)
    if empty.any() and "name" in frame.columns:
        from .vocabulary import map_modalities

        names = frame.loc[empty, "name"]
        named = ~is_missing(names)
        modality[names.index[named]] = map_modalities(names[named], stacklevel=5)
        empty = is_missing(modality)
    for label in out.index[empty]:
        problems.add("treatments", label, "modality", None, "missing (give a modality or a name to map)")
    out["modality"] = modality.where(empty, clean_text(modality))


def _exposure_rules(frame: pd.DataFrame, out: pd.DataFrame, problems: ProblemList) -> None:
    if "exposure" in frame.columns:
        for label in out.index[is_missing(frame["exposure"])]:
            problems.add("exposures", label, "exposure", None, "missing (required)")
        out["exposure"] = clean_text(frame["exposure"]).where(~is_missing(frame["exposure"]), None)
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
        for name in ("onset_latest", "end", "end_earliest", "end_latest"):
            data[name] = pd.Series([], dtype="datetime64[ns]")
        data["ongoing"] = pd.Series([], dtype=bool)
        data["onset_precision"] = pd.Series([], dtype=object)
        data["n_merged"] = pd.Series([], dtype=int)
    if table == "exposures":
        data["value"] = pd.Series([], dtype=float)
    return pd.DataFrame(data)
