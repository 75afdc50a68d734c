"""Figures for episode logs and their analyses.

Every function takes the data (a log, a counting-process frame or a result)
positionally, options keyword-only, draws on ``ax`` (a new figure when None)
and returns the Axes.  matplotlib is imported only when this subpackage is.
"""

from .calendar import episode_days, plot_calendar
from .cohort import plot_events, plot_gap_times, plot_mcf
from .forest import forest_table, plot_forest
from .rates import plot_cumulative_episodes, plot_monthly_rate
from .timeline import plot_timeline

__all__ = [
    "episode_days",
    "forest_table",
    "plot_calendar",
    "plot_cumulative_episodes",
    "plot_events",
    "plot_forest",
    "plot_gap_times",
    "plot_mcf",
    "plot_monthly_rate",
    "plot_timeline",
]
