"""spasm_analysis: survival analysis for recurring episodes.

Load an episode log (one person's years of flare-ups or a cohort), turn it into
(start, stop] counting-process data and estimate recurrence with methods that
match R's ``survival`` package.
"""

from .version import __version__

# Errors and warnings: what was wrong with the input, and what was assumed
from .schema import LogValidationError, Problem
from . import limits
from .limits import LimitExceededError
from .log import FollowUpInferredWarning, LogChangedWarning, UnreadColumnWarning
from .io import UnknownModalityWarning
from .apps import AppDetectedWarning
from .counting_process import ZeroLengthRowsWarning
from .personal import ExposureNotInformativeError

# Reading a log: table files, calendars, tracking-app exports, the treatment vocabulary
from .log import EpisodeLog
from .io import (
    read_covariates,
    read_episodes,
    read_exposures,
    read_follow_up,
    read_ics,
    read_log,
    read_treatments,
)
from .apps import detect_app, read_app_export
from .vocabulary import modality_vocabulary, normalize_modality, unknown_modalities

# The counting process: the one (start, stop] type every estimator takes
from .counting_process import CountingProcess
from .counting import to_counting_process

# Nonparametric: mean cumulative function, its two-sample test, gap times, durations
from .results import TestResult
from .nonparametric import EpisodeDurations, GapTimesResult, MCFResult, episode_durations, gap_times, mcf, mcf_test

# Cox models for recurrent events, and per-subject rate regression
from .coxph import CoxResult, andersen_gill, cox, pwp, wlw
from .rate_models import RateRegressionResult, rate_regression

# One person's log: rates, trend, change points, treatments, triggers, forecast, red flags
from .personal import (
    BeforeAfterResult,
    CaseCrossoverResult,
    ChangePointResult,
    CrowAMSAAResult,
    DurationTrendResult,
    ForecastResult,
    RateRatioResult,
    RateTable,
    RiskWindowResult,
    TreatmentEffectResult,
    TrendSummary,
    before_after,
    case_crossover,
    change_points,
    crow_amsaa,
    duration_trend,
    forecast_next_episode,
    imprecise_onset_sensitivity,
    laplace_test,
    lewis_robinson_test,
    mil_hdbk_test,
    monthly_rates,
    place_onsets,
    rate_ratio,
    red_flags,
    risk_windows,
    rolling_rates,
    seasonality,
    treatment_effect,
    trend_summary,
    yearly_rates,
)

# Reports: the log summary, the clinician page, figures (matplotlib is imported only when one is drawn)
from .summary import LogSummary, summarize_log
from .personal import ClinicianSummary, clinician_summary
from .plotting import (
    plot_calendar,
    plot_cumulative_episodes,
    plot_events,
    plot_forest,
    plot_gap_times,
    plot_mcf,
    plot_monthly_rate,
    plot_timeline,
)

# Simulation: seeded logs and cohorts with known truth
from .simulate import Simulation, SimulationTruth, simulate_cohort, simulate_personal_log, simulate_scenario
