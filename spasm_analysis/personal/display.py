"""How personal results show themselves in Jupyter: an HTML block and an interval plot."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

__all__ = ["result_html", "interval_plot"]


def result_html(title: str, table: pd.DataFrame, *sentences: str) -> str:
    """A titled table followed by the result's plain-language sentences."""
    body = table.to_html(index=False, float_format=lambda v: f"{v:.4g}")
    text = "".join(f"<p>{html.escape(s)}</p>" for s in sentences if s)
    return f"<div><strong>{html.escape(title)}</strong>{body}{text}</div>"


def interval_plot(ax, x, estimate, lower, upper, *, ylabel: str, labels=None, line: bool = False, floor: float | None = None):
    """Estimates with confidence intervals as error bars; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    est, lo, hi = (np.asarray(v, dtype=float) for v in (estimate, lower, upper))
    if floor is not None:
        est, lo = np.maximum(est, floor), np.maximum(lo, floor)
    ax.errorbar(x, est, yerr=[est - lo, hi - est], fmt="-" if line else "o", capsize=0 if line else 4)
    if labels is not None:
        ax.set_xticks(x, [str(v) for v in labels], rotation=45 if len(labels) > 6 else 0)
    ax.set_ylabel(ylabel)
    return ax
