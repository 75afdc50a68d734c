"""Cox models for recurrent events: Andersen-Gill, PWP, WLW and shared gamma frailty.

One vectorised engine (``engine``) fits the Cox partial likelihood on
(start, stop] rows with Efron or Breslow ties, strata, case weights and
time-varying covariates; ``robust`` adds the cluster-robust sandwich variance
and ``frailty`` the shared gamma frailty. ``models`` holds the public
functions, ``layouts`` the PWP gap-time and WLW marginal data layouts.
"""

from .models import andersen_gill, cox, pwp, wlw
from .result import CoxResult

__all__ = ["cox", "andersen_gill", "pwp", "wlw", "CoxResult"]
