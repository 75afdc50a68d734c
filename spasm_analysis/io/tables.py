"""Read the canonical tables from CSV, TSV, XLSX, Parquet, JSON or a DataFrame.

Each ``read_*`` function reads the file (:mod:`.files`), recognises its headers
(:mod:`.columns`), parses written dates (:mod:`.dates`) and durations
(:mod:`.durations`), and returns the canonical table (``../shared/API.md``)
checked row by row.  The returned index is the row label the user sees in the
file (CSV line number with the header as line 1, sheet row, 1-based JSON or
Parquet record, or the DataFrame's own index), so that every later
:class:`~spasm_analysis.schema.LogValidationError` (including those from
:class:`~spasm_analysis.log.EpisodeLog`) names rows the user can find.

Every problem found while reading is collected and raised together as one
:class:`~spasm_analysis.schema.LogValidationError`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..schema import DEFAULT_SUBJECT, HEADERS_ATTR, ProblemList
from ..validation import clean_text, is_missing, prepare_table, subject_text
from ..vocabulary import UnknownModalityWarning, map_modalities
from .columns import recognise_columns
from .dates import parse_date_column, period_ends, remembered_count
from .durations import parse_length, parse_length_column
from .files import read_raw
from ..options import check_reading_options

__all__ = [
    "UnknownModalityWarning",
    "read_episodes",
    "read_treatments",
    "read_exposures",
    "read_follow_up",
    "read_covariates",
]


class _Reading:
    """One table being read: its raw frame under canonical names, and its problems."""

    def __init__(self, source, table, *, columns, dayfirst, tz, options):
        self.table = table
        self.dayfirst = dayfirst
        self.tz = tz
        check_reading_options(tz=tz)
        self.problems = ProblemList()
        self.source_name = source if not isinstance(source, pd.DataFrame) else "a DataFrame"
        raw = read_raw(source, table=table, problems=self.problems, **options)
        # A file that could not be read as a table has nothing more to report.
        self.readable = len(self.problems) == 0
        mapping = recognise_columns(raw.columns, table, columns=columns, problems=self.problems)
        # Headers kept as written must not collide with a canonical name we produce.
        self.frame = _single_values(raw, table, self.problems).rename(columns=mapping)
        self.original = {canonical: header for header, canonical in mapping.items()}
        self.problems.name_columns(table, self.written_headers())

    def written_headers(self) -> dict[str, str]:
        """``{canonical: header as written}`` for the columns whose header differs, derived columns included.

        An end computed from a length column is named by that column ("Lasted");
        the interval ends of a date by the date's own column.
        """
        headers = {canonical: str(header) for canonical, header in self.original.items() if str(header) != canonical}
        if "end" not in self.original and "duration" in self.original:
            headers["end"] = str(self.original["duration"])
        for derived, source in (("onset_latest", "onset"), ("end_earliest", "end"), ("end_latest", "end")):
            if derived not in self.original and source in headers:
                headers[derived] = headers[source]
        return headers

    def header(self, canonical: str) -> str:
        """The column name the user wrote, for messages."""
        return str(self.original.get(canonical, canonical))

    def require(self, *names: str) -> bool:
        if not self.readable:
            return False
        ok = True
        for name in names:
            if name not in self.frame.columns:
                present = ", ".join(repr(str(c)) for c in self.frame.columns) or "none"
                self.problems.add(
                    self.table, None, name, None,
                    f"no column recognised as {name} (columns present: {present}); pass columns={{'<header>': {name!r}}}",
                )
                ok = False
        return ok

    def dates(self, name: str, *, required: bool) -> tuple[pd.Series, pd.Series]:
        earliest, _, precision = self.date_interval(name, required=required)
        return earliest, precision

    def date_interval(self, name: str, *, required: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
        """``(earliest, latest, precision)`` of a date column (see :func:`.dates.parse_date_column`)."""
        index = self.frame.index
        if name not in self.frame.columns:
            empty = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
            return empty, empty.copy(), pd.Series([None] * len(index), index=index, dtype=object)
        values = self.frame[name]
        earliest, latest, precision = parse_date_column(
            values, table=self.table, column=self.header(name), problems=self.problems, dayfirst=self.dayfirst, tz=self.tz,
            with_latest=True,
        )
        if required:
            for label in index[is_missing(values)]:
                self.problems.add(self.table, label, self.header(name), None, "missing (required)")
        return earliest, latest, precision

    def end_dates(self, start: pd.Series, *, range_rule: str) -> pd.Series:
        """``end`` as written (a partial end means the end of its period), else start + duration."""
        return self.end_interval(start, start, range_rule=range_rule)["end"]

    def end_interval(self, onset: pd.Series, onset_latest: pd.Series, *, range_rule: str) -> pd.DataFrame:
        """``end, end_earliest, end_latest, ongoing, end_from_length`` from an end column, else from a length column.

        A written end ("2013-10-20", "Nov 2013") wins over a length.  A length
        gives ``end = onset + length`` (a range by ``range_rule``), the earliest
        end ``onset + shortest`` and the latest ``onset_latest + longest`` (not
        known for "over a week" or "still going"), and ``end_from_length=True``:
        such an end is known only relative to the onset, so it moves with an
        onset placed inside its stretch (:mod:`spasm_analysis.personal.placement`).
        Words such as "still going" or "?" in the end column mean ongoing or not known.
        """
        index = self.frame.index
        said = pd.DataFrame({"ongoing": False}, index=index)
        if "end" in self.frame.columns:
            # "still going" or "?" where an end date would be.
            lengths = [_end_words(v) for v in self.frame["end"]]
            words = pd.Series([w is not None for w in lengths], index=index)
            said["ongoing"] = [bool(w and w.ongoing) for w in lengths]
            self.frame["end"] = self.frame["end"].where(~words, np.nan)
        first, latest, precision = self.date_interval("end", required=False)
        end = period_ends(first, precision, latest)
        out = pd.DataFrame({"end": end, "end_earliest": first, "end_latest": end, "ongoing": said["ongoing"], "end_from_length": False}, index=index)
        if "duration" in self.frame.columns:
            lengths = parse_length_column(
                self.frame["duration"], table=self.table, column=self.header("duration"), problems=self.problems, range_rule=range_rule
            )
            todo = out["end"].isna()
            out.loc[todo, "end"] = self._add(onset, lengths["length"])[todo]
            out.loc[todo, "end_earliest"] = self._add(onset, lengths["shortest"])[todo]
            out.loc[todo, "end_latest"] = self._add(onset_latest, lengths["longest"])[todo]
            out["ongoing"] = out["ongoing"] | (todo & lengths["ongoing"])
            out["end_from_length"] = todo & (lengths["shortest"].notna() | lengths["length"].notna())
        return out

    def _add(self, start: pd.Series, lengths: pd.Series) -> pd.Series:
        """start + length, naming the rows whose end would fall past the last representable date."""
        try:
            return start + lengths
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            pass
        out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
        for label in start.index:
            try:
                out[label] = start[label] + lengths[label]
            except (OverflowError, pd.errors.OutOfBoundsDatetime):
                self.problems.add(self.table, label, self.header("duration"), str(lengths[label]), "onset + duration is past the last date this library can hold")
        return out

    def subject(self, subject: str | None) -> pd.Series:
        index = self.frame.index
        if "subject" not in self.frame.columns:
            return pd.Series(subject if subject is not None else DEFAULT_SUBJECT, index=index, dtype=object)
        if subject is not None:
            raise ValueError(
                f"subject= names the person of a file without a subject column, but {self.source_name} has one "
                f"({self.header('subject')!r}); leave subject= out"
            )
        cells = self.frame["subject"]
        return clean_text(cells, subject_text).where(~is_missing(cells), np.nan).astype(object)

    def extras(self, out: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
        """``out`` with the columns the reader did not recognise, under the header as written."""
        kept = {}
        for column in self.frame.columns:
            if column in out.columns or column in skip:
                continue
            name = str(column)
            if name in out.columns or name in kept:
                self.problems.add(self.table, None, name, None, "a column with this name was already produced from another header")
                continue
            kept[name] = _maybe_numeric(self.frame[column])
        # One concat, not a column insert each: a wide file has thousands of extras.
        return pd.concat([out, pd.DataFrame(kept, index=out.index)], axis=1) if kept else out

    def finish(self, out: pd.DataFrame, default_subject: str | None) -> pd.DataFrame:
        """Row checks of the canonical table, on the rows that parsed; then raise everything."""
        context = _context(self.table, self.source_name)
        if not self.readable or any(p.row is None for p in self.problems):
            self.problems.raise_if_any(context)
        flagged = {p.row for p in self.problems}
        clean = out.loc[[label not in flagged for label in out.index]]
        prepared = prepare_table(self.table, clean, self.problems, default_subject=default_subject)
        self.problems.raise_if_any(context)
        # Later checks (EpisodeLog: overlaps, follow-up) name the columns as written too.
        prepared.attrs[HEADERS_ATTR] = self.written_headers()
        return prepared


def _single_values(frame: pd.DataFrame, table: str, problems: ProblemList) -> pd.DataFrame:
    """Cells holding lists or objects (from JSON or a DataFrame) are problems, then emptied."""
    for column in frame.columns[frame.dtypes == object]:
        nested = frame[column].map(lambda v: isinstance(v, (list, tuple, dict, set, bytes, bytearray, np.ndarray)))
        if nested.any():
            for label in frame.index[nested.to_numpy()]:
                problems.add(table, label, str(column), str(frame.at[label, column])[:40], "a cell must hold one value, not a list or object")
            frame[column] = frame[column].where(~nested, np.nan)
    return frame


def _begin(source, table: str, *, columns, dayfirst: bool, subject, tz, options) -> tuple[_Reading, pd.DataFrame]:
    """Read ``source`` and start the canonical table with its subject column."""
    reading = _Reading(source, table, columns=columns, dayfirst=dayfirst, tz=tz, options=options)
    out = pd.DataFrame(index=reading.frame.index)
    out["subject"] = reading.subject(subject)
    return reading, out


def _context(table: str, source) -> str:
    return f"{table} read from {source}"


def _text(values: pd.Series) -> pd.Series:
    """Text cells stripped; every kind of empty (None, NaN, "") becomes NaN."""
    blank = is_missing(values)
    return values.map(lambda v: v.strip() if isinstance(v, str) else v).astype(object).where(~blank, np.nan)


_CODE_LIKE = re.compile(r"^\s*[+-]?(?:0\d|\d{16,}\s*$)")


def _maybe_numeric(values: pd.Series) -> pd.Series:
    """Text columns that hold only numbers become numbers (a CSV stores everything as text)."""
    if values.dtype != object:
        return values
    filled = values[~is_missing(values)]
    if filled.empty:
        return values
    numeric = pd.to_numeric(filled, errors="coerce")
    if numeric.isna().any() or filled.map(lambda v: isinstance(v, bool)).any():
        return values
    # Codes such as "007" are labels, not numbers: converting would lose the zeros;
    # ids of more than 15 digits would lose their last digits as floats.
    if filled.map(lambda v: isinstance(v, str) and bool(_CODE_LIKE.match(v))).any():
        return values
    return pd.to_numeric(values.where(~is_missing(values)), errors="coerce")


_SEVERITY = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:/\s*10)?\s*$")


def _numbers(reading: _Reading, values: pd.Series, column: str, text_value, message: str) -> pd.Series:
    """Numbers from cells holding numbers or text; ``text_value(text)`` reads text (None = not a number)."""
    out = []
    for label, value in values.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(np.nan)
        elif isinstance(value, (bool, np.bool_)):
            out.append(float(value))
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out.append(float(value))
        elif not str(value).strip():
            out.append(np.nan)
        elif (number := text_value(str(value).strip().lower())) is not None:
            out.append(number)
        else:
            reading.problems.add(reading.table, label, column, value, message)
            out.append(np.nan)
    return pd.Series(out, index=values.index, dtype=float)


def _severity_text(text: str) -> float | None:
    match = _SEVERITY.match(text)
    return float(match[1].replace(",", ".")) if match else None


def _severity(reading: _Reading) -> pd.Series:
    return _numbers(reading, reading.frame["severity"], reading.header("severity"), _severity_text,
                    "severity must be a number from 0 to 10 (e.g. 7 or 7/10)")


def _counts(reading: _Reading, name: str) -> pd.Series:
    """A column of positive whole numbers (how many raw rows an episode merged)."""
    values = reading.frame[name]
    numbers = pd.to_numeric(values.where(~is_missing(values)), errors="coerce")
    good = numbers.notna() & np.isfinite(numbers) & (numbers >= 1) & (numbers == np.floor(numbers))
    for label in values.index[~good & ~is_missing(values)]:
        reading.problems.add(reading.table, label, reading.header(name), values[label], "must be a whole number of at least 1")
    return numbers.where(good, 1).astype(int)


def read_episodes(
    source,
    *,
    columns=None,
    dayfirst: bool | None = False,
    subject: str | None = None,
    tz: str | None = None,
    range_rule: str = "upper",
    format: str | None = None,
    sheet=None,
    **options,
) -> pd.DataFrame:
    """Read an episode table into the canonical ``episodes`` columns.

    Parameters
    ----------
    source : path or DataFrame
        CSV, TSV, XLSX, Parquet or JSON file (format from the suffix, or
        ``format=``), or a DataFrame.
    columns : dict, optional
        *file header -> canonical name*, overriding header recognition
        (e.g. ``{"When it began": "onset"}``).  Naming a header the file lacks
        is a validation error.
    dayfirst : bool or None, default False
        Read ``05/10/2013`` as 5 October (True) or May 10 (False).  ``None``
        decides the order once for each column from the dates in it (a first
        field above 12 means day first); a column that mixes both, or whose
        dates all read both ways, is then an error naming its rows.  A date
        impossible in the order given (``13/03/2015`` month first) is an error
        that suggests the other order or ``None``.  ISO dates (``2013-10-05``)
        and dotted ones (``05.10.2013``, day first) do not depend on it.
    subject : str, optional
        Id for every row of a file without a subject column (default ``"me"``).
    tz : str, optional
        Convert time-zone-aware values to this IANA zone before dropping the
        offset; by default the wall clock as written is kept
        (see :mod:`spasm_analysis.io.dates`).
    range_rule : {"upper", "lower", "midpoint"}
        How a duration range such as "3-4 days" becomes a length.
    format : str, optional
        One of ``csv, tsv, xlsx, parquet, json`` when the suffix does not say.
    sheet : str or int, optional
        Sheet of a workbook (default: one named "episodes", else the first).
    **options
        Passed to the file reader (e.g. ``encoding=``, ``sep=`` for CSV).

    Returns
    -------
    DataFrame
        ``subject, onset, end, severity, region, side, trigger, notes,
        onset_precision`` (those present) plus unrecognised columns as
        written; the index is the file's row numbers.  ``end`` comes from an
        end column, else onset + duration; a partial end ("Oct 2013") means the
        end of that period.  A ``Treatment`` column is kept as ``treatment``.

    Raises
    ------
    LogValidationError
        Listing every unparseable date, duration or severity, missing onset,
        end before onset and out-of-range severity, with row, column and value.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> sheet = pd.DataFrame({"Started": ["Oct 2013", "2014-03-02"], "Duration": ["a week", "3-4 days"]})
    >>> sa.read_episodes(sheet)[["onset", "end", "onset_precision"]]
           onset        end onset_precision
    0 2013-10-01 2013-10-08           month
    1 2014-03-02 2014-03-06             day
    """
    reading, out = _begin(source, "episodes", columns=columns, dayfirst=dayfirst, subject=subject, tz=tz, options=dict(options, format=format, sheet=sheet))
    if reading.require("onset"):
        out = _remembered_counts(reading, out)
        out["onset"], latest, precision = reading.date_interval("onset", required=True)
        if "onset_latest" in reading.frame.columns:
            given, _, _ = reading.date_interval("onset_latest", required=False)
            latest = given.where(given.notna(), latest)
        out["onset_latest"] = latest
        ends = reading.end_interval(out["onset"], latest, range_rule=range_rule)
        for name in ("end_earliest", "end_latest"):
            if name in reading.frame.columns:
                given, _, _ = reading.date_interval(name, required=False)
                ends[name] = given if name == "end_latest" else given.where(given.notna(), ends[name])
        if "ongoing" in reading.frame.columns:
            ends["ongoing"] = ends["ongoing"] | reading.frame["ongoing"].map(_is_true)
        for name in ("end", "end_earliest", "end_latest", "ongoing"):
            out[name] = ends[name]
        if "end_from_length" in reading.frame.columns:  # a log written by EpisodeLog.to_folder says so itself
            ends["end_from_length"] = ends["end_from_length"] | reading.frame["end_from_length"].map(_is_true)
        if ends["end_from_length"].any():
            out["end_from_length"] = ends["end_from_length"]
        if "onset_precision" in reading.frame.columns:
            written = reading.frame["onset_precision"]
            precision = written.where(~is_missing(written), precision).map(lambda v: v.strip().lower() if isinstance(v, str) else v)
        out["onset_precision"] = precision
    if "severity" in reading.frame.columns:
        out["severity"] = _severity(reading)
    for name in ("region", "side", "trigger", "notes", "treatment"):
        if name in reading.frame.columns:
            out[name] = _text(reading.frame[name])
    if "n_merged" in reading.frame.columns:
        out["n_merged"] = _counts(reading, "n_merged")
    out = reading.extras(out, skip=("duration", "onset_latest", "end_earliest", "end_latest", "ongoing", "end_from_length"))
    return reading.finish(out, subject or DEFAULT_SUBJECT)


def _is_true(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return isinstance(value, str) and value.strip().lower() in ("true", "yes", "y", "1", "x")


def _end_words(value):
    """The :class:`WrittenLength` of words such as "still going" or "?" in an end column, else None."""
    if not isinstance(value, str) or not value.strip() or any(ch.isdigit() for ch in value):
        return None
    try:
        length = parse_length(value)
    except ValueError:
        return None
    return length if pd.isna(length.shortest) else None


def _remembered_counts(reading: _Reading, out: pd.DataFrame) -> pd.DataFrame:
    """Rows such as "about once a year 2005-2012" become one episode per year, each known only to its year.

    The person remembered a rate, not dates: each year (or month) of the
    period gets one episode whose onset spans that whole year (or month), the
    row's other cells are copied, and the note says where it came from.  Row
    labels become ``<line>:<year>`` so messages still name the line.
    """
    onsets = reading.frame["onset"]
    found = {}
    for label, value in onsets.items():
        if not isinstance(value, str):
            continue
        try:
            periods = remembered_count(value)
        except ValueError as error:
            reading.problems.add(reading.table, label, reading.header("onset"), value, str(error))
            continue
        if periods:
            found[label] = periods
    if not found:
        return out
    frames, outs = [], []
    for label in reading.frame.index:
        row = reading.frame.loc[[label]]
        if label not in found:
            frames.append(row)
            outs.append(out.loc[[label]])
            continue
        written = str(onsets[label]).strip()
        periods = found[label]
        copies = pd.concat([row] * len(periods))
        copies["onset"] = periods
        copies.index = [f"{label}:{period}" for period in periods]
        note = f"remembered: {written}"
        if "notes" in copies.columns:
            copies["notes"] = [f"{n}; {note}" if isinstance(n, str) and n.strip() else note for n in copies["notes"]]
        else:
            copies["notes"] = note
        frames.append(copies)
        piece = pd.concat([out.loc[[label]]] * len(periods))
        piece.index = copies.index
        outs.append(piece)
    reading.frame = pd.concat(frames)
    return pd.concat(outs)


def read_treatments(
    source,
    *,
    columns=None,
    dayfirst: bool | None = False,
    subject: str | None = None,
    vocabulary=None,
    tz: str | None = None,
    format: str | None = None,
    sheet=None,
    **options,
) -> pd.DataFrame:
    """Read treatment sessions and courses into the canonical ``treatments`` columns.

    A row with a start date only is a one-day session (``end = start + 1 day``),
    as is a row whose end is the same date as its start.  A course has a start
    and an end (or a duration).  ``modality`` is taken from a modality column
    when the file has one, otherwise from the written name through
    :func:`~spasm_analysis.normalize_modality`; the name is kept as written in
    ``name``.  Names no vocabulary rule knows stay as written and are listed in
    an :class:`UnknownModalityWarning`.

    A start known only to the month or year, with no end, is a validation
    error: placing a session on the 1st of the month would invent a date that
    treatment-effect estimates then rely on.

    Parameters are as for :func:`read_episodes`, plus ``vocabulary`` (extra
    rules, see :func:`~spasm_analysis.modality_vocabulary`).

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> sheet = pd.DataFrame({"Date": ["2020-03-02", "2020-04-01"], "Until": [None, "2020-05-13"],
    ...                       "Treatment": ["chiro", "Flexeril 10mg"]})
    >>> sa.read_treatments(sheet)[["start", "end", "modality", "name"]]
           start        end         modality           name
    0 2020-03-02 2020-03-03     chiropractic          chiro
    1 2020-04-01 2020-05-13  muscle_relaxant  Flexeril 10mg
    """
    reading, out = _begin(source, "treatments", columns=columns, dayfirst=dayfirst, subject=subject, tz=tz, options=dict(options, format=format, sheet=sheet))
    if reading.require("start"):
        start, precision = reading.dates("start", required=True)
        end = reading.end_dates(start, range_rule="upper")
        # A session written with the same date as start and end lasted that day.
        midnight = start.notna() & (start == start.dt.normalize())
        end = end.where(~(midnight & (end == start)), start + pd.Timedelta(days=1))
        vague = precision.notna() & ~precision.eq("day") & end.isna()
        for label in out.index[vague]:
            reading.problems.add(
                "treatments", label, reading.header("start"), reading.frame.at[label, "start"],
                f"only known to the {precision[label]}; give the day, or an end date for a course",
            )
        out["start"], out["end"] = start, end.where(end.notna(), start + pd.Timedelta(days=1))
    if "name" in reading.frame.columns:
        out["name"] = _text(reading.frame["name"])
    out["modality"] = _modalities(reading, out, vocabulary)
    for name in ("dose", "notes"):
        if name in reading.frame.columns:
            out[name] = _text(reading.frame[name])
    out = reading.extras(out, skip=("duration",))
    return reading.finish(out, subject or DEFAULT_SUBJECT)


def _modalities(reading: _Reading, out: pd.DataFrame, vocabulary) -> pd.Series:
    index = reading.frame.index
    modality = _text(reading.frame["modality"]) if "modality" in reading.frame.columns else pd.Series(np.nan, index=index, dtype=object)
    todo = is_missing(modality)
    if "name" in out.columns:
        names = out["name"]
        named = todo & ~is_missing(names)
        modality[named] = map_modalities(names[named], vocabulary=vocabulary, stacklevel=3)
    if "name" not in out.columns and "modality" not in reading.frame.columns:
        reading.require("name")
    return modality


def read_exposures(
    source,
    *,
    columns=None,
    dayfirst: bool | None = False,
    subject: str | None = None,
    tz: str | None = None,
    format: str | None = None,
    sheet=None,
    **options,
) -> pd.DataFrame:
    """Read recorded exposures (possible triggers) into ``subject, time, exposure, value``.

    Two layouts are understood.  *Long*: one row per record with a time, an
    exposure name and optionally a value.  *Wide*: one row per day with a time
    column and one column per exposure (e.g. ``date, cold_pool, sitting_hours``);
    each filled cell becomes a record named after its column, and blank cells
    (nothing recorded) are not records.  Values "yes"/"no"/"x" read as 1/0.

    Parameters are as for :func:`read_episodes`.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> days = pd.DataFrame({"Date": ["2020-01-01", "2020-01-02"], "cold pool": ["yes", "no"]})
    >>> sa.read_exposures(days)[["time", "exposure", "value"]]
                      time   exposure  value
    0:cold pool 2020-01-01  cold pool    1.0
    1:cold pool 2020-01-02  cold pool    0.0
    """
    reading, out = _begin(source, "exposures", columns=columns, dayfirst=dayfirst, subject=subject, tz=tz, options=dict(options, format=format, sheet=sheet))
    if not reading.require("time"):
        return reading.finish(out, subject or DEFAULT_SUBJECT)
    out["time"], _ = reading.dates("time", required=True)
    if "exposure" in reading.frame.columns:
        out["exposure"] = _text(reading.frame["exposure"])
        if "value" in reading.frame.columns:
            out["value"] = _exposure_values(reading, reading.frame["value"], reading.header("value"))
        out = reading.extras(out)
        return reading.finish(out, subject or DEFAULT_SUBJECT)
    wide = [c for c in reading.frame.columns if c not in ("subject", "time", "value")]
    if not wide:
        reading.require("exposure")
        return reading.finish(out, subject or DEFAULT_SUBJECT)
    pieces = []
    for column in wide:
        cells = reading.frame[column]
        filled = ~is_missing(cells)
        piece = out.loc[filled, ["subject", "time"]].copy()
        piece["exposure"] = str(column)
        piece["value"] = _exposure_values(reading, cells[filled], str(column))
        # Unique labels that still say which file row and column a record came from.
        piece.index = [f"{label}:{column}" for label in piece.index]
        pieces.append(piece)
    long = pd.concat(pieces) if pieces else out.iloc[0:0]
    return reading.finish(long, subject or DEFAULT_SUBJECT)


_YES = {"yes", "y", "x", "true", "t", "✓", "✔"}
_NO = {"no", "n", "false", "f", "-"}


def _exposure_text(text: str) -> float | None:
    if text in _YES:
        return 1.0
    if text in _NO:
        return 0.0
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _exposure_values(reading: _Reading, values: pd.Series, column: str) -> pd.Series:
    return _numbers(reading, values, column, _exposure_text, "an exposure value must be a number or yes/no")


def read_follow_up(
    source,
    *,
    columns=None,
    dayfirst: bool | None = False,
    subject: str | None = None,
    tz: str | None = None,
    format: str | None = None,
    sheet=None,
    **options,
) -> pd.DataFrame:
    """Read follow-up windows ``subject, start, end``: when each person was logging.

    A partial start ("2004") is the start of its period and a partial end the
    end of its period, so a window written "2004" to "2013" covers 2004-01-01
    to 2014-01-01.  Parameters are as for :func:`read_episodes`.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> sa.read_follow_up(pd.DataFrame({"From": ["2004"], "To": ["2013-06"]}))
      subject      start        end
    0      me 2004-01-01 2013-07-01
    """
    reading, out = _begin(source, "follow_up", columns=columns, dayfirst=dayfirst, subject=subject, tz=tz, options=dict(options, format=format, sheet=sheet))
    if reading.require("start", "end"):
        out["start"], _ = reading.dates("start", required=True)
        end, precision = reading.dates("end", required=True)
        out["end"] = period_ends(end, precision)
    out = reading.extras(out)
    return reading.finish(out, subject or DEFAULT_SUBJECT)


def read_covariates(
    source,
    *,
    columns=None,
    subject: str | None = None,
    format: str | None = None,
    sheet=None,
    **options,
) -> pd.DataFrame:
    """Read baseline covariates: ``subject`` plus one column per covariate.

    Columns holding only numbers become numeric; others stay text.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> sa.read_covariates(pd.DataFrame({"Patient": [1, 2], "age": ["54", "61"], "arm": ["A", "B"]})).dtypes.age
    dtype('int64')
    """
    reading, out = _begin(source, "covariates", columns=columns, dayfirst=False, subject=subject, tz=None, options=dict(options, format=format, sheet=sheet))
    out = reading.extras(out)
    return reading.finish(out, subject or DEFAULT_SUBJECT)
