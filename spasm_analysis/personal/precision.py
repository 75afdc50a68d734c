"""The imprecise-onset choice of the analyses, and how far an answer moves across choices.

Onsets known only to a stretch of days ("summer 2004", "October 2013") are
placed by the one rule of :mod:`.placement` (:func:`place_onsets`: inside
their stretch, never after an end written apart from them, the episode moving
with its onset when only its length is known).  Every analysis of one person
takes ``imprecise_onsets=``:

``"midpoint"``, ``"earliest"``, ``"latest"`` (and ``"random"`` with ``seed=``)
    place them (see :mod:`.placement`);
``"exclude"``
    leave the episode out (its interval still counts as observed time, which
    biases rates down a little).

:func:`resolve_imprecise_onsets` applies a choice and says what was done;
:func:`imprecise_onset_sensitivity` runs an analysis under several choices
and tabulates the headline numbers side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ..options import check_option
from .placement import end_moves_with_onset, onset_interval, place_onsets

__all__ = [
    "IMPRECISE_CHOICES",
    "ANALYSIS_CHOICES",
    "ImpreciseOnsets",
    "onset_interval",
    "place_onsets",
    "resolve_imprecise_onsets",
    "imprecise_onset_sensitivity",
]

#: The two handlings every analysis reports side by side.
IMPRECISE_CHOICES = ("midpoint", "exclude")
#: Allowed values of every ``imprecise_onsets=`` option in :mod:`spasm_analysis.personal`.
ANALYSIS_CHOICES = ("midpoint", "exclude", "earliest", "latest")
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class ImpreciseOnsets:
    """Episodes after the imprecise-onset choice, and a sentence saying what was done.

    Attributes
    ----------
    episodes : DataFrame
        The log's episodes with imprecise onsets placed or removed.
    how : str
        One of :data:`ANALYSIS_CHOICES` or "random".
    n_month, n_year : int
        How many imprecise onsets span at most about a month / more than that.
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
    check_option("imprecise_onsets", how, ANALYSIS_CHOICES)
    return how


def resolve_imprecise_onsets(episodes: pd.DataFrame, *, how: str = "midpoint", seed: int | None = None) -> ImpreciseOnsets:
    """Apply an imprecise-onset choice to an episodes table.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes.  Without ``onset_latest`` or ``onset_precision``
        every onset is taken as day-precise.
    how : {"midpoint", "exclude", "earliest", "latest", "random"}
        See the module docstring (analyses take all but "random", which
        needs ``seed`` to be reproducible).
    seed : int, optional
        For ``"random"``.

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
    if how != "random":
        check_choice(how)
    out = episodes.copy()
    earliest, latest = onset_interval(out)
    imprecise = latest > earliest
    span_days = (latest - earliest) / _DAY
    n_month = int((imprecise & (span_days < 32)).sum())
    n_year = int((imprecise & (span_days >= 32)).sum())
    if n_month + n_year == 0:
        return ImpreciseOnsets(out, how, 0, 0, "All onsets have day precision.")
    counts = (
        f"{n_month + n_year} onset(s) known only to a stretch of days "
        f"({n_month} of up to a month, {n_year} longer, such as a season or a year)"
    )
    if how == "exclude":
        out = out.loc[~imprecise].copy()
        note = f"{counts} were left out (their stretches still count as observed time)."
    else:
        out = place_onsets(out, how, seed=seed)
        where = {"midpoint": "in the middle of (mid-month, mid-season, mid-year)", "earliest": "on the first day of", "latest": "on the last day of",
                 "random": "at a random day inside"}[how]
        note = f"{counts} were placed {where} their stretch."
        if "end" in episodes.columns:
            bounded = imprecise & episodes["end"].notna() & ~end_moves_with_onset(episodes) & (episodes["end"] < latest + _DAY)
            if bounded.any():
                note += f" {int(bounded.sum())} of them have an end written as a date, which bounds them: none is placed after its end."
    return ImpreciseOnsets(out, how, n_month, n_year, note)


def imprecise_onset_sensitivity(
    analysis: Callable, log, *, fields: tuple[str, ...] | None = None,
    choices: tuple[str, ...] = ("midpoint", "exclude"), **options
) -> pd.DataFrame:
    """Run ``analysis(log, imprecise_onsets=...)`` under several placements and compare.

    Parameters
    ----------
    analysis : callable
        Any analysis of :mod:`spasm_analysis.personal` that accepts an
        ``imprecise_onsets`` keyword (e.g. ``sa.laplace_test``, ``sa.rate_ratio``).
    log : EpisodeLog
    choices : tuple of str
        The placements to run (any of :data:`ANALYSIS_CHOICES`).
    fields : tuple of str, optional
        Result attributes to tabulate; by default the numeric fields the result
        has among ``statistic, p_value, rate_ratio, odds_ratio, level_change,
        ci_lower, ci_upper, beta, lam, shape, scale``.
    **options
        Passed on to ``analysis``.

    Returns
    -------
    DataFrame
        One row per choice (``imprecise_onsets``), one column per field; a
        ``note`` column says why a placement was impossible (episodes that
        would overlap), its fields then NaN.

    Examples
    --------
    >>> import spasm_analysis as sa                       # doctest: +SKIP
    >>> sa.imprecise_onset_sensitivity(sa.laplace_test, log)  # doctest: +SKIP
    """
    default_fields = (
        "statistic", "p_value", "rate_ratio", "odds_ratio", "level_change", "ci_lower", "ci_upper", "beta", "lam", "shape", "scale",
    )
    rows = []
    for how in choices:
        try:
            result = analysis(log, imprecise_onsets=how, **options)
        except ValueError as error:
            if how == choices[0]:
                raise
            # A placement can make two episodes collide (e.g. a year-only onset put on Dec 31
            # where a dated one began): that placement is impossible, not an error of the log.
            rows.append({"imprecise_onsets": how, "note": f"not possible: {str(error).splitlines()[0]}"})
            continue
        names = fields or tuple(f for f in default_fields if hasattr(result, f))
        row = {"imprecise_onsets": how}
        row.update({name: getattr(result, name) for name in names})
        rows.append(row)
    return pd.DataFrame(rows)
