"""Nonparametric recurrence analysis: mean cumulative function, the
pseudo-score test comparing two MCFs, gap times and episode durations."""

from spasm_analysis.nonparametric.mcf import MCFResult, mcf

__all__ = ["MCFResult", "mcf"]
