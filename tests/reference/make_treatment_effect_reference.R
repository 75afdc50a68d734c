# Reference numbers for sa.treatment_effect (self-controlled Poisson comparison), from R.
#
#   PYTHONPATH=. /work/venv/bin/python tests/reference/make_treatment_effect_inputs.py
#   Rscript tests/reference/make_treatment_effect_reference.R
#
# For each case of treatment_effect_cells.csv, R fits
#   glm(events ~ 0 + factor(period) + factor(season) + pre + recent + window,
#       family = poisson, offset = log(days))
# (terms without variation dropped), and solves the profile-likelihood limits of
# the window's coefficient exactly: the deviance of the fit with that coefficient
# fixed at b (moved into the offset) exceeds the minimum by qchisq(level, 1).
# The p-value is the likelihood-ratio test of b = 0.  With no onset in the window
# the estimate is -Inf and the minimum deviance is that of the cells outside the
# window (their contribution vanishes as b -> -Inf).  MASS confint (interpolated
# profile) is written beside it for comparison.
source("tests/reference/reference_helpers.R")
suppressPackageStartupMessages(library(MASS))

cells <- read.csv(file.path(out_dir, "treatment_effect_cells.csv"), comment.char = "#", stringsAsFactors = FALSE)
tight <- glm.control(epsilon = 1e-14, maxit = 200)
level <- 0.95
crit <- qchisq(level, 1)

terms_of <- function(d) {
  rhs <- c("0", if (length(unique(d$period)) > 1) "factor(period)" else "1",
           if (length(unique(d$season)) > 1) "factor(season)",
           if (length(unique(d$pre)) > 1) "pre", if (length(unique(d$recent)) > 1) "recent")
  rhs
}

deviance_at <- function(d, b) {
  f <- as.formula(paste("events ~", paste(terms_of(d), collapse = " + ")))
  deviance(glm(f, family = poisson, data = d, offset = log(days) + b * window, control = tight))
}

rows <- list()
for (name in unique(cells$case)) {
  d <- cells[cells$case == name, ]
  rhs <- terms_of(d)
  if (sum(d$events[d$window == 1]) > 0) {
    full <- glm(as.formula(paste("events ~", paste(c(rhs, "window"), collapse = " + "))),
                family = poisson, data = d, offset = log(days), control = tight)
    est <- unname(coef(full)["window"])
    dmin <- deviance(full)
    mass <- tryCatch(suppressMessages(confint(full, "window", level = level)), error = function(e) c(NA, NA))
  } else {
    outside <- d[d$window == 0, ]
    est <- -Inf
    dmin <- deviance(glm(as.formula(paste("events ~", paste(terms_of(outside), collapse = " + "))),
                         family = poisson, data = outside, offset = log(days), control = tight))
    mass <- c(NA, NA)
  }
  excess <- function(b) deviance_at(d, b) - dmin - crit
  centre <- if (is.finite(est)) est else -15
  lower <- if (excess(-30) < 0) -Inf else uniroot(excess, c(-30, centre), tol = 1e-13)$root
  upper <- if (excess(30) < 0) Inf else uniroot(excess, c(centre, 30), tol = 1e-13)$root
  p <- pchisq(max(deviance_at(d, 0) - dmin, 0), 1, lower.tail = FALSE)
  expected0 <- {
    f0 <- glm(as.formula(paste("events ~", paste(rhs, collapse = " + "))), family = poisson, data = d,
              offset = log(days), control = tight)
    sum(fitted(f0)[d$window == 1])
  }
  rows[[name]] <- data.frame(case = name, rate_ratio = exp(est), ci_lower = exp(lower), ci_upper = exp(upper),
                             p_value = p, expected_in_window = expected0,
                             mass_confint_lower = exp(unname(mass[1])), mass_confint_upper = exp(unname(mass[2])))
}
write_with_header(do.call(rbind, rows), file.path(out_dir, "treatment_effect_reference.csv"),
                  versions_line("make_treatment_effect_reference.R"))
