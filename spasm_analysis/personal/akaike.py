"""Akaike weights: how far the data support one model against another.

Used wherever the personal analyses average two readings of a log instead of
choosing one: the steady trend against stretches of constant rate
(:attr:`~spasm_analysis.personal.trend_summary.TrendSummary.trend_weight`) and
an annual cycle against none in the forecast's hazard (:mod:`.gap_hazard`).

References
----------
Burnham, K. P. & Anderson, D. R. (2002). Model Selection and Multimodel Inference, 2nd ed.,
    Springer, section 2.9 (Akaike weights).
"""

from __future__ import annotations

import numpy as np

__all__ = ["akaike_weight"]


def akaike_weight(aic: float, other_aic: float) -> float:
    """Akaike weight of a model with criterion ``aic`` against one other model with ``other_aic``.

    ``exp(-aic / 2) / (exp(-aic / 2) + exp(-other_aic / 2)) = 1 / (1 + exp((aic - other_aic) / 2))``,
    computed without overflow for any difference.

    Examples
    --------
    Two more parameters that add nothing to the fit (AIC higher by 4) keep about 12% of the weight:

    >>> round(akaike_weight(104.0, 100.0), 4)
    0.1192
    >>> akaike_weight(0.0, 5000.0), akaike_weight(5000.0, 0.0) < 1e-300
    (1.0, True)
    """
    return float(1.0 / (1.0 + np.exp(np.clip((aic - other_aic) / 2.0, -700.0, 700.0))))
