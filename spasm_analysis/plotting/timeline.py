"""One person's years on a date axis: episodes, treatments and exposures in lanes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import (
    EPISODE,
    EXPOSURE,
    NOT_LOGGED,
    finish,
    log_subject,
    new_axes,
    series_colour,
    severity_colours,
    to_num,
)
from ..options import check_option

__all__ = ["plot_timeline"]

COLOR_BY = ("severity", "region", None)
_SESSION_DAYS = 1.0  # a treatment no longer than a day is a session (a mark); longer is a course (a band)
_MAX_EXPOSURE_LANES = 6


def _period_end(onset: pd.Series, precision: pd.Series) -> pd.Series:
    """End of the month or year an imprecise onset is known to lie in."""
    out = onset.copy()
    month = precision.eq("month")
    year = precision.eq("year")
    out[month] = onset[month] + pd.offsets.MonthBegin(1)
    out[year] = onset[year] + pd.offsets.YearBegin(1)
    return out


def _not_logged(windows: pd.DataFrame, lo: float, hi: float) -> list[tuple[float, float]]:
    """Stretches inside [lo, hi] outside every follow-up window (date numbers)."""
    spans, cursor = [], lo
    for start, end in sorted(zip(to_num(windows["start"]), to_num(windows["end"]))):
        if start > cursor:
            spans.append((cursor, min(start, hi)))
        cursor = max(cursor, end)
    if cursor < hi:
        spans.append((cursor, hi))
    return [(s, e - s) for s, e in spans if e > s]


def _episode_colours(ep: pd.DataFrame, color_by):
    """Face colours of the episodes, legend entries and an optional colour scale."""
    import matplotlib as mpl

    if color_by == "severity" and "severity" in ep and ep["severity"].notna().any():
        colours, scale = severity_colours(ep["severity"])
        return colours, [], scale
    if color_by == "region" and "region" in ep and ep["region"].notna().any():
        regions = ep["region"].fillna("region not recorded").astype(str)
        names = sorted(regions.unique(), key=lambda r: (r == "region not recorded", r))
        lookup = {name: mpl.colors.to_rgba(series_colour(i)) for i, name in enumerate(names)}
        handles = [mpl.patches.Patch(color=lookup[n], label=n) for n in names]
        return np.array([lookup[r] for r in regions]), handles, None
    return np.tile(mpl.colors.to_rgba(EPISODE), (len(ep), 1)), [], None


def plot_timeline(
    log,
    *,
    subject=None,
    color_by="severity",
    start=None,
    end=None,
    show_treatments=True,
    show_exposures=True,
    ax=None,
):
    """Episodes, treatments and exposures of one person on a date axis.

    Each lane is a row: episodes on top as bars from onset to end (length =
    duration, colour = severity or body region), then one lane per treatment
    modality (sessions as marks, courses as bands), then one lane per exposure
    (ticks).  An onset known only to the month or year is drawn as a faded
    span over that whole month or year, as its day is unknown; an episode with
    an unknown end is a triangle at its onset.  Time outside every follow-up
    window is hatched: not logged is not the same as no episode.

    Parameters
    ----------
    log : EpisodeLog
    subject : str, optional
        Which person; needed only when the log holds several.
    color_by : {"severity", "region", None}
        What the episode colour shows; falls back to one colour when the
        column is empty.
    start, end : date-like, optional
        Zoom to this stretch of time (default: the whole follow-up).
    show_treatments, show_exposures : bool
        Draw the treatment and exposure lanes.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Artists carry a ``gid`` (``"episodes"``, ``"imprecise"``,
        ``"end-unknown"``, ``"course:<modality>"``, ``"session:<modality>"``,
        ``"exposure:<name>"``, ``"not-logged"``) so they can be found again.

    Examples
    --------
    >>> ax = sa.plot_timeline(log, color_by="region")  # doctest: +SKIP
    """
    import matplotlib as mpl
    import matplotlib.dates as mdates

    check_option("color_by", color_by, COLOR_BY)
    subject = log_subject(log, subject)
    ep = log.episodes
    ep = ep[ep["subject"] == subject].reset_index(drop=True)
    tr = log.treatments
    tr = tr[tr["subject"] == subject] if show_treatments else tr.iloc[:0]
    ex = log.exposures
    ex = ex[ex["subject"] == subject] if show_exposures else ex.iloc[:0]
    if "value" in ex:
        # a day recorded as "not exposed" (value 0 / False) is a record, but not an exposure to mark
        value = pd.to_numeric(ex["value"], errors="coerce")
        ex = ex[value.isna() | (value != 0)]
    fu = log.follow_up
    fu = fu[fu["subject"] == subject]

    ax = new_axes(ax, (11, 2.2 + 0.35 * (tr["modality"].nunique() + min(ex["exposure"].nunique(), _MAX_EXPOSURE_LANES))))
    modalities = sorted(tr["modality"].dropna().unique())
    exposure_names = list(ex["exposure"].astype(str).value_counts().index[:_MAX_EXPOSURE_LANES])
    lanes = ["Episodes"] + [str(m) for m in modalities] + [str(e) for e in exposure_names]
    y = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    handles = []

    precision = ep["onset_precision"].fillna("day") if "onset_precision" in ep else pd.Series("day", index=ep.index)
    colours, region_handles, scale = _episode_colours(ep, color_by)
    onset = to_num(ep["onset"])
    stop = to_num(ep["end"])
    exact = precision.eq("day").to_numpy()
    known_end = exact & ~np.isnan(stop)
    y0 = y["Episodes"] - 0.35
    if known_end.any():
        widths = np.maximum(stop[known_end] - onset[known_end], 0.0)
        bars = ax.broken_barh(list(zip(onset[known_end], widths)), (y0, 0.7), facecolors=colours[known_end],
                              edgecolors=colours[known_end], linewidth=0.8)
        bars.set_gid("episodes")
        handles.append(mpl.patches.Patch(color=EPISODE if scale is None and not region_handles else "#c0504d",
                                          label="episode (onset to end)"))
    open_end = exact & np.isnan(stop)
    if open_end.any():
        marks = ax.scatter(onset[open_end], np.full(open_end.sum(), y["Episodes"]), marker=">", s=28,
                           c=colours[open_end], edgecolors="#333333", linewidths=0.4, zorder=3)
        marks.set_gid("end-unknown")
        handles.append(mpl.lines.Line2D([], [], marker=">", linestyle="", color="#999999",
                                        markeredgecolor="#333333", label="end not recorded"))
    vague = ~exact
    if vague.any():
        period_end = to_num(_period_end(ep["onset"], precision))
        spans = ax.broken_barh(list(zip(onset[vague], period_end[vague] - onset[vague])), (y0 + 0.1, 0.5),
                               facecolors=EPISODE, alpha=0.22, edgecolors="none")
        spans.set_gid("imprecise")
        handles.append(mpl.patches.Patch(color=EPISODE, alpha=0.22, label="onset known to month/year only"))

    for i, modality in enumerate(modalities):
        rows = tr[tr["modality"] == modality]
        colour = series_colour(i)
        s, e = to_num(rows["start"]), to_num(rows["end"])
        course = (e - s) > _SESSION_DAYS
        if course.any():
            band = ax.broken_barh(list(zip(s[course], e[course] - s[course])), (y[str(modality)] - 0.28, 0.56),
                                  facecolors=colour, alpha=0.35, edgecolors=colour, linewidth=0.6)
            band.set_gid(f"course:{modality}")
        if (~course).any():
            marks = ax.scatter(s[~course], np.full((~course).sum(), y[str(modality)]), marker="|", s=90,
                               color=colour, linewidths=1.3)
            marks.set_gid(f"session:{modality}")
    if modalities:
        handles.append(mpl.patches.Patch(color="#888888", alpha=0.35, label="treatment course"))
        handles.append(mpl.lines.Line2D([], [], marker="|", linestyle="", color="#555555", markersize=9,
                                        label="treatment session"))

    for name in exposure_names:
        times = to_num(ex.loc[ex["exposure"].astype(str) == name, "time"])
        ticks = ax.scatter(times, np.full(len(times), y[name]), marker="|", s=45, color=EXPOSURE, linewidths=0.9)
        ticks.set_gid(f"exposure:{name}")
    if exposure_names:
        handles.append(mpl.lines.Line2D([], [], marker="|", linestyle="", color=EXPOSURE, markersize=7,
                                        label="exposure recorded"))

    first = min(fu["start"].min(), ep["onset"].min()) if len(ep) else fu["start"].min()
    last = fu["end"].max()
    lo = to_num([pd.Timestamp(start) if start is not None else first])[0]
    hi = to_num([pd.Timestamp(end) if end is not None else last])[0]
    pad = max((hi - lo) * 0.01, 2.0) if start is None and end is None else 0.0
    lo, hi = lo - pad, hi + pad
    gaps = _not_logged(fu, lo, hi)
    if gaps:
        shade = ax.broken_barh(gaps, (-0.5, len(lanes)), facecolors="none", edgecolors=NOT_LOGGED,
                               hatch="////", linewidth=0, zorder=0)
        shade.set_gid("not-logged")
        handles.append(mpl.patches.Patch(facecolor="white", edgecolor=NOT_LOGGED, hatch="////", label="not logged"))

    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_yticks([y[name] for name in lanes], lanes)
    for k in range(len(lanes) - 1):
        ax.axhline(k + 0.5, color="#e6e6e6", linewidth=0.6, zorder=0)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if scale is not None:
        bar = ax.figure.colorbar(scale, ax=ax, pad=0.01, fraction=0.025, aspect=12)
        bar.set_label("severity (0-10)", fontsize=8.5)
        bar.ax.tick_params(labelsize=8)
    ax.legend(handles=handles + region_handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=min(len(handles + region_handles), 4) or 1, frameon=False, fontsize=8.5)
    n_ep = len(ep)
    finish(ax, title=f"Timeline of {n_ep} episode{'s' if n_ep != 1 else ''}" + (f" ({subject})" if len(log.subjects) > 1 else ""))
    return ax
