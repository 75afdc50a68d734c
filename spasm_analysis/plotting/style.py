"""The look shared by every figure: colours, axes creation and finishing touches.

Kept in one place so the timeline, the calendar and the cohort figures use the
same colour for the same thing (episodes are always red, time that was not
logged is always hatched grey), which is what lets a reader move between them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "EPISODE",
    "NOT_LOGGED",
    "LOGGED",
    "EXPOSURE",
    "SERIES",
    "new_axes",
    "finish",
    "plain_text",
    "series_colour",
    "log_subject",
    "severity_colours",
    "to_num",
]

EPISODE = "#b2182b"
NOT_LOGGED = "#d0d0d0"
LOGGED = "#f3f1ec"
EXPOSURE = "#3f3f3f"
NEUTRAL = "#6b6b6b"
#: Colours for treatment modalities, groups and regions: distinguishable, none red.
SERIES = ("#2166ac", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#c51b7d", "#4d4d4d")
SEVERITY_CMAP = "YlOrRd"


def new_axes(ax, figsize):
    """The given Axes, or a fresh one on a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def finish(ax, *, title=None, xlabel=None, ylabel=None, grid_axis="x"):
    """Quiet spines, a light grid behind the data, left-aligned title."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")
    ax.tick_params(colors="#333333", labelsize=9)
    if grid_axis:
        ax.grid(axis=grid_axis, color="#e4e4e4", linewidth=0.6)
        ax.set_axisbelow(True)
    if title is not None:
        ax.set_title(title, loc="left", fontsize=11, fontweight="bold", color="#222222")
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=9.5, color="#333333")
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=9.5, color="#333333")
    plain_text(ax)
    return ax


def plain_text(ax) -> None:
    """Draw every text of the figure as written: a "$" in a treatment name is a dollar sign, not mathtext.

    Labels come from the user's data; ``"$x^2$ pill"`` would otherwise be
    typeset and ``"$\\frac{"`` would stop the figure from drawing at all.
    """
    from matplotlib.text import Text

    for artist in [*ax.figure.findobj(Text), *ax.get_xticklabels(), *ax.get_yticklabels()]:
        artist.set_parse_math(False)


def series_colour(i: int) -> str:
    return SERIES[i % len(SERIES)]


def log_subject(log, subject):
    """The subject to draw: the given one, or the only one in the log."""
    subjects = tuple(log.subjects)
    if subject is None:
        if len(subjects) != 1:
            shown = ", ".join(map(repr, subjects[:10])) + (" ..." if len(subjects) > 10 else "")
            raise ValueError(f"this log has {len(subjects)} subjects; choose one with subject= ({shown})")
        return subjects[0]
    subject = str(subject)
    if subject not in subjects:
        raise ValueError(f"subject {subject!r} is not in the log; subjects: {', '.join(map(repr, subjects[:10]))}")
    return subject


def severity_colours(severity: pd.Series):
    """RGBA per value on the 0-10 severity scale (grey where unknown), and the scale."""
    import matplotlib as mpl

    norm = mpl.colors.Normalize(vmin=0, vmax=10)
    cmap = _truncated(mpl.colormaps[SEVERITY_CMAP], 0.25, 1.0)
    values = pd.to_numeric(severity, errors="coerce").to_numpy(dtype=float)
    colours = cmap(norm(np.nan_to_num(values, nan=0.0)))
    colours[np.isnan(values)] = mpl.colors.to_rgba(NEUTRAL)
    return colours, mpl.cm.ScalarMappable(norm=norm, cmap=cmap)


def _truncated(cmap, low, high):
    """The colormap without its palest part, so a mild episode still shows on white."""
    import matplotlib as mpl

    return mpl.colors.LinearSegmentedColormap.from_list(
        f"{cmap.name}_trunc", cmap(np.linspace(low, high, 256))
    )


def to_num(times) -> np.ndarray:
    """Timestamps to matplotlib date numbers (days), NaT to NaN."""
    import matplotlib.dates as mdates

    stamps = pd.to_datetime(pd.Series(times))
    out = np.full(len(stamps), np.nan)
    known = stamps.notna().to_numpy()
    if known.any():
        out[known] = mdates.date2num(stamps[known].dt.tz_localize(None) if stamps.dt.tz is not None else stamps[known])
    return out
