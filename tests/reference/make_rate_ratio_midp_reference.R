# Reference numbers for the mid-p rate ratio common to several strata
# (spasm_analysis.personal.poisson_exact.midp_rate_ratio, the interval of sa.treatment_effect).
#
#   PYTHONPATH=. /work/venv/bin/python tests/reference/make_treatment_effect_inputs.py
#   Rscript tests/reference/make_rate_ratio_midp_reference.R
#
# Given each stratum's total n_s, its window count is Binomial(n_s, p_s) with
# p_s = psi E_s / (psi E_s + U_s).  Here the distribution of the total window
# count T is built directly at each psi by convolving the binomial densities
# stratum by stratum (no tilting, unlike the Python code), and
#   lower limit: P(T > t) + P(T = t) / 2 = alpha / 2,
#   upper limit: P(T < t) + P(T = t) / 2 = alpha / 2,
#   estimate:    E_psi[T] = t (conditional maximum likelihood),
#   p-value:     2 min(the two mid-p tails at psi = 1), at most 1,
# each solved with uniroot on log(psi).  For one stratum the tails are also
# written from pbinom/dbinom, and poisson.test's estimate (the ratio of rates)
# is written beside the conditional one.
source("tests/reference/reference_helpers.R")

strata <- read.csv(file.path(out_dir, "rate_ratio_midp_strata.csv"), comment.char = "#", stringsAsFactors = FALSE)
level <- 0.95
alpha <- 1 - level
far <- 30

density_of_total <- function(d, psi) {
  pmf <- 1
  for (i in seq_len(nrow(d))) {
    n <- d$window_onsets[i] + d$other_onsets[i]
    p <- psi * d$window_days[i] / (psi * d$window_days[i] + d$other_days[i])
    b <- dbinom(0:n, n, p)
    out <- numeric(length(pmf) + n)
    for (k in 0:n) {
      at <- (k + 1):(k + length(pmf))
      out[at] <- out[at] + b[k + 1] * pmf
    }
    pmf <- out
  }
  pmf
}

solve_log <- function(f, target) {
  g <- function(th) f(th) - target
  if (g(-far) * g(far) > 0) return(NA)
  uniroot(g, c(-far, far), tol = 1e-14, maxiter = 1000)$root
}

rows <- list()
for (name in unique(strata$case)) {
  d <- strata[strata$case == name, ]
  d <- d[(d$window_onsets + d$other_onsets) > 0 & d$window_days > 0 & d$other_days > 0, ]
  t <- sum(d$window_onsets)
  top <- sum(d$window_onsets + d$other_onsets)
  below <- function(th) { f <- density_of_total(d, exp(th)); sum(f[seq_len(t)]) + f[t + 1] / 2 }
  above <- function(th) { f <- density_of_total(d, exp(th)); sum(f[-seq_len(t + 1)]) + f[t + 1] / 2 }
  mean_t <- function(th) { f <- density_of_total(d, exp(th)); sum((seq_along(f) - 1) * f) }
  lower <- if (t == 0) -Inf else solve_log(above, alpha / 2)
  upper <- if (t == top) Inf else solve_log(below, alpha / 2)
  est <- if (t == 0) -Inf else if (t == top) Inf else solve_log(mean_t, t)
  p <- min(1, 2 * min(below(0), above(0)))
  expected <- sum((d$window_onsets + d$other_onsets) * d$window_days / (d$window_days + d$other_days))
  one <- data.frame(poisson_test_estimate = NA, pbinom_lower_tail = NA, pbinom_upper_tail = NA)
  if (nrow(d) == 1) {
    n <- top
    pt <- poisson.test(c(d$window_onsets, d$other_onsets), c(d$window_days, d$other_days))
    p_at <- function(th) exp(th) * d$window_days / (exp(th) * d$window_days + d$other_days)
    one <- data.frame(
      poisson_test_estimate = unname(pt$estimate),
      # the mid-p tails at the limits, from the binomial directly (each should be alpha / 2)
      pbinom_lower_tail = if (t > 0) pbinom(t, n, p_at(lower), lower.tail = FALSE) + dbinom(t, n, p_at(lower)) / 2 else NA,
      pbinom_upper_tail = if (t < n) pbinom(t - 1, n, p_at(upper)) + dbinom(t, n, p_at(upper)) / 2 else NA)
  }
  rows[[name]] <- cbind(data.frame(case = name, strata = nrow(d), onsets_in_window = t, rate_ratio = exp(est),
                                   ci_lower = exp(lower), ci_upper = exp(upper), p_value = p,
                                   expected_in_window = expected), one)
}
write_with_header(do.call(rbind, rows), file.path(out_dir, "rate_ratio_midp_reference.csv"),
                  versions_line("make_rate_ratio_midp_reference.R"))
