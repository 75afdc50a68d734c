"""Analyses for one person's log: trend, treatment effects, triggers, forecast, summary.

Every result carries an estimate, its uncertainty and a one-sentence plain-language
``interpretation`` that describes an association, never advice.
"""

from .before_after import BeforeAfterResult, before_after
from .change_points import ChangePointResult, change_points
from .case_crossover import CaseCrossoverResult, ExposureNotInformativeError, case_crossover
from .clinician import ClinicianSummary, clinician_summary
from .durations import DurationTrendResult, duration_trend
from .forecast import ForecastResult, forecast_next_episode
from .precision import IMPRECISE_CHOICES, imprecise_onset_sensitivity, place_onsets, resolve_imprecise_onsets
from .red_flags import WHEN_TO_GET_CARE, red_flags
from .rate_ratio import RateRatioResult, rate_ratio
from .rates import RateTable, monthly_rates, rolling_rates, seasonality, yearly_rates
from .risk_windows import RiskWindowResult, risk_windows
from .treatment_effect import TreatmentEffectResult, treatment_effect
from .trend_summary import TrendSummary, trend_summary
from .trend import CrowAMSAAResult, crow_amsaa, laplace_test, lewis_robinson_test, mil_hdbk_test

__all__ = [
    "IMPRECISE_CHOICES",
    "imprecise_onset_sensitivity",
    "resolve_imprecise_onsets",
    "place_onsets",
    "red_flags",
    "WHEN_TO_GET_CARE",
    "laplace_test",
    "mil_hdbk_test",
    "lewis_robinson_test",
    "crow_amsaa",
    "trend_summary",
    "TrendSummary",
    "CrowAMSAAResult",
    "rate_ratio",
    "RateRatioResult",
    "yearly_rates",
    "monthly_rates",
    "rolling_rates",
    "seasonality",
    "RateTable",
    "risk_windows",
    "treatment_effect",
    "TreatmentEffectResult",
    "RiskWindowResult",
    "before_after",
    "change_points",
    "ChangePointResult",
    "BeforeAfterResult",
    "case_crossover",
    "CaseCrossoverResult",
    "ExposureNotInformativeError",
    "forecast_next_episode",
    "ForecastResult",
    "clinician_summary",
    "ClinicianSummary",
    "duration_trend",
    "DurationTrendResult",
]
