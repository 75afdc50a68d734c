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
* :func:`simulate_scenario` -- "did it help?" histories (constant, step,
  trend, seasonal, clustered, sessions, remembered onsets) with treatment
  started because of bad spells and a known effect in a window after each
  session; :func:`scenario_days` gives the same history as day arrays, for
  benchmarks that draw thousands.

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


from .cohort import simulate_cohort
from .common import DURATION_DISTRIBUTIONS, Simulation, SimulationTruth
from .personal import simulate_personal_log
from .scenarios import EFFECTS, SCENARIOS, scenario_days, simulate_scenario

__all__ = ["Simulation", "SimulationTruth", "simulate_cohort", "simulate_personal_log", "simulate_scenario", "scenario_days",
           "SCENARIOS", "EFFECTS", "DURATION_DISTRIBUTIONS"]
