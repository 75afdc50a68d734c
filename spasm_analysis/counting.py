"""From an episode log to (start, stop] counting-process data.

A subject is at risk of a new episode from the start of follow-up until an
onset (an event), is not at risk during the episode and for ``risk_free_days``
after its end, and is at risk again afterwards; the last interval of each
follow-up window ends at the window's end without an event.  This is the data
layout of Andersen & Gill (1982) and of R's ``Surv(start, stop, event)``;
Therneau & Grambsch (2000, ch. 8) describe the risk-free ("washout") windows.

Every step is vectorised over all subjects: no Python loop over subjects, rows
or times.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .log import EpisodeLog
from .schema import LogValidationError, ProblemList

__all__ = ["to_counting_process", "EpisodesNotCountedWarning"]

_DAY = np.timedelta64(1, "D")
TIME_SCALES = ("calendar", "gap")


class EpisodesNotCountedWarning(UserWarning):
    """Some episodes began while their subject was not at risk and are not events."""


def _days(delta) -> np.ndarray:
    return np.asarray(delta, dtype="timedelta64[ns]") / _DAY


def to_counting_process(
    log: EpisodeLog,
    *,
    time_scale: str = "calendar",
    risk_free_days: float = 0,
    treatments=None,
    carryover_days: float = 0,
    assume_duration_days: float | None = None,
    count_index_episode: bool = False,
) -> pd.DataFrame:
    """Turn an episode log into (start, stop] intervals at risk.

    Parameters
    ----------
    log : EpisodeLog
    time_scale : {"calendar", "gap"}
        ``"calendar"``: days since the subject's first follow-up start.
        ``"gap"``: days since the subject last (re-)entered the risk set.
    risk_free_days : float, default 0
        Days after each episode's end during which a new onset is not counted
        (a washout, as for ``rhDNase`` in R's survival package).
    treatments : list of str, "all" or None
        Treatment modalities to add as time-varying 0/1 columns ``on_<modality>``;
        intervals are split where a session or course starts and where it ends
        plus ``carryover_days``.
    carryover_days : float, default 0
        How long a treatment is taken to act after its session or course ends.
    assume_duration_days : float, optional
        Length given to episodes whose end is unknown.  Without it such episodes
        raise an error naming them: there is no silent default.
    count_index_episode : bool, default False
        An episode going on when follow-up starts (the *index* episode, often the
        reason logging began) is never an event, as no time at risk precedes it.
        By default it does not count in the episode numbering either; ``True``
        numbers it as episode 1, so the first event is episode 2.

    Returns
    -------
    DataFrame
        ``subject, start, stop, event, episode``, baseline covariates, then one
        ``on_<modality>`` column per requested modality.  ``episode`` is k on the
        rows at risk of the k-th counted episode (the PWP stratum).
        ``attrs`` records ``time_scale``, ``risk_free_days``, ``origin`` (each
        subject's time zero), ``index_episodes`` and ``not_counted`` (episodes that
        began while not at risk, with the reason).

    Examples
    --------
    >>> cp = sa.to_counting_process(log, risk_free_days=2)  # doctest: +SKIP
    """
    if not isinstance(log, EpisodeLog):
        raise TypeError(f"to_counting_process needs an EpisodeLog, not {type(log).__name__}")
    if time_scale not in TIME_SCALES:
        raise ValueError(f"time_scale must be one of {TIME_SCALES}, got {time_scale!r}")
    for name, value in (("risk_free_days", risk_free_days), ("carryover_days", carryover_days)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number of days, got {value!r}")
    if assume_duration_days is not None and not (np.isfinite(assume_duration_days) and assume_duration_days > 0):
        raise ValueError(f"assume_duration_days must be a positive number of days, got {assume_duration_days!r}")

    episodes = log.episodes
    follow_up = log.follow_up
    blocked_until = _blocked_until(episodes, risk_free_days, assume_duration_days)
    segments, index_eps, not_counted = _at_risk_segments(episodes, blocked_until, follow_up, count_index_episode)
    origin = follow_up.groupby("subject")["start"].min()

    modalities = _requested_modalities(log, treatments)
    if modalities:
        segments = _split_by_treatment(segments, log.treatments, modalities, carryover_days)

    subject_origin = origin.reindex(segments["subject"]).to_numpy()
    if time_scale == "calendar":
        start = _days(segments["abs_start"].to_numpy() - subject_origin)
        stop = _days(segments["abs_stop"].to_numpy() - subject_origin)
    else:
        entry = segments["entry"].to_numpy()
        start = _days(segments["abs_start"].to_numpy() - entry)
        stop = _days(segments["abs_stop"].to_numpy() - entry)
    out = pd.DataFrame(
        {
            "subject": segments["subject"].to_numpy(),
            "start": start,
            "stop": stop,
            "event": segments["event"].to_numpy(dtype=int),
            "episode": segments["episode"].to_numpy(dtype=int),
        }
    )
    covariates = log.covariates
    if len(covariates.columns) > 1:
        out = out.merge(covariates, on="subject", how="left", validate="many_to_one")
    for modality in modalities:
        out[f"on_{modality}"] = segments[f"on_{modality}"].to_numpy(dtype=int)

    if len(not_counted):
        warnings.warn(
            f"{len(not_counted)} episode(s) began while not at risk (during an earlier episode's "
            "risk-free window, or the moment it ended) and are not counted as events; "
            "see result.attrs['not_counted']",
            EpisodesNotCountedWarning,
            stacklevel=2,
        )
    out.attrs.update(
        time_scale=time_scale,
        risk_free_days=risk_free_days,
        carryover_days=carryover_days,
        origin=origin,
        index_episodes=index_eps,
        not_counted=not_counted,
    )
    return out


def _blocked_until(episodes: pd.DataFrame, risk_free_days: float, assume_duration_days: float | None) -> pd.Series:
    """The instant each episode's subject is at risk again: end plus the risk-free window."""
    end = episodes["end"]
    unknown = end.isna()
    if unknown.any():
        if assume_duration_days is None:
            problems = ProblemList()
            for label in episodes.index[unknown]:
                problems.add(
                    "episodes", label, "end", None,
                    f"end unknown for the episode of subject {episodes.at[label, 'subject']!r} starting "
                    f"{episodes.at[label, 'onset']:%Y-%m-%d}; pass assume_duration_days=, or give its end "
                    "(for an episode still going on, an end at or after the follow-up end)",
                )
            raise LogValidationError(problems, "to_counting_process")
        end = end.where(~unknown, episodes["onset"] + pd.to_timedelta(assume_duration_days, unit="D"))
    return end + pd.to_timedelta(risk_free_days, unit="D")


def _at_risk_segments(episodes, blocked_until, follow_up, count_index_episode):
    """At-risk segments of every follow-up window, each ending in an onset or the window end."""
    ep = pd.DataFrame({"subject": episodes["subject"], "onset": episodes["onset"], "blocked_until": blocked_until})
    ep["reach_before"] = ep.groupby("subject")["blocked_until"].cummax().groupby(ep["subject"]).shift()
    ep["order"] = np.arange(len(ep))
    fu = follow_up.sort_values(["start"]).reset_index(drop=True)

    # The window an onset belongs to: the one containing it, or else the one it is ongoing into.
    by_onset = ep.sort_values("onset")
    back = pd.merge_asof(by_onset, fu.rename(columns={"start": "w_start", "end": "w_end"}), left_on="onset", right_on="w_start", by="subject", direction="backward")
    fwd = pd.merge_asof(by_onset, fu.rename(columns={"start": "w_start", "end": "w_end"}), left_on="onset", right_on="w_start", by="subject", direction="forward")
    inside = back["w_end"].to_numpy() >= back["onset"].to_numpy()
    w_start = np.where(inside, back["w_start"].to_numpy(), fwd["w_start"].to_numpy())
    order = by_onset["order"].to_numpy()
    ep["w_start"] = pd.Series(w_start, index=order).sort_index().to_numpy()

    seg_start = ep[["w_start", "reach_before"]].max(axis=1)
    at_risk = (ep["onset"] > seg_start).to_numpy()
    index = (ep["onset"] <= ep["w_start"]).to_numpy()
    counted = at_risk
    events = pd.DataFrame({"subject": ep["subject"], "abs_start": seg_start, "abs_stop": ep["onset"], "event": 1})[counted]

    # Episode numbering: counted events in order, plus the index episode if asked.
    numbered = counted | (index & count_index_episode)
    n_before = pd.Series(numbered.astype(int)).groupby(ep["subject"].to_numpy()).cumsum().to_numpy()
    events["episode"] = n_before[counted]

    # The last segment of each window: from the furthest block reached before its end.
    last = pd.merge_asof(
        fu.sort_values("end").rename(columns={"start": "w_start", "end": "w_end"}),
        ep.assign(reach=ep.groupby("subject")["blocked_until"].cummax(), n_so_far=n_before).sort_values("onset")[["subject", "onset", "reach", "n_so_far"]],
        left_on="w_end", right_on="onset", by="subject", direction="backward",
    )
    final_start = last[["w_start", "reach"]].max(axis=1)
    finals = pd.DataFrame(
        {"subject": last["subject"], "abs_start": final_start, "abs_stop": last["w_end"], "event": 0, "episode": last["n_so_far"].fillna(0).astype(int) + 1}
    )
    finals = finals[finals["abs_stop"] > finals["abs_start"]]

    segments = pd.concat([events, finals], ignore_index=True).sort_values(["subject", "abs_start"], kind="stable").reset_index(drop=True)
    segments["entry"] = segments["abs_start"]

    index_eps = episodes.loc[index & ~at_risk, ["subject", "onset", "end"]].reset_index(drop=True)
    lost = ~at_risk & ~index
    not_counted = episodes.loc[lost, ["subject", "onset", "end"]].reset_index(drop=True)
    not_counted["reason"] = "began during the previous episode's risk-free window, or the moment it ended"
    return segments, index_eps, not_counted


def _requested_modalities(log: EpisodeLog, treatments) -> list[str]:
    if treatments is None:
        return []
    known = log.modalities
    if isinstance(treatments, str):
        if treatments == "all":
            return list(known)
        treatments = [treatments]
    wanted = list(dict.fromkeys(treatments))
    missing = [m for m in wanted if m not in known]
    if missing:
        raise ValueError(f"treatment modality {missing} not in the log; modalities present: {', '.join(known) or 'none'}")
    return wanted


def _merged_periods(treatments: pd.DataFrame, modality: str, carryover_days: float) -> pd.DataFrame:
    """Disjoint exposed periods of one modality per subject (sessions plus carry-over, unioned)."""
    tr = treatments[treatments["modality"] == modality]
    periods = pd.DataFrame({"subject": tr["subject"], "start": tr["start"], "end": tr["end"] + pd.to_timedelta(carryover_days, unit="D")})
    periods = periods.sort_values(["subject", "start"]).reset_index(drop=True)
    reach = periods.groupby("subject")["end"].cummax().groupby(periods["subject"]).shift()
    new_block = (periods["subject"] != periods["subject"].shift()) | (periods["start"] > reach)
    block = new_block.cumsum()
    return periods.groupby(block).agg(subject=("subject", "first"), start=("start", "min"), end=("end", "max")).reset_index(drop=True)


def _split_by_treatment(segments: pd.DataFrame, treatments: pd.DataFrame, modalities: list[str], carryover_days: float) -> pd.DataFrame:
    """Split segments where any requested treatment period starts or ends; flag exposure."""
    codes, uniques = pd.factorize(segments["subject"], sort=True)
    t0 = segments["abs_start"].min().to_datetime64()
    span = float(_days(segments["abs_stop"].max().to_datetime64() - t0)) + 2.0

    def key(subject_codes, times):
        return subject_codes * span + _days(times.to_numpy() - t0)

    periods = {m: _merged_periods(treatments, m, carryover_days) for m in modalities}
    for m, p in periods.items():
        periods[m] = p[p["subject"].isin(uniques)]
    code_of = pd.Series(np.arange(len(uniques)), index=uniques)
    bp = np.unique(np.concatenate([np.concatenate([key(code_of[p["subject"]].to_numpy(), p["start"]), key(code_of[p["subject"]].to_numpy(), p["end"])]) for p in periods.values()] or [np.empty(0)]))

    seg_lo = key(codes, segments["abs_start"])
    seg_hi = key(codes, segments["abs_stop"])
    first = np.searchsorted(bp, seg_lo, side="right")
    last = np.searchsorted(bp, seg_hi, side="left")
    n_cuts = np.maximum(last - first, 0)
    pieces = n_cuts + 1
    rows = np.repeat(np.arange(len(segments)), pieces)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cut_index = np.repeat(first, pieces) + offset  # index into bp of this piece's end cut
    is_last = offset == np.repeat(n_cuts, pieces)
    lo = np.where(offset == 0, seg_lo[rows], bp[np.minimum(cut_index - 1, len(bp) - 1)] if len(bp) else seg_lo[rows])
    hi = np.where(is_last, seg_hi[rows], bp[np.minimum(cut_index, len(bp) - 1)] if len(bp) else seg_hi[rows])

    out = segments.iloc[rows].reset_index(drop=True)
    base = codes[rows] * span
    out["abs_start"] = pd.Timestamp(t0) + pd.to_timedelta(lo - base, unit="D")
    out["abs_stop"] = pd.Timestamp(t0) + pd.to_timedelta(hi - base, unit="D")
    # Only the last piece of a segment keeps its event.
    out["event"] = np.where(is_last, out["event"].to_numpy(), 0)
    mid = (lo + hi) / 2.0
    for m, p in periods.items():
        p_codes = code_of[p["subject"]].to_numpy()
        p_lo = key(p_codes, p["start"])
        p_hi = key(p_codes, p["end"])
        order = np.argsort(p_lo)
        p_lo, p_hi = p_lo[order], p_hi[order]
        j = np.searchsorted(p_lo, mid, side="right") - 1
        out[f"on_{m}"] = ((j >= 0) & (mid < p_hi[np.maximum(j, 0)])).astype(int) if len(p_lo) else 0
    return out
