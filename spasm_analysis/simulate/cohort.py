"""Cohort simulator: gamma frailty, covariates, treatment courses, occupied episode time.

See :mod:`spasm_analysis.simulate` for the model and references.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..log import EpisodeLog
from ..options import check_number
from .common import (
    _MIN_EPISODE_DAYS,
    _SECONDS_PER_DAY,
    DAYS_PER_YEAR,
    Simulation,
    SimulationTruth,
    _duration_sampler,
)


def _course_breakpoints(rng, t_end: np.ndarray, courses_per_subject: float, course_days: float):
    """Non-overlapping course periods per subject, padded to a rectangle.

    Returns ``(starts, ends)`` arrays of shape (n, K) in days since follow-up
    start; unused slots are zero-length periods at the subject's follow-up end.
    """
    n = len(t_end)
    counts = rng.poisson(courses_per_subject, n) if courses_per_subject > 0 else np.zeros(n, dtype=int)
    k = int(counts.max()) if n else 0
    if k == 0:
        empty = np.repeat(t_end[:, None], 0, axis=1)
        return empty, empty
    raw = np.sort(rng.uniform(0.0, 1.0, (n, k)) * t_end[:, None], axis=1)
    used = np.arange(k)[None, :] < counts[:, None]
    raw = np.where(used, raw, np.inf)
    raw = np.sort(raw, axis=1)
    # Push each course to start after the previous one ends: s'_j = max_{m<=j}(s_m - m L) + j L.
    shift = np.arange(k)[None, :] * course_days
    starts = np.maximum.accumulate(raw - shift, axis=1) + shift
    starts = np.minimum(starts, t_end[:, None])
    ends = np.minimum(starts + course_days, t_end[:, None])
    return starts, ends


def _cumulative_hazard_grid(starts, ends, t_end, rate, hazard_ratio):
    """Breakpoints, per-segment rates and cumulative hazard at each breakpoint.

    Segment j runs from ``b[:, j]`` to ``b[:, j + 1]`` (the last one from the
    follow-up end to infinity); odd segments are on a course.
    """
    n, k = starts.shape
    b = np.empty((n, 2 * k + 2))
    b[:, 0] = 0.0
    b[:, 1:-1:2] = starts
    b[:, 2:-1:2] = ends
    b[:, -1] = t_end
    segment = np.arange(2 * k + 2)
    on_course = ((segment % 2 == 1) & (segment < 2 * k + 1))[None, :]
    r = np.where(on_course, rate[:, None] * hazard_ratio, rate[:, None])
    c = np.zeros_like(b)
    c[:, 1:] = np.cumsum(r[:, :-1] * np.diff(b, axis=1), axis=1)
    return b, r, c


def _draw_onsets(rng, b, r, c, t_end, durations):
    """All onsets and ends, round by round over subjects still in follow-up.

    Each round draws every active subject's next onset by inverting the
    cumulative hazard from the moment they are at risk again.
    """
    n = len(t_end)
    current = np.zeros(n)
    active = np.arange(n)
    subjects, onsets, ends = [], [], []
    while len(active):
        t = current[active]
        bb, rr, cc = b[active], r[active], c[active]
        rows = np.arange(len(active))
        j = (bb <= t[:, None]).sum(axis=1) - 1
        target = cc[rows, j] + rr[rows, j] * (t - bb[rows, j]) + rng.exponential(1.0, len(active))
        inside = target < cc[:, -1]
        active, target, rows = active[inside], target[inside], rows[inside]
        j = (cc[rows] <= target[:, None]).sum(axis=1) - 1
        onset = bb[rows, j] + (target - cc[rows, j]) / rr[rows, j]
        end = onset + np.maximum(durations(rng, len(active)), _MIN_EPISODE_DAYS)
        subjects.append(active)
        onsets.append(onset)
        ends.append(end)
        current[active] = end
        active = active[end < t_end[active]]
    if not subjects:
        return np.empty(0, dtype=int), np.empty(0), np.empty(0)
    return np.concatenate(subjects), np.concatenate(onsets), np.concatenate(ends)


def simulate_cohort(
    n_subjects: int,
    *,
    seed: int,
    baseline_rate_per_year: float = 4.0,
    treatment_hazard_ratio: float = 0.6,
    frailty_variance: float = 0.5,
    follow_up_years: float = 3.0,
    episode_days_mean: float = 5.0,
    episode_days_sd: float | None = 4.0,
    episode_days_distribution: str = "lognormal",
    age_hazard_ratio_per_10_years: float = 1.1,
    sex_hazard_ratio: float = 0.9,
    arm_hazard_ratio: float = 0.75,
    age_mean: float = 50.0,
    age_sd: float = 12.0,
    age_reference: float = 50.0,
    courses_per_subject: float = 1.0,
    course_days: float = 42.0,
    treatment_modality: str = "physiotherapy",
    enrollment_years: float = 2.0,
    dropout_rate_per_year: float = 0.0,
    origin: str = "2020-01-01",
) -> Simulation:
    """Simulate a cohort of recurrent episodes with known parameters.

    Each subject enters on a whole day spread uniformly over
    ``enrollment_years`` from ``origin`` and is followed for
    ``follow_up_years`` (shortened by exponential drop-out when
    ``dropout_rate_per_year > 0``).  While at risk, episodes start with
    intensity ``Z * baseline_rate * exp(beta' x) * HR ** on_course(t)``;
    each episode lasts a drawn duration during which the subject is not at
    risk.  Treatment courses (a Poisson number per subject, mean
    ``courses_per_subject``, each ``course_days`` long, non-overlapping, placed
    uniformly in follow-up) are independent of the episodes, so the effect
    while on a course is identifiable.

    Parameters
    ----------
    n_subjects : int
    seed : int
        Seed of the :class:`numpy.random.Generator`; the same seed gives the same log.
    baseline_rate_per_year : float
        Rate of the reference subject (frailty 1, female, control arm, aged
        ``age_reference``, off treatment), per year at risk.
    treatment_hazard_ratio : float
        Rate ratio while on a course of ``treatment_modality``.
    frailty_variance : float
        Variance theta of the mean-one gamma frailty; 0 for none.
    follow_up_years : float
    episode_days_mean, episode_days_sd : float
        Mean and standard deviation of episode length in days (the sd is
        ignored for the exponential distribution).
    episode_days_distribution : {"lognormal", "exponential"}
    age_hazard_ratio_per_10_years, sex_hazard_ratio, arm_hazard_ratio : float
        Covariate effects: ``age`` in years (normal, mean ``age_mean``, sd
        ``age_sd``, rounded, 18-90), ``sex`` 1 = male / 0 = female,
        ``arm`` 1 = intervention / 0 = control (each with probability 1/2).
    courses_per_subject, course_days, treatment_modality
        Treatment courses, see above.
    enrollment_years, dropout_rate_per_year, origin
        Calendar placement and censoring of follow-up.

    Returns
    -------
    Simulation
        ``.log`` (episodes, follow_up, treatments, covariates ``age, sex, arm``),
        ``.truth`` (:class:`SimulationTruth`; ``hazard_ratios`` keyed ``age``
        (per year), ``sex``, ``arm``, ``on_<modality>``), ``.frailty``.
        Times are continuous and stored to the second.

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> log, truth = sa.simulate_cohort(200, seed=1)
    >>> log.n_subjects, truth.hazard_ratios["on_physiotherapy"]
    (200, 0.6)
    """
    settings = {k: v for k, v in locals().items() if k != "seed"}
    n_subjects = int(n_subjects)
    if n_subjects < 1:
        raise ValueError(f"n_subjects must be at least 1, got {n_subjects!r}")
    for name, value in (("baseline_rate_per_year", baseline_rate_per_year), ("treatment_hazard_ratio", treatment_hazard_ratio),
                        ("follow_up_years", follow_up_years), ("age_hazard_ratio_per_10_years", age_hazard_ratio_per_10_years),
                        ("sex_hazard_ratio", sex_hazard_ratio), ("arm_hazard_ratio", arm_hazard_ratio), ("course_days", course_days)):
        check_number(name, value, above=0)
    for name, value in (("frailty_variance", frailty_variance), ("courses_per_subject", courses_per_subject),
                        ("enrollment_years", enrollment_years), ("dropout_rate_per_year", dropout_rate_per_year), ("age_sd", age_sd)):
        check_number(name, value, at_least=0)
    durations, episode_days = _duration_sampler(episode_days_distribution, episode_days_mean, episode_days_sd)
    rng = np.random.default_rng(seed)

    age = np.clip(np.round(rng.normal(age_mean, age_sd, n_subjects)), 18, 90).astype(int)
    sex = rng.integers(0, 2, n_subjects)
    arm = rng.integers(0, 2, n_subjects)
    beta = {"age": math.log(age_hazard_ratio_per_10_years) / 10.0, "sex": math.log(sex_hazard_ratio), "arm": math.log(arm_hazard_ratio)}
    linear = beta["age"] * (age - age_reference) + beta["sex"] * sex + beta["arm"] * arm
    if frailty_variance > 0:
        frailty = rng.gamma(1.0 / frailty_variance, frailty_variance, n_subjects)
    else:
        frailty = np.ones(n_subjects)
    rate = frailty * baseline_rate_per_year / DAYS_PER_YEAR * np.exp(linear)

    # Follow-up in whole seconds, so that stored times reproduce the simulation exactly.
    horizon = np.full(n_subjects, follow_up_years * DAYS_PER_YEAR)
    if dropout_rate_per_year > 0:
        horizon = np.minimum(horizon, rng.exponential(DAYS_PER_YEAR / dropout_rate_per_year, n_subjects))
    t_end = np.maximum(np.floor(horizon * _SECONDS_PER_DAY), 1.0) / _SECONDS_PER_DAY
    entry_day = np.floor(rng.uniform(0.0, enrollment_years * DAYS_PER_YEAR, n_subjects))

    starts, ends = _course_breakpoints(rng, t_end, courses_per_subject, course_days)
    b, r, c = _cumulative_hazard_grid(starts, ends, t_end, rate, treatment_hazard_ratio)
    who, onset, end = _draw_onsets(rng, b, r, c, t_end, durations)

    ids = np.array([f"S{i:0{len(str(n_subjects))}d}" for i in range(1, n_subjects + 1)], dtype=object)
    entry = np.datetime64(origin, "s") + (entry_day * _SECONDS_PER_DAY).astype("timedelta64[s]")

    def stamp(subject_index, days, rounding):
        return (entry[subject_index] + rounding(days * _SECONDS_PER_DAY).astype("timedelta64[s]")).astype("datetime64[ns]")

    # Onsets round up and ends down, so a stored onset stays after the previous stored end.
    order = np.lexsort((onset, who))
    episodes = pd.DataFrame({"subject": ids[who[order]], "onset": stamp(who[order], onset[order], np.ceil),
                             "end": stamp(who[order], end[order], np.floor)})
    everyone = np.arange(n_subjects)
    follow_up = pd.DataFrame({"subject": ids, "start": stamp(everyone, np.zeros(n_subjects), np.floor),
                              "end": stamp(everyone, t_end, np.round)})
    real = ends > starts
    rows, _ = np.nonzero(real)
    treatments = pd.DataFrame({"subject": ids[rows], "start": stamp(rows, starts[real], np.round),
                               "end": stamp(rows, ends[real], np.round), "modality": treatment_modality,
                               "name": f"{treatment_modality} course"})
    covariates = pd.DataFrame({"subject": ids, "age": age, "sex": sex, "arm": arm})
    log = EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, covariates=covariates)

    truth = SimulationTruth(
        simulator="simulate_cohort",
        seed=seed,
        baseline_rate_per_year=baseline_rate_per_year,
        hazard_ratios={"age": math.exp(beta["age"]), "sex": sex_hazard_ratio, "arm": arm_hazard_ratio,
                       f"on_{treatment_modality}": treatment_hazard_ratio},
        frailty_variance=frailty_variance,
        episode_days=episode_days,
        settings=settings,
    )
    return Simulation(log=log, truth=truth, frailty=pd.Series(frailty, index=pd.Index(ids, name="subject"), name="frailty"))


# -------------------------------------------------------------------- personal
