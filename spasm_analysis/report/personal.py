"""Sections of the report for one person's log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spasm_analysis.results import format_p_value

from spasm_analysis.plotting.style import finish, new_axes

from .html import figure, key_values, note, para, table, text
from .sections import SectionUnavailable, run_sections

__all__ = ["personal_sections", "ReportOptions", "assumed_duration"]

#: Clinical rule of thumb (DOMAIN.md): relief from a course is expected within 4-14 days.
DEFAULT_CARRYOVER_DAYS = 14.0
_MAX_RISK_WINDOW_MODALITIES = 3


@dataclass(frozen=True)
class ReportOptions:
    carryover_days: float = DEFAULT_CARRYOVER_DAYS
    assume_duration_days: float | None = None
    n_bootstrap: int = 400
    seed: int = 0


def assumed_duration(log) -> float | None:
    """Length to give episodes with an unknown end: the median known length (None if all ends are known)."""
    ep = log.episodes
    if not ep["end"].isna().any():
        return None
    known = ((ep["end"] - ep["onset"]) / pd.Timedelta(days=1)).dropna()
    return float(max(1.0, round(known.median()))) if len(known) else 3.0


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _exposure_counts(ex) -> str:
    if ex.empty:
        return "none recorded"
    value = pd.to_numeric(ex["value"], errors="coerce") if "value" in ex else pd.Series(np.nan, index=ex.index)
    exposed = value.isna() | (value != 0)
    parts = []
    for name, rows in ex.groupby(ex["exposure"].astype(str)):
        n_yes, n_all = int(exposed[rows.index].sum()), len(rows)
        parts.append(f"{name} ({n_yes} times" + (f", {n_all - n_yes} days recorded as not exposed)" if n_all > n_yes else ")"))
    return ", ".join(parts)


def _summary(log, opts):
    from spasm_analysis.personal.rates import yearly_rates

    ep, fu = log.episodes, log.follow_up
    logged_days = float(((fu["end"] - fu["start"]) / pd.Timedelta(days=1)).sum())
    precision = ep["onset_precision"].fillna("day") if "onset_precision" in ep else pd.Series("day", index=ep.index)
    windows = "; ".join(f"{s:%Y-%m-%d} to {e:%Y-%m-%d}" for s, e in zip(fu["start"], fu["end"]))
    pairs = [
        ("Episodes", f"{len(ep)} ({int((precision != 'day').sum())} known only to a stretch of days, such as a month or a season, "
                     f"{int(ep['ongoing'].sum()) if 'ongoing' in ep else 0} still going at the end, "
                     f"{int((ep['end'].isna() & ~ep.get('ongoing', False)).sum())} with no recorded end)"),
        ("Logged", f"{windows} ({logged_days / 365.25:.1f} years)"),
        ("Treatments", ", ".join(f"{m} ({n})" for m, n in log.treatments["modality"].value_counts().items()) or "none recorded"),
        ("Exposures", _exposure_counts(log.exposures)),
    ]
    if opts.assume_duration_days is not None:
        pairs.append(("Unknown ends", f"taken as {opts.assume_duration_days:g} days (the median recorded length) "
                                      "where time at risk is needed"))
    body = key_values(pairs)
    yearly = yearly_rates(log, assume_duration_days=opts.assume_duration_days)
    body += "<h3>Episodes per year</h3>" + para(yearly.interpretation)
    body += table(yearly.table.rename(columns={"period": "year"}), digits=3)
    recent = ep.sort_values("onset").tail(10)
    shown = [c for c in ("onset", "end", "onset_precision", "severity", "region", "side", "trigger", "notes") if c in recent]
    body += "<h3>The ten most recent episodes</h3>" + table(recent[shown].iloc[::-1])
    body += (f'<details><summary>All {len(ep)} episodes as read from the log</summary>'
             f"{table(ep[shown], max_rows=5000)}</details>")
    written = ep[ep["notes"].notna()] if "notes" in ep.columns else ep.iloc[0:0]
    if len(written):
        body += "<h3>Your notes</h3>" + table(written[["onset", "notes"]].sort_values("onset", ascending=False), max_rows=200)
    kept = _kept_columns(log)
    if kept:
        body += para(f"Kept from your files but not analysed: {kept}.", cls="small")
    if log.actions:
        body += note("While reading the log: " + " ".join(log.actions))
    return body


def _red_flags(log, opts):
    from spasm_analysis.personal.red_flags import CARE_HEADING, WHEN_TO_GET_CARE, red_flags

    flags = red_flags(log)
    if len(flags):
        body = "".join(para(reason, cls="flag") for reason in flags["reason"])
    else:
        body = para("No episode in the log lasted more than 7 days.")
    items = "".join(f"<li>{text(line)}</li>" for line in WHEN_TO_GET_CARE)
    return body + f'<div class="care"><h3>{text(CARE_HEADING)}</h3><ul>{items}</ul></div>'


def _kept_columns(log) -> str:
    """Columns read from the files and kept, but not used by any analysis."""
    from spasm_analysis.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    kept = []
    for name in ("episodes", "treatments", "exposures"):
        frame = getattr(log, name)
        known = set(REQUIRED_COLUMNS[name]) | set(OPTIONAL_COLUMNS[name]) | {"treatment"}
        kept += [f"{column} ({name})" for column in frame.columns if column not in known]
    return ", ".join(kept)


def _timeline(log, opts):
    from spasm_analysis.plotting.calendar import plot_calendar
    from spasm_analysis.plotting.timeline import plot_timeline

    body = figure(plot_timeline(log), "Episodes (bars from onset to end, coloured by severity), treatment "
                  "sessions and courses, and recorded exposures. Hatched stretches were not logged.")
    body += figure(plot_calendar(log), "Every day of the follow-up: days spent in an episode are coloured; "
                   "grey days were not logged, which is not the same as free of episodes.")
    return body


def _trend(log, opts):
    from spasm_analysis.personal.rates import seasonality
    from spasm_analysis.personal.trend_summary import trend_summary
    from spasm_analysis.plotting.rates import plot_cumulative_episodes

    summary = trend_summary(log, assume_duration_days=opts.assume_duration_days)
    found = summary.change_points
    body = para(summary.answer, cls="finding")
    body += "<h3>Stretches of constant rate</h3>" + para(found.interpretation)
    stretches = found.segments.assign(start=found.segments["start"].dt.strftime("%Y-%m-%d"),
                                      end=found.segments["end"].dt.strftime("%Y-%m-%d"))
    body += table(stretches.rename(columns={"rate_per_year": "onsets per year at risk"}), digits=3)
    body += figure(found.plot(), "Onsets per year at risk in each stretch of constant rate (line) with its exact "
                   "95% interval (band); ticks: onsets; dashed: where the rate changed. Each interval takes its "
                   "stretch's boundaries as given: it does not allow for the boundaries having been chosen from "
                   "the same onsets, so where a change was found by chance it is too narrow.")
    if not found.sensitivity.empty:
        body += note(found.notes)
        body += ('<details class="small"><summary>Where the remembered onsets are placed, and what changes</summary>'
                 f"{table(found.sensitivity, digits=3)}</details>")
    body += "<h3>The trend tests beside it</h3>" + table(summary.table, digits=3) + para(summary.explanation)
    body += figure(plot_cumulative_episodes(log), "Episodes counted up over time with the fitted power law; "
                   "a curve bending above the dashed constant-rate line means rising frequency.")
    season = seasonality(log, assume_duration_days=opts.assume_duration_days)
    body += "<h3>Time of year</h3>" + para(season.interpretation)
    body += table(season.table.drop(columns=["month"]).rename(columns={"period": "month"}), digits=3)
    return body + para(season.notes, cls="small")


def _modality_order(log):
    counts = log.treatments["modality"].value_counts()
    return list(counts.index)


def _treatments(log, opts):
    from spasm_analysis.personal.treatment_effect import treatment_effect
    from spasm_analysis.plotting.forest import plot_forest

    modalities = _modality_order(log)
    if not modalities:
        raise SectionUnavailable("No treatments are recorded in this log, so there is nothing to compare.")
    results, rows, failures = {}, [], []
    for modality in modalities:
        try:
            effect = treatment_effect(log, modality, assume_duration_days=opts.assume_duration_days)
        except ValueError as error:
            failures.append(f"{modality}: {error}")
            continue
        results[modality] = effect
        rows.append({"treatment": modality, "answer": effect.verdict, "rate ratio": effect.rate_ratio,
                     "CI lower": effect.ci_lower, "CI upper": effect.ci_upper,
                     "onsets in window": effect.onsets_in_window,
                     "expected without an effect": effect.expected_in_window})
    body = para(
        "Did it help? For each treatment, onsets during its courses and the 14 days after them are compared with "
        "other days at risk of the same person in the same stretch of their own onset rate (where it stepped up "
        "or down), the same season, and the same time since the last episode ended (treatment is usually started "
        "because of an episode, and episodes come in clusters). The answer is 'fewer episodes', 'more episodes' "
        "or 'can't tell'; a handful of onsets always gives 'can't tell'."
    )
    if rows:
        body += table(pd.DataFrame(rows), digits=3)
        for modality, effect in results.items():
            body += para(f"{modality}: {effect.interpretation}", cls="finding" if modality == next(iter(results)) else "")
            if effect.notes:
                body += para(effect.notes, cls="small")
        forest = pd.DataFrame({"label": list(results), "estimate": [r.rate_ratio for r in results.values()],
                               "ci_lower": [r.ci_lower for r in results.values()],
                               "ci_upper": [r.ci_upper for r in results.values()]})
        forest = forest[np.isfinite(forest["estimate"]) & (forest["estimate"] > 0)]
        if len(forest):
            body += figure(plot_forest(forest, xlabel="rate ratio during courses + 14 days vs other time "
                                       "(same stretch, season and time since an episode)"),
                           "Each treatment's rate ratio with its exact (mid-p) 95% interval; log scale. Intervals "
                           "that cross 1 are 'can't tell'.")
    for failure in failures:
        body += note(failure)
    body += _risk_windows(log, opts, modalities)
    body += _before_after(log, opts, modalities[0])
    body += note(
        "Treatment is usually started because of a bad stretch (confounding by indication), and bad stretches "
        "tend to be followed by better ones anyway (regression to the mean); the comparison above adjusts for "
        "the person's own stretches and for season, but cannot rule out every such effect. These numbers describe "
        "associations in one person's record; they do not show that a treatment caused a change."
    )
    return body


def _risk_windows(log, opts, modalities):
    from spasm_analysis.personal.risk_windows import risk_windows

    tr = log.treatments
    short = (tr["end"] - tr["start"]) <= pd.Timedelta(days=1)
    sessions = tr[short]["modality"].value_counts()
    picked = [m for m in modalities if sessions.get(m, 0) >= 3][:_MAX_RISK_WINDOW_MODALITIES]
    if not picked:
        return ""
    body = "<h3>Days after a session (self-controlled risk windows)</h3>"
    body += para("The onset rate in windows after each session, relative to other time at risk of the same "
                 "person in the same stretch of their own onset rate, adjusted for season and for the time since the "
                 "last episode ended (sessions are often booked because of an episode).")
    for modality in picked:
        try:
            result = risk_windows(log, exposed=modality, assume_duration_days=opts.assume_duration_days)
        except ValueError as error:
            body += note(f"{modality}: {error}")
            continue
        frame = result.table.drop(columns=["method"], errors="ignore")
        body += f"<h3>{text(modality)}</h3>" + table(frame, digits=3) + para(result.interpretation)
        if result.assumption_flag:
            body += note(result.assumption)
    return body


def _new_start(log, modality):
    """The first start of ``modality`` after 180 days without it, with 365 logged days on each side."""
    fu = log.follow_up
    starts = log.treatments.loc[log.treatments["modality"] == modality, "start"].sort_values()
    previous = starts.shift()
    fresh = previous.isna() | ((starts - previous) >= pd.Timedelta(days=180))
    year = pd.Timedelta(days=365)
    inside = (starts >= fu["start"].min() + year) & (starts <= fu["end"].max() - year)
    picked = starts[fresh & inside]
    return picked.iloc[0] if len(picked) else None


def _before_after(log, opts, modality):
    from spasm_analysis.personal.before_after import before_after

    start = _new_start(log, modality)
    if start is None:
        return note(f"Before/after: no {modality} start has a year of logged time on both sides and half a year "
                    f"without {modality} before it, so a before/after comparison is not shown.")
    try:
        result = before_after(log, start=start)
    except ValueError as error:
        return note(f"Before/after around the first {modality} start: {error}")
    rows = [{"change": "level (rate ratio at the start)", "estimate": result.level_change, "CI lower": result.level_ci_lower,
             "CI upper": result.level_ci_upper, "p-value": format_p_value(result.level_p_value)}]
    if "slope" in result.terms:
        rows.append({"change": "trend (ratio per year)", "estimate": result.slope_change, "CI lower": result.slope_ci_lower,
                     "CI upper": result.slope_ci_upper, "p-value": format_p_value(result.slope_p_value)})
    rows = pd.DataFrame(rows)
    return (f"<h3>Before and after the first {text(modality)} ({start:%Y-%m-%d})</h3>" + table(rows, digits=3)
            + para(result.interpretation) + note(result.caveat)
            + (para(result.notes, cls="small") if "Simpler model" in result.notes else ""))


def _triggers(log, opts):
    from spasm_analysis.personal.case_crossover import case_crossover
    from spasm_analysis.personal.case_crossover import ExposureNotInformativeError

    names = list(log.exposures["exposure"].astype(str).value_counts().index)
    if not names:
        raise SectionUnavailable(
            "No exposures (possible triggers such as a cold pool, a class or long sitting) are recorded in this "
            "log: there is no exposures table. A trigger can only be studied when it is also recorded on days "
            "without an episode; add a file exposures.csv with a date and an exposure per row (e.g. "
            "2015-03-01, cold pool) to the log's folder.")
    rows, body = [], ""
    for name in names:
        try:
            result = case_crossover(log, exposure=name)
        except ExposureNotInformativeError as reason:
            body += note(f"{name}: {reason}")
            continue
        rows.append({"exposure": name, "odds ratio": result.odds_ratio, "CI lower": result.ci_lower,
                     "CI upper": result.ci_upper, "p-value": format_p_value(result.p_value),
                     "onsets used": result.n_informative})
        body += para(result.interpretation)
    intro = para("Case-crossover: how often each exposure came in the two days before an onset, compared with "
                 "matched days of the same person (same weekday, same month) without an onset.")
    return intro + (table(pd.DataFrame(rows), digits=3) if rows else "") + body


def _durations(log, opts):
    from spasm_analysis.nonparametric.gaps import episode_durations

    result = episode_durations(log)
    s = result.summary.iloc[0]
    body = para(
        f"Median episode length {s['median_days']:.1f} days (middle half {s['q1_days']:.1f} to {s['q3_days']:.1f} "
        f"days), from {int(s['n_known_end'])} episodes with a recorded end.")
    body += table(result.by_year, digits=3)
    ax = new_axes(None, (9, 3.6))
    result.plot(ax=ax)
    finish(ax, title="Episode length by onset date", grid_axis="y")
    body += figure(ax, "Length of each episode by onset date, with the median per year.")
    if int(s["n_long"]):
        long_ones = result.table[result.table["duration_days"] > result.long_episode_days]
        body += para(f"{int(s['n_long'])} episode(s) lasted more than {result.long_episode_days:g} days.", cls="flag")
        body += table(long_ones)
        body += note("A spasm lasting more than a week, or with numbness or weakness, is a reason to see a specialist.")
    return body


def same_answer_together(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct forecast, naming every placement choice that gives it."""
    shown = sensitivity.assign(stretch_start=sensitivity["stretch_start"].dt.strftime("%Y-%m-%d"))
    answer = [c for c in shown.columns if c != "choice"]
    choices = shown.groupby(answer, sort=False, dropna=False)["choice"].agg(_choice_words).rename("choices")
    return choices.reset_index()[["choices", *answer]]


def _choice_words(choices) -> str:
    """"placed: midpoint, placed: random 1, ..." in a few words: "midpoint, 20 random placements, left out"."""
    named = [c.removeprefix("placed: ") for c in choices if not c.startswith("placed: random")]
    words = ["left out" if c.startswith("imprecise_onsets=") and "exclude" in c else c for c in named]
    randoms = sum(c.startswith("placed: random") for c in choices)
    if randoms:
        words.insert(len([c for c in named if not c.startswith("imprecise_onsets=")]),
                     f"{randoms} random placement{'s' * (randoms > 1)}")
    return ", ".join(words)


def _forecast(log, opts):
    from spasm_analysis.personal.forecast import forecast_next_episode

    result = forecast_next_episode(log, n_bootstrap=opts.n_bootstrap, seed=opts.seed,
                                      assume_duration_days=opts.assume_duration_days)
    frame = result.table.rename(columns={"horizon_days": "within (days)", "stretch_probability": "current stretch",
                                         "trend_probability": "steady trend", "constant_rate_probability": "constant-rate check",
                                         "weibull_probability": "Weibull check", "km_probability": "Kaplan-Meier check"})
    body = para(result.interpretation, cls="finding") + table(frame, digits=3)
    body += para(f"Readings used: {result.reading} (the \"current stretch\" and \"steady trend\" columns are each "
                 "reading's own answer).", cls="small")
    if not result.sensitivity.empty:
        body += "<h3>If the remembered onsets were elsewhere</h3>" + para(
            "Onsets known only to the month or year move where the current stretch starts. The same forecast with "
            "them placed at the start, the end or at random inside their periods, and with them left out:")
        body += table(same_answer_together(result.sensitivity), digits=3)
    return body + para(result.notes, cls="small")


def _clinician(log, opts):
    from spasm_analysis.personal.clinician import clinician_summary

    result = clinician_summary(log, assume_duration_days=opts.assume_duration_days)
    body = para(result.interpretation, cls="finding") + table(result.table, digits=3)
    body += key_values([("Longest stretch without an episode",
                         f"{result.longest_free_days:.0f} days ({result.longest_free_start:%Y-%m-%d} to "
                         f"{result.longest_free_end:%Y-%m-%d}{', still going' if result.longest_free_open else ''})")])
    for flag in result.flags:
        body += para(flag, cls="flag")
    return body + (para(result.notes, cls="small") if result.notes else "")


def _methods(log, opts):
    return "".join([
        "<h3>How the numbers were made</h3>",
        para("Time at risk is the logged time minus the days spent in an episode: a new episode cannot start while "
             "one is going on. Stretches that were not logged are not counted as time without episodes."),
        para("Onsets known only to a stretch of days (a month, a season, a year, \"around\" a day) are placed in the middle of that stretch for trends, rates, "
             "change points and forecasts (which also show how far the answer moves when they are placed elsewhere), "
             "counted in their month by the time-of-year table when the month is known, and left out where their "
             "exact day matters (triggers); each section's notes say which."),
        para("Did it help: a self-controlled Poisson comparison within one person (Farrington 1995; Whitaker et al. "
             "2006; Farrington, Whitaker & Hocine 2009): onsets during a treatment's courses and the 14 days after "
             "them against other days at risk in the same stretch of constant onset rate (change points), season "
             "and band of time since the last episode ended (0-10, 10-20, 20-40, 40-80 days, later); exact "
             "conditional mid-p intervals within those strata (Martin & Austin 1991), which kept close to 95% "
             "coverage and a 5% false-positive rate on simulated logs (benchmarks/RESULTS.md). Onsets known only "
             "to a month or year are placed at the start, middle and end of it and "
             "the answer is 'can't tell' when the placements disagree."),
        para("Trend: stretches of constant rate (Worsley's likelihood ratio with binary segmentation, tested against "
             "reorderings of the gaps between episodes), reconciled with the Laplace, MIL-HDBK-189 and "
             "Lewis-Robinson tests and the Crow-AMSAA power-law model. "
             "Treatment: exact conditional rate ratios, self-controlled risk windows (conditional Poisson) and "
             "segmented regression of monthly counts. Triggers: time-stratified case-crossover (conditional "
             "logistic regression). Forecast: the chance of a new onset by time since the last episode ended "
             "(piecewise-constant hazard), averaged over two readings by their Akaike weights (Burnham & Anderson "
             "2002; each change location costing 6, Ninomiya 2015): the gaps of the current stretch of constant "
             "rate, and the whole log with a steady trend carried on; an onset known to the day taken at the "
             "middle of its day; bootstrap intervals, and constant-rate, Weibull and Kaplan-Meier checks. On "
             "simulated logs the mean 30-day forecast is within 0.035 of how often an onset came, and one log's "
             "forecast is off by about 0.09 either way (benchmarks/RESULTS.md)."),
        "<h3>Caveats</h3>",
        note("This report describes patterns in a personal record, with their statistical uncertainty. It is not "
             "medical advice, and an association in the log is not proof of cause."),
        para("Logs often begin because of an episode; the first one is not counted as a recurrence. Treatments "
             "tend to start after bad stretches, which makes them look better than they are (regression to the "
             "mean). Triggers recorded only on episode days cannot be studied."),
    ])


def personal_sections(log, opts: ReportOptions, progress):
    specs = [
        ("red-flags", "Red flags and when to get care", _red_flags),
        ("summary", "Summary", _summary),
        ("timeline", "Timeline", _timeline),
        ("trend", "Is it getting more frequent?", _trend),
        ("treatments", "Did it help?", _treatments),
        ("triggers", "Possible triggers", _triggers),
        ("durations", "How long episodes last", _durations),
        ("forecast", "When is the next one likely?", _forecast),
        ("clinician", "Summary for a clinician", _clinician),
        ("methods", "Methods and caveats", _methods),
    ]
    return run_sections(specs, log, opts, progress=progress)
