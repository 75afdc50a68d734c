"""Mean cumulative function (Nelson-Aalen) of recurrent episodes, by group.

The MCF mu(t) is the expected number of episodes per subject up to time t.
Its Lawless-Nadeau (robust) variance is computed from per-event-time sums and
one pass over each subject's rows: the per-subject sums in the variance are
never formed time by time; see :mod:`spasm_analysis.nonparametric.mcf_core`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from spasm_analysis.nonparametric.mcf_core import (count_pass, event_times, lawless_nadeau,
                                                   locate_rows, mcf_increments, variance_pass)
from spasm_analysis.options import check_confidence_level, check_option
from spasm_analysis.nonparametric.risk_set import CountingRows, split_by_group
from spasm_analysis.partitioned import is_dask_frame

__all__ = ["MCFResult", "mcf"]

VARIANCES = ("lawless-nadeau", "poisson")
CI_TRANSFORMS = ("log", "linear")


def _group_table(rows: CountingRows, variance: str) -> pd.DataFrame:
    times = event_times(rows.stop, rows.event)
    lo, hi = locate_rows(times, rows.start, rows.stop)
    n_at_risk, n_events, mu = mcf_increments(*count_pass(lo, hi, rows.event, len(times)))
    if variance == "poisson":
        var = np.cumsum(n_events / n_at_risk**2)
    else:
        var = lawless_nadeau(n_at_risk, n_events,
                             *variance_pass(rows.subject, lo, hi, rows.event, n_at_risk, n_events))
    return pd.DataFrame(
        {
            "time": times,
            "n_at_risk": n_at_risk.astype(np.int64),
            "n_events": n_events.astype(np.int64),
            "mcf": mu,
            "std_error": np.sqrt(var),
        }
    )


def _add_ci(table: pd.DataFrame, level: float, transform: str) -> None:
    z = stats.norm.ppf(0.5 + level / 2.0)
    mu, se = table["mcf"].to_numpy(), table["std_error"].to_numpy()
    if transform == "linear":
        table["ci_lower"], table["ci_upper"] = mu - z * se, mu + z * se
    else:
        # every tabulated time has an event, so mu > 0 and the log CI is defined
        factor = np.exp(z * se / mu)
        table["ci_lower"], table["ci_upper"] = mu / factor, mu * factor


@dataclass(frozen=True, eq=False)
class MCFResult:
    """Nelson-Aalen mean cumulative function, optionally by group.

    Attributes
    ----------
    table : DataFrame
        One row per distinct event time (per group): ``time, n_at_risk,
        n_events, mcf, std_error, ci_lower, ci_upper`` and ``group`` when
        ``by`` was given.
    variance : str
        ``"lawless-nadeau"`` or ``"poisson"``.
    confidence_level : float
    ci_transform : str
        ``"log"`` or ``"linear"``.
    by : str or None
        The grouping column.
    groups : tuple
        Group values in table order (``(None,)`` without ``by``).
    n_subjects : dict
        Number of subjects per group.
    follow_up_end : dict
        Largest ``stop`` per group: the estimate is not informative beyond it.
    notes : tuple of str
        Conventions worth knowing when reading the numbers.
    """

    table: pd.DataFrame
    variance: str
    confidence_level: float
    ci_transform: str
    by: str | None = None
    groups: tuple = (None,)
    n_subjects: dict = field(default_factory=dict)
    follow_up_end: dict = field(default_factory=dict)
    notes: tuple = ()

    def _group_rows(self, group) -> pd.DataFrame:
        if self.by is None:
            if group is not None:
                raise ValueError("this MCF has no groups; call evaluate(t) without group=")
            return self.table
        if group is None or group not in self.groups:
            raise ValueError(
                f"group={group!r}: choose one of the groups {', '.join(map(repr, self.groups))}"
            )
        return self.table[self.table["group"] == group]

    def evaluate(self, t, *, group=None, column: str = "mcf"):
        """The right-continuous step function at time(s) ``t``.

        Parameters
        ----------
        t : float or array-like
            Times in the data's time unit (days).
        group : optional
            Which group's curve; required when the result has groups.
        column : str
            ``"mcf"`` (default), ``"std_error"``, ``"ci_lower"`` or ``"ci_upper"``.

        Returns
        -------
        float or ndarray
            A float for scalar ``t``.  Before the first event the MCF, its
            standard error and both CI limits are 0 (nobody has had an episode
            yet; the log CI, undefined at 0, is reported as [0, 0]).  After the
            last event the value stays constant, which is only meaningful up to
            ``follow_up_end``.
        """
        allowed = ("mcf", "std_error", "ci_lower", "ci_upper")
        check_option("column", column, allowed)
        rows = self._group_rows(group)
        times = rows["time"].to_numpy()
        values = np.concatenate([[0.0], rows[column].to_numpy()])
        t_arr = np.asarray(t, dtype=float)
        out = values[np.searchsorted(times, t_arr, side="right")]
        return float(out) if out.ndim == 0 else out

    @property
    def summary(self) -> pd.DataFrame:
        """Per group: subjects, events, and the MCF with its CI at the last event."""
        rows = []
        for group in self.groups:
            part = self._group_rows(group)
            last = part.iloc[-1] if len(part) else None
            rows.append(
                {
                    "group": group,
                    "n_subjects": self.n_subjects.get(group),
                    "n_events": int(part["n_events"].sum()),
                    "last_event_time": last["time"] if last is not None else 0.0,
                    "follow_up_end": self.follow_up_end.get(group),
                    "mcf": last["mcf"] if last is not None else 0.0,
                    "ci_lower": last["ci_lower"] if last is not None else 0.0,
                    "ci_upper": last["ci_upper"] if last is not None else 0.0,
                }
            )
        out = pd.DataFrame(rows)
        return out if self.by is not None else out.drop(columns="group")

    def plot(self, ax=None, *, ci: bool = True):
        """Step plot of the MCF per group with confidence bands; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        for group in self.groups:
            part = self._group_rows(group)
            end = self.follow_up_end.get(group, part["time"].max() if len(part) else 0.0)
            times = np.concatenate([[0.0], part["time"].to_numpy(), [end]])

            def padded(col):
                values = part[col].to_numpy()
                last = values[-1] if len(values) else 0.0
                return np.concatenate([[0.0], values, [last]])

            label = "all subjects" if self.by is None else f"{self.by} = {group}"
            (line,) = ax.step(times, padded("mcf"), where="post", label=label)
            if ci:
                ax.fill_between(
                    times, padded("ci_lower"), padded("ci_upper"), step="post",
                    alpha=0.2, color=line.get_color(), linewidth=0,
                )
        ax.set_xlabel("Time (days)")
        ax.set_ylabel("Mean cumulative number of episodes")
        title = f"MCF with {self.confidence_level:.0%} CI ({self.variance} variance, {self.ci_transform})"
        ax.set_title(title if ci else "MCF")
        ax.legend(loc="upper left")
        return ax

    def _repr_html_(self) -> str:
        head = (
            f"<strong>Mean cumulative function</strong> (Nelson-Aalen; {html.escape(self.variance)} "
            f"variance; {self.confidence_level:.0%} {html.escape(self.ci_transform)} CI)"
        )
        summary = self.summary.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        table = self.table.to_html(index=False, max_rows=12, float_format=lambda v: f"{v:.4g}")
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return f"<div>{head}{summary}{table}{notes}</div>"


def mcf(data, *, by=None, variance="lawless-nadeau", confidence_level=0.95, ci_transform="log") -> MCFResult:
    """Nelson-Aalen mean cumulative function of recurrent episodes.

    mu(t) = sum_{t_j <= t} dN(t_j) / Y(t_j), where Y(t) counts subjects with an
    interval ``(start, stop]`` containing t.  A subject with several rows (gaps
    in the risk set, e.g. during an episode and a risk-free window) counts
    once while at risk and not at all in its gaps.

    Parameters
    ----------
    data : CountingProcess, DataFrame or EpisodeLog
        A :class:`~spasm_analysis.CountingProcess`, a DataFrame of rows
        ``subject, start, stop, event`` (one subject's intervals must not
        overlap), or an ``EpisodeLog``, converted with ``to_counting_process``
        and its defaults.
    by : str, optional
        Column with the group of each subject (constant within subject).
    variance : {"lawless-nadeau", "poisson"}
        ``"lawless-nadeau"`` (default): the robust variance
        sum_i [sum_{t_j <= t} Y_i(t_j)/Y(t_j) (dN_i(t_j) - dN(t_j)/Y(t_j))]^2,
        valid whatever the dependence between a subject's episodes.
        ``"poisson"``: sum dN/Y^2, valid for a Poisson process without
        between-subject heterogeneity.
    confidence_level : float
        Level of the pointwise confidence intervals (default 0.95).
    ci_transform : {"log", "linear"}
        ``"log"``: mu exp(+/- z se/mu), which stays positive; ``"linear"``:
        mu +/- z se (reda's default; the lower limit may be negative and is not
        truncated).

    Returns
    -------
    MCFResult

    Notes
    -----
    The estimates equal R ``survival``'s
    ``survfit(Surv(start, stop, event) ~ g, id = id)``: ``mcf`` is its
    ``cumhaz`` (Nelson-Aalen, ``ctype = 1``) and, with ``variance =
    "lawless-nadeau"``, ``std_error`` is its ``std.chaz``.  With ``id`` given
    survfit computes the infinitesimal-jackknife variance, whose influence
    terms for the Nelson-Aalen estimator are exactly the Lawless-Nadeau sums
    above, with no small-sample factor; without ``id`` survfit reports the
    Poisson-type (Aalen) standard error instead, which is ``variance =
    "poisson"`` here.  The table lists event times only; survfit also lists
    censoring times, where the estimate does not change.  Near-tied times are
    merged as survfit's default ``timefix = TRUE`` does, and zero-length rows
    are handled, by :class:`~spasm_analysis.CountingProcess`: two onsets of one
    subject at the same instant count dN = 2 (as ``reda::mcf`` does), other
    zero-length rows are dropped with a warning.  Verified to 1e-8 relative on
    ``bladder2``, ``bladder1`` and on ``rhDNase`` with a 6-day risk-free window
    (tests/reference/make_mcf_reference.R), and on ``reda::valveSeats``, whose
    same-day replacements count dN = 2 (reda's formula evaluated in R,
    tests/reference/make_valve_seats_reference.R).

    The log CI is undefined where mu = 0; that happens only before the first
    event, where :meth:`MCFResult.evaluate` reports the interval [0, 0].

    References
    ----------
    Nelson, W. (1995). *Recurrent Events Data Analysis for Product Repairs,
    Disease Recurrences, and Other Applications*. SIAM.
    Lawless, J. F. and Nadeau, C. (1995). Some simple robust methods for the
    analysis of recurrent events. *Technometrics* 37(2), 158-168.

    Examples
    --------
    >>> import pandas as pd
    >>> import spasm_analysis as sa
    >>> rows = pd.DataFrame({"subject": ["a", "a", "b"], "start": [0.0, 12.0, 0.0],
    ...                      "stop": [10.0, 40.0, 30.0], "event": [1, 0, 1]})
    >>> res = sa.mcf(rows)
    >>> res.table[["time", "n_at_risk", "mcf"]]
       time  n_at_risk  mcf
    0  10.0          2  0.5
    1  30.0          2  1.0
    >>> res.evaluate(20.0)
    0.5
    """
    check_option("variance", variance, VARIANCES)
    check_option("ci_transform", ci_transform, CI_TRANSFORMS)
    level = check_confidence_level(confidence_level)
    if is_dask_frame(data):
        from spasm_analysis.partitioned.mcf import partitioned_mcf_tables

        tables, n_subjects, follow_up_end = partitioned_mcf_tables(data, by=by, variance=variance)
    else:
        groups = split_by_group(data, by)
        tables = {g: _group_table(rows, variance) for g, rows in groups.items()}
        n_subjects = {g: rows.n_subjects for g, rows in groups.items()}
        follow_up_end = {g: float(rows.stop.max()) for g, rows in groups.items()}
    parts = []
    for group, part in tables.items():
        if by is not None:
            part.insert(0, "group", group)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table = table.astype({"n_at_risk": np.int64, "n_events": np.int64})
    _add_ci(table, level, ci_transform)
    notes = []
    if any(len(p) == 0 for p in parts):
        notes.append("A group without events has an MCF of 0 throughout and no table rows.")
    return MCFResult(
        table=table,
        variance=variance,
        confidence_level=level,
        ci_transform=ci_transform,
        by=by,
        groups=tuple(tables),
        n_subjects=n_subjects,
        follow_up_end=follow_up_end,
        notes=tuple(notes),
    )
