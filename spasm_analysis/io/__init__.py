"""Readers that turn what people keep (spreadsheets, exports, calendars) into canonical tables."""

from .folder import read_log
from .ics import CancelledEventsWarning, read_ics
from .tables import (
    UnknownModalityWarning,
    read_covariates,
    read_episodes,
    read_exposures,
    read_follow_up,
    read_treatments,
)

__all__ = [
    "CancelledEventsWarning",
    "read_ics",
    "UnknownModalityWarning",
    "read_covariates",
    "read_episodes",
    "read_exposures",
    "read_follow_up",
    "read_log",
    "read_treatments",
]
