# Reference numbers for the personal analyses (spasm_analysis.personal), from R.
#
#   .venv/bin/python tests/reference/make_personal_inputs.py   # writes the personal_*.csv inputs
#   Rscript tests/reference/make_personal_reference.R          # writes personal_reference.csv
#
# Each input is the data one analysis fits its model to (derived by spasm_analysis
# from a seeded simulated log); R fits the same model with its reference routine:
#   rate ratio        stats::poisson.test (two-sample, conditional binomial)
#   case-crossover    survival::clogit
#   risk windows      stats::glm(poisson) with log(days) offset
#   before/after      stats::glm(poisson) and MASS::glm.nb, log(days) offset
#   seasonality       deviance of the common-rate poisson glm
#   forecast          survival::survreg(dist = "weibull")
suppressPackageStartupMessages({
  library(survival)
  library(MASS)
})

here <- if (length(sys.frames())) dirname(sys.frame(1)$ofile) else "tests/reference"
args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(file_arg)) here <- dirname(file_arg)
read <- function(name) read.csv(file.path(here, name), comment.char = "#", stringsAsFactors = FALSE)

# Converge tightly so the comparison measures the methods, not stopping rules.
tight <- glm.control(epsilon = 1e-12, maxit = 100)

out <- list()
put <- function(name, value) out[[name]] <<- unname(value)

# Exact rate ratio ---------------------------------------------------------------
rr <- read("personal_rate_ratio_cases.csv")
for (i in seq_len(nrow(rr))) {
  test <- poisson.test(c(rr$a[i], rr$b[i]), c(rr$t1[i], rr$t0[i]))
  put(sprintf("rate_ratio_%d_estimate", i), test$estimate)
  put(sprintf("rate_ratio_%d_lower", i), test$conf.int[1])
  put(sprintf("rate_ratio_%d_upper", i), test$conf.int[2])
  put(sprintf("rate_ratio_%d_p", i), test$p.value)
}

# Case-crossover -----------------------------------------------------------------
cc <- read("personal_case_crossover_design.csv")
fit <- clogit(case ~ exposed + strata(stratum), data = cc, control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
put("case_crossover_coef", coef(fit)[["exposed"]])
put("case_crossover_se", sqrt(vcov(fit)[1, 1]))

# Risk windows (conditional Poisson = Poisson with subject intercepts; one subject here)
risk_window_reference <- function(file, prefix) {
  rw <- read(file)
  rw <- rw[rw$days > 0, ]
  rw$window <- relevel(factor(rw$window), ref = "control")
  # One intercept per period (the person's own stretches of constant rate by default, calendar years in
  # the second case): periods without onsets are already left out.  Time since the last episode
  # (since_episode) is adjusted for like the season.
  terms <- c("window", "adjust")
  if ("since_episode" %in% names(rw)) terms <- c(terms, "factor(since_episode)")
  if ("period" %in% names(rw) && length(unique(rw$period)) > 1) terms <- c(terms, "factor(period)")
  rw_formula <- as.formula(paste("events ~", paste(terms, collapse = " + "), "+ offset(log(days))"))
  fit <- glm(rw_formula, family = poisson, data = rw, control = tight)
  for (w in setdiff(levels(rw$window), "control")) {
    put(sprintf("%s_%s_coef", prefix, w), coef(fit)[[paste0("window", w)]])
    put(sprintf("%s_%s_se", prefix, w), sqrt(vcov(fit)[paste0("window", w), paste0("window", w)]))
  }
}
risk_window_reference("personal_risk_window_cells.csv", "risk_window")
risk_window_reference("personal_risk_window_cells_years.csv", "risk_window_years")

# Before/after segmented regression ------------------------------------------------
ba <- read("personal_before_after_months.csv")
ba$after <- as.numeric(ba$after == "True")
fit <- glm(events ~ years + after + years:after + offset(log(days_at_risk)), family = poisson, data = ba, control = tight)
put("before_after_poisson_level", coef(fit)[["after"]])
put("before_after_poisson_level_se", sqrt(vcov(fit)["after", "after"]))
put("before_after_poisson_slope", coef(fit)[["years:after"]])
nb <- glm.nb(events ~ years + after + years:after + offset(log(days_at_risk)), data = ba, control = tight)
put("before_after_nb_level", coef(nb)[["after"]])
put("before_after_nb_slope", coef(nb)[["years:after"]])
put("before_after_nb_theta", nb$theta)

# Seasonality: likelihood-ratio statistic of equal monthly rates ----------------------
se <- read("personal_seasonality_months.csv")
put("seasonality_chisq", deviance(glm(events ~ 1 + offset(log(days_at_risk)), family = poisson, data = se, control = tight)))

# Forecast: Weibull fit to the gaps --------------------------------------------------
gaps <- read("personal_forecast_gaps.csv")
fit <- survreg(Surv(duration, observed) ~ 1, data = gaps, dist = "weibull", control = survreg.control(rel.tolerance = 1e-12, maxiter = 100))
put("forecast_weibull_shape", 1 / fit$scale)
put("forecast_weibull_scale", exp(coef(fit)[[1]]))

con <- file(file.path(here, "personal_reference.csv"), "w")
writeLines(c(
  sprintf("# %s; survival %s; MASS %s", R.version.string, packageVersion("survival"), packageVersion("MASS")),
  "# written by tests/reference/make_personal_reference.R from the personal_*.csv inputs"
), con)
write.csv(data.frame(quantity = names(out), value = sprintf("%.17g", unlist(out))), con, row.names = FALSE, quote = TRUE)
close(con)
cat("wrote", length(out), "reference values\n")
