"""The tables of the one-page clinician summary, with column names a reader understands.

Recent episodes (with the person's notes and suspected triggers), episodes per
month over the last year of follow-up, and the treatments and medications tried
with what the person noted about whether they helped.  These are descriptions
of the record, not assessments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["recent_episode_table", "per_month_counts", "treatment_table", "length_sentence", "HELPED_HEADERS", "LOG_SHOWS"]

_DAY = pd.Timedelta(days=1)
#: Treatment columns read as "what the person noted helped" (case-insensitive).
HELPED_HEADERS = ("helped", "helpful", "did it help", "effect", "relief", "rating", "worked")


def _length_text(row) -> str:
    if bool(row.get("ongoing", False)) and pd.isna(row["end"]):
        return "still going"
    if pd.isna(row["end"]):
        return "not recorded"
    low = (row.get("end_earliest", row["end"]) - row["onset"]) / _DAY if pd.notna(row.get("end_earliest", row["end"])) else None
    high = (row["end"] - row["onset"]) / _DAY
    if pd.isna(row.get("end_latest", row["end"])):
        return f"over {low:g} days" if low is not None else "not recorded"
    if low is not None and round(low, 1) != round(high, 1):
        return f"{low:g}-{high:g} days"
    return f"{high:g} days"


def recent_episode_table(episodes: pd.DataFrame, as_of, n: int = 8) -> pd.DataFrame:
    """The last ``n`` episodes before ``as_of``: Began, Length, Severity, Where, Trigger, Notes."""
    ep = episodes[episodes["onset"] <= pd.Timestamp(as_of)].sort_values("onset").tail(n).iloc[::-1]
    began = [
        f"{row.onset:%Y-%m-%d}" if getattr(row, "onset_precision", "day") == "day" else f"{row.onset:%Y-%m-%d} to {row.onset_latest:%Y-%m-%d}"
        for row in ep.itertuples()
    ]
    out = pd.DataFrame({
        "Began": began,
        "Length": [_length_text(row) for _, row in ep.iterrows()],
        "Severity (0-10)": ep["severity"].to_numpy() if "severity" in ep else np.nan,
        "Where": ep["region"].to_numpy() if "region" in ep else None,
        "Trigger": ep["trigger"].to_numpy() if "trigger" in ep else None,
        "Notes": ep["notes"].to_numpy() if "notes" in ep else None,
    })
    return out.reset_index(drop=True)


def per_month_counts(log, as_of, months: int = 12) -> pd.DataFrame:
    """Episodes per calendar month over the last ``months`` months to ``as_of``, with days logged."""
    # as_of is the instant follow-up ends: its month is the one holding the last logged moment.
    end = (pd.Timestamp(as_of) - pd.Timedelta(1)).to_period("M")
    periods = pd.period_range(end - (months - 1), end, freq="M")
    ep, fu = log.episodes, log.follow_up
    counts = ep["onset"].dt.to_period("M").value_counts()
    rows = []
    for period in periods:
        start, stop = period.start_time, (period + 1).start_time
        overlap = (fu["end"].clip(upper=stop) - fu["start"].clip(lower=start)).clip(lower=pd.Timedelta(0))
        logged = float(overlap.sum() / _DAY)
        rows.append({"Month": str(period), "Episodes": int(counts.get(period, 0)), "Days logged": round(logged)})
    return pd.DataFrame(rows)


#: Column of the log's own answer (verdict, rate ratio and 95% interval).
LOG_SHOWS = "Log shows (rate ratio, 95% CI)"


def _log_shows(log, modality: str) -> str:
    """The log's own answer to "did it help?" (sa.treatment_effect), in a few words with its interval."""
    from .treatment_effect import treatment_effect

    try:
        effect = treatment_effect(log, modality)
    except ValueError:
        return "not comparable"
    if not np.isfinite(effect.ci_lower) or np.isnan(effect.rate_ratio):
        return effect.verdict
    upper = f"{effect.ci_upper:.2g}" if np.isfinite(effect.ci_upper) else "no limit"
    return f"{effect.verdict}, {effect.rate_ratio:.2g} ({effect.ci_lower:.2g}-{upper})"


def treatment_table(treatments: pd.DataFrame, log=None) -> pd.DataFrame:
    """Each treatment or medication tried: Treatment, Kind, Sessions, First, Last, Helped (the person's words).

    With ``log``, also :data:`LOG_SHOWS`: :func:`~spasm_analysis.treatment_effect`'s
    verdict for the treatment's kind, with the rate ratio and its 95% interval
    (the only "did it help?" statement the summary makes itself).
    """
    columns = ["Treatment", "Kind", "Sessions", "First", "Last", "Helped"] + ([LOG_SHOWS] if log is not None else [])
    if treatments.empty:
        return pd.DataFrame(columns=columns)
    tr = treatments.copy()
    tr["label"] = tr["name"].where(tr["name"].notna(), tr["modality"]) if "name" in tr else tr["modality"]
    helped_column = next((c for c in tr.columns if str(c).strip().lower() in HELPED_HEADERS), None)
    rows = []
    for label, group in tr.groupby("label", sort=False):
        said = []
        for column in ([helped_column] if helped_column else []) + (["notes"] if "notes" in group else []):
            said += [str(v).strip() for v in group[column].dropna() if str(v).strip()]
        rows.append({
            "Treatment": str(label), "Kind": str(group["modality"].iloc[0]).replace("_", " "), "Sessions": len(group),
            "First": f"{group['start'].min():%Y-%m-%d}", "Last": f"{group['end'].max():%Y-%m-%d}",
            "Helped": "; ".join(dict.fromkeys(said)) or "",
        })
    if log is not None:
        answers = {m: _log_shows(log, m) for m in tr["modality"].dropna().unique()}
        for row, (_, group) in zip(rows, tr.groupby("label", sort=False)):
            row[LOG_SHOWS] = answers.get(group["modality"].iloc[0], "not comparable")
    return pd.DataFrame(rows).sort_values("Last", ascending=False).reset_index(drop=True)


def length_sentence(episodes: pd.DataFrame, long_days: float = 7.0) -> str:
    """How long episodes lasted, in one sentence (recorded lengths; still-going ones said apart)."""
    known = ((episodes["end"] - episodes["onset"]) / _DAY).dropna()
    still = int((episodes["ongoing"] & episodes["end"].isna()).sum()) if "ongoing" in episodes else 0
    if not len(known):
        return "No episode has a recorded length." if not still else f"{still} episode(s) still going; no other recorded lengths."
    text = (f"Lengths: median {known.median():g} days, range {known.min():g}-{known.max():g} days "
            f"({len(known)} episodes with a recorded length; {int((known > long_days).sum())} over {long_days:g} days)")
    return text + (f"; {still} still going at the end of the log." if still else ".")
