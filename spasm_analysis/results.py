"""Result types shared by several estimators.

Every public estimator returns an immutable result object (in the manner of
``scipy.stats``): the numbers as fields, a ``summary`` DataFrame, an HTML
representation for Jupyter and, where a picture helps, ``plot(ax=None)``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TestResult", "format_p_value"]


def format_p_value(p: float) -> str:
    """Format a p-value for people: ``"p < 0.001"`` or ``"p = 0.042"``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


@dataclass(frozen=True)
class TestResult:
    """Outcome of a hypothesis test.

    Attributes
    ----------
    statistic : float
        The test statistic as the method defines it (e.g. the Laplace U, or the
        pseudo-score U of Cook, Lawless & Nadeau).
    p_value : float
        Two-sided p-value unless ``alternative`` says otherwise.
    method : str
        Name of the test, with the variant used.
    df : float or None
        Degrees of freedom of the reference chi-square distribution, where one applies.
    variance : float or None
        Variance of ``statistic`` under the null hypothesis, where one applies.
    chisq : float or None
        Chi-square form of the test, where one applies.
    alternative : str
        ``"two-sided"``, ``"increasing"`` or ``"decreasing"`` etc.
    interpretation : str
        One plain-language sentence describing the association (never advice).
    details : dict
        Further method-specific numbers (e.g. the number of events used).
    """

    __test__ = False  # not a pytest test class despite the name

    statistic: float
    p_value: float
    method: str
    df: float | None = None
    variance: float | None = None
    chisq: float | None = None
    alternative: str = "two-sided"
    interpretation: str = ""
    details: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """One-row table of the test's numbers."""
        row = {"method": self.method, "statistic": self.statistic}
        for name in ("variance", "chisq", "df"):
            value = getattr(self, name)
            if value is not None:
                row[name] = value
        row["p_value"] = self.p_value
        row["alternative"] = self.alternative
        return pd.DataFrame([row])

    def __str__(self) -> str:
        parts = [f"{self.method}: statistic = {self.statistic:.4g}"]
        if self.chisq is not None:
            df = f", df = {self.df:g}" if self.df is not None else ""
            parts.append(f"chisq = {self.chisq:.4g}{df}")
        parts.append(format_p_value(self.p_value))
        text = ", ".join(parts)
        if self.interpretation:
            text += "\n" + self.interpretation
        return text

    def _repr_html_(self) -> str:
        table = self.summary.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        note = f"<p>{html.escape(self.interpretation)}</p>" if self.interpretation else ""
        return f"<div><strong>{html.escape(self.method)}</strong>{table}{note}</div>"
