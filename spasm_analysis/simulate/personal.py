"""One person's decade-long log on a daily grid, with triggers and treatments of known effect.

See :mod:`spasm_analysis.simulate` for the model and references.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..log import EpisodeLog
from ..options import check_number
from .common import (
    DAYS_PER_YEAR,
    REGIONS,
    SIDES,
    Simulation,
    SimulationTruth,
    _duration_sampler,
)


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
        check_number(name, value, above=0)
    for name, value in trigger_rate_ratios.items():
        check_number(f"trigger_rate_ratios[{name!r}]", value, above=0)
    for name, value in trigger_probabilities.items():
        check_number(f"trigger_probabilities[{name!r}]", value, at_least=0, at_most=1)
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
