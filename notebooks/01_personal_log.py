# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Your own log: from a messy spreadsheet to answers
#
# This notebook takes one person's log of back-spasm flare-ups, kept for ten years in a
# spreadsheet, and asks the questions people ask of such a record:
#
# 1. Are the episodes getting more frequent?
# 2. Did a treatment help, or would the gap have happened anyway?
# 3. Does something (a cold pool, long sitting) bring one on within a day or two?
# 4. When is the next one likely?
# 5. What should I show my clinician?
#
# The sample log in `data/sample/personal/` is **simulated**, so we know the truth it was drawn
# from (`truth.json`): the rate doubles over the ten years, physiotherapy courses halve it while
# they last, a cold pool triples the risk for two days and long sitting doubles it; chiropractic,
# trigger-point massage, acupuncture and muscle relaxants do nothing. We can check each answer
# against that truth. Nothing here is medical advice: every number describes a record, with its
# uncertainty.

# %%
import json
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import spasm_analysis as sa

here = Path.cwd().resolve()
REPO = next(p for p in [here, *here.parents] if (p / "data" / "sample").exists())
SAMPLE = REPO / "data" / "sample" / "personal"
truth = json.loads((SAMPLE / "truth.json").read_text())
pd.set_option("display.width", 120)

# %% [markdown]
# ## Loading and cleaning
#
# The spreadsheet looks like what people really keep: the early years were remembered, not
# recorded (`2013-08`, a month only), lengths are written as text (`a couple of days`,
# `about 6 days`), and the treatment column says `chiro`, `chiropractor`, `PT`...

# %%
raw = pd.read_csv(SAMPLE / "episodes.csv")
raw.head(8)

# %% [markdown]
# `sa.read_log` reads the folder (one file per table), recognises the ordinary headers
# (`Started` -> onset, `Duration` -> end = onset + duration, `Pain (0-10)` -> severity), maps
# treatment names to modalities with an editable vocabulary, and checks every row. Anything it
# had to assume is reported, never done silently.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    log = sa.read_log(SAMPLE)
for w in caught:
    print("note:", w.message)
log

# %%
log.episodes[["onset", "end", "onset_precision", "severity", "region", "trigger"]].head(6)

# %% [markdown]
# ## Imprecise dates
#
# An onset known only to a stretch of days keeps that stretch: `onset` is its first day and
# `onset_latest` its last. Treating the first day as exact would pile onsets up on the 1st of the
# month. Each analysis places them in the middle (`"midpoint"`), at either end (`"earliest"`,
# `"latest"`) or leaves them out (`"exclude"`), says which it did, and
# `imprecise_onset_sensitivity` runs several so you can see whether the answer depends on it.

# %%
print(log.episodes["onset_precision"].value_counts().to_string())
sa.imprecise_onset_sensitivity(sa.laplace_test, log, choices=("midpoint", "earliest", "latest", "exclude"))

# %% [markdown]
# ## Written the way it was remembered
#
# A real account reads more like this: "summer 2004", "early Oct 2013", "around Nov 8 2014", a
# rate remembered for years ("about once a year 2005-2012"), lengths such as "several days",
# "over a week", and a last spasm "still going". Each is read with the uncertainty it states, and
# nothing is refused. An episode still going counts as lasting at least to the last logged day.

# %%
account = pd.DataFrame({
    "Started": ["summer 2004", "about once a year 2005-2012", "early Oct 2013", "around Nov 8 2014", "2015-06-10"],
    "Lasted": ["several days", "a few days", "over a week", "a few days", "still going"],
})
remembered = sa.EpisodeLog(sa.read_episodes(account),
                           follow_up=pd.DataFrame({"start": ["2004-06-01"], "end": ["2015-06-19"]}))
remembered.episodes[["onset", "onset_latest", "end_earliest", "end_latest", "ongoing", "onset_precision"]].tail(5)

# %% [markdown]
# **Where a remembered onset goes.** Analyses place each such onset inside its stretch
# (`sa.place_onsets`: the middle, either end, or a random day), never drop it. What happens to the
# episode's end depends on what was written. A length ("a week") is known only relative to the
# onset, so the reader marks it (`end_from_length`) and the whole episode moves with its onset. An
# end written as a date stays where it was written, and the onset is never placed after it: "summer
# 2005, ended June 8" can only have begun June 1-8.

# %%
two_summers = sa.read_episodes(pd.DataFrame({"Started": ["summer 2004", "summer 2005"],
                                             "Lasted": ["a week", None], "Ended": [None, "2005-06-08"]}))
pd.concat({how: sa.place_onsets(two_summers, how)[["onset", "end", "end_from_length"]]
           for how in ("earliest", "midpoint", "latest")})

# %% [markdown]
# **Red flags come first.** A spasm lasting more than a week, or still going after a week, is the
# one thing practitioners say needs a specialist. `sa.red_flags` lists them, and every summary
# starts with them and with general guidance on when people are usually advised to get care (not
# a diagnosis).

# %%
sa.red_flags(remembered)

# %% [markdown]
# ## The whole record at a glance
#
# Bars run from onset to end (length = duration, colour = severity); faded spans are onsets known
# only to the month or year; the lanes below are treatments (marks = sessions, bands = courses)
# and recorded exposures. The calendar shows every day: grey days were not logged, which is not
# the same as days without an episode.

# %%
sa.plot_timeline(log)
plt.show()
sa.plot_calendar(log)
plt.show()

# %% [markdown]
# ## 1. Is it getting more frequent?
#
# The **Laplace test** compares the average onset time with the middle of the follow-up: if onsets
# crowd towards the end, U is large and positive. The **Crow-AMSAA** (power-law) model fits the
# expected number of onsets by day t as lam * t^beta: beta = 1 is a steady rate, beta > 1 a rising
# one.

# %%
laplace = sa.laplace_test(log)
fit = sa.crow_amsaa(log)
print(laplace)
print()
print(f"Power-law beta = {fit.beta:.2f} (95% CI {fit.ci_lower:.2f} to {fit.ci_upper:.2f}).")
print(fit.interpretation)
print(f"Truth: the rate was made to change by a factor {truth['settings']['rate_trend']} over the follow-up.")
sa.plot_cumulative_episodes(log)
plt.show()

# %% [markdown]
# A doubling over ten years is a modest trend for about 80 episodes: the tests may or may not
# call it significant, and the interval for beta shows how much the data allow. Rates per calendar
# year, with exact Poisson intervals, show the same thing year by year:

# %%
sa.yearly_rates(log).table

# %% [markdown]
# ### A step or a steady rise? Change points and one reconciled answer
#
# The tests above look for a smooth trend. Real logs more often change in steps: "about once a
# year, then every few weeks from November 2014". `sa.change_points` splits the log into
# stretches of constant onset rate (Worsley's likelihood ratio with binary segmentation, on time
# at risk, tested against reorderings of the gaps between episodes so that clusters are not
# mistaken for changes; about 5% of constant-rate logs show a false change). Each stretch has its
# rate with an exact interval, which takes the stretch's boundaries as given: it does not allow for
# the boundaries having been chosen from the same onsets, so in a log where a change was found by
# chance the intervals are too narrow. Onsets remembered only to the month or year are placed mid-period,
# and `sensitivity` shows what happens when they are placed anywhere else in their periods.
#
# `sa.trend_summary` states one answer (a step, a steady trend, or no clear change) with every
# test beside it, and says why they may disagree. It compares the stretches with a steady
# log-linear trend by Akaike's criterion, where each change location costs 6 (Ninomiya 2015);
# `trend_weight` is the support for the steady trend, which the forecast below uses.

# %%
answer = sa.trend_summary(log)
print(answer.answer)
print()
print(answer.explanation)
answer.table

# %%
stretches = answer.change_points
print(stretches.interpretation)
stretches.plot()
plt.show()
stretches.segments

# %% [markdown]
# The same on a history shaped like a real account (about one spasm a year 2004-2014, then every
# three weeks; simulated with `sa.simulate_scenario("step")`, which steps up half way through):

# %%
stepped, stepped_truth = sa.simulate_scenario("step", seed=3)
stepped_answer = sa.trend_summary(stepped)
print(stepped_answer.answer)
print(stepped_answer.explanation)
stepped_answer.change_points.segments

# %% [markdown]
# ## 2. Did the treatment help?
#
# `sa.treatment_effect` is the one answer to "did it help?". It compares onsets per day at risk in
# a window after each session with the same person's other days at risk **in the same stretch of
# her own onset rate** (the change points above, so that a treatment taken in a bad stretch is
# not compared with quiet years), **the same season and the same time since the last episode
# ended** (treatment is usually started *because* of an episode, and any episode is followed by a
# lull or a cluster that is not the treatment's doing), and leaves episode days out of the time at
# risk. The interval is an exact conditional mid-p interval within those strata. The verdict is
# exactly one of "fewer episodes", "more episodes" or "can't tell": it is "can't tell" whenever the
# interval is compatible with both a worthwhile benefit and harm, or too few onsets fall in the
# window. Onsets remembered only to the month or year are placed at the start, the middle and the
# end of their periods, and `placements` shows how far the answer moves.

# %%
rows = []
for modality in log.modalities:
    effect = sa.treatment_effect(log, modality)
    rows.append({"treatment": modality, "verdict": effect.verdict, "rate_ratio": effect.rate_ratio,
                 "ci_lower": effect.ci_lower, "ci_upper": effect.ci_upper,
                 "onsets_in_window": effect.onsets_in_window, "expected_in_window": effect.expected_in_window})
pd.DataFrame(rows).round(3)

# %%
physio = sa.treatment_effect(log, "physiotherapy")
print(physio.interpretation)
print("Truth:", {k: v for k, v in truth["hazard_ratios"].items() if k.startswith("on_")})
physio.placements

# %% [markdown]
# The spread across placements is the part of the answer that depends on where the remembered
# onsets really were. "Can't tell" with a wide interval is an honest answer for one person's
# record: a few courses rarely settle a treatment question. In this simulated log only
# physiotherapy has a true effect (it halves the rate), and its two courses are too few to show
# it. Looking at five treatments at once, one of them can come out as "fewer episodes" by chance
# alone (each verdict is at the 5% level): a single verdict resting on two or three onsets is a
# reason to keep logging, not a finding.
#
# `rate_ratio` is the building block underneath: onsets per day at risk while "on" a treatment
# (its sessions or courses, extended by a carry-over) against "off" time **in the same stretch of
# your own rate, season and time since the last episode** by default, the comparison
# `treatment_effect` makes (`within="years"` compares within calendar years instead;
# `within="all"` compares with all other time, which is what makes a treatment taken in a bad
# year look harmful).

# %%
block = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14)
print(block.interpretation)
sa.plot_monthly_rate(log, exposed="physiotherapy", carryover_days=14)
plt.show()

# %% [markdown]
# **Self-controlled risk windows** look at the days right after each session, compared with the
# same person's other time in the same stretch of her own rate, season and band of time since the
# last episode (the adjustments `treatment_effect` makes). They assume that the timing of sessions
# does not depend on recent episodes, and they check it: people book a chiropractor *because* of a
# flare-up, which puts sessions right after onsets and can make any treatment look harmful or
# helpful; the time-since-episode bands take out the lull or cluster that follows any episode.

# %%
windows = sa.risk_windows(log, exposed="chiropractic")
print(windows.interpretation)
print(windows.assumption)
windows.table

# %% [markdown]
# ## 3. What sets it off?
#
# The **case-crossover** design compares each onset's previous two days with matched days of the
# same person (same weekday, same month) without an onset. It needs the exposure recorded on
# ordinary days too: in this log exposures were recorded daily from 2019.

# %%
for exposure in ["cold_pool", "long_sitting"]:
    cc = sa.case_crossover(log, exposure=exposure)
    print(f"{exposure}: odds ratio {cc.odds_ratio:.2f} (95% CI {cc.ci_lower:.2f} to {cc.ci_upper:.2f}), "
          f"{cc.n_informative} onsets used")
print("Truth:", {k: v for k, v in truth["hazard_ratios"].items() if k.startswith("trigger_")})

# %% [markdown]
# When a trigger was written down only on the days a flare happened, there is nothing to
# compare with, and the function refuses rather than report a meaningless association:

# %%
exact = log.episodes[log.episodes["onset_precision"] == "day"]
only_on_episode_days = pd.DataFrame({"subject": "me", "time": exact["onset"], "exposure": "stress"})
try:
    sa.case_crossover(log.replace(exposures=only_on_episode_days), exposure="stress")
except sa.ExposureNotInformativeError as reason:
    print(reason)

# %% [markdown]
# ## How long do episodes last?

# %%
durations = sa.episode_durations(log)
print(f"Median {durations.summary['median_days'].iloc[0]:.1f} days; "
      f"{int(durations.summary['n_long'].iloc[0])} episodes lasted more than a week.")
durations.by_year[["year", "n_episodes", "median_days", "iqr_days", "max_days"]]

# %% [markdown]
# ## 4. When is the next one likely?
#
# The forecast weighs the two readings of the log above by how well each fits it (Akaike weights,
# with each change location costing 6 as Ninomiya 2015 derived): the current stretch only (the
# quiet years say little about the next few weeks), and the whole log with its steady trend carried
# on. A log that clearly stepped uses its current stretch, a clear steady rise its trend, and a log
# that could be either a share of both; `reading` (and a column of `summary`) says which. Within
# each, the chance of a new onset depends on the time since the last episode ended (episodes often
# come in clusters: another one soon after one), estimated from the gaps between episodes, and on
# the time of year when the data cover at least two years (a seasonal cycle, weighed against none
# the same way). An onset written to the day is taken at the middle of that day (counting its
# whole day as time at risk would make a frequent log look a little rarer than it is). A bootstrap
# gives the interval (widened by the spread between the readings); constant-rate, Weibull and
# Kaplan-Meier checks sit beside it. On 4,000 simulated logs of each kind the mean 30-day
# probability is within 0.035 of how often an onset came, for constant, step, steadily rising,
# seasonal, clustered and remembered histories; a steady rise, and a seasonal log near its peak,
# are still forecast a little low (about 0.025 below the true chance), a step a little high (0.02),
# and one log's forecast is off by about 0.09 either way (see `benchmarks/RESULTS.md`).
# `sensitivity` shows the forecast with the remembered onsets placed elsewhere or left out, so no
# option changes the answer silently. It is a summary of the record, not a prediction to act on.

# %%
forecast = sa.forecast_next_episode(log, n_bootstrap=200, seed=1)
print(forecast.interpretation)
print(f"Readings: {forecast.reading}; current stretch from {forecast.stretch_start:%B %Y} ({forecast.model})")
if forecast.trend_hazard is not None:
    print(f"Steady-trend reading: the hazard changes by a factor {forecast.trend_hazard.trend_per_year:.2f} a year, "
          f"seasonal high/low {forecast.trend_hazard.seasonal_ratio:.2f}")
forecast.summary

# %%
forecast.sensitivity.drop_duplicates(subset=["stretch_start", "within_30_days"])

# %% [markdown]
# ## 5. A summary for the clinician
#
# Red flags and when to get care first; then the recent episodes with your notes and triggers,
# recent months against a baseline, lengths, and the treatments and medications tried with what you
# noted helped. `print` gives it as text; `spasm-analysis clinician data/sample/personal -o
# summary.pdf` prints it on one page (A4, or `--paper Letter`). Use `log.between(start, end)` (or
# `--since`/`--until`) to look at part of the log only.

# %%
summary = sa.clinician_summary(log)
print(summary)

# %%
print(sa.clinician_summary(log.between("2020-01-01", None)).interpretation)

# %% [markdown]
# ## The same, as one file
#
# `spasm-analysis report data/sample/personal -o report.html` writes all of this as one
# self-contained HTML page (figures inlined, nothing fetched from the network). From Python:

# %%
from spasm_analysis.report import write_report

path = write_report(SAMPLE, Path(tempfile.mkdtemp()) / "report.html")
print(path, f"{path.stat().st_size / 1e6:.1f} MB")
