"""Read a table file as the user wrote it, keeping the row numbers they see.

Every reader here returns a DataFrame of raw cell values (text for CSV/TSV,
typed values for spreadsheets, Parquet and JSON) whose index is the row label
the user knows: the line number in a CSV/TSV file (the header is line 1, so the
first data row is 2), the sheet row in a spreadsheet, the 1-based record number
in JSON and Parquet, or a DataFrame's own index.  Anything that stops a file
being read as a table (a malformed line, bad encoding, an empty or corrupt
file, a repeated header) is recorded as a problem, never raised as a parser's
own exception.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from xml.etree.ElementTree import ParseError
from pathlib import Path

import numpy as np
import pandas as pd

from .. import limits
from ..schema import ProblemList
from . import delimited
from .archives import ZIP_ERRORS, zip_problem
from .formula_text import unescape_formula_text
from ..options import check_option, check_reading_options

__all__ = ["FORMATS", "detect_format", "read_raw"]

FORMATS = ("csv", "tsv", "xlsx", "parquet", "json")
_SUFFIXES = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "json", ".ndjson": "json",
}


def detect_format(path: Path, format: str | None = None) -> str:
    """The format named by ``format``, else by the file's suffix."""
    if format is not None:
        check_option("format", format, FORMATS)
        return format
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ValueError(f"{path.name}: old .xls workbooks are not supported; save it as .xlsx or .csv")
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"cannot tell the format of {path.name!r} from its suffix; pass format= one of {', '.join(FORMATS)}"
        )
    return _SUFFIXES[suffix]


def read_raw(source, *, table: str, problems: ProblemList, format: str | None = None, sheet=None, **options) -> pd.DataFrame:
    """Read ``source`` (a path or a DataFrame) into raw cells labelled by file row.

    ``options`` go to the underlying reader (e.g. ``encoding=`` or ``sep=`` for
    CSV).  On a problem that prevents reading, an empty frame is returned and
    the problem recorded.
    """
    if isinstance(source, pd.DataFrame):
        given = sorted(k for k, v in dict(options, format=format, sheet=sheet).items() if v is not None)
        if given:
            raise TypeError(f"option(s) {', '.join(given)} apply to files, not to a DataFrame")
        # Row labels name rows in messages; repeated labels could not, so positions are used.
        return source.copy() if source.index.is_unique else source.reset_index(drop=True)
    if isinstance(source, (pd.Series, np.ndarray, list, dict)):
        raise TypeError(f"source must be a path or a pandas DataFrame, not {type(source).__name__}")
    path = Path(source)
    kind = detect_format(path, format)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file (a folder, pipe or device cannot be read as a table)")
    reader = {"csv": _read_delimited, "tsv": _read_delimited, "xlsx": _read_xlsx, "parquet": _read_parquet, "json": _read_json}[kind]
    unknown = sorted(set(options) - set(_FILE_OPTIONS[kind]))
    if unknown:
        hint = " (merge_overlaps and merge_within_days belong to read_log or EpisodeLog)" if any(o.startswith("merge") for o in unknown) else ""
        allowed = ", ".join(_FILE_OPTIONS[kind]) or "none"
        raise TypeError(f"unexpected option(s) {', '.join(unknown)} for a {kind} file; allowed: {allowed}{hint}")
    check_reading_options(**options)
    if kind == "tsv":
        options.setdefault("sep", "\t")
    if kind == "xlsx":
        options["sheet"] = sheet
    elif sheet is not None:
        raise ValueError(f"sheet= applies to spreadsheets, not {kind} files")
    return reader(path, table, problems, **options)


#: Options each file reader takes (beyond format= and sheet=).
_FILE_OPTIONS = {
    "csv": ("sep", "encoding", "quotechar"),
    "tsv": ("sep", "encoding", "quotechar"),
    "xlsx": (),
    "parquet": ("engine",),
    "json": ("encoding",),
}


def _with_header(rows: pd.DataFrame, table: str, problems: ProblemList) -> pd.DataFrame:
    """Use the first non-empty row as the header; the rows after it are the data."""
    filled = rows.notna().any(axis=1)
    if not filled.any():
        problems.add(table, None, None, None, "the file holds no header row and no data")
        return pd.DataFrame()
    header_label = filled.idxmax()
    header = rows.loc[header_label]
    names = []
    for position, name in enumerate(header.tolist(), start=1):
        if name is None or (isinstance(name, float) and np.isnan(name)) or str(name).strip() == "":
            names.append(f"column {position}")
        else:
            names.append(str(name).strip())
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    for name in repeated:
        problems.add(table, header_label, name, None, "this column name appears more than once in the header")
    if repeated:
        return pd.DataFrame()
    data = rows.loc[rows.index > header_label].copy()
    data.columns = names
    # Fully blank lines are spacing, not records.
    data = data.loc[data.notna().any(axis=1)]
    # Trailing empty columns (a spreadsheet's stray commas) carry nothing.
    keep = [not (n.startswith("column ") and data[n].isna().all()) for n in names]
    return data.loc[:, keep]


def _read_delimited(path: Path, table: str, problems: ProblemList, *, sep: str = ",", encoding: str | None = None, quotechar: str = '"') -> pd.DataFrame:
    labels, records = [], []
    try:
        for line, record in delimited.records(path, sep=sep, quotechar=quotechar, encoding=encoding):
            labels.append(line)
            records.append(record)
    except delimited.UnreadableText as error:
        problems.add(table, error.line, None, None, str(error))
        return pd.DataFrame()
    if not records:
        problems.add(table, None, None, None, f"{path.name} is empty")
        return pd.DataFrame()
    width = max(len(r) for r in records)
    if any(len(r) != width for r in records):
        records = [r + [""] * (width - len(r)) for r in records]
    rows = pd.DataFrame(records, index=labels, dtype=object).map(_cell_text)
    data = _with_header(rows, table, problems)
    header_width = _header_width(rows)
    if width > header_width:
        for label, record in zip(labels, records):
            extra = [c for c in record[header_width:] if c.strip()]
            if label in data.index and extra:
                problems.add(table, label, None, sep.join(extra), f"this line has more fields than the header's {header_width}")
    return data


def _cell_text(text: str):
    # A quote that keeps a spreadsheet from running the text as a formula is not part of it.
    text = unescape_formula_text(text.strip())
    return text if text else np.nan


def _header_width(rows: pd.DataFrame) -> int:
    filled = rows.notna().any(axis=1)
    if not filled.any():
        return 0
    header = rows.loc[filled.idxmax()]
    named = np.flatnonzero(header.notna().to_numpy())
    return int(named[-1]) + 1 if len(named) else 0


def _read_xlsx(path: Path, table: str, problems: ProblemList, *, sheet=None, **options) -> pd.DataFrame:
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(archive, path.name)
            has_formulas = _has_formulas(archive)
        records, title = _xlsx_cells(path, table, sheet, data_only=True)
        formulas = _xlsx_cells(path, table, sheet, data_only=False)[0] if has_formulas else {}
    except _SheetChoice as choice:
        raise ValueError(str(choice)) from None
    except limits.LimitExceededError:
        raise
    except (InvalidFileException, *ZIP_ERRORS, KeyError, OSError, ValueError, ParseError) as error:
        problems.add(table, None, None, None, f"{path.name} is not a readable .xlsx workbook ({_reason(error)})")
        return pd.DataFrame()
    _unsaved_formulas(records, formulas, table, problems)
    if not records:
        problems.add(table, None, None, None, f"sheet {title!r} of {path.name} is empty")
        return pd.DataFrame()
    rows = pd.DataFrame.from_dict(records, orient="index").sort_index(axis=1)
    rows = rows.astype(object).where(rows.notna(), np.nan)
    rows = rows.apply(lambda column: column.map(lambda v: np.nan if isinstance(v, str) and not v.strip() else (v.strip() if isinstance(v, str) else v)))
    return _with_header(rows, table, problems)


class _SheetChoice(Exception):
    """The sheet asked for is not in the workbook (an option error, not a file problem)."""


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet holds a formula (streamed: a sheet is never held in memory whole)."""
    for info in archive.infolist():
        if not info.filename.startswith("xl/worksheets/"):
            continue
        with archive.open(info) as member:
            tail = b""
            while chunk := member.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-8:]
    return False


def _reason(error: BaseException) -> str:
    from defusedxml import DefusedXmlException

    # openpyxl wraps what went wrong in a sheet's XML; the cause says more.
    cause = error.__cause__ or error.__context__
    if cause is not None and isinstance(cause, (DefusedXmlException, ParseError)):
        error = cause
    if isinstance(error, DefusedXmlException):
        return "it declares XML entities, which a workbook never needs and which can expand without bound"
    if isinstance(error, ZIP_ERRORS):
        return zip_problem(error, if_encrypted="save an unprotected copy")
    return str(error) or type(error).__name__


def _xlsx_cells(path: Path, table: str, sheet, *, data_only: bool) -> tuple[dict, str]:
    """``{sheet row: {column number: value}}`` for the cells that hold something, and the sheet's title.

    Only cells present in the file are visited: a sheet whose stated dimension
    reaches XFD1048576 is not padded out to 17 billion empty cells.
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        try:
            if sheet is None:
                # A workbook holding several tables names its sheets after them.
                names = {name.strip().lower(): name for name in book.sheetnames}
                worksheet = book[names[table]] if table in names else book.worksheets[0]
            elif isinstance(sheet, int):
                worksheet = book.worksheets[sheet]
            else:
                worksheet = book[sheet]
        except (KeyError, IndexError):
            raise _SheetChoice(f"sheet must be one of {book.sheetnames} (or a 0-based position), not {sheet!r}") from None
        worksheet.reset_dimensions()
        bounds = limits.current()
        records, columns = {}, set()
        for row in worksheet.iter_rows():
            present = [cell for cell in row if getattr(cell, "row", None) is not None and cell.value is not None]
            if present:
                cells = {cell.column: cell.value for cell in present}
                records[present[0].row] = cells
                columns.update(cells)
                if len(records) > bounds.max_rows:
                    limits.check("max_rows", len(records), f"{path.name} (sheet {worksheet.title!r})")
                if len(columns) > bounds.max_columns:
                    limits.check("max_columns", len(columns), f"{path.name} (sheet {worksheet.title!r})")
        return records, worksheet.title
    finally:
        book.close()


def _unsaved_formulas(values: dict, formulas: dict, table: str, problems: ProblemList) -> None:
    """A formula whose result the file does not store would silently read as blank: name each one."""
    from openpyxl.utils import get_column_letter

    for row, cells in formulas.items():
        for column, written in cells.items():
            if isinstance(written, str) and written.startswith("=") and values.get(row, {}).get(column) is None:
                problems.add(table, row, get_column_letter(column), written,
                             "this cell holds a formula whose result is not saved in the file; open and save it in a "
                             "spreadsheet program (which stores the results), or replace the formula by its value")


def _read_parquet(path: Path, table: str, problems: ProblemList, **options) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path, **options)
    except ImportError:
        raise
    except Exception as error:  # pyarrow raises its own types (ArrowInvalid, OSError)
        problems.add(table, None, None, None, f"{path.name} is not a readable Parquet file ({type(error).__name__}: {error})")
        return pd.DataFrame()
    frame = frame.reset_index(drop=True)
    frame.index = frame.index + 1
    return frame


def _read_json(path: Path, table: str, problems: ProblemList, **options) -> pd.DataFrame:
    try:
        text = delimited.read_text(path, options.pop("encoding", None))
    except delimited.UnreadableText as error:
        problems.add(table, error.line, None, None, str(error))
        return pd.DataFrame()
    limits.check("max_nesting", _json_depth(text), path.name)
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            records = json.loads(text)
    except json.JSONDecodeError as error:
        problems.add(table, error.lineno, None, None, f"{path.name} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})")
        return pd.DataFrame()
    if isinstance(records, dict) and table in records:
        records = records[table]
    if isinstance(records, dict) and records and all(isinstance(v, list) for v in records.values()):
        lengths = {len(v) for v in records.values()}
        if len(lengths) != 1:
            problems.add(table, None, None, None, f"{path.name}: the column lists have different lengths {sorted(lengths)}")
            return pd.DataFrame()
        records = [dict(zip(records, values)) for values in zip(*records.values())]
    if not isinstance(records, list):
        problems.add(table, None, None, None, f"{path.name} must hold a list of records (objects), or {{{table!r}: [...]}}")
        return pd.DataFrame()
    good = []
    for number, record in enumerate(records, start=1):
        if isinstance(record, dict):
            good.append(record)
        else:
            problems.add(table, number, None, record, "a record must be an object with named fields")
    frame = pd.DataFrame(good if len(good) == len(records) else [], dtype=object)
    frame.index = frame.index + 1
    return frame


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json_depth(text: str) -> int:
    """How deeply lists and objects nest in JSON ``text`` (brackets inside strings do not count).

    Checked before parsing: a few hundred kilobytes of ``[[[[...`` would
    otherwise end in a RecursionError from the parser.
    """
    code = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    step = np.isin(code, (ord("["), ord("{"))).astype(np.int64) - np.isin(code, (ord("]"), ord("}"))).astype(np.int64)
    return int(np.cumsum(step).max()) if len(step) else 0
