"""Text that a spreadsheet program would run as a formula, written so that it stays text.

A note such as ``=HYPERLINK("http://evil", "click")`` written verbatim into a
CSV becomes a live formula when the file is opened in Excel or LibreOffice
(CSV or formula injection).  Following OWASP's recommendation, a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a leading single quote, which spreadsheet programs show as text.  Reading
a CSV removes exactly that one quote again, so ``read_log(log.to_folder(p))``
gives back the text as it was.  A cell that already begins with quotes before
such a character gets one more, so the round trip is exact for every text.

Reference: OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection).

Examples
--------
>>> escape_formula_text("=1+2"), unescape_formula_text("'=1+2")
("'=1+2", '=1+2')
>>> escape_formula_text("back pain"), escape_formula_text("-3 days")
('back pain', "'-3 days")
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["escape_formula_text", "unescape_formula_text", "escape_formula_cells"]

_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_formula_text(text: str) -> str:
    """``text`` with a leading quote when a spreadsheet would read it as a formula."""
    return "'" + text if _FORMULA_START.match(text) else text


def unescape_formula_text(text: str) -> str:
    """Undo :func:`escape_formula_text` (one leading quote before a formula character)."""
    return text[1:] if _ESCAPED.match(text) else text


def escape_formula_cells(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A copy of ``frame`` with every formula-like text cell and header escaped, and how many were."""
    changed = 0
    out = frame.copy()
    for column in out.columns[out.dtypes == object]:
        values = out[column]
        risky = values.map(lambda v: isinstance(v, str) and bool(_FORMULA_START.match(v)))
        if risky.any():
            changed += int(risky.sum())
            out[column] = values.where(~risky, values[risky].map(escape_formula_text))
    names = [escape_formula_text(str(c)) if isinstance(c, str) else c for c in out.columns]
    changed += sum(a != b for a, b in zip(names, out.columns))
    out.columns = names
    return out, changed
