"""Nonparametric recurrence analysis: mean cumulative function, the
pseudo-score test comparing two MCFs, gap times and episode durations."""

from spasm_analysis.nonparametric.mcf import MCFResult, mcf

__all__ = ["MCFResult", "mcf"]
from spasm_analysis.nonparametric.mcf_test import mcf_test

__all__ += ["mcf_test"]
