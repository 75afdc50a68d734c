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
# # 3. Treatment effects, and how they mislead
#
# Three settings, each on simulated data where the true effect is known, so we can see which
# estimates recover it and which do not:
#
# 1. A cohort in which treatment courses start and stop (a **time-varying** covariate).
# 2. One person: rate ratios, risk windows after sessions, and before/after a treatment start.
# 3. The caveats: **confounding by indication** and **regression to the mean**, which make a
#    treatment that does nothing look helpful.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import spasm_analysis as sa

pd.set_option("display.width", 120)
warnings.simplefilter("ignore", sa.FollowUpInferredWarning)

# %% [markdown]
# ## 1. Time-varying treatment in a cohort
#
# `simulate_cohort` gives each person treatment courses at random times (independent of their
# episodes) that cut the episode rate to 0.6 times while on a course. `to_counting_process(...,
# treatments=["physiotherapy"])` splits each person's time at course starts and ends, so
# `on_physiotherapy` is 1 exactly while a course is going on.

# %%
cohort, cohort_truth = sa.simulate_cohort(400, seed=7, frailty_variance=0.0)
cp = sa.to_counting_process(cohort, treatments=["physiotherapy"])
ag = sa.andersen_gill(cp, ["arm", "on_physiotherapy"])
print(ag.summary[["exp(coef)", "exp_ci_lower", "exp_ci_upper", "p"]].round(3))
print("truth:", {k: cohort_truth.hazard_ratios[k] for k in ("arm", "on_physiotherapy")})

# %% [markdown]
# A common mistake is to code treatment as a *baseline* covariate: "ever treated". People who
# stay in the study longer have more chance to be treated, and their untreated time is credited to
# the treated group, so the comparison no longer measures what happens during a course:

# %%
rows = cp.to_frame()  # the CountingProcess as a DataFrame, to derive a column
ever = rows.groupby("subject")["on_physiotherapy"].transform("max").rename("ever_treated")
naive = sa.andersen_gill(rows.assign(ever_treated=ever), ["arm", "ever_treated"])
print(f"time-varying: {ag.hazard_ratios['on_physiotherapy']:.2f}   "
      f"'ever treated': {naive.hazard_ratios['ever_treated']:.2f}   truth: 0.6")

# %% [markdown]
# ## 2. One person
#
# A ten-year personal log with three six-week physiotherapy courses that halve the rate while they
# last, plus sessions of treatments that do nothing.

# %%
person, person_truth = sa.simulate_personal_log(seed=3)
rr = sa.rate_ratio(person, exposed="physiotherapy", carryover_days=0)
print(rr.interpretation)
rr.table.round(2)

# %% [markdown]
# The rate ratio compares onsets per day at risk on and off the courses; the exact interval is
# wide because one person has only a few onsets during 18 weeks of courses. Risk windows ask a
# different question: what happens in the days *after* each session of an ineffective treatment?

# %%
windows = sa.risk_windows(person, exposed="chiropractic")
print(windows.interpretation)
print(windows.assumption)
windows.table.round(3)


# %% [markdown]
# The simulated sessions are booked shortly after onsets (as people do), and the function flags
# that the design's assumption (session timing independent of episodes) looks violated.
#
# ### "Did it help?" on a history shaped like a real one
#
# About 1.5 onsets a year, stepping up to 12 a year after year five; a course of six twice-weekly
# sessions started 1-10 days after onsets in the bad stretch; **no true effect**. The crude
# on/off comparison (`within="all"`) sets the bad years against the quiet ones. `treatment_effect`
# compares within the same stretch of the person's own rate (the change points), season and time
# since the last episode (treatment follows episodes), with an exact conditional mid-p interval,
# and answers "fewer episodes", "more episodes" or "can't tell". `interval="profile"` gives the
# profile-likelihood interval of the additive Poisson model instead; on the simulated logs of the
# benchmark below both hold their level about equally well with this comparison (the profile one
# was too narrow when calendar years were compared).

# %%
history, history_truth = sa.simulate_scenario("step", effect="none", seed=3)
crude = sa.rate_ratio(history, exposed="physiotherapy", carryover_days=14, within="all")
print("crude on/off:", crude.interpretation)
answer = sa.treatment_effect(history, "physiotherapy")
print("treatment_effect:", answer.verdict, "-", answer.interpretation)
answer.table.round(3)

# %% [markdown]
# The same history with a true 70% reduction in the 4-14 days after each session:

# %%
helped, _ = sa.simulate_scenario("step", effect="70% fewer", seed=3)
found = sa.treatment_effect(helped, "physiotherapy", window=(4, 14))
print(found.verdict, "-", found.interpretation)
found.plot()
plt.show()

# %% [markdown]
# On 1,000 such logs per scenario, `benchmarks/bench_personal_validity.py` measures how often
# each method claims an effect that is not there and how often it finds one that is
# (`benchmarks/RESULTS.md`).
#
# ## 3. Caveats shown on data where the truth is known
#
# **Regression to the mean.** Here the treatment does nothing (`treatment_rate_ratio=1`). The
# person starts it right after their worst three months, as people do. A before/after comparison
# then shows an "improvement" that is only the return from an unusually bad stretch to the usual
# rate:

# %%
def worst_stretch_end(log, months=3):
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
      f"below 1 for {np.mean(ratios < 1):.0%} of them; the true effect is 1.")

# %% [markdown]
# `before_after` fits a segmented regression of monthly counts and checks for exactly this: when
# the start follows a bad stretch it says so next to the number.

# %%
log, _ = sa.simulate_personal_log(seed=0, treatment_rate_ratio=1.0, n_courses=0)
result = sa.before_after(log, start=worst_stretch_end(log))
print(result.interpretation)
print()
print(result.caveat)

# %% [markdown]
# **Confounding by indication.** The same mechanism in a cohort: if people start courses when
# they are doing badly, the time just before a course has a high rate and the comparison between
# on and off is biased. Random course timing (section 1) is what makes the time-varying estimate
# trustworthy there; with real data, the risk-window assumption check and the before/after caveat
# are the tool's way of saying "be careful".

# %%
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.hist(ratios, bins=12, color="#b2182b", alpha=0.6)
ax.axvline(1.0, color="black", linestyle="--", label="true effect")
ax.set_xlabel("apparent after/before rate ratio")
ax.set_ylabel("simulated people")
ax.legend(frameon=False)
plt.show()
