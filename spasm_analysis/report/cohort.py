"""Sections of the report for a cohort (several subjects)."""

from __future__ import annotations

import warnings

import pandas as pd

from spasm_analysis.results import format_p_value

from .html import figure, key_values, note, para, table, text
from .sections import SectionUnavailable, run_sections

__all__ = ["cohort_sections", "model_covariates"]

_CATEGORY_LEVELS = 8  # a text covariate with more levels than this is left out of the models


def _counting(log, opts):
    from spasm_analysis.counting import to_counting_process

    treatments = "all" if log.modalities else None
    return to_counting_process(log, treatments=treatments, assume_duration_days=opts.assume_duration_days)


def model_covariates(cp: pd.DataFrame, covariates: pd.DataFrame):
    """The covariate columns the report puts in its models, and notes on those left out.

    Coding (text columns as treatment-coded indicators) and dropping incomplete
    rows happen in the Cox layer (``spasm_analysis.coxph.formula``), exactly as
    for a library user; the report only leaves out columns that cannot help:
    the same value for everyone, or a text column with very many levels.
    """
    names, notes = [], []
    for column in [c for c in covariates.columns if c != "subject"]:
        values = cp[column]
        if values.nunique(dropna=True) < 2:
            notes.append(f"{column} is the same for everyone and was left out of the models.")
            continue
        levels = values.dropna().nunique()
        if not pd.api.types.is_numeric_dtype(values) and levels > _CATEGORY_LEVELS:
            notes.append(f"{column} has {levels} distinct values and was left out of the models.")
            continue
        names.append(column)
    names += [c for c in cp.columns if c.startswith("on_")]
    return names, notes


def _summary(log, opts, by):
    fu, ep = log.follow_up, log.episodes
    years = float(((fu["end"] - fu["start"]) / pd.Timedelta(days=365.25)).sum())
    per = ep.groupby("subject").size().reindex(log.subjects, fill_value=0)
    pairs = [
        ("Subjects", f"{log.n_subjects}"),
        ("Episodes", f"{len(ep)} ({per.median():.0f} per subject at the median, up to {per.max()})"),
        ("Follow-up", f"{years:.1f} person-years, {fu['start'].min():%Y-%m-%d} to {fu['end'].max():%Y-%m-%d}"),
        ("Covariates", ", ".join(c for c in log.covariates.columns if c != "subject") or "none"),
        ("Treatments", ", ".join(f"{m} ({n})" for m, n in log.treatments["modality"].value_counts().items()) or "none"),
    ]
    if opts.assume_duration_days is not None:
        pairs.append(("Unknown ends", f"taken as {opts.assume_duration_days:g} days (the median recorded length)"))
    body = key_values(pairs)
    covariates = log.covariates.drop(columns="subject")
    if len(covariates.columns):
        body += "<h3>Baseline covariates</h3>" + table(covariates.describe(include="all").T.reset_index()
                                                         .rename(columns={"index": "covariate"}), digits=3)
    if log.actions:
        body += note("While reading the log: " + " ".join(log.actions))
    return body


def _events(log, opts, by):
    from spasm_analysis.plotting.cohort import plot_events

    return figure(plot_events(log, by=by, max_subjects=120), "One line per subject over its follow-up (longest at the bottom); "
                  "dots are episode onsets.")


def _mcf(log, opts, by):
    from spasm_analysis.nonparametric.mcf import mcf
    from spasm_analysis.nonparametric.mcf_test import mcf_test
    from spasm_analysis.plotting.cohort import plot_mcf

    cp = _counting(log, opts)
    if by is None:
        candidates = [c for c in log.covariates.columns if c != "subject" and log.covariates[c].nunique() == 2]
        result = mcf(cp)
        hint = (f" Run with --by {candidates[0]} to compare groups (two-valued covariates: {', '.join(candidates)})."
                if candidates else "")
        body = para("No grouping was chosen, so the curve covers all subjects." + hint)
    else:
        if by not in cp.columns:
            raise SectionUnavailable(f"--by {by}: no covariate of that name; covariates: "
                                     f"{', '.join(c for c in log.covariates.columns if c != 'subject') or 'none'}.")
        result = mcf(cp, by=by)
        body = ""
    s = result.summary
    body += para("The mean cumulative function (MCF) is the average number of episodes per subject by each day of "
                 "follow-up, counting only subjects still observed; the shaded band is its pointwise "
                 f"{result.confidence_level:.0%} confidence interval (Lawless-Nadeau robust variance).")
    body += table(s, digits=4)
    body += figure(plot_mcf(result), "Mean cumulative number of episodes" + (f" by {by}" if by else "") + ".")
    if by is not None:
        groups = result.groups
        if len(groups) != 2:
            body += note(f"The pseudo-score test compares two groups; {by} has {len(groups)}.")
        else:
            tests = [mcf_test(cp, by=by, weights=w) for w in ("constant", "linear")]
            rows = pd.DataFrame({"weights": ["constant", "linear"], "U": [t.statistic for t in tests],
                                 "variance": [t.variance for t in tests], "chi-square": [t.chisq for t in tests],
                                 "p-value": [format_p_value(t.p_value) for t in tests]})
            body += "<h3>Do the curves differ?</h3>" + para(
                "Pseudo-score test of Cook, Lawless and Nadeau (1996) with a robust variance: U sums the "
                "differences between the groups' episode rates over time; a small p-value means the curves differ "
                "by more than chance would explain.")
            body += table(rows, digits=4) + para(tests[0].interpretation)
    return body


def _summary_table(result):
    s = result.summary
    keep = ["exp(coef)", "exp_ci_lower", "exp_ci_upper", "coef", "se", "robust se", "p"]
    out = s[[c for c in keep if c in s.columns]].rename(columns={
        "exp(coef)": "hazard ratio", "exp_ci_lower": "CI lower", "exp_ci_upper": "CI upper"})
    return out.reset_index()


def _models(log, opts, by):
    from spasm_analysis.coxph.models import andersen_gill, pwp as fit_pwp
    from spasm_analysis.plotting.forest import plot_forest

    cp = _counting(log, opts)
    names, notes = model_covariates(cp, log.covariates)
    if not names:
        raise SectionUnavailable("The log has no covariates or treatments that vary between subjects, so there is "
                                 "nothing to put in a regression model.")
    with warnings.catch_warnings():
        # rows left out for a missing value are listed in the notes below instead
        warnings.filterwarnings("ignore", message=".*missing covariate value", category=UserWarning)
        ag = andersen_gill(cp, names)
        pwp = fit_pwp(cp, names)
    notes += list(ag.details.get("model_notes", ()))
    body = para(
        "Andersen-Gill: every episode counts the same and the effect of each covariate on the episode rate is a "
        "hazard ratio (below 1: fewer episodes). PWP (total time) stratifies by episode number, so first and later "
        "episodes each have their own baseline rate. Standard errors are cluster-robust by subject, as in R's "
        "coxph(..., cluster = id). Treatment columns on_<modality> are 1 while a course is going on.")
    for title, result in (("Andersen-Gill", ag), ("PWP, total time", pwp)):
        body += f"<h3>{text(title)}</h3>" + table(_summary_table(result), digits=4)
        body += para(f"{result.n} intervals, {result.n_events} events, {result.n_clusters} subjects; "
                     f"robust Wald test {format_p_value(result.wald_test.p_value)}.", cls="small")
    body += figure(plot_forest({"Andersen-Gill": ag, "PWP": pwp}),
                   f"Hazard ratios with {ag.confidence_level:.0%} robust confidence intervals; log scale.")
    body += _model_checks(ag)
    for line in notes:
        body += para(line, cls="small")
    return body


def _model_checks(ag):
    """Is the Andersen-Gill model adequate? Proportional hazards (R's cox.zph) and concordance."""
    zph = ag.test_proportional_hazards().reset_index()
    zph["p_value"] = zph["p_value"].map(format_p_value)
    return ("<h3>Does each effect stay the same over follow-up?</h3>" + para(
        "Score test of proportional hazards (Grambsch-Therneau, as R's cox.zph): a small p-value says "
        "the hazard ratio of that term changes over follow-up, so one number describes it poorly; a "
        "large one means no change was detected, not that there is none.")
        + table(zph, digits=4)
        + para(f"Concordance {ag.concordance:.3f}: the share of comparable pairs in which the person "
               "with the episode had the higher predicted rate (0.5 is chance).", cls="small"))


def _gaps(log, opts, by):
    from spasm_analysis.nonparametric.gaps import gap_times
    from spasm_analysis.plotting.cohort import plot_gap_times

    result = gap_times(log, max_order=3, assume_duration_days=opts.assume_duration_days)
    return (para("Time from the end of one episode to the start of the next, separately for the first, second and "
                 "later gaps (Kaplan-Meier; a tick is a gap still open at the end of follow-up).")
            + table(result.summary, digits=4)
            + figure(plot_gap_times(result), "Proportion still without a new episode by days since the last one."))


def _methods(log, opts, by):
    return "".join([
        para("Each subject is at risk of a new episode from the start of follow-up until an onset, not at risk while "
             "the episode lasts, then at risk again; (start, stop] intervals as in R's survival package."),
        para("MCF: Nelson-Aalen estimator with the Lawless-Nadeau robust variance (equal to R's survfit(..., id=) "
             "cumhaz and std.chaz). Cox models: Efron ties, cluster-robust sandwich variance (equal to R's coxph)."),
        note("Associations in observational data are not causal effects: who gets a treatment, and when, often "
             "depends on how they were doing. Nothing here is medical advice."),
    ])


def cohort_sections(log, opts, progress, *, by=None):
    specs = [
        ("summary", "Summary", _summary),
        ("events", "Episodes of every subject", _events),
        ("mcf", "Mean cumulative number of episodes", _mcf),
        ("models", "Regression models: Andersen-Gill and PWP", _models),
        ("gaps", "Time between episodes", _gaps),
        ("methods", "Methods and caveats", _methods),
    ]
    return run_sections(specs, log, opts, by, progress=progress)
