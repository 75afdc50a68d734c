"""The model frame of a Cox fit: covariates as a formula or a list, coded the way R codes them.

``covariates`` is either a list of column names or the right-hand side of a
formula (``"treat + age + hos_cat + treat:age"``, ``"x * C(epoch)"``), parsed
by formulaic. As in R's ``model.matrix`` for ``coxph`` (an intercept is
used for coding and then dropped), text columns become treatment-coded
indicators with the first level (in sorted order) as the reference, and
``a:b`` / ``a*b`` give interactions. Rows with a missing covariate are left
out, as R's default ``na.action = na.omit`` does, with a warning saying how
many (R prints "n observations deleted due to missingness").

A list of numeric columns without missing values takes a fast path that
copies nothing through formulaic, so large fits do not pay for the formula
machinery.

References
----------
Chambers, J. M. and Hastie, T. J. (1992). *Statistical Models in S*, chapter 2
(model frames, treatment contrasts).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ModelFrame", "model_frame", "formula_variables"]

#: A name that formulaic reads as one column without quoting.
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class ModelFrame:
    """Rows and covariate columns ready for the Cox design.

    Attributes
    ----------
    frame : DataFrame
        The data rows used (incomplete rows removed), with one numeric column
        per model coefficient added.
    columns : tuple of str
        The coefficient names, in model order (main effects, then interactions).
    terms : dict
        Term label -> tuple of its coefficient names (a text column's term has
        one indicator per non-reference level); used for per-term tests.
    rows_dropped : int
        Rows left out because a covariate was missing.
    notes : tuple of str
        Plain-language notes (reference levels, rows dropped).
    kept : ndarray or None
        Positions of the rows used when some were dropped.
    """

    frame: pd.DataFrame
    columns: tuple
    terms: dict
    rows_dropped: int
    notes: tuple
    kept: np.ndarray | None = None  # positions of the rows used, when some were dropped
    spec: object = None  # formulaic's ModelSpec (None on the fast path of numeric columns)
    variables: tuple = ()

    def code(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """The coefficient columns for new rows, coded as the fitted data was (same levels).

        Raises ValueError naming a missing column, a missing value or an
        unknown level.
        """
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a DataFrame, not {type(newdata).__name__}")
        missing = [c for c in self.variables if c not in newdata.columns]
        if missing:
            raise ValueError(f"newdata lacks the covariate column(s) "
                             f"{', '.join(map(repr, missing))}")
        used = newdata[list(self.variables)].reset_index(drop=True)
        holes = used.isna().any(axis=1)
        if holes.any():
            raise ValueError(f"newdata row {newdata.index[int(np.argmax(holes))]!r} has a "
                             "missing covariate value")
        if self.spec is None:
            return used.astype(float)
        used = _as_categories(used)
        try:
            with warnings.catch_warnings():
                # formulaic only warns about a level the data did not have (and codes it
                # as missing); for a prediction that is an error
                warnings.filterwarnings("error", message=".*categories outside")
                matrix = self.spec.get_model_matrix(used, na_action="raise")
        except Exception as err:  # formulaic raises several types for unseen levels
            raise ValueError(f"cannot code newdata as the fitted data: {err}") from err
        return pd.DataFrame({c: np.asarray(matrix[c], dtype=float) for c in self.columns})


def _quoted(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else "`" + name.replace("`", "\\`") + "`"


def _is_formula(covariates, data: pd.DataFrame) -> bool:
    return isinstance(covariates, str) and covariates not in data.columns


def formula_variables(covariates, data: pd.DataFrame) -> list:
    """The data columns a covariate specification (list or formula right-hand side) reads."""
    if _is_formula(covariates, data):
        from formulaic import Formula

        names = Formula(covariates).required_variables
        return sorted(str(n) for n in names)
    return [covariates] if isinstance(covariates, str) else list(covariates)


def _simple_numeric(data: pd.DataFrame, names: list) -> bool:
    for name in names:
        if name not in data.columns:
            return False
        column = data[name]
        if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
            return False
        if column.isna().any():
            return False
    return True


def model_frame(data: pd.DataFrame, covariates, *, allow_empty: bool = False) -> ModelFrame:
    """Code the covariates of a Cox model and drop the rows where one is missing.

    Parameters
    ----------
    data : DataFrame
        Counting-process rows.
    covariates : str or list of str
        Column names, or a formula right-hand side (``"a + b + a:b"``).
    allow_empty : bool
        Accept no covariates (a frailty model without fixed effects).

    Returns
    -------
    ModelFrame

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"arm": ["placebo", "drug", "placebo", "drug"],
    ...                      "age": [40.0, None, 61.0, 52.0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     mf = model_frame(rows, "arm + age")
    >>> mf.columns, mf.rows_dropped
    (('arm[T.placebo]', 'age'), 1)
    """
    if not isinstance(covariates, str):
        covariates = [] if covariates is None else list(covariates)
        if not covariates and not allow_empty:
            raise ValueError("give at least one covariate column")
        if len(set(covariates)) != len(covariates):
            raise ValueError(f"covariates contain duplicates: {covariates}")
    names = formula_variables(covariates, data)
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise ValueError(
            f"covariate column(s) {', '.join(map(repr, missing))} not found in the data; "
            f"available columns: {', '.join(map(str, data.columns))}")
    if not _is_formula(covariates, data) and _simple_numeric(data, names):
        return ModelFrame(frame=data, columns=tuple(names), terms={n: (n,) for n in names},
                          rows_dropped=0, notes=(), variables=tuple(names))
    rhs = covariates if _is_formula(covariates, data) else " + ".join(map(_quoted, names))
    return _coded(data, rhs, names)


def _coded(data: pd.DataFrame, rhs: str, names: list) -> ModelFrame:
    from formulaic import model_matrix

    used = data[names].reset_index(drop=True)
    text = _text_columns(used)
    used = _as_categories(used)
    try:
        matrix = model_matrix("1 + " + rhs, used, na_action="drop")
    except Exception as err:  # formulaic raises several types for a bad formula
        raise ValueError(f"cannot read the covariate formula {rhs!r}: {err}") from err
    spec = matrix.model_spec
    columns = [c for c in spec.column_names if c != "Intercept"]
    if not columns:
        raise ValueError(f"the formula {rhs!r} gives no covariate columns")
    terms = {}
    for term, index in spec.term_indices.items():
        label = str(term)
        if label != "1":
            terms[label] = tuple(spec.column_names[i] for i in index)
    kept = np.asarray(matrix.index)  # positions, since ``used`` has a fresh index
    dropped = len(data) - len(kept)
    notes = []
    if dropped:
        positions = np.setdiff1d(np.arange(len(data)), kept)
        rows = list(data.index[positions[:5]])
        note = (f"{dropped} row(s) with a missing covariate value were left out of the model "
                f"(e.g. row(s) {rows}), as R's na.omit does")
        warnings.warn(note, UserWarning, stacklevel=4)
        notes.append(note + ".")
    for column in text:
        levels = sorted(used.loc[kept, column].dropna().unique())
        if levels:
            notes.append(f"{column}: reference level {levels[0]!r}.")
    if set(columns) & {"start", "stop", "event"}:
        raise ValueError("a covariate column may not be named start, stop or event")
    frame = data.iloc[kept] if dropped else data
    frame = frame.assign(**{c: np.asarray(matrix[c], dtype=float) for c in columns})
    return ModelFrame(frame=frame, columns=tuple(columns), terms=terms, rows_dropped=dropped,
                      notes=tuple(notes), kept=kept if dropped else None, spec=spec,
                      variables=tuple(names))


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]


def _as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Text and boolean columns as plain text, so formulaic codes them with sorted levels."""
    return frame.assign(**{c: frame[c].astype("string").astype(object)
                           for c in _text_columns(frame)})
