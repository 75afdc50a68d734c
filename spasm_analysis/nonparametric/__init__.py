"""Nonparametric recurrence analysis: mean cumulative function, the
pseudo-score test comparing two MCFs, gap times and episode durations."""

from spasm_analysis.nonparametric.gaps import EpisodeDurations, GapTimesResult, episode_durations, gap_times
from spasm_analysis.nonparametric.mcf import MCFResult, mcf
from spasm_analysis.nonparametric.mcf_test import mcf_test

__all__ = ["EpisodeDurations", "GapTimesResult", "MCFResult", "episode_durations", "gap_times", "mcf", "mcf_test"]
