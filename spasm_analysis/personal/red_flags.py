"""Episodes that have lasted more than a week, and when people are usually advised to get care.

Practitioners' rule of thumb (``../shared/DOMAIN.md``): a spasm lasting more
than a week, or still going after a week, deserves a clinician's look.
:func:`red_flags` lists every such episode in a log, including one still going
at the end of the person's follow-up.  :data:`WHEN_TO_GET_CARE` is the general
guidance every personal summary shows, whether or not anything was flagged.

Nothing here is a diagnosis: the flags say what the log shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..options import check_number

__all__ = ["red_flags", "WHEN_TO_GET_CARE", "CARE_HEADING", "RED_FLAG_COLUMNS"]

RED_FLAG_COLUMNS = ("subject", "onset", "days", "ongoing", "reason")
CARE_HEADING = "When to get care"
#: General guidance shown in every personal summary (not advice about this log).
WHEN_TO_GET_CARE = (
    "People are usually advised to see a clinician for a spasm lasting more than a week, or still going after a week.",
    "Get care promptly for numbness, tingling or weakness in the legs.",
    "Get urgent care for loss of bladder or bowel control, or numbness around the groin.",
    "Also see a clinician for fever or feeling unwell with back pain, pain after a fall or injury, "
    "mid-back pain with chest pain or breathlessness, or pain that wakes you at night or keeps getting worse.",
    "This is general guidance about when people are usually advised to get care, not a diagnosis; "
    "this tool cannot tell what causes your pain.",
)
_DAY = pd.Timedelta(days=1)


def red_flags(log, *, as_of=None, min_days: float = 7) -> pd.DataFrame:
    """Episodes that lasted, or have so far lasted, more than ``min_days`` days.

    Parameters
    ----------
    log : EpisodeLog
    as_of : date-like, optional
        The day up to which an episode still going is measured.  Default: the
        end of the subject's follow-up (the last logged day).
    min_days : float, default 7
        Flag episodes longer than this many days.

    Returns
    -------
    DataFrame
        ``subject, onset, days, ongoing, reason``, one row per flagged episode,
        in time order.  ``days`` is how long it lasted (or has lasted so far);
        ``reason`` says it in a sentence.  An episode written as a range that
        may have been over in time ("6-9 days") is flagged when its longest
        reading crosses ``min_days``, and the reason says "may have".

    Raises
    ------
    ValueError
        If ``min_days`` is not a non-negative number.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> episodes = pd.DataFrame({"onset": ["2020-01-05", "2020-03-01"], "end": ["2020-01-08", None],
    ...                          "ongoing": [False, True]})
    >>> log = sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2020-01-01"], "end": ["2020-03-10"]}))
    >>> sa.red_flags(log)[["onset", "days", "ongoing"]]
           onset  days  ongoing
    0 2020-03-01   9.0     True
    """
    check_number("min_days", min_days, at_least=0)
    ep = log.episodes
    fu = log.follow_up
    last_day = fu.groupby("subject")["end"].max()
    if as_of is not None:
        stamp = pd.Timestamp(as_of)
        cutoff = pd.Series(stamp, index=last_day.index)
        ep = ep[ep["onset"] <= stamp]
    else:
        cutoff = last_day
    until = ep["subject"].map(cutoff)
    ongoing = ep["ongoing"].astype(bool) & ep["end"].isna() if "ongoing" in ep.columns else pd.Series(False, index=ep.index)
    end = ep["end"]
    if as_of is not None:
        # As of an earlier day, an episode not yet over then was still going.
        going_then = end.notna() & (end > until)
        ongoing = ongoing | going_then
        end = end.where(~going_then)
    shortest_end = ep["end_earliest"].where(ep["end_earliest"].notna(), end) if "end_earliest" in ep.columns else end
    shortest = ((shortest_end - ep["onset"]) / _DAY).where(~ongoing)
    so_far = ((until - ep["onset"]) / _DAY).where(ongoing)
    longest_end = ep["end_latest"] if "end_latest" in ep.columns else end
    latest_onset = ep["onset_latest"] if "onset_latest" in ep.columns else ep["onset"]
    longest = ((longest_end - latest_onset) / _DAY).where(~ongoing)
    chosen = ((end - ep["onset"]) / _DAY).where(~ongoing)
    open_ended = ep["end_latest"].isna() & end.notna() & ~ongoing if "end_latest" in ep.columns else pd.Series(False, index=ep.index)

    rows = []
    for label in ep.index:
        subject, onset = ep.at[label, "subject"], ep.at[label, "onset"]
        if ongoing[label] and so_far[label] > min_days:
            rows.append((subject, onset, float(so_far[label]), True,
                         f"still going on {until[label]:%Y-%m-%d}, {_days(so_far[label])} after it began"))
        elif not ongoing[label] and shortest[label] > min_days:
            more = " or more" if open_ended[label] else ""
            rows.append((subject, onset, float(shortest[label]), False, f"lasted {_days(shortest[label])}{more}"))
        elif not ongoing[label] and max(_finite(longest[label]), _finite(chosen[label])) > min_days:
            upper = max(_finite(longest[label]), _finite(chosen[label]))
            rows.append((subject, onset, float(upper), False,
                         f"may have lasted more than {min_days:g} days (written as {_days(shortest[label])} to {_days(upper)})"))
    out = pd.DataFrame(rows, columns=list(RED_FLAG_COLUMNS))
    out["onset"] = pd.to_datetime(out["onset"]).astype("datetime64[ns]")
    out["days"] = out["days"].astype(float)
    out["ongoing"] = out["ongoing"].astype(bool)
    for index, row in out.iterrows():
        out.at[index, "reason"] = f"An episode that began {row.onset:%Y-%m-%d} {row.reason}: longer than {min_days:g} days."
    return out.sort_values(["onset", "subject"], kind="stable").reset_index(drop=True)


def _finite(value) -> float:
    return float(value) if value is not None and np.isfinite(value) else -np.inf


def _days(value: float) -> str:
    rounded = round(float(value), 1)
    text = f"{rounded:g}"
    return f"{text} day" if text == "1" else f"{text} days"
