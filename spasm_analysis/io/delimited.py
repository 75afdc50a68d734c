"""Delimited text (CSV, TSV, app exports) read record by record, each with the line it starts on.

One reader serves the table loaders (:mod:`.files`) and the app readers
(:mod:`spasm_analysis.apps.source`), so both decode, parse, bound and number
a file the same way:

* **Decoding.**  ``encoding=`` when given; otherwise a byte-order mark names
  UTF-8, UTF-16 or UTF-32 (a spreadsheet's "Unicode text" export is UTF-16);
  otherwise UTF-8.  Bytes that are not valid text in that encoding are an
  :class:`UnreadableText` naming the line and asking for ``encoding=``, never
  replaced or guessed silently.
* **Parsing.**  The :mod:`csv` module in strict mode, not
  :func:`pandas.read_csv`, because every record keeps the line it starts on
  (a quoted note may span lines, blank lines count) and because a quote left
  open must stop the reading instead of swallowing the rest of the file.
* **Limits.**  Rows and columns are counted against :mod:`spasm_analysis.limits`.
* **Blank records.**  :func:`is_blank` is the one rule: every field empty or
  whitespace.  Such a record is spacing, not data.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import limits

__all__ = ["UnreadableText", "detect_encoding", "open_text", "read_text", "records", "is_blank"]

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class UnreadableText(ValueError):
    """The file cannot be read as delimited text; ``line`` is where (None: the file as a whole)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def detect_encoding(head: bytes) -> str:
    """The encoding a file's first bytes name by their byte-order mark, else UTF-8 (a BOM is dropped when read)."""
    # UTF-32-LE's mark starts with UTF-16-LE's, so the longer marks are tried first.
    return next((name for mark, name in _BOMS if head.startswith(mark)), "utf-8-sig")


def _encoding_of(path: Path, encoding: str | None) -> str:
    if encoding is not None:
        return encoding
    with path.open("rb") as handle:
        return detect_encoding(handle.read(4))


def _undecodable(path: Path, encoding: str) -> UnreadableText:
    """Where the first byte that is not ``encoding`` text sits (read again only on this error path)."""
    data = path.read_bytes()
    shown = "UTF-8" if encoding == "utf-8-sig" else encoding
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return UnreadableText(
            f"{path.name} cannot be read as {shown} text: line {line} holds the byte(s) "
            f"{data[error.start:error.end]!r}; pass encoding= the file's encoding (e.g. cp1252 or latin-1)", line)
    return UnreadableText(f"{path.name} cannot be read as {shown} text; pass encoding= the file's encoding")


@contextmanager
def open_text(path, encoding: str | None = None):
    """``path`` opened as text (see the module notes on decoding), with newlines kept as written."""
    path = Path(path)
    chosen = _encoding_of(path, encoding)
    try:
        with path.open("r", encoding=chosen, newline="") as handle:
            yield handle
    except UnicodeDecodeError:
        raise _undecodable(path, chosen) from None


def read_text(path, encoding: str | None = None) -> str:
    """The whole file as text, decoded as :func:`open_text` does."""
    with open_text(path, encoding) as handle:
        return handle.read()


def is_blank(fields) -> bool:
    """A record with nothing in it: every field empty or whitespace (spacing, not data)."""
    return not any(field.strip() for field in fields)


def records(path, *, sep: str = ",", quotechar: str = '"', encoding: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """Every record of a delimited file as ``(line it starts on, fields)``, blank ones included.

    Raises
    ------
    UnreadableText
        Undecodable bytes or a malformed record (e.g. a quote never closed), naming the line.
    LimitExceededError
        More rows or columns than :mod:`spasm_analysis.limits` allows.
    """
    path = Path(path)
    bounds = limits.current()
    line = 1
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=sep, quotechar=quotechar, strict=True)
        count = 0
        try:
            for record in reader:
                count += 1
                if len(record) > bounds.max_columns:
                    limits.check("max_columns", len(record), f"{path.name} (line {line})")
                if count > bounds.max_rows + 1:
                    limits.check("max_rows", count - 1, path.name)
                yield line, record
                line = reader.line_num + 1
        except csv.Error as error:
            raise UnreadableText(f"{path.name} is not a well-formed table: {error} (line {line})", line) from None

