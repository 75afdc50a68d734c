"""Flaredown's long research dump, read column-wise.

The public research dump holds millions of rows
(``user_id, age, sex, country, checkin_date, trackable_id, trackable_type,
trackable_name, trackable_value``), so it is read with :func:`pandas.read_csv`
and checked with vectorised operations, each distinct date or number parsed
once.  Problems still name the file line: row ``i`` of the table is line
``i + 2`` when every record sits on one line, which is checked; otherwise the
lines are counted with the :mod:`csv` module.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..io import delimited
from .source import SourceProblems, day_of_text

__all__ = ["read_research_dump", "NOT_TAKEN"]

_RATED = ("condition", "symptom")
_NAMED = ("condition", "symptom", "treatment", "tag", "food")
#: Treatment values meaning the treatment was not taken that day.
NOT_TAKEN = ("not taken", "no", "false")


def _line_numbers(text: str, path, encoding: str | None, n_rows: int) -> np.ndarray:
    lines = text.splitlines()
    if len(lines) - 1 == n_rows and all(lines):
        return np.arange(n_rows) + 2
    # Some record spans lines (a quoted newline) or a line is blank: count with the csv reader.
    numbers = np.array([line for line, _ in delimited.records(path, encoding=encoding)][1:], dtype=int)
    return numbers[:n_rows]


def _numbers(values: pd.Series) -> pd.Series:
    distinct = values.unique()
    parsed = pd.to_numeric(pd.Series(distinct), errors="coerce")
    return values.map(dict(zip(distinct, parsed)))


def read_research_dump(path, problems: SourceProblems, *, encoding: str | None = None) -> dict[str, pd.DataFrame]:
    """Tables ``logged, ratings, treatments, tags, covariates`` from the dump (decoded as every table is)."""
    try:
        text = delimited.read_text(path, encoding)
    except delimited.UnreadableText as error:
        problems.add_line(error.line, None, None, str(error))
        problems.raise_if_any()
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    table.columns = [c.strip().lower() for c in table.columns]
    # Strip each distinct value once; the dump repeats the same few values on many rows.
    table = table.apply(lambda column: column.map({v: v.strip() for v in column.unique()}))
    line = _line_numbers(text, path, encoding, len(table))
    # A blank line (the empty line that ends many files) is spacing, as in every table.
    filled = table.ne("").any(axis=1).to_numpy()
    if not filled.all():
        table, line = table[filled].reset_index(drop=True), line[filled]
    found: list[tuple[int, str, object, str]] = []

    def report(mask: pd.Series, field: str, message: str, show_value: bool = True) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            found.append((int(line[i]), field, table[field].iat[i] if show_value else None, message))

    subject = table["user_id"]
    report(subject.eq(""), "user_id", "missing (required)", show_value=False)
    distinct = table["checkin_date"].unique()
    days = {text_: day_of_text(text_, False) for text_ in distinct if text_}
    day = pd.to_datetime(table["checkin_date"].map({t: d for t, (d, _) in days.items()}))
    report(table["checkin_date"].eq(""), "checkin_date", "missing date", show_value=False)
    bad_day = table["checkin_date"].map(lambda t: bool(t) and days[t][1] is not None)
    for i in np.flatnonzero(bad_day.to_numpy()):
        found.append((int(line[i]), "checkin_date", table["checkin_date"].iat[i], days[table["checkin_date"].iat[i]][1]))
    age = _numbers(table["age"])
    report(table["age"].ne("") & (age.isna() | ~age.between(0, 130)), "age", "not a number from 0 to 130")

    kind = table["trackable_type"].str.lower()
    name = table["trackable_name"]
    report(kind.isin(_NAMED) & name.eq(""), "trackable_name", "a trackable without a name", show_value=False)
    value = table["trackable_value"]
    rating = _numbers(value)
    rated = kind.isin(_RATED) & name.ne("")
    report(rated & value.ne("") & rating.isna(), "trackable_value", "not a number")
    report(rated & rating.notna() & ~rating.between(0, 4), "trackable_value", "outside the scale 0-4")
    for line_number, field, shown, message in sorted(found, key=lambda f: f[0]):
        problems.add_line(line_number, field, shown, message)
    problems.raise_if_any()

    ok = subject.ne("") & day.notna()

    def rows(mask: pd.Series, **columns: pd.Series) -> pd.DataFrame:
        keep = mask & ok
        frame = pd.DataFrame({"subject": subject[keep], "day": day[keep]})
        return frame.assign(**{key: column[keep] for key, column in columns.items()})

    taken = kind.eq("treatment") & name.ne("") & ~value.str.lower().isin(NOT_TAKEN)
    dose = value.where(~value.str.lower().isin(("", "taken"))).astype(object)
    # Ages are kept as written, 0 included: an empty cell is the dump's way of saying "not given".
    people = table.loc[subject.ne(""), ["user_id", "sex", "country"]].replace("", np.nan).assign(age=age[subject.ne("")])
    # groupby.first takes each person's first non-empty value
    covariates = people.groupby("user_id", sort=False)[["age", "sex", "country"]].first().reset_index()
    return {
        "logged": rows(pd.Series(True, index=table.index)).drop_duplicates(),
        "ratings": rows(rated & rating.notna(), symptom=name, rating=rating),
        "treatments": rows(taken, name=name, dose=dose),
        "tags": rows(kind.isin(("tag", "food")) & name.ne(""), exposure=name),
        "covariates": covariates.rename(columns={"user_id": "subject"}),
    }
