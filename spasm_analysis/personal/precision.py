"""How onsets known only to the month or year enter an analysis.

Early years of a personal log are remembered, not recorded ("2004, summer",
"October 2013").  Such onsets are stored at the first instant of their month
(or at January 1 of their year) with ``onset_precision`` saying so.  Using that
stored instant as if it were the true day would pile onsets up on the 1st of
the month, so every analysis here chooses one of two honest options and says
which one it used:

``"midpoint"``
    place the onset in the middle of its month or year (the expected position
    if the true day were uniform over the period);
``"exclude"``
    leave the episode out of the analysis (its period still counts as observed
    time, which biases rates down a little).

:func:`imprecise_onset_sensitivity` runs an analysis both ways and tabulates
the headline numbers side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

__all__ = [
    "IMPRECISE_CHOICES",
    "ImpreciseOnsets",
    "resolve_imprecise_onsets",
    "imprecise_onset_sensitivity",
]

#: Allowed values of every ``imprecise_onsets=`` option in :mod:`spasm_analysis.personal`.
IMPRECISE_CHOICES = ("midpoint", "exclude")


@dataclass(frozen=True)
class ImpreciseOnsets:
    """Episodes after the imprecise-onset choice, and a sentence saying what was done.

    Attributes
    ----------
    episodes : DataFrame
        The log's episodes with month/year-precision onsets moved or removed.
    how : str
        ``"midpoint"`` or ``"exclude"``.
    n_month, n_year : int
        How many onsets were known only to the month / only to the year.
    note : str
        Plain-language account of the handling, for results' ``notes``.
    """

    episodes: pd.DataFrame
    how: str
    n_month: int
    n_year: int
    note: str


def check_choice(how: str) -> str:
    """Validate an ``imprecise_onsets`` option, listing the allowed values."""
    if how not in IMPRECISE_CHOICES:
        raise ValueError(
            f"imprecise_onsets={how!r} is not supported; choose one of {', '.join(map(repr, IMPRECISE_CHOICES))}"
        )
    return how


def _period_midpoint(onsets: pd.Series, precision: pd.Series) -> pd.Series:
    month = precision.eq("month")
    year = precision.eq("year")
    moved = onsets.copy()
    if month.any():
        start = onsets[month].dt.to_period("M").dt.start_time
        length = onsets[month].dt.days_in_month.astype(float)
        moved[month] = start + pd.to_timedelta(length / 2.0, unit="D")
    if year.any():
        start = onsets[year].dt.to_period("Y").dt.start_time
        length = np.where(onsets[year].dt.is_leap_year, 366.0, 365.0)
        moved[year] = start + pd.to_timedelta(length / 2.0, unit="D")
    return moved


def resolve_imprecise_onsets(episodes: pd.DataFrame, *, how: str = "midpoint") -> ImpreciseOnsets:
    """Apply the month/year-precision choice to an episodes table.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes (``subject``, ``onset``, optional ``end`` and
        ``onset_precision``).  Without ``onset_precision`` every onset is
        taken as day-precise.
    how : {"midpoint", "exclude"}
        See the module docstring.

    Returns
    -------
    ImpreciseOnsets

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"subject": ["me", "me"],
    ...                    "onset": pd.to_datetime(["2013-10-01", "2015-03-04"]),
    ...                    "onset_precision": ["month", "day"]})
    >>> str(resolve_imprecise_onsets(ep).episodes.onset.iloc[0])
    '2013-10-16 12:00:00'
    """
    check_choice(how)
    out = episodes.copy()
    if "onset_precision" in out.columns:
        precision = out["onset_precision"].fillna("day").astype(str)
    else:
        precision = pd.Series("day", index=out.index)
    n_month = int(precision.eq("month").sum())
    n_year = int(precision.eq("year").sum())
    n_imprecise = n_month + n_year
    if n_imprecise == 0:
        return ImpreciseOnsets(out, how, 0, 0, "All onsets have day precision.")
    counts = f"{n_month} onset(s) known only to the month and {n_year} only to the year"
    if how == "exclude":
        out = out.loc[precision.eq("day")].copy()
        note = f"{counts} were left out (their periods still count as observed time)."
    else:
        imprecise = ~precision.eq("day")
        out["onset"] = _period_midpoint(out["onset"], precision)
        if "end" in out.columns:
            # A recorded end before the moved onset would give a negative duration;
            # treat the episode as over at its (moved) onset instead.
            bad_end = imprecise & out["end"].notna() & (out["end"] < out["onset"])
            out.loc[bad_end, "end"] = out.loc[bad_end, "onset"]
        note = f"{counts} were placed mid-month / mid-year."
    return ImpreciseOnsets(out, how, n_month, n_year, note)


def imprecise_onset_sensitivity(
    analysis: Callable, log, *, fields: tuple[str, ...] | None = None, **options
) -> pd.DataFrame:
    """Run ``analysis(log, imprecise_onsets=...)`` both ways and compare.

    Parameters
    ----------
    analysis : callable
        Any analysis of :mod:`spasm_analysis.personal` that accepts an
        ``imprecise_onsets`` keyword (e.g. ``sa.laplace_test``, ``sa.rate_ratio``).
    log : EpisodeLog
    fields : tuple of str, optional
        Result attributes to tabulate; by default the numeric fields the result
        has among ``statistic, p_value, rate_ratio, odds_ratio, level_change,
        ci_lower, ci_upper, beta, lam, shape, scale``.
    **options
        Passed on to ``analysis``.

    Returns
    -------
    DataFrame
        One row per choice (``imprecise_onsets``), one column per field.

    Examples
    --------
    >>> import spasm_analysis as sa                       # doctest: +SKIP
    >>> sa.imprecise_onset_sensitivity(sa.laplace_test, log)  # doctest: +SKIP
    """
    default_fields = (
        "statistic", "p_value", "rate_ratio", "odds_ratio", "level_change", "ci_lower", "ci_upper", "beta", "lam", "shape", "scale",
    )
    rows = []
    for how in IMPRECISE_CHOICES:
        result = analysis(log, imprecise_onsets=how, **options)
        names = fields or tuple(f for f in default_fields if hasattr(result, f))
        row = {"imprecise_onsets": how}
        row.update({name: getattr(result, name) for name in names})
        rows.append(row)
    return pd.DataFrame(rows)
