"""Did it help?  A within-person comparison that holds up on a real log.

Comparing time on a treatment with all other time in a log finds "effects" in
most logs where there are none: treatment is taken in the bad years and so
compared with quiet ones, it starts because of an episode, and remembered
onsets are dropped.  :func:`treatment_effect` compares the days after
sessions with other at-risk days *in the same stretch of the person's own
onset rate* (change points), the same season and the same time since the last
episode ended (treatment follows episodes, and episodes come in clusters),
counts only days at risk (not those in an episode), and places onsets known
only to the month or year instead of dropping them -- then says how far the
answer moves between placements.

The model (self-controlled case series in Poisson form; Farrington 1995;
Whitaker et al. 2006; Petersen, Douglas & Whitaker 2016): onsets in cell c
(stretch p, season s, time since an episode r, exposure state e) are Poisson
with mean t_c lambda_{p,s,r} psi_e; the rate ratio of the window is
psi_window.  By default the comparison is exact and conditional: given each
stratum's onsets, the window's share is binomial, and the mid-p interval and
p-value come from the convolution of those binomials (Martin & Austin 1991;
:mod:`.poisson_exact`).  Measured on 28,000 simulated logs
(``benchmarks/bench_personal_validity.py``), it holds its level where the
profile-likelihood interval of the additive model (``interval="profile"``)
was too narrow, and the stretches (rather than calendar years) keep a
period's rate from being pulled towards the windows its own onsets brought
on.  A pre-exposure stratum (the days from an onset to the first session it
brought on, reaching back over the at-risk stretch that ended in that onset;
Farrington, Whitaker & Hocine 2009) is available with ``pre_exposure_days``;
it is off by default because it selects at-risk time by whether it ended in
an onset, which biased the window's ratio down in the simulations, while the
time-since-episode bands adjust for treatment following episodes without
looking ahead.

References
----------
Farrington, C. P. (1995). Relative incidence estimation from case series for
    vaccine safety evaluation. Biometrics 51, 228-235.
Whitaker, H. J., Farrington, C. P., Spiessens, B. & Musonda, P. (2006). The
    self-controlled case series method. Statistics in Medicine 25, 1768-1797.
Farrington, C. P., Whitaker, H. J. & Hocine, M. N. (2009). Case series analysis
    for censored, perturbed, or curtailed post-event exposures. Biostatistics 10, 3-16.
Petersen, I., Douglas, I. & Whitaker, H. (2016). Self controlled case series
    methods: an alternative to standard epidemiological study designs. BMJ 354, i4515.
Martin, D. O. & Austin, H. (1991). Exact estimates for a rate ratio.
    Epidemiology 2, 359-362.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .display import interval_plot, result_html
from .placement import PLACEMENTS, has_imprecise_onsets, place_onsets
from ..options import check_confidence_level, check_number, check_option
from .rate_ratio import exposure_periods
from .self_controlled import SINCE_EPISODE_BANDS, STATES, build_cells, check_band_edges, exposure_periods_days
from .stratified import period_bounds
from .self_controlled_fit import INTERVALS, fit_cells
from .timeline import DAY, episode_end_days, is_counting_process, logged, one_subject

__all__ = ["treatment_effect", "TreatmentEffectResult", "VERDICTS", "TREATMENT_EFFECT_OPTIONS", "PERIOD_CHOICES"]

VERDICTS = ("fewer episodes", "more episodes", "can't tell")
PERIOD_CHOICES = ("stretches", "years", "half-years", "quarters")
#: Keyword options of :func:`treatment_effect` and their defaults.
TREATMENT_EFFECT_OPTIONS = {
    "periods": "stretches", "interval": "mid-p", "season": True, "pre_exposure_days": 0.0,
    "since_episode_days": SINCE_EPISODE_BANDS,
    "min_onsets": 5, "placements": PLACEMENTS, "subject": None, "risk_free_days": 0.0,
    "assume_duration_days": None,
}
_PER_YEAR = 365.25


@dataclass(frozen=True)
class TreatmentEffectResult:
    """The answer to "did it help?" for one treatment in one person's log.

    Attributes
    ----------
    rate_ratio : float
        Onsets per at-risk day in the window after sessions relative to other
        at-risk days in the same calendar periods and seasons (0 when the
        window holds no onset; NaN when nothing can be compared, see ``notes``).
    ci_lower, ci_upper : float
        Mid-p exact conditional limits (profile-likelihood limits with
        ``interval="profile"``).
    p_value : float
        Two-sided mid-p test of a rate ratio of 1 (likelihood-ratio test with
        ``interval="profile"``).
    verdict : str
        ``"fewer episodes"``, ``"more episodes"`` or ``"can't tell"``.
    method : str
    interpretation : str
        Plain words: the association, its uncertainty, never advice.
    table : DataFrame
        One row per exposure state (``baseline``, ``pre-exposure``, ``window``):
        ``state, onsets, days_at_risk, rate_per_year`` (crude) and the adjusted
        ``rate_ratio, ci_lower, ci_upper`` against baseline.
    confidence_level : float
    treatment : str
    window : tuple or None
    onsets_in_window : int
    expected_in_window : float
        Onsets the window would hold with no effect (given each stratum's
        onsets; the model with the rate ratio fixed at 1 for ``interval="profile"``).
    placements : DataFrame
        One row per placement of imprecise onsets (``earliest``, ``midpoint``,
        ``latest``): the estimate, limits and verdict each gives; one row
        (``as recorded``) when every onset is known to the day.
    cells : DataFrame
        The cells the model was fitted to (midpoint placement).
    notes : str
    """

    rate_ratio: float
    ci_lower: float
    ci_upper: float
    p_value: float
    verdict: str
    method: str
    interpretation: str
    table: pd.DataFrame
    confidence_level: float = 0.95
    treatment: str = ""
    window: tuple | None = None
    onsets_in_window: int = 0
    expected_in_window: float = float("nan")
    placements: pd.DataFrame = field(default_factory=pd.DataFrame)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: str = ""

    def _repr_html_(self) -> str:
        return result_html(f"Did {self.treatment} help? {self.verdict}", self.table, self.interpretation, self.method, self.notes)

    def plot(self, ax=None):
        """Rate ratio against baseline time for each exposure state, with its interval (log scale)."""
        t = self.table[self.table["state"] != "baseline"].dropna(subset=["rate_ratio"]).reset_index(drop=True)
        ax = interval_plot(ax, np.arange(len(t)), t["rate_ratio"], t["ci_lower"], np.minimum(t["ci_upper"], 1e3),
                           ylabel="rate ratio vs other time (same period, season)", labels=t["state"], floor=1e-3)
        ax.axhline(1.0, color="grey", lw=1, ls="--")
        ax.set_yscale("log")
        ax.set_title(f"{self.treatment}: {self.verdict}")
        return ax


def _check_options(options: dict) -> dict:
    unknown = sorted(set(options) - set(TREATMENT_EFFECT_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(TREATMENT_EFFECT_OPTIONS)}")
    out = dict(TREATMENT_EFFECT_OPTIONS, **options)
    check_option("periods", out["periods"], PERIOD_CHOICES)
    check_option("interval", out["interval"], INTERVALS)
    for name in ("pre_exposure_days", "risk_free_days"):
        check_number(name, out[name], at_least=0)
    out["since_episode_days"] = check_band_edges(out["since_episode_days"])
    if not (isinstance(out["min_onsets"], (int, np.integer)) and out["min_onsets"] >= 1):
        raise ValueError(f"min_onsets must be a positive whole number, got {out['min_onsets']!r}")
    placements = (out["placements"],) if isinstance(out["placements"], str) else tuple(out["placements"])
    for placement in placements or (None,):
        check_option("placements", placement, PLACEMENTS)
    out["placements"] = placements
    return out


def check_window(window):
    """``None`` or a pair of whole days ``(a, b)`` with ``0 <= a <= b``."""
    if window is None:
        return None
    try:
        a, b = (float(v) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be None or a pair (from_day, to_day), e.g. (4, 14); got {window!r}") from None
    if not (np.isfinite(a) and np.isfinite(b) and 0 <= a <= b):
        raise ValueError(f"window {window!r} must satisfy 0 <= from_day <= to_day")
    return (a, b)


def window_words(window) -> str:
    if window is None:
        return "during the course and the 14 days after it"
    a, b = window
    return f"{a:g} to {b:g} days after a session"


def estimate_from_days(*, lo, hi, event, onset_day, episode_end_day, session_start, session_end, origin, end_day,
                       window, confidence_level=0.95, periods="stretches", interval="mid-p", season=True,
                       pre_exposure_days=0.0, since_episode_days=SINCE_EPISODE_BANDS, min_onsets=5, every_state=True):
    """The comparison on day numbers (the engine under :func:`treatment_effect`, used by the benchmark).

    Returns the dict of :func:`~.self_controlled_fit.fit_cells` with ``verdict`` and ``cells`` added.
    """
    exposure = exposure_periods_days(session_start, session_end, window)
    bounds = period_bounds(lo, hi, event, origin, end_day, periods)
    cells = build_cells(
        lo=lo, hi=hi, event=event, onset_day=onset_day, episode_end_day=episode_end_day, exposure=exposure,
        period_bounds=bounds, origin=origin, season=season,
        pre_exposure_days=pre_exposure_days, since_episode_days=since_episode_days,
    )
    fit = fit_cells(cells, confidence_level=confidence_level, every_state=every_state, interval=interval)
    fit["verdict"] = verdict(fit, min_onsets)
    fit["cells"] = cells
    return fit


def verdict(fit: dict, min_onsets: int) -> str:
    """"fewer"/"more episodes" only when the interval excludes 1 and enough onsets carry it.

    Enough: ``min_onsets`` onsets seen in the window or expected there without
    an effect.  So one or two onsets where fewer were expected never make
    "more episodes" (the "134 times as frequent" of a crude comparison), and
    "fewer episodes" needs a window that should have held at least
    ``min_onsets``.
    """
    enough = max(fit["onsets_in_window"], fit["expected_in_window"]) >= min_onsets
    if not enough or not np.isfinite(fit["ci_lower"]) or np.isnan(fit["ci_upper"]):
        return "can't tell"
    if fit["ci_upper"] < 1:
        return "fewer episodes"
    if fit["ci_lower"] > 1:
        return "more episodes"
    return "can't tell"


def _days_of(log, subject, assume_duration_days, risk_free_days, counted=None):
    from ..counting import to_counting_process

    cp = counted if counted is not None else to_counting_process(
        log, risk_free_days=risk_free_days, assume_duration_days=assume_duration_days)
    cp = cp[cp["subject"] == subject]
    fu = log.follow_up[log.follow_up["subject"] == subject]
    origin = fu["start"].min()
    ep = log.episodes[log.episodes["subject"] == subject]
    return {
        "lo": cp["start"].to_numpy(float), "hi": cp["stop"].to_numpy(float), "event": cp["event"].to_numpy() == 1,
        "onset_day": ((ep["onset"] - origin) / DAY).to_numpy(float),
        "episode_end_day": episode_end_days(ep, origin, assume_duration_days),
        "origin": origin, "end_day": float((fu["end"].max() - origin) / DAY),
    }


def treatment_effect(log, treatment, *, window=None, confidence_level: float = 0.95, **options) -> TreatmentEffectResult:
    """Did ``treatment`` go with fewer episodes, more, or can't the log tell?

    Onsets per at-risk day in the window after sessions are compared with
    other at-risk days of the same person in the same stretch of their own
    onset rate, season and time since the last episode (self-controlled
    Poisson comparison with an exact conditional mid-p interval; see the
    module docstring).

    Parameters
    ----------
    log : EpisodeLog or CountingProcess
        A CountingProcess from ``sa.to_counting_process(log)``: its rows are the time at risk.
        One person's log (or pass ``subject=``).
    treatment : str or DataFrame
        A modality in the log (its sessions or courses), or sessions
        ``subject, start[, end]`` (``subject`` optional for one person).
    window : (a, b) or None
        Look for an effect from day ``a`` to day ``b`` after each session (an
        onset on the session's own day counts as before it); ``None``: from
        the first to the last session of each course plus 14 days.
    confidence_level : float
    **options
        ``periods`` ("stretches" (default): the person's own stretches of
        constant onset rate, found as :func:`~spasm_analysis.change_points`
        finds them; or calendar "years", "half-years", "quarters"): blocks
        within which time is compared; ``interval`` ("mid-p" (default): exact
        conditional within strata; "profile": profile likelihood of the
        additive Poisson model); ``season`` (True): also compare within
        season; ``since_episode_days`` ((10, 20, 40, 80)): compare within
        bands of time since the last episode ended (episodes come in
        clusters, and treatment follows episodes; one number gives "within"
        and "later"; None turns it off); ``pre_exposure_days`` (0, off): when
        a course's first session comes at most this many days after an
        onset, that onset, the at-risk stretch that ended in it and the days
        up to the session are their own stratum; ``min_onsets`` (5): a verdict needs at
        least this many onsets seen in the window or expected there without
        an effect, else "can't tell"; ``placements`` (earliest, midpoint, latest): where onsets
        known only to the month/year (or given as ``onset``..``onset_latest``)
        are placed; ``subject``, ``risk_free_days``, ``assume_duration_days``
        (as for :func:`~spasm_analysis.to_counting_process`).

    Returns
    -------
    TreatmentEffectResult

    Raises
    ------
    ValueError
        Unknown options or values (the message lists the allowed ones), an
        unknown modality, or no session inside follow-up.

    References
    ----------
    Farrington (1995); Whitaker et al. (2006); Farrington, Whitaker & Hocine
    (2009); Petersen, Douglas & Whitaker (2016); Martin & Austin (1991) for
    the mid-p interval (one stratum: R ``poisson.test`` with mid-p tails).
    ``interval="profile"`` is R's
    ``glm(events ~ period + season + state, family = poisson, offset = log(days))``
    with profile-likelihood limits.

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> log, truth = sa.simulate_scenario("step", effect="70% fewer", seed=11)
    >>> r = sa.treatment_effect(log, "physiotherapy", window=(4, 14))
    >>> r.verdict in ("fewer episodes", "more episodes", "can't tell"), r.ci_lower < r.rate_ratio < r.ci_upper
    (True, True)
    """
    level = check_confidence_level(confidence_level)
    window = check_window(window)
    opts = _check_options(options)
    # a CountingProcess's rows are the time at risk, and its onsets stay where they were counted
    counted = log if is_counting_process(log) else None
    if counted is not None and (opts["risk_free_days"] or opts["assume_duration_days"] is not None):
        raise ValueError("risk_free_days and assume_duration_days are fixed when the CountingProcess is built; "
                         "pass them to sa.to_counting_process")
    log = logged(log)
    subject = one_subject(log.subjects, opts["subject"])
    if len(log.subjects) > 1:
        log = log.subset([subject])
    if isinstance(treatment, pd.DataFrame) and "end" not in treatment.columns:
        treatment = treatment.assign(end=treatment["start"])
    sessions, _ = exposure_periods(log, treatment)
    label = treatment if isinstance(treatment, str) else "the given sessions"
    sessions = sessions[sessions["subject"] == subject]
    fu = log.follow_up
    inside = (sessions["start"] >= fu["start"].min()) & (sessions["start"] <= fu["end"].max())
    if not inside.any():
        raise ValueError(f"no session of {label} falls inside follow-up ({fu['start'].min():%Y-%m-%d} to {fu['end'].max():%Y-%m-%d})")
    imprecise = counted is None and has_imprecise_onsets(log.episodes)
    runs = opts["placements"] if imprecise else ("as recorded",)
    model_options = {k: opts[k] for k in ("periods", "interval", "season", "pre_exposure_days", "since_episode_days", "min_onsets")}
    fits = {}
    for how in runs:
        placed = log if how == "as recorded" else place_onsets(log, how)
        days = _days_of(placed, subject, opts["assume_duration_days"], opts["risk_free_days"], counted)
        origin = days["origin"]
        fits[how] = estimate_from_days(
            **days, session_start=((sessions["start"] - origin) / DAY).to_numpy(float),
            session_end=((sessions["end"] - origin) / DAY).to_numpy(float), window=window,
            confidence_level=level, **model_options,
        )
    headline = "midpoint" if "midpoint" in fits else next(iter(fits))
    fit = fits[headline]
    answer = fit["verdict"]
    verdicts = {f["verdict"] for f in fits.values()}
    moved = len(verdicts) > 1
    if moved:
        answer = "can't tell"
    placements = pd.DataFrame([
        {"placement": how, "rate_ratio": f["rate_ratio"], "ci_lower": f["ci_lower"], "ci_upper": f["ci_upper"],
         "p_value": f["p_value"], "onsets_in_window": f["onsets_in_window"], "verdict": f["verdict"]}
        for how, f in fits.items()
    ])
    method = method_words(window, level, opts)
    notes = "" if not imprecise else _placement_note(placements, headline)
    return TreatmentEffectResult(
        rate_ratio=fit["rate_ratio"], ci_lower=fit["ci_lower"], ci_upper=fit["ci_upper"], p_value=fit["p_value"],
        verdict=answer, method=method,
        interpretation=_interpretation(fit, answer, label, window, level, opts["min_onsets"], moved),
        table=_state_table(fit), confidence_level=level, treatment=label, window=window,
        onsets_in_window=int(fit["onsets_in_window"]), expected_in_window=float(fit["expected_in_window"]),
        placements=placements, cells=fit["cells"].to_frame(fit_origin(log, subject)), notes=notes,
    )


def _since_words(since) -> str:
    if not since:
        return ""
    if np.ndim(since) == 0:
        return f", adjusted for being within {since:g} days after an episode"
    edges = [0.0, *since]
    bands = ", ".join(f"{a:g}-{b:g}" for a, b in zip(edges[:-1], edges[1:]))
    return f", adjusted for the time since the last episode ended ({bands} days, later)"


def method_words(window, level: float, opts: dict) -> str:
    """One sentence saying how the comparison was made (shown beside every answer)."""
    where = {"stretches": "stretch of constant onset rate (the person's own change points)"}.get(opts["periods"], opts["periods"][:-1])
    interval = (f"exact conditional mid-p {level:.0%} interval and p-value within strata of stretch, season and time since "
                "an episode (Martin & Austin 1991)" if opts["interval"] == "mid-p"
                else f"profile-likelihood {level:.0%} interval and likelihood-ratio p-value of the additive Poisson model")
    return (
        f"Self-controlled Poisson comparison within one person: onsets per at-risk day {window_words(window)} "
        f"against other at-risk days in the same {where}"
        + (" and season" if opts["season"] else "")
        + (f", with the days from an onset to a first session up to {opts['pre_exposure_days']:g} days later as a "
           "separate pre-exposure stratum" if opts["pre_exposure_days"] > 0 else "")
        + _since_words(opts["since_episode_days"])
        + f"; episode days are not at risk; {interval} "
        "(Farrington 1995; Whitaker et al. 2006; Farrington, Whitaker & Hocine 2009)."
    )


def fit_origin(log, subject):
    return log.follow_up.loc[log.follow_up["subject"] == subject, "start"].min()


def _state_table(fit: dict) -> pd.DataFrame:
    rows = []
    for state in STATES:
        s = fit["states"].get(state)
        if s is None:
            continue
        rows.append({"state": state, "onsets": int(s["onsets"]), "days_at_risk": s["days"],
                     "rate_per_year": s["onsets"] / s["days"] * _PER_YEAR if s["days"] > 0 else np.nan,
                     "rate_ratio": s["rate_ratio"], "ci_lower": s["ci_lower"], "ci_upper": s["ci_upper"]})
    return pd.DataFrame(rows, columns=["state", "onsets", "days_at_risk", "rate_per_year", "rate_ratio", "ci_lower", "ci_upper"])


def _placement_note(placements: pd.DataFrame, headline: str) -> str:
    rr = placements["rate_ratio"]
    return (
        "Onsets known only to the month or year were placed at the start, middle and end of their period; "
        f"the rate ratio moved between {rr.min():.2f} and {rr.max():.2f} (headline: {headline} placement)."
    )


def _interpretation(fit, answer, label, window, level, min_onsets, moved) -> str:
    when = window_words(window)
    tail = ("This compares the person with themselves in the same stretches of the log; it is an association in the "
            "record, not proof that the treatment caused it, and not advice.")
    if not np.isfinite(fit["rate_ratio"]) and np.isnan(fit["rate_ratio"]):
        return f"Can't tell: {fit['reason']} {tail}"
    ci = f"{level:.0%} interval {fit['ci_lower']:.2f} to {fit['ci_upper']:.2f}" if np.isfinite(fit["ci_upper"]) else \
        f"{level:.0%} interval from {fit['ci_lower']:.2f} with no upper limit"
    observed = int(fit["onsets_in_window"])
    expected = fit["expected_in_window"]
    counts = f"{observed} onset(s) fell {when} of {label}, where about {expected:.1f} would be expected without an effect"
    if answer == "fewer episodes":
        return f"Fewer episodes: {counts} (rate ratio {fit['rate_ratio']:.2f}, {ci}). {tail}"
    if answer == "more episodes":
        return f"More episodes: {counts} (rate ratio {fit['rate_ratio']:.2f}, {ci}). {tail}"
    if moved:
        why = "the answer changes with where the remembered (month- or year-only) onsets are placed"
    elif max(observed, expected) < min_onsets:
        why = f"too few onsets to tell (fewer than {min_onsets} seen or expected there)"
    else:
        why = "the interval includes both fewer and more episodes"
    return f"Can't tell: {counts} (rate ratio {fit['rate_ratio']:.2f}, {ci}); {why}. {tail}"
