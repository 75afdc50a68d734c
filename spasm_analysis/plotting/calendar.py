"""Calendar heatmap: one row per year, one column per day, episode days coloured."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import EPISODE, LOGGED, NOT_LOGGED, finish, log_subject, new_axes, severity_colours
from ..options import check_option

__all__ = ["plot_calendar", "episode_days"]

_LEAP = 2000  # columns follow a leap year so that each month starts in the same column every year


def _column(days: pd.DatetimeIndex) -> np.ndarray:
    """Column of each day in a leap-year calendar (Feb 29 = column 59, 0-based)."""
    return (pd.to_datetime({"year": _LEAP, "month": days.month, "day": days.day}).dt.dayofyear - 1).to_numpy()


def episode_days(episodes: pd.DataFrame) -> pd.DataFrame:
    """Calendar days touched by each day-precision episode.

    An episode covers every day from its onset day to the day holding its end
    instant, the end itself excluded (an end at midnight is over before that
    day starts).  An episode with an unknown end covers its onset day only.
    Onsets known only to the month or year have no day and are left out.

    Returns
    -------
    DataFrame
        ``day`` (midnight timestamps) and ``severity`` (the highest severity of
        the episodes covering that day; NaN when unrecorded), one row per day.
    """
    precision = episodes["onset_precision"].fillna("day") if "onset_precision" in episodes else None
    ep = episodes if precision is None else episodes[precision.eq("day")]
    first = ep["onset"].dt.floor("D")
    last = (ep["end"] - pd.Timedelta(1, "ns")).dt.floor("D")
    last = last.where(last.notna() & (last >= first), first)
    lengths = ((last - first) / pd.Timedelta(days=1)).astype(int).to_numpy() + 1
    starts = np.repeat(first.to_numpy(), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    severity = ep["severity"].to_numpy(dtype=float) if "severity" in ep else np.full(len(ep), np.nan)
    out = pd.DataFrame({"day": starts + offsets * np.timedelta64(1, "D"), "severity": np.repeat(severity, lengths)})
    return out.groupby("day", as_index=False)["severity"].max()


def plot_calendar(log, *, subject=None, color_by="severity", ax=None):
    """Years x days heatmap of the days spent in an episode.

    Rows are calendar years, columns the days of the year (aligned on a leap
    year so months line up); a cell is an episode day (coloured by severity,
    or a single colour), a logged day without an episode (pale), or a day
    outside every follow-up window (grey): a stretch that was not logged is
    not a stretch without episodes.

    Parameters
    ----------
    log : EpisodeLog
    subject : str, optional
        Which person; needed only when the log holds several.
    color_by : {"severity", None}
        Colour episode days by the highest severity that day, or all alike.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two images: the background (gid ``"calendar-logged"``: 0 not logged,
        1 logged) and the episode days (gid ``"calendar-episodes"``: NaN except
        on episode days).

    Examples
    --------
    >>> ax = sa.plot_calendar(log)  # doctest: +SKIP
    """
    import matplotlib as mpl

    check_option("color_by", color_by, ("severity", None))
    subject = log_subject(log, subject)
    ep = log.episodes
    ep = ep[ep["subject"] == subject]
    fu = log.follow_up
    fu = fu[fu["subject"] == subject]
    # the follow-up end is an instant: a window ending at midnight does not include that day
    last_day = (fu["end"] - pd.Timedelta(1, "ns")).dt.floor("D").where(fu["end"] > fu["start"], fu["start"])
    years = np.arange(fu["start"].min().year, last_day.max().year + 1)
    ax = new_axes(ax, (11, 0.8 + 0.28 * len(years)))

    logged = np.zeros((len(years), 366))
    for start, end in zip(fu["start"], last_day):
        days = pd.date_range(start.floor("D"), end, freq="D")
        logged[days.year - years[0], _column(days)] = 1
    # Feb 29 of a common year does not exist: draw it blank, not as "not logged"
    common = np.array([not pd.Timestamp(year=int(y), month=1, day=1).is_leap_year for y in years])
    background = np.where(common[:, None] & (np.arange(366) == 59)[None, :], np.nan, logged)

    days = episode_days(ep)
    days = days[(days["day"].dt.year >= years[0]) & (days["day"].dt.year <= years[-1])]
    index = pd.DatetimeIndex(days["day"])
    episodes = np.full((len(years), 366), np.nan)
    use_severity = color_by == "severity" and days["severity"].notna().any()
    values = days["severity"].to_numpy() if use_severity else np.ones(len(days))
    episodes[index.year - years[0], _column(index)] = np.where(np.isnan(values), -1, values)

    extent = (-0.5, 365.5, len(years) - 0.5, -0.5)
    back = ax.imshow(background, cmap=mpl.colors.ListedColormap([NOT_LOGGED, LOGGED]), vmin=0, vmax=1,
                     aspect="auto", interpolation="nearest", extent=extent)
    back.set_gid("calendar-logged")
    if use_severity:
        _, scale = severity_colours(pd.Series([0.0]))
        cmap = scale.cmap.with_extremes(under="#7f7f7f")
        image = ax.imshow(episodes, cmap=cmap, norm=scale.norm, aspect="auto", interpolation="nearest", extent=extent)
        bar = ax.figure.colorbar(image, ax=ax, pad=0.01, fraction=0.025, aspect=10, extend="neither")
        bar.set_label("severity (0-10)", fontsize=8.5)
        bar.ax.tick_params(labelsize=8)
    else:
        image = ax.imshow(episodes, cmap=mpl.colors.ListedColormap([EPISODE]), vmin=0, vmax=1, aspect="auto",
                          interpolation="nearest", extent=extent)
    image.set_gid("calendar-episodes")

    month_starts = pd.date_range(f"{_LEAP}-01-01", periods=12, freq="MS")
    ax.set_xticks(_column(month_starts) - 0.5, [m.strftime("%b") for m in month_starts], ha="left")
    ax.set_yticks(np.arange(len(years)), [str(y) for y in years])
    ax.tick_params(axis="both", length=0)
    for x in _column(month_starts)[1:] - 0.5:
        ax.axvline(x, color="white", linewidth=0.8)
    for yy in np.arange(len(years) - 1) + 0.5:
        ax.axhline(yy, color="white", linewidth=1.2)
    handles = [
        mpl.patches.Patch(color=EPISODE if not use_severity else "#e31a1c", label="episode day"),
        mpl.patches.Patch(color=LOGGED, label="logged, no episode"),
        mpl.patches.Patch(color=NOT_LOGGED, label="not logged"),
    ]
    if use_severity and (values < 0).any():
        handles.insert(1, mpl.patches.Patch(color="#7f7f7f", label="episode day, severity not recorded"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.3 / max(len(years), 1)),
              ncol=len(handles), frameon=False, fontsize=8.5)
    n_days = int(np.isfinite(episodes).sum())
    title = f"Calendar of episode days ({n_days} day{'s' if n_days != 1 else ''} in an episode)"
    vague = int((ep["onset_precision"].fillna("day") != "day").sum()) if "onset_precision" in ep else 0
    if vague:
        title += f"; {vague} onset{'s' if vague != 1 else ''} known only to the month or year not shown"
    finish(ax, title=title, grid_axis=None)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax
