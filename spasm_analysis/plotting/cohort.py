"""Cohort figures: the event plot, the MCF by group and gap-time survival by episode order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import EPISODE, NEUTRAL, finish, new_axes, series_colour

__all__ = ["plot_events", "plot_mcf", "plot_gap_times"]

_MAX_CENSOR_MARKS = 80


def _event_rows(data, by):
    """Per subject: observed segments (days), onset days and the group."""
    if isinstance(data, pd.DataFrame):
        missing = [c for c in ("subject", "start", "stop", "event") if c not in data.columns]
        if missing:
            raise ValueError(f"a counting-process frame needs columns subject, start, stop, event; missing {missing}")
        if by is not None and by not in data.columns:
            raise ValueError(f"by={by!r} is not a column; columns: {', '.join(map(str, data.columns))}")
        subject = data["subject"].to_numpy()
        segments = pd.DataFrame({"subject": subject, "start": data["start"].to_numpy(float),
                                 "stop": data["stop"].to_numpy(float)})
        event = data["event"].to_numpy() == 1
        onsets = pd.DataFrame({"subject": subject[event], "day": segments["stop"].to_numpy()[event]})
        groups = pd.Series(data[by].to_numpy(), index=subject).groupby(level=0).first() if by is not None else None
        return segments, onsets, groups
    fu = data.follow_up
    origin = fu.groupby("subject")["start"].min()
    day = pd.Timedelta(days=1)
    segments = pd.DataFrame({
        "subject": fu["subject"],
        "start": (fu["start"] - fu["subject"].map(origin)) / day,
        "stop": (fu["end"] - fu["subject"].map(origin)) / day,
    })
    ep = data.episodes
    onsets = pd.DataFrame({"subject": ep["subject"], "day": (ep["onset"] - ep["subject"].map(origin)) / day})
    groups = None
    if by is not None:
        cov = data.covariates
        if by not in cov.columns:
            raise ValueError(f"by={by!r} is not a covariate of the log; covariates: {', '.join(c for c in cov.columns if c != 'subject') or 'none'}")
        groups = cov.set_index("subject")[by]
    return segments, onsets, groups


def plot_events(data, *, by=None, max_subjects=200, ax=None):
    """Cohort event plot: one line per subject over its follow-up, episodes as marks.

    Subjects are sorted by length of follow-up (longest at the bottom), so
    the plot shows at a glance how long people were observed and where the
    episodes cluster.  Breaks in a line are time not observed (a gap between
    follow-up windows, or, for a counting-process frame, time in an episode
    or a risk-free window).

    Parameters
    ----------
    data : EpisodeLog or DataFrame
        A log (lines = follow-up windows, marks = onsets) or a counting-process
        frame ``subject, start, stop, event`` (lines = at-risk intervals, marks
        at the ``stop`` of event rows).  Times are days since each subject's
        start.
    by : str, optional
        Covariate (column) whose value colours each subject's line and marks.
    max_subjects : int
        Draw at most this many subjects, evenly spaced in the sorted order, and
        say so in the title.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        A ``LineCollection`` per group (gid ``"follow-up"``) and the onset marks
        (gid ``"onsets"``).

    Examples
    --------
    >>> ax = sa.plot_events(cohort_log, by="arm")  # doctest: +SKIP
    """
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    if int(max_subjects) != max_subjects or max_subjects < 1:
        raise ValueError(f"max_subjects must be a positive whole number, got {max_subjects!r}")
    segments, onsets, groups = _event_rows(data, by)
    length = segments.groupby("subject")["stop"].max().sort_values(ascending=False, kind="stable")
    n_total = len(length)
    shown = length.index
    if n_total > max_subjects:
        shown = length.index[np.unique(np.linspace(0, n_total - 1, int(max_subjects)).round().astype(int))]
    row = pd.Series(np.arange(len(shown)), index=shown)
    ax = new_axes(ax, (9, 1.5 + min(len(shown), 60) * 0.09))

    seg = segments[segments["subject"].isin(shown)]
    ons = onsets[onsets["subject"].isin(shown)]
    group_of = (groups.reindex(shown) if groups is not None else pd.Series("all", index=shown)).astype(str)
    names = sorted(group_of.unique())
    colour = {name: series_colour(i) if groups is not None else NEUTRAL for i, name in enumerate(names)}
    handles = []
    for name in names:
        members = group_of.index[group_of == name]
        part = seg[seg["subject"].isin(members)]
        y = part["subject"].map(row).to_numpy(float)
        lines = LineCollection(
            np.stack([np.column_stack([part["start"], y]), np.column_stack([part["stop"], y])], axis=1),
            colors=colour[name], linewidths=1.0 if len(shown) <= 80 else 0.6, alpha=0.75 if len(shown) <= 80 else 0.45,
        )
        lines.set_gid("follow-up")
        ax.add_collection(lines)
        if groups is not None:
            handles.append(mpl.lines.Line2D([], [], color=colour[name], label=f"{by} = {name}"))
    marks = ax.scatter(ons["day"], ons["subject"].map(row), s=14 if len(shown) <= 80 else 5, marker="o",
                       color=EPISODE, edgecolors="white", linewidths=0.3, zorder=3)
    marks.set_gid("onsets")
    handles.append(mpl.lines.Line2D([], [], marker="o", linestyle="", color=EPISODE, label="episode onset"))

    ax.set_xlim(0, max(float(segments["stop"].max()), 1.0) * 1.02)
    ax.set_ylim(-1, len(shown))
    ax.set_yticks([])
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles), frameon=False,
              fontsize=8.5, borderaxespad=3.2)
    title = f"Episodes of {n_total} subjects" if len(shown) == n_total else (
        f"Episodes of {len(shown)} of {n_total} subjects (evenly spaced by follow-up)")
    finish(ax, title=title, xlabel="Days since start of follow-up", ylabel="Subjects, by length of follow-up")
    return ax


def plot_mcf(data, *, by=None, ci=True, ax=None, **options):
    """Mean cumulative number of episodes over time, by group, with confidence bands.

    Parameters
    ----------
    data : MCFResult, EpisodeLog or counting-process DataFrame
        A fitted result, or data passed to :func:`spasm_analysis.mcf` with
        ``by`` and ``options``.
    by : str, optional
        Group column (only when ``data`` is not already an ``MCFResult``).
    ci : bool
        Draw the pointwise confidence bands.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One step line per group (labelled ``"<by> = <group>"``) and, with
        ``ci``, one band per group.

    Examples
    --------
    >>> ax = sa.plot_mcf(cohort_log, by="arm")  # doctest: +SKIP
    """
    from spasm_analysis.nonparametric import MCFResult, mcf

    result = data if isinstance(data, MCFResult) else mcf(data, by=by, **options)
    if isinstance(data, MCFResult) and (by is not None or options):
        raise ValueError("by= and estimator options apply when fitting; this MCFResult is already fitted")
    ax = new_axes(ax, (7, 4.2))
    result.plot(ax=ax, ci=ci)
    ax.set_title("")
    for i, line in enumerate(ax.get_lines()):
        line.set_color(series_colour(i))
        line.set_linewidth(1.6)
    for i, band in enumerate(c for c in ax.collections if c.get_gid() != "ignore"):
        band.set_facecolor(series_colour(i))
        band.set_alpha(0.16)
    level = f"{result.confidence_level:.0%}"
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    title = "Mean cumulative number of episodes"
    finish(ax, title=title + (f" with {level} pointwise CI" if ci else ""), xlabel="Days since start of follow-up",
           ylabel="Episodes per subject (MCF)", grid_axis="both")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    return ax


def plot_gap_times(data, *, max_order=3, ci=True, ax=None, **options):
    """Kaplan-Meier curves of the time between episodes, one per episode order.

    The gap before the k-th episode runs from re-entry to the risk set until
    the k-th onset.  If later curves fall faster, episodes come sooner after
    each other as they accumulate (or people with many episodes dominate the
    later orders; this is not a within-person effect by itself).

    Parameters
    ----------
    data : GapTimesResult, EpisodeLog or counting-process DataFrame
        A fitted result, or data passed to :func:`spasm_analysis.gap_times`
        with ``max_order`` and ``options``.
    max_order : int
        Orders at and above this are pooled (when fitting here).
    ci : bool
        Draw the pointwise confidence bands.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = sa.plot_gap_times(log, max_order=3)  # doctest: +SKIP
    """
    from spasm_analysis.nonparametric import GapTimesResult, gap_times

    result = data if isinstance(data, GapTimesResult) else gap_times(data, max_order=max_order, **options)
    ax = new_axes(ax, (7, 4.2))
    for i, (order, fitter) in enumerate(result.km.items()):
        sf = fitter.survival_function_.iloc[:, 0]
        colour = series_colour(i)
        ax.step(sf.index, sf.to_numpy(), where="post", color=colour, linewidth=1.6,
                label=f"before episode {order} (n = {len(fitter.durations)})")
        if ci:
            band = fitter.confidence_interval_survival_function_
            ax.fill_between(band.index, band.iloc[:, 0], band.iloc[:, 1], step="post", color=colour, alpha=0.13,
                            linewidth=0)
        censored = fitter.durations[fitter.event_observed == 0]
        if 0 < len(censored) <= _MAX_CENSOR_MARKS:  # beyond that the ticks become a smear
            at = np.searchsorted(sf.index.to_numpy(), np.asarray(censored), side="right") - 1
            ax.plot(censored, sf.to_numpy()[np.maximum(at, 0)], "|", color=colour, markersize=6)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.legend(loc="upper right", frameon=False, fontsize=9)
    finish(ax, title="Time between episodes, by episode order (Kaplan-Meier)",
           xlabel="Days at risk since the previous episode ended (or since the start)",
           ylabel="Proportion still without an episode", grid_axis="both")
    return ax
