"""spasm_analysis: survival analysis for recurring episodes.

Load an episode log (one person's years of flare-ups or a cohort), turn it into
(start, stop] counting-process data and estimate recurrence with methods that
match R's ``survival`` package.
"""

from .version import __version__

from .schema import LogValidationError, Problem
from . import limits
from .limits import LimitExceededError
from .log import EpisodeLog, FollowUpInferredWarning, LogChangedWarning
from .results import TestResult
from .nonparametric import EpisodeDurations, GapTimesResult, MCFResult, episode_durations, gap_times, mcf, mcf_test
from .counting import to_counting_process
from .counting_process import CountingProcess, ZeroLengthRowsWarning

# issue 5: analyses for one person's log
from .personal import (  # noqa: E402
    BeforeAfterResult,
    before_after,
    CaseCrossoverResult,
    ChangePointResult,
    change_points,
    ClinicianSummary,
    clinician_summary,
    DurationTrendResult,
    duration_trend,
    case_crossover,
    ExposureNotInformativeError,
    ForecastResult,
    forecast_next_episode,
    CrowAMSAAResult,
    crow_amsaa,
    imprecise_onset_sensitivity,
    place_onsets,
    red_flags,
    laplace_test,
    lewis_robinson_test,
    mil_hdbk_test,
    rate_ratio,
    RateRatioResult,
    RateTable,
    RiskWindowResult,
    risk_windows,
    rolling_rates,
    treatment_effect,
    TreatmentEffectResult,
    seasonality,
    trend_summary,
    TrendSummary,
    yearly_rates,
)

# issue 2: loading (spasm_analysis.io) and the treatment vocabulary
from .vocabulary import modality_vocabulary, normalize_modality, unknown_modalities  # noqa: E402
from .io import (  # noqa: E402
    UnknownModalityWarning,
    read_covariates,
    read_episodes,
    read_exposures,
    read_follow_up,
    read_ics,
    read_log,
    read_treatments,
)

# issue 4: Cox models for recurrent events
from .coxph import CoxResult, andersen_gill, cox, pwp, wlw  # noqa: E402
from .rate_models import RateRegressionResult, rate_regression  # noqa: E402

# issue 7: import from tracking apps
from .apps import AppDetectedWarning, detect_app, read_app_export  # noqa: E402

# issue 2: seeded simulators with known truth
from .simulate import Simulation, SimulationTruth, simulate_cohort, simulate_personal_log, simulate_scenario  # noqa: E402

# issue 6: figures (matplotlib is imported only when a figure is drawn)
from .plotting import (  # noqa: E402
    plot_calendar,
    plot_cumulative_episodes,
    plot_events,
    plot_forest,
    plot_gap_times,
    plot_mcf,
    plot_monthly_rate,
    plot_timeline,
)
from .summary import LogSummary, summarize_log  # noqa: E402
