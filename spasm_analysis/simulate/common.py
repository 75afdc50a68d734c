"""Result types, constants and option checks shared by the simulators."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..log import EpisodeLog
from ..options import check_number, check_option

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


def _duration_sampler(distribution: str, mean: float, sd: float | None):
    """A function ``(rng, size) -> days`` and the recorded distribution."""
    check_option("episode_days_distribution", distribution, DURATION_DISTRIBUTIONS)
    check_number("episode_days_mean", mean, above=0)
    if distribution == "exponential":
        return (lambda rng, size: rng.exponential(mean, size)), {"distribution": "exponential", "mean": mean, "sd": mean}
    sd = mean if sd is None else sd
    check_number("episode_days_sd", sd, above=0)
    sigma2 = math.log1p((sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    sampler = lambda rng, size: rng.lognormal(mu, math.sqrt(sigma2), size)  # noqa: E731
    return sampler, {"distribution": "lognormal", "mean": mean, "sd": sd, "meanlog": mu, "sdlog": math.sqrt(sigma2)}


# ---------------------------------------------------------------------- cohort
