"""Seeded simulators of recurrent episodes whose true parameters are known.

Two simulators, one result type:

* :func:`simulate_cohort` -- many subjects with baseline covariates (age, sex,
  arm), a shared gamma frailty, treatment courses that change the rate while
  they last, and episodes that occupy time (no one is at risk of a new episode
  during one).  Continuous time, vectorised over subjects: 100 000 subjects with
  about a dozen episodes each take a few seconds.
* :func:`simulate_personal_log` -- one person's decade-long log on a daily grid:
  a constant or rising rate, physiotherapy courses with a known rate ratio,
  daily-recorded triggers that raise the risk on the next one or two days,
  sessions of other treatments with no effect, and episode lengths, regions,
  sides and severities.

Both return a :class:`Simulation`: the :class:`~spasm_analysis.log.EpisodeLog`,
the :class:`SimulationTruth` it was drawn from, and (for a cohort) each
subject's frailty.  ``log, truth = sa.simulate_cohort(...)`` unpacks it.  The
same ``seed`` gives the same log.

The intensity of subject *i* at time *t*, while at risk, is the multiplicative
model of Andersen & Gill (1982) with a shared frailty (Therneau & Grambsch 2000,
ch. 9; Cook & Lawless 2007, sec. 2.2):

    lambda_i(t) = Z_i * lambda_0 * exp(beta' x_i) * HR ** on_course_i(t),
    Z_i ~ Gamma(shape = 1/theta, scale = theta)   (mean 1, variance theta).

References
----------
Andersen, P. K. & Gill, R. D. (1982). Cox's regression model for counting
processes: a large sample study. *Annals of Statistics* 10, 1100-1120.
Cook, R. J. & Lawless, J. F. (2007). *The Statistical Analysis of Recurrent
Events*. Springer.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .log import EpisodeLog

__all__ = ["Simulation", "SimulationTruth", "simulate_cohort", "simulate_personal_log", "DURATION_DISTRIBUTIONS"]

DURATION_DISTRIBUTIONS = ("lognormal", "exponential")
DAYS_PER_YEAR = 365.25
_SECONDS_PER_DAY = 86400
_MIN_EPISODE_DAYS = 1.0 / 24.0  # a spasm shorter than an hour is not logged as an episode

REGIONS = {"lower back": 0.5, "mid back / ribs": 0.2, "neck": 0.2, "hip/glute": 0.1}
SIDES = {"left": 0.4, "right": 0.35, "both": 0.25}


@dataclass(frozen=True)
class SimulationTruth:
    """The parameters a simulated log was drawn from.

    Attributes
    ----------
    simulator : str
        ``"simulate_cohort"`` or ``"simulate_personal_log"``.
    seed : int
    baseline_rate_per_year : float
        Episodes per year at risk for the reference subject: frailty 1, every
        covariate 0 (age at ``age_reference``), off treatment, no recent trigger;
        for a personal log, the rate at the start of follow-up.
    hazard_ratios : dict
        Multiplicative effect of each covariate column (per unit; ``age`` per
        year), of each treatment modality while on it (key ``on_<modality>``),
        and of each trigger within its window (key ``trigger_<name>``).
    frailty_variance : float
        Variance theta of the gamma frailty (0: none).
    episode_days : dict
        Episode-length distribution: ``distribution``, ``mean``, ``sd`` (days).
    settings : dict
        Every other argument of the simulator, as given.
    """

    simulator: str
    seed: int
    baseline_rate_per_year: float
    hazard_ratios: Mapping[str, float]
    frailty_variance: float
    episode_days: Mapping[str, Any]
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def coefficients(self) -> dict[str, float]:
        """Log hazard ratios, the scale Cox models estimate."""
        return {name: math.log(value) for name, value in self.hazard_ratios.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (adds ``coefficients``)."""
        out = asdict(self)
        out["hazard_ratios"] = dict(self.hazard_ratios)
        out["coefficients"] = self.coefficients
        return out

    def to_json(self, path) -> Path:
        """Write :meth:`to_dict` to ``path``."""
        target = Path(path)
        target.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        return target


@dataclass(frozen=True)
class Simulation:
    """A simulated log with the truth behind it.

    Unpacks as ``log, truth = simulation``.  ``frailty`` holds each subject's
    drawn frailty (a Series indexed by subject; all 1 without frailty).
    """

    log: EpisodeLog
    truth: SimulationTruth
    frailty: pd.Series

    def __iter__(self):
        return iter((self.log, self.truth))

    def _repr_html_(self) -> str:
        return f"<div>Simulation of {self.log._repr_html_()}<pre>{json.dumps(self.truth.to_dict(), indent=1, default=str)}</pre></div>"


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name} must be {kind} finite number, got {value!r}")


def _check_choice(name: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def _duration_sampler(distribution: str, mean: float, sd: float | None):
    """A function ``(rng, size) -> days`` and the recorded distribution."""
    _check_choice("episode_days_distribution", distribution, DURATION_DISTRIBUTIONS)
    _check_positive("episode_days_mean", mean)
    if distribution == "exponential":
        return (lambda rng, size: rng.exponential(mean, size)), {"distribution": "exponential", "mean": mean, "sd": mean}
    sd = mean if sd is None else sd
    _check_positive("episode_days_sd", sd)
    sigma2 = math.log1p((sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    sampler = lambda rng, size: rng.lognormal(mu, math.sqrt(sigma2), size)  # noqa: E731
    return sampler, {"distribution": "lognormal", "mean": mean, "sd": sd, "meanlog": mu, "sdlog": math.sqrt(sigma2)}


# ---------------------------------------------------------------------- cohort
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
        _check_positive(name, value)
    for name, value in (("frailty_variance", frailty_variance), ("courses_per_subject", courses_per_subject),
                        ("enrollment_years", enrollment_years), ("dropout_rate_per_year", dropout_rate_per_year), ("age_sd", age_sd)):
        _check_positive(name, value, allow_zero=True)
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
def _periods_cover(starts: np.ndarray, ends: np.ndarray, n_days: int) -> np.ndarray:
    """1 on grid day d when a period [start, end) covers the interval (d - 1, d]."""
    marks = np.zeros(n_days + 2)
    np.add.at(marks, np.clip(starts + 1, 0, n_days + 1), 1)
    np.add.at(marks, np.clip(ends + 1, 0, n_days + 1), -1)
    return np.cumsum(marks)[: n_days + 1] > 0


def _weighted_choice(rng, options: Mapping[str, float], size: int) -> np.ndarray:
    names = np.array(list(options), dtype=object)
    weights = np.array(list(options.values()), dtype=float)
    return rng.choice(names, size=size, p=weights / weights.sum())


def _sessions(rng, n_days: int, per_year: float, first_day: int = 1) -> np.ndarray:
    count = rng.poisson(per_year * n_days / DAYS_PER_YEAR)
    return np.unique(rng.integers(first_day, n_days, count))


def _non_overlapping_starts(rng, n: int, length: int, n_days: int) -> np.ndarray:
    """``n`` period starts, each period ``length`` days, none overlapping (gaps of >= 30 days)."""
    free = n_days - n * (length + 30)
    if free <= 0:
        raise ValueError(f"{n} courses of {length} days do not fit in {n_days} days of follow-up")
    offsets = np.sort(rng.integers(0, free, n))
    return offsets + np.arange(n) * (length + 30) + 1


def simulate_personal_log(
    *,
    seed: int,
    years: float = 10,
    start: str = "2014-01-01",
    end: str | None = None,
    rate_per_year: float = 5.0,
    rate_trend: float = 1.0,
    episode_days_mean: float = 4.0,
    episode_days_sd: float | None = 3.0,
    episode_days_distribution: str = "lognormal",
    treatment_rate_ratio: float = 0.5,
    treatment_modality: str = "physiotherapy",
    n_courses: int = 3,
    course_days: int = 42,
    trigger_rate_ratios: Mapping[str, float] | None = None,
    trigger_probabilities: Mapping[str, float] | None = None,
    trigger_window_days: int = 2,
    exposures_recorded_from: str | None = None,
    subject: str = "me",
) -> Simulation:
    """Simulate one person's multi-year episode log with known effects.

    Time runs on a daily grid from ``start`` for ``years``.  An onset dated day
    *d* stands for the interval (d - 1, d] of the counting process (the package's
    convention); on each day at risk an episode starts with probability
    ``1 - exp(-h(d))``, where

        h(d) = rate_per_year / 365.25 * rate_trend ** (d / n_days)
               * treatment_rate_ratio ** on_course(d)
               * prod_k trigger_rate_ratio_k ** exposed_k(d).

    ``exposed_k(d)`` is 1 when trigger *k* happened on one of the
    ``trigger_window_days`` days before *d* (with the default 2: the onset is
    dated the day after the exposure or the one after that).  An episode lasts
    a whole number of days (at least one) drawn from the episode-length
    distribution; the next onset can be dated at the earliest the day after the
    episode's end.

    Triggers happen every day with their probability over the whole follow-up,
    but the exposures table records them (value 0/1, every day, every trigger)
    only from ``exposures_recorded_from`` (default: the second half of
    follow-up), as when someone starts a daily diary.  Episodes carry a
    suspected ``trigger`` when a trigger happened in the window before them.
    Besides the ``n_courses`` courses of ``treatment_modality``, the log has
    sessions with no effect: chiropractic visits (often a day or two after an
    onset, as in real life), trigger-point massage series, one acupuncture
    course, and a muscle relaxant course at about a third of the episodes.

    Parameters
    ----------
    seed : int
    years : float
    start : str
        First day of follow-up.
    end : str, optional
        End of follow-up (its midnight); by default ``years`` after ``start``.
    rate_per_year : float
        Rate at the start of follow-up on days with no recent trigger and no course.
    rate_trend : float
        Ratio of the rate at the end of follow-up to the rate at its start
        (log-linear in between); 1 for a constant rate.
    episode_days_mean, episode_days_sd, episode_days_distribution
        Episode length (rounded to whole days, at least one).
    treatment_rate_ratio, treatment_modality, n_courses, course_days
        Courses with an effect while they last (from the course's first day to
        its end).
    trigger_rate_ratios, trigger_probabilities : dict
        Per trigger; defaults ``{"cold_pool": 3.0, "long_sitting": 2.0}`` and
        ``{"cold_pool": 0.1, "long_sitting": 0.3}`` (daily probability).
    trigger_window_days : int
    exposures_recorded_from : str, optional
        First recorded day of the exposures table.
    subject : str

    Returns
    -------
    Simulation
        ``.log`` (episodes with ``severity, region, side, trigger``; follow_up;
        treatments with ``name``; exposures ``time, exposure, value``),
        ``.truth`` (``hazard_ratios`` keyed ``on_<modality>`` for every modality
        in the log and ``trigger_<name>``; ``settings`` holds ``rate_trend``,
        the window and the recording start).

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> log, truth = sa.simulate_personal_log(seed=3)
    >>> log.is_personal, sorted(log.exposures["exposure"].unique())
    (True, ['cold_pool', 'long_sitting'])
    """
    settings = {k: v for k, v in locals().items() if k != "seed"}
    trigger_rate_ratios = dict({"cold_pool": 3.0, "long_sitting": 2.0} if trigger_rate_ratios is None else trigger_rate_ratios)
    trigger_probabilities = dict({"cold_pool": 0.1, "long_sitting": 0.3} if trigger_probabilities is None else trigger_probabilities)
    if set(trigger_rate_ratios) != set(trigger_probabilities):
        raise ValueError(
            f"trigger_rate_ratios and trigger_probabilities must name the same triggers, got "
            f"{sorted(trigger_rate_ratios)} and {sorted(trigger_probabilities)}"
        )
    for name, value in (("years", years), ("rate_per_year", rate_per_year), ("rate_trend", rate_trend),
                        ("treatment_rate_ratio", treatment_rate_ratio), ("course_days", course_days),
                        ("trigger_window_days", trigger_window_days)):
        _check_positive(name, value)
    for name, value in trigger_rate_ratios.items():
        _check_positive(f"trigger_rate_ratios[{name!r}]", value)
    for name, value in trigger_probabilities.items():
        if not 0 <= value <= 1:
            raise ValueError(f"trigger_probabilities[{name!r}] must be between 0 and 1, got {value!r}")
    settings.update(trigger_rate_ratios=trigger_rate_ratios, trigger_probabilities=trigger_probabilities)
    durations, episode_days = _duration_sampler(episode_days_distribution, episode_days_mean, episode_days_sd)
    rng = np.random.default_rng(seed)

    origin = pd.Timestamp(start).normalize()
    follow_end = (origin + pd.DateOffset(days=round(years * DAYS_PER_YEAR))).normalize() if end is None else pd.Timestamp(end).normalize()
    n_days = int((follow_end - origin).days)
    if n_days < 2:
        raise ValueError(f"follow-up must last at least two days, got {origin:%Y-%m-%d} to {follow_end:%Y-%m-%d}")
    day = np.arange(n_days + 1)
    recorded_from = origin + pd.Timedelta(days=n_days // 2) if exposures_recorded_from is None else pd.Timestamp(exposures_recorded_from)
    if not origin <= recorded_from < follow_end:
        raise ValueError(f"exposures_recorded_from must fall in follow-up ({origin:%Y-%m-%d} to {follow_end:%Y-%m-%d}), got {recorded_from}")

    log_hazard = np.log(rate_per_year / DAYS_PER_YEAR) + np.log(rate_trend) * day / n_days
    course_start = _non_overlapping_starts(rng, n_courses, int(course_days), n_days) if n_courses else np.empty(0, dtype=int)
    course_end = course_start + int(course_days)
    log_hazard = log_hazard + np.log(treatment_rate_ratio) * _periods_cover(course_start, course_end, n_days)
    happened = {}
    recent = {}
    for name in trigger_rate_ratios:
        happened[name] = rng.uniform(size=n_days + 1) < trigger_probabilities[name]
        # Day d is exposed when the trigger happened on any of days d-1 ... d-window.
        counts = np.convolve(happened[name].astype(int), np.ones(int(trigger_window_days), dtype=int))[: n_days + 1]
        recent[name] = np.concatenate([[0], counts[:-1]]) > 0
        log_hazard = log_hazard + np.log(trigger_rate_ratios[name]) * recent[name]

    # Independent daily draws make "first candidate day at or after the next day at risk" exact.
    candidate = np.flatnonzero(rng.uniform(size=n_days + 1) < -np.expm1(-np.exp(log_hazard)))
    candidate = candidate[(candidate >= 1) & (candidate < n_days)]
    onsets, lengths = [], []
    earliest = 1
    while True:
        k = np.searchsorted(candidate, earliest)
        if k == len(candidate):
            break
        onset = int(candidate[k])
        length = max(1, int(round(float(durations(rng, 1)[0]))))
        onsets.append(onset)
        lengths.append(length)
        earliest = onset + length + 1
    onsets = np.array(onsets, dtype=int)
    lengths = np.array(lengths, dtype=int)

    n = len(onsets)
    suspected = np.full(n, None, dtype=object)
    for name in sorted(trigger_rate_ratios, key=trigger_rate_ratios.get):  # the strongest trigger named last wins
        suspected[recent[name][onsets]] = name
    episodes = pd.DataFrame({
        "subject": subject,
        "onset": origin + pd.to_timedelta(onsets, unit="D"),
        "end": origin + pd.to_timedelta(onsets + lengths, unit="D"),
        "severity": rng.integers(3, 10, n).astype(float),
        "region": _weighted_choice(rng, REGIONS, n),
        "side": _weighted_choice(rng, SIDES, n),
        "trigger": suspected,
    })

    treatments = _personal_treatments(rng, onsets, lengths, course_start, course_end, n_days, treatment_modality)
    treatments.insert(0, "subject", subject)
    treatments["start"] = origin + pd.to_timedelta(treatments.pop("start_day"), unit="D")
    treatments["end"] = origin + pd.to_timedelta(treatments.pop("end_day"), unit="D")

    first = int((recorded_from.normalize() - origin).days)
    rec_days = np.arange(first, n_days)
    exposures = pd.concat(
        [pd.DataFrame({"subject": subject, "time": origin + pd.to_timedelta(rec_days, unit="D"), "exposure": name,
                       "value": happened[name][rec_days].astype(float)}) for name in trigger_rate_ratios]
        or [pd.DataFrame(columns=["subject", "time", "exposure", "value"])],
        ignore_index=True,
    )
    follow_up = pd.DataFrame({"subject": [subject], "start": [origin], "end": [follow_end]})
    log = EpisodeLog(episodes, follow_up=follow_up, treatments=treatments[["subject", "start", "end", "modality", "name"]],
                     exposures=exposures)

    ratios = {f"on_{m}": 1.0 for m in log.modalities}
    ratios[f"on_{treatment_modality}"] = treatment_rate_ratio
    ratios.update({f"trigger_{k}": v for k, v in trigger_rate_ratios.items()})
    settings["exposures_recorded_from"] = f"{recorded_from:%Y-%m-%d}"
    settings["follow_up"] = [f"{origin:%Y-%m-%d}", f"{follow_end:%Y-%m-%d}"]
    truth = SimulationTruth(
        simulator="simulate_personal_log",
        seed=seed,
        baseline_rate_per_year=rate_per_year,
        hazard_ratios=ratios,
        frailty_variance=0.0,
        episode_days=dict(episode_days, rounding="whole days, at least 1"),
        settings=settings,
    )
    return Simulation(log=log, truth=truth, frailty=pd.Series([1.0], index=pd.Index([subject], name="subject"), name="frailty"))


def _personal_treatments(rng, onsets, lengths, course_start, course_end, n_days, treatment_modality) -> pd.DataFrame:
    """Courses with an effect, and sessions of other modalities with none (in grid days)."""
    parts = [pd.DataFrame({"start_day": course_start, "end_day": course_end, "modality": treatment_modality,
                           "name": f"{treatment_modality} course"})]
    # Chiropractic visits: many a day or two after an onset (treatment follows the bad days), some routine.
    picked = onsets[rng.uniform(size=len(onsets)) < 0.5]
    after = picked + rng.integers(1, 3, size=len(picked))
    chiro = np.unique(np.concatenate([after, _sessions(rng, n_days, 2.0)]))
    chiro = chiro[chiro < n_days - 1]
    parts.append(pd.DataFrame({"start_day": chiro, "end_day": chiro + 1, "modality": "chiropractic", "name": "chiropractic session"}))
    # Trigger-point massage: series of four weekly sessions.
    series = _sessions(rng, n_days - 60, 0.4)
    massage = (series[:, None] + 7 * np.arange(4)[None, :]).ravel()
    parts.append(pd.DataFrame({"start_day": massage, "end_day": massage + 1, "modality": "trigger_point_therapy",
                               "name": "trigger point massage"}))
    # One acupuncture course of eight weekly sessions.
    first = int(rng.integers(1, max(2, n_days - 60)))
    acupuncture = first + 7 * np.arange(8)
    parts.append(pd.DataFrame({"start_day": acupuncture, "end_day": acupuncture + 1, "modality": "acupuncture", "name": "acupuncture"}))
    # A muscle relaxant for about a third of the episodes, from onset for up to a week.
    given = rng.uniform(size=len(onsets)) < 0.35
    parts.append(pd.DataFrame({"start_day": onsets[given], "end_day": onsets[given] + np.minimum(lengths[given] + 2, 7),
                               "modality": "muscle_relaxant", "name": "cyclobenzaprine"}))
    out = pd.concat(parts, ignore_index=True)
    out = out[out["end_day"] <= n_days]
    return out.sort_values(["start_day", "modality"], kind="stable").reset_index(drop=True)
