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
# # 2. Recurrent episodes in a cohort
#
# A researcher's questions: how many episodes does a person accumulate over time in each group,
# and do the curves differ? What is the effect of a covariate or a treatment on the episode rate,
# with uncertainty that respects repeated episodes of one person? Is the effect the same for first
# and later episodes? How much do people differ in their underlying rate?
#
# We use the simulated cohort in `data/sample/cohort/` (300 people, known truth) and the classic
# `bladder` data from R's `survival` package, whose published analyses every method here should
# reproduce.

# %%
import json
import warnings
from importlib.resources import files
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import spasm_analysis as sa

here = Path.cwd().resolve()
REPO = next(p for p in [here, *here.parents] if (p / "data" / "sample").exists())
SAMPLE = REPO / "data" / "sample" / "cohort"
truth = json.loads((SAMPLE / "truth.json").read_text())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    log = sa.read_log(SAMPLE)
pd.set_option("display.width", 120)
log

# %%
sa.plot_events(log, by="arm", max_subjects=80)
plt.show()

# %% [markdown]
# ## From a log to (start, stop] intervals
#
# Every model below works on the counting-process form: one row per stretch at risk, `(start,
# stop]` in days since the person's start, `event = 1` when the stretch ends with an onset. Time
# in an episode is not at risk (a new episode cannot start during one). `episode = k` marks the
# rows at risk of the k-th episode, and `on_physiotherapy` is 1 while a course is going on.

# %%
cp = sa.to_counting_process(log, treatments="all")
cp.head(8)

# %% [markdown]
# ## Mean cumulative function by group
#
# The MCF at day t is the average number of episodes per person by day t, among people still
# observed. The band is a pointwise 95% interval from the Lawless-Nadeau robust variance, which
# stays valid however a person's episodes depend on each other.

# %%
by_arm = sa.mcf(cp, by="arm")
print(by_arm.summary.to_string(index=False))
sa.plot_mcf(by_arm)
plt.show()

# %% [markdown]
# The **pseudo-score test** (Cook, Lawless & Nadeau 1996) sums, over event times, the
# difference between each group's episode rate and the pooled rate: U is that weighted sum, and
# U^2 / variance is compared with a chi-square on 1 degree of freedom. Constant weights treat all
# times alike; linear weights stress later times.

# %%
for weights in ("constant", "linear"):
    test = sa.mcf_test(cp, by="arm", weights=weights)
    print(f"{weights:>8}: U = {test.statistic:8.3f}, variance = {test.variance:9.2f}, "
          f"chi-square = {test.chisq:.2f}, p = {test.p_value:.3f}")
print(test.interpretation)

# %% [markdown]
# ## Andersen-Gill, PWP, WLW and frailty
#
# * **Andersen-Gill**: one common baseline rate; each covariate multiplies the rate of every
#   episode by its hazard ratio. Standard errors are cluster-robust by subject (R's
#   `coxph(..., cluster = id)`).
# * **PWP** (Prentice-Williams-Peterson): stratified by episode number, so the first, second, ...
#   episodes have their own baseline; time since the start (`total`) or since the last episode
#   (`gap`).
# * **WLW** (Wei-Lin-Weissfeld): each of the first K episodes is a separate marginal outcome,
#   everyone at risk from time 0.
# * **Gamma frailty**: a person-level random effect; its variance measures how much people's
#   underlying rates differ.

# %%
covariates = ["age", "sex", "arm", "on_physiotherapy"]
models = {
    "Andersen-Gill": sa.andersen_gill(cp, covariates),
    "PWP total": sa.pwp(cp, covariates),
    "PWP gap": sa.pwp(cp, covariates, scale="gap"),
    "WLW (first 4)": sa.wlw(cp, covariates, max_episodes=4),
    "Gamma frailty": sa.cox(cp, covariates, frailty="gamma"),
}
table = pd.DataFrame({name: m.hazard_ratios for name, m in models.items()})
table["truth"] = pd.Series(truth["hazard_ratios"])
table.round(3)

# %% [markdown]
# How to read this: the data were simulated with a gamma frailty (variance 0.5), so the frailty
# model is the one whose coefficients target the *conditional* (per-person) hazard ratios in the
# truth column; with 300 people each estimate still carries sampling error of roughly +/- 0.1
# (see the intervals in the forest plot), so no column matches the truth exactly. Andersen-Gill
# estimates a population-averaged effect, pulled towards 1 by the unmodelled heterogeneity, but
# its robust standard errors remain honest. PWP conditions on
# the number of previous episodes, which partly absorbs frailty (people with many episodes reach
# high strata) and so shrinks effects further. The estimated frailty variance:

# %%
print(f"frailty variance: {models['Gamma frailty'].frailty_variance:.3f} (truth {truth['frailty_variance']})")
sa.plot_forest({k: models[k] for k in ("Andersen-Gill", "PWP total", "Gamma frailty")})
plt.show()


# %% [markdown]
# ## The `bladder` data, side by side with R
#
# 85 patients of a bladder cancer trial (placebo `rx = 1` vs thiotepa `rx = 2`), with up to four
# recurrences each; covariates: number of initial tumours and size of the largest. The data ship
# with spasm_analysis (`spasm_analysis/data/bladder2.csv`, an exact copy of R's
# `survival::bladder2`; provenance in `bladder_README.md`).

# %%
def shipped(name):
    return pd.read_csv(files("spasm_analysis") / "data" / name, comment="#")

bladder2 = shipped("bladder2.csv").rename(columns={"id": "subject"})
bladder = shipped("bladder.csv").rename(columns={"id": "subject"})
bladder2.head()

# %%
terms = ["rx", "number", "size"]
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
side_by_side.round(6)

# %% [markdown]
# Andersen-Gill, PWP and WLW agree with R's `coxph` to many digits (the test suite holds them
# to 1e-6). The frailty fit agrees to about three digits: both programs choose the frailty
# variance by a one-dimensional search on a profile likelihood and stop at slightly different
# points:

# %%
print(f"frailty variance: ours {ours['Gamma frailty'].frailty_variance:.4f}, "
      f"R {r.loc[r['model'] == 'Gamma frailty', 'frailty_variance'].iloc[0]:.4f}")

# %% [markdown]
# ## Formulas, predicted curves and checks of the model
#
# Covariates can be written as a formula, as in R: text columns become indicators with the
# first level (in sorted order) as the reference, `a:b` is an interaction and `a*b` both main
# effects and the interaction. Terms that cannot be estimated (a constant column, or one fixed
# within every stratum) get NaN and a warning, as R does, and the rest is fitted.

# %%
bladder2_arm = bladder2.assign(arm=bladder2["rx"].map({1: "placebo", 2: "thiotepa"}))
ag = sa.andersen_gill(bladder2_arm, "arm + number + size")
print(ag)

# %% [markdown]
# **Predicted curve against the MCF.** For an Andersen-Gill fit, `predict_cumulative_hazard`
# gives the expected number of recurrences by each time for a covariate profile, with R's
# standard error (`survfit(fit, newdata)`, including the coefficients' robust variance). Drawn
# over the observed mean cumulative function of each arm, it shows how well a proportional
# model with one baseline rate describes the two curves (profiles at the median tumour number
# and size, so they sit somewhat below the arms' averages).

# %%
profiles = pd.DataFrame({"arm": ["placebo", "thiotepa"],
                         "number": bladder2["number"].median(), "size": bladder2["size"].median()})
ax = sa.plot_mcf(sa.mcf(bladder2_arm, by="arm"))
ag.plot_cumulative_hazard(profiles, ax=ax, labels=["placebo, median tumours", "thiotepa, median tumours"])
plt.show()
ag.predict_cumulative_hazard(profiles, times=[10, 20, 30, 40]).round(3)

# %% [markdown]
# **Proportional hazards.** `test_proportional_hazards` is R's `cox.zph`: each coefficient may
# drift with (Kaplan-Meier transformed) time, and a score test asks whether it does, per term and
# for all together (GLOBAL). A large p-value means no drift was detected, not that there is
# none. The plot shows the scaled Schoenfeld residuals with a smooth: a flat smooth around the
# dashed estimate is what proportional hazards looks like. Below, ours next to R's numbers for
# the same model (`tests/reference/cox_zph.csv`).

# %%
zph = ag.test_proportional_hazards()
r_zph = pd.read_csv(REPO / "tests" / "reference" / "cox_zph.csv", comment="#")
zph["chisq (R)"] = r_zph.loc[r_zph["case"] == "bladder2_ag", "chisq"].to_numpy()
zph["p (R)"] = r_zph.loc[r_zph["case"] == "bladder2_ag", "p"].to_numpy()
print(zph.round(5).to_string())
ag.plot_proportional_hazards("arm[T.thiotepa]")
plt.show()

# %% [markdown]
# Concordance (R's `concordance(fit)`), AIC and the residuals R users reach for: dfbeta
# summed by patient shows how much each patient moves each coefficient.

# %%
print(f"concordance {ag.concordance:.4f}, AIC {ag.aic:.2f}")
dfbeta = ag.residuals("dfbeta")
dfbeta.abs().max().round(4)

# %% [markdown]
# Thiotepa (rx = 2) is associated with fewer recurrences in every model (hazard ratio
# exp(coef) below 1), with the usual caution that the robust intervals include 1 for some models.
#
# Finally the MCF comparison of the two arms, against R's `reda` package (`mcfDiff.test`, whose
# numbers are recorded in `tests/reference/mcf_test_reda_bladder2.json`):

# %%
reda = json.loads((REPO / "tests" / "reference" / "mcf_test_reda_bladder2.json").read_text())
for weights in ("constant", "linear"):
    test = sa.mcf_test(bladder2, by="rx", weights=weights)
    print(f"{weights:>8}: U = {test.statistic:.4f}, robust variance = {test.variance:.4f}, p = {test.p_value:.4f}")
print(json.dumps(reda, indent=1)[:800])
