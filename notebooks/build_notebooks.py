"""Build notebooks 01-03 from the cells below (run from the repository root).

The notebooks are generated so their code stays reviewable as Python and easy to
change; regenerate after editing:

    .venv/bin/python notebooks/build_notebooks.py

The notebooks are committed without outputs; ``tests/test_notebooks.py`` runs them
top to bottom against the installed package.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

FIND_REPO = '''here = Path.cwd().resolve()
REPO = next(p for p in [here, *here.parents] if (p / "data" / "sample").exists())'''

# --------------------------------------------------------------------------------------------
PERSONAL = [
    ("md", """# 1. Your own log: from a messy spreadsheet to answers

This notebook takes one person's log of back-spasm flare-ups, kept for ten years in a
spreadsheet, and asks the questions people ask of such a record:

1. Are the episodes getting more frequent?
2. Did a treatment help, or would the gap have happened anyway?
3. Does something (a cold pool, long sitting) bring one on within a day or two?
4. When is the next one likely?
5. What should I show my clinician?

The sample log in `data/sample/personal/` is **simulated**, so we know the truth it was drawn
from (`truth.json`): the rate doubles over the ten years, physiotherapy courses halve it while
they last, a cold pool triples the risk for two days and long sitting doubles it; chiropractic,
trigger-point massage, acupuncture and muscle relaxants do nothing. We can check each answer
against that truth. Nothing here is medical advice: every number describes a record, with its
uncertainty."""),
    ("code", f"""import json
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import spasm_analysis as sa

{FIND_REPO}
SAMPLE = REPO / "data" / "sample" / "personal"
truth = json.loads((SAMPLE / "truth.json").read_text())
pd.set_option("display.width", 120)"""),
    ("md", """## Loading and cleaning

The spreadsheet looks like what people really keep: the early years were remembered, not
recorded (`2013-08`, a month only), lengths are written as text (`a couple of days`,
`about 6 days`), and the treatment column says `chiro`, `chiropractor`, `PT`..."""),
    ("code", """raw = pd.read_csv(SAMPLE / "episodes.csv")
raw.head(8)"""),
    ("md", """`sa.read_log` reads the folder (one file per table), recognises the ordinary headers
(`Started` -> onset, `Duration` -> end = onset + duration, `Pain (0-10)` -> severity), maps
treatment names to modalities with an editable vocabulary, and checks every row. Anything it
had to assume is reported, never done silently."""),
    ("code", """with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    log = sa.read_log(SAMPLE)
for w in caught:
    print("note:", w.message)
log"""),
    ("code", """log.episodes[["onset", "end", "onset_precision", "severity", "region", "trigger"]].head(6)"""),
    ("md", """## Imprecise dates

Onsets known only to the month or the year are stored at the first day of that month or year,
with `onset_precision` saying so. Treating them as exact would pile onsets up on the 1st of the
month. Each analysis either places them mid-period (`"midpoint"`) or leaves them out
(`"exclude"`), says which it did, and `imprecise_onset_sensitivity` runs both ways so you can see
whether the answer depends on the choice."""),
    ("code", """print(log.episodes["onset_precision"].value_counts().to_string())
sa.imprecise_onset_sensitivity(sa.laplace_test, log)"""),
    ("md", """## The whole record at a glance

Bars run from onset to end (length = duration, colour = severity); faded spans are onsets known
only to the month or year; the lanes below are treatments (marks = sessions, bands = courses)
and recorded exposures. The calendar shows every day: grey days were not logged, which is not
the same as days without an episode."""),
    ("code", """sa.plot_timeline(log)
plt.show()
sa.plot_calendar(log)
plt.show()"""),
    ("md", """## 1. Is it getting more frequent?

The **Laplace test** compares the average onset time with the middle of the follow-up: if onsets
crowd towards the end, U is large and positive. The **Crow-AMSAA** (power-law) model fits the
expected number of onsets by day t as lam * t^beta: beta = 1 is a steady rate, beta > 1 a rising
one."""),
    ("code", """laplace = sa.laplace_test(log)
fit = sa.crow_amsaa(log)
print(laplace)
print()
print(f"Power-law beta = {fit.beta:.2f} (95% CI {fit.ci_lower:.2f} to {fit.ci_upper:.2f}).")
print(fit.interpretation)
print(f"Truth: the rate was made to change by a factor {truth['settings']['rate_trend']} over the follow-up.")
sa.plot_cumulative_episodes(log)
plt.show()"""),
    ("md", """A doubling over ten years is a modest trend for about 80 episodes: the tests may or may not
call it significant, and the interval for beta shows how much the data allow. Rates per calendar
year, with exact Poisson intervals, show the same thing year by year:"""),
    ("code", """sa.yearly_rates(log).table"""),
    ("md", """## 2. Did the treatment help?

`rate_ratio` counts onsets per day at risk while "on" a treatment (its sessions or courses,
extended by a carry-over: relief is usually expected within 4-14 days) and while "off". A ratio
below 1 means fewer onsets while on. The interval is exact given the counts, and zero onsets
on one side is a valid answer."""),
    ("code", """rows = []
for modality in log.modalities:
    rr = sa.rate_ratio(log, exposed=modality, carryover_days=14)
    rows.append({"treatment": modality, "rate_ratio": rr.rate_ratio, "ci_lower": rr.ci_lower,
                 "ci_upper": rr.ci_upper, "p_value": rr.p_value, "onsets_on": rr.events_exposed,
                 "days_on": round(rr.time_exposed)})
effects = pd.DataFrame(rows)
effects"""),
    ("code", """physio = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14)
print(physio.interpretation)
print("Truth:", {k: v for k, v in truth["hazard_ratios"].items() if k.startswith("on_")})
sa.plot_monthly_rate(log, exposed="physiotherapy", carryover_days=14)
plt.show()"""),
    ("md", """Only three six-week courses were taken, so the interval for physiotherapy is wide even though
the true effect halves the rate: one person's record rarely settles a treatment question.

**Self-controlled risk windows** look at the days right after each session, compared with the
same person's other time. They assume that the timing of sessions does not depend on recent
episodes, and they check it: people book a chiropractor *because* of a flare-up, which puts
sessions right after onsets and can make any treatment look harmful or helpful."""),
    ("code", """windows = sa.risk_windows(log, exposed="chiropractic")
print(windows.interpretation)
print(windows.assumption)
windows.table"""),
    ("md", """## 3. What sets it off?

The **case-crossover** design compares each onset's previous two days with matched days of the
same person (same weekday, same month) without an onset. It needs the exposure recorded on
ordinary days too: in this log exposures were recorded daily from 2019."""),
    ("code", """for exposure in ["cold_pool", "long_sitting"]:
    cc = sa.case_crossover(log, exposure=exposure)
    print(f"{exposure}: odds ratio {cc.odds_ratio:.2f} (95% CI {cc.ci_lower:.2f} to {cc.ci_upper:.2f}), "
          f"{cc.n_informative} onsets used")
print("Truth:", {k: v for k, v in truth["hazard_ratios"].items() if k.startswith("trigger_")})"""),
    ("md", """When a trigger was written down only on the days a flare happened, there is nothing to
compare with, and the function refuses rather than report a meaningless association:"""),
    ("code", """exact = log.episodes[log.episodes["onset_precision"] == "day"]
only_on_episode_days = pd.DataFrame({"subject": "me", "time": exact["onset"], "exposure": "stress"})
try:
    sa.case_crossover(log.replace(exposures=only_on_episode_days), exposure="stress")
except sa.ExposureNotInformativeError as reason:
    print(reason)"""),
    ("md", """## How long do episodes last?"""),
    ("code", """durations = sa.episode_durations(log)
print(f"Median {durations.summary['median_days'].iloc[0]:.1f} days; "
      f"{int(durations.summary['n_long'].iloc[0])} episodes lasted more than a week.")
durations.by_year[["year", "n_episodes", "median_days", "iqr_days", "max_days"]]"""),
    ("md", """## 4. When is the next one likely?

A Weibull renewal model of the gaps between episodes gives the chance of a new onset within 7,
30 and 90 days, given how long it has been since the last one ended, with a bootstrap interval
and the Kaplan-Meier estimate as a model-free check."""),
    ("code", """forecast = sa.forecast_next_episode(log, n_bootstrap=200, seed=1)
print(forecast.interpretation)
forecast.table"""),
    ("md", """## 5. A summary for the clinician

Recent months against a baseline, the longest stretch without an episode, and flags (an episode
over seven days, rising frequency)."""),
    ("code", """summary = sa.clinician_summary(log)
print(summary.interpretation)
for flag in summary.flags:
    print("flag:", flag)
summary.table"""),
    ("md", """## The same, as one file

`spasm-analysis report data/sample/personal -o report.html` writes all of this as one
self-contained HTML page (figures inlined, nothing fetched from the network). From Python:"""),
    ("code", """from spasm_analysis.report import write_report

path = write_report(SAMPLE, Path(tempfile.mkdtemp()) / "report.html")
print(path, f"{path.stat().st_size / 1e6:.1f} MB")"""),
]

# --------------------------------------------------------------------------------------------
COHORT = [
    ("md", """# 2. Recurrent episodes in a cohort

A researcher's questions: how many episodes does a person accumulate over time in each group,
and do the curves differ? What is the effect of a covariate or a treatment on the episode rate,
with uncertainty that respects repeated episodes of one person? Is the effect the same for first
and later episodes? How much do people differ in their underlying rate?

We use the simulated cohort in `data/sample/cohort/` (300 people, known truth) and the classic
`bladder` data from R's `survival` package, whose published analyses every method here should
reproduce."""),
    ("code", f"""import json
import warnings
from importlib.resources import files
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import spasm_analysis as sa

{FIND_REPO}
SAMPLE = REPO / "data" / "sample" / "cohort"
truth = json.loads((SAMPLE / "truth.json").read_text())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    log = sa.read_log(SAMPLE)
pd.set_option("display.width", 120)
log"""),
    ("code", """sa.plot_events(log, by="arm", max_subjects=80)
plt.show()"""),
    ("md", """## From a log to (start, stop] intervals

Every model below works on the counting-process form: one row per stretch at risk, `(start,
stop]` in days since the person's start, `event = 1` when the stretch ends with an onset. Time
in an episode is not at risk (a new episode cannot start during one). `episode = k` marks the
rows at risk of the k-th episode, and `on_physiotherapy` is 1 while a course is going on."""),
    ("code", """cp = sa.to_counting_process(log, treatments="all")
cp.head(8)"""),
    ("md", """## Mean cumulative function by group

The MCF at day t is the average number of episodes per person by day t, among people still
observed. The band is a pointwise 95% interval from the Lawless-Nadeau robust variance, which
stays valid however a person's episodes depend on each other."""),
    ("code", """by_arm = sa.mcf(cp, by="arm")
print(by_arm.summary.to_string(index=False))
sa.plot_mcf(by_arm)
plt.show()"""),
    ("md", """The **pseudo-score test** (Cook, Lawless & Nadeau 1996) sums, over event times, the
difference between each group's episode rate and the pooled rate: U is that weighted sum, and
U^2 / variance is compared with a chi-square on 1 degree of freedom. Constant weights treat all
times alike; linear weights stress later times."""),
    ("code", """for weights in ("constant", "linear"):
    test = sa.mcf_test(cp, by="arm", weights=weights)
    print(f"{weights:>8}: U = {test.statistic:8.3f}, variance = {test.variance:9.2f}, "
          f"chi-square = {test.chisq:.2f}, p = {test.p_value:.3f}")
print(test.interpretation)"""),
    ("md", """## Andersen-Gill, PWP, WLW and frailty

* **Andersen-Gill**: one common baseline rate; each covariate multiplies the rate of every
  episode by its hazard ratio. Standard errors are cluster-robust by subject (R's
  `coxph(..., cluster = id)`).
* **PWP** (Prentice-Williams-Peterson): stratified by episode number, so the first, second, ...
  episodes have their own baseline; time since the start (`total`) or since the last episode
  (`gap`).
* **WLW** (Wei-Lin-Weissfeld): each of the first K episodes is a separate marginal outcome,
  everyone at risk from time 0.
* **Gamma frailty**: a person-level random effect; its variance measures how much people's
  underlying rates differ."""),
    ("code", """covariates = ["age", "sex", "arm", "on_physiotherapy"]
models = {
    "Andersen-Gill": sa.andersen_gill(cp, covariates),
    "PWP total": sa.pwp(cp, covariates),
    "PWP gap": sa.pwp(cp, covariates, scale="gap"),
    "WLW (first 4)": sa.wlw(cp, covariates, max_episodes=4),
    "Gamma frailty": sa.cox(cp, covariates, frailty="gamma"),
}
table = pd.DataFrame({name: m.hazard_ratios for name, m in models.items()})
table["truth"] = pd.Series(truth["hazard_ratios"])
table.round(3)"""),
    ("md", """How to read this: the data were simulated with a gamma frailty (variance 0.5), so the frailty
model is the one whose coefficients target the *conditional* (per-person) hazard ratios in the
truth column; with 300 people each estimate still carries sampling error of roughly +/- 0.1
(see the intervals in the forest plot), so no column matches the truth exactly. Andersen-Gill
estimates a population-averaged effect, pulled towards 1 by the unmodelled heterogeneity, but
its robust standard errors remain honest. PWP conditions on
the number of previous episodes, which partly absorbs frailty (people with many episodes reach
high strata) and so shrinks effects further. The estimated frailty variance:"""),
    ("code", """print(f"frailty variance: {models['Gamma frailty'].frailty_variance:.3f} (truth {truth['frailty_variance']})")
sa.plot_forest({k: models[k] for k in ("Andersen-Gill", "PWP total", "Gamma frailty")})
plt.show()"""),
    ("md", """## The `bladder` data, side by side with R

85 patients of a bladder cancer trial (placebo `rx = 1` vs thiotepa `rx = 2`), with up to four
recurrences each; covariates: number of initial tumours and size of the largest. The data ship
with spasm_analysis (`spasm_analysis/data/bladder2.csv`, an exact copy of R's
`survival::bladder2`; provenance in `bladder_README.md`)."""),
    ("code", """def shipped(name):
    return pd.read_csv(files("spasm_analysis") / "data" / name, comment="#")

bladder2 = shipped("bladder2.csv").rename(columns={"id": "subject"})
bladder = shipped("bladder.csv").rename(columns={"id": "subject"})
bladder2.head()"""),
    ("code", """terms = ["rx", "number", "size"]
wlw_rows = bladder[bladder["enum"] < 5].assign(start=0.0)
ours = {
    "Andersen-Gill": sa.andersen_gill(bladder2, terms),
    "PWP total time": sa.pwp(bladder2, terms, episode="enum"),
    "PWP gap time": sa.pwp(bladder2, terms, episode="enum", scale="gap"),
    "WLW": sa.cox(wlw_rows, terms, strata="enum"),
    "Gamma frailty": sa.cox(bladder2, terms, frailty="gamma"),
}
r = pd.read_csv(REPO / "tests" / "reference" / "bladder_models_r.csv", comment="#")
rows = []
for _, ref in r.iterrows():
    fit = ours[ref["model"]]
    se = fit.std_errors if fit.robust_std_errors is None else fit.robust_std_errors
    rows.append({"model": ref["model"], "term": ref["term"],
                 "coef (ours)": fit.params[ref["term"]], "coef (R)": ref["coef"],
                 "se used (ours)": se[ref["term"]],
                 "se used (R)": ref["se"] if pd.isna(ref["robust_se"]) else ref["robust_se"]})
side_by_side = pd.DataFrame(rows)
side_by_side["largest relative difference"] = (
    (side_by_side[["coef (ours)", "se used (ours)"]].to_numpy() - side_by_side[["coef (R)", "se used (R)"]].to_numpy())
    / side_by_side[["coef (R)", "se used (R)"]].abs().to_numpy()).max(axis=1)
side_by_side.round(6)"""),
    ("md", """Andersen-Gill, PWP and WLW agree with R's `coxph` to many digits (the test suite holds them
to 1e-6). The frailty fit agrees to about three digits: both programs choose the frailty
variance by a one-dimensional search on a profile likelihood and stop at slightly different
points:"""),
    ("code", """print(f"frailty variance: ours {ours['Gamma frailty'].frailty_variance:.4f}, "
      f"R {r.loc[r['model'] == 'Gamma frailty', 'frailty_variance'].iloc[0]:.4f}")"""),
    ("md", """Thiotepa (rx = 2) is associated with fewer recurrences in every model (hazard ratio
exp(coef) below 1), with the usual caution that the robust intervals include 1 for some models.

Finally the MCF comparison of the two arms, against R's `reda` package (`mcfDiff.test`, whose
numbers are recorded in `tests/reference/mcf_test_reda_bladder2.json`):"""),
    ("code", """reda = json.loads((REPO / "tests" / "reference" / "mcf_test_reda_bladder2.json").read_text())
for weights in ("constant", "linear"):
    test = sa.mcf_test(bladder2, by="rx", weights=weights)
    print(f"{weights:>8}: U = {test.statistic:.4f}, robust variance = {test.variance:.4f}, p = {test.p_value:.4f}")
print(json.dumps(reda, indent=1)[:800])"""),
]

# --------------------------------------------------------------------------------------------
TREATMENT = [
    ("md", """# 3. Treatment effects, and how they mislead

Three settings, each on simulated data where the true effect is known, so we can see which
estimates recover it and which do not:

1. A cohort in which treatment courses start and stop (a **time-varying** covariate).
2. One person: rate ratios, risk windows after sessions, and before/after a treatment start.
3. The caveats: **confounding by indication** and **regression to the mean**, which make a
   treatment that does nothing look helpful."""),
    ("code", """import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import spasm_analysis as sa

pd.set_option("display.width", 120)
warnings.simplefilter("ignore", sa.FollowUpInferredWarning)"""),
    ("md", """## 1. Time-varying treatment in a cohort

`simulate_cohort` gives each person treatment courses at random times (independent of their
episodes) that cut the episode rate to 0.6 times while on a course. `to_counting_process(...,
treatments=["physiotherapy"])` splits each person's time at course starts and ends, so
`on_physiotherapy` is 1 exactly while a course is going on."""),
    ("code", """cohort, cohort_truth = sa.simulate_cohort(400, seed=7, frailty_variance=0.0)
cp = sa.to_counting_process(cohort, treatments=["physiotherapy"])
ag = sa.andersen_gill(cp, ["arm", "on_physiotherapy"])
print(ag.summary[["exp(coef)", "exp_ci_lower", "exp_ci_upper", "p"]].round(3))
print("truth:", {k: cohort_truth.hazard_ratios[k] for k in ("arm", "on_physiotherapy")})"""),
    ("md", """A common mistake is to code treatment as a *baseline* covariate: "ever treated". People who
stay in the study longer have more chance to be treated, and their untreated time is credited to
the treated group, so the comparison no longer measures what happens during a course:"""),
    ("code", """ever = cp.groupby("subject")["on_physiotherapy"].transform("max").rename("ever_treated")
naive = sa.andersen_gill(cp.assign(ever_treated=ever), ["arm", "ever_treated"])
print(f"time-varying: {ag.hazard_ratios['on_physiotherapy']:.2f}   "
      f"'ever treated': {naive.hazard_ratios['ever_treated']:.2f}   truth: 0.6")"""),
    ("md", """## 2. One person

A ten-year personal log with three six-week physiotherapy courses that halve the rate while they
last, plus sessions of treatments that do nothing."""),
    ("code", """person, person_truth = sa.simulate_personal_log(seed=3)
rr = sa.rate_ratio(person, exposed="physiotherapy", carryover_days=0)
print(rr.interpretation)
rr.table.round(2)"""),
    ("md", """The rate ratio compares onsets per day at risk on and off the courses; the exact interval is
wide because one person has only a few onsets during 18 weeks of courses. Risk windows ask a
different question: what happens in the days *after* each session of an ineffective treatment?"""),
    ("code", """windows = sa.risk_windows(person, exposed="chiropractic")
print(windows.interpretation)
print(windows.assumption)
windows.table.round(3)"""),
    ("md", """The simulated sessions are booked shortly after onsets (as people do), and the function flags
that the design's assumption (session timing independent of episodes) looks violated.

## 3. Caveats shown on data where the truth is known

**Regression to the mean.** Here the treatment does nothing (`treatment_rate_ratio=1`). The
person starts it right after their worst three months, as people do. A before/after comparison
then shows an "improvement" that is only the return from an unusually bad stretch to the usual
rate:"""),
    ("code", """def worst_stretch_end(log, months=3):
    onsets = log.episodes["onset"]
    months_index = pd.date_range(onsets.min().normalize(), onsets.max(), freq="MS")
    counts = [((onsets >= m) & (onsets < m + pd.DateOffset(months=months))).sum() for m in months_index]
    worst = months_index[int(np.argmax(counts[:-months]))]
    return worst + pd.DateOffset(months=months)

def apparent_effect(seed):
    log, _ = sa.simulate_personal_log(seed=seed, treatment_rate_ratio=1.0, n_courses=0)
    start = worst_stretch_end(log)
    before = pd.DataFrame({"start": [start - pd.DateOffset(months=3)], "end": [start]})
    after = pd.DataFrame({"start": [start], "end": [start + pd.DateOffset(months=3)]})
    r_before = sa.rate_ratio(log, exposed=before)
    r_after = sa.rate_ratio(log, exposed=after)
    # rate in the 3 months after the start divided by the rate in the 3 months before
    return (r_after.events_exposed / r_after.time_exposed) / (r_before.events_exposed / r_before.time_exposed)

ratios = np.array([apparent_effect(seed) for seed in range(30)])
print(f"after/before rate ratio over 30 simulated people: median {np.median(ratios):.2f}, "
      f"below 1 for {np.mean(ratios < 1):.0%} of them; the true effect is 1.")"""),
    ("md", """`before_after` fits a segmented regression of monthly counts and checks for exactly this: when
the start follows a bad stretch it says so next to the number."""),
    ("code", """log, _ = sa.simulate_personal_log(seed=0, treatment_rate_ratio=1.0, n_courses=0)
result = sa.before_after(log, start=worst_stretch_end(log))
print(result.interpretation)
print()
print(result.caveat)"""),
    ("md", """**Confounding by indication.** The same mechanism in a cohort: if people start courses when
they are doing badly, the time just before a course has a high rate and the comparison between
on and off is biased. Random course timing (section 1) is what makes the time-varying estimate
trustworthy there; with real data, the risk-window assumption check and the before/after caveat
are the tool's way of saying "be careful"."""),
    ("code", """fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.hist(ratios, bins=12, color="#b2182b", alpha=0.6)
ax.axvline(1.0, color="black", linestyle="--", label="true effect")
ax.set_xlabel("apparent after/before rate ratio")
ax.set_ylabel("simulated people")
ax.legend(frameon=False)
plt.show()"""),
]


def build(cells, path: Path) -> None:
    notebook = new_notebook()
    notebook.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    for name, cells in (("01_personal_log.ipynb", PERSONAL), ("02_cohort_recurrence.ipynb", COHORT),
                        ("03_treatment_effects.ipynb", TREATMENT)):
        build(cells, HERE / name)
        print("wrote", HERE / name)
