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

from .counting_process import CountingProcess, number_episodes
from .partitioned import is_dask_frame
from .grouping import DAY_NS, as_ns, first_in_group, grouped_cummax, grouped_keys, subject_codes, window_of
from .log import EpisodeLog
from .options import check_option
from .schema import LogValidationError, ProblemList

__all__ = ["to_counting_process", "as_counting_process", "EpisodesNotCountedWarning"]

TIME_SCALES = ("calendar", "gap")


class EpisodesNotCountedWarning(UserWarning):
    """Some episodes began while their subject was not at risk and are not events."""


def to_counting_process(
    log: EpisodeLog,
    *,
    time_scale: str = "calendar",
    risk_free_days: float = 0,
    treatments=None,
    carryover_days: float = 0,
    assume_duration_days: float | None = None,
    count_index_episode: bool = False,
    follow_up=None,
    covariates=None,
) -> CountingProcess:
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
    CountingProcess
        Rows ``subject, start, stop, event, episode``, baseline covariates, then
        one ``on_<modality>`` column per requested modality (``.to_frame()``
        gives them as a DataFrame).  ``episode`` is k on the rows at risk of the
        k-th counted episode (the PWP stratum).  The type records
        ``time_scale``, ``risk_free_days``, ``origin`` (each subject's time
        zero), ``index_episodes`` and ``not_counted`` (records of episodes that
        began while not at risk, with the reason).

    follow_up, covariates : DataFrame or dask DataFrame, optional
        Only when ``log`` is a ``dask.dataframe.DataFrame`` of episodes (rows
        of one subject may sit in different partitions): the follow-up windows
        and baseline covariates of the same subjects. The tables are shuffled
        by subject once and each partition is converted as in memory; the
        result is then a Dask DataFrame with the columns of
        ``CountingProcess.to_frame()``, whose partitions each hold all rows of
        their subjects (``pip install "spasm_analysis[dask]"``).

    Examples
    --------
    >>> cp = sa.to_counting_process(log, risk_free_days=2)  # doctest: +SKIP
    """
    if is_dask_frame(log):
        from spasm_analysis.partitioned.counting import partitioned_counting_process

        return partitioned_counting_process(
            log, convert=to_counting_process, follow_up=follow_up, covariates=covariates, time_scale=time_scale,
            risk_free_days=risk_free_days, treatments=treatments, carryover_days=carryover_days,
            assume_duration_days=assume_duration_days, count_index_episode=count_index_episode)
    if follow_up is not None or covariates is not None:
        raise ValueError("follow_up= and covariates= are for a log held in Dask DataFrames; an "
                         "EpisodeLog already holds its follow-up and covariates")
    if not isinstance(log, EpisodeLog):
        raise TypeError(f"to_counting_process needs an EpisodeLog, not {type(log).__name__}")
    check_option("time_scale", time_scale, TIME_SCALES)
    for name, value in (("risk_free_days", risk_free_days), ("carryover_days", carryover_days)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number of days, got {value!r}")
    if assume_duration_days is not None and not (np.isfinite(assume_duration_days) and assume_duration_days > 0):
        raise ValueError(f"assume_duration_days must be a positive number of days, got {assume_duration_days!r}")

    episodes = log.episodes
    follow_up = log.follow_up
    blocked_until = _blocked_until(episodes, risk_free_days, assume_duration_days, log.row_labels("episodes"))
    subjects = np.asarray(log.subjects, dtype=object)
    segments, index_eps, not_counted = _at_risk_segments(episodes, blocked_until, follow_up, subjects, count_index_episode)
    origin_ns = segments.pop("origin")

    modalities = _requested_modalities(log, treatments)
    if modalities:
        segments = _split_by_treatment(segments, log.treatments, modalities, carryover_days, subjects)

    code = segments["code"]
    zero = origin_ns[code] if time_scale == "calendar" else segments["entry"]
    out = pd.DataFrame(
        {
            "subject": subjects[code],
            "start": (segments["abs_start"] - zero) / DAY_NS,
            "stop": (segments["abs_stop"] - zero) / DAY_NS,
            "event": segments["event"].astype(int),
            "episode": segments["episode"].astype(int),
        }
    )
    covariates = log.covariates
    if len(covariates.columns) > 1:
        by_subject = covariates.set_index("subject").reindex(subjects)
        for column in by_subject.columns:
            out[column] = by_subject[column].to_numpy()[code]
    for modality in modalities:
        out[f"on_{modality}"] = segments[f"on_{modality}"].astype(int)
    origin = pd.Series(pd.to_datetime(origin_ns), index=pd.Index(subjects, name="subject"), name="origin")

    if len(not_counted):
        warnings.warn(
            f"{len(not_counted)} episode(s) began while not at risk (during an earlier episode's "
            "risk-free window, or the moment it ended) and are not counted as events; "
            "see result.not_counted",
            EpisodesNotCountedWarning,
            stacklevel=2,
        )
    return CountingProcess.from_frame(
        out,
        time_scale=time_scale,
        risk_free_days=risk_free_days,
        carryover_days=carryover_days,
        origin=origin.to_dict(),
        index_episodes=index_eps.to_dict("records"),
        not_counted=not_counted.to_dict("records"),
        log=log,
    )


def as_counting_process(data, *, subject: str = "subject", cluster: str | None = None) -> CountingProcess:
    """Any accepted input as a :class:`CountingProcess`.

    A CountingProcess is returned as it is (its cluster set to ``cluster``
    when one is asked for and it has another); a DataFrame in
    counting-process form goes through :meth:`CountingProcess.from_frame`; an
    :class:`EpisodeLog` through :func:`to_counting_process` with its defaults.
    """
    if isinstance(data, CountingProcess):
        if cluster is None or cluster == data.cluster_name:
            return data
        return CountingProcess.from_frame(data.to_frame(), cluster=cluster, **_built_with(data))
    if isinstance(data, pd.DataFrame):
        return CountingProcess.from_frame(data, subject=subject, cluster=cluster)
    if isinstance(data, EpisodeLog):
        return as_counting_process(to_counting_process(data), cluster=cluster)
    raise TypeError("expected a CountingProcess, a DataFrame in counting-process form "
                    f"(columns subject, start, stop, event) or an EpisodeLog, not {type(data).__name__}")


def _built_with(cp: CountingProcess) -> dict:
    return dict(time_scale=cp.time_scale, risk_free_days=cp.risk_free_days,
                carryover_days=cp.carryover_days, origin=cp.origin,
                index_episodes=cp.index_episodes, not_counted=cp.not_counted, log=cp.log)


def _blocked_until(episodes: pd.DataFrame, risk_free_days: float, assume_duration_days: float | None, rows=None) -> pd.Series:
    """The instant each episode's subject is at risk again: end plus the risk-free window."""
    end = episodes["end"]
    if "ongoing" in episodes.columns:
        # Still going on the last logged day: not at risk again before then (end_earliest).
        still = episodes["ongoing"].astype(bool) & end.isna()
        end = end.where(~still, episodes["end_earliest"])
    unknown = end.isna()
    if unknown.any():
        if assume_duration_days is None:
            problems = ProblemList()
            for label in episodes.index[unknown]:
                problems.add(
                    "episodes", rows[label] if rows is not None else label, "end", None,
                    f"the episode of subject {episodes.at[label, 'subject']!r} that began "
                    f"{episodes.at[label, 'onset']:%Y-%m-%d} has no recorded end, so the days it kept the person "
                    "out of risk are not known; give its end or its length ('3 days', 'a few days'), write "
                    "'still going' if it had not ended, or choose one length for every unknown end "
                    "(assume_duration_days=)",
                )
            raise LogValidationError(problems, "to_counting_process")
        end = end.where(~unknown, episodes["onset"] + pd.to_timedelta(assume_duration_days, unit="D"))
    return end + pd.to_timedelta(risk_free_days, unit="D")


def _at_risk_segments(episodes, blocked_until, follow_up, subjects, count_index_episode):
    """At-risk segments of every follow-up window, each ending in an onset or the window end.

    Returns a dict of aligned numpy arrays sorted by subject and time (``code``,
    ``abs_start``, ``abs_stop`` and ``entry`` in int64 nanoseconds, ``event``,
    ``episode``, plus ``origin``: each subject's time zero), the index episodes and
    the episodes not counted.
    """
    e_code = subject_codes(episodes["subject"], subjects)
    onset = as_ns(episodes["onset"])
    blocked = as_ns(blocked_until)
    # EpisodeLog keeps episodes sorted by subject and onset; sort only if that ever changes.
    is_sorted = bool(np.all((np.diff(e_code) > 0) | ((np.diff(e_code) == 0) & (np.diff(onset) >= 0))))
    order = np.arange(len(e_code)) if is_sorted else np.lexsort((onset, e_code))
    e_code, onset, blocked = e_code[order], onset[order], blocked[order]

    w_code = subject_codes(follow_up["subject"], subjects)
    w_start, w_end = as_ns(follow_up["start"]), as_ns(follow_up["end"])
    w_order = np.lexsort((w_start, w_code))
    w_code, w_start, w_end = w_code[w_order], w_start[w_order], w_end[w_order]
    origin = np.zeros(len(subjects), dtype=np.int64)
    w_first = first_in_group(w_code)
    origin[w_code[w_first]] = w_start[w_first]

    base = int(min(w_start.min(), onset.min() if len(onset) else w_start.min()))
    top = int(max(w_end.max(), blocked.max() if len(blocked) else w_end.max()))
    span = (top - base) / DAY_NS + 2.0
    e_key = grouped_keys(e_code, onset, base, span)

    # Furthest instant an earlier episode of the same subject blocks risk until.
    reach = grouped_cummax(blocked, e_code)
    first = first_in_group(e_code)
    reach_before = np.where(first, np.iinfo(np.int64).min, np.roll(reach, 1))

    # The window an onset belongs to: the one containing it, else the one it is ongoing into.
    window, _ = window_of(e_code, onset, w_code, w_start, w_end, base, span)
    seg_start = np.maximum(w_start[window], reach_before)
    at_risk = onset > seg_start
    index = onset <= w_start[window]

    # Index episodes counted before each episode of the subject (they are no rows' onsets).
    counted_index = (index & count_index_episode).astype(np.int64)
    index_before = pd.Series(counted_index).groupby(e_code, sort=False).cumsum().to_numpy()

    # The last segment of each window starts at the furthest block reached before its end.
    k = np.searchsorted(e_key, grouped_keys(w_code, w_end, base, span), side="right") - 1
    kc = np.clip(k, 0, max(len(e_code) - 1, 0))
    has = (k >= 0) & (len(e_code) > 0) & (e_code[kc] == w_code) if len(e_code) else np.zeros(len(w_code), bool)
    final_start = np.where(has, np.maximum(w_start, reach[kc] if len(e_code) else w_start), w_start)
    keep = w_end > final_start

    code = np.concatenate([e_code[at_risk], w_code[keep]])
    abs_start = np.concatenate([seg_start[at_risk], final_start[keep]])
    abs_stop = np.concatenate([onset[at_risk], w_end[keep]])
    event = np.concatenate([np.ones(at_risk.sum(), np.int8), np.zeros(keep.sum(), np.int8)])
    index_offset = np.concatenate([index_before[at_risk], np.where(has, index_before[kc], 0)[keep] if len(e_code) else np.zeros(keep.sum(), np.int64)])
    seg_order = np.argsort(grouped_keys(code, abs_start, base, span), kind="stable")
    segments = {
        "code": code[seg_order],
        "abs_start": abs_start[seg_order],
        "abs_stop": abs_stop[seg_order],
        "event": event[seg_order],
        "origin": origin,
    }
    # The one numbering rule (CountingProcess's), shifted by the index episodes counted before.
    segments["episode"] = number_episodes(segments["code"], segments["event"]) + index_offset[seg_order]
    segments["entry"] = segments["abs_start"].copy()

    sorted_episodes = episodes if is_sorted else episodes.iloc[order]
    index_eps = sorted_episodes.loc[index & ~at_risk, ["subject", "onset", "end"]].reset_index(drop=True)
    not_counted = sorted_episodes.loc[~at_risk & ~index, ["subject", "onset", "end"]].reset_index(drop=True)
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


def _merged_periods(treatments: pd.DataFrame, modality: str, carryover_days: float, subjects: np.ndarray):
    """Disjoint exposed periods of one modality per subject (sessions plus carry-over, unioned).

    Returns (codes, start_ns, end_ns) sorted by subject and start.
    """
    tr = treatments[treatments["modality"] == modality]
    code = subject_codes(tr["subject"], subjects)
    start = as_ns(tr["start"])
    end = as_ns(tr["end"]) + int(round(carryover_days * DAY_NS))
    order = np.lexsort((start, code))
    code, start, end = code[order], start[order], end[order]
    if not len(code):
        return code, start, end
    reach_before = np.roll(grouped_cummax(end, code), 1)
    new_block = first_in_group(code) | (start > reach_before)
    block_first = np.flatnonzero(new_block)
    block_end = np.maximum.reduceat(end, block_first)
    return code[block_first], start[block_first], block_end


def _split_by_treatment(segments: dict, treatments: pd.DataFrame, modalities: list[str], carryover_days: float, subjects: np.ndarray) -> dict:
    """Split segments where any requested treatment period starts or ends; flag exposure."""
    periods = {m: _merged_periods(treatments, m, carryover_days, subjects) for m in modalities}
    times = [segments["abs_start"], segments["abs_stop"]] + [t for p in periods.values() for t in p[1:]]
    base = int(min(t.min() for t in times if len(t)))
    span = (int(max(t.max() for t in times if len(t))) - base) / DAY_NS + 2.0

    cut_code = np.concatenate([np.concatenate([c, c]) for c, _, _ in periods.values()])
    cut_ns = np.concatenate([np.concatenate([s, e]) for _, s, e in periods.values()])
    cut_key = grouped_keys(cut_code, cut_ns, base, span)
    cut_key, unique_at = np.unique(cut_key, return_index=True)
    cut_ns = cut_ns[unique_at]

    code = segments["code"]
    seg_lo = grouped_keys(code, segments["abs_start"], base, span)
    seg_hi = grouped_keys(code, segments["abs_stop"], base, span)
    first = np.searchsorted(cut_key, seg_lo, side="right")
    n_cuts = np.maximum(np.searchsorted(cut_key, seg_hi, side="left") - first, 0)
    pieces = n_cuts + 1
    rows = np.repeat(np.arange(len(code)), pieces)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cut_at = np.repeat(first, pieces) + offset
    is_last = offset == n_cuts[rows]
    last_cut = max(len(cut_ns) - 1, 0)
    lo = np.where(offset == 0, segments["abs_start"][rows], cut_ns[np.clip(cut_at - 1, 0, last_cut)] if len(cut_ns) else 0)
    hi = np.where(is_last, segments["abs_stop"][rows], cut_ns[np.clip(cut_at, 0, last_cut)] if len(cut_ns) else 0)

    out = {name: values[rows] for name, values in segments.items()}
    out["abs_start"], out["abs_stop"] = lo, hi
    # Only the last piece of a segment keeps its event.
    out["event"] = np.where(is_last, out["event"], 0)
    mid = (grouped_keys(out["code"], lo, base, span) + grouped_keys(out["code"], hi, base, span)) / 2.0
    for modality, (p_code, p_start, p_end) in periods.items():
        if not len(p_code):
            out[f"on_{modality}"] = np.zeros(len(rows), dtype=int)
            continue
        p_lo = grouped_keys(p_code, p_start, base, span)
        p_hi = grouped_keys(p_code, p_end, base, span)
        j = np.searchsorted(p_lo, mid, side="right") - 1
        out[f"on_{modality}"] = ((j >= 0) & (mid < p_hi[np.maximum(j, 0)])).astype(int)
    return out
