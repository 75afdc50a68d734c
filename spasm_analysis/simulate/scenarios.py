"""Seeded "did it help?" scenarios: one person's log with a treatment of known effect.

Each scenario is a history shaped like the ones people write down, with
treatment taken *because of* bad spells -- the situations in which a naive
comparison of time on and off a treatment finds effects that are not there
(see the validity benchmark ``benchmarks/bench_personal_validity.py``):

``constant``
    10 onsets a year throughout.
``step``
    about 1.5 a year, stepping up to 12 a year after year five.
``trend``
    a steady (log-linear) rise from 3 to 20 a year.
``seasonal``
    10 a year on average, twice as many in midwinter as in midsummer.
``clustered``
    6 a year, three times that in the 30 days after an episode ends.
``sessions``
    the ``step`` history treated with single sessions as well as courses.
``remembered``
    the ``step`` history with the first five years remembered, not recorded:
    those onsets are known only to the month (70%) or the year (30%).

Treatment: in the treated years (the second half of follow-up) each onset
starts, with probability 1/2 and when no course ran in the previous 30 days,
a course of six twice-weekly sessions 1-10 days after the onset (in
``sessions`` a third of those are a single session instead).  The effect
multiplies the onset rate on the days ``window[0]`` to ``window[1]`` after
each session (an onset dated day d is affected by a session on day s when
``window[0] <= d - s <= window[1]``): 1 (``"none"``), 0.5
(``"50% fewer"``), 0.3 (``"70% fewer"``) or 2 (``"harm"``).

Time runs on a daily grid; on each day at risk an episode starts with
probability ``1 - exp(-h(d))``; an episode lasts a whole number of days
(lognormal, mean 4, sd 3, at least 1) and the next onset comes at the earliest
the day after it ends (the package's at-risk convention).  Everything that
depends on past onsets (courses, clustering) is drawn as the history unfolds,
so the simulation is exact on the grid.

References
----------
Farrington, C. P., Whitaker, H. J. & Hocine, M. N. (2009). Case series analysis
    for censored, perturbed, or curtailed post-event exposures. Biostatistics 10, 3-16.
Petersen, I., Douglas, I. & Whitaker, H. (2016). Self controlled case series
    methods: an alternative to standard epidemiological study designs. BMJ 354, i4515.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..log import EpisodeLog
from ..options import check_option
from ..personal.placement import DAY_NS, onset_interval, place_one_person
from .common import DAYS_PER_YEAR, Simulation, SimulationTruth, _duration_sampler

__all__ = ["SCENARIOS", "EFFECTS", "ScenarioDays", "scenario_days", "simulate_scenario"]

SCENARIOS = ("constant", "step", "trend", "seasonal", "clustered", "sessions", "remembered")
#: True rate ratio in the window after each session, by effect name.
EFFECTS = {"none": 1.0, "50% fewer": 0.5, "70% fewer": 0.3, "harm": 2.0}

_COURSE_OFFSETS = np.array([0, 3, 7, 10, 14, 17])  # six sessions, twice a week
_COURSE_PROBABILITY = 0.5
_COURSE_DELAY = (1, 10)  # days from the onset to the first session
_COURSE_REST_DAYS = 30  # no new course within this many days of the last one's start
_SINGLE_SHARE = 1 / 3  # in "sessions": share of treated onsets followed by one session only
_CLUSTER_FACTOR, _CLUSTER_DAYS = 3.0, 30
_REMEMBERED_MONTH_SHARE = 0.7


@dataclass(frozen=True)
class ScenarioDays:
    """One simulated history on its daily grid (days since ``start``).

    Attributes
    ----------
    onset_day, end_day : ndarray of int
        Each episode's onset day and end day (at risk again after ``end_day``).
    precision : ndarray of str
        ``"day"``, ``"month"`` or ``"year"``: how precisely each onset is known.
    session_day : ndarray of int
        Days of the treatment sessions (sorted).
    n_days : int
        Length of follow-up in days (follow-up is day 0 to ``n_days``).
    start : Timestamp
        Day 0.
    truth : dict
        ``scenario, effect, rate_ratio, window, seed, treated_from_day``,
        ``onsets_in_treated_years``, ``n_sessions`` and the rate settings.
    """

    onset_day: np.ndarray
    end_day: np.ndarray
    precision: np.ndarray
    session_day: np.ndarray
    n_days: int
    start: pd.Timestamp
    truth: dict[str, Any] = field(default_factory=dict)

    def at_risk(self, placement: str = "as recorded") -> dict[str, np.ndarray]:
        """At-risk intervals ``(lo, hi]`` (``event``: an onset at ``hi``), onsets and episode ends, in days.

        The same intervals as :func:`~spasm_analysis.to_counting_process` of
        :meth:`to_log` (episode days are not at risk), without building the log.
        ``placement``: ``"as recorded"`` (every onset on its true day),
        or where onsets known only to the month/year go in their period:
        ``"earliest"``, ``"midpoint"`` or ``"latest"``, by the rule
        :func:`spasm_analysis.place_onsets` applies to a log
        (:func:`~spasm_analysis.personal.placement.place_one_person`).
        """
        onset = self.onset_day.astype(float)
        end = self.end_day.astype(float)
        if placement != "as recorded":
            check_option("placement", placement, ("as recorded", "earliest", "midpoint", "latest"))
            precision = self.precision.astype(object)  # as to_log stores it: promoted where two would clash
            stored, _ = _stored_onsets(self.start, self.onset_day, self.end_day, precision)
            _, last = onset_interval(pd.DataFrame({"onset": stored, "onset_precision": precision}))
            first, last = (((t - self.start) / pd.Timedelta(days=1)).to_numpy(float) for t in (stored, last))
            length = end - onset
            whole = np.ones(len(first), dtype=bool)  # every end is known, as first day + length

            def ns(days):  # whole days on the nanosecond axis of the placement rule
                return np.rint(days).astype(np.int64) * DAY_NS

            placed = place_one_person(ns(first), ns(last), ns(first + length), whole, whole,
                                      placement) / DAY_NS
            order = np.argsort(placed, kind="stable")
            onset, length = placed[order], length[order]
            end = onset + length
        lo = np.r_[0.0, end]
        hi = np.r_[onset, float(self.n_days)]
        keep = hi > lo
        event = np.r_[np.ones(len(onset), dtype=bool), False]
        return {"lo": lo[keep], "hi": hi[keep], "event": event[keep], "onset_day": onset, "episode_end_day": end}

    def chance_of_onset(self, day: int, horizon: int) -> float:
        """True probability of an onset on days ``day + 1`` to ``day + horizon`` given the history up to ``day``.

        Exact on the simulation's grid (the hazard of each day, with the
        clustering after the last episode), for a history without a treatment
        effect (the effect after ``day`` would depend on onsets not yet drawn)
        and a ``day`` between episodes.  The forecast benchmark compares
        :func:`~spasm_analysis.forecast_next_episode` with it.
        """
        if self.truth.get("rate_ratio", 1.0) != 1.0:
            raise ValueError("chance_of_onset needs a history without a treatment effect (effect='none')")
        before = self.onset_day <= day
        if np.any(before & (self.end_day >= day)):
            raise ValueError(f"day {day} falls inside an episode; a forecast is made between episodes")
        days = np.arange(day + 1, day + horizon + 1)
        days = days[days < self.n_days]  # no onset is drawn on the last day of follow-up
        log_rate = _base_log_rate(self.truth["scenario"], days, self.n_days, self.start)
        if self.truth["scenario"] == "clustered" and before.any():
            last_end = int(self.end_day[before].max())
            log_rate = log_rate + np.where(days <= last_end + _CLUSTER_DAYS, np.log(_CLUSTER_FACTOR), 0.0)
        return float(-np.expm1(-np.exp(log_rate).sum()))

    def to_log(self, *, subject: str = "me", modality: str = "physiotherapy") -> EpisodeLog:
        """The history as an :class:`~spasm_analysis.log.EpisodeLog`.

        Imprecise onsets are stored as the package stores them: at the first
        instant of their month or year, with ``onset_precision`` saying so;
        the episode keeps its length (``end_from_length``: the end is that
        first instant plus the length, and moves with a placed onset).
        """
        precision = self.precision.astype(object)  # room for "month" when a year-only onset is promoted
        stored, length = _stored_onsets(self.start, self.onset_day, self.end_day, precision)
        episodes = pd.DataFrame({"subject": subject, "onset": stored, "end": stored + length,
                                 "onset_precision": precision, "end_from_length": True})
        sessions = self.start + pd.to_timedelta(self.session_day, unit="D")
        treatments = pd.DataFrame({"subject": subject, "start": sessions, "end": sessions, "modality": modality})
        follow_up = pd.DataFrame({"subject": [subject], "start": [self.start],
                                  "end": [self.start + pd.Timedelta(days=int(self.n_days))]})
        return EpisodeLog(episodes, follow_up=follow_up, treatments=treatments)


def _stored_onsets(start, onset_day, end_day, precision):
    """Stored onsets (start of month/year for imprecise ones) and episode lengths.

    Two remembered episodes stored at the same first-of-month would be one
    duplicated or overlapping row, which a log cannot hold; the later of such
    a pair is then remembered one step more precisely (year -> month -> day),
    in place, until the stored episodes no longer overlap.
    """
    true_onset = pd.Series(start + pd.to_timedelta(onset_day, unit="D"))
    length = pd.Series(pd.to_timedelta(end_day - onset_day, unit="D"))
    finer = {"year": "month", "month": "day"}
    while True:
        stored = true_onset.copy()
        month, year = precision == "month", precision == "year"
        stored[month] = true_onset[month].dt.to_period("M").dt.start_time
        stored[year] = true_onset[year].dt.to_period("Y").dt.start_time
        order = np.argsort(stored.to_numpy(), kind="stable")
        s, e = stored.to_numpy()[order], (stored + length).to_numpy()[order]
        clash = np.flatnonzero(s[1:] <= np.maximum.accumulate(e)[:-1]) + 1
        if not len(clash):
            return stored, length
        for earlier, later in zip(order[clash - 1], order[clash]):
            target = later if precision[later] != "day" else earlier
            precision[target] = finer.get(precision[target], "day")


def _base_log_rate(scenario: str, day: np.ndarray, n_days: int, start: pd.Timestamp) -> np.ndarray:
    """log(onsets per day) before treatment effects and clustering."""
    per_day = np.log(1 / DAYS_PER_YEAR)
    if scenario == "constant":
        return np.full(len(day), np.log(10.0) + per_day)
    if scenario in ("step", "sessions", "remembered"):
        return np.where(day < n_days // 2, np.log(1.5), np.log(12.0)) + per_day
    if scenario == "trend":
        return np.log(3.0) + np.log(20.0 / 3.0) * day / n_days + per_day
    if scenario == "seasonal":
        doy = (start + pd.to_timedelta(day, unit="D")).dayofyear.to_numpy()
        # Peak in mid-January, trough in mid-July: max/min = 2.
        wave = np.cos(2 * np.pi * (doy - 15) / DAYS_PER_YEAR)
        return np.log(10.0) + np.log(2.0) / 2 * wave - np.log(np.i0(np.log(2.0) / 2)) + per_day
    if scenario == "clustered":
        return np.full(len(day), np.log(6.0) + per_day)
    raise AssertionError(scenario)


def scenario_days(
    scenario: str,
    *,
    effect: str = "none",
    seed: int = 0,
    window: tuple[int, int] = (4, 14),
    years: float = 10,
    start: str = "2004-01-01",
) -> ScenarioDays:
    """Draw one history of ``scenario`` with ``effect`` (see the module docstring).

    Parameters
    ----------
    scenario : str
        One of :data:`SCENARIOS`.
    effect : str
        One of :data:`EFFECTS` (``"none"``, ``"50% fewer"``, ``"70% fewer"``, ``"harm"``).
    seed : int
    window : (int, int)
        Days after each session in which the effect acts (both ends included).
    years : float
        Length of follow-up; treatment happens in its second half.
    start : str
        Day 0.

    Returns
    -------
    ScenarioDays

    Examples
    --------
    >>> from spasm_analysis.simulate.scenarios import scenario_days
    >>> h = scenario_days("step", effect="70% fewer", seed=1)
    >>> h.truth["rate_ratio"], h.truth["window"], len(h.session_day) > 0
    (0.3, (4, 14), True)
    """
    check_option("scenario", scenario, SCENARIOS)
    check_option("effect", effect, tuple(EFFECTS))
    a, b = (int(window[0]), int(window[1]))
    if not 0 <= a <= b:
        raise ValueError(f"window must be (from_day, to_day) with 0 <= from_day <= to_day, got {window!r}")
    if not years > 1:
        raise ValueError(f"years must be more than 1, got {years!r}")
    rng = np.random.default_rng(seed)
    origin = pd.Timestamp(start).normalize()
    n_days = int(round(years * DAYS_PER_YEAR))
    day = np.arange(n_days + 1)
    log_rate = _base_log_rate(scenario, day, n_days, origin)
    uniform = rng.uniform(size=n_days + 1)
    durations, _ = _duration_sampler("lognormal", 4.0, 3.0)
    ratio = EFFECTS[effect]
    treated_from = n_days // 2
    log_effect = np.zeros(n_days + 1 + b + 1)
    log_cluster = np.zeros(n_days + 1 + _CLUSTER_DAYS + 1)

    onsets, ends, sessions = [], [], []
    earliest, last_course = 1, -10**9
    while earliest < n_days:
        h = np.exp(log_rate[earliest:n_days] + log_effect[earliest:n_days] + log_cluster[earliest:n_days])
        hits = np.flatnonzero(uniform[earliest:n_days] < -np.expm1(-h))
        if not len(hits):
            break
        onset = earliest + int(hits[0])
        end = onset + max(1, int(round(float(durations(rng, 1)[0]))))
        onsets.append(onset)
        ends.append(min(end, n_days))
        if scenario == "clustered":
            log_cluster[end + 1:end + 1 + _CLUSTER_DAYS] = np.log(_CLUSTER_FACTOR)
        if onset >= treated_from and onset - last_course > _COURSE_REST_DAYS and rng.uniform() < _COURSE_PROBABILITY:
            first = onset + int(rng.integers(_COURSE_DELAY[0], _COURSE_DELAY[1] + 1))
            single = scenario == "sessions" and rng.uniform() < _SINGLE_SHARE
            new = first + (_COURSE_OFFSETS[:1] if single else _COURSE_OFFSETS)
            new = new[new < n_days]
            sessions.extend(new.tolist())
            last_course = first
            for s in new:
                log_effect[s + a:s + b + 1] = np.log(ratio)
        earliest = end + 1

    onset_day = np.array(onsets, dtype=int)
    precision = np.full(len(onset_day), "day", dtype=object)
    if scenario == "remembered":
        early = onset_day < treated_from
        month = rng.uniform(size=len(onset_day)) < _REMEMBERED_MONTH_SHARE
        precision[early & month] = "month"
        precision[early & ~month] = "year"
    truth = {
        "scenario": scenario, "effect": effect, "rate_ratio": ratio, "window": (a, b), "seed": seed,
        "years": years, "treated_from_day": treated_from,
        "onsets_in_treated_years": int(np.sum(onset_day >= treated_from)), "n_sessions": len(sessions),
    }
    return ScenarioDays(onset_day, np.array(ends, dtype=int), precision.astype(str), np.array(sorted(sessions), dtype=int),
                        n_days, origin, truth)


def simulate_scenario(scenario: str, *, effect: str = "none", seed: int = 0, window: tuple[int, int] = (4, 14),
                      years: float = 10, start: str = "2004-01-01", modality: str = "physiotherapy") -> Simulation:
    """One scenario history as a :class:`Simulation` (``log, truth = ...``).

    ``truth.hazard_ratios`` holds ``window_<modality>``: the true rate ratio in
    the window after each session; ``truth.settings`` the scenario details
    (see :func:`scenario_days`).

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> log, truth = sa.simulate_scenario("step", effect="none", seed=2)
    >>> truth.hazard_ratios, log.modalities
    ({'window_physiotherapy': 1.0}, ('physiotherapy',))
    """
    days = scenario_days(scenario, effect=effect, seed=seed, window=window, years=years, start=start)
    truth = SimulationTruth(
        simulator="simulate_scenario", seed=seed,
        baseline_rate_per_year=float(np.exp(_base_log_rate(scenario, np.array([0]), days.n_days, days.start)[0]) * DAYS_PER_YEAR),
        hazard_ratios={f"window_{modality}": days.truth["rate_ratio"]}, frailty_variance=0.0,
        episode_days={"distribution": "lognormal", "mean": 4.0, "sd": 3.0, "rounding": "whole days, at least 1"},
        settings=dict(days.truth, start=f"{days.start:%Y-%m-%d}"),
    )
    return Simulation(log=days.to_log(modality=modality), truth=truth,
                      frailty=pd.Series([1.0], index=pd.Index(["me"], name="subject"), name="frailty"))
